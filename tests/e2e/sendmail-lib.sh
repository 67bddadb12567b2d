# shellcheck shell=bash
# tests/e2e/sendmail-lib.sh -- the Sendmail half of tests/e2e/lib.sh (which
# sources it; the helpers it calls, e2e_skip, e2e_wait_for and the E2E_*
# addresses, are there).
#
# Debian's sendmail conflicts with postfix, so it is not installed: the
# packages are fetched with `apt-get download` into a cache in the build
# directory (tests/e2e/.sendmail-cache, or MX6_SENDMAIL_CACHE; reused between
# runs, removed by `make clean`), unpacked with `dpkg -x` into the scratch
# directory, and the .cf is built with m4 from sendmail-cf. Sendmail runs as
# `sendmail -bD` in its own UTS namespace (a fully qualified host name, or it
# stalls on name lookup) and mount namespace (a /dev whose "log" is our
# syslog socket, so its log lands in E2E_DIR/maillog like Postfix's).

E2E_SM_PKGS="sendmail-bin sendmail-base sendmail-cf libwrap0"
E2E_SM_BIN=                    # the unpacked sendmail binary
E2E_SM_CF=                     # the unpacked sendmail-cf's cf/ directory

# e2e_sendmail_fetch BUILDDIR: the packages into the cache (outside the
# namespace: it has no network); exports MX6_SENDMAIL_CACHE. Skips (77)
# when a tool is missing or the download fails.
e2e_sendmail_fetch() {
	local cache=${MX6_SENDMAIL_CACHE:-$1/tests/e2e/.sendmail-cache} t p missing='' out
	[ "$(id -u)" = 0 ] || e2e_skip "must run as root (Sendmail and network namespaces need it)"
	for t in m4 dpkg apt-get mount python3; do
		command -v "$t" >/dev/null 2>&1 || e2e_skip "$t is not installed (needed to unpack and run Sendmail)"
	done
	mkdir -p "$cache" || e2e_skip "cannot create the package cache $cache"
	cache=$(cd "$cache" && pwd)
	# Suites run in parallel (make -j): one downloads, the others wait.
	command -v flock >/dev/null 2>&1 || e2e_skip "flock is not installed"
	if ! { exec 9>"$cache/.lock" && flock -w 600 9; }; then
		e2e_skip "cannot lock $cache/.lock"
	fi
	for p in $E2E_SM_PKGS; do
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
	exec 9>&-
	MX6_SENDMAIL_CACHE=$cache
	export MX6_SENDMAIL_CACHE
}

# e2e_sendmail_unpack: dpkg -x the cached packages into E2E_DIR/sendmail-root;
# sets E2E_SM_BIN, E2E_SM_CF and E2E_SM_LIBS.
e2e_sendmail_unpack() {
	local root=$E2E_DIR/sendmail-root p out
	mkdir -p "$root"
	for p in $E2E_SM_PKGS; do
		set -- "$MX6_SENDMAIL_CACHE/${p}"_*.deb
		out=$(dpkg -x "$1" "$root" 2>&1) || e2e_skip "dpkg -x $1 failed: $out"
	done
	E2E_SM_BIN=$root/usr/libexec/sendmail/sendmail
	[ -x "$E2E_SM_BIN" ] || E2E_SM_BIN=$root/usr/lib/sm.bin/sendmail
	[ -x "$E2E_SM_BIN" ] || e2e_skip "no sendmail binary in the unpacked packages ($E2E_SM_PKGS)"
	chmod g-s "$E2E_SM_BIN"
	E2E_SM_CF=$root/usr/share/sendmail/cf
	[ -f "$E2E_SM_CF/m4/cf.m4" ] || e2e_skip "no cf/m4/cf.m4 in sendmail-cf"
	E2E_SM_LIBS=$(dirname "$(find "$root" -name 'libwrap.so.0*' | head -n 1)")
}

# e2e_sendmail_m4 MC CF: build CF from MC with the unpacked sendmail-cf.
e2e_sendmail_m4() {
	m4 -D_CF_DIR_="$E2E_SM_CF/" "$E2E_SM_CF/m4/cf.m4" "$1" >"$2"
}

