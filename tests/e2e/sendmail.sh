#!/bin/bash
# tests/e2e/sendmail.sh -- end-to-end test of mx6-milter behind a real Sendmail.
#
# The scenarios of tests/e2e/postfix.sh, with Sendmail as the MTA. Sendmail
# conflicts with Postfix in Debian, so it is not installed: the packages
# sendmail-bin, sendmail-base, sendmail-cf and libwrap0 are fetched with
# `apt-get download` into a cache in the build directory
# (tests/e2e/.sendmail-cache, or MX6_SENDMAIL_CACHE; reused between runs,
# removed by `make clean`) and unpacked with `dpkg -x` into the scratch
# directory. The .cf is built with m4 from sendmail-cf. Sendmail runs as
# `sendmail -bD` with its own UTS namespace (fully qualified host name) inside
# the test's network namespace, with three daemons: mta-v4 (IPv4, filter
# without flags), mta-v6 and mta-mx6 (IPv6, filter with F=T), relaying to
# smtp-sink. Needs root, m4, dpkg and apt-get; exit 77 (skip) when setup is
# impossible, with the reason.
# shellcheck disable=SC2317 # check helpers are called through check()

here=$(cd "$(dirname "$0")" && pwd) || exit 99
# shellcheck source=tests/e2e/lib.sh
. "$here/lib.sh" || exit 99

if [ -n "${MX6_BUILDDIR:-}" ]; then
	builddir=$MX6_BUILDDIR
elif [ -x milter/mx6-milter ]; then
	builddir=.
else
	builddir=$here/../..
fi
builddir=$(cd "$builddir" && pwd) || exit 99
SM_PKGS="sendmail-bin sendmail-base sendmail-cf libwrap0"

# --- fetch the packages (before entering the namespace: it has no network) ---

if [ "${MX6_E2E_IN_NETNS:-}" != 1 ]; then
	[ "$(id -u)" = 0 ] || e2e_skip "must run as root (Sendmail and network namespaces need it)"
	for t in m4 dpkg apt-get; do
		command -v "$t" >/dev/null 2>&1 || e2e_skip "$t is not installed (needed to unpack and configure Sendmail)"
	done
	cache=${MX6_SENDMAIL_CACHE:-$builddir/tests/e2e/.sendmail-cache}
	mkdir -p "$cache" || e2e_skip "cannot create the package cache $cache"
	missing=
	for p in $SM_PKGS; do
		set -- "$cache/${p}"_*.deb
		[ -f "$1" ] || missing="$missing $p"
	done
	if [ -n "$missing" ]; then
		# shellcheck disable=SC2086
		if ! out=$(cd "$cache" && apt-get download $missing 2>&1); then
			e2e_skip "apt-get download$missing failed (in $cache): $(printf '%s' "$out" | grep -E '^E:' | tr '\n' ' ')"
		fi
		for p in $missing; do
			set -- "$cache/${p}"_*.deb
			[ -f "$1" ] || e2e_skip "apt-get download $p left no ${p}_*.deb in $cache: $out"
		done
	fi
	MX6_SENDMAIL_CACHE=$cache
	export MX6_SENDMAIL_CACHE
fi
e2e_enter_netns "$0" "$@"

