#!/bin/sh
# robustness.sh -- bad input must not kill the daemon (SPEC 10): malformed
# packets (huge or zero length, garbage, truncation, missing NULs, bad
# macros, commands out of order), odd but valid sessions (abort in the
# middle, huge headers, many recipients, many forged headers, unknown
# address family) and parallel sessions. After each, a fresh well-formed
# session must still work.
. "$(dirname "$0")/lib.sh"

t_begin "malformed input and stress"

cat >"$T_DIR/wl.txt" <<'EOF'
2001:db8::77
EOF
{
	t_base_conf
	echo "ip_whitelist = wl.txt"
} >"$T_DIR/milter.conf"
t_start "$T_DIR/milter.conf"

T_TIMEOUT=$(t_slow 5)

# fresh LABEL: a well-formed trusted IPv6 session is still accepted.
fresh() {
	t_msg 2001:db8::77 | t_session "fresh-$1"
	t_line "eom: accept" "after $1: a fresh session is accepted"
	t_match '^insheader 0 X-MX6-Verdict: trusted;' "after $1: and still classified"
	t_running "after $1: daemon still running"
}

# ------------------------------------------------------------ malformed
t_section "huge packet length"
printf 'raw 7f ff ff ff 4f 00 00 00 06\nsleep 0.3\n' | t_session huge
fresh huge

t_section "length 0xffffffff"
printf 'raw ff ff ff ff 43\nsleep 0.3\n' | t_session huge2
fresh huge2

t_section "garbage: an HTTP request"
printf 'raw %s\nsleep 0.3\n' "$(printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' | od -An -tx1 | tr -d '\n')" | t_session garbage
fresh garbage

t_section "zero length packet"
printf 'raw 00 00 00 00\nsleep 0.3\n' | t_session zero
fresh zero

t_section "truncated packet (length 16, 2 bytes sent, then close)"
printf 'optneg\nraw 00 00 00 10 43 41\n' | t_session truncated
fresh truncated

t_section "connect without NUL"
printf 'optneg\nsend C client.example.org\nsleep 0.3\n' | t_session connect-nonul
fresh connect-nonul

t_section "connect with family 6 and no address"
printf 'optneg\nsend C host\\0\\x36\nsleep 0.3\n' | t_session connect-short
fresh connect-short

t_section "connect with a bad IPv6 address"
printf 'connect client.example.org 2001:db8::zz 25\nhelo x\nmail <a@example.org>\nrcpt <b@example.net>\nquit\n' | t_session connect-badaddr
t_running "bad IPv6 address: daemon still running"
fresh connect-badaddr

t_section "commands out of order (RCPT, EOM, header before connect)"
printf 'optneg\nsend R <b@example.net>\\0\nsend E\nsend L Subject\\0x\\0\nsleep 0.3\n' | t_session out-of-order
fresh out-of-order

t_section "MAIL before HELO and connect, body before DATA"
printf 'optneg\nsend M <a@example.org>\\0\nsend B hello\nsend N\nsleep 0.3\n' | t_session out-of-order2
fresh out-of-order2

t_section "malformed macros"
printf 'optneg\nsend D C{daemon_name}\nsend D\nsend D Z{x}\\0y\\0\nsend D C{client_addr}\\0\nconnect h 2001:db8::77\nhelo x\nsleep 0.3\n' | t_session bad-macros
fresh bad-macros

t_section "unknown command letters"
printf 'optneg\nsend z xyz\nsend \\ 0\nsleep 0.3\n' | t_session unknown-letters
fresh unknown-letters

t_section "a second option negotiation in one connection"
printf 'optneg\nraw 00 00 00 0d 4f 00 00 00 06 00 00 01 ff 00 1f ff ff\nsleep 0.3\n' | t_session optneg-twice
fresh optneg-twice

t_section "connect then close at once, twice"
printf 'raw\n' | t_session close-at-once
printf 'optneg\n' | t_session close-after-optneg
fresh close-at-once

# ------------------------------------------------------------ odd sessions
t_section "unknown address family"
{
	printf 'connect unknown unknown\nhelo x\nmail <a@example.org>\nrcpt <b@example.net>\n'
	printf 'data\nheader Subject: x\neoh\nbody x\neom\nquit\n'
} | t_session family-unknown
t_rc 0 "unknown family: the session completes"
t_match '^(rcpt|eom): (accept|continue|tempfail|reject|reply)$' "unknown family: answered"
fresh family-unknown

t_section "abort in the middle of a message, then a new message"
{
	printf 'connect client.example.org 2001:db8::77\nhelo x\nmail <a@example.org>\nrcpt <b@example.net>\n'
	printf 'header Subject: first\nabort\n'
	printf 'mail <c@example.org>\nrcpt <d@example.net>\ndata\nheader Subject: second\neoh\nbody x\neom\nquit\n'
} | t_session abort-middle
t_rc 0
t_line "eom: accept" "second message accepted"
t_count 1 "insheader 0 Authentication-Results: mx.test;\\n\\tspf=none smtp.mailfrom=example.org;\\n\\tdkim=none;\\n\\tdmarc=permerror (no single RFC5322.From domain)" "headers added once (the second message has no From)"

t_section "abort after a deferral, then a new message from the same client"
{
	printf 'connect client.example.org 2001:db8::66\nhelo x\nmail <a@example.org>\nrcpt <b@example.net>\nabort\n'
	printf 'mail <c@example.org>\nrcpt <d@example.net>\nquit\n'
} | t_session abort-after-defer
t_count 2 "rcpt: reply" "unknown client deferred in both messages"

