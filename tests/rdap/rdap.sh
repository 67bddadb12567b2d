#!/bin/sh
# rdap.sh -- the RDAP signals of SPEC 8a through the milter protocol and
# mx6-check, against a local RDAP server (tests/rdap/server.py, fixtures in
# tests/data/rdap) and the test DNS server (tests/dns/server.sh) that makes
# the From domains authenticated (SPF pass, aligned, no DMARC).
#
# Each fixture yields its signal or none: a listed registrar by IANA ID or
# by name (green, registrar:ID), a registrar off the list, redacted
# registrants (placeholder values, RFC 9537 "redacted" paths), a
# non-redacted registrant (green, whois:domain), a network with and
# without a registrant contact (whois:network), 404, malformed JSON, an
# oversized answer and an answer slower than rdap_timeout: every failure
# is the plain 450 4.7.26 deferral, never 451 4.4.3, and the slow one
# costs no more than rdap_timeout. A listed registrar of a domain that is
# only claimed (From header, not authenticated) does not make mail green.
# Answers are cached in the state store: a second message for the same
# domain does not reach the server, errors are asked again. IANA bootstrap
# files choose the server (longest match), and a domain they do not cover
# is not looked up.
#
# Skips (77) without unbound or python3.
. "$(dirname "$0")/../milter/lib.sh"

t_begin "RDAP: registrar_greenlist, whois_require_contact, timeouts, cache, bootstrap"

DNS_SERVER=$t_top_srcdir/tests/dns/server.sh
RDAP_SERVER=$t_top_srcdir/tests/rdap/server.py
RDAP_DATA=$t_top_srcdir/tests/data/rdap
MX6_CHECK=${MX6_CHECK:-$t_top_builddir/milter/mx6-check}
PYTHON=${PYTHON:-python3}
export PYTHON

[ -x "$MX6_CHECK" ] || t_skip "mx6-check not built ($MX6_CHECK)"
sh "$DNS_SERVER" check || exit 77

# rdap_stop: the RDAP server we started, by its recorded PID only.
rdap_stop() {
	if [ -s "$T_DIR/rdap/pid" ]; then
		kill "$(cat "$T_DIR/rdap/pid")" 2>/dev/null
		rm -f "$T_DIR/rdap/pid"
	fi
}
# shellcheck disable=SC2154 # _st is set in the trap
trap '_st=$?; rdap_stop; sh "$DNS_SERVER" stop "$T_DIR/dns" >/dev/null 2>&1; (exit $_st); t_cleanup' EXIT

DEFER='450 4.7.26 Not accepted over IPv6: message must pass SPF or DKIM or come from a known sender; please retry over IPv4'

# ---------------------------------------------------------------- servers
DOMAINS="listed offlist named redacted rfc9537 contact missing slow malformed huge stranger"
for d in $DOMAINS; do
	[ "$d" = stranger ] && continue
	printf 'local-zone: "%s.test." static\n' "$d"
	printf "local-data: '%s.test. 300 IN TXT \"v=spf1 ip6:2001:db8::/32 -all\"'\n" "$d"
done >"$T_DIR/zone.conf"
echo 'local-zone: "stranger.test." static' >>"$T_DIR/zone.conf"
t_dns_start "$T_DIR/zone.conf"
DNS_PORT=$T_DNS_PORT

# The slow answer comes after 4 s; rdap_timeout is 1 s.
mkdir "$T_DIR/rdap"
"$PYTHON" "$RDAP_SERVER" "$RDAP_DATA" "$T_DIR/rdap" 4 >"$T_DIR/rdap/server.log" 2>&1 &
_i=0
while [ ! -s "$T_DIR/rdap/port" ] && [ $_i -lt 100 ]; do
	sleep 0.1
	_i=$((_i + 1))
done
if [ ! -s "$T_DIR/rdap/port" ]; then
	cat "$T_DIR/rdap/server.log"
	t_notok "RDAP server started"
	t_done
fi
RDAP_PORT=$(cat "$T_DIR/rdap/port")
REQUESTS=$T_DIR/rdap/requests
t_say "# DNS on 127.0.0.1@$DNS_PORT, RDAP on http://127.0.0.1:$RDAP_PORT/"

cat >"$T_DIR/registrars.txt" <<'EOF'
# stringent registrars: an IANA ID on line 2, a name on line 4
292

Careful_Names_Ltd.
EOF

