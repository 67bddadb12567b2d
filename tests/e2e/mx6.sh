#!/bin/bash
# tests/e2e/mx6.sh -- the four scenarios of the MX6 proposal end to end:
# an MX6-aware sender (tests/mx6-sender) and the milter's mx6 listener
# behind a real Postfix (or, with E2E_MTA=sendmail as tests/e2e/mx6-sendmail.sh
# sets it, a real Sendmail), with a real DNS server.
#
# Runs in a private network namespace (re-execs itself under unshare; exit
# 77 = skipped when that is refused or a tool is missing) with the private
# MTA of tests/e2e/lib.sh: an IPv4 listener (mta-v4, the milter with
# Postfix's accept or Sendmail's no flag) and an IPv6 listener on 2001:db8::26
# (mta-mx6, listener mode mx6), relaying to smtp-sink; and the test DNS
# server of tests/dns/server.sh serving:
#	receiver.test              MX 10 mx.receiver.test (A 192.0.2.25)
#	_mx6._tcp.receiver.test    SRV 10 0 2525 mx6.receiver.test
#	mx6.receiver.test          AAAA 2001:db8::26
#	unaware.test               MX 10 mx.unaware.test (A 192.0.2.25), no SRV
#
# and contrib/dns/example.zone as an authoritative zone: case 0 checks that
# it loads and keeps the rules mx6-milter(8) gives (SRV targets with only
# AAAA records, exactly one MX host with an AAAA record).
#
# Scenarios (SPEC.md section 1, section 4):
#	1. MX6-unaware sender -> IPv4 as usual; the milter takes no decision.
#	2. MX6-aware sender, MX6-unaware receiver (no SRV) -> IPv4.
#	3. Both aware, receiver willing (sender on ip_whitelist) -> delivered
#	   over IPv6 with Authentication-Results and X-MX6-Verdict.
#	4. Both aware, receiver unwilling -> 550 after DATA carrying the
#	   Authentication-Results and "See URL", then delivered over IPv4.
#
# The build directory is the current directory (as under `make check`), or
# MX6_BUILDDIR; MX6_MILTER overrides the milter, DNS_QUERY tests/dns/dns-query.
# MX6_E2E_KEEP=1 keeps the scratch directory. Needs root, Postfix, swaks,
# unbound and python3.
# shellcheck disable=SC2317 # helpers are called indirectly

here=$(cd "$(dirname "$0")" && pwd) || exit 99
# shellcheck source=tests/e2e/lib.sh
. "$here/lib.sh" || exit 99
SENDER=$here/../mx6-sender

