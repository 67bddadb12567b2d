# shellcheck shell=bash
# tests/e2e/lib.sh -- shared helpers for the end-to-end tests in tests/e2e/
# and contrib/demo/run.
#
# Source this file from bash. It brings up, inside a private network
# namespace, the MTA under test -- a private Postfix instance (E2E_MTA=postfix,
# the default) or a Sendmail unpacked from Debian's packages
# (E2E_MTA=sendmail) -- with three listeners (IPv4, IPv6 defensive, IPv6 MX6)
# that relay to smtp-sink, plus the milter and, when asked, the test DNS
# server of tests/dns/server.sh. Nothing here touches the system's MTA or
# any real network: every address used lives on the namespace's own
# loopback interface.
#
# Typical use:
#   . lib.sh
#   e2e_mta_prepare BUILDDIR        # Sendmail: fetch the packages (needs the network)
#   e2e_enter_netns "$0" "$@"       # re-exec in a new namespace (or exit 77)
#   e2e_setup_net
#   e2e_make_tmpdir
#   e2e_start_dns ZONEFILE          # optional; sets E2E_DNS
#   e2e_start_sink
#   e2e_mta_start                   # Postfix or Sendmail, after E2E_MTA
#   e2e_start_milter BINARY CONFIG
#   e2e_swaks NAME --local-interface ... --server ... ; e2e_wait_delivered MARKER
#   e2e_cleanup                      # installed as an EXIT trap by e2e_make_tmpdir
#
# What differs between the MTAs is behind e2e_queued_id, e2e_rcpt_reply,
# e2e_queue_empty, E2E_QID_RE and E2E_RCPT_QID_RE; both log to E2E_DIR/maillog.

E2E_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_MTA=${E2E_MTA:-postfix}     # the MTA under test: postfix or sendmail

# Addresses (documentation prefixes, only ever configured inside the namespace).
E2E_MTA_V4=192.0.2.25          # IPv4 smtpd service, listener mta-v4
E2E_MTA_V6=2001:db8::25        # IPv6 smtpd service, listener mta-v6 (defensive)
E2E_MTA_MX6=2001:db8::26       # IPv6 smtpd service, listener mta-mx6 (mx6)
E2E_CLIENT_V4=192.0.2.66       # an IPv4 client
E2E_CLIENT_V6=2001:db8::66     # an unknown IPv6 client
E2E_CLIENT_V6_WL=2001:db8::77  # an IPv6 client on ip_whitelist
E2E_SMTP_PORT=2525
E2E_SINK_PORT=10025            # smtp-sink on 127.0.0.1 (inside the namespace)

E2E_DIR=                       # scratch directory (set by e2e_make_tmpdir)
E2E_SINK_PID=
E2E_MILTER_PID=
E2E_POSTFIX_STARTED=
E2E_SM_PID=                    # sendmail -bD
E2E_SYSLOG_PID=                # the syslog socket Sendmail logs to
E2E_DNS=                       # 127.0.0.1@PORT of the test DNS server (e2e_start_dns)
E2E_DNS_SERVER=$E2E_LIB_DIR/../dns/server.sh
E2E_KEEP=${MX6_E2E_KEEP:-}     # set MX6_E2E_KEEP=1 to keep the scratch directory

e2e_log() { printf '%s\n' "$*" >&2; }

# e2e_skip MESSAGE: print "SKIP: MESSAGE" and exit 77 (automake's skip code).
e2e_skip() {
	printf 'SKIP: %s\n' "$*"
	exit 77
}

# e2e_need_tools: skip unless we are root and every tool is installed.
e2e_need_tools() {
	[ "$(id -u)" = 0 ] || e2e_skip "must run as root (Postfix and network namespaces need it)"
	local t
	for t in unshare ip postfix postconf swaks smtp-sink; do
		command -v "$t" >/dev/null 2>&1 ||
			[ -x "/usr/sbin/$t" ] || e2e_skip "$t is not installed"
	done
	getent passwd postfix >/dev/null || e2e_skip "no 'postfix' user (is Postfix installed?)"
	getent group postdrop >/dev/null || e2e_skip "no 'postdrop' group (is Postfix installed?)"
}

