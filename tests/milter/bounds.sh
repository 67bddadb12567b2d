#!/bin/sh
# bounds.sh -- resource bounds (milter.conf(5) "Bounds") against the daemon,
# over the milter protocol, with a real DNS server (tests/dns/server.sh) so
# that a From header authenticates for real: friend.test publishes
# "v=spf1 ip6:2001:db8::66 ip4:192.0.2.66 -all" and no DMARC record, so
# mail from <friend@friend.test> sent by 2001:db8::66 has an authenticated
# domain, and friend.test is on domain_whitelist (trusted).
#
# 1. max_headers = 5: From as the 5th field: trusted; as the 6th: not
#    inspected, no From-based pass, deferred with defer_reply (reason
#    bounds); one log line "bound=max_headers limit=5". A client on
#    ip_greenlist: green with 5 fields, deferred with 6 (an unseen From
#    could have failed DMARC, which no greenlist outweighs).
# 2. max_header_bytes = 1024: fields of exactly 1024 bytes with From last:
#    trusted; one byte more: deferred.
# 3. max_recipients = 2, addressbooks of bob, carol and erin all list the
#    author: two recipients: trusted; a third (beyond the bound, not looked
#    up): green, never trusted.
# 4. max_session_memory = 16k: 20 KB of headers after the From: IPv6
#    deferred with 451 4.3.4 at end of message; the same from IPv4: accepted.
# 5. max_dkim_signatures = 1: of two signatures (the valid one second),
#    only the first is verified: deferred; = 2: trusted (dkim=pass).
# 6. max_sessions = 2: two IPv6 sessions held open; a third IPv6 session
#    is deferred at MAIL with 451 4.3.2, an IPv4 one accepted uninspected;
#    a burst of refusals is logged at most once a second and the counts of
#    the lines add up to the refusals; once the held sessions end, IPv6
#    mail is inspected again.
. "$(dirname "$0")/lib.sh"

t_begin "resource bounds: max_headers, max_header_bytes, max_recipients, max_session_memory, max_sessions"

DNS_SERVER=$t_top_srcdir/tests/dns/server.sh
sh "$DNS_SERVER" check || exit 77
# shellcheck disable=SC2154 # _st is set in the trap
trap '_st=$?; sh "$DNS_SERVER" stop "$T_DIR/dns" >/dev/null 2>&1; (exit $_st); t_cleanup' EXIT

DEFER='450 4.7.26 Not accepted over IPv6: message must pass SPF or DKIM or come from a known sender; please retry over IPv4'

cat >"$T_DIR/zone.conf" <<'EOF'
local-zone: "friend.test." static
local-data: 'friend.test. 300 IN TXT "v=spf1 ip6:2001:db8::66 ip4:192.0.2.66 -all"'
local-zone: "stranger.test." static
local-zone: "other.test." static
local-zone: "signed.test." static
EOF
# DKIM: signed.test publishes a key (and neither SPF nor DMARC), other.test
# none. Skipped (that part only) without openssl or dkim-sign.
SIGN=$t_top_builddir/tests/dkim/dkim-sign
have_dkim=
if command -v openssl >/dev/null 2>&1 && [ -x "$SIGN" ]; then
	openssl genrsa -out "$T_DIR/dkim.pem" 1024 2>/dev/null
	pub=$(openssl rsa -in "$T_DIR/dkim.pem" -pubout -outform DER 2>/dev/null | base64 | tr -d '\n')
	if [ -n "$pub" ]; then
		printf "local-data: 'sel._domainkey.signed.test. 300 IN TXT %s'\n" \
			"$(printf 'v=DKIM1; k=rsa; p=%s' "$pub" | fold -w 250 | sed 's/.*/"&"/' | tr '\n' ' ')" \
			>>"$T_DIR/zone.conf"
		have_dkim=1
	fi
fi
t_dns_start "$T_DIR/zone.conf"
PORT=$T_DNS_PORT

echo friend.test >"$T_DIR/domains"
mkdir "$T_DIR/books"
for u in bob carol erin; do
	echo friend@friend.test >"$T_DIR/books/$u@example.net"
done

# conf LINES...: the base, the test DNS server, then the lines.
conf() {
	{
		t_base_conf | grep -v '^dns_unbound_conf'
		echo "dns_forwarders = 127.0.0.1@$PORT"
		echo "dns_timeout = 2"
		printf '%s\n' "$@"
	} >"$T_DIR/milter.conf"
}

# fill N BYTES: N header options for t_msg, X-Fill fields whose name and
# value (as the daemon sees it, with the leading space kept for DKIM)
# take BYTES bytes each.
fill() {
	_v=$(printf "%$(($2 - 7))s" '' | tr ' ' x)
	_i=0
	while [ $_i -lt "$1" ]; do
		printf -- '-h\nX-Fill: %s\n' "$_v"
		_i=$((_i + 1))
	done
}

