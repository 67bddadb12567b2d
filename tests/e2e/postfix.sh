#!/bin/bash
# tests/e2e/postfix.sh -- end-to-end test of mx6-milter behind a real Postfix
# (or, with E2E_MTA=sendmail as tests/e2e/sendmail.sh sets it, a real Sendmail).
#
# Runs in a private network namespace (re-execs itself under unshare; exit 77
# = skipped when that is refused) with the MTA of tests/e2e/lib.sh: an IPv4
# listener (mta-v4; the milter without a failure action, so a dead milter
# never blocks IPv4), an IPv6 defensive listener (mta-v6) and an IPv6 MX6
# listener (mta-mx6, chosen by its address: Postfix sends {daemon_addr} as
# 2001:db8::26, Sendmail as IPv6:2001:db8:0:0:0:0:0:26), both tempfailing when
# the milter is dead, all relaying to smtp-sink. Cases: forged headers removed over IPv4; an unknown IPv6
# client deferred at RCPT; a whitelisted one delivered with our headers; the
# multi-line MX6 550 after DATA; the milter's log line; the milter killed.
# Needs root.
#
# The build directory is the current directory (as under `make check`), or
# MX6_BUILDDIR; the milter binary can be overridden with MX6_MILTER.
# MX6_E2E_KEEP=1 keeps the scratch directory for inspection.
# shellcheck disable=SC2317 # check helpers are called through check()

here=$(cd "$(dirname "$0")" && pwd) || exit 99
# shellcheck source=tests/e2e/lib.sh
. "$here/lib.sh" || exit 99