# e2e_builddir HERE: set builddir, absolute: MX6_BUILDDIR, else the
# current directory when it holds the build (as under make check), else
# the top of the tree two levels above HERE (the scripts' directory).
e2e_builddir() {
	if [ -n "${MX6_BUILDDIR:-}" ]; then
		builddir=$MX6_BUILDDIR
	elif [ -x milter/mx6-milter ]; then
		builddir=.
	else
		builddir=$1/../..
	fi
	builddir=$(cd "$builddir" && pwd) || exit 99
}

# e2e_enter_netns SCRIPT ARGS...: unless already inside, re-exec SCRIPT with
# bash in new network + mount namespaces (and a PID namespace when the
# kernel allows, so nothing can outlive the script). Exits 77 if refused.
e2e_enter_netns() {
	local script=$1
	shift
	PATH=$PATH:/usr/sbin:/sbin
	export PATH
	if [ "${MX6_E2E_IN_NETNS:-}" = 1 ]; then
		return 0
	fi
	command -v unshare >/dev/null 2>&1 || e2e_skip "cannot create a network namespace: unshare is not installed"
	local err
	if ! err=$(unshare --net --mount true 2>&1); then
		e2e_skip "cannot create a network namespace: ${err:-unshare failed}"
	fi
	e2e_need_tools
	MX6_E2E_IN_NETNS=1
	export MX6_E2E_IN_NETNS
	if unshare --net --mount --pid --fork --mount-proc true >/dev/null 2>&1; then
		exec unshare --net --mount --pid --fork --mount-proc -- bash "$script" "$@"
	fi
	exec unshare --net --mount -- bash "$script" "$@"
}

# e2e_setup_net: loopback up, test addresses on it.
e2e_setup_net() {
	local err a
	err=$(ip link set lo up 2>&1) || e2e_skip "cannot create a network namespace: ip link set lo up: $err"
	for a in "$E2E_MTA_V6" "$E2E_MTA_MX6" "$E2E_CLIENT_V6" "$E2E_CLIENT_V6_WL"; do
		err=$(ip -6 addr add "$a/128" dev lo 2>&1) ||
			e2e_skip "cannot add $a to lo in the namespace: $err"
	done
	for a in "$E2E_MTA_V4" "$E2E_CLIENT_V4"; do
		err=$(ip -4 addr add "$a/32" dev lo 2>&1) ||
			e2e_skip "cannot add $a to lo in the namespace: $err"
	done
}

