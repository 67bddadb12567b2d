#!/bin/sh
# reputation.sh -- the reputation signals of SPEC 3 steps 5-6 through the
# milter protocol, with a real DNS server (tests/dns/server.sh): the
# client's origin AS on asn_greenlist (asn_db), a client listed by a DNSWL
# (dnswl, with an answer pattern), an authenticated domain listed by a
# domain DNSWL (dnswl_domain), noretry_list (a client address and an
# authenticated domain), and recipients' addressbooks (all recipients:
# trusted; some: green; an unauthenticated From never counts; a book
# changed on disk counts without a reload). Each signal turns an IPv6
# client that is otherwise deferred (450 4.7.26, defensive) into an
# accepted one with the right X-MX6-Verdict reason and source.
#
# When replies are given: with domain-based signals configured
# (addressbook, dnswl_domain, noretry_list domains) nothing is certain
# before the end of the message, so unknown mail is deferred at end of
# message ("eom: reply"), except an SPF fail (certain at MAIL FROM, so
# deferred at RCPT); with client-based signals only (asn_greenlist, dnswl,
# noretry_list addresses) unlisted mail is deferred at RCPT and listed
# mail is decided at end of message (a DMARC fail could still make it
# unknown).
#
# Skips (77) without unbound or python3; the ASN part is skipped, with the
# reason printed, when perl's MaxMind::DB::Writer is missing.
. "$(dirname "$0")/lib.sh"

t_begin "reputation signals: asn_greenlist, dnswl, dnswl_domain, noretry_list, addressbook"

DNS_SERVER=$t_top_srcdir/tests/dns/server.sh
MKMMDB=$t_top_srcdir/tests/data/asn/make-test-mmdb.pl
PYTHON=${PYTHON:-python3}
export PYTHON

sh "$DNS_SERVER" check || exit 77

# Stop the DNS server (only the processes server.sh recorded) on exit.
# shellcheck disable=SC2154 # _st is set in the trap
trap '_st=$?; sh "$DNS_SERVER" stop "$T_DIR/dns" >/dev/null 2>&1; (exit $_st); t_cleanup' EXIT

DEFER='450 4.7.26 Not accepted over IPv6: message must pass SPF or DKIM or come from a known sender; please retry over IPv4'

# rev6 ADDR: the reversed-nibble DNS name of an IPv6 address, without the
# ip6.arpa suffix (RFC 5782 DNSWL lookup name).
rev6() {
	"$PYTHON" -c 'import ipaddress, sys
print(ipaddress.ip_address(sys.argv[1]).reverse_pointer[:-len(".ip6.arpa")])' "$1"
}

# ---------------------------------------------------------------- DNS
# friend.test    SPF for 2001:db8::66 (the addressbook author's domain)
# listed.test    SPF for 2001:db8::67, listed in dwl.test (dnswl_domain)
# noretry.test   SPF for 2001:db8::68, on noretry_list
# stranger.test  nothing (NXDOMAIN: spf=none)
# wl.test        lists 2001:db8::77 (127.0.10.2, matches the pattern) and
#                2001:db8::78 (127.0.10.4, does not)
# No domain publishes DMARC, so an aligned SPF pass authenticates it.
cat >"$T_DIR/zone.conf" <<EOF
local-zone: "friend.test." static
local-data: 'friend.test. 300 IN TXT "v=spf1 ip6:2001:db8::66 -all"'
local-zone: "listed.test." static
local-data: 'listed.test. 300 IN TXT "v=spf1 ip6:2001:db8::67 -all"'
local-zone: "noretry.test." static
local-data: 'noretry.test. 300 IN TXT "v=spf1 ip6:2001:db8::68 -all"'
local-zone: "stranger.test." static
local-zone: "wl.test." static
local-data: "$(rev6 2001:db8::77).wl.test. 300 IN A 127.0.10.2"
local-data: "$(rev6 2001:db8::78).wl.test. 300 IN A 127.0.10.4"
local-zone: "dwl.test." static
local-data: "listed.test.dwl.test. 300 IN A 127.0.0.2"
EOF
t_dns_start "$T_DIR/zone.conf"
PORT=$T_DNS_PORT