e2e_builddir "$here"
e2e_mta_prepare "$builddir"
e2e_enter_netns "$0" "$@"
milter=${MX6_MILTER:-$builddir/milter/mx6-milter}
case $milter in /*) ;; *) milter=$(pwd)/$milter ;; esac
if [ ! -x "$milter" ]; then
	echo "ERROR: $milter is not built (run make first)"
	exit 99
fi

e2e_setup_net
e2e_make_tmpdir mx6-e2e
D=$E2E_DIR

queued() { [ -n "$(e2e_queued_id "$E2E_SWAKS_OUT")" ]; }
got_4xx() {
	grep -Eq '^<\*\* +4[0-9][0-9][ -]' "$E2E_SWAKS_OUT"
}
# hdr_count FILE REGEX: how many (unfolded) header lines match REGEX (ERE, case-insensitive name).
hdr_count() {
	e2e_headers "$1" | grep -Eic -- "$2"
}

send() { # send NAME CLIENT SERVER SUBJECT [SWAKS-ARGS...]
	local name=$1 client=$2 server=$3 subject=$4
	shift 4
	e2e_swaks "$name" --local-interface "$client" --server "$server" \
		--port "$E2E_SMTP_PORT" --from a@example.org --to b@example.net \
		--header "Subject: $subject" "$@"
}

# --- set up ---------------------------------------------------------------

printf '# test whitelist\n%s\n' "$E2E_CLIENT_V6_WL" >"$D/ip_whitelist"
# No DNS here: local zones answer every name with NXDOMAIN at once, so
# SPF, DKIM, DMARC and iprev run for real and find nothing.
printf 'server:\n  local-zone: "." static\n' >"$D/offline.conf"
cat >"$D/milter.conf" <<EOF
socket = unix:$D/mx6.sock
socket_mode = 0666
user = root
authserv_id = mx.test
default_mode = defensive
listener = mta-v6 defensive
listener = [$E2E_MTA_MX6] mx6
listener = mta-v4 defensive
ip_whitelist = $D/ip_whitelist
registration_url = https://mx.test/ipv6-senders
dns_unbound_conf = $D/offline.conf
EOF

e2e_start_sink
e2e_mta_start

# Sendmail: the contrib example must at least build, with its two filters.
if [ "$E2E_MTA" = sendmail ]; then
	if ! out=$(e2e_sendmail_m4 "$here/../../contrib/sendmail/mx6-milter.mc" "$D/contrib.cf" 2>&1); then
		not_ok "contrib/sendmail/mx6-milter.mc builds with m4: $out"
	elif grep -q '^Xmx6v6, .*F=T' "$D/contrib.cf" && grep -q '^O DaemonPortOptions=.*Name=mta-v6.*InputMailFilters=mx6v6' "$D/contrib.cf"; then
		ok "contrib/sendmail/mx6-milter.mc builds with m4"
	else
		not_ok "contrib/sendmail/mx6-milter.mc builds with m4 (filter or daemon lines missing)" "$D/contrib.cf"
	fi
fi
if e2e_start_milter "$milter" "$D/milter.conf"; then
	ok "milter started ($milter)"
else
	not_ok "milter started ($milter)" "$D/milter.log"
fi

# --- 1. IPv4 client: delivered, forged headers removed ----------------------

send c1 "$E2E_CLIENT_V4" "$E2E_MTA_V4" e2e-c1-ipv4 \
	--add-header "X-MX6-Verdict: trusted" \
	--add-header "Authentication-Results: mx.test; spf=pass" \
	--add-header "Authentication-Results: other.example; spf=pass"
check "1 IPv4 $E2E_CLIENT_V4 -> $E2E_MTA_V4: 250 at end of DATA" queued
if f=$(e2e_wait_delivered e2e-c1-ipv4); then
	ok "1 IPv4: message delivered to smtp-sink"
	hdrs=$D/c1.headers
	e2e_headers "$f" >"$hdrs"
	if [ "$(hdr_count "$f" '^X-MX6-Verdict:')" = 0 ]; then
		ok "1 IPv4: forged X-MX6-Verdict removed"
	else
		not_ok "1 IPv4: forged X-MX6-Verdict removed" "$hdrs"
	fi
	if [ "$(hdr_count "$f" '^Authentication-Results: *mx\.test;')" = 0 ]; then
		ok "1 IPv4: forged Authentication-Results: mx.test removed"
	else
		not_ok "1 IPv4: forged Authentication-Results: mx.test removed" "$hdrs"
	fi
	if [ "$(hdr_count "$f" '^Authentication-Results: other\.example; spf=pass$')" = 1 ]; then
		ok "1 IPv4: Authentication-Results: other.example kept"
	else
		not_ok "1 IPv4: Authentication-Results: other.example kept" "$hdrs"
	fi
else
	not_ok "1 IPv4: message delivered to smtp-sink" "$E2E_SWAKS_OUT" "$D/maillog" "$D/sink.log"
fi

# --- 2. unknown IPv6 client, defensive: 450 at RCPT --------------------------

defer='450 4.7.26 Not accepted over IPv6: message must pass SPF or DKIM or come from a known sender; please retry over IPv4'
send c2 "$E2E_CLIENT_V6" "$E2E_MTA_V6" e2e-c2-v6-unknown
# registration_url is set, and SPEC.md section 4 adds "See URL" as a last line
# to replies; accept the reply with or without that line, nothing else.
# Sendmail puts "<RCPT>... " after the enhanced code of the first line.
defer_see="${defer/450 /450-}
450 4.7.26 See https://mx.test/ipv6-senders"
defer=$(e2e_rcpt_reply b@example.net "$defer")
defer_see=$(e2e_rcpt_reply b@example.net "$defer_see")
deferred_at_rcpt() { is_reply_to '^RCPT' "$defer" || is_reply_to '^RCPT' "$defer_see"; }
check "2 IPv6 unknown $E2E_CLIENT_V6 -> [$E2E_MTA_V6]: RCPT answered \"$defer\" (optionally + \"450 4.7.26 See https://mx.test/ipv6-senders\")" \
	deferred_at_rcpt
not_queued() { ! queued; }
check "2 IPv6 unknown: no 250 at end of DATA" not_queued

# --- 3. whitelisted IPv6 client: delivered with our headers ------------------

send c3 "$E2E_CLIENT_V6_WL" "$E2E_MTA_V6" e2e-c3-v6-whitelisted \
	--add-header "X-MX6-Verdict: trusted; reason=forged-by-client" \
	--add-header "Authentication-Results: mx.test; spf=pass"
check "3 IPv6 whitelisted $E2E_CLIENT_V6_WL -> [$E2E_MTA_V6]: 250 at end of DATA" queued
if f=$(e2e_wait_delivered e2e-c3-v6-whitelisted); then
	ok "3 IPv6 whitelisted: message delivered to smtp-sink"
	hdrs=$D/c3.headers
	e2e_headers "$f" >"$hdrs"
	if [ "$(hdr_count "$f" '^X-MX6-Verdict:')" = 1 ] &&
		[ "$(hdr_count "$f" '^X-MX6-Verdict: trusted; reason=ip_whitelist; source=[^;]*ip_whitelist:2$')" = 1 ]; then
		ok "3 IPv6 whitelisted: one X-MX6-Verdict: trusted; reason=ip_whitelist; source=...ip_whitelist:2 (forged one gone)"
	else
		not_ok "3 IPv6 whitelisted: one X-MX6-Verdict: trusted; reason=ip_whitelist; source=...ip_whitelist:2 (forged one gone)" "$hdrs"
	fi
	if [ "$(hdr_count "$f" '^Authentication-Results: *mx\.test;')" = 1 ] &&
		[ "$(hdr_count "$f" "^Authentication-Results: mx\\.test; spf=none smtp\\.mailfrom=example\\.org; dkim=none; dmarc=none header\\.from=example\\.org; iprev=fail policy\\.iprev=$E2E_CLIENT_V6_WL\$")" = 1 ]; then
		ok "3 IPv6 whitelisted: one Authentication-Results: mx.test; spf=none ...; iprev=fail (forged one gone)"
	else
		not_ok "3 IPv6 whitelisted: one Authentication-Results: mx.test; spf=none ...; iprev=fail (forged one gone)" "$hdrs"
	fi
else
	not_ok "3 IPv6 whitelisted: message delivered to smtp-sink" "$E2E_SWAKS_OUT" "$D/maillog" "$D/sink.log"
fi

# --- 4. unknown IPv6 client, mx6 service: multi-line 550 after DATA ----------

rcpt_accepted() { e2e_reply_to '^RCPT' "$E2E_SWAKS_OUT" | grep -q '^250 '; }
mx6_reply="550-5.7.26 MX6: please retry this message over IPv4
550-5.7.26 Authentication-Results: mx.test;
550-5.7.26   spf=none smtp.mailfrom=example.org;
550-5.7.26   dkim=none;
550-5.7.26   dmarc=none header.from=example.org;
550-5.7.26   iprev=fail policy.iprev=$E2E_CLIENT_V6
550 5.7.26 See https://mx.test/ipv6-senders"
send c4 "$E2E_CLIENT_V6" "$E2E_MTA_MX6" e2e-c4-mx6-unknown
check "4 IPv6 unknown $E2E_CLIENT_V6 -> [$E2E_MTA_MX6] (mx6): RCPT accepted (verdict comes after DATA)" \
	rcpt_accepted
check "4 IPv6 unknown (mx6): multi-line 550 5.7.26 at end of DATA" \
	is_reply_to '^[0-9]+ lines sent$' "$mx6_reply"

# --- 5. the milter's log line for case 2 --------------------------------------

line=$(grep -F 'client=[2001:db8::66]' "$D/milter.log" | grep -F 'listener=mta-v6' | head -n 1)
missing=
for want in 'client=[2001:db8::66]' 'listener=mta-v6' 'class=unknown' 'action=defer' 'reply="450 4.7.26"'; do
	case $line in *"$want"*) ;; *) missing="$missing $want" ;; esac
done
if [ -n "$line" ] && [ -z "$missing" ]; then
	ok "5 milter log for case 2: client, listener=mta-v6, class=unknown, action=defer, reply=\"450 4.7.26\""
else
	not_ok "5 milter log for case 2: client, listener=mta-v6, class=unknown, action=defer, reply=\"450 4.7.26\" (missing:${missing:- the whole line})" "$D/milter.log"
fi

# --- 5b. case 4's listener was chosen by its address ------------------------

line=$(grep -F 'client=[2001:db8::66]' "$D/milter.log" | grep -F 'mode=mx6' | head -n 1)
case $line in
*" listener=[$E2E_MTA_MX6] mode=mx6 class=unknown action=reject "*)
	ok "5b milter log for case 4: listener=[$E2E_MTA_MX6] mode=mx6 (by {daemon_addr}) action=reject" ;;
*)
	not_ok "5b milter log for case 4: listener=[$E2E_MTA_MX6] mode=mx6 (by {daemon_addr}) action=reject" "$D/milter.log" ;;
esac

# --- 6. milter killed: IPv4 still flows, IPv6 is tempfailed (F=T, tempfail) --

if [ -n "$E2E_MILTER_PID" ]; then
	e2e_kill_milter_hard
fi
send c6v4 "$E2E_CLIENT_V4" "$E2E_MTA_V4" e2e-c6-v4-dead
check "6 milter dead: IPv4 -> $E2E_MTA_V4 still 250 at end of DATA" queued
if e2e_wait_delivered e2e-c6-v4-dead >/dev/null; then
	ok "6 milter dead: IPv4 message delivered"
else
	not_ok "6 milter dead: IPv4 message delivered" "$E2E_SWAKS_OUT" "$D/maillog" "$D/sink.log"
fi
tempfailed() { got_4xx && ! queued; }
for srv in "$E2E_MTA_V6" "$E2E_MTA_MX6"; do
	send "c6-$srv" "$E2E_CLIENT_V6_WL" "$srv" "e2e-c6-v6-dead-$srv"
	check "6 milter dead: IPv6 (even whitelisted) -> [$srv] gets a 4xx and is not queued" \
		tempfailed
done

# --- nothing refused was delivered ---------------------------------------------

e2e_wait_for 20 e2e_queue_empty || not_ok "$E2E_MTA queue drained" "$D/maillog"
sleep 0.5
for m in e2e-c2-v6-unknown e2e-c4-mx6-unknown "e2e-c6-v6-dead-$E2E_MTA_V6" "e2e-c6-v6-dead-$E2E_MTA_MX6"; do
	f=$(e2e_find_delivered "Subject: $m")
	if [ -z "$f" ]; then
		ok "nothing delivered for $m"
	else
		not_ok "nothing delivered for $m" "$f"
	fi
done

e2e_reports
e2e_finish