# e2e_make_tmpdir [PREFIX]: create the scratch directory (E2E_DIR) and
# install the cleanup trap. The directory must be searchable by the
# postfix user: smtpd connects to the milter socket in it.
e2e_make_tmpdir() {
	E2E_DIR=$(mktemp -d "${TMPDIR:-/tmp}/${1:-mx6-e2e}.XXXXXX") || exit 99
	chmod 0755 "$E2E_DIR"
	trap e2e_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# e2e_kill PID: stop a process we started (TERM, then KILL after 5 s).
e2e_kill() {
	local pid=$1 _
	[ -n "$pid" ] || return 0
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

e2e_cleanup() {
	local rc=$?
	trap - EXIT
	if [ -n "$E2E_POSTFIX_STARTED" ]; then
		postfix -c "$E2E_DIR/etc" stop >/dev/null 2>&1
		E2E_POSTFIX_STARTED=
	fi
	e2e_kill "$E2E_SM_PID"
	E2E_SM_PID=
	e2e_kill "$E2E_SYSLOG_PID"
	E2E_SYSLOG_PID=
	if [ -n "$E2E_DNS" ]; then
		"$E2E_DNS_SERVER" stop "$E2E_DIR/dns" >/dev/null 2>&1
		E2E_DNS=
	fi
	e2e_kill "$E2E_MILTER_PID"
	E2E_MILTER_PID=
	e2e_kill "$E2E_SINK_PID"
	E2E_SINK_PID=
	if [ -n "$E2E_DIR" ] && [ -d "$E2E_DIR" ]; then
		if [ -n "$E2E_KEEP" ]; then
			e2e_log "kept scratch directory $E2E_DIR"
		else
			rm -rf "$E2E_DIR"
		fi
	fi
	exit "$rc"
}

# e2e_wait_for SECONDS COMMAND...: poll until COMMAND succeeds.
e2e_wait_for() {
	local n=$(( $1 * 10 ))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

e2e_listening() { # e2e_listening PORT
	ss -Hltn 2>/dev/null | awk -v p=":$1" '$4 ~ p"$" { f = 1 } END { exit !f }'
}

# e2e_start_sink: smtp-sink on 127.0.0.1:E2E_SINK_PORT, one file per message
# under E2E_DIR/sink/.
e2e_start_sink() {
	mkdir -p "$E2E_DIR/sink"
	chown postfix "$E2E_DIR/sink"
	smtp-sink -u postfix -h sink.test -d "$E2E_DIR/sink/%Y%m%d%H%M%S." \
		"127.0.0.1:$E2E_SINK_PORT" 64 >"$E2E_DIR/sink.log" 2>&1 &
	E2E_SINK_PID=$!
	if ! e2e_wait_for 10 e2e_listening "$E2E_SINK_PORT"; then
		e2e_log "smtp-sink did not start:"
		cat "$E2E_DIR/sink.log" >&2
		exit 99
	fi
}

# e2e_postfix_service ADDR DAEMON_NAME DEFAULT_ACTION: one master.cf line.
e2e_postfix_service() {
	printf '%s:%s inet n - n - - smtpd\n' "$1" "$E2E_SMTP_PORT"
	printf '  -o milter_macro_daemon_name=%s\n' "$2"
	printf '  -o smtpd_milters=unix:%s\n' "$E2E_DIR/mx6.sock"
	printf '  -o milter_default_action=%s\n' "$3"
}

# e2e_write_postfix_config: main.cf + master.cf under E2E_DIR/etc.
e2e_write_postfix_config() {
	local d=$E2E_DIR
	mkdir -p "$d/etc" "$d/queue" "$d/data"
	chown postfix "$d/data"
	cat >"$d/etc/main.cf" <<EOF
# Private Postfix instance for mx6-milter end-to-end tests (no DNS, no syslog).
compatibility_level = 3.6
queue_directory = $d/queue
data_directory = $d/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.test
mydomain = test
myorigin = \$myhostname
mydestination =
relay_domains =
local_recipient_maps =
alias_maps =
alias_database =
local_transport = error:5.1.1 no local delivery in this test
relayhost = [127.0.0.1]:$E2E_SINK_PORT
inet_interfaces = all
inet_protocols = all
mynetworks = 127.0.0.0/8 192.0.2.0/24 198.51.100.0/24 [::1]/128 [2001:db8::]/32
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
smtp_host_lookup = native
lmtp_host_lookup = native
smtpd_banner = \$myhostname ESMTP
smtputf8_enable = no
biff = no
smtp_tls_security_level = none
smtpd_tls_security_level = none
maillog_file = $d/maillog
maillog_file_prefixes = $d
smtpd_milters =
non_smtpd_milters =
milter_connect_timeout = 10s
milter_command_timeout = 20s
milter_content_timeout = 60s
delay_warning_time = 0h
EOF
	{
		echo '# service type private unpriv chroot wakeup maxproc command + args'
		e2e_postfix_service "$E2E_MTA_V4" mta-v4 accept
		e2e_postfix_service "[$E2E_MTA_V6]" mta-v6 tempfail
		e2e_postfix_service "[$E2E_MTA_MX6]" mta-mx6 tempfail
		cat <<'EOF'
pickup     unix  n - n 60   1 pickup
cleanup    unix  n - n -    0 cleanup
qmgr       unix  n - n 300  1 qmgr
rewrite    unix  - - n -    - trivial-rewrite
bounce     unix  - - n -    0 bounce
defer      unix  - - n -    0 bounce
trace      unix  - - n -    0 bounce
verify     unix  - - n -    1 verify
flush      unix  n - n 1000? 0 flush
proxymap   unix  - - n -    - proxymap
proxywrite unix  - - n -    1 proxymap
smtp       unix  - - n -    - smtp
relay      unix  - - n -    - smtp
showq      unix  n - n -    - showq
error      unix  - - n -    - error
retry      unix  - - n -    - error
discard    unix  - - n -    - discard
anvil      unix  - - n -    1 anvil
scache     unix  - - n -    1 scache
postlog    unix-dgram n - n - 1 postlogd
EOF
	} >"$d/etc/master.cf"
}

# e2e_start_postfix: write the configuration and start the instance.
e2e_start_postfix() {
	e2e_write_postfix_config
	local out
	if ! out=$(postfix -c "$E2E_DIR/etc" start 2>&1); then
		e2e_log "postfix -c $E2E_DIR/etc start failed:"
		e2e_log "$out"
		[ -f "$E2E_DIR/maillog" ] && tail -n 20 "$E2E_DIR/maillog" >&2
		exit 99
	fi
	E2E_POSTFIX_STARTED=1
	if ! e2e_wait_for 10 e2e_listening "$E2E_SMTP_PORT"; then
		e2e_log "Postfix is not listening on port $E2E_SMTP_PORT:"
		[ -f "$E2E_DIR/maillog" ] && tail -n 20 "$E2E_DIR/maillog" >&2
		exit 99
	fi
}

# Sendmail: fetched, unpacked, configured and started by tests/e2e/sendmail-lib.sh.
# shellcheck source=tests/e2e/sendmail-lib.sh
. "$E2E_LIB_DIR/sendmail-lib.sh" || exit 99

# --- the MTA under test ---------------------------------------------------------

# e2e_mta_prepare BUILDDIR: what must happen before e2e_enter_netns.
e2e_mta_prepare() {
	case $E2E_MTA in
	postfix) ;;
	sendmail) [ "${MX6_E2E_IN_NETNS:-}" = 1 ] || e2e_sendmail_fetch "$1" ;;
	*)
		echo "ERROR: E2E_MTA=$E2E_MTA: want postfix or sendmail"
		exit 99
		;;
	esac
}

