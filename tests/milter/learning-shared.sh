#!/bin/sh
# learning-shared.sh -- learning (SPEC 6) across processes, under
# concurrency and through a crash, with a real DNS server
# (tests/dns/server.sh) so that SPF authenticates for real: friend.test
# publishes "v=spf1 ip4:192.0.2.66 ip6:2001:db8::66 -all" and no DMARC
# record, so a message from <friend@friend.test> (From aligned) sent by
# 192.0.2.66 or 2001:db8::66 is authenticated for friend.test.
#
# (a) Two mx6-milter daemons (two sockets, two configurations) share one
#     redis:// store (a private redis-server on a free 127.0.0.1 port, no
#     persistence): authenticated IPv4 messages learnt through daemon 1
#     make daemon 2 accept an IPv6 message from friend.test
#     ("green; reason=history:3/0d", history_min_messages = 3,
#     history_min_days = 0) once, and only once, there are 3 of them; the
#     Redis key holds the count; IPv6 mail teaches nothing; IPv4 mail
#     learnt through daemon 2 counts for daemon 1 too.
# (b) Concurrency: 8 mtclient processes x 25 authenticated IPv4 sessions
#     (one message each) at once through one daemon with an LMDB store:
#     every session is accepted and mx6-check --history reports exactly
#     200 (mx6-check reads the LMDB store while the daemon runs, and does
#     so during the load too).
# (c) Crash safety: with LMDB, the daemon is killed with SIGKILL in the
#     middle of a load of learning sessions; the store still opens
#     (mx6-check), its count lies between the sessions that got their
#     "eom: accept" before the kill and the sessions started; the daemon
#     restarts on it and learning goes on from there (exact count).
#
# Skips (77) without unbound or python3 (the DNS server); part (a) is
# skipped, with the reason printed, without redis-server. Sizes:
# LEARN_WORKERS x LEARN_SESSIONS for (b) (8 x 25), CRASH_WORKERS x
# CRASH_SESSIONS for (c) (4 x 150).
. "$(dirname "$0")/lib.sh"

t_begin "learning: a redis:// store shared by two daemons, concurrent learning, a crash (LMDB)"

DNS_SERVER=$t_top_srcdir/tests/dns/server.sh
MX6_CHECK=${MX6_CHECK:-$t_top_builddir/milter/mx6-check}
PYTHON=${PYTHON:-python3}
export PYTHON
[ -x "$MX6_CHECK" ] || t_skip "mx6-check not built ($MX6_CHECK)"
sh "$DNS_SERVER" check || exit 77

WORKERS=${LEARN_WORKERS:-8}
SESSIONS=${LEARN_SESSIONS:-25}
CRASH_WORKERS=${CRASH_WORKERS:-4}
CRASH_SESSIONS=${CRASH_SESSIONS:-150}
V4=192.0.2.66
V6=2001:db8::66
FROM='<friend@friend.test>'
DEFER='450 4.7.26 Not accepted over IPv6: message must pass SPF or DKIM or come from a known sender; please retry over IPv4'

# Processes of ours besides the daemon lib.sh runs ($T_PID): the second
# daemon, redis-server and load clients, each stopped by its PID.
D2_PID=
REDIS_PID=
LOAD_PIDS=