# ---------------------------------------------------------------- ASN
have_asn=
mkdir -p "$T_DIR/mmdb"
if ! command -v perl >/dev/null 2>&1; then
	echo "perl is not installed" >"$T_DIR/mmdb.log"
	rc=77
elif [ ! -f "$MKMMDB" ]; then
	echo "$MKMMDB is missing" >"$T_DIR/mmdb.log"
	rc=77
else
	perl "$MKMMDB" "$T_DIR/mmdb" >"$T_DIR/mmdb.log" 2>&1
	rc=$?
fi
if [ $rc = 0 ] && [ -s "$T_DIR/mmdb/asn.mmdb" ]; then
	have_asn=1
elif [ $rc = 77 ]; then
	t_say "# SKIP asn part: $(cat "$T_DIR/mmdb.log")"
else
	sed 's/^/  ! /' "$T_DIR/mmdb.log"
	t_notok "tests/data/asn/make-test-mmdb.pl wrote asn.mmdb (exit $rc)"
fi

# ---------------------------------------------------------------- lists
# asn.mmdb: 2001:db8:1::/48 AS64496, 2001:db8:2::/48 AS64497.
cat >"$T_DIR/asn.txt" <<'EOF'
# ASN greenlist (the entry is on line 3)

AS64496
EOF
cat >"$T_DIR/noretry.txt" <<'EOF'
# noretry_list: a client on line 2, a domain on line 4
2001:db8::88
# a domain
noretry.test
EOF
mkdir "$T_DIR/books"
cat >"$T_DIR/books/bob@example.net" <<'EOF'
# bob's correspondents (friend on line 3)
someone@else.test
friend@friend.test
@partner.test
EOF
cat >"$T_DIR/books/carol@example.net.vcf" <<'EOF'
BEGIN:VCARD
VERSION:3.0
FN:Friend
N:;Friend;;;
item1.EMAIL;TYPE=work:friend@friend.test
END:VCARD
EOF

# conf FILE SIGNAL-LINES: the base lines without the offline resolver,
# the test DNS server, then the signal lines.
conf() {
	{
		t_base_conf | grep -v '^dns_unbound_conf'
		echo "dns_forwarders = 127.0.0.1@$PORT"
		echo "dns_timeout = 2"
		echo "default_mode = defensive"
		echo "listener = mta-v6 defensive"
		if [ -n "$have_asn" ]; then
			echo "asn_db = mmdb/asn.mmdb"
			echo "asn_greenlist = asn.txt"
		fi
		printf '%s\n' "$2"
	} >"$1"
}

# addressbook_cache = 1: a message to two recipients evicts one book for
# the other, so every lookup below also goes through the cache's refill.
conf "$T_DIR/milter.conf" 'dnswl = wl.test=127.0.[0..255].[1..3]
dnswl_domain = dwl.test
addressbook = dir:books
addressbook_cache = 1
noretry_list = noretry.txt'
sed 's/^/  > /' "$T_DIR/milter.conf"
if "$MX6_MILTER" -n -c "$T_DIR/milter.conf" >"$T_DIR/check.out" 2>&1; then
	t_ok "mx6-milter -n accepts the configuration"
else
	sed 's/^/  ! /' "$T_DIR/check.out"
	t_notok "mx6-milter -n accepts the configuration"
fi
t_start "$T_DIR/milter.conf"

# The absolute scratch directory as the daemon reports sources (symbolic
# links resolved, like TMPDIR=/tmp on some systems).
D=$(cd "$T_DIR" && pwd -P)
# ERE-quote it for t_match.
DRE=$(printf '%s' "$D" | sed 's/[].[^$*+?(){}|\\]/\\&/g')

# msg NAME CLIENT T_MSG-ARGS...: one message on listener mta-v6.
msg() {
	_mn=$1
	_mc=$2
	shift 2
	t_msg -n mta-v6 -q "Q$_mn" "$@" "$_mc" | t_session "$_mn"
}

# deferred_eom DESC: the whole message went through and was deferred at
# the end of the message with the default defer_reply, no header added.
deferred_eom() {
	t_rc 0 "$1: session completed"
	t_line "rcpt: continue" "$1: RCPT continues (a signal could still help)"
	t_line "eom: reply" "$1: deferred at end of message"
	t_line "reply: $DEFER" "$1: default defer_reply"
	t_nomatch '^(insheader|addheader)' "$1: no header added"
}

