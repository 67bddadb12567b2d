#!/bin/bash
# tests/e2e/auth.sh -- end-to-end domain authentication through a real
# Postfix (or, with E2E_MTA=sendmail as tests/e2e/auth-sendmail.sh sets it,
# a real Sendmail) and a real DNS server.
#
# Runs in a private network namespace (re-execs itself under unshare; exit
# 77 = skipped when that is refused, or when a tool is missing) with the
# MTA of tests/e2e/lib.sh (IPv4 listener mta-v4, IPv6 defensive listener
# mta-v6, IPv6 MX6 listener mta-mx6, all relaying to smtp-sink) and,
# inside the same namespace, the test DNS server of
# tests/dns/server.sh (unbound on 127.0.0.1, a free port) serving zones
# written here. A DKIM key is generated with openssl at test time and
# published; messages are signed with tests/dkim/dkim-sign. The milter
# forwards every lookup to that server (dns_forwarders, dns_timeout = 2),
# so SPF, DKIM, DMARC and iprev all run for real.
#
# Cases (SPEC.md sections 3-5 and 8): a whitelisted domain that passes SPF,
# DKIM, DMARC and iprev is trusted; an SPF fail is deferred at RCPT; a
# SERVFAIL or time-out on the sender's domain gives the temperror deferral
# at end of DATA; the MX6 service refuses unknown mail after DATA with a
# multi-line 5xx carrying the Authentication-Results and the registration
# URL; relaxed canonicalisation survives white-space changes, simple does
# not; a greenlisted domain is green; IPv4 is never deferred.
#
# The build directory is the current directory (as under `make check`), or
# MX6_BUILDDIR; the milter binary can be overridden with MX6_MILTER and the
# signer with DKIM_SIGN. MX6_E2E_KEEP=1 keeps the scratch directory.
# Needs root, Postfix (for smtp-sink), swaks, unbound, python3 and openssl.
# shellcheck disable=SC2317 # check helpers are called through check()

here=$(cd "$(dirname "$0")" && pwd) || exit 99
# shellcheck source=tests/e2e/lib.sh
. "$here/lib.sh" || exit 99

e2e_builddir "$here"
milter=${MX6_MILTER:-$builddir/milter/mx6-milter}
sign=${DKIM_SIGN:-$builddir/tests/dkim/dkim-sign}
case $milter in /*) ;; *) milter=$(pwd)/$milter ;; esac
case $sign in /*) ;; *) sign=$(pwd)/$sign ;; esac

# Tools first (before the namespace, so a skip says why).
if [ "${MX6_E2E_IN_NETNS:-}" != 1 ]; then
	command -v openssl >/dev/null 2>&1 || e2e_skip "openssl is not installed"
	command -v base64 >/dev/null 2>&1 || e2e_skip "base64 is not installed"
	e2e_need_dns
	[ -x "$sign" ] || e2e_skip "$sign is not built (make check builds it)"
fi
e2e_mta_prepare "$builddir"
e2e_enter_netns "$0" "$@"

if [ ! -x "$milter" ]; then
	echo "ERROR: $milter is not built (run make first)"
	exit 99
fi

# Clients beyond lib.sh's: one outside every SPF record, one without
# reverse DNS, one in green.test's SPF record.
CLIENT_SPF_FAIL=2001:db8::67
CLIENT_NO_PTR=2001:db8::68
CLIENT_GREEN=2001:db8::69
URL=https://mx.test/ipv6-senders

e2e_setup_net
for a in "$CLIENT_SPF_FAIL" "$CLIENT_NO_PTR" "$CLIENT_GREEN"; do
	err=$(ip -6 addr add "$a/128" dev lo 2>&1) ||
		e2e_skip "cannot add $a to lo in the namespace: $err"
done
e2e_make_tmpdir mx6-e2e-auth
D=$E2E_DIR

EOM='^[0-9]+ lines sent$'

rcpt_accepted() { e2e_reply_to '^RCPT' "$E2E_SWAKS_OUT" | grep -q '^250 '; }
no_data_sent() { ! grep -Eq '^ *(->|~>) +DATA' "$E2E_SWAKS_OUT"; }

# send NAME CLIENT SERVER MAIL-FROM FILE: the prepared message FILE.
send() {
	local name=$1 client=$2 server=$3 from=$4 file=$5
	log_mark
	T0=$(date +%s)
	e2e_swaks "$name" --local-interface "$client" --server "$server" \
		--port "$E2E_SMTP_PORT" --from "$from" --to b@example.net \
		--data "@$file"
	ELAPSED=$(($(date +%s) - T0))
}

# --- keys, messages, zones -----------------------------------------------

openssl genrsa -out "$D/dkim.pem" 2048 2>/dev/null
openssl rsa -in "$D/dkim.pem" -pubout -outform DER 2>/dev/null | base64 | tr -d '\n' >"$D/dkim.pub"
[ -s "$D/dkim.pub" ] || { echo "ERROR: cannot generate an RSA key with openssl"; exit 99; }
SEL=e2e2048

# txt NAME TEXT: a zone line for a TXT record, split in 250-byte strings.
txt() {
	printf "local-data: '%s 300 IN TXT %s'\n" "$1" \
		"$(printf '%s' "$2" | fold -w 250 | sed 's/.*/"&"/' | tr '\n' ' ')"
}