# e2e_mta_start: start the MTA of E2E_MTA, listening on the three addresses.
e2e_mta_start() {
	case $E2E_MTA in
	postfix) e2e_start_postfix ;;
	sendmail) e2e_start_sendmail ;;
	esac
	printf '# MTA: %s\n' "$E2E_MTA"
}

# Queue ids as the MTAs make them, and as the milter logs them for a
# decision taken at RCPT: Postfix opens its queue file after the first
# accepted RCPT (the milter logs NOQUEUE), Sendmail assigns the id at MAIL.
# shellcheck disable=SC2034 # for the scripts that source this file
if [ "$E2E_MTA" = sendmail ]; then
	E2E_QID_RE='[0-9A-Za-z]{14}'
	E2E_RCPT_QID_RE=$E2E_QID_RE
else
	E2E_QID_RE='[0-9A-F]{6,}'
	E2E_RCPT_QID_RE=NOQUEUE
fi

# e2e_queued_id [FILE]: the queue id in the MTA's 250 reply to the end of
# the message data (swaks transcript FILE, default E2E_SWAKS_OUT); empty if
# the message was not queued. Postfix: "250 2.0.0 Ok: queued as ID";
# Sendmail: "250 2.0.0 ID Message accepted for delivery".
e2e_queued_id() {
	e2e_reply_to '^[0-9]+ lines sent$' "${1:-$E2E_SWAKS_OUT}" | sed -nE \
		-e 's/^250 .*queued as ([0-9A-Za-z]+).*/\1/p' \
		-e 's/^250 [0-9.]+ ([0-9A-Za-z]+) Message accepted for delivery$/\1/p'
}

# e2e_rcpt_reply RCPT REPLY: REPLY (a milter's reply at RCPT) as the client
# sees it: Sendmail puts "<RCPT>... " after the first line's enhanced code.
e2e_rcpt_reply() {
	if [ "$E2E_MTA" = sendmail ]; then
		printf '%s\n' "$2" | awk -v r="<$1>... " 'NR == 1 && match($0, /^[245][0-9][0-9][ -][245]\.[0-9]+\.[0-9]+ /) {
			$0 = substr($0, 1, RLENGTH) r substr($0, RLENGTH + 1) } { print }'
	else
		printf '%s\n' "$2"
	fi
}

# e2e_milter_rejected QID CLIENT REPLY: the line the MTA logs (in
# E2E_DIR/maillog) when the milter rejects or defers a message at the end
# of DATA with REPLY (its first line).
e2e_milter_rejected() {
	if [ "$E2E_MTA" = sendmail ]; then
		printf '%s: Milter: data, reject=%s\n' "$1" "$3"
	else
		printf '%s: milter-reject: END-OF-MESSAGE from unknown[%s]: %s\n' "$1" "$2" "${3#[245][0-9][0-9][ -]}"
	fi
}