# accepted DESC VERDICT-ERE: accepted at end of message with the verdict.
accepted() {
	t_rc 0 "$1: session completed"
	t_line "rcpt: continue" "$1: RCPT continues"
	t_match "^insheader 0 X-MX6-Verdict: $2\$" "$1: X-MX6-Verdict: $2"
	t_line "eom: accept" "$1: accepted at end of message"
	t_nomatch '^reply: ' "$1: no reply text"
}

# ---------------------------------------------------------------- baseline
t_section "baseline: unlisted client, unauthenticated sender, no addressbook: deferred"
t_log_mark
msg base 2001:db8::99 -f '<a@stranger.test>' -r '<dave@example.net>'
deferred_eom "baseline"
t_log_has "baseline: log line" "Qbase: client=[2001:db8::99]" "class=unknown" "action=defer" \
	"reasons=unlisted,spf:none,dkim:none,dmarc:none" 'reply="450 4.7.26"'

t_section "baseline: authenticated friend.test (SPF pass, aligned) to a recipient without a book: deferred"
t_log_mark
msg base-auth 2001:db8::66 -f '<friend@friend.test>' -r '<dave@example.net>'
deferred_eom "authenticated, nobody vouches"
t_log_has "authenticated baseline: log shows spf:pass, still unlisted" "Qbase-auth: client=[2001:db8::66]" \
	"class=unknown" "action=defer" "reasons=unlisted,spf:pass,dkim:none,dmarc:none"

# ---------------------------------------------------------------- ASN
if [ -n "$have_asn" ]; then
	t_section "asn_greenlist: 2001:db8:1::25 is in AS64496 (listed)"
	t_log_mark
	msg asn 2001:db8:1::25 -f '<a@stranger.test>' -r '<dave@example.net>'
	accepted "asn" "green; reason=asn:AS64496; source=$DRE/asn\\.txt:3"
	t_log_has "asn: log line" "Qasn: client=[2001:db8:1::25]" "class=green" "action=accept"

	t_section "asn_greenlist: 2001:db8:2::25 is in AS64497 (not listed): deferred"
	msg asn-unlisted 2001:db8:2::25 -f '<a@stranger.test>' -r '<dave@example.net>'
	deferred_eom "AS64497"

	t_section "asn_greenlist: 2001:db8:3::25 is in no AS: deferred"
	msg asn-none 2001:db8:3::25 -f '<a@stranger.test>' -r '<dave@example.net>'
	deferred_eom "no AS"
fi

# ---------------------------------------------------------------- DNSWL
t_section "dnswl: 2001:db8::77 listed in wl.test with 127.0.10.2 (matches the pattern)"
t_log_mark
msg dnswl 2001:db8::77 -f '<a@stranger.test>' -r '<dave@example.net>'
accepted "dnswl" "green; reason=dnswl:wl\\.test; source=wl\\.test"
t_log_has "dnswl: log line" "Qdnswl: client=[2001:db8::77]" "class=green" "action=accept"

t_section "dnswl: 2001:db8::78 listed with 127.0.10.4 (outside 127.0.[0..255].[1..3]): deferred"
msg dnswl-nomatch 2001:db8::78 -f '<a@stranger.test>' -r '<dave@example.net>'
deferred_eom "answer outside the pattern"

t_section "dnswl_domain: listed.test authenticated (SPF pass from 2001:db8::67), listed in dwl.test"
t_log_mark
msg dwl 2001:db8::67 -f '<a@listed.test>' -r '<dave@example.net>'
accepted "dnswl_domain" "green; reason=dnswl:dwl\\.test; source=dwl\\.test"
t_log_has "dnswl_domain: log line" "Qdwl: client=[2001:db8::67]" "class=green" "action=accept"

t_section "dnswl_domain: From listed.test claimed, not authenticated (MAIL FROM stranger.test): deferred"
msg dwl-unauth 2001:db8::99 -H -f '<a@stranger.test>' -r '<dave@example.net>' \
	-h 'From: <a@listed.test>' -h 'Subject: claimed'
deferred_eom "unauthenticated listed.test"

