# tests/milter/lib.sh -- helpers for the milter protocol tests (POSIX sh).
#
# Source it from a test script in this directory:
#	. "$(dirname "$0")/lib.sh"
#	t_begin "what this script checks"
#	t_base_conf >"$T_DIR/milter.conf"; echo "default_mode = mx6" >>...
#	t_start "$T_DIR/milter.conf"
#	t_msg -n mta-v6 -q QID1 2001:db8::66 | t_session unknown-v6
#	t_line "rcpt: continue"
#	t_done
#
# Locations: the scripts live in $srcdir/tests/milter (automake exports
# srcdir, the top source directory); the programs are found in the top
# build directory, which is the current directory under "make check".
# MX6_MILTER and MTCLIENT override the program paths; MX6_TEST_KEEP=1 keeps
# the scratch directory; MX6_TEST_TIMEOUT sets mtclient's timeout (s).
# MX6_MILTER_WRAPPER is put before every start of the daemon (make
# check-valgrind sets it to valgrind); MX6_TEST_SLOW (an integer, default
# 1) multiplies the timing bounds meant for a program running at full
# speed, for such a wrapper only.
# A script fails when a sanitizer (ASan, LSan, UBSan) or valgrind reported
# anything in a file of its scratch directory (daemon logs, mtclient and
# mx6-check output): see t_reports.
#
# Every assertion prints "ok - ..." or "FAIL - ..."; t_done prints a
# summary and exits 1 if anything failed (0 otherwise). A script exits
# 77 (skip) when milter/mx6-milter has not been built.

t_name=$(basename "$0" .sh)
t_here=$(cd "$(dirname "$0")" && pwd)

# t_top_srcdir: for scripts that need files from the source tree.
# shellcheck disable=SC2034
if [ -n "${srcdir:-}" ] && [ -d "$srcdir" ]; then
	t_top_srcdir=$(cd "$srcdir" && pwd)
else
	t_top_srcdir=$(cd "$t_here/../.." && pwd)
fi
if [ -n "${abs_top_builddir:-}" ]; then
	t_top_builddir=$abs_top_builddir
elif [ -f ./Makefile ] && [ -d ./tests/milter ]; then
	t_top_builddir=$(pwd)  # make check runs tests from the top build directory
else
	t_top_builddir=$(cd "$t_here/../.." && pwd)
fi
abs_top_builddir=$t_top_builddir

MX6_MILTER=${MX6_MILTER:-$t_top_builddir/milter/mx6-milter}
MTCLIENT=${MTCLIENT:-$t_top_builddir/tests/milter/mtclient}
MX6_MILTER_WRAPPER=${MX6_MILTER_WRAPPER:-}
T_SLOW=${MX6_TEST_SLOW:-1}
case $T_SLOW in '' | *[!0-9]* | 0) T_SLOW=1 ;; esac
T_TIMEOUT=${MX6_TEST_TIMEOUT:-$((10 * T_SLOW))}

T_DIR=
T_SOCK=
T_LOG=
T_PID=
T_STATUS=
T_OUT=
T_RC=
T_LOG_MARK=0
t_pass=0
t_fail=0
t_failed=

# ------------------------------------------------------------ reporting

t_say() { printf '%s\n' "$*"; }
t_section() { printf '\n== %s\n' "$*"; }

t_skip() {
	printf 'SKIP: %s\n' "$*"
	exit 77
}

t_ok() {
	t_pass=$((t_pass + 1))
	printf 'ok - %s\n' "$*"
}

t_notok() {
	t_fail=$((t_fail + 1))
	t_failed="$t_failed
  - $*"
	printf 'FAIL - %s\n' "$*"
}

# t_check DESCRIPTION COMMAND...: pass if COMMAND succeeds.
t_check() {
	_tc_d=$1
	shift
	if "$@"; then t_ok "$_tc_d"; else t_notok "$_tc_d"; fi
}

# t_slow N: N seconds times the MX6_TEST_SLOW factor.
t_slow() {
	echo $(($1 * T_SLOW))
}