# --- the test DNS server --------------------------------------------------------

# e2e_need_dns: outside the namespace, skip (77) unless tests/dns/server.sh can run.
e2e_need_dns() {
	[ "${MX6_E2E_IN_NETNS:-}" = 1 ] || "$E2E_DNS_SERVER" check || exit 77
}

# e2e_start_dns ZONEFILE...: the test DNS server on 127.0.0.1 in the
# namespace (state in E2E_DIR/dns), serving ZONEFILEs; sets E2E_DNS to
# 127.0.0.1@PORT (for dns_forwarders). e2e_cleanup stops it.
e2e_start_dns() {
	if ! "$E2E_DNS_SERVER" start "$E2E_DIR/dns" 0 "$@" >"$E2E_DIR/dns-start.log" 2>&1; then
		cat "$E2E_DIR/dns-start.log"
		echo "ERROR: the test DNS server did not start in the namespace"
		exit 99
	fi
	E2E_DNS="127.0.0.1@$(cat "$E2E_DIR/dns/port")"
	printf '# unbound on %s inside the namespace\n' "$E2E_DNS"
}

# e2e_start_milter BINARY CONFIG [ARGS...]: run the milter in the foreground
# (-f), stderr to E2E_DIR/milter.log, and wait for its socket.
e2e_start_milter() {
	local bin=$1 conf=$2
	shift 2
	"$bin" -f -c "$conf" "$@" >>"$E2E_DIR/milter.log" 2>&1 &
	E2E_MILTER_PID=$!
	local n=100
	while [ "$n" -gt 0 ]; do
		[ -S "$E2E_DIR/mx6.sock" ] && return 0
		if ! kill -0 "$E2E_MILTER_PID" 2>/dev/null; then
			wait "$E2E_MILTER_PID" 2>/dev/null
			e2e_log "the milter exited at start (status $?):"
			cat "$E2E_DIR/milter.log" >&2
			E2E_MILTER_PID=
			return 1
		fi
		sleep 0.1
		n=$((n - 1))
	done
	e2e_log "the milter did not create $E2E_DIR/mx6.sock within 10 s:"
	cat "$E2E_DIR/milter.log" >&2
	return 1
}

# e2e_kill_milter_hard: SIGKILL the milter (simulates a crash).
e2e_kill_milter_hard() {
	[ -n "$E2E_MILTER_PID" ] || return 0
	kill -KILL "$E2E_MILTER_PID" 2>/dev/null
	wait "$E2E_MILTER_PID" 2>/dev/null
	E2E_MILTER_PID=
}

# e2e_swaks NAME SWAKS-ARGS...: run swaks, transcript in E2E_DIR/swaks-NAME.out
# (also in E2E_SWAKS_OUT). Returns swaks's exit status.
e2e_swaks() {
	local name=$1
	shift
	E2E_SWAKS_OUT=$E2E_DIR/swaks-$name.out
	swaks --helo client.example --timeout 60 --suppress-data "$@" \
		>"$E2E_SWAKS_OUT" 2>&1 </dev/null
}

# e2e_smtp_replies FILE: the SMTP dialogue of a swaks transcript in short:
# each MAIL, RCPT and end of data with the server's reply lines.
e2e_smtp_replies() {
	awk '
		/^ *(->|~>) / {
			cmd = $0; sub(/^ *(->|~>) +/, "", cmd); first = 1
			if (cmd ~ /^(MAIL|RCPT|DATA)/) show = cmd
			else if (cmd ~ /^[0-9]+ lines sent$/) show = "(end of data)"
			else show = ""
			next
		}
		/^<(-|\*\*) / {
			if (show == "") next
			line = $0; sub(/^<(-|\*\*) +/, "", line)
			if (show == "DATA" && line ~ /^354/) next
			printf "  %-26s %s\n", (first ? show : ""), line
			first = 0
			next
		}
		/^\*\*\* / { print "  " $0 }
	' "$1"
}

