#!/bin/sh
# dns-faults.sh -- DNS faults through the milter protocol: the daemon
# (milter/mx6-milter, driven by tests/milter/mtclient) asks a test DNS
# server that times out, answers SERVFAIL or REFUSED, loops CNAMEs,
# truncates, serves huge TXT records, 100 SPF includes and 16 KB DKIM
# keys. For each fault: the method's result is the one its RFC gives,
# the session ends within dns_timeout (plus slack) per lookup that times
# out, an IPv6 client whose mail a good result would have accepted is
# deferred with 451 4.4.3 only for temporary errors (permanent errors
# give the ordinary 450 4.7.26), and the same mail from an IPv4 client
# is accepted. The daemon must still be running at the end.
#
# Why each result (RFC 7208 4.4/5 and 2.6.6, RFC 6376 6.1.2, RFC 7489
# 6.6.2/6.6.3):
#   time-out, SERVFAIL, REFUSED    temperror: "the lookup times out" or an
#                                  RCODE other than 0 and 3.
#   CNAME loop                     temperror: a resolver reports a loop as
#                                  SERVFAIL (RFC 1034 3.6.2 forbids
#                                  loops, RFC 2181 10.1 leaves it to the
#                                  resolver), i.e. a DNS error, not "no
#                                  record"; unbound and libunbound both
#                                  give up with SERVFAIL.
#   TC answer, TCP works           the full answer (RFC 7766: retry over
#                                  TCP), so the right result (pass).
#   TC answer, TCP closed/hangs    temperror (no answer at all).
#   SPF record longer than what    permerror: libspf2 would silently drop
#   libspf2 compiles (4-60 KB)     terms (see lib/spf.c); long in bytes
#                                  but few terms: evaluated (pass).
#   DMARC record of 4 KB           read whole: p=reject after the rua=.
#   more than 10 includes          permerror (RFC 7208 4.6.4), after at
#                                  most 11 record lookups.
#   DKIM key record of 16 KB       permerror "key record too large":
#                                  asking again cannot help (a broken
#                                  p= would be permerror too).
#
# MX6_TEST_SLACK_MS (default 1500) is the time allowed on top of the
# time-outs, e.g. more under valgrind. Skips (77) without unbound, python3
# or openssl.
. "$(dirname "$0")/../milter/lib.sh"

t_begin "DNS faults: time-outs, SERVFAIL, loops, truncation, huge records, 100 includes"

DNS_SERVER=$t_top_srcdir/tests/dns/server.sh
FAULTDNS=$t_top_srcdir/tests/faults/faultdns.py
MKZONE=$t_top_srcdir/tests/faults/mkzone.py
SIGN=${DKIM_SIGN:-$t_top_builddir/tests/dkim/dkim-sign}
PYTHON=${PYTHON:-python3}
export PYTHON
TIMEOUT=2     # dns_timeout, seconds
SLACK_MS=${MX6_TEST_SLACK_MS:-1500} # what a loaded machine adds to a session

sh "$DNS_SERVER" check || exit 77
command -v openssl >/dev/null 2>&1 || t_skip "openssl is not installed"
[ -x "$SIGN" ] || t_skip "tests/dkim/dkim-sign not built"

# Stop what we started (the PIDs recorded in files) on exit.
# shellcheck disable=SC2154 # _st is set in the trap
trap '_st=$?; sh "$DNS_SERVER" stop "$T_DIR/dns" >/dev/null 2>&1
	[ -s "$T_DIR/faultdns.pid" ] && kill "$(cat "$T_DIR/faultdns.pid")" 2>/dev/null
	(exit $_st); t_cleanup' EXIT

TEMP='451 4.4.3 Temporary DNS failure checking sender over IPv6; please retry over IPv4'
DEFER='450 4.7.26 Not accepted over IPv6: message must pass SPF or DKIM or come from a known sender; please retry over IPv4'

# ---------------------------------------------------------------- setup
openssl genrsa -out "$T_DIR/dkim.pem" 2048 2>/dev/null
PUB=$(openssl rsa -in "$T_DIR/dkim.pem" -pubout -outform DER 2>/dev/null | base64 | tr -d '\n')
[ -n "$PUB" ] || t_skip "cannot make an RSA key with openssl"

"$PYTHON" "$MKZONE" "$PUB" >"$T_DIR/zone.conf" || {
	t_notok "mkzone.py wrote the zone file"
	t_done
}
t_dns_start "$T_DIR/zone.conf"
PORT=$T_DNS_PORT

