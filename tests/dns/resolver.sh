#!/bin/sh
# tests/dns/resolver.sh -- lib/dns.c against a real unbound (tests/dns/server.sh).
#
# Starts the test DNS server on a free loopback port with a small zone and
# asks it through tests/dns/dns-query (mx6_dns_new() forwarding to it,
# timeout 1000 ms): data, NXDOMAIN, NODATA, TXT joining, CNAMEs, .test
# names and 2001:db8::/32 PTRs answered by the server rather than by
# libunbound's built-in local zones, and SERVFAIL, REFUSED, a dropped
# query, a dead upstream and a dead forwarder all as TEMPFAIL, the
# time-outs within the timeout; a second question answered alike from the
# in-process cache, and a time-out never kept as an answer.
#
# Runs from the top build directory (make check) with $srcdir pointing at
# the top source directory; DNS_QUERY overrides the driver's path and
# MX6_TEST_KEEP=1 keeps the scratch directory. Exits 77 when unbound or
# python3 is missing.

set -u

top_srcdir=${srcdir:-$(dirname "$0")/../..}
SERVER=$top_srcdir/tests/dns/server.sh
QUERY=${DNS_QUERY:-./tests/dns/dns-query}
TIMEOUT_MS=1000

[ -x "$QUERY" ] || { echo "SKIP: $QUERY is not built"; exit 77; }
"$SERVER" check || exit 77

T=$(mktemp -d "${TMPDIR:-/tmp}/mx6-dns.XXXXXX") || exit 1
cleanup() {
	"$SERVER" stop "$T/server"
	if [ -n "${MX6_TEST_KEEP:-}" ]; then
		echo "# kept $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

cat >"$T/zone.conf" <<'EOF'
local-zone: "example.test." static
local-data: "example.test. 300 IN A 192.0.2.1"
local-data: "example.test. 300 IN AAAA 2001:db8::25"
local-data: "example.test. 300 IN AAAA 2001:db8::1"
local-data: 'example.test. 300 IN TXT "v=spf1 " "ip6:2001:db8::/32 -all"'
local-data: 'example.test. 300 IN TXT "second \"record\""'
local-data: "mail.example.test. MX 10 mx.example.test."
local-data: "mx.example.test. AAAA 2001:db8::25"
local-data: "alias.example.test. CNAME example.test."
local-data-ptr: "2001:db8::25 mx.example.test."
local-data-ptr: "192.0.2.1 example.test."
EOF

"$SERVER" start "$T/server" 0 "$T/zone.conf" || exit 1
PORT=$(cat "$T/server/port")
echo "# unbound on 127.0.0.1@$PORT"

passed=0
failed=0

# expect DESCRIPTION EXPECTED-LINE MIN_MS MAX_MS -- DNS-QUERY ARGS...
# Runs dns-query with ARGS; the last line of its output must be
# EXPECTED-LINE (or, with expect_glob, match that shell pattern) and the
# last query must take MIN_MS..MAX_MS.
glob=
expect_glob() {
	glob=1
	expect "$@"
	glob=
}
expect() {
	desc=$1
	want=$2
	min=$3
	max=$4
	shift 5
	out=$("$QUERY" -t "$TIMEOUT_MS" "$@" 2>"$T/stderr" | tail -n 1)
	ms=$(sed -n 's/.* elapsed_ms=\([0-9]*\)$/\1/p' "$T/stderr" | tail -n 1)
	if [ -n "$glob" ]; then
		# shellcheck disable=SC2254 # a pattern on purpose
		case $out in
		$want) same=1 ;;
		*) same= ;;
		esac
	else
		same=
		[ "$out" = "$want" ] && same=1
	fi
	if [ -n "$same" ] && [ -n "$ms" ] && [ "$ms" -ge "$min" ] && [ "$ms" -le "$max" ]; then
		echo "ok - $desc"
		passed=$((passed + 1))
	else
		echo "not ok - $desc"
		echo "#   got:  '$out' in ${ms:-?} ms"
		echo "#   want: '$want' in $min..$max ms"
		failed=$((failed + 1))
	fi
}