e2e_builddir "$here"
milter=${MX6_MILTER:-$builddir/milter/mx6-milter}
dnsq=${DNS_QUERY:-$builddir/tests/dns/dns-query}
case $milter in /*) ;; *) milter=$(pwd)/$milter ;; esac
case $dnsq in /*) ;; *) dnsq=$(pwd)/$dnsq ;; esac

# Tools first (before the namespace, so a skip says why).
if [ "${MX6_E2E_IN_NETNS:-}" != 1 ]; then
	command -v python3 >/dev/null 2>&1 || e2e_skip "python3 is not installed"
	e2e_need_dns
	[ -x "$dnsq" ] || e2e_skip "$dnsq is not built (make check builds it)"
fi
e2e_mta_prepare "$builddir"
e2e_enter_netns "$0" "$@"

if [ ! -x "$milter" ]; then
	echo "ERROR: $milter is not built (run make first)"
	exit 99
fi

URL=https://mx.test/ipv6-senders
PORT=$E2E_SMTP_PORT
V4=$E2E_MTA_V4
MX6=$E2E_MTA_MX6

e2e_setup_net
e2e_make_tmpdir mx6-e2e-mx6
D=$E2E_DIR

# --- DNS, lists, milter, MTA -------------------------------------------------

cat >"$D/zone.conf" <<EOF
local-zone: "receiver.test." static
local-data: "receiver.test. 300 IN MX 10 mx.receiver.test."
local-data: "mx.receiver.test. 300 IN A $V4"
local-data: "_mx6._tcp.receiver.test. 300 IN SRV 10 0 $PORT mx6.receiver.test."
local-data: "mx6.receiver.test. 300 IN AAAA $MX6"
local-zone: "unaware.test." static
local-data: "unaware.test. 300 IN MX 10 mx.unaware.test."
local-data: "mx.unaware.test. 300 IN A $V4"
local-zone: "sender.test." static
local-data: "sender.test. 300 IN A 192.0.2.1"
EOF

# contrib/dns/example.zone too, as an authoritative zone (checked in 0.).
cat >"$D/example-zone.conf" <<EOF
auth-zone:
	name: "example.net."
	zonefile: "$here/../../contrib/dns/example.zone"
	for-downstream: yes
	for-upstream: yes
EOF
e2e_start_dns "$D/zone.conf" "$D/example-zone.conf"
DNS=$E2E_DNS

printf '# IPv6 senders the MX6 receiver is willing to take\n%s\n' "$E2E_CLIENT_V6_WL" >"$D/ip_whitelist"
cat >"$D/milter.conf" <<EOF
socket = unix:$D/mx6.sock
socket_mode = 0666
user = root
authserv_id = mx.test
default_mode = defensive
listener = mta-v4 defensive
listener = mta-v6 defensive
listener = mta-mx6 mx6
ip_whitelist = $D/ip_whitelist
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

# mkmsg FILE MARKER
mkmsg() {
	cat >"$1" <<EOF
From: Alice <a@sender.test>
To: Bob <b@$3>
Subject: $2
Date: $(LC_ALL=C date -R)
Message-ID: <$2@sender.test>

Hello Bob,
this is $2.
EOF
}

# send NAME DOMAIN CLIENT6 CLIENT4 [sender options]: run tests/mx6-sender;
# its output in D/NAME.out (OUT), status in RC; ATTEMPTS holds the output
# without the lookup lines, the queue id replaced by QID.
send() {
	local name=$1 dom=$2 c6=$3 c4=$4
	shift 4
	OUT=$D/$name.out
	log_mark
	python3 "$SENDER" "$dom" a@sender.test "b@$dom" "$D/$name.eml" \
		--dns "$DNS" --dns-query "$dnsq" --local6 "$c6" --local4 "$c4" \
		--port4 "$PORT" --helo client.example "$@" >"$OUT" 2>&1 </dev/null
	RC=$?
	QID=$(sed -nE -e 's/^delivered .* queued as ([0-9A-Za-z]+)$/\1/p' \
		-e 's/^delivered .* 250 [0-9.]+ ([0-9A-Za-z]+) Message accepted for delivery$/\1/p' "$OUT")
	ATTEMPTS=$(grep -v '^lookup ' "$OUT" | sed -E -e 's/queued as [0-9A-Za-z]+$/queued as QID/' \
		-e 's/ 250 ([0-9.]+) [0-9A-Za-z]+ Message accepted for delivery$/ 250 \1 QID Message accepted for delivery/')
}
attempts_are() { # DESCRIPTION EXPECTED
	if [ "$RC" = 0 ] && [ "$ATTEMPTS" = "$2" ]; then
		ok "$1"
	else
		not_ok "$1 (exit $RC)" "$OUT"
		want "$2"
	fi
}
lookups_are() { # DESCRIPTION EXPECTED
	local got
	got=$(grep '^lookup ' "$OUT")
	if [ "$got" = "$2" ]; then ok "$1"; else not_ok "$1" "$OUT"; want "$2"; fi
}

# delivered_once MARKER NAME: exactly one copy of MARKER at smtp-sink; its
# header (unfolded) in HDRS.
delivered_once() {
	local f
	HDRS=$D/$2.headers
	f=$(e2e_wait_delivered "Subject: $1") || return 1
	e2e_headers "$f" >"$HDRS"
	sleep 0.5
	[ "$(grep -lF -- "Subject: $1" "$D"/sink/* | wc -l)" = 1 ]
}
# received_from DESCRIPTION CLIENT DOMAIN: the copy's Received field from
# the MTA names CLIENT (as that MTA writes it: Postfix "IPv6:2001:db8::77",
# Sendmail "IPv6:2001:db8:0:0:0:0:0:77") and the queue id the sender was
# given (QID).
received_from() {
	local addr=$2 line
	case $addr in
	*:*)
		[ "$E2E_MTA" = sendmail ] && addr=$(python3 -c 'import ipaddress, sys
print(":".join("%x" % int(g, 16) for g in ipaddress.ip_address(sys.argv[1]).exploded.split(":")))' "$addr")
		addr=IPv6:$addr ;;
	esac
	if [ "$E2E_MTA" = sendmail ]; then
		line="Received: from client.example ([$addr]) by sm-test.localdomain (VERSION) with ESMTP id ${QID:-(none)} for <b@$3>; "
	else
		line="Received: from client.example (unknown [$addr]) by mx.test (Postfix) with ESMTP id ${QID:-(none)} for <b@$3>; "
	fi
	if [ -n "$QID" ] && grep "^Received: " "$HDRS" | sed -E 's/ \([0-9.]+\/[0-9.]+\) with / (VERSION) with /' |
		grep -qF -- "$line"; then
		ok "$1"
	else
		not_ok "$1" "$HDRS"
		want "$line..."
	fi
}
# The MTA's 250 reply to the end of DATA, its queue id replaced by QID.
if [ "$E2E_MTA" = sendmail ]; then
	QUEUED='250 2.0.0 QID Message accepted for delivery'
else
	QUEUED='250 2.0.0 Ok: queued as QID'
fi
# SRV RDATA as dns-query prints it (hex): priority 10, weight 0, port, target.
SRV_HEX=$(printf '000a0000%04x036d7836087265636569766572047465737400' "$PORT")

# --- 0. contrib/dns/example.zone: what the scenarios rely on ---------------------

# q NAME TYPE: the answer line of tests/dns/dns-query.
q() { "$dnsq" -s "$DNS" -t 2000 "$1" "$2" 2>/dev/null; }
zone_ok() { # DESCRIPTION TEST-RESULT (0/1) DETAILS
	if [ "$2" = 0 ]; then ok "$1"; else not_ok "$1"; printf '#   %s\n' "$3"; fi
}
srv=$(q _mx6._tcp.example.net 33)
case $srv in "OK 0 2 "*) r=0 ;; *) r=1 ;; esac
zone_ok "0 example.zone: two _mx6._tcp.example.net SRV records" $r "$srv"
bad=
for t in mx6a.example.net mx6b.example.net; do
	case $(q $t AAAA) in "OK 0 1 2001:db8:"*) ;; *) bad="$bad $t:AAAA" ;; esac
	case $(q $t A) in NODATA*) ;; *) bad="$bad $t:A" ;; esac
done
[ -z "$bad" ]
zone_ok "0 example.zone: the SRV targets have an AAAA record and no A record" $? "wrong:$bad"
mx=$(q example.net MX)
[ "$mx" = "OK 0 2 10 mx1.example.net. 20 mx2.example.net." ]
zone_ok "0 example.zone: MX 10 mx1, 20 mx2" $? "$mx"
v6=0 bad=
for t in mx1.example.net mx2.example.net; do
	case $(q $t A) in "OK 0 1 "*) ;; *) bad="$bad $t:A" ;; esac
	case $(q $t AAAA) in "OK 0 1 "*) v6=$((v6 + 1)) ;; NODATA*) ;; *) bad="$bad $t:AAAA" ;; esac
done
[ -z "$bad" ] && [ "$v6" = 1 ]
zone_ok "0 example.zone: every MX host has an A record, exactly one an AAAA record" $? "wrong:$bad; $v6 with AAAA"

# --- 1. MX6-unaware sender: IPv4 as usual --------------------------------------

mkmsg "$D/c1.eml" e2e-mx6-c1-unaware-sender receiver.test
send c1 receiver.test "$E2E_CLIENT_V6" "$E2E_CLIENT_V4" --mx6-unaware
attempts_are "1 MX6-unaware sender to receiver.test: delivered ipv4 $V4:$PORT (no IPv6 attempt)" \
	"delivered ipv4 $V4:$PORT → $QUEUED"
lookups_are "1 MX6-unaware sender: MX and A lookups only, no SRV" \
	"lookup receiver.test MX -> OK 0 1 10 mx.receiver.test.
lookup mx.receiver.test. A -> OK 0 1 $V4"
if delivered_once e2e-mx6-c1-unaware-sender c1; then
	ok "1 one copy at smtp-sink"
	received_from "1 received by $E2E_MTA from $E2E_CLIENT_V4 under the queue id the sender got" "$E2E_CLIENT_V4" receiver.test
	header_absent "1 IPv4: no X-MX6-Verdict" '^X-MX6-Verdict:'
	header_absent "1 IPv4: no Authentication-Results" '^Authentication-Results:'
else
	not_ok "1 one copy at smtp-sink" "$OUT" "$D/maillog"
fi
no_decision_line "1 the milter takes no decision for IPv4 client $E2E_CLIENT_V4" "$E2E_CLIENT_V4"

# --- 2. MX6-aware sender, MX6-unaware receiver: IPv4 ---------------------------

mkmsg "$D/c2.eml" e2e-mx6-c2-unaware-receiver unaware.test
send c2 unaware.test "$E2E_CLIENT_V6" "$E2E_CLIENT_V4"
lookups_are "2 MX6-aware sender: _mx6._tcp.unaware.test SRV is NXDOMAIN, then MX and A" \
	"lookup _mx6._tcp.unaware.test 33 -> NXDOMAIN 3 0
lookup unaware.test MX -> OK 0 1 10 mx.unaware.test.
lookup mx.unaware.test. A -> OK 0 1 $V4"
attempts_are "2 MX6-aware sender to unaware.test (no SRV): delivered ipv4 $V4:$PORT" \
	"delivered ipv4 $V4:$PORT → $QUEUED"
if delivered_once e2e-mx6-c2-unaware-receiver c2; then
	ok "2 one copy at smtp-sink"
	received_from "2 received by $E2E_MTA from $E2E_CLIENT_V4 under the queue id the sender got" "$E2E_CLIENT_V4" unaware.test
	header_absent "2 IPv4: no X-MX6-Verdict" '^X-MX6-Verdict:'
else
	not_ok "2 one copy at smtp-sink" "$OUT" "$D/maillog"
fi
no_decision_line "2 the milter takes no decision for IPv4 client $E2E_CLIENT_V4" "$E2E_CLIENT_V4"

# --- 3. both aware, receiver willing: delivered over IPv6 ----------------------

mkmsg "$D/c3.eml" e2e-mx6-c3-willing receiver.test
send c3 receiver.test "$E2E_CLIENT_V6_WL" "$E2E_CLIENT_V4"
lookups_are "3 SRV _mx6._tcp.receiver.test -> 10 0 $PORT mx6.receiver.test., AAAA $MX6" \
	"lookup _mx6._tcp.receiver.test 33 -> OK 0 1 $SRV_HEX
lookup mx6.receiver.test. AAAA -> OK 0 1 $MX6"
attempts_are "3 whitelisted [$E2E_CLIENT_V6_WL]: delivered ipv6 [$MX6]:$PORT (no IPv4 attempt)" \
	"delivered ipv6 [$MX6]:$PORT → $QUEUED"
log_is "3 milter: listener=mta-mx6 mode=mx6 class=trusted action=accept reasons=ip_whitelist" \
	"$E2E_CLIENT_V6_WL" "$E2E_QID_RE" \
	"client=[$E2E_CLIENT_V6_WL] helo=client.example from=<a@sender.test> listener=mta-mx6 mode=mx6 class=trusted action=accept reasons=ip_whitelist source=$D/ip_whitelist:2"
if delivered_once e2e-mx6-c3-willing c3; then
	ok "3 one copy at smtp-sink"
	received_from "3 received by $E2E_MTA from $E2E_CLIENT_V6_WL (IPv6) under the queue id the sender got" "$E2E_CLIENT_V6_WL" receiver.test
	header_exactly "3 Authentication-Results: mx.test; spf=none ...; iprev=fail" 'Authentication-Results' \
		"Authentication-Results: mx.test; spf=none smtp.mailfrom=sender.test; dkim=none; dmarc=none header.from=sender.test; iprev=fail policy.iprev=$E2E_CLIENT_V6_WL"
	header_exactly "3 X-MX6-Verdict: trusted; reason=ip_whitelist; source=...ip_whitelist:2" 'X-MX6-Verdict' \
		"X-MX6-Verdict: trusted; reason=ip_whitelist; source=$D/ip_whitelist:2"
else
	not_ok "3 one copy at smtp-sink" "$OUT" "$D/maillog"
fi

# --- 4. both aware, receiver unwilling: 550 after DATA, then IPv4 --------------

mkmsg "$D/c4.eml" e2e-mx6-c4-unwilling receiver.test
send c4 receiver.test "$E2E_CLIENT_V6" "$E2E_CLIENT_V4"
attempts_are "4 unknown [$E2E_CLIENT_V6]: ipv6 550 after DATA with AR lines and See URL, then delivered ipv4" \
	"attempt ipv6 [$MX6]:$PORT → 550 5.7.26 MX6: please retry this message over IPv4
reply 550-5.7.26 MX6: please retry this message over IPv4
reply 550-5.7.26 Authentication-Results: mx.test;
reply 550-5.7.26   spf=none smtp.mailfrom=sender.test;
reply 550-5.7.26   dkim=none;
reply 550-5.7.26   dmarc=none header.from=sender.test;
reply 550-5.7.26   iprev=fail policy.iprev=$E2E_CLIENT_V6
reply 550 5.7.26 See $URL
mx6: the receiver asks for IPv4; retrying over IPv4
delivered ipv4 $V4:$PORT → $QUEUED"
lookups_are "4 lookups: SRV, AAAA, then MX and A for the IPv4 retry" \
	"lookup _mx6._tcp.receiver.test 33 -> OK 0 1 $SRV_HEX
lookup mx6.receiver.test. AAAA -> OK 0 1 $MX6
lookup receiver.test MX -> OK 0 1 10 mx.receiver.test.
lookup mx.receiver.test. A -> OK 0 1 $V4"
log_is "4 milter: listener=mta-mx6 mode=mx6 class=unknown action=reject reply=\"550 5.7.26\"" \
	"$E2E_CLIENT_V6" "$E2E_QID_RE" \
	"client=[$E2E_CLIENT_V6] helo=client.example from=<a@sender.test> listener=mta-mx6 mode=mx6 class=unknown action=reject reasons=unlisted,spf:none,dkim:none,dmarc:none,iprev:fail reply=\"550 5.7.26\""
[ -n "$LOG_ID" ] && maillog_has "4 $E2E_MTA logged the milter's 550 5.7.26 MX6 reply at end of DATA for $LOG_ID ([$E2E_CLIENT_V6])" \
	"$(e2e_milter_rejected "$LOG_ID" "$E2E_CLIENT_V6" "550-5.7.26 MX6: please retry this message over IPv4")"
if delivered_once e2e-mx6-c4-unwilling c4; then
	ok "4 exactly one copy at smtp-sink (the IPv4 retry)"
	received_from "4 the copy was received from $E2E_CLIENT_V4 (IPv4) under the queue id of the retry" "$E2E_CLIENT_V4" receiver.test
	header_absent "4 IPv4 copy: no X-MX6-Verdict" '^X-MX6-Verdict:'
	header_absent "4 IPv4 copy: no Authentication-Results" '^Authentication-Results:'
else
	not_ok "4 exactly one copy at smtp-sink (the IPv4 retry)" "$OUT" "$D/maillog"
fi

e2e_wait_for 20 e2e_queue_empty || not_ok "$E2E_MTA queue drained" "$D/maillog"

e2e_reports
e2e_finish