"$PYTHON" "$FAULTDNS" --port-file "$T_DIR/faultdns.port" --log "$T_DIR/faultdns.log" \
	</dev/null >"$T_DIR/faultdns.out" 2>&1 &
echo $! >"$T_DIR/faultdns.pid"
_i=0
while [ ! -s "$T_DIR/faultdns.port" ] && [ $_i -lt 100 ]; do
	sleep 0.1
	_i=$((_i + 1))
done
[ -s "$T_DIR/faultdns.port" ] || {
	cat "$T_DIR/faultdns.out"
	t_notok "faultdns.py started"
	t_done
}
FPORT=$(cat "$T_DIR/faultdns.port")
t_say "# fault responder on 127.0.0.1@$FPORT"

# Every domain whose mail a good result makes green (authenticated and
# on the greenlist), so that only a DNS error stands in the way.
cat >"$T_DIR/green.txt" <<'EOF'
ok.test
spfto.test
incto.test
dmto.test
dkto.test
incsf.test
increfused.test
dmsf.test
dksf.test
loop.cl.test
dmloop.test
dkloop.test
big4.test
big20.test
big60.test
pad2.test
pad20.test
manytxt.test
dmbig.test
dkok.test
dkbig.test
dkpad.test
ch0.chain.test
fan20.test
fan100.test
tc.test
tcdead.test
tchang.test
cnloop.test
EOF

# conf FILE FORWARDER: iprev and a client DNSWL too, so their lookups
# can fail as well.
conf() {
	{
		t_base_conf | grep -v '^dns_unbound_conf\|^iprev'
		echo "dns_forwarders = 127.0.0.1@$2"
		echo "dns_timeout = $TIMEOUT"
		echo "default_mode = defensive"
		echo "domain_greenlist = green.txt"
		echo "iprev = greenlist"
		echo "dnswl = wl.test"
	} >"$1"
}
conf "$T_DIR/milter.conf" "$PORT"
conf "$T_DIR/milter-tc.conf" "$FPORT"

# now_ms: a monotonic-enough clock in milliseconds.
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# The mtclient script for a message from a@DOMAIN signed by DOMAIN
# (selector sel) with the test key; CLIENT and QUEUEID as for t_msg.
signed_msg() {
	_sd=$1
	_sc=$2
	_sq=$3
	printf 'From: Alice <a@%s>\nTo: <b@example.net>\nSubject: test message\nDate: Mon, 30 Nov 2026 10:00:00 +0000\n\nHello\n' \
		"$_sd" >"$T_DIR/$_sq.eml"
	"$SIGN" -d "$_sd" -s sel -k "$T_DIR/dkim.pem" "$T_DIR/$_sq.eml" >"$T_DIR/$_sq.signed" ||
		return 1
	# headers as "-h" arguments would need quoting: write the script
	t_msg -H -q "$_sq" -f "<a@$_sd>" -b 'Hello\r\n' "$_sc" | sed '/^eoh$/,$d'
	"$PYTHON" - "$T_DIR/$_sq.signed" <<'PY'
import sys
text = open(sys.argv[1]).read().split("\n\n", 1)[0]
fields = []
for line in text.split("\n"):
    if line[:1] in (" ", "\t") and fields:
        fields[-1] += "\r\n" + line
    else:
        fields.append(line)
for f in fields:
    esc = f.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
    print("header " + esc)
PY
	printf 'eoh\nbody Hello\\r\\n\nmacro E i=%s\neom\nquit\n' "$_sq"
}

# session NAME CLIENT DOMAIN [signed]: one message from a@DOMAIN; sets
# ELAPSED (ms), the time mtclient took. The daemon log is marked first.
session() {
	if [ "${4:-}" = signed ]; then
		signed_msg "$3" "$2" "Q$1" >"$T_DIR/$1.in"
	else
		t_msg -q "Q$1" -f "<a@$3>" -h "X-Fault: $1" "$2" >"$T_DIR/$1.in"
	fi
	t_log_mark
	_t0=$(now_ms)
	t_session "$1" <"$T_DIR/$1.in"
	ELAPSED=$(($(now_ms) - _t0))
	t_say "# $1: ${ELAPSED} ms"
}