# What the sanitizers and valgrind print when they find something: an
# ASan or LSan report, a UBSan "runtime error:" (also when it recovers),
# a valgrind error summary that is not zero (with
# --errors-for-leak-kinds=definite,indirect leaks count as errors).
T_REPORT_RE='ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|==[0-9]+== ERROR SUMMARY: [1-9]'

# t_reports: fail if a text file in the scratch directory holds a report.
# Called by t_done once the daemon has stopped (LSan and valgrind report
# leaks at exit).
t_reports() {
	[ -n "$T_DIR" ] && [ -d "$T_DIR" ] || return 0
	_rf=$(grep -rlIE -- "$T_REPORT_RE" "$T_DIR" 2>/dev/null)
	if [ -z "$_rf" ]; then
		t_ok "no sanitizer or valgrind report"
		return 0
	fi
	t_notok "no sanitizer or valgrind report (found in: $(echo $_rf))"
	for _f in $_rf; do
		printf -- '--- %s\n' "$_f"
		# the reports themselves: valgrind's ERROR SUMMARY comes last
		grep -E -A 30 -- "$T_REPORT_RE|^==[0-9]+== (Invalid|Conditional|Syscall param|Mismatched|Source and destination|Use of uninit|.* are (definitely|indirectly) lost)" \
			"$_f" | head -n 80
	done
}

t_done() {
	t_stop_quiet
	t_reports
	printf '\n%s: %d passed, %d failed\n' "$t_name" "$t_pass" "$t_fail"
	if [ "$t_fail" -gt 0 ]; then
		printf 'failed checks:%s\n' "$t_failed"
		if [ -n "$T_LOG" ] && [ -s "$T_LOG" ]; then
			printf -- '--- daemon log (last 40 lines of %s)\n' "$T_LOG"
			tail -n 40 "$T_LOG"
		fi
		exit 1
	fi
	exit 0
}

# ------------------------------------------------------------ setup

t_cleanup() {
	_st=$?
	t_stop_quiet
	if [ -n "$T_DIR" ] && [ -d "$T_DIR" ]; then
		if [ -n "${MX6_TEST_KEEP:-}" ]; then
			printf 'kept %s\n' "$T_DIR"
		else
			rm -rf "$T_DIR"
		fi
	fi
	exit $_st
}

# t_dns_start ZONEFILE: the test DNS server (tests/dns/server.sh) on a free
# port of 127.0.0.1, serving ZONEFILE from $T_DIR/dns; sets T_DNS_PORT. If it
# does not start, that is a failed check and the script ends. The caller's
# EXIT trap stops it: sh "$T_DNS_SERVER" stop "$T_DIR/dns".
T_DNS_SERVER=$t_top_srcdir/tests/dns/server.sh
t_dns_start() {
	if ! sh "$T_DNS_SERVER" start "$T_DIR/dns" 0 "$1" >"$T_DIR/dns-start.log" 2>&1; then
		cat "$T_DIR/dns-start.log"
		t_notok "test DNS server started"
		t_done
	fi
	T_DNS_PORT=$(cat "$T_DIR/dns/port")
	t_say "# test DNS server on 127.0.0.1@$T_DNS_PORT"
}

# t_begin TITLE: check the programs, make the scratch directory.
t_begin() {
	printf '%s: %s\n' "$t_name" "$*"
	[ -x "$MX6_MILTER" ] || t_skip "mx6-milter not built ($MX6_MILTER)"
	[ -x "$MTCLIENT" ] || t_skip "mtclient not built ($MTCLIENT)"
	T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mx6-milter-$t_name.XXXXXX") ||
		t_skip "cannot make a scratch directory"
	T_SOCK=$T_DIR/sock
	T_LOG=$T_DIR/milter.log
	T_OUT=$T_DIR/last.out
	: >"$T_LOG"
	: >"$T_OUT"
	trap t_cleanup EXIT
	trap 'exit 1' HUP INT TERM
}

# t_user: the user the daemon runs as (root when we are root).
t_user() {
	if [ "$(id -u)" = 0 ]; then echo root; else id -un; fi
}