# ---------------------------------------------------------------- noretry
t_section "noretry_list: client 2001:db8::88 (line 2)"
t_log_mark
msg noretry-ip 2001:db8::88 -f '<a@stranger.test>' -r '<dave@example.net>'
accepted "noretry client" "green; reason=noretry; source=$DRE/noretry\\.txt:2"
t_log_has "noretry client: log line" "Qnoretry-ip: client=[2001:db8::88]" "class=green" "action=accept"

t_section "noretry_list: authenticated domain noretry.test (line 4)"
msg noretry-dom 2001:db8::68 -f '<a@noretry.test>' -r '<dave@example.net>'
accepted "noretry domain" "green; reason=noretry; source=$DRE/noretry\\.txt:4"

t_section "noretry_list: From noretry.test claimed, not authenticated: deferred"
msg noretry-unauth 2001:db8::99 -H -f '<a@stranger.test>' -r '<dave@example.net>' \
	-h 'From: <a@noretry.test>' -h 'Subject: claimed'
deferred_eom "unauthenticated noretry.test"

# ---------------------------------------------------------------- addressbook
t_section "addressbook: friend@friend.test in the books of every recipient (bob, carol): trusted"
t_log_mark
msg ab-all 2001:db8::66 -f '<friend@friend.test>' -r '<bob@example.net>' -r '<carol@example.net>'
accepted "bob + carol" "trusted; reason=addressbook; source=$DRE/books/bob@example\\.net:3"
t_log_has "addressbook: log line" "Qab-all: client=[2001:db8::66]" "class=trusted" "action=accept"

# A vCard match has no line number (lib/addressbook.h: line 0 for a vCard
# match), so its source is the file alone.
t_section "addressbook: carol first: the source names carol's vCard (no line)"
msg ab-all2 2001:db8::66 -f '<friend@friend.test>' -r '<carol@example.net>' -r '<bob@example.net>'
accepted "carol + bob" "trusted; reason=addressbook; source=$DRE/books/carol@example\\.net\\.vcf"

t_section "addressbook: carol alone (vCard item1.EMAIL;TYPE=work): trusted"
msg ab-carol 2001:db8::66 -f '<friend@friend.test>' -r '<carol@example.net>'
accepted "carol" "trusted; reason=addressbook; source=$DRE/books/carol@example\\.net\\.vcf"

t_section "addressbook: some recipients (bob yes, dave no book): green"
t_log_mark
msg ab-some 2001:db8::66 -f '<friend@friend.test>' -r '<bob@example.net>' -r '<dave@example.net>'
accepted "bob + dave" "green; reason=addressbook:some; source=$DRE/books/bob@example\\.net:3"
t_log_has "addressbook:some: log line" "Qab-some: client=[2001:db8::66]" "class=green" "action=accept"

t_section "addressbook: some recipients, the one with a book second (dave, bob): green"
msg ab-some2 2001:db8::66 -f '<friend@friend.test>' -r '<dave@example.net>' -r '<bob@example.net>'
accepted "dave + bob" "green; reason=addressbook:some; source=$DRE/books/bob@example\\.net:3"

t_section "addressbook: friend.test address not in the books (other@friend.test): deferred"
msg ab-other 2001:db8::66 -f '<other@friend.test>' -r '<bob@example.net>' -r '<carol@example.net>'
deferred_eom "authenticated, not in the books"

t_section "addressbook: From friend@friend.test from a client outside its SPF record: SPF fail, deferred at RCPT"
t_log_mark
msg ab-spf-fail 2001:db8::99 -f '<friend@friend.test>' -r '<bob@example.net>' -r '<carol@example.net>'
t_rc 0 "SPF fail: session completed"
t_count 2 "rcpt: reply" "SPF fail: every RCPT answered with a reply (certain at MAIL FROM)"
t_count 2 "reply: $DEFER" "SPF fail: default defer_reply"
t_noline "rcpt: continue" "SPF fail: no recipient accepted"
t_nomatch '^(insheader|addheader)' "SPF fail: no header added"
t_log_has "SPF fail: log line" "Qab-spf-fail: client=[2001:db8::99]" "class=unknown" "action=defer" \
	"reasons=auth-fail,spf:fail"

t_section "addressbook: From friend@friend.test, MAIL FROM another domain (not aligned, not authenticated): deferred"
t_log_mark
msg ab-unaligned 2001:db8::66 -H -f '<a@stranger.test>' -r '<bob@example.net>' -r '<carol@example.net>' \
	-h 'From: Friend <friend@friend.test>' -h 'Subject: claimed'