milter=${MX6_MILTER:-$builddir/milter/mx6-milter}
case $milter in /*) ;; *) milter=$(pwd)/$milter ;; esac
if [ ! -x "$milter" ]; then
	echo "ERROR: $milter is not built (run make first)"
	exit 99
fi

e2e_setup_net
e2e_make_tmpdir mx6-e2e-sm
D=$E2E_DIR

SM_PID=
sm_cleanup() {
	local rc=$?
	e2e_kill "$SM_PID"
	SM_PID=
	(exit "$rc")
	e2e_cleanup
}
trap sm_cleanup EXIT

# Sendmail: "250 2.0.0 QUEUEID Message accepted for delivery".
queued() {
	e2e_reply_to '^[0-9]+ lines sent$' "$E2E_SWAKS_OUT" | grep -q '^250 .*accepted for delivery'
}
got_4xx() {
	grep -Eq '^<\*\* +4[0-9][0-9][ -]' "$E2E_SWAKS_OUT"
}
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
sm_queue_empty() {
	[ -z "$(find "$D/smq" -type f -name '[dq]f*' 2>/dev/null | head -n 1)" ]
}

# --- unpack Sendmail, build its .cf -----------------------------------------

SM=$D/sendmail-root
mkdir -p "$SM"
for p in $SM_PKGS; do
	set -- "$MX6_SENDMAIL_CACHE/${p}"_*.deb
	out=$(dpkg -x "$1" "$SM" 2>&1) || e2e_skip "dpkg -x $1 failed: $out"
done
SM_BIN=$SM/usr/libexec/sendmail/sendmail
[ -x "$SM_BIN" ] || SM_BIN=$SM/usr/lib/sm.bin/sendmail
[ -x "$SM_BIN" ] || e2e_skip "no sendmail binary in the unpacked packages ($SM_PKGS)"
chmod g-s "$SM_BIN"
SM_CF=$SM/usr/share/sendmail/cf
[ -f "$SM_CF/m4/cf.m4" ] || e2e_skip "no cf/m4/cf.m4 in sendmail-cf"
SM_LIBS=$(dirname "$(find "$SM" -name 'libwrap.so.0*' | head -n 1)")

# The contrib example must at least build.
if ! out=$(m4 -D_CF_DIR_="$SM_CF/" "$SM_CF/m4/cf.m4" "$here/../../contrib/sendmail/mx6-milter.mc" 2>&1 >"$D/contrib.cf"); then
	not_ok "contrib/sendmail/mx6-milter.mc builds with m4: $out"
elif grep -q '^Xmx6v6, .*F=T' "$D/contrib.cf" && grep -q '^O DaemonPortOptions=.*Name=mta-v6.*InputMailFilters=mx6v6' "$D/contrib.cf"; then
	ok "contrib/sendmail/mx6-milter.mc builds with m4"
else
	not_ok "contrib/sendmail/mx6-milter.mc builds with m4 (filter or daemon lines missing)" "$D/contrib.cf"
fi

mkdir -p "$D/smq" "$D/smetc"
chmod 0700 "$D/smq"
printf 'hosts files\naliases files\n' >"$D/smetc/service.switch"
: >"$D/smetc/aliases"
: >"$D/smetc/local-host-names"
: >"$D/smetc/helpfile"
: >"$D/smetc/statistics"
filt="S=unix:$D/mx6.sock, T=C:10s;S:20s;R:20s;E:60s"
cat >"$D/sendmail.mc" <<EOF
divert(-1)
# Private Sendmail instance for mx6-milter end-to-end tests.
divert(0)dnl
VERSIONID(\`mx6-milter e2e')dnl
OSTYPE(\`linux')dnl
define(\`confSERVICE_SWITCH_FILE', \`$D/smetc/service.switch')dnl
define(\`confHOSTS_FILE', \`/etc/hosts')dnl
define(\`ALIAS_FILE', \`$D/smetc/aliases')dnl
define(\`confCW_FILE', \`$D/smetc/local-host-names')dnl
define(\`confHELP_FILE', \`$D/smetc/helpfile')dnl
define(\`STATUS_FILE', \`$D/smetc/statistics')dnl
define(\`QUEUE_DIR', \`$D/smq')dnl
define(\`confPID_FILE', \`$D/sendmail.pid')dnl
define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confTO_IDENT', \`0s')dnl
define(\`confDELIVERY_MODE', \`background')dnl
define(\`confLOG_LEVEL', \`9')dnl
define(\`confPRIVACY_FLAGS', \`goaway')dnl
define(\`confMILTER_LOG_LEVEL', \`9')dnl
define(\`confMILTER_MACROS_CONNECT', \`j, _, {daemon_name}, {daemon_addr}, {if_addr}, {if_name}, {client_addr}, {client_name}, {client_ptr}')dnl
define(\`SMART_HOST', \`relay:[127.0.0.1]')dnl
define(\`RELAY_MAILER_ARGS', \`TCP \$h $E2E_SINK_PORT')dnl
FEATURE(\`no_default_msa')dnl
FEATURE(\`promiscuous_relay')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`accept_unqualified_senders')dnl
MAIL_FILTER(\`mx6v4', \`$filt')dnl
MAIL_FILTER(\`mx6', \`$filt, F=T')dnl
DAEMON_OPTIONS(\`Port=$E2E_SMTP_PORT, Addr=$E2E_MTA_V4, Name=mta-v4, Family=inet, InputMailFilters=mx6v4')dnl
DAEMON_OPTIONS(\`Port=$E2E_SMTP_PORT, Addr=$E2E_MTA_V6, Name=mta-v6, Family=inet6, InputMailFilters=mx6')dnl
DAEMON_OPTIONS(\`Port=$E2E_SMTP_PORT, Addr=$E2E_MTA_MX6, Name=mta-mx6, Family=inet6, InputMailFilters=mx6')dnl
MAILER(\`local')dnl
MAILER(\`smtp')dnl
EOF
if ! out=$(m4 -D_CF_DIR_="$SM_CF/" "$SM_CF/m4/cf.m4" "$D/sendmail.mc" 2>&1 >"$D/sendmail.cf"); then
	e2e_skip "m4 could not build sendmail.cf: $out"
fi

# --- start everything ------------------------------------------------------

printf '# test whitelist\n%s\n' "$E2E_CLIENT_V6_WL" >"$D/ip_whitelist"
printf 'server:\n  local-zone: "." static\n' >"$D/offline.conf"
cat >"$D/milter.conf" <<EOF
socket = unix:$D/mx6.sock
socket_mode = 0666
user = root
authserv_id = mx.test
default_mode = defensive
listener = mta-v6 defensive
listener = mta-mx6 mx6
listener = mta-v4 defensive
ip_whitelist = $D/ip_whitelist
registration_url = https://mx.test/ipv6-senders
dns_unbound_conf = $D/offline.conf
EOF

e2e_start_sink
if e2e_start_milter "$milter" "$D/milter.conf"; then
	ok "milter started ($milter)"
else
	not_ok "milter started ($milter)" "$D/milter.log"
fi

# shellcheck disable=SC2016 # $0 and $1 are expanded by the inner sh
LD_LIBRARY_PATH=$SM_LIBS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} \
	unshare -u sh -c 'hostname sm-test.localdomain && exec "$0" -C "$1" -bD -O LogLevel=9' \
	"$SM_BIN" "$D/sendmail.cf" >"$D/sendmail.out" 2>&1 </dev/null &
SM_PID=$!
sm_up() {
	kill -0 "$SM_PID" 2>/dev/null || return 0 # stop waiting: it died
	e2e_listening "$E2E_SMTP_PORT" &&
		[ "$(ss -Hltn 2>/dev/null | grep -c ":$E2E_SMTP_PORT ")" -ge 3 ]
}
e2e_wait_for 20 sm_up
if ! kill -0 "$SM_PID" 2>/dev/null; then
	wait "$SM_PID"
	rc=$?
	SM_PID=
	e2e_skip "sendmail -bD exited at start (status $rc): $(tr '\n' ' ' <"$D/sendmail.out")"
fi
if [ "$(ss -Hltn 2>/dev/null | grep -c ":$E2E_SMTP_PORT ")" -lt 3 ]; then
	e2e_skip "sendmail is not listening on its 3 addresses after 20 s: $(ss -Hltn | tr '\n' ' ') $(tr '\n' ' ' <"$D/sendmail.out")"
fi
ok "sendmail -bD started (pid $SM_PID; packages from $MX6_SENDMAIL_CACHE)"

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
	not_ok "1 IPv4: message delivered to smtp-sink" "$E2E_SWAKS_OUT" "$D/sendmail.out" "$D/sink.log"
fi

# --- 2. unknown IPv6 client, defensive: 450 at RCPT --------------------------

defer='450 4.7.26 Not accepted over IPv6: message must pass SPF or DKIM or come from a known sender; please retry over IPv4'
send c2 "$E2E_CLIENT_V6" "$E2E_MTA_V6" e2e-c2-v6-unknown
# Sendmail puts "<RCPT>... " after the enhanced code of the first line of a
# RCPT reply; the rest is the milter's text, exactly. registration_url is set,
# so a last line "See URL" is accepted too (SPEC.md section 4).
defer_sm="450 4.7.26 <b@example.net>... ${defer#450 4.7.26 }"
defer_sm_see="${defer_sm/450 /450-}
450 4.7.26 See https://mx.test/ipv6-senders"
deferred_at_rcpt() { is_reply_to '^RCPT' "$defer_sm" || is_reply_to '^RCPT' "$defer_sm_see"; }
check "2 IPv6 unknown $E2E_CLIENT_V6 -> [$E2E_MTA_V6]: RCPT answered \"$defer_sm\" (optionally + \"450 4.7.26 See https://mx.test/ipv6-senders\")" \
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
	not_ok "3 IPv6 whitelisted: message delivered to smtp-sink" "$E2E_SWAKS_OUT" "$D/sendmail.out" "$D/sink.log"
fi

# --- 4. unknown IPv6 client, mx6 daemon: multi-line 550 after DATA -----------

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

# --- 6. milter killed: IPv4 still flows, IPv6 is tempfailed (F=T) ------------

if [ -n "$E2E_MILTER_PID" ]; then
	e2e_kill_milter_hard
fi
send c6v4 "$E2E_CLIENT_V4" "$E2E_MTA_V4" e2e-c6-v4-dead
check "6 milter dead: IPv4 -> $E2E_MTA_V4 still 250 at end of DATA" queued
if e2e_wait_delivered e2e-c6-v4-dead >/dev/null; then
	ok "6 milter dead: IPv4 message delivered"
else
	not_ok "6 milter dead: IPv4 message delivered" "$E2E_SWAKS_OUT" "$D/sendmail.out"
fi
tempfailed() { got_4xx && ! queued; }
for srv in "$E2E_MTA_V6" "$E2E_MTA_MX6"; do
	send "c6-$srv" "$E2E_CLIENT_V6_WL" "$srv" "e2e-c6-v6-dead-$srv"
	check "6 milter dead: IPv6 (even whitelisted) -> [$srv] gets a 4xx and is not queued" \
		tempfailed
done

# --- nothing refused was delivered ---------------------------------------------

e2e_wait_for 20 sm_queue_empty || not_ok "Sendmail queue drained" "$D/sendmail.out"
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

echo "$passed passed, $failed failed"
[ "$failed" = 0 ] || exit 1
exit 0