# conf FILE LINES: the base lines, the test DNS server, then LINES.
conf() {
	{
		t_base_conf | grep -v '^dns_unbound_conf'
		echo "dns_forwarders = 127.0.0.1@$DNS_PORT"
		echo "dns_timeout = 2"
		echo "listener = mta-v6 defensive"
		printf '%s\n' "$2"
	} >"$1"
}

conf "$T_DIR/milter.conf" "registrar_greenlist = registrars.txt
whois_require_contact = yes
whois_signal = both
rdap_url = http://127.0.0.1:$RDAP_PORT
rdap_timeout = 1
state = lmdb:$T_DIR/state"
sed 's/^/  > /' "$T_DIR/milter.conf"
if "$MX6_MILTER" -n -c "$T_DIR/milter.conf" >"$T_DIR/check.out" 2>&1; then
	t_ok "mx6-milter -n accepts the configuration"
else
	sed 's/^/  ! /' "$T_DIR/check.out"
	t_notok "mx6-milter -n accepts the configuration"
fi
t_start "$T_DIR/milter.conf"
D=$(cd "$T_DIR" && pwd -P)
DRE=$(printf '%s' "$D" | sed 's/[].[^$*+?(){}|\\]/\\&/g')

# Clients: 2001:db8:a::/48 has a registrant contact, 2001:db8:b::/48 none,
# 2001:db8:c::/48 is unknown to the RDAP server (404).
C=2001:db8:c::25

now() { date +%s.%N; }
# ELAPSED: seconds the last msg took (mtclient, the whole session).
ELAPSED=0

# msg NAME CLIENT T_MSG-ARGS...: one message on listener mta-v6.
msg() {
	_mn=$1
	_mc=$2
	shift 2
	_t0=$(now)
	t_msg -n mta-v6 -q "Q$_mn" "$@" "$_mc" | t_session "$_mn"
	ELAPSED=$(echo "$(now) $_t0" | awk '{ printf "%.2f", $1 - $2 }')
	t_say "# $_mn took $ELAPSED s"
}

deferred() {
	t_rc 0 "$1: session completed"
	t_line "rcpt: continue" "$1: RCPT continues (RDAP could still help)"
	t_line "eom: reply" "$1: deferred at end of message"
	t_line "reply: $DEFER" "$1: plain defer_reply (450 4.7.26), not the DNS temperror one"
	t_nomatch '^(insheader|addheader)' "$1: no header added"
}

accepted() {
	t_rc 0 "$1: session completed"
	t_match "^insheader 0 X-MX6-Verdict: $2\$" "$1: X-MX6-Verdict: $2"
	t_line "eom: accept" "$1: accepted at end of message"
}

# requests PATH: how many times the RDAP server was asked for PATH.
requests() {
	grep -cFx "GET $1" "$REQUESTS"
}

# asked N PATH DESC
asked() {
	_n=$(requests "$2")
	if [ "$_n" = "$1" ]; then t_ok "$3 ($2 asked $1 times)"; else t_notok "$3 ($2 asked $_n times, not $1)"; fi
}

# ---------------------------------------------------------------- registrar
t_section "registrar on the list by IANA ID (listed.test, 292): green"
t_log_mark
msg listed $C -f '<a@listed.test>'
accepted "listed registrar" "green; reason=registrar:292; source=$DRE/registrars\\.txt:2"
t_log_has "listed registrar: log line" "Qlisted: client=[2001:db8:c::25]" "class=green" \
	"action=accept" "reasons=registrar:292"
asked 1 /domain/listed.test "listed registrar: one query"

t_section "registrar on the list by name only (named.test, no IANA ID): green"
msg named $C -f '<a@named.test>'
accepted "named registrar" "green; reason=registrar:CarefulNamesLtd; source=$DRE/registrars\\.txt:4"

t_section "registrar off the list, registrant redacted (offlist.test): deferred"
msg offlist $C -f '<a@offlist.test>'
deferred "registrar off the list"

t_section "registrant redacted by placeholder values (redacted.test): deferred"
msg redacted $C -f '<a@redacted.test>'
deferred "REDACTED FOR PRIVACY registrant"

t_section "registrant redacted by RFC 9537 paths (rfc9537.test): deferred"
msg rfc9537 $C -f '<a@rfc9537.test>'
deferred "RFC 9537 redaction"

t_section "registrant with a non-redacted contact (contact.test): green, whois:domain"
t_log_mark
msg contact $C -f '<a@contact.test>'
accepted "registrant contact" "green; reason=whois:domain"
t_log_has "registrant contact: log line" "Qcontact: client=[2001:db8:c::25]" "class=green" \
	"reasons=whois:domain"