# What the offline resolver of t_base_conf lets authentication find for a
# t_msg message from <a@example.org>: the Authentication-Results value as
# mtclient prints it, its reply lines at end of message and at RCPT, and
# the reasons of an unknown verdict at end of message.
T_AR='Authentication-Results: mx.test;\n\tspf=none smtp.mailfrom=example.org;\n\tdkim=none;\n\tdmarc=none header.from=example.org'
T_AR_L1='Authentication-Results: mx.test;'
T_AR_L2='  spf=none smtp.mailfrom=example.org;'
T_AR_L3='  dkim=none;'
T_AR_L4='  dmarc=none header.from=example.org'
T_AR_RCPT_L2='  spf=none smtp.mailfrom=example.org'
T_REASONS='unlisted,spf:none,dkim:none,dmarc:none'

# t_base_conf: lines every test config starts with ($T_BASE_LINES of them).
# The resolver gets a
# local zone that answers every name with NXDOMAIN at once, so SPF, DKIM,
# DMARC run for real and find nothing; iprev is off.
T_BASE_LINES=5
t_base_conf() {
	printf 'server:\n  local-zone: "." static\n' >"$T_DIR/offline.conf"
	cat <<EOF
# written by tests/milter/$t_name.sh
user = $(t_user)
authserv_id = mx.test
iprev = no
dns_unbound_conf = offline.conf
EOF
}

# ------------------------------------------------------------ daemon

# t_alive PID: the process exists and is not a zombie.
t_alive() {
	kill -0 "$1" 2>/dev/null || return 1
	if [ -r "/proc/$1/stat" ]; then
		_state=$(sed 's/.*) //' "/proc/$1/stat" | cut -c1)
		[ "$_state" != Z ] || return 1
	fi
	return 0
}

# t_start CONF [EXTRA-ARGS...]: start the daemon in the foreground (in
# the background of this shell) on $T_SOCK; stderr appended to $T_LOG.
# Fails the script if the socket does not appear within 10 s.
t_start() {
	_conf=$1
	shift
	t_stop_quiet
	rm -f "$T_SOCK"
	printf -- '--- start %s -f -c %s -p unix:%s %s\n' "$MX6_MILTER" "$_conf" "$T_SOCK" "$*" >>"$T_LOG"
	$MX6_MILTER_WRAPPER "$MX6_MILTER" -f -c "$_conf" -p "unix:$T_SOCK" "$@" >>"$T_LOG" 2>&1 </dev/null &
	T_PID=$!
	T_STATUS=
	_i=0
	while [ $_i -lt $((100 * T_SLOW)) ]; do
		if [ -S "$T_SOCK" ]; then
			t_log_mark
			return 0
		fi
		if ! t_alive "$T_PID"; then
			wait "$T_PID"
			T_STATUS=$?
			T_PID=
			t_notok "mx6-milter started (exited with status $T_STATUS)"
			t_done
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	t_notok "mx6-milter socket $T_SOCK appeared within $(t_slow 10) s"
	t_done
}

# t_signal SIG: send a signal to the daemon we started.
t_signal() {
	[ -n "$T_PID" ] && kill -s "$1" "$T_PID"
}

# t_wait_exit SECONDS: wait for the daemon to exit; sets T_STATUS.
# Returns 1 (daemon still running) after SECONDS.
t_wait_exit() {
	_n=$(($1 * 10))
	_i=0
	while t_alive "$T_PID"; do
		[ $_i -ge $_n ] && return 1
		sleep 0.1
		_i=$((_i + 1))
	done
	wait "$T_PID"
	T_STATUS=$?
	T_PID=
	return 0
}

# t_stop: SIGTERM, wait up to 10 s (then SIGKILL); T_STATUS = exit status.
t_stop() {
	[ -n "$T_PID" ] || return 0
	kill -s TERM "$T_PID" 2>/dev/null
	if ! t_wait_exit "$(t_slow 10)"; then
		kill -s KILL "$T_PID" 2>/dev/null
		wait "$T_PID"
		T_STATUS=killed
		T_PID=
		return 1
	fi
	return 0
}

t_stop_quiet() {
	t_stop >/dev/null 2>&1
	return 0
}

# ------------------------------------------------------------ sessions