# msg NAME CLIENT [T_MSG-ARGS...]: a message from <friend@friend.test>
# with no default headers (the caller gives them) to bob.
msg() {
	_mn=$1
	_mc=$2
	shift 2
	t_msg -q "Q$_mn" -H -f '<friend@friend.test>' "$@" "$_mc" | t_session "$_mn"
}

# msgf NAME CLIENT FILL-COUNT FILL-BYTES [T_MSG-ARGS...]: fillers first.
msgf() {
	_fn=$1 _fc=$2 _fcount=$3 _fbytes=$4
	shift 4
	# Word splitting on newlines only: each option is one line.
	_old_ifs=$IFS
	IFS='
'
	# shellcheck disable=SC2046
	set -- $(fill "$_fcount" "$_fbytes") "$@"
	IFS=$_old_ifs
	msg "$_fn" "$_fc" "$@"
}

FROM='From: <friend@friend.test>' # "From" + " <friend@friend.test>": 25 bytes

trusted() {
	t_rc 0 "$1: session completed"
	t_match '^insheader 0 X-MX6-Verdict: trusted; reason=domain_whitelist' "$1: trusted by domain_whitelist"
	t_line "eom: accept" "$1: accepted"
}

deferred() {
	t_rc 0 "$1: session completed"
	t_line "eom: reply" "$1: refused at end of message"
	t_line "reply: $DEFER" "$1: deferred with defer_reply (no From-based pass)"
	t_nomatch '^insheader' "$1: no header added"
}

# ------------------------------------------------------------ max_headers
t_section "max_headers = 5"
echo 2001:db8::77 >"$T_DIR/greenips"
conf "domain_whitelist = domains" "ip_greenlist = greenips" "max_headers = 5"
t_start "$T_DIR/milter.conf"
msgf hdr-edge 2001:db8::66 4 20 -h "$FROM"
trusted "From is the 5th field"
t_log_mark
msgf hdr-over 2001:db8::66 5 20 -h "$FROM"
deferred "From is the 6th field"
t_log_has "max_headers: log line" "Qhdr-over: client=[2001:db8::66] bound=max_headers limit=5 headers=5 "
t_log_has "max_headers: decision" "Qhdr-over: client=[2001:db8::66]" "class=unknown" "action=defer" "reasons=bounds,spf:pass,dkim:none,dmarc:permerror"
t_section "max_headers = 5: a client on ip_greenlist is green only if every field was inspected"
msgf green-edge 2001:db8::77 4 20 -f '<a@stranger.test>' -h 'From: <a@stranger.test>'
t_match '^insheader 0 X-MX6-Verdict: green; reason=ip_greenlist' "ip_greenlist, 5 fields: green"
t_log_mark
msgf green-over 2001:db8::77 5 20 -f '<a@stranger.test>' -h 'From: <a@stranger.test>'
deferred "ip_greenlist, 6 fields (an unseen From could fail DMARC)"
t_log_has "ip_greenlist, 6 fields: reason bounds" "Qgreen-over: client=[2001:db8::77]" "class=unknown" "reasons=bounds,"
t_section "max_headers = 5: From first, then more than 5 fields (a second From could hide there)"
msg hdr-first2 2001:db8::66 -h "$FROM" -h 'X-A: 1' -h 'X-B: 2' -h 'X-C: 3' -h 'X-D: 4' -h 'X-E: 5'
deferred "From first, 6 fields"
msg hdr-first3 2001:db8::66 -h "$FROM" -h 'X-A: 1' -h 'X-B: 2' -h 'X-C: 3' -h 'X-D: 4'
trusted "From first, 5 fields"

# ------------------------------------------------------------ max_header_bytes
t_section "max_header_bytes = 1024"
conf "domain_whitelist = domains" "max_header_bytes = 1024"
t_start "$T_DIR/milter.conf"
# A filler of 999 bytes + From (25) = 1024.
msgf bytes-edge 2001:db8::66 1 999 -h "$FROM"
trusted "1024 bytes of header"
t_log_mark
msgf bytes-over 2001:db8::66 1 1000 -h "$FROM"
deferred "1025 bytes of header"
t_log_has "max_header_bytes: log line" "Qbytes-over: client=[2001:db8::66] bound=max_header_bytes limit=1024 headers=1 header_bytes=1000 "