# ---------------------------------------------------------------- failures
t_section "404 (missing.test): no signal, deferred as without RDAP"
t_log_mark
msg missing $C -f '<a@missing.test>'
deferred "404"
t_log_has "404: log line" "Qmissing: client=[2001:db8:c::25]" "class=unknown" \
	"reasons=unlisted,spf:pass,dkim:none,dmarc:none" 'reply="450 4.7.26"'

t_section "malformed JSON (malformed.test): no signal"
msg malformed $C -f '<a@malformed.test>'
deferred "malformed JSON"

t_section "answer larger than 256 KB (huge.test): no signal"
msg huge $C -f '<a@huge.test>'
deferred "oversized answer"

t_section "answer after 4 s, rdap_timeout 1 s (slow.test): deferred after about 1 s"
t_log_mark
msg slow $C -f '<a@slow.test>'
deferred "slow answer"
t_check "slow answer: the session waited for the lookup (>= 0.8 s, took $ELAPSED s)" \
	awk -v e="$ELAPSED" 'BEGIN { exit !(e >= 0.8) }'
t_check "slow answer: never past rdap_timeout (< 2.5 s with slack for a loaded machine, took $ELAPSED s)" \
	awk -v e="$ELAPSED" 'BEGIN { exit !(e < 2.5) }'
t_log_has "slow answer: log line" "Qslow: client=[2001:db8:c::25]" "class=unknown" 'reply="450 4.7.26"'

# ---------------------------------------------------------------- authentication
t_section "listed registrar, From listed.test only claimed (MAIL FROM stranger.test): deferred"
t_log_mark
msg claimed $C -H -f '<a@stranger.test>' -h 'From: <a@listed.test>' -h 'Subject: claimed'
deferred "claimed listed.test"
t_log_has "claimed: log line" "Qclaimed: client=[2001:db8:c::25]" "class=unknown" \
	"reasons=unlisted,spf:none,dkim:none,dmarc:none"

t_section "listed registrar, SPF fail (client outside listed.test's SPF): deferred at RCPT"
msg spf-fail 2001:db9::25 -f '<a@listed.test>'
t_line "rcpt: reply" "SPF fail: deferred at RCPT"
t_nomatch '^(insheader|addheader)' "SPF fail: no header added"

# ---------------------------------------------------------------- networks
t_section "network with a registrant contact (2001:db8:a::/48), registrar off the list: green, whois:network"
msg net-contact 2001:db8:a::25 -f '<a@offlist.test>'
accepted "network contact" "green; reason=whois:network"
asked 1 /ip/2001:db8:a::25 "network contact: one query"

t_section "network without a registrant (2001:db8:b::/48): deferred"
msg net-nocontact 2001:db8:b::25 -f '<a@offlist.test>'
deferred "network without contact"

t_section "network with a contact, sender not authenticated: deferred"
msg net-unauth 2001:db8:a::26 -f '<a@stranger.test>'
deferred "network contact alone"

# ---------------------------------------------------------------- cache
t_section "cache: the same domains again"
msg listed2 $C -f '<b@listed.test>'
accepted "listed registrar from the cache" "green; reason=registrar:292; source=$DRE/registrars\\.txt:2"
asked 1 /domain/listed.test "cache: no second query for a found domain"
msg missing2 $C -f '<b@missing.test>'
deferred "404 from the cache"
asked 1 /domain/missing.test "cache: no second query for a domain not found"
msg malformed2 $C -f '<b@malformed.test>'
deferred "malformed JSON again"
asked 2 /domain/malformed.test "cache: errors are not cached"
msg net-contact2 2001:db8:a::99 -f '<a@offlist.test>'
accepted "network contact from the cache (same /64)" "green; reason=whois:network"
asked 0 /ip/2001:db8:a::99 "cache: no query for another address of the same /64"
# Another /64 of the same /48 may be another customer's reassignment: asked.
msg net-contact3 2001:db8:a:1::99 -f '<a@offlist.test>'
accepted "network contact of another /64 of that /48" "green; reason=whois:network"
asked 1 /ip/2001:db8:a:1::99 "cache: another /64 of the same /48 is looked up"

# ---------------------------------------------------------------- mx6-check
t_section "mx6-check --json explains the RDAP signal"
printf 'From: Jane <jane@contact.test>\r\nTo: <b@example.net>\r\nSubject: hi\r\n\r\nHello\r\n' >"$T_DIR/contact.eml"
"$MX6_CHECK" --config "$T_DIR/milter.conf" --ip $C --from jane@contact.test --json \
	"$T_DIR/contact.eml" >"$T_DIR/check.json" 2>"$T_DIR/check.err"