# e2e_write_sendmail_config: E2E_DIR/sendmail.mc and .cf: the three daemons
# of the Postfix instance (same addresses, same names); the filter without
# flags on IPv4 (a dead milter never blocks IPv4), with F=T on IPv6.
e2e_write_sendmail_config() {
	local d=$E2E_DIR out
	local filt="S=unix:$d/mx6.sock, T=C:10s;S:20s;R:20s;E:60s"
	mkdir -p "$d/smq" "$d/smetc"
	chmod 0700 "$d/smq"
	printf 'hosts files\naliases files\n' >"$d/smetc/service.switch"
	: >"$d/smetc/aliases"
	: >"$d/smetc/local-host-names"
	: >"$d/smetc/helpfile"
	: >"$d/smetc/statistics"
	cat >"$d/sendmail.mc" <<SMEOF
divert(-1)
# Private Sendmail instance for mx6-milter end-to-end tests.
divert(0)dnl
VERSIONID(\`mx6-milter e2e')dnl
OSTYPE(\`linux')dnl
define(\`confSERVICE_SWITCH_FILE', \`$d/smetc/service.switch')dnl
define(\`confHOSTS_FILE', \`/etc/hosts')dnl
define(\`ALIAS_FILE', \`$d/smetc/aliases')dnl
define(\`confCW_FILE', \`$d/smetc/local-host-names')dnl
define(\`confHELP_FILE', \`$d/smetc/helpfile')dnl
define(\`STATUS_FILE', \`$d/smetc/statistics')dnl
define(\`QUEUE_DIR', \`$d/smq')dnl
define(\`confPID_FILE', \`$d/sendmail.pid')dnl
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
SMEOF
	out=$(e2e_sendmail_m4 "$d/sendmail.mc" "$d/sendmail.cf" 2>&1) ||
		e2e_skip "m4 could not build sendmail.cf: $out"
}

# e2e_start_syslog: a syslog socket (E2E_DIR/syslog.sock) whose messages,
# without the <PRI> prefix, are appended to E2E_DIR/maillog.
e2e_start_syslog() {
	# shellcheck disable=SC2016
	python3 -c '
import os, re, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o666)
with open(sys.argv[2], "ab", 0) as f:
    while True:
        f.write(re.sub(rb"^<[0-9]+>", b"", s.recv(65536).rstrip(b"\0\n")) + b"\n")
' "$E2E_DIR/syslog.sock" "$E2E_DIR/maillog" 2>>"$E2E_DIR/syslog.err" &
	# shellcheck disable=SC2034 # e2e_cleanup (lib.sh) stops it
	E2E_SYSLOG_PID=$!
	e2e_wait_for 10 test -S "$E2E_DIR/syslog.sock" ||
		e2e_skip "the syslog socket for Sendmail did not appear: $(cat "$E2E_DIR/syslog.err")"
}

# e2e_sendmail_listening: all three daemons listen (or sendmail died: stop waiting).
e2e_sendmail_listening() {
	kill -0 "$E2E_SM_PID" 2>/dev/null || return 0
	[ "$(ss -Hltn 2>/dev/null | grep -c ":$E2E_SMTP_PORT ")" -ge 3 ]
}

# e2e_start_sendmail: unpack, configure and start Sendmail (E2E_SM_PID).
# Setup problems skip (77) with the reason.
e2e_start_sendmail() {
	local d=$E2E_DIR rc
	[ -n "${MX6_SENDMAIL_CACHE:-}" ] || e2e_skip "no Sendmail packages (call e2e_mta_prepare before e2e_enter_netns)"
	e2e_sendmail_unpack
	e2e_write_sendmail_config
	e2e_start_syslog
	: >"$d/maillog"
	# The inner script runs in new UTS and mount namespaces: a fully
	# qualified host name, and a /dev of our own with "log" -> our socket.
	cat >"$d/sendmail-run.sh" <<'SMEOF'
d=$1 bin=$2
hostname sm-test.localdomain || exit 1
mkdir -p "$d/dev" || exit 1
for n in null zero full random urandom; do
	: >"$d/dev/$n" && mount --bind "/dev/$n" "$d/dev/$n" || exit 1
done
ln -s /proc/self/fd "$d/dev/fd" && ln -s "$d/syslog.sock" "$d/dev/log" || exit 1
mount --rbind "$d/dev" /dev || exit 1
exec "$bin" -C "$d/sendmail.cf" -bD -O LogLevel=9
SMEOF
	LD_LIBRARY_PATH=$E2E_SM_LIBS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} \
		unshare -u -m sh "$d/sendmail-run.sh" "$d" "$E2E_SM_BIN" \
		>"$d/sendmail.out" 2>&1 </dev/null &
	E2E_SM_PID=$!
	e2e_wait_for 20 e2e_sendmail_listening
	if ! kill -0 "$E2E_SM_PID" 2>/dev/null; then
		wait "$E2E_SM_PID"
		rc=$?
		E2E_SM_PID=
		e2e_skip "sendmail -bD exited at start (status $rc): $(tr '\n' ' ' <"$d/sendmail.out") $(tail -n 5 "$d/maillog" | tr '\n' ' ')"
	fi
	e2e_sendmail_listening ||
		e2e_skip "sendmail is not listening on its 3 addresses after 20 s: $(ss -Hltn | tr '\n' ' ') $(tr '\n' ' ' <"$d/sendmail.out")"
}