{
	# trusted.test: SPF for ::66 only, a DKIM key, DMARC p=reject;
	# 2001:db8::66 has forward-confirmed reverse DNS mx.trusted.test.
	echo 'local-zone: "trusted.test." static'
	txt trusted.test. "v=spf1 ip6:2001:db8::66 -all"
	txt "$SEL._domainkey.trusted.test." "v=DKIM1; k=rsa; p=$(cat "$D/dkim.pub")"
	txt _dmarc.trusted.test. "v=DMARC1; p=reject"
	echo 'local-data: "mx.trusted.test. 300 IN AAAA 2001:db8::66"'
	echo 'local-data-ptr: "2001:db8::66 mx.trusted.test."'
	# dkimonly.test: no SPF at all, a DKIM key, DMARC p=reject: only a
	# passing signature can authenticate it.
	echo 'local-zone: "dkimonly.test." static'
	echo 'local-data: "dkimonly.test. 300 IN A 192.0.2.1"'
	txt "$SEL._domainkey.dkimonly.test." "v=DKIM1; k=rsa; p=$(cat "$D/dkim.pub")"
	txt _dmarc.dkimonly.test. "v=DMARC1; p=reject"
	# unsigned.test exists but publishes no SPF, DKIM or DMARC.
	echo 'local-zone: "unsigned.test." static'
	echo 'local-data: "unsigned.test. 300 IN A 192.0.2.1"'
	# green.test: SPF for ::69, no DMARC record (aligned SPF pass
	# authenticates it), on domain_greenlist.
	echo 'local-zone: "green.test." static'
	txt green.test. "v=spf1 ip6:2001:db8::69 -all"
} >"$D/zone.conf"

