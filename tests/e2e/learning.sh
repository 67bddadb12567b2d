#!/bin/bash
# tests/e2e/learning.sh -- learning (SPEC 6) end to end through a real
# Postfix (or, with E2E_MTA=sendmail as tests/e2e/learning-sendmail.sh sets
# it, a real Sendmail) and a real DNS server.
#
# Runs in a private network namespace (re-execs itself under unshare; exit
# 77 = skipped when that is refused, or when a tool is missing) with the
# MTA of tests/e2e/lib.sh (IPv4 listener mta-v4, IPv6 defensive listener
# mta-v6, relaying to smtp-sink) and, inside the same
# namespace, the test DNS server of tests/dns/server.sh serving friend.test
# ("v=spf1 ip4:192.0.2.66 ip6:2001:db8::66 -all", no DMARC record, so an
# aligned SPF pass from either client authenticates friend.test). The
# milter learns into an LMDB store (learn = yes, state = lmdb:DIR/state,
# history_min_messages = 3, history_min_days = 0).
#
# Cases: (1) an IPv6 message from friend.test is deferred at end of DATA
# with 450 4.7.26 (authenticated, but no history yet); (2) three
# authenticated IPv4 messages from friend.test through the IPv4 service
# are delivered, never deferred, untouched, and each one is counted
# (mx6-check --history); (3) the same IPv6 message is then delivered, with
# "X-MX6-Verdict: green; reason=history:3/0d; source=lmdb:..." in the copy
# at smtp-sink; IPv6 mail teaches nothing.
#
# The build directory is the current directory (as under `make check`), or
# MX6_BUILDDIR; MX6_MILTER and MX6_CHECK override the programs' paths.
# MX6_E2E_KEEP=1 keeps the scratch directory. Needs root, Postfix (for
# smtp-sink), swaks, unbound and python3.
# shellcheck disable=SC2317 # check helpers are called through check()

here=$(cd "$(dirname "$0")" && pwd) || exit 99
# shellcheck source=tests/e2e/lib.sh
. "$here/lib.sh" || exit 99