long=$(head -c 30000 /dev/zero | tr '\0' 'a')
t_section "a 60 000 byte header value"
{
	t_msg -h "X-Long: $long$long" -h "Authentication-Results: mx.test; spf=pass $long" 2001:db8::77
} | t_session long-header
t_rc 0
t_line "eom: accept"
t_line_i "chgheader Authentication-Results 1: (delete)" "long forged AR deleted"
fresh long-header

t_section "500 recipients from an unknown IPv6 client"
{
	printf 'connect client.example.org 2001:db8::66\nhelo x\nmail <a@example.org>\n'
	i=1
	while [ $i -le 500 ]; do printf 'rcpt <r%d@example.net>\n' $i; i=$((i + 1)); done
	printf 'quit\n'
} | t_session many-rcpts
t_rc 0
t_count 500 "rcpt: reply" "every recipient deferred"
fresh many-rcpts

t_section "300 forged X-MX6-Verdict headers over IPv4"
{
	printf 'connect client.example.org 192.0.2.66\nhelo x\nmail <a@example.org>\nrcpt <b@example.net>\ndata\n'
	i=1
	while [ $i -le 300 ]; do printf 'header X-MX6-Verdict: trusted; reason=forged%d\n' $i; i=$((i + 1)); done
	printf 'eoh\nbody x\neom\nquit\n'
} | t_session many-forged-v4
t_rc 0
t_line "eom: accept" "IPv4 with 300 forged headers: accepted"
_n=$(grep -c '^chgheader X-MX6-Verdict [0-9]*: (delete)$' "$T_OUT")
t_say "  (deleted $_n of 300 forged headers)"
fresh many-forged-v4

t_section "300 forged X-MX6-Verdict headers over IPv6 (whitelisted)"
{
	printf 'connect client.example.org 2001:db8::77\nhelo x\nmail <a@example.org>\nrcpt <b@example.net>\ndata\n'
	i=1
	while [ $i -le 300 ]; do printf 'header X-MX6-Verdict: trusted; reason=forged%d\n' $i; i=$((i + 1)); done
	printf 'eoh\nbody x\neom\nquit\n'
} | t_session many-forged-v6
t_rc 0
t_match '^eom: (accept|tempfail|reply)$' "IPv6 with 300 forged headers: answered"
_n=$(grep -c '^chgheader X-MX6-Verdict [0-9]*: (delete)$' "$T_OUT")
t_say "  (deleted $_n of 300 forged headers; final: $(grep '^eom:' "$T_OUT"))"
if grep -Fxq "eom: accept" "$T_OUT"; then
	t_check "IPv6 accepted with forged headers: all 300 deleted (got $_n)" [ "$_n" = 300 ]
fi
fresh many-forged-v6

t_section "non-printable bytes in HELO, MAIL and headers"
{
	printf 'connect client.example.org 2001:db8::66\nhelo he\\x01lo\\r\\n\n'
	printf 'mail <a\\x7f\\x1b[31m\\r\\n@example.org>\nrcpt <b\\x00@example.net>\nquit\n'
} | t_session nonprintable
t_line "rcpt: reply" "deferred"
t_nomatch '^reply: .*\\x' "no control characters in the reply"
t_log_has "log: the deferral is logged" "client=[2001:db8::66]" "action=defer"
# shellcheck disable=SC2016 # expanded by the inner shell
t_check "log: control characters from HELO/MAIL are not written raw" \
	sh -c '! LC_ALL=C grep -q "$(printf "[\001\033\177]")" "$1"' sh "$T_LOG"
fresh nonprintable

# ------------------------------------------------------------ parallel
t_section "20 parallel sessions"
i=1
while [ $i -le 20 ]; do
	case $((i % 3)) in
	0) a=192.0.2.$i ;;
	1) a=2001:db8::77 ;;
	2) a=2001:db8::1:$i ;;
	esac
	t_msg -q "PAR$i" "$a" >"$T_DIR/par$i.script"
	"$MTCLIENT" -s "unix:$T_SOCK" -t "$(t_slow 20)" "$T_DIR/par$i.script" >"$T_DIR/par$i.out" 2>&1 &
	eval "par_pid_$i=\$!"
	i=$((i + 1))
done
bad=
i=1
while [ $i -le 20 ]; do
	eval "wait \$par_pid_$i"
	st=$?
	case $((i % 3)) in
	0 | 1) want="eom: accept" ;;
	2) want="rcpt: reply" ;;
	esac
	if [ "$st" != 0 ] || ! grep -Fxq "$want" "$T_DIR/par$i.out"; then
		bad="$bad $i"
		sed "s/^/  par$i | /" "$T_DIR/par$i.out"
	fi
	i=$((i + 1))
done
t_check "all 20 parallel sessions answered as expected${bad:+ (failed:$bad)}" [ -z "$bad" ]
t_running "after parallel sessions: daemon still running"

t_section "the daemon wrote no sanitizer or assertion reports"
# shellcheck disable=SC2016 # expanded by the inner shell
t_check "no AddressSanitizer/UBSan/assert output in the log" \
	sh -c '! grep -Eq "AddressSanitizer|runtime error|Assertion|LeakSanitizer" "$1"' sh "$T_LOG"

t_stop
t_check "SIGTERM: exit status 0 (got $T_STATUS)" [ "$T_STATUS" = 0 ]

t_done