# ------------------------------------------------------------ max_recipients
t_section "max_recipients = 2 (addressbooks of bob, carol, erin list the author)"
conf "addressbook = dir:books" "max_recipients = 2"
t_start "$T_DIR/milter.conf"
msg rcpt-edge 2001:db8::66 -h "$FROM" -r '<bob@example.net>' -r '<carol@example.net>'
t_match '^insheader 0 X-MX6-Verdict: trusted; reason=addressbook' "2 recipients, all books: trusted"
t_log_mark
msg rcpt-over 2001:db8::66 -h "$FROM" -r '<bob@example.net>' -r '<carol@example.net>' -r '<erin@example.net>'
t_match '^insheader 0 X-MX6-Verdict: green; reason=addressbook:some' "3 recipients, the 3rd not looked up: green, not trusted"
t_line "eom: accept" "3 recipients: accepted (green)"
t_log_has "max_recipients: log line" "Qrcpt-over: client=[2001:db8::66] bound=max_recipients limit=2 " "recipients=3 "

# ------------------------------------------------------------ max_session_memory
t_section "max_session_memory = 16k, max_header_bytes = 64k"
conf "domain_whitelist = domains" "max_session_memory = 16k" "max_header_bytes = 64k"
t_start "$T_DIR/milter.conf"
msg mem-ok 2001:db8::66 -h "$FROM"
trusted "small message"
t_log_mark
# From first (it would be trusted), then 20 fields of 1000 bytes.
_old_ifs=$IFS
IFS='
'
# shellcheck disable=SC2046
msg mem-over 2001:db8::66 -h "$FROM" $(fill 20 1000)
# shellcheck disable=SC2046
msg mem-over4 192.0.2.66 -h "$FROM" $(fill 20 1000)
IFS=$_old_ifs
cp "$T_DIR/mem-over.out" "$T_OUT"
t_line "eom: reply" "IPv6 over memory: refused at end of message"
t_line "reply: 451 4.3.4 Message too large for mx6-milter to inspect over IPv6; please retry over IPv4" \
	"IPv6 over memory: 451 4.3.4"
t_log_has "max_session_memory: log line" "Qmem-over: client=[2001:db8::66] bound=max_session_memory limit=16384 headers=16 header_bytes=15025 "
t_log_has "max_session_memory: decision" "Qmem-over: client=[2001:db8::66]" "action=defer" "max_session_memory" 'reply="451 4.3.4"'
cp "$T_DIR/mem-over4.out" "$T_OUT"
t_line "eom: accept" "IPv4 over memory: accepted"
t_nomatch '^reply: ' "IPv4 over memory: no reply"

# ------------------------------------------------------------ max_dkim_signatures
# A message signed by signed.test (valid, From-aligned), then by other.test
# (no key) on top: with max_dkim_signatures = 1 only the other.test
# signature is verified, the message has no authenticated domain and is
# deferred; with 2 the signed.test signature passes and makes it trusted.
if [ -n "$have_dkim" ]; then
	t_section "max_dkim_signatures = 1 and 2"
	printf 'From: <a@signed.test>\nTo: <b@example.net>\nSubject: signed twice\n\nHello.\n' \
		>"$T_DIR/plain.eml"
	"$SIGN" -d signed.test -s sel -k "$T_DIR/dkim.pem" "$T_DIR/plain.eml" >"$T_DIR/once.eml" &&
		"$SIGN" -d other.test -s sel -k "$T_DIR/dkim.pem" "$T_DIR/once.eml" >"$T_DIR/twice.eml"
	t_check "dkim-sign signed the message twice" [ "$(grep -c '^DKIM-Signature:' "$T_DIR/twice.eml")" = 2 ]
	# t_msg options for the signed message: a -h per header field (folded
	# lines joined with \n, as the MTA passes them), -b for the body.
	awk 'BEGIN { body = 0 }
		body { b = b $0 "\\r\\n"; next }
		/^$/ { if (h != "") print "-h\n" h; body = 1; next }
		/^[ \t]/ { h = h "\\n" $0; next }
		{ if (h != "") print "-h\n" h; h = $0 }
		END { print "-b\n" b }' "$T_DIR/twice.eml" >"$T_DIR/twice.opts"
	echo signed.test >"$T_DIR/domains2"
	for n in 1 2; do
		conf "domain_whitelist = domains2" "max_dkim_signatures = $n"
		t_start "$T_DIR/milter.conf"
		_old_ifs=$IFS
		IFS='