# e2e_reply_to CMD-REGEX FILE: the reply lines (prefix stripped) the server
# gave to the first command matching CMD-REGEX in a swaks transcript. The
# end of the message data is the command "N lines sent" (--suppress-data).
e2e_reply_to() {
	awk -v re="$1" '
		/^ *(->|~>) / {
			cmd = $0; sub(/^ *(->|~>) +/, "", cmd)
			grab = (!done && cmd ~ re); if (grab) done = 1
			next
		}
		/^<(-|\*\*) / && grab { line = $0; sub(/^<(-|\*\*) +/, "", line); print line }
	' "$2"
}

# e2e_find_delivered MARKER: print the sink file holding MARKER (if any).
e2e_find_delivered() {
	grep -lF -- "$1" "$E2E_DIR"/sink/* 2>/dev/null | head -n 1
}

# e2e_wait_delivered MARKER [SECONDS]: wait for a message with MARKER at
# smtp-sink; print its file name. Fails after SECONDS (default 20).
e2e_wait_delivered() {
	local marker=$1 n=$(( ${2:-20} * 10 )) f
	while [ "$n" -gt 0 ]; do
		f=$(e2e_find_delivered "$marker")
		if [ -n "$f" ]; then
			sleep 0.2 # let smtp-sink finish writing the file
			printf '%s\n' "$f"
			return 0
		fi
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# e2e_queue_empty: true when no message is waiting in the MTA's queue.
e2e_queue_empty() {
	if [ "$E2E_MTA" = sendmail ]; then
		[ -z "$(find "$E2E_DIR/smq" -type f -name '[dq]f*' 2>/dev/null | head -n 1)" ]
		return
	fi
	[ -z "$(find "$E2E_DIR/queue/maildrop" "$E2E_DIR/queue/incoming" \
		"$E2E_DIR/queue/active" "$E2E_DIR/queue/deferred" \
		"$E2E_DIR/queue/hold" -type f 2>/dev/null | head -n 1)" ]
}

# e2e_headers FILE: the message header of a smtp-sink dump, without the
# X-Client-*/X-*-Args/Received lines smtp-sink adds, folded lines joined.
e2e_headers() {
	awk '
		BEGIN { sinkhdr = 1 }
		/^$/ { exit }
		sinkhdr && /^(X-Client-Addr|X-Client-Proto|X-Helo-Args|X-Mail-Args|X-Rcpt-Args):/ { next }
		sinkhdr && /^Received: .*\(\[.*\]\)$/ { skiprcv = 1; sinkhdr = 0; next }
		skiprcv && /^[ \t]/ { next }
		{ skiprcv = 0; sinkhdr = 0 }
		/^[ \t]/ { l = $0; sub(/^[ \t]+/, "", l); h = h " " l; next }
		{ if (h != "") print h; h = $0 }
		END { if (h != "") print h }
	' "$1"
}

# --- results: every e2e script counts its checks the same way -------------

passed=0
failed=0
ok() {
	passed=$((passed + 1))
	printf 'ok - %s\n' "$1"
}
# not_ok DESCRIPTION [FILE...]: report a failure with the files' contents.
not_ok() {
	failed=$((failed + 1))
	printf 'not ok - %s\n' "$1"
	shift
	local f
	for f in "$@"; do
		[ -f "$f" ] || continue
		printf '#   --- %s\n' "${f#"$E2E_DIR"/}"
		sed 's/^/#   /' "$f"
	done
}
# check DESCRIPTION COMMAND...: ok if COMMAND succeeds, else not ok with
# the last swaks transcript.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc" "$E2E_SWAKS_OUT"; fi
}
# want TEXT: show the expected text under a failure.
want() {
	printf '#   --- want:\n'
	printf '%s\n' "$1" | sed 's/^/#   /'
}
# is_reply_to CMD-REGEX EXPECTED: the reply to that command is exactly EXPECTED.
is_reply_to() {
	[ "$(e2e_reply_to "$1" "$E2E_SWAKS_OUT")" = "$2" ]
}
# reply_is CMD-REGEX EXPECTED DESCRIPTION: ok if the reply to that command
# is exactly EXPECTED (all lines), else not ok with the transcript.
reply_is() {
	if is_reply_to "$1" "$2"; then
		ok "$3"
	else
		not_ok "$3" "$E2E_SWAKS_OUT"
		want "$2"
	fi
}

# --- the milter's log and the delivered copies -----------------------------