# within NAME LOOKUPS_TIMING_OUT: the session took at most that many
# dns_timeouts plus slack and, if any, at least one dns_timeout (the
# fault really was a time-out).
within() {
	_max=$(($2 * TIMEOUT * 1000 + SLACK_MS))
	if [ "$ELAPSED" -le "$_max" ]; then
		t_ok "$1: done in ${ELAPSED} ms (<= $_max)"
	else
		t_notok "$1: done in ${ELAPSED} ms (<= $_max)"
	fi
	if [ "$2" -gt 0 ]; then
		_min=$((TIMEOUT * 1000 - 100))
		if [ "$ELAPSED" -ge "$_min" ]; then
			t_ok "$1: waited for the time-out (${ELAPSED} ms >= $_min)"
		else
			t_notok "$1: waited for the time-out (${ELAPSED} ms >= $_min)"
		fi
	fi
}

# v6 NAME DOMAIN REPLY REASON TIMEOUTS [CLIENT] [signed]: an IPv6 message
# from a@DOMAIN gets REPLY ("accept" for none) within TIMEOUTS time-outs;
# the decision log line has REASON (e.g. spf:temperror) or, if accepted
# (the log gives the greenlist as reason), the Authentication-Results
# header has it (spf:pass: spf=pass).
v6() {
	_n=$1 _d=$2 _r=$3 _why=$4 _to=$5
	session "$_n" "${6:-2001:db8::66}" "$_d" "${7:-}"
	t_rc 0 "$_n: session completed"
	if [ "$_r" = accept ]; then
		t_line "eom: accept" "$_n: accepted"
		t_nomatch '^reply: ' "$_n: no reply text"
		t_match "^insheader 0 Authentication-Results: .*\\\\t${_why%%:*}=${_why#*:} " \
			"$_n: Authentication-Results: ${_why%%:*}=${_why#*:}"
	else
		t_line "reply: $_r" "$_n: reply ${_r%% Temporary*}"
		t_log_has "$_n: logged with $_why" "Q$_n:" "$_why"
	fi
	within "$_n" "$_to"
	t_running "$_n: daemon still running"
}

# v4 NAME DOMAIN [signed] [CLIENT]: the same mail from an IPv4 client is
# accepted, never deferred or rejected, and without waiting for any DNS.
v4() {
	session "$1" "${4:-192.0.2.66}" "$2" "${3:-}"
	t_rc 0 "$1: session completed"
	t_nomatch '^reply: |: (tempfail|reject|discard)$' "$1: IPv4 neither deferred nor rejected"
	t_match '^eom: (accept|continue)$' "$1: IPv4 accepted"
	within "$1" 0
}

# explain NAME DOMAIN ERE: mx6-check --json on the signed message of
# session NAME (from a@DOMAIN, IPv6) has a line matching ERE; for the
# reason comments that the daemon's log line leaves out.
explain() {
	"$t_top_builddir/milter/mx6-check" --config "$T_DIR/milter.conf" --ip 2001:db8::66 \
		--from "a@$2" --json "$T_DIR/Q$1.signed" >"$T_DIR/$1.json" 2>&1
	if grep -Eq -- "$3" "$T_DIR/$1.json"; then
		t_ok "$1: mx6-check --json: $3"
	else
		sed 's/^/  | /' "$T_DIR/$1.json"
		t_notok "$1: mx6-check --json: $3"
	fi
}

# queried NAME-ERE: distinct names matching it that unbound was asked.
queried() {
	grep -o "info: 127\.0\.0\.1 [^ ]* TXT IN" "$T_DIR/dns/unbound.log" |
		awk '{ print $3 }' | grep -E "$1" | sort -u | wc -l
}

t_start "$T_DIR/milter.conf"

# ---------------------------------------------------------------- control
t_section "control: a good SPF record, a good DKIM key"
v6 ok ok.test accept spf:pass 0
v6 dkok dkok.test accept dkim:pass 0 2001:db8::66 signed
v6 plain plain.test "$DEFER" "reasons=unlisted" 0
v4 ok4 ok.test

# ---------------------------------------------------------------- time-outs
t_section "time-outs (dns_timeout = $TIMEOUT s)"
v6 spfto spfto.test "$TEMP" spf:temperror 1
v4 spfto4 spfto.test
v6 incto incto.test "$TEMP" spf:temperror 1
v4 incto4 incto.test
v6 dkto dkto.test "$TEMP" dkim:temperror 1 2001:db8::66 signed
explain dkto dkto.test 'dkim=temperror \(key DNS query failed\)'
v4 dkto4 dkto.test signed
v6 dmto dmto.test "$TEMP" dmarc:temperror 1
v4 dmto4 dmto.test
# iprev (PTR of 2001:db8::99) and the DNSWL lookup of 2001:db8::98 time
# out; the sender (plain.test) is not on the greenlist, so only those
# signals could have helped: temperror instead of "unlisted".
v6 iprevto plain.test "$TEMP" reasons=temperror 1 2001:db8::99
v6 dnswlto plain.test "$TEMP" reasons=temperror 1 2001:db8::98
v4 iprevto4 plain.test "" 192.0.2.99
v4 dnswlto4 plain.test "" 192.0.2.98