e2e_builddir "$here"
milter=${MX6_MILTER:-$builddir/milter/mx6-milter}
mx6check=${MX6_CHECK:-$builddir/milter/mx6-check}
case $milter in /*) ;; *) milter=$(pwd)/$milter ;; esac
case $mx6check in /*) ;; *) mx6check=$(pwd)/$mx6check ;; esac

# Tools first (before the namespace, so a skip says why).
e2e_need_dns
e2e_mta_prepare "$builddir"
e2e_enter_netns "$0" "$@"

for p in "$milter" "$mx6check"; do
	if [ ! -x "$p" ]; then
		echo "ERROR: $p is not built (run make first)"
		exit 99
	fi
done

e2e_setup_net
e2e_make_tmpdir mx6-e2e-learning
D=$E2E_DIR

EOM='^[0-9]+ lines sent$'

rcpt_accepted() { e2e_reply_to '^RCPT' "$E2E_SWAKS_OUT" | grep -q '^250 '; }
# no_4xx_5xx: the server answered no command with a 4xx or 5xx reply.
no_4xx_5xx() { ! grep -Eq '^<(-|\*\*) +[45][0-9][0-9][ -]' "$E2E_SWAKS_OUT"; }

# send NAME CLIENT SERVER FILE: the prepared message FILE from
# friend@friend.test to b@example.net.
send() {
	log_mark
	e2e_swaks "$1" --local-interface "$2" --server "$3" \
		--port "$E2E_SMTP_PORT" --from friend@friend.test --to b@example.net \
		--data "@$4"
}

# history_is DESCRIPTION N: mx6-check --history friend.test reports N
# (0: "no authenticated IPv4 history").
history_is() {
	local out good=
	out=$("$mx6check" --config "$D/milter.conf" --history friend.test 2>&1)
	if [ "$2" = 0 ]; then
		[ "$out" = "friend.test: no authenticated IPv4 history" ] && good=1
	elif printf '%s\n' "$out" |
		grep -Eqx "friend\\.test: $2 authenticated IPv4 messages, first [0-9]+, last [0-9]+ \\(0 days\\)(: a greenlist signal)?"; then
		good=1
	fi
	if [ -n "$good" ]; then
		ok "$1: mx6-check --history: ${out}"
	else
		not_ok "$1: mx6-check --history friend.test: $2 (got: $out)"
	fi
}

# --- messages, zone ------------------------------------------------------------

# mkmsg FILE MARKER: a message from friend@friend.test whose Subject is MARKER.
mkmsg() {
	cat >"$1" <<EOF
From: Friend <friend@friend.test>
To: Bob <b@example.net>
Subject: $2
Date: $(LC_ALL=C date -R)
Message-ID: <$2@friend.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Hello Bob,

a message from a friend.
EOF
}
mkmsg "$D/v6.eml" e2e-learning-v6
for i in 1 2 3; do
	mkmsg "$D/v4-$i.eml" "e2e-learning-v4-$i"
done

cat >"$D/zone.conf" <<EOF
local-zone: "friend.test." static
local-data: 'friend.test. 300 IN TXT "v=spf1 ip4:$E2E_CLIENT_V4 ip6:$E2E_CLIENT_V6 -all"'
EOF

# --- DNS server, milter, MTA ---------------------------------------------------

e2e_start_dns "$D/zone.conf"
DNS=$E2E_DNS

STATE=lmdb:$D/state
cat >"$D/milter.conf" <<EOF
socket = unix:$D/mx6.sock
socket_mode = 0666
user = root
authserv_id = mx.test
default_mode = defensive
listener = mta-v6 defensive
listener = mta-mx6 mx6
listener = mta-v4 defensive
dns_forwarders = $DNS
dns_timeout = 2
learn = yes
state = $STATE
history_min_messages = 3
history_min_days = 0
EOF

e2e_start_sink
e2e_mta_start
: >"$D/milter.log"
if e2e_start_milter "$milter" "$D/milter.conf"; then
	ok "milter started ($milter) learning into $STATE, forwarding to $DNS"
else
	not_ok "milter started ($milter) learning into $STATE, forwarding to $DNS" "$D/milter.log"
	e2e_finish
fi

DEFER='Not accepted over IPv6: message must pass SPF or DKIM or come from a known sender; please retry over IPv4'
QID=$E2E_QID_RE
history_is "0 before any mail" 0

# --- 1. IPv6 from friend.test, no history yet: 450 4.7.26 at end of DATA -------

send v6-first "$E2E_CLIENT_V6" "$E2E_MTA_V6" "$D/v6.eml"
check "1 [$E2E_CLIENT_V6] -> [$E2E_MTA_V6] friend@friend.test (SPF pass): RCPT 250 (history could vouch: verdict at end of DATA)" \
	rcpt_accepted
reply_is "$EOM" "450 4.7.26 $DEFER" "1 no history yet: end of DATA \"450 4.7.26 $DEFER\""
log_is "1 log: ID: ... class=unknown action=defer reasons=unlisted,spf:pass,... reply=\"450 4.7.26\"" \
	"$E2E_CLIENT_V6" "$QID" \
	"client=[$E2E_CLIENT_V6] helo=client.example from=<friend@friend.test> listener=mta-v6 mode=defensive class=unknown action=defer reasons=unlisted,spf:pass,dkim:none,dmarc:none,iprev:fail reply=\"450 4.7.26\""
history_is "1 IPv6 mail teaches nothing" 0

# --- 2. three authenticated IPv4 messages: delivered, never deferred, learnt ------

for i in 1 2 3; do
	send "v4-$i" "$E2E_CLIENT_V4" "$E2E_MTA_V4" "$D/v4-$i.eml"
	check "2.$i IPv4 $E2E_CLIENT_V4 -> $E2E_MTA_V4 friend@friend.test: no 4xx/5xx reply to any command" no_4xx_5xx
	qid=$(e2e_queued_id "$E2E_SWAKS_OUT")
	if [ -n "$qid" ]; then
		ok "2.$i IPv4: 250 queued as $qid at end of DATA"
	else
		not_ok "2.$i IPv4: 250 queued at end of DATA" "$E2E_SWAKS_OUT"
	fi
	if headers_of "Subject: e2e-learning-v4-$i" "v4-$i"; then
		ok "2.$i IPv4: delivered to smtp-sink"
		header_absent "2.$i IPv4: no X-MX6-Verdict added" '^X-MX6-Verdict:'
		header_absent "2.$i IPv4: no Authentication-Results added" '^Authentication-Results:'
	else
		not_ok "2.$i IPv4: delivered to smtp-sink" "$E2E_SWAKS_OUT" "$D/maillog"
	fi
	no_decision_line "2.$i IPv4: the milter logs no decision for $E2E_CLIENT_V4" "$E2E_CLIENT_V4"
	history_is "2.$i learnt" "$i"
done

# --- 3. the same IPv6 message again: delivered, green by history -----------------

send v6-again "$E2E_CLIENT_V6" "$E2E_MTA_V6" "$D/v6.eml"
qid=$(e2e_queued_id "$E2E_SWAKS_OUT")
if [ -n "$qid" ]; then
	ok "3 [$E2E_CLIENT_V6] -> [$E2E_MTA_V6] the same message again: 250 queued as $qid"
else
	not_ok "3 [$E2E_CLIENT_V6] -> [$E2E_MTA_V6] the same message again: 250 queued" "$E2E_SWAKS_OUT"
fi
check "3 no 4xx/5xx reply to any command" no_4xx_5xx
if headers_of "Subject: e2e-learning-v6" v6; then
	ok "3 delivered to smtp-sink"
	header_exactly "3 X-MX6-Verdict: green; reason=history:3/0d; source=$STATE" \
		'X-MX6-Verdict' "X-MX6-Verdict: green; reason=history:3/0d; source=$STATE"
	header_exactly "3 Authentication-Results: spf=pass, dkim=none, dmarc=none, iprev=fail" \
		'Authentication-Results' \
		"Authentication-Results: mx.test; spf=pass smtp.mailfrom=friend.test; dkim=none; dmarc=none header.from=friend.test; iprev=fail policy.iprev=$E2E_CLIENT_V6"
else
	not_ok "3 delivered to smtp-sink" "$E2E_SWAKS_OUT" "$D/maillog"
fi
log_is "3 log: $qid: ... class=green action=accept reasons=history:3/0d source=$STATE" \
	"$E2E_CLIENT_V6" "${qid:-$QID}" \
	"client=[$E2E_CLIENT_V6] helo=client.example from=<friend@friend.test> listener=mta-v6 mode=defensive class=green action=accept reasons=history:3/0d source=$STATE"
history_is "3 IPv6 mail still teaches nothing" 3

# --- the end ------------------------------------------------------------------

e2e_wait_for 20 e2e_queue_empty || not_ok "$E2E_MTA queue drained" "$D/maillog"
n=$(grep -lF 'Subject: e2e-learning-v6' "$D"/sink/* 2>/dev/null | wc -l)
if [ "$n" = 1 ]; then
	ok "the IPv6 message reached smtp-sink once (the deferred attempt was not delivered)"
else
	not_ok "the IPv6 message reached smtp-sink once (found $n copies)"
fi
e2e_reports
e2e_finish