# t_msg [-n DAEMON_NAME] [-a DAEMON_ADDR] [-i IF_ADDR] [-c CLIENT_ADDR_MACRO]
#	[-q QUEUEID] [-f FROM] [-r RCPT]... [-h 'Name: value']... [-H]
#	[-b BODY] [-e 'extra script line before eom']... CLIENT_ADDR
# Print an mtclient script for one whole SMTP session with one message,
# the way Postfix sends it. {client_addr} is CLIENT_ADDR unless -c gives
# it (e.g. Sendmail's IPv6:2001:db8:0:0:0:0:0:66). -H: no default
# headers. Recipients default to <b@example.net>.
t_msg() {
	_dn='' _da='' _ia='' _ca='' _qid='' _from='<a@example.org>' _rcpts='' _hdrs='' _nodef=''
	_body='Hello\r\n' _extra=''
	OPTIND=1
	while getopts n:a:i:c:q:f:r:h:Hb:e: _o; do
		case $_o in
		n) _dn=$OPTARG ;;
		a) _da=$OPTARG ;;
		i) _ia=$OPTARG ;;
		c) _ca=$OPTARG ;;
		q) _qid=$OPTARG ;;
		f) _from=$OPTARG ;;
		r) _rcpts="$_rcpts
rcpt $OPTARG" ;;
		h) _hdrs="$_hdrs
header $OPTARG" ;;
		H) _nodef=1 ;;
		b) _body=$OPTARG ;;
		e) _extra="$_extra
$OPTARG" ;;
		*) return 2 ;;
		esac
	done
	shift $((OPTIND - 1))
	_client=$1
	[ -n "$_rcpts" ] || _rcpts="
rcpt <b@example.net>"
	printf '# session from %s\n' "$_client"
	printf 'macro C j=mx.test client_name=client.example.org'
	[ -n "$_dn" ] && printf ' daemon_name=%s' "$_dn"
	[ -n "$_da" ] && printf ' daemon_addr=%s' "$_da"
	[ -n "$_ia" ] && printf ' if_addr=%s' "$_ia"
	printf ' client_addr=%s\n' "${_ca:-$_client}"
	printf 'connect client.example.org %s 40000\n' "$_client"
	printf 'helo mx.example.org\n'
	[ -n "$_qid" ] && printf 'macro M i=%s\n' "$_qid"
	printf 'mail %s\n' "$_from"
	printf '%s\n' "$_rcpts" | sed '/^$/d'
	printf 'data\n'
	if [ -z "$_nodef" ]; then
		printf 'header From: Alice %s\n' "$_from"
		printf 'header To: <b@example.net>\n'
		printf 'header Subject: test message\n'
	fi
	[ -n "$_hdrs" ] && printf '%s\n' "$_hdrs" | sed '/^$/d'
	printf 'eoh\n'
	printf 'body %s\n' "$_body"
	[ -n "$_extra" ] && printf '%s\n' "$_extra" | sed '/^$/d'
	[ -n "$_qid" ] && printf 'macro E i=%s\n' "$_qid"
	printf 'eom\n'
	printf 'quit\n'
}

# t_session NAME [MTCLIENT-ARGS...] <SCRIPT: run mtclient on the script
# from stdin; output in $T_DIR/NAME.out, copied to $T_OUT (the file the
# assertions read); exit status in $T_DIR/last.rc (see t_rc). It is
# usually the end of a pipeline, hence a subshell: it sets no variables.
t_session() {
	_sn=$1
	shift
	cat >"$T_DIR/$_sn.script"
	"$MTCLIENT" -s "unix:$T_SOCK" -t "$T_TIMEOUT" "$@" "$T_DIR/$_sn.script" \
		>"$T_DIR/$_sn.out" 2>"$T_DIR/$_sn.err"
	_rc=$?
	echo "$_rc" >"$T_DIR/last.rc"
	cp "$T_DIR/$_sn.out" "$T_OUT"
	printf -- '--- session %s (mtclient exit %s)\n' "$_sn" "$_rc"
	sed 's/^/  | /' "$T_DIR/$_sn.out"
	sed 's/^/  ! /' "$T_DIR/$_sn.err"
	return 0
}

# ------------------------------------------------------------ assertions
# On the output of the last session ($T_OUT) unless noted.

