#!/bin/sh
# reload.sh -- SIGHUP reloads the configuration and every list atomically;
# an invalid configuration or list on reload is logged as FILE:LINE and the
# old configuration stays in force; several SIGHUPs in a row, and a SIGHUP
# during a session, are harmless; SIGTERM stops with exit status 0.
. "$(dirname "$0")/lib.sh"

t_begin "SIGHUP reload and SIGTERM"

T_TIMEOUT=$(t_slow 5)

# write FILE: replace FILE atomically with stdin.
write() {
	cat >"$1.new" && mv "$1.new" "$1"
}

# conf [EXTRA-LINE...]: the config (the base lines, then the whitelist,
# the listener, then the extra lines).
conf() {
	{
		t_base_conf
		echo "ip_whitelist = wl.txt"
		echo "listener = mta-v6 defensive"
		for _l in "$@"; do printf '%s\n' "$_l"; done
	} | write "$T_DIR/milter.conf"
}

# outcome ADDR: print trusted, green, deferred, mx6-reject, accepted or other.
outcome() {
	t_msg -n mta-v6 "$1" | t_session "outcome" >/dev/null
	if grep -q '^insheader 0 X-MX6-Verdict: trusted;' "$T_OUT"; then echo trusted
	elif grep -Fxq 'rcpt: reply' "$T_OUT" && grep -q '^reply: 450 ' "$T_OUT"; then echo deferred
	elif grep -Fxq 'eom: reply' "$T_OUT" && grep -q '^reply: 550' "$T_OUT"; then echo mx6-reject
	elif grep -Fxq 'eom: accept' "$T_OUT"; then echo accepted
	else echo other; fi
}

# expect ADDR WANT [SECONDS]: the outcome becomes WANT within SECONDS (5).
expect() {
	_n=$((${3:-5} * 10))
	_i=0
	while :; do
		_got=$(outcome "$1")
		[ "$_got" = "$2" ] && break
		if [ $_i -ge $_n ]; then
			t_notok "$1 is $2 (got $_got)"
			sed 's/^/  | /' "$T_OUT"
			return 0
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	t_ok "$1 is $2"
}

printf '# whitelist, first version\n2001:db8::77\n' | write "$T_DIR/wl.txt"
conf
t_start "$T_DIR/milter.conf"

t_section "before reload"
expect 2001:db8::77 trusted 0
expect 2001:db8::99 deferred 0

t_section "replace the whitelist, SIGHUP"
printf '# whitelist, second version\n\n2001:db8::99\n' | write "$T_DIR/wl.txt"
t_log_mark
t_signal HUP
expect 2001:db8::99 trusted
t_match '^insheader 0 X-MX6-Verdict: trusted; reason=ip_whitelist; source=[^ ]*wl\.txt:3$' "source is the new file's line 3"
expect 2001:db8::77 deferred 0
t_running "daemon survived SIGHUP"

t_section "invalid configuration on SIGHUP: logged, old configuration kept"
conf 'default_mode = paranoid'
t_log_mark
t_signal HUP
_ln=$((T_BASE_LINES + 3))
t_log_has "reload error names milter.conf:$_ln" "$T_DIR/milter.conf:$_ln: "
t_running "daemon survived an invalid configuration"
expect 2001:db8::99 trusted 0
expect 2001:db8::77 deferred 0

t_section "invalid list on SIGHUP: logged, old lists kept"
conf
printf '2001:db8::55\nthis is not an address\n' | write "$T_DIR/wl.txt"
t_log_mark
t_signal HUP
t_log_has "reload error names wl.txt:2" "wl.txt:2: "
t_running "daemon survived an invalid list"
expect 2001:db8::99 trusted 0
expect 2001:db8::55 deferred 0

t_section "fixed configuration and list: the new ones take effect together"
printf '2001:db8::55\n' | write "$T_DIR/wl.txt"
conf 'default_mode = mx6'
t_signal HUP
expect 2001:db8::55 trusted
expect 2001:db8::99 deferred 0
t_msg 2001:db8::66 | t_session mx6-after-reload
t_line "reply: 550-5.7.26 MX6: please retry this message over IPv4" "default_mode = mx6 in force"

t_section "five SIGHUPs in a row"
for _ in 1 2 3 4 5; do t_signal HUP; done
sleep 0.5
t_running "daemon survived five SIGHUPs"
expect 2001:db8::55 trusted
for _ in 1 2 3 4 5; do t_signal HUP; sleep 0.05; done
sleep 0.5
t_running "daemon survived five more SIGHUPs"
expect 2001:db8::55 trusted

t_section "SIGHUP in the middle of a session"
{
	printf 'connect client.example.org 2001:db8::55\nhelo x\nmail <a@example.org>\nrcpt <b@example.net>\n'
	printf 'header Subject: slow\nsleep 1\neoh\nbody x\neom\nquit\n'
} >"$T_DIR/slow.script"
"$MTCLIENT" -s "unix:$T_SOCK" -t "$(t_slow 10)" "$T_DIR/slow.script" >"$T_DIR/slow.out" 2>&1 &
slow=$!
sleep 0.4
printf '2001:db8::44\n' | write "$T_DIR/wl.txt"
t_signal HUP
wait $slow
st=$?
sed 's/^/  | /' "$T_DIR/slow.out"
t_check "the session in progress completes (mtclient exit $st)" [ "$st" = 0 ]
t_check "the session in progress keeps the snapshot it started with (still trusted)" \
	grep -q '^insheader 0 X-MX6-Verdict: trusted; reason=ip_whitelist' "$T_DIR/slow.out"
expect 2001:db8::44 trusted
t_running

t_section "SIGTERM"
t_stop
t_check "SIGTERM: exit status 0 (got $T_STATUS)" [ "$T_STATUS" = 0 ]
t_check "SIGTERM: the socket file is removed" [ ! -e "$T_SOCK" ]

t_done