# ---------------------------------------------------------------- SERVFAIL
t_section "SERVFAIL and REFUSED"
v6 incsf incsf.test "$TEMP" spf:temperror 0
v4 incsf4 incsf.test
v6 increfused increfused.test "$TEMP" spf:temperror 0
v6 dmsf dmsf.test "$TEMP" dmarc:temperror 0
v4 dmsf4 dmsf.test
v6 dksf dksf.test "$TEMP" dkim:temperror 0 2001:db8::66 signed
v4 dksf4 dksf.test signed

# ---------------------------------------------------------------- loops
t_section "CNAME loops: SERVFAIL from the resolver, so temperror"
v6 spfloop loop.cl.test "$TEMP" spf:temperror 0
v4 spfloop4 loop.cl.test
v6 dmloop dmloop.test "$TEMP" dmarc:temperror 0
v4 dmloop4 dmloop.test
v6 dkloop dkloop.test "$TEMP" dkim:temperror 0 2001:db8::66 signed
v4 dkloop4 dkloop.test signed

# ---------------------------------------------------------------- huge
t_section "huge TXT records"
for kb in 4 20 60; do
	v6 "big$kb" "big$kb.test" "$DEFER" spf:permerror 0
	v4 "big${kb}v4" "big$kb.test"
done
# Long in bytes, few terms: more than a UDP answer holds (libunbound asks
# with a 1232-byte EDNS buffer), so the resolver must go over TCP.
v6 pad2 pad2.test accept spf:pass 0
v6 pad20 pad20.test accept spf:pass 0
v6 manytxt manytxt.test accept spf:pass 0
# SPF softfail, DMARC fails with p=reject read after 4 KB of rua=.
v6 dmbig dmbig.test "$DEFER" reasons=auth-fail 0
t_log_has "dmbig: DMARC fail" "Qdmbig:" "dmarc:fail"
v4 dmbig4 dmbig.test
v6 dkbig dkbig.test "$DEFER" dkim:permerror 0 2001:db8::66 signed
explain dkbig dkbig.test 'dkim=permerror \(key record too large\) header\.d=dkbig\.test'
v4 dkbig4 dkbig.test signed
v6 dkpad dkpad.test "$DEFER" dkim:permerror 0 2001:db8::66 signed
explain dkpad dkpad.test '"reasons":\["unlisted","spf:neutral","dkim:permerror","dmarc:none"'

# ---------------------------------------------------------------- includes
t_section "100 SPF includes: permerror after at most 10 DNS terms"
v6 chain ch0.chain.test "$DEFER" spf:permerror 0
n=$(queried '^ch[0-9]+\.chain\.test\.$')
t_check "chain: $n of the 100 records asked for (<= 11: the domain's and 10 includes)" \
	[ "$n" -ge 10 ] && [ "$n" -le 11 ]
v4 chain4 ch0.chain.test
v6 fan20 fan20.test "$DEFER" spf:permerror 0
n=$(queried '^f[0-9]+\.fan20\.test\.$')
t_check "fan20: $n of the 20 included records asked for (<= 10)" [ "$n" -le 10 ]
v6 fan100 fan100.test "$DEFER" spf:permerror 0
n=$(queried '^f[0-9]+\.fan100\.test\.$')
t_check "fan100: $n of the 100 included records asked for (<= 10)" [ "$n" -le 10 ]
v4 fan100v4 fan100.test

# ---------------------------------------------------------------- truncation
t_section "truncated answers and answer loops, the fault responder as forwarder"
t_start "$T_DIR/milter-tc.conf"
v6 tc tc.test accept spf:pass 0
t_check "tc: tc.test asked over UDP, then over TCP" \
	grep -q '^tcp tc.test 16$' "$T_DIR/faultdns.log"
v4 tc4 tc.test
v6 tcdead tcdead.test "$TEMP" spf:temperror 0
v4 tcdead4 tcdead.test
# Two lookups time out here, the SPF record's and the DMARC record's (the
# whole zone hangs): each is bounded by dns_timeout, their sum is not.
v6 tchang tchang.test "$TEMP" spf:temperror 2
v4 tchang4 tchang.test
v6 cnloop cnloop.test "$TEMP" spf:temperror 0
v4 cnloop4 cnloop.test

t_done