# t_line LINE [DESC]: LINE is one of the output lines, exactly.
t_line() {
	if grep -Fxq -- "$1" "$T_OUT"; then t_ok "${2:-has \"$1\"}"; else t_notok "${2:-has \"$1\"}"; fi
}

# t_line_i LINE [DESC]: the same, ignoring case.
t_line_i() {
	if grep -Fixq -- "$1" "$T_OUT"; then t_ok "${2:-has \"$1\" (any case)}"; else t_notok "${2:-has \"$1\" (any case)}"; fi
}

# t_noline LINE [DESC]: no output line is exactly LINE.
t_noline() {
	if grep -Fxq -- "$1" "$T_OUT"; then t_notok "${2:-no \"$1\"}"; else t_ok "${2:-no \"$1\"}"; fi
}

# t_match ERE [DESC] / t_nomatch ERE [DESC]: some / no line matches.
t_match() {
	if grep -Eq -- "$1" "$T_OUT"; then t_ok "${2:-matches /$1/}"; else t_notok "${2:-matches /$1/}"; fi
}
t_nomatch() {
	if grep -Eq -- "$1" "$T_OUT"; then t_notok "${2:-nothing matches /$1/}"; else t_ok "${2:-nothing matches /$1/}"; fi
}

# t_count N LINE [DESC]: LINE occurs exactly N times.
t_count() {
	_c=$(grep -Fxc -- "$2" "$T_OUT")
	if [ "$_c" = "$1" ]; then t_ok "${3:-\"$2\" $1 times}"; else t_notok "${3:-\"$2\" $1 times} (found $_c)"; fi
}

# t_order LINE... : the lines occur in this order (each after the previous).
t_order() {
	printf '%s\n' "$@" >"$T_DIR/.order"
	if awk 'NR == FNR { want[++n] = $0; next }
		k < n && $0 == want[k + 1] { k++ }
		END { exit(k == n ? 0 : 1) }' "$T_DIR/.order" "$T_OUT"; then
		t_ok "in order: $*"
	else
		t_notok "in order: $*"
	fi
}

# t_rc N [DESC]: the last mtclient exited with N.
t_rc() {
	T_RC=$(cat "$T_DIR/last.rc" 2>/dev/null)
	if [ "$T_RC" = "$1" ]; then t_ok "${2:-mtclient exit status $1}"; else t_notok "${2:-mtclient exit status $1} (got $T_RC)"; fi
}

# t_running [DESC]: the daemon is still alive.
t_running() {
	if [ -n "$T_PID" ] && t_alive "$T_PID"; then t_ok "${1:-daemon still running}"; else t_notok "${1:-daemon still running}"; fi
}

# ------------------------------------------------------------ daemon log

# t_log_mark: later t_log_* calls only look at lines written after this.
t_log_mark() {
	T_LOG_MARK=$(wc -l <"$T_LOG")
}

# _t_log_find FRAGMENT...: a line after the mark contains every fragment.
_t_log_find() {
	tail -n +"$((T_LOG_MARK + 1))" "$T_LOG" | awk '
		BEGIN { for (i = 1; i < ARGC; i++) want[i] = ARGV[i]; n = ARGC - 1; ARGC = 1 }
		{ ok = 1; for (i = 1; i <= n; i++) if (index($0, want[i]) == 0) { ok = 0; break } if (ok) found = 1 }
		END { exit(found ? 0 : 1) }' "$@"
}

# t_log_has DESC FRAGMENT...: within 3 s a log line after the mark
# contains all the fragments (fixed strings).
t_log_has() {
	_tl_d=$1
	shift
	_tl_i=0
	while ! _t_log_find "$@"; do
		if [ $_tl_i -ge 30 ]; then
			t_notok "$_tl_d: log line with: $*"
			return 0
		fi
		sleep 0.1
		_tl_i=$((_tl_i + 1))
	done
	t_ok "$_tl_d"
}

# t_log_lacks DESC FRAGMENT...: no line after the mark has them all.
t_log_lacks() {
	_tl_d=$1
	shift
	if _t_log_find "$@"; then t_notok "$_tl_d: no log line with: $*"; else t_ok "$_tl_d"; fi
}