# mkmsg FILE FROM-ADDRESS MARKER: an unsigned message whose Subject is MARKER.
mkmsg() {
	cat >"$1" <<EOF
From: Alice <$2>
To: Bob <b@example.net>
Subject: $3
Date: $(LC_ALL=C date -R)
Message-ID: <$3@${2#*@}>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Hello Bob,

this message is   signed.
EOF
}
# dsign IN OUT DOMAIN [dkim-sign options]
dsign() {
	local in=$1 out=$2 d=$3
	shift 3
	"$sign" -d "$d" -s "$SEL" -k "$D/dkim.pem" "$@" "$in" >"$out" ||
		{ echo "ERROR: dkim-sign failed for $out"; exit 99; }
}
# ws_mangle IN OUT: changes that relaxed canonicalisation ignores and simple
# does not (as a relay may make them): extra blanks in Subject and body,
# trailing blanks, a folded To field, extra empty lines at the end.
ws_mangle() {
	sed -e 's/^Subject: \(.*\)$/Subject:    \1   /' \
		-e 's/^To: Bob <b@example.net>$/To: Bob\n\t<b@example.net>/' \
		-e 's/^Hello Bob,$/Hello Bob,   /' \
		-e 's/^this message is   signed\.$/this  message is signed./' "$1" >"$2"
	printf '\n\n' >>"$2"
}

mkmsg "$D/m1.txt" a@trusted.test e2e-auth-c1-trusted
dsign "$D/m1.txt" "$D/m1.eml" trusted.test
# case 2: signed, then the body altered (a broken signature)
mkmsg "$D/m2.txt" a@trusted.test e2e-auth-c2-broken
dsign "$D/m2.txt" "$D/m2.signed" trusted.test
sed 's/^Hello Bob,$/Hello Eve,/' "$D/m2.signed" >"$D/m2.eml"
mkmsg "$D/m3.eml" a@servfail.test e2e-auth-c3-servfail
mkmsg "$D/m3t.eml" a@timeout.test e2e-auth-c3-timeout
mkmsg "$D/m4.eml" a@unsigned.test e2e-auth-c4-unsigned
# case 4b: the broken message of case 2 again, to the MX6 service
sed 's/e2e-auth-c2-broken/e2e-auth-c4-broken/' "$D/m2.txt" >"$D/m4b.txt"
dsign "$D/m4b.txt" "$D/m4b.signed" trusted.test
sed 's/^Hello Bob,$/Hello Eve,/' "$D/m4b.signed" >"$D/m4b.eml"
mkmsg "$D/m5.txt" a@dkimonly.test e2e-auth-c5-relaxed
dsign "$D/m5.txt" "$D/m5.signed" dkimonly.test -c relaxed/relaxed
ws_mangle "$D/m5.signed" "$D/m5.eml"
mkmsg "$D/m5s.txt" a@dkimonly.test e2e-auth-c5-simple
dsign "$D/m5s.txt" "$D/m5s.signed" dkimonly.test -c simple/simple
ws_mangle "$D/m5s.signed" "$D/m5s.eml"
sed 's/e2e-auth-c2-broken/e2e-auth-c5-ipv4/' "$D/m2.eml" >"$D/m5v4.eml"
mkmsg "$D/m6.eml" a@green.test e2e-auth-c6-green

# The sanity of the messages themselves: the mangling took effect.
if grep -q '^Subject:    e2e-auth-c5-relaxed   $' "$D/m5.eml" &&
	grep -q '^	<b@example.net>$' "$D/m5.eml" && grep -q '^Hello Eve,$' "$D/m2.eml" &&
	grep -q '^DKIM-Signature: .*d=trusted.test' "$D/m1.eml"; then
	ok "test messages signed with $SEL (2048-bit key made by openssl) and altered as planned"
else
	not_ok "test messages signed with $SEL (2048-bit key made by openssl) and altered as planned" \
		"$D/m1.eml" "$D/m2.eml" "$D/m5.eml"
fi

# --- DNS server, lists, milter, MTA ------------------------------------

e2e_start_dns "$D/zone.conf"
DNS=$E2E_DNS

printf '# domains trusted once authenticated\ntrusted.test\ndkimonly.test\n' >"$D/domain_whitelist"
printf '# domains green once authenticated\ngreen.test\n' >"$D/domain_greenlist"
cat >"$D/milter.conf" <<EOF
socket = unix:$D/mx6.sock
socket_mode = 0666
user = root
authserv_id = mx.test
default_mode = defensive
listener = mta-v6 defensive
listener = mta-mx6 mx6
listener = mta-v4 defensive
domain_whitelist = $D/domain_whitelist
domain_greenlist = $D/domain_greenlist
registration_url = $URL
dns_forwarders = $DNS
dns_timeout = 2
EOF

e2e_start_sink
e2e_mta_start
: >"$D/milter.log"
if e2e_start_milter "$milter" "$D/milter.conf"; then
	ok "milter started ($milter) forwarding to $DNS"
else
	not_ok "milter started ($milter) forwarding to $DNS" "$D/milter.log"
	e2e_finish
fi

WL=$D/domain_whitelist
GL=$D/domain_greenlist
DEFER='Not accepted over IPv6: message must pass SPF or DKIM or come from a known sender; please retry over IPv4'
TEMPERR='Temporary DNS failure checking sender over IPv6; please retry over IPv4'
QID=$E2E_QID_RE

# --- 1. whitelisted domain, everything passes: trusted ------------------------

send c1 "$E2E_CLIENT_V6" "$E2E_MTA_V6" a@trusted.test "$D/m1.eml"
check "1 [$E2E_CLIENT_V6] -> [$E2E_MTA_V6] a@trusted.test, valid signature: RCPT 250" rcpt_accepted
qid=$(e2e_queued_id "$E2E_SWAKS_OUT")
if [ -n "$qid" ]; then
	ok "1 250 ... queued as $qid at end of DATA"
else
	not_ok "1 250 ... queued at end of DATA" "$E2E_SWAKS_OUT"
fi
if headers_of "Subject: e2e-auth-c1-trusted" c1; then
	ok "1 delivered to smtp-sink"
	header_exactly "1 Authentication-Results: mx.test; spf=pass, dkim=pass, dmarc=pass (p=reject), iprev=pass" \
		'Authentication-Results' \
		"Authentication-Results: mx.test; spf=pass smtp.mailfrom=trusted.test; dkim=pass header.d=trusted.test header.s=$SEL; dmarc=pass (p=reject) header.from=trusted.test; iprev=pass (mx.trusted.test) policy.iprev=$E2E_CLIENT_V6"
	header_exactly "1 X-MX6-Verdict: trusted; reason=domain_whitelist; source=...domain_whitelist:2" \
		'X-MX6-Verdict' "X-MX6-Verdict: trusted; reason=domain_whitelist; source=$WL:2"
	header_exactly "1 the DKIM-Signature is delivered as signed" 'DKIM-Signature' \
		"$(e2e_headers "$D/m1.eml" | grep '^DKIM-Signature:')"
else
	not_ok "1 delivered to smtp-sink" "$E2E_SWAKS_OUT" "$D/maillog"
fi
log_is "1 log: $qid: ... class=trusted action=accept reasons=domain_whitelist source=...:2" \
	"$E2E_CLIENT_V6" "${qid:-$QID}" \
	"client=[$E2E_CLIENT_V6] helo=client.example from=<a@trusted.test> listener=mta-v6 mode=defensive class=trusted action=accept reasons=domain_whitelist source=$WL:2"

# --- 2. SPF fail from another IPv6 client: 450 at RCPT ------------------------

send c2 "$CLIENT_SPF_FAIL" "$E2E_MTA_V6" a@trusted.test "$D/m2.eml"
reply_is '^RCPT' "$(e2e_rcpt_reply b@example.net "450-4.7.26 $DEFER
450 4.7.26 See $URL")" \
	"2 [$CLIENT_SPF_FAIL] a@trusted.test (SPF fail), broken signature: RCPT \"450 4.7.26 $DEFER\" + \"See URL\""
check "2 the body is never transferred (no DATA)" no_data_sent
log_is "2 log: $E2E_RCPT_QID_RE: ... class=unknown action=defer reasons=auth-fail,spf:fail,iprev:fail reply=\"450 4.7.26\"" \
	"$CLIENT_SPF_FAIL" "$E2E_RCPT_QID_RE" \
	"client=[$CLIENT_SPF_FAIL] helo=client.example from=<a@trusted.test> listener=mta-v6 mode=defensive class=unknown action=defer reasons=auth-fail,spf:fail,iprev:fail reply=\"450 4.7.26\""

# --- 3. sender domain SERVFAILs / times out: 451 4.4.3 at end of DATA ----------

send c3 "$CLIENT_NO_PTR" "$E2E_MTA_V6" a@servfail.test "$D/m3.eml"
check "3 [$CLIENT_NO_PTR] a@servfail.test: RCPT 250 (a domain list is configured: verdict at end of DATA)" \
	rcpt_accepted
reply_is "$EOM" "451-4.4.3 $TEMPERR
451 4.4.3 See $URL" "3 servfail.test: end of DATA \"451 4.4.3 $TEMPERR\" + \"See URL\""
log_is "3 log: ID: ... class=unknown action=defer reasons=temperror,spf:temperror,dkim:none,dmarc:temperror,iprev:fail reply=\"451 4.4.3\"" \
	"$CLIENT_NO_PTR" "$QID" \
	"client=[$CLIENT_NO_PTR] helo=client.example from=<a@servfail.test> listener=mta-v6 mode=defensive class=unknown action=defer reasons=temperror,spf:temperror,dkim:none,dmarc:temperror,iprev:fail reply=\"451 4.4.3\""
[ -n "$LOG_ID" ] && maillog_has "3 $E2E_MTA logged the milter's 451 4.4.3 at end of DATA for $LOG_ID" \
	"$(e2e_milter_rejected "$LOG_ID" "$CLIENT_NO_PTR" "451-4.4.3 $TEMPERR")"

send c3t "$CLIENT_NO_PTR" "$E2E_MTA_V6" a@timeout.test "$D/m3t.eml"
reply_is "$EOM" "451-4.4.3 $TEMPERR
451 4.4.3 See $URL" "3b a@timeout.test (queries never answered): end of DATA \"451 4.4.3 ...\" + \"See URL\""
if [ "$ELAPSED" -ge 3 ] && [ "$ELAPSED" -le 15 ]; then
	ok "3b the time-outs took ${ELAPSED} s in all (dns_timeout = 2, two lookups; well within the MTA's milter timeouts)"
else
	not_ok "3b the time-outs took ${ELAPSED} s in all, want 3..15 (dns_timeout = 2, two lookups)"
fi
log_is "3b log: ID: ... class=unknown action=defer reasons=temperror,spf:temperror,dkim:none,dmarc:temperror,iprev:fail reply=\"451 4.4.3\"" \
	"$CLIENT_NO_PTR" "$QID" \
	"client=[$CLIENT_NO_PTR] helo=client.example from=<a@timeout.test> listener=mta-v6 mode=defensive class=unknown action=defer reasons=temperror,spf:temperror,dkim:none,dmarc:temperror,iprev:fail reply=\"451 4.4.3\""

# --- 4. the MX6 service: multi-line 550 after DATA ----------------------------

send c4 "$CLIENT_NO_PTR" "$E2E_MTA_MX6" a@unsigned.test "$D/m4.eml"
check "4 [$CLIENT_NO_PTR] -> [$E2E_MTA_MX6] (mx6) a@unsigned.test, unsigned: RCPT 250" rcpt_accepted
reply_is "$EOM" "550-5.7.26 MX6: please retry this message over IPv4
550-5.7.26 Authentication-Results: mx.test;
550-5.7.26   spf=none smtp.mailfrom=unsigned.test;
550-5.7.26   dkim=none;
550-5.7.26   dmarc=none header.from=unsigned.test;
550-5.7.26   iprev=fail policy.iprev=$CLIENT_NO_PTR
550 5.7.26 See $URL" "4 mx6: end of DATA multi-line 550 5.7.26 with Authentication-Results lines and \"See URL\" last"
log_is "4 log: ID: ... listener=mta-mx6 mode=mx6 class=unknown action=reject reasons=unlisted,spf:none,dkim:none,dmarc:none,iprev:fail reply=\"550 5.7.26\"" \
	"$CLIENT_NO_PTR" "$QID" \
	"client=[$CLIENT_NO_PTR] helo=client.example from=<a@unsigned.test> listener=mta-mx6 mode=mx6 class=unknown action=reject reasons=unlisted,spf:none,dkim:none,dmarc:none,iprev:fail reply=\"550 5.7.26\""

send c4b "$CLIENT_SPF_FAIL" "$E2E_MTA_MX6" a@trusted.test "$D/m4b.eml"
check "4b [$CLIENT_SPF_FAIL] -> [$E2E_MTA_MX6] (mx6) SPF fail + broken signature: RCPT 250 (mx6 answers after DATA)" \
	rcpt_accepted
reply_is "$EOM" "550-5.7.26 MX6: please retry this message over IPv4
550-5.7.26 Authentication-Results: mx.test;
550-5.7.26   spf=fail smtp.mailfrom=trusted.test;
550-5.7.26   dkim=fail (body hash mismatch) header.d=trusted.test header.s=$SEL;
550-5.7.26   dmarc=fail (p=reject) header.from=trusted.test;
550-5.7.26   iprev=fail policy.iprev=$CLIENT_SPF_FAIL
550 5.7.26 See $URL" "4b mx6: end of DATA 550 with complete results (spf=fail, dkim=fail, dmarc=fail)"
log_is "4b log: ID: ... class=unknown action=reject reasons=auth-fail,spf:fail,dkim:fail,dmarc:fail,iprev:fail reply=\"550 5.7.26\"" \
	"$CLIENT_SPF_FAIL" "$QID" \
	"client=[$CLIENT_SPF_FAIL] helo=client.example from=<a@trusted.test> listener=mta-mx6 mode=mx6 class=unknown action=reject reasons=auth-fail,spf:fail,dkim:fail,dmarc:fail,iprev:fail reply=\"550 5.7.26\""

# --- 5. canonicalisation; IPv4 never deferred ----------------------------------

# 5a: dkimonly.test has no SPF: only the relaxed/relaxed signature, which
# survives the white-space changes, can authenticate it.
send c5 "$CLIENT_NO_PTR" "$E2E_MTA_MX6" a@dkimonly.test "$D/m5.eml"
qid=$(e2e_queued_id "$E2E_SWAKS_OUT")
if [ -n "$qid" ]; then
	ok "5a [$CLIENT_NO_PTR] -> [$E2E_MTA_MX6] relaxed/relaxed signature, blanks changed: 250 queued as $qid"
else
	not_ok "5a [$CLIENT_NO_PTR] -> [$E2E_MTA_MX6] relaxed/relaxed signature, blanks changed: 250 queued" "$E2E_SWAKS_OUT"
fi
if headers_of "e2e-auth-c5-relaxed" c5; then
	ok "5a delivered to smtp-sink"
	header_exactly "5a Authentication-Results: spf=none, dkim=pass (relaxed), dmarc=pass (p=reject), iprev=fail" \
		'Authentication-Results' \
		"Authentication-Results: mx.test; spf=none smtp.mailfrom=dkimonly.test; dkim=pass header.d=dkimonly.test header.s=$SEL; dmarc=pass (p=reject) header.from=dkimonly.test; iprev=fail policy.iprev=$CLIENT_NO_PTR"
	header_exactly "5a X-MX6-Verdict: trusted; reason=domain_whitelist; source=...domain_whitelist:3" \
		'X-MX6-Verdict' "X-MX6-Verdict: trusted; reason=domain_whitelist; source=$WL:3"
else
	not_ok "5a delivered to smtp-sink" "$E2E_SWAKS_OUT" "$D/maillog"
fi
log_is "5a log: $qid: ... listener=mta-mx6 mode=mx6 class=trusted action=accept reasons=domain_whitelist source=...:3" \
	"$CLIENT_NO_PTR" "${qid:-$QID}" \
	"client=[$CLIENT_NO_PTR] helo=client.example from=<a@dkimonly.test> listener=mta-mx6 mode=mx6 class=trusted action=accept reasons=domain_whitelist source=$WL:3"

# 5b: the same changes break a simple/simple signature: DMARC fails with
# p=reject, an authentication failure, deferred at end of DATA.
send c5s "$CLIENT_NO_PTR" "$E2E_MTA_V6" a@dkimonly.test "$D/m5s.eml"
reply_is "$EOM" "450-4.7.26 $DEFER
450 4.7.26 See $URL" "5b simple/simple signature, same changes: end of DATA \"450 4.7.26 ...\" + \"See URL\""
log_is "5b log: ID: ... class=unknown action=defer reasons=auth-fail,spf:none,dkim:fail,dmarc:fail,iprev:fail reply=\"450 4.7.26\"" \
	"$CLIENT_NO_PTR" "$QID" \
	"client=[$CLIENT_NO_PTR] helo=client.example from=<a@dkimonly.test> listener=mta-v6 mode=defensive class=unknown action=defer reasons=auth-fail,spf:none,dkim:fail,dmarc:fail,iprev:fail reply=\"450 4.7.26\""

# 5c: IPv4 with the case-2 message (its SPF would fail too): delivered, untouched.
send c5v4 "$E2E_CLIENT_V4" "$E2E_MTA_V4" a@trusted.test "$D/m5v4.eml"
check "5c IPv4 $E2E_CLIENT_V4 -> $E2E_MTA_V4 a@trusted.test, broken signature: RCPT 250" rcpt_accepted
qid=$(e2e_queued_id "$E2E_SWAKS_OUT")
if [ -n "$qid" ]; then
	ok "5c IPv4: 250 queued as $qid at end of DATA"
else
	not_ok "5c IPv4: 250 queued at end of DATA" "$E2E_SWAKS_OUT"
fi
if headers_of "e2e-auth-c5-ipv4" c5v4; then
	ok "5c IPv4: delivered to smtp-sink"
	header_absent "5c IPv4: no X-MX6-Verdict added" '^X-MX6-Verdict:'
	header_absent "5c IPv4: no Authentication-Results added" '^Authentication-Results:'
	if grep -q '^Hello Eve,' "$DELIVERED" &&
		[ "$(grep -Fxc -- "$(e2e_headers "$D/m5v4.eml" | grep '^DKIM-Signature:')" "$HDRS")" = 1 ]; then
		ok "5c IPv4: body and DKIM-Signature delivered as sent"
	else
		not_ok "5c IPv4: body and DKIM-Signature delivered as sent" "$DELIVERED"
	fi
else
	not_ok "5c IPv4: delivered to smtp-sink" "$E2E_SWAKS_OUT" "$D/maillog"
fi
no_decision_line "5c IPv4: the milter logs no decision for $E2E_CLIENT_V4" "$E2E_CLIENT_V4"

# --- 6. greenlisted domain authenticated by SPF alone: green -------------------

send c6 "$CLIENT_GREEN" "$E2E_MTA_V6" a@green.test "$D/m6.eml"
qid=$(e2e_queued_id "$E2E_SWAKS_OUT")
if [ -n "$qid" ]; then
	ok "6 [$CLIENT_GREEN] a@green.test (SPF pass, no DMARC record): 250 queued as $qid"
else
	not_ok "6 [$CLIENT_GREEN] a@green.test (SPF pass, no DMARC record): 250 queued" "$E2E_SWAKS_OUT"
fi
if headers_of "e2e-auth-c6-green" c6; then
	ok "6 delivered to smtp-sink"
	header_exactly "6 Authentication-Results: spf=pass, dkim=none, dmarc=none, iprev=fail" \
		'Authentication-Results' \
		"Authentication-Results: mx.test; spf=pass smtp.mailfrom=green.test; dkim=none; dmarc=none header.from=green.test; iprev=fail policy.iprev=$CLIENT_GREEN"
	header_exactly "6 X-MX6-Verdict: green; reason=domain_greenlist; source=...domain_greenlist:2" \
		'X-MX6-Verdict' "X-MX6-Verdict: green; reason=domain_greenlist; source=$GL:2"
else
	not_ok "6 delivered to smtp-sink" "$E2E_SWAKS_OUT" "$D/maillog"
fi
log_is "6 log: $qid: ... class=green action=accept reasons=domain_greenlist source=...:2" \
	"$CLIENT_GREEN" "${qid:-$QID}" \
	"client=[$CLIENT_GREEN] helo=client.example from=<a@green.test> listener=mta-v6 mode=defensive class=green action=accept reasons=domain_greenlist source=$GL:2"

# --- nothing refused was delivered -----------------------------------------------

e2e_wait_for 20 e2e_queue_empty || not_ok "$E2E_MTA queue drained" "$D/maillog"
sleep 0.5
for m in e2e-auth-c2-broken e2e-auth-c3-servfail e2e-auth-c3-timeout e2e-auth-c4-unsigned \
	e2e-auth-c4-broken e2e-auth-c5-simple; do
	f=$(e2e_find_delivered "$m")
	if [ -z "$f" ]; then
		ok "nothing delivered for $m"
	else
		not_ok "nothing delivered for $m" "$f"
	fi
done

e2e_reports
e2e_finish