'
		# shellcheck disable=SC2046
		t_msg -q "Qdkim$n" -H -f '<a@stranger.test>' $(cat "$T_DIR/twice.opts") 2001:db8::99 |
			t_session "dkim$n"
		IFS=$_old_ifs
	done
	cp "$T_DIR/dkim1.out" "$T_OUT"
	deferred "max_dkim_signatures = 1: only the other.test signature is verified"
	cp "$T_DIR/dkim2.out" "$T_OUT"
	t_match '^insheader 0 X-MX6-Verdict: trusted; reason=domain_whitelist' "max_dkim_signatures = 2: trusted by the second signature"
	t_match 'dkim=pass header.d=signed.test' "max_dkim_signatures = 2: dkim=pass for signed.test"
	t_match 'header.d=other.test' "max_dkim_signatures = 2: the other.test signature is reported too"
else
	t_say "# SKIP max_dkim_signatures part: openssl or tests/dkim/dkim-sign missing"
fi

# ------------------------------------------------------------ max_sessions
t_section "max_sessions = 2"
conf "max_sessions = 2"
t_start "$T_DIR/milter.conf"
# hold NAME: an IPv6 session that stays open for 4 s after MAIL FROM.
hold() {
	{
		printf 'macro C j=mx.test client_addr=2001:db8::99\n'
		printf 'connect client.example.org 2001:db8::99 40000\n'
		printf 'helo mx.example.org\nmail <a@stranger.test>\nsleep 4\nquit\n'
	} >"$T_DIR/$1.script"
	"$MTCLIENT" -s "unix:$T_SOCK" -t 20 "$T_DIR/$1.script" >"$T_DIR/$1.out" 2>&1 &
}
hold hold1
H1=$!
hold hold2
H2=$!
_i=0
while [ $_i -lt 50 ]; do
	grep -q '^mail:' "$T_DIR/hold1.out" && grep -q '^mail:' "$T_DIR/hold2.out" && break
	sleep 0.1
	_i=$((_i + 1))
done
t_check "two sessions held open (MAIL answered)" grep -q '^mail: continue' "$T_DIR/hold1.out"
t_log_mark
burst_start=$(date +%s)
t_msg -q Qsess6 -f '<a@stranger.test>' 2001:db8::1 | t_session sess6
t_line "mail: reply" "3rd IPv6 session: refused at MAIL"
t_line "reply: 451 4.3.2 Too many connections to mx6-milter; please retry over IPv4" "3rd IPv6 session: 451 4.3.2"
t_noline "eom: accept" "3rd IPv6 session: never accepted"
t_msg -q Qsess4 -f '<a@stranger.test>' 192.0.2.1 | t_session sess4
t_nomatch '^(mail|rcpt|eom): (reply|tempfail|reject)' "IPv4 session beyond the bound: never refused"
t_match '^(connect|mail): accept' "IPv4 session beyond the bound: accepted uninspected"
t_nomatch '^insheader' "IPv4 session beyond the bound: not inspected (no header changes)"
# A burst: 4 more refusals (2 + 4 = 6 in all), then after a second one more.
for n in 1 2 3 4; do
	t_msg -f '<a@stranger.test>' 2001:db8::1 | t_session "burst$n"
done
sleep 1.2
t_msg -f '<a@stranger.test>' 2001:db8::1 | t_session burst5
t_log_has "refusals logged" "bound=max_sessions limit=2 ipv6_deferred="
lines=$(tail -n +"$((T_LOG_MARK + 1))" "$T_LOG" | grep -c 'bound=max_sessions limit=2 ')
sum=$(tail -n +"$((T_LOG_MARK + 1))" "$T_LOG" | grep 'bound=max_sessions limit=2 ' |
	sed 's/.*ipv6_deferred=\([0-9]*\) other_accepted_uninspected=\([0-9]*\).*/\1 \2/' |
	awk '{ s6 += $1; s4 += $2 } END { print s6 "+" s4 }')
burst_end=$(date +%s)
in_range() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
# At most one line a second: 7 refusals in about 2 s are not 7 lines.
t_check "the refusals are logged on at most one line a second ($lines lines in $((burst_end - burst_start + 1)) s)" \
	in_range "$lines" 2 "$((burst_end - burst_start + 1))"
t_check "fewer lines than refusals (got $lines)" [ "$lines" -lt 7 ]
t_check "the lines count every refusal: 6 IPv6 + 1 other (got $sum)" [ "$sum" = "6+1" ]
wait "$H1"
r1=$?
wait "$H2"
r2=$?
t_check "the held sessions completed normally (mtclient exit $r1 $r2)" [ "$r1.$r2" = 0.0 ]
t_msg -q Qafter -f '<a@stranger.test>' 2001:db8::1 | t_session after
t_line "rcpt: reply" "after the held sessions end, IPv6 mail is inspected again (deferred at RCPT)"
t_line "reply: $DEFER" "after: defer_reply"
t_running
t_stop
t_check "the daemon stopped cleanly (status $T_STATUS; a sanitizer report would change it)" [ "$T_STATUS" = 0 ]

t_done