deferred_eom "claimed From in the books"
t_log_has "claimed From: log line" "Qab-unaligned: client=[2001:db8::66]" "class=unknown" "action=defer" \
	"reasons=unlisted,spf:none,dkim:none,dmarc:none"

t_section "addressbook: a new book for dave, written on disk (rename), counts without a reload"
printf '# dave\n\n@friend.test\n' >"$T_DIR/books/.dave.new"
mv "$T_DIR/books/.dave.new" "$T_DIR/books/dave@example.net"
msg ab-dave-new 2001:db8::66 -f '<friend@friend.test>' -r '<dave@example.net>'
accepted "dave's new book (@friend.test on line 3)" \
	"trusted; reason=addressbook; source=$DRE/books/dave@example\\.net:3"

t_section "addressbook: bob's book edited in place (friend removed), no reload"
printf '# bob, edited\nsomeone@else.test\n' >"$T_DIR/books/bob@example.net"
msg ab-bob-edited 2001:db8::66 -f '<friend@friend.test>' -r '<bob@example.net>'
deferred_eom "bob without friend"
msg ab-bob-dave 2001:db8::66 -f '<friend@friend.test>' -r '<bob@example.net>' -r '<dave@example.net>'
accepted "bob (edited) + dave" "green; reason=addressbook:some; source=$DRE/books/dave@example\\.net:3"

t_section "addressbook: bob's book edited again within the same second (friend back)"
printf '# bob, again\nfriend@friend.test\n' >"$T_DIR/books/bob@example.net"
msg ab-bob-back 2001:db8::66 -f '<friend@friend.test>' -r '<bob@example.net>'
accepted "bob (friend on line 2)" "trusted; reason=addressbook; source=$DRE/books/bob@example\\.net:2"

t_section "addressbook: dave's book removed, no reload"
rm -f "$T_DIR/books/dave@example.net"
msg ab-dave-gone 2001:db8::66 -f '<friend@friend.test>' -r '<dave@example.net>'
deferred_eom "dave without a book"

t_running "daemon still running"
t_stop
t_check "SIGTERM: exit status 0 (got $T_STATUS)" [ "$T_STATUS" = 0 ]

# ---------------------------------------------------------------- client signals only
t_section "client-based signals only (asn, dnswl, noretry addresses): unlisted mail deferred at RCPT"
printf '# noretry_list, addresses only\n2001:db8::88\n' >"$T_DIR/noretry-ip.txt"
conf "$T_DIR/client.conf" 'dnswl = wl.test=127.0.[0..255].[1..3]
noretry_list = noretry-ip.txt'
t_start "$T_DIR/client.conf"
t_log_mark
msg c-base 2001:db8::99 -f '<a@stranger.test>' -r '<b@example.net>' -r '<c@example.net>'
t_rc 0 "client-only baseline: session completed"
t_count 2 "rcpt: reply" "client-only baseline: every RCPT deferred"
t_count 2 "reply: $DEFER" "client-only baseline: default defer_reply"
t_noline "rcpt: continue" "client-only baseline: no recipient accepted"
t_line "eom: not sent (no accepted recipient)" "client-only baseline: no end of message"
t_log_has "client-only baseline: log line" "Qc-base: client=[2001:db8::99]" "class=unknown" \
	"action=defer" "reasons=unlisted,spf:none"

msg c-dnswl 2001:db8::77 -f '<a@stranger.test>'
accepted "client-only dnswl" "green; reason=dnswl:wl\\.test; source=wl\\.test"
msg c-noretry 2001:db8::88 -f '<a@stranger.test>'
accepted "client-only noretry" "green; reason=noretry; source=$DRE/noretry-ip\\.txt:2"
if [ -n "$have_asn" ]; then
	msg c-asn 2001:db8:1::25 -f '<a@stranger.test>'
	accepted "client-only asn" "green; reason=asn:AS64496; source=$DRE/asn\\.txt:3"
fi
msg c-noretry-dom 2001:db8::68 -f '<a@noretry.test>'
t_count 1 "rcpt: reply" "client-only: noretry.test not a signal here, deferred at RCPT"
t_running "daemon still running"

t_done