# log_mark: remember how much of the milter's log has been read.
log_mark() { LOG_MARK=$(wc -l <"$E2E_DIR/milter.log"); }
# decision_line CLIENT: the first decision line logged for CLIENT since
# log_mark (waits up to 5 s for it).
decision_line() {
	local n=50 l
	while [ "$n" -gt 0 ]; do
		l=$(tail -n +"$((LOG_MARK + 1))" "$E2E_DIR/milter.log" | grep -F " client=[$1] " | head -n 1)
		if [ -n "$l" ]; then
			printf '%s\n' "$l"
			return 0
		fi
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
# log_is DESCRIPTION CLIENT ID-ERE EXPECTED: the milter's decision line for
# CLIENT is "ID: EXPECTED", ID matching ID-ERE. Sets LOG_ID.
log_is() {
	local desc=$1 client=$2 idre=$3 rest=$4 line
	line=$(decision_line "$client")
	LOG_ID=${line%%: *}
	if [ -n "$line" ] && [ "${line#*: }" = "$rest" ] &&
		printf '%s\n' "$LOG_ID" | grep -Eqx -- "$idre"; then
		ok "$desc"
	else
		not_ok "$desc"
		printf '#   --- got:\n#   %s\n' "${line:-(no decision line for [$client])}"
		want "ID: $rest (ID matching $idre)"
	fi
}
# no_decision_line DESCRIPTION CLIENT: nothing logged for CLIENT since log_mark.
no_decision_line() {
	sleep 0.5
	if tail -n +"$((LOG_MARK + 1))" "$E2E_DIR/milter.log" | grep -qF " client=[$2] "; then
		not_ok "$1" "$E2E_DIR/milter.log"
	else
		ok "$1"
	fi
}
# maillog_has DESCRIPTION TEXT: the MTA logged TEXT (waits up to 5 s).
maillog_has() {
	if e2e_wait_for 5 grep -qF -- "$2" "$E2E_DIR/maillog"; then
		ok "$1"
	else
		not_ok "$1" "$E2E_DIR/maillog"
		want "$2"
	fi
}
# headers_of MARKER NAME: wait for the message with MARKER at smtp-sink and
# write its unfolded header to E2E_DIR/NAME.headers (HDRS), its file name
# to DELIVERED; false if not delivered.
headers_of() {
	local f
	HDRS=$E2E_DIR/$2.headers
	DELIVERED=
	f=$(e2e_wait_delivered "$1") || return 1
	# shellcheck disable=SC2034 # for the scripts that source this file
	DELIVERED=$f
	e2e_headers "$f" >"$HDRS"
}
# header_exactly DESCRIPTION NAME-ERE LINE: in HDRS, exactly one header
# field named NAME-ERE and it is exactly LINE (unfolded).
header_exactly() {
	local desc=$1 name=$2 line=$3
	if [ "$(grep -Eic "^($name):" "$HDRS")" = 1 ] && [ "$(grep -Fxc -- "$line" "$HDRS")" = 1 ]; then
		ok "$desc"
	else
		not_ok "$desc" "$HDRS"
		want "$line"
	fi
}
# header_absent DESCRIPTION ERE: no header line in HDRS matches ERE.
header_absent() {
	if grep -Eiq -- "$2" "$HDRS"; then not_ok "$1" "$HDRS"; else ok "$1"; fi
}
# What ASan, LSan, UBSan (and valgrind) print when they find something.
E2E_REPORT_RE='ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|==[0-9]+== ERROR SUMMARY: [1-9]'

# e2e_reports: the last check of a script. Stops the milter with SIGTERM
# (LeakSanitizer reports leaks only when the process exits), then passes
# if no log in the scratch directory holds a sanitizer report.
e2e_reports() {
	local f hits=
	e2e_kill "$E2E_MILTER_PID"
	E2E_MILTER_PID=
	for f in "$E2E_DIR"/*.log; do
		[ -f "$f" ] || continue
		grep -qE -- "$E2E_REPORT_RE" "$f" && hits="$hits $f"
	done
	if [ -z "$hits" ]; then
		ok "no sanitizer report in the milter's logs"
	else
		# shellcheck disable=SC2086 # one argument per file
		not_ok "no sanitizer report in the milter's logs" $hits
	fi
}
# e2e_finish: the summary line and the exit status.
e2e_finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ] || exit 1
	exit 0
}