# stop_pid PID: TERM (KILL after 10 s) one process we started, and reap it.
stop_pid() {
	[ -n "$1" ] || return 0
	kill -s TERM "$1" 2>/dev/null
	_sp=0
	while t_alive "$1" && [ $_sp -lt 100 ]; do
		sleep 0.1
		_sp=$((_sp + 1))
	done
	t_alive "$1" && kill -s KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

cleanup_all() {
	_st=$?
	for _p in $LOAD_PIDS; do
		stop_pid "$_p"
	done
	stop_pid "$D2_PID"
	stop_pid "$REDIS_PID"
	sh "$DNS_SERVER" stop "$T_DIR/dns" >/dev/null 2>&1
	(exit $_st)
	t_cleanup
}
trap cleanup_all EXIT

# ---------------------------------------------------------------- DNS
cat >"$T_DIR/zone.conf" <<'EOF'
local-zone: "friend.test." static
local-data: 'friend.test. 300 IN TXT "v=spf1 ip4:192.0.2.66 ip6:2001:db8::66 -all"'
EOF
t_dns_start "$T_DIR/zone.conf"
PORT=$T_DNS_PORT

# conf FILE AUTHSERV-ID STATE-URL: a learning configuration.
conf() {
	{
		t_base_conf | sed -e '/^dns_unbound_conf/d' -e "s/^authserv_id = .*/authserv_id = $2/"
		echo "dns_forwarders = 127.0.0.1@$PORT"
		echo "dns_timeout = 2"
		echo "default_mode = defensive"
		echo "listener = mta-v6 defensive"
		echo "listener = mta-v4 defensive"
		echo "learn = yes"
		echo "state = $3"
		echo "history_min_messages = 3"
		echo "history_min_days = 0"
	} >"$1"
}

# msg4 QID / msg6 QID: an mtclient script for one message from
# friend@friend.test, over IPv4 (listener mta-v4) or IPv6 (mta-v6).
msg4() { t_msg -n mta-v4 -q "$1" -f "$FROM" "$V4"; }
msg6() { t_msg -n mta-v6 -q "$1" -f "$FROM" "$V6"; }

# history CONF: the count mx6-check --history reports for friend.test
# (0 when unknown); exit status 1 (and "ERR") when mx6-check fails.
history() {
	if "$MX6_CHECK" --config "$1" --history friend.test --json >"$T_DIR/history.out" 2>"$T_DIR/history.err"; then
		sed -n 's/.*"count":\([0-9][0-9]*\).*/\1/p' "$T_DIR/history.out"
	else
		echo ERR
		return 1
	fi
}

# learnt DESC: the last session was an IPv4 message the milter accepted
# untouched (no decision: no header added, no reply).
learnt() {
	t_rc 0 "$1: session completed"
	t_line "eom: accept" "$1: accepted"
	t_nomatch '^(insheader|addheader)' "$1: no header added"
	t_nomatch '^reply: ' "$1: no reply"
}

# deferred DESC: the last session was deferred at end of message.
deferred() {
	t_rc 0 "$1: session completed"
	t_line "eom: reply" "$1: deferred at end of message"
	t_line "reply: $DEFER" "$1: default defer_reply"
	t_nomatch '^(insheader|addheader)' "$1: no header added"
}

# count_is DESC CONF N: mx6-check --history reports N.
count_is() {
	_ci=$(history "$2")
	if [ "$_ci" = "$3" ]; then
		t_ok "$1: mx6-check --history friend.test: $3"
	else
		t_notok "$1: mx6-check --history friend.test: $3 (got ${_ci:-nothing})"
		sed 's/^/  ! /' "$T_DIR/history.out" "$T_DIR/history.err"
	fi
}

# start2 CONF: the second daemon, on socket $T_DIR/sock2, log milter2.log.
start2() {
	rm -f "$T_DIR/sock2"
	printf -- '--- start %s -f -c %s -p unix:%s\n' "$MX6_MILTER" "$1" "$T_DIR/sock2" >>"$T_DIR/milter2.log"
	$MX6_MILTER_WRAPPER "$MX6_MILTER" -f -c "$1" -p "unix:$T_DIR/sock2" >>"$T_DIR/milter2.log" 2>&1 </dev/null &
	D2_PID=$!
	_s2=0
	while [ $_s2 -lt $((100 * T_SLOW)) ]; do
		[ -S "$T_DIR/sock2" ] && return 0
		t_alive "$D2_PID" || break
		sleep 0.1
		_s2=$((_s2 + 1))
	done
	sed 's/^/  ! /' "$T_DIR/milter2.log"
	t_notok "second mx6-milter started on $T_DIR/sock2"
	t_done
}

# on 1|2: the daemon (socket and log) the next sessions and log checks use.
on() {
	if [ "$1" = 1 ]; then
		T_SOCK=$T_DIR/sock
		T_LOG=$T_DIR/milter.log
	else
		T_SOCK=$T_DIR/sock2
		T_LOG=$T_DIR/milter2.log
	fi
}

# ---------------------------------------------------------------- redis
# start_redis: a private redis-server on a free port of 127.0.0.1
# (below the ephemeral range; retried when taken), no persistence.
start_redis() {
	mkdir -p "$T_DIR/redis"
	_n=0
	while [ $_n -lt 20 ]; do
		_r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
		_p=$((20000 + _r % 12000))
		: >"$T_DIR/redis/log"
		redis-server --port "$_p" --bind 127.0.0.1 --save '' --appendonly no \
			--dir "$T_DIR/redis" --logfile "$T_DIR/redis/log" --daemonize no </dev/null &
		REDIS_PID=$!
		_i=0
		while [ $_i -lt 100 ]; do
			if grep -q 'Ready to accept connections' "$T_DIR/redis/log"; then
				RPORT=$_p
				return 0
			fi
			t_alive "$REDIS_PID" || break
			sleep 0.1
			_i=$((_i + 1))
		done
		stop_pid "$REDIS_PID"
		REDIS_PID=
		_n=$((_n + 1))
	done
	sed 's/^/  ! /' "$T_DIR/redis/log"
	return 1
}

# redis_get KEY: the value of KEY in database 0 (redis-cli).
redis_get() {
	redis-cli -h 127.0.0.1 -p "$RPORT" -n 0 --raw GET "$1" 2>&1
}

# ================================================================ (a)
t_section "(a) two daemons sharing one redis:// store"
if ! command -v redis-server >/dev/null 2>&1; then
	t_say "# SKIP part (a): redis-server is not installed"
elif ! start_redis; then
	t_notok "redis-server started on a free 127.0.0.1 port"
else
	t_ok "redis-server on 127.0.0.1:$RPORT (pid $REDIS_PID)"
	URL=redis://127.0.0.1:$RPORT/0
	URLRE=$(printf '%s' "$URL" | sed 's/[].[^$*+?(){}|\\/]/\\&/g')
	have_cli=
	command -v redis-cli >/dev/null 2>&1 && have_cli=1
	conf "$T_DIR/shared1.conf" mx1.test "$URL"
	conf "$T_DIR/shared2.conf" mx2.test "$URL"
	sed 's/^/  > /' "$T_DIR/shared2.conf"
	for c in 1 2; do
		if "$MX6_MILTER" -n -c "$T_DIR/shared$c.conf" >"$T_DIR/n.out" 2>&1; then
			t_ok "mx6-milter -n accepts shared$c.conf"
		else
			sed 's/^/  ! /' "$T_DIR/n.out"
			t_notok "mx6-milter -n accepts shared$c.conf"
		fi
	done
	t_start "$T_DIR/shared1.conf"
	: >"$T_DIR/milter2.log"
	start2 "$T_DIR/shared2.conf"

	t_section "(a) before any learning: daemon 2 defers IPv6 mail from friend.test"
	on 2
	t_log_mark
	msg6 QA6a | t_session a6-none
	deferred "IPv6 via daemon 2, no history"
	t_log_has "daemon 2 logs the deferral (authenticated, not greenlisted)" "QA6a: client=[$V6]" \
		"class=unknown" "action=defer" "reasons=unlisted,spf:pass,dkim:none,dmarc:none"
	count_is "no history yet" "$T_DIR/shared2.conf" 0

	t_section "(a) 2 authenticated IPv4 messages through daemon 1"
	on 1
	msg4 QA4a | t_session a4-1
	learnt "IPv4 #1 via daemon 1"
	msg4 QA4b | t_session a4-2
	learnt "IPv4 #2 via daemon 1"
	count_is "2 learnt (read through daemon 2's configuration)" "$T_DIR/shared2.conf" 2

	t_section "(a) 2 < history_min_messages: daemon 2 still defers"
	on 2
	msg6 QA6b | t_session a6-two
	deferred "IPv6 via daemon 2, history 2"

	t_section "(a) a 3rd IPv4 message through daemon 1: daemon 2 accepts IPv6 mail (history:3/0d)"
	on 1
	msg4 QA4c | t_session a4-3
	learnt "IPv4 #3 via daemon 1"
	on 2
	t_log_mark
	msg6 QA6c | t_session a6-three
	t_rc 0 "IPv6 via daemon 2, history 3: session completed"
	t_line "eom: accept" "IPv6 via daemon 2, history 3: accepted"
	t_match "^insheader 0 X-MX6-Verdict: green; reason=history:3/0d; source=$URLRE\$" \
		"IPv6 via daemon 2: X-MX6-Verdict: green; reason=history:3/0d; source=$URL"
	t_match '^insheader 0 Authentication-Results: mx2\.test;.*spf=pass smtp\.mailfrom=friend\.test' \
		"IPv6 via daemon 2: its Authentication-Results (mx2.test, spf=pass)"
	t_nomatch '^reply: ' "IPv6 via daemon 2, history 3: no reply"
	t_log_has "daemon 2 logs the history verdict" "QA6c: client=[$V6]" "class=green" \
		"action=accept" "reasons=history:3/0d" "source=$URL"
	count_is "IPv6 mail teaches nothing" "$T_DIR/shared1.conf" 3
	if [ -n "$have_cli" ]; then
		v=$(redis_get mx6:v1:history:friend.test)
		if printf '%s\n' "$v" | grep -Eqx '3 [0-9]+ [0-9]+' &&
			[ "$(echo "$v" | cut -d' ' -f2)" -le "$(echo "$v" | cut -d' ' -f3)" ]; then
			t_ok "redis key mx6:v1:history:friend.test = \"COUNT FIRST LAST\" with COUNT 3 ($v)"
		else
			t_notok "redis key mx6:v1:history:friend.test = \"3 FIRST LAST\" (got \"$v\")"
		fi
	else
		t_say "# redis-cli not installed: key not read directly"
	fi

	t_section "(a) the other way round: IPv4 through daemon 2, IPv6 through daemon 1"
	on 2
	msg4 QA4d | t_session a4-4
	learnt "IPv4 #4 via daemon 2"
	on 1
	t_log_mark
	msg6 QA6d | t_session a6-four
	t_line "eom: accept" "IPv6 via daemon 1, history 4: accepted"
	t_match "^insheader 0 X-MX6-Verdict: green; reason=history:4/0d; source=$URLRE\$" \
		"IPv6 via daemon 1: X-MX6-Verdict: green; reason=history:4/0d; source=$URL"
	t_match '^insheader 0 Authentication-Results: mx1\.test;' "IPv6 via daemon 1: Authentication-Results by mx1.test"
	t_log_has "daemon 1 logs the history verdict" "QA6d: client=[$V6]" "class=green" "reasons=history:4/0d"
	count_is "4 in the shared store" "$T_DIR/shared1.conf" 4

	t_running "daemon 1 still running"
	if t_alive "$D2_PID"; then t_ok "daemon 2 still running"; else t_notok "daemon 2 still running"; fi
	t_stop
	t_check "daemon 1: SIGTERM, exit status 0 (got $T_STATUS)" [ "$T_STATUS" = 0 ]
	kill -s TERM "$D2_PID"
	wait "$D2_PID"
	st2=$?
	D2_PID=
	t_check "daemon 2: SIGTERM, exit status 0 (got $st2)" [ "$st2" = 0 ]
	stop_pid "$REDIS_PID"
	REDIS_PID=
	if grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:' "$T_DIR/milter.log" "$T_DIR/milter2.log"; then
		t_notok "no sanitizer reports from the two daemons"
	else
		t_ok "no sanitizer reports from the two daemons"
	fi
fi
on 1

# ================================================================ (b)
TOTAL=$((WORKERS * SESSIONS))
t_section "(b) $WORKERS parallel mtclients x $SESSIONS IPv4 sessions, one LMDB store"
conf "$T_DIR/lmdb.conf" mx.test "lmdb:$T_DIR/state-load"
t_start "$T_DIR/lmdb.conf"
count_is "fresh LMDB store" "$T_DIR/lmdb.conf" 0

# make_load PREFIX WORKERS SESSIONS [PAUSE]: PREFIX-W.script for each
# worker W, SESSIONS IPv4 messages each (queue IDs PREFIXwWsN), with a
# pause of PAUSE seconds after each session when given.
make_load() {
	_w=1
	while [ $_w -le "$2" ]; do
		_s=1
		while [ $_s -le "$3" ]; do
			msg4 "$1w${_w}s$_s"
			[ -n "${4:-}" ] && echo "sleep $4"
			_s=$((_s + 1))
		done >"$T_DIR/$1-$_w.script"
		_w=$((_w + 1))
	done
}

# run_load PREFIX WORKERS: start the workers in the background (PIDs in
# LOAD_PIDS); output PREFIX-W.out, stderr PREFIX-W.err.
run_load() {
	LOAD_PIDS=
	_w=1
	while [ $_w -le "$2" ]; do
		"$MTCLIENT" -s "unix:$T_SOCK" -t "$T_TIMEOUT" "$T_DIR/$1-$_w.script" \
			>"$T_DIR/$1-$_w.out" 2>"$T_DIR/$1-$_w.err" &
		LOAD_PIDS="$LOAD_PIDS $!"
		_w=$((_w + 1))
	done
}

# wait_load: wait for the workers; LOAD_BAD = how many exited non-zero.
wait_load() {
	LOAD_BAD=0
	for _p in $LOAD_PIDS; do
		wait "$_p" || LOAD_BAD=$((LOAD_BAD + 1))
	done
	LOAD_PIDS=
}

# lines PREFIX ERE: lines matching ERE in all the workers' output.
lines() {
	cat "$T_DIR/$1"-*.out | grep -Ec -- "$2"
}

make_load load "$WORKERS" "$SESSIONS"
run_load load "$WORKERS"
# Meanwhile mx6-check reads the store (LMDB is multi-process safe):
# every read works and the count never goes down.
reads=0 read_errors=0 last=0 backwards=0
while :; do
	running=
	for p in $LOAD_PIDS; do
		t_alive "$p" && running=1
	done
	if c=$(history "$T_DIR/lmdb.conf"); then
		[ "$c" -lt "$last" ] && backwards=$((backwards + 1))
		last=$c
	else
		read_errors=$((read_errors + 1))
		sed 's/^/  ! /' "$T_DIR/history.err"
	fi
	reads=$((reads + 1))
	[ -n "$running" ] || break
done
wait_load
t_check "all $WORKERS mtclients exited 0 ($LOAD_BAD did not)" [ "$LOAD_BAD" = 0 ]
if cat "$T_DIR"/load-*.err | grep -q .; then
	cat "$T_DIR"/load-*.err | head -n 20 | sed 's/^/  ! /'
	t_notok "nothing on the mtclients' stderr"
else
	t_ok "nothing on the mtclients' stderr"
fi
n=$(lines load '^eom: accept$')
t_check "$TOTAL sessions accepted at end of message (got $n)" [ "$n" = "$TOTAL" ]
n=$(lines load '^(insheader|addheader|reply: )')
t_check "no header and no reply on any IPv4 session (got $n)" [ "$n" = 0 ]
t_check "mx6-check read the store $reads times during the load without an error ($read_errors failed)" \
	[ "$read_errors" = 0 ]
t_check "the count never went down between reads" [ "$backwards" = 0 ]
count_is "after the load" "$T_DIR/lmdb.conf" "$TOTAL"
"$MX6_CHECK" --config "$T_DIR/lmdb.conf" --history friend.test >"$T_DIR/history.txt" 2>&1
if grep -Eqx "friend\\.test: $TOTAL authenticated IPv4 messages, first [0-9]+, last [0-9]+ \\(0 days\\): a greenlist signal" \
	"$T_DIR/history.txt"; then
	t_ok "mx6-check --history (text): $(cat "$T_DIR/history.txt")"
else
	sed 's/^/  ! /' "$T_DIR/history.txt"
	t_notok "mx6-check --history (text): friend.test: $TOTAL authenticated IPv4 messages ... a greenlist signal"
fi
t_log_mark
msg6 QB6 | t_session b6
t_line "eom: accept" "IPv6 after the load: accepted"
t_line "insheader 0 X-MX6-Verdict: green; reason=history:$TOTAL/0d; source=lmdb:$T_DIR/state-load" \
	"IPv6 after the load: X-MX6-Verdict: green; reason=history:$TOTAL/0d; source=lmdb:..."
t_running "daemon still running after the load"
t_stop
t_check "SIGTERM after the load: exit status 0 (got $T_STATUS)" [ "$T_STATUS" = 0 ]

# ================================================================ (c)
CTOTAL=$((CRASH_WORKERS * CRASH_SESSIONS))
KILL_AT=$((CTOTAL / 8))
t_section "(c) SIGKILL during $CRASH_WORKERS x $CRASH_SESSIONS learning sessions (LMDB), restart"
conf "$T_DIR/crash.conf" mx.test "lmdb:$T_DIR/state-crash"
t_start "$T_DIR/crash.conf"
# A short pause after each session stretches the load over a few seconds,
# so that the kill falls in the middle of it however fast the machine is.
make_load crash "$CRASH_WORKERS" "$CRASH_SESSIONS" 0.01
run_load crash "$CRASH_WORKERS"
# Kill once at least KILL_AT messages are learnt (read with mx6-check).
i=0 c=0
while [ $i -lt 300 ]; do
	c=$(history "$T_DIR/crash.conf") || c=0
	[ "$c" -ge "$KILL_AT" ] && break
	sleep 0.05
	i=$((i + 1))
done
killed_pid=$T_PID
kill -s KILL "$T_PID"
# (braces: the shell's own "Killed" notice goes to /dev/null too)
{ wait "$T_PID"; } 2>/dev/null
kst=$?
T_PID=
t_say "# killed mx6-milter (pid $killed_pid, wait status $kst) with $c learnt"
t_check "the daemon died of SIGKILL (status $kst)" [ "$kst" = 137 ]
wait_load
acked=$(lines crash '^eom: accept$')
started=$(lines crash '^connect: ')
t_say "# $acked sessions got \"eom: accept\", $started sessions started, $CTOTAL planned"
mid_load() { [ "$acked" -ge "$KILL_AT" ] && [ "$acked" -lt "$CTOTAL" ] && [ "$LOAD_BAD" -gt 0 ]; }
t_check "the kill fell in the middle of the load ($KILL_AT <= $acked < $CTOTAL, $LOAD_BAD mtclients cut off)" \
	mid_load

after=$(history "$T_DIR/crash.conf")
rc=$?
if [ $rc = 0 ]; then
	t_ok "the store opens after the crash (mx6-check --history: $after)"
else
	sed 's/^/  ! /' "$T_DIR/history.err"
	t_notok "the store opens after the crash (mx6-check --history)"
	after=-1
fi
t_check "nothing acknowledged is lost: count $after >= $acked acknowledged" [ "$after" -ge "$acked" ]
t_check "nothing counted twice: count $after <= $started started" [ "$after" -le "$started" ]
if "$MX6_CHECK" --config "$T_DIR/crash.conf" --export-state >"$T_DIR/export.txt" 2>"$T_DIR/export.err" &&
	grep -Eqx "mx6:v1:history:friend\\.test $after [0-9]+ [0-9]+" "$T_DIR/export.txt"; then
	t_ok "mx6-check --export-state after the crash: $(cat "$T_DIR/export.txt")"
else
	sed 's/^/  ! /' "$T_DIR/export.txt" "$T_DIR/export.err"
	t_notok "mx6-check --export-state after the crash: mx6:v1:history:friend.test $after FIRST LAST"
fi

t_section "(c) restart on the crashed store: learning continues"
t_start "$T_DIR/crash.conf"
t_ok "mx6-milter restarted on lmdb:$T_DIR/state-crash"
for k in 1 2 3 4 5; do
	msg4 "QC4r$k" | t_session "c4-restart-$k"
	learnt "IPv4 #$k after the restart"
done
count_is "after the restart and 5 more messages" "$T_DIR/crash.conf" "$((after + 5))"
msg6 QC6 | t_session c6
t_line "insheader 0 X-MX6-Verdict: green; reason=history:$((after + 5))/0d; source=lmdb:$T_DIR/state-crash" \
	"IPv6 after the restart: X-MX6-Verdict: green; reason=history:$((after + 5))/0d"
t_running "restarted daemon still running"
t_stop
t_check "SIGTERM after the restart: exit status 0 (got $T_STATUS)" [ "$T_STATUS" = 0 ]
if grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:' "$T_LOG"; then
	t_notok "no sanitizer reports in the daemon's log"
else
	t_ok "no sanitizer reports in the daemon's log"
fi

t_done