S="-s 127.0.0.1@$PORT"
FAST=$((TIMEOUT_MS - 200))

# shellcheck disable=SC2086 # $S is two words on purpose
{
expect "A under .test comes from the server, not libunbound's local zone" \
	"OK 0 1 192.0.2.1" 0 $FAST -- $S example.test A
expect "several AAAA, sorted" \
	"OK 0 2 2001:db8::1 2001:db8::25" 0 $FAST -- $S example.test AAAA
expect "TXT character-strings joined, one string per record" \
	'OK 0 2 "second \"record\"" "v=spf1 ip6:2001:db8::/32 -all"' 0 $FAST -- $S example.test TXT
expect "MX" "OK 0 1 10 mx.example.test." 0 $FAST -- $S mail.example.test MX
expect "CNAME followed to the A record" \
	"OK 0 1 192.0.2.1" 0 $FAST -- $S alias.example.test A
expect "missing name in a static zone is NXDOMAIN" \
	"NXDOMAIN 3 0" 0 $FAST -- $S nope.example.test A
expect "missing type is NODATA" \
	"NODATA 0 0" 0 $FAST -- $S example.test MX
expect "unlisted .test name is NXDOMAIN" \
	"NXDOMAIN 3 0" 0 $FAST -- $S other.test A
expect "PTR under 2001:db8::/32" \
	"OK 0 1 mx.example.test." 0 $FAST -- $S 2001:db8::25 PTR
expect "missing PTR under 2001:db8::/32 is NXDOMAIN" \
	"NXDOMAIN 3 0" 0 $FAST -- $S 2001:db8::99 PTR
expect "PTR under 192.0.2.0/24" \
	"OK 0 1 example.test." 0 $FAST -- $S 192.0.2.1 PTR
expect "SERVFAIL is TEMPFAIL (not NXDOMAIN), at once" \
	"TEMPFAIL 2 0" 0 $FAST -- $S x.servfail.test TXT
expect "REFUSED is TEMPFAIL" \
	"TEMPFAIL 2 0" 0 $FAST -- $S x.refused.test TXT
expect "unanswered query is TEMPFAIL within the timeout" \
	"TEMPFAIL 0 0" $((TIMEOUT_MS - 50)) $((TIMEOUT_MS + 500)) -- $S sel._domainkey.timeout.test TXT
expect "the resolver still answers after a time-out" \
	"OK 0 1 192.0.2.1" 0 $FAST -- $S x.timeout.test A example.test A
# The in-process answer cache (lib/dnscache.c): a second question is
# answered alike, and a time-out is not remembered as an answer.
expect "an answer asked again is the same (the second from the cache)" \
	"OK 0 2 2001:db8::1 2001:db8::25" 0 $FAST -- $S example.test AAAA example.test AAAA
expect "NXDOMAIN asked again stays NXDOMAIN" \
	"NXDOMAIN 3 0" 0 $FAST -- $S nope.example.test A nope.example.test A
expect "NODATA asked again stays NODATA" \
	"NODATA 0 0" 0 $FAST -- $S example.test MX example.test MX
expect "a time-out asked again waits again (never cached)" \
	"TEMPFAIL 0 0" $((TIMEOUT_MS - 50)) $((TIMEOUT_MS + 500)) -- \
	$S sel2._domainkey.timeout.test TXT sel2._domainkey.timeout.test TXT
# unbound answers SERVFAIL for a dead upstream once it gives up on it
expect_glob "dead upstream is TEMPFAIL within the timeout" \
	"TEMPFAIL [02] 0" 0 $((TIMEOUT_MS + 500)) -- $S x.blackhole.test TXT
expect "dead forwarder is TEMPFAIL within the timeout" \
	"TEMPFAIL 0 0" $((TIMEOUT_MS - 50)) $((TIMEOUT_MS + 500)) -- \
	-s "127.0.0.1@$(cat "$T/server/blackhole.port")" example.test A
}

if "$SERVER" start "$T/server" 0 2>/dev/null; then
	echo "not ok - a second start on a running directory is refused"
	failed=$((failed + 1))
else
	echo "ok - a second start on a running directory is refused"
	passed=$((passed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