rc=$?
sed 's/^/  | /' "$T_DIR/check.json" "$T_DIR/check.err"
t_check "mx6-check: exit 0 (accepted, got $rc)" [ "$rc" = 0 ]
t_check "mx6-check --json: class green, reasons [\"whois:domain\"]" \
	"$PYTHON" -c 'import json, sys
v = json.load(open(sys.argv[1]))
sys.exit(not (v.get("class") == "green" and v.get("reasons") == ["whois:domain"]))' "$T_DIR/check.json"
printf 'From: <a@stranger.test>\r\n\r\nHello\r\n' >"$T_DIR/stranger.eml"
"$MX6_CHECK" --config "$T_DIR/milter.conf" --ip $C --from a@slow.test --json \
	"$T_DIR/stranger.eml" >"$T_DIR/check2.json" 2>&1
rc=$?
t_check "mx6-check: From not aligned with a slow RDAP domain: exit 1 (deferred, got $rc)" [ "$rc" = 1 ]

t_running "daemon still running"
t_stop
t_check "SIGTERM: exit status 0 (got $T_STATUS)" [ "$T_STATUS" = 0 ]

# ---------------------------------------------------------------- bootstrap
t_section "bootstrap files choose the server; no cache without a state store"
cat >"$T_DIR/dns.json" <<EOF
{"version": "1.0", "services": [
  [["listed.test", "contact.test"], ["http://127.0.0.1:$RDAP_PORT/bs/"]],
  [["example"], ["https://rdap.example.invalid/"]]
]}
EOF
cat >"$T_DIR/ipv6.json" <<EOF
{"version": "1.0", "services": [
  [["2001:db8:a::/48"], ["http://127.0.0.1:$RDAP_PORT/bs/"]]
]}
EOF
conf "$T_DIR/bootstrap.conf" "registrar_greenlist = registrars.txt
whois_require_contact = yes
whois_signal = both
rdap_url = http://127.0.0.1:1/
rdap_bootstrap_dns = dns.json
rdap_bootstrap_ipv6 = ipv6.json
rdap_timeout = 1"
t_start "$T_DIR/bootstrap.conf"
msg bs-listed $C -f '<a@listed.test>'
accepted "bootstrap: listed.test" "green; reason=registrar:292; source=$DRE/registrars\\.txt:2"
asked 1 /bs/domain/listed.test "bootstrap: listed.test asked at the bootstrap URL"
msg bs-listed2 $C -f '<a@listed.test>'
asked 2 /bs/domain/listed.test "bootstrap: no state store, no cache"
msg bs-spf-fail 2001:db9::25 -f '<a@listed.test>'
t_line "rcpt: reply" "bootstrap: SPF fail deferred at RCPT"
asked 2 /bs/domain/listed.test "bootstrap: an SPF-failing message starts no lookup"
msg bs-named $C -f '<a@named.test>'
deferred "bootstrap: named.test not covered by the file"
asked 0 /bs/domain/named.test "bootstrap: named.test not looked up"
msg bs-net 2001:db8:a::25 -f '<a@offlist.test>'
accepted "bootstrap: network" "green; reason=whois:network"
asked 1 /bs/ip/2001:db8:a::25 "bootstrap: network asked at the bootstrap URL"
t_running "daemon still running (bootstrap)"

t_section "bad bootstrap file and bad whois_signal are configuration errors"
printf '{"services": [[["2001:db8::/200"], ["https://x.example/"]]]}\n' >"$T_DIR/bad6.json"
conf "$T_DIR/bad.conf" "whois_require_contact = yes
whois_signal = sometimes
rdap_bootstrap_ipv6 = bad6.json
rdap_cache_ttl = 2 days"
"$MX6_MILTER" -n -c "$T_DIR/bad.conf" >"$T_DIR/bad.out" 2>&1
rc=$?
sed 's/^/  ! /' "$T_DIR/bad.out"
t_check "mx6-milter -n: exit 1 (got $rc)" [ "$rc" = 1 ]
T_OUT=$T_DIR/bad.out
t_match "bad\\.conf:[0-9]+: 'sometimes' is not one of domain, network, both" "whois_signal error names FILE:LINE"
t_match "bad\\.conf:[0-9]+: .*bad6\\.json: '2001:db8::/200' is not an IPv6 prefix" "bootstrap error names the file"
t_match "bad\\.conf:[0-9]+: '2 days' is not a duration" "rdap_cache_ttl error"

t_done
