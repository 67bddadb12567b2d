#!/bin/sh
# learning.sh -- learning (SPEC 6, milter.conf(5) "Learning") against the
# real daemon through the milter protocol, with a real DNS server
# (tests/dns/server.sh) serving SPF records, so that mail is authenticated:
#
# 1. LMDB (state = lmdb:DIR): authenticated IPv4 mail from friend.test is
#    never deferred and gets no header, and is counted (mx6-check
#    --history); below history_min_messages an IPv6 message authenticated
#    as friend.test is deferred, at it it is green (reason history:N/0d,
#    source the store's URL); IPv4 mail that fails SPF, or has no SPF,
#    teaches nothing; --export-state imported into a second store with
#    --import-state exports identically.
# 2. Submission listener: a message from a user the MTA authenticated
#    ({auth_authen}) is accepted untouched and teaches its recipients
#    (mx6-check --addressbook); an inbound IPv6 message authenticated as
#    such a correspondent, to that user, is trusted (reason addressbook,
#    source the store's URL); without {auth_authen} nothing is learnt.
# 3. Redis (state = redis://127.0.0.1:PORT/0): the same history learning;
#    the server killed: IPv6 mail keeps flowing (ip_whitelist accepted,
#    unknown deferred with the normal 450, never 451), IPv4 accepted, one
#    "unavailable" warning for the whole burst, the daemon alive; the
#    server restarted on the same port: "available again", learning
#    resumes by itself, and what was learnt before the outage is there.
#
# Our redis-server runs without persistence (--save '' --appendonly no);
# before killing it the test asks it for one explicit snapshot (SAVE), so
# that the restarted server (same --dir) holds what was learnt before the
# outage, as a persistent production server would.
#
# Skips (77) without unbound or python3; the Redis part is skipped, with
# the reason printed, when redis-server is not installed.
. "$(dirname "$0")/lib.sh"

t_begin "learning: IPv4 history (LMDB, Redis), submission addressbooks, store outage"

DNS_SERVER=$t_top_srcdir/tests/dns/server.sh
MX6_CHECK=${MX6_CHECK:-$t_top_builddir/milter/mx6-check}
PYTHON=${PYTHON:-python3}
export PYTHON

[ -x "$MX6_CHECK" ] || t_skip "mx6-check not built ($MX6_CHECK)"
sh "$DNS_SERVER" check || exit 77

REDIS_DIR=$T_DIR/redis

# stop_redis: stop our redis-server (by its recorded PID), if running.
stop_redis() {
	if [ -f "$REDIS_DIR/pid" ]; then
		_rp=$(cat "$REDIS_DIR/pid")
		kill -s TERM "$_rp" 2>/dev/null
		wait "$_rp" 2>/dev/null
		rm -f "$REDIS_DIR/pid"
	fi
	return 0
}

# Stop the DNS server and redis-server (only the processes we recorded).
# shellcheck disable=SC2154 # _st is set in the trap
trap '_st=$?; stop_redis; sh "$DNS_SERVER" stop "$T_DIR/dns" >/dev/null 2>&1; (exit $_st); t_cleanup' EXIT

DEFER='450 4.7.26 Not accepted over IPv6: message must pass SPF or DKIM or come from a known sender; please retry over IPv4'

# ---------------------------------------------------------------- DNS
# friend.test    SPF for 192.0.2.66 and 2001:db8::66 (no DMARC: an aligned
#                SPF pass authenticates it)
# stranger.test  nothing (spf=none: never authenticated)
cat >"$T_DIR/zone.conf" <<'EOF'
local-zone: "friend.test." static
local-data: 'friend.test. 300 IN TXT "v=spf1 ip4:192.0.2.66 ip6:2001:db8::66 -all"'
local-zone: "stranger.test." static
EOF
t_dns_start "$T_DIR/zone.conf"
PORT=$T_DNS_PORT

printf '# whitelisted IPv6 relay (line 2)\n2001:db8::5\n' >"$T_DIR/ip_whitelist"

# conf FILE STATE-URL [EXTRA-LINES]: the base lines without the offline
# resolver, the test DNS server, learning with a threshold of 3 messages
# and no minimum age, then the extra lines.
conf() {
	{
		t_base_conf | grep -v '^dns_unbound_conf'
		echo "dns_forwarders = 127.0.0.1@$PORT"
		echo "dns_timeout = 2"
		echo "default_mode = defensive"
		echo "listener = mta-v6 defensive"
		echo "listener = submission submission"
		echo "ip_whitelist = ip_whitelist"
		echo "learn = yes"
		echo "state = $2"
		echo "history_min_messages = 3"
		echo "history_min_days = 0"
		[ -n "${3:-}" ] && printf '%s\n' "$3"
	} >"$1"
}

# check NAME CONF ARGS...: run mx6-check; stdout in $T_DIR/NAME.chk,
# stderr in $T_DIR/NAME.chkerr, exit status in $CHK_RC; both shown.
check() {
	_cn=$1
	_cc=$2
	shift 2
	"$MX6_CHECK" --config "$_cc" "$@" >"$T_DIR/$_cn.chk" 2>"$T_DIR/$_cn.chkerr"
	CHK_RC=$?
	printf -- '--- mx6-check %s (exit %s)\n' "$*" "$CHK_RC"
	sed 's/^/  | /' "$T_DIR/$_cn.chk"
	sed 's/^/  ! /' "$T_DIR/$_cn.chkerr"
}

# history_is NAME CONF DOMAIN N DESC: mx6-check --history says DOMAIN has
# N authenticated IPv4 messages (N = 0: no history).
history_is() {
	check "$1" "$2" --history "$3"
	if [ "$4" = 0 ]; then
		_hw="$3: no authenticated IPv4 history"
		if [ "$CHK_RC" = 0 ] && grep -Fxq -- "$_hw" "$T_DIR/$1.chk"; then
			t_ok "$5"
		else
			t_notok "$5 (want \"$_hw\")"
		fi
	elif [ "$CHK_RC" = 0 ] &&
		grep -Eq "^$(printf '%s' "$3" | sed 's/\./\\./g'): $4 authenticated IPv4 messages, " \
			"$T_DIR/$1.chk"; then
		t_ok "$5"
	else
		t_notok "$5 (want $4 messages)"
	fi
}

# v4 NAME CLIENT T_MSG-ARGS...: one IPv4 message (default listener).
v4() {
	_mn=$1
	_mc=$2
	shift 2
	t_msg -q "Q$_mn" "$@" "$_mc" | t_session "$_mn"
}

# v6 NAME CLIENT T_MSG-ARGS...: one IPv6 message on listener mta-v6.
v6() {
	_mn=$1
	_mc=$2
	shift 2
	t_msg -n mta-v6 -q "Q$_mn" "$@" "$_mc" | t_session "$_mn"
}

# sub NAME AUTH T_MSG-ARGS... CLIENT: one message on the submission
# listener, with {auth_authen}=AUTH at MAIL FROM (none when AUTH is "").
sub() {
	_mn=$1
	_ma=$2
	shift 2
	if [ -n "$_ma" ]; then
		t_msg -n submission -q "Q$_mn" "$@" |
			sed "s/^macro M i=Q$_mn\$/macro M i=Q$_mn auth_authen=$_ma/" | t_session "$_mn"
	else
		t_msg -n submission -q "Q$_mn" "$@" | t_session "$_mn"
	fi
}

# v4_accepted DESC: an IPv4 message went through untouched.
v4_accepted() {
	t_rc 0 "$1: session completed"
	t_line "eom: accept" "$1: accepted"
	t_nomatch ': (reject|tempfail|reply)$' "$1: never rejected or deferred"
	t_nomatch '^(insheader|addheader|chgheader)' "$1: no header added or changed"
}

# untouched DESC: accepted, no header added, no verdict, no reply.
untouched() {
	t_rc 0 "$1: session completed"
	t_line "eom: accept" "$1: accepted"
	t_nomatch ': (reject|tempfail|reply)$' "$1: never rejected or deferred"
	t_nomatch '^(insheader|addheader|chgheader)' "$1: no header added or changed (no verdict)"
}

# deferred_eom DESC: the whole message went through and was deferred at
# the end of the message with the default defer_reply, no header added.
deferred_eom() {
	t_rc 0 "$1: session completed"
	t_line "rcpt: continue" "$1: RCPT continues (history could still help)"
	t_line "eom: reply" "$1: deferred at end of message"
	t_line "reply: $DEFER" "$1: default defer_reply (450, not 451)"
	t_nomatch '^reply: 451' "$1: never 451"
	t_nomatch '^(insheader|addheader)' "$1: no header added"
}

# accepted DESC VERDICT-ERE: accepted at end of message with the verdict.
accepted() {
	t_rc 0 "$1: session completed"
	t_match "^insheader 0 X-MX6-Verdict: $2\$" "$1: X-MX6-Verdict: $2"
	t_line "eom: accept" "$1: accepted at end of message"
	t_nomatch '^reply: ' "$1: no reply text"
}

# ere STRING: STRING quoted for an ERE.
ere() {
	printf '%s' "$1" | sed 's/[].[^$*+?(){}|\\]/\\&/g'
}

# ================================================================ 1. LMDB
t_section "LMDB: configuration"
STATE=lmdb:$T_DIR/state
conf "$T_DIR/milter.conf" "$STATE"
sed 's/^/  > /' "$T_DIR/milter.conf"
if "$MX6_MILTER" -n -c "$T_DIR/milter.conf" >"$T_DIR/n.out" 2>&1; then
	t_ok "mx6-milter -n accepts the configuration (learn, lmdb state, submission listener)"
else
	sed 's/^/  ! /' "$T_DIR/n.out"
	t_notok "mx6-milter -n accepts the configuration (learn, lmdb state, submission listener)"
fi
t_start "$T_DIR/milter.conf"
STATE_RE=$(ere "$STATE")

history_is h0 "$T_DIR/milter.conf" friend.test 0 "no history for friend.test at start"

t_section "LMDB: two authenticated IPv4 messages from friend.test (192.0.2.66, SPF pass)"
for n in 1 2; do
	v4 "v4-$n" 192.0.2.66 -f '<alice@friend.test>'
	v4_accepted "IPv4 friend.test #$n"
done
history_is h2 "$T_DIR/milter.conf" friend.test 2 "mx6-check --history: 2 messages"

t_section "LMDB: below the threshold (2 < 3): IPv6 friend.test from 2001:db8::66 deferred"
t_log_mark
v6 v6-two 2001:db8::66 -f '<alice@friend.test>'
deferred_eom "history 2/0d"
t_log_has "history 2: log line, unknown, spf:pass" "Qv6-two: client=[2001:db8::66]" \
	"class=unknown" "action=defer" "spf:pass" 'reply="450 4.7.26"'

t_section "LMDB: third authenticated IPv4 message"
v4 v4-3 192.0.2.66 -f '<alice@friend.test>'
v4_accepted "IPv4 friend.test #3"
history_is h3 "$T_DIR/milter.conf" friend.test 3 "mx6-check --history: 3 messages"
if grep -q ': a greenlist signal$' "$T_DIR/h3.chk"; then
	t_ok "mx6-check --history: 3 messages are a greenlist signal"
else
	t_notok "mx6-check --history: 3 messages are a greenlist signal"
fi
check h3json "$T_DIR/milter.conf" --history friend.test --json
if grep -Eq '^\{"domain":"friend\.test","known":true,"count":3,"first_seen":[0-9]+,"last_seen":[0-9]+\}$' \
	"$T_DIR/h3json.chk"; then
	t_ok "mx6-check --history --json: count 3"
else
	t_notok "mx6-check --history --json: count 3"
fi

t_section "LMDB: at the threshold: IPv6 friend.test from 2001:db8::66 green by history"
t_log_mark
v6 v6-three 2001:db8::66 -f '<alice@friend.test>'
t_line "rcpt: continue" "history 3/0d: RCPT continues"
accepted "history 3/0d" "green; reason=history:3/0d; source=$STATE_RE"
t_match '^insheader 0 Authentication-Results: mx\.test;.*spf=pass smtp\.mailfrom=friend\.test' \
	"history 3/0d: Authentication-Results with spf=pass"
t_log_has "history 3/0d: log line" "Qv6-three: client=[2001:db8::66]" "class=green" \
	"action=accept"
history_is h3b "$T_DIR/milter.conf" friend.test 3 "IPv6 mail teaches nothing: still 3"

t_section "LMDB: unauthenticated IPv4 mail teaches nothing"
v4 v4-spffail 192.0.2.99 -f '<alice@friend.test>'
v4_accepted "IPv4 friend.test from outside its SPF record (spf fail)"
v4 v4-spfnone 192.0.2.66 -f '<alice@stranger.test>'
v4_accepted "IPv4 stranger.test (no SPF record)"
v4 v4-unaligned 192.0.2.66 -H -f '<alice@friend.test>' -h 'From: <someone@stranger.test>' \
	-h 'Subject: not aligned'
v4_accepted "IPv4 SPF pass for friend.test, From stranger.test (not aligned)"
history_is h3c "$T_DIR/milter.conf" friend.test 3 "SPF fail teaches nothing: friend.test still 3"
history_is hs "$T_DIR/milter.conf" stranger.test 0 "no SPF / unaligned teaches nothing: stranger.test has no history"

t_section "LMDB: --export-state into a second store with --import-state"
check exp1 "$T_DIR/milter.conf" --export-state
t_check "--export-state: exit 0" [ "$CHK_RC" = 0 ]
if grep -Eq '^mx6:v1:history:friend\.test 3 [0-9]+ [0-9]+$' "$T_DIR/exp1.chk" &&
	[ "$(grep -c '^mx6:v1:history:' "$T_DIR/exp1.chk")" = 1 ]; then
	t_ok "--export-state: one history entry, friend.test with count 3"
else
	t_notok "--export-state: one history entry, friend.test with count 3"
fi
conf "$T_DIR/second.conf" "lmdb:$T_DIR/state2"
check imp "$T_DIR/second.conf" --import-state "$T_DIR/exp1.chk"
t_check "--import-state: exit 0" [ "$CHK_RC" = 0 ]
t_check "--import-state: reports the entries imported" \
	grep -Eq "imported [0-9]+ entries into lmdb:" "$T_DIR/imp.chkerr"
check exp2 "$T_DIR/second.conf" --export-state
if [ "$CHK_RC" = 0 ] && [ -s "$T_DIR/exp2.chk" ] && cmp -s "$T_DIR/exp1.chk" "$T_DIR/exp2.chk"; then
	t_ok "the second store exports the same text"
else
	t_notok "the second store exports the same text"
fi

# ================================================================ 2. submission
t_section "submission: bob (auth_authen=bob) writes to carol@friend.test"
t_log_mark
sub sub-bob bob -f '<bob@example.net>' -r '<carol@friend.test>' -H \
	-h 'From: Bob <bob@example.net>' -h 'To: <carol@friend.test>' -h 'Subject: hi' 2001:db8::1234
untouched "submission bob"
t_log_lacks "submission: no decision logged" "Qsub-bob:" "class="
check ab-bob "$T_DIR/milter.conf" --addressbook bob@example.net
if [ "$CHK_RC" = 0 ] && grep -Eq '^carol@friend\.test last-seen=[0-9]+$' "$T_DIR/ab-bob.chk"; then
	t_ok "mx6-check --addressbook bob@example.net lists carol@friend.test"
else
	t_notok "mx6-check --addressbook bob@example.net lists carol@friend.test"
fi

t_section "submission: dave without {auth_authen} teaches nothing"
sub sub-noauth '' -f '<dave@example.net>' -r '<erin@friend.test>' -H \
	-h 'From: Dave <dave@example.net>' -h 'Subject: hi' 192.0.2.10
untouched "submission without auth"
check ab-dave "$T_DIR/milter.conf" --addressbook dave@example.net
if [ "$CHK_RC" = 0 ] && [ ! -s "$T_DIR/ab-dave.chk" ]; then
	t_ok "mx6-check --addressbook dave@example.net lists nobody"
else
	t_notok "mx6-check --addressbook dave@example.net lists nobody"
fi
history_is h-sub "$T_DIR/milter.conf" example.net 0 "submission mail teaches no IPv4 history"

t_section "submission: inbound carol@friend.test (SPF pass from 2001:db8::66) to bob: trusted"
t_log_mark
v6 in-carol 2001:db8::66 -H -f '<carol@friend.test>' -r '<bob@example.net>' \
	-h 'From: Carol <carol@friend.test>' -h 'To: <bob@example.net>' -h 'Subject: re: hi'
accepted "carol to bob" "trusted; reason=addressbook; source=$STATE_RE"
t_log_has "carol to bob: log line" "Qin-carol: client=[2001:db8::66]" "class=trusted" "action=accept"

t_section "submission: carol to bob and dave: addressbook of some recipients only"
v6 in-carol-some 2001:db8::66 -H -f '<carol@friend.test>' -r '<bob@example.net>' -r '<dave@example.net>' \
	-h 'From: Carol <carol@friend.test>' -h 'Subject: re: hi'
# Every green signal is listed; the source is the first one's.
accepted "carol to bob + dave" "green; reason=addressbook:some,history:3/0d; source=$STATE_RE"

t_section "submission: another friend.test address to bob: not in bob's book, green by history only"
v6 in-dan 2001:db8::66 -H -f '<dan@friend.test>' -r '<bob@example.net>' \
	-h 'From: Dan <dan@friend.test>' -h 'Subject: hello'
accepted "dan to bob" "green; reason=history:3/0d; source=$STATE_RE"

t_section "submission: carol claimed in From, not authenticated (MAIL FROM stranger.test): deferred"
v6 in-carol-claimed 2001:db8::99 -H -f '<carol@stranger.test>' -r '<bob@example.net>' \
	-h 'From: Carol <carol@friend.test>' -h 'Subject: claimed'
deferred_eom "claimed carol"

t_running "daemon still running after the LMDB and submission parts"
t_stop
t_check "SIGTERM: exit status 0 (got $T_STATUS)" [ "$T_STATUS" = 0 ]

# ================================================================ 3. Redis
t_section "Redis"
if ! command -v redis-server >/dev/null 2>&1; then
	t_say "# SKIP Redis part: redis-server is not installed"
	t_done
fi

# start_redis PORT: start redis-server on 127.0.0.1:PORT in $REDIS_DIR
# (no automatic persistence); the PID in $REDIS_DIR/pid. Returns 1 when
# it exits (the port is taken) or does not get ready within 10 s.
start_redis() {
	mkdir -p "$REDIS_DIR"
	: >"$REDIS_DIR/log"
	redis-server --port "$1" --bind 127.0.0.1 --save '' --appendonly no \
		--dir "$REDIS_DIR" --logfile "$REDIS_DIR/log" --daemonize no </dev/null &
	_rp=$!
	echo "$_rp" >"$REDIS_DIR/pid"
	_ri=0
	while [ $_ri -lt 100 ]; do
		grep -q 'Ready to accept connections' "$REDIS_DIR/log" && return 0
		if ! kill -0 "$_rp" 2>/dev/null; then
			wait "$_rp" 2>/dev/null
			rm -f "$REDIS_DIR/pid"
			return 1
		fi
		sleep 0.1
		_ri=$((_ri + 1))
	done
	stop_redis
	return 1
}

# redis_cmd COMMAND...: one command to our server (RESP over a socket,
# python3, which the DNS server needs anyway); prints the first reply line.
redis_cmd() {
	"$PYTHON" - "$RPORT" "$@" <<'EOF'
import socket, sys
port, args = int(sys.argv[1]), sys.argv[2:]
req = "*%d\r\n" % len(args) + "".join("$%d\r\n%s\r\n" % (len(a), a) for a in args)
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(req.encode())
buf = b""
while not buf.endswith(b"\r\n"):
    chunk = s.recv(4096)
    if not chunk:
        break
    buf += chunk
print(buf.decode(errors="replace").strip())
EOF
}

RPORT=
_n=0
while [ $_n -lt 20 ]; do
	_r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	_p=$((20000 + _r % 12000))
	if start_redis "$_p"; then
		RPORT=$_p
		break
	fi
	_n=$((_n + 1))
done
if [ -z "$RPORT" ]; then
	sed 's/^/  ! /' "$REDIS_DIR/log"
	t_notok "redis-server started on a free 127.0.0.1 port"
	t_done
fi
t_ok "redis-server started on 127.0.0.1:$RPORT (pid $(cat "$REDIS_DIR/pid"))"

RSTATE=redis://127.0.0.1:$RPORT/0
RSTATE_RE=$(ere "$RSTATE")
conf "$T_DIR/redis.conf" "$RSTATE"
t_start "$T_DIR/redis.conf"

t_section "Redis: history learning"
history_is r0 "$T_DIR/redis.conf" friend.test 0 "Redis: no history for friend.test at start"
for n in 1 2 3; do
	v4 "r-v4-$n" 192.0.2.66 -f '<alice@friend.test>'
	v4_accepted "Redis: IPv4 friend.test #$n"
done
v4 r-v4-spffail 192.0.2.99 -f '<alice@friend.test>'
v4_accepted "Redis: IPv4 friend.test with spf fail"
history_is r3 "$T_DIR/redis.conf" friend.test 3 "Redis: mx6-check --history: 3 messages"
t_log_mark
v6 r-v6 2001:db8::66 -f '<alice@friend.test>'
accepted "Redis: history 3/0d" "green; reason=history:3/0d; source=$RSTATE_RE"
t_log_has "Redis: history 3/0d: log line" "Qr-v6: client=[2001:db8::66]" "class=green" "action=accept"

t_section "Redis: the LMDB export imported into Redis database 1 exports the same entries"
conf "$T_DIR/redis1.conf" "redis://127.0.0.1:$RPORT/1"
check rimp "$T_DIR/redis1.conf" --import-state "$T_DIR/exp1.chk"
t_check "--import-state into redis://.../1: exit 0" [ "$CHK_RC" = 0 ]
check rexp1 "$T_DIR/redis1.conf" --export-state
sort "$T_DIR/exp1.chk" >"$T_DIR/exp1.sorted"
sort "$T_DIR/rexp1.chk" >"$T_DIR/rexp1.sorted"
if [ "$CHK_RC" = 0 ] && cmp -s "$T_DIR/exp1.sorted" "$T_DIR/rexp1.sorted"; then
	t_ok "LMDB export = Redis export (sorted)"
else
	t_notok "LMDB export = Redis export (sorted)"
fi

# What was learnt before the outage, to compare with after it.
check rbefore "$T_DIR/redis.conf" --export-state
t_check "Redis: --export-state before the outage: exit 0" [ "$CHK_RC" = 0 ]
before=$(grep '^mx6:v1:history:friend\.test ' "$T_DIR/rbefore.chk")
t_check "Redis: export before the outage has friend.test with count 3" \
	[ "$(printf '%s\n' "$before" | cut -d' ' -f2)" = 3 ]
first_before=$(printf '%s\n' "$before" | cut -d' ' -f3)

t_section "Redis: the server is killed (snapshot first: SAVE)"
save=$(redis_cmd SAVE 2>&1)
t_check "redis SAVE: +OK (got '$save')" [ "$save" = "+OK" ]
RPID=$(cat "$REDIS_DIR/pid")
stop_redis
t_check "redis-server (pid $RPID) stopped" sh -c "! kill -0 $RPID 2>/dev/null"
t_log_mark
v6 out-wl 2001:db8::5 -f '<alice@stranger.test>'
t_rc 0 "outage: whitelisted client: session completed"
t_match '^insheader 0 X-MX6-Verdict: trusted; reason=ip_whitelist; source=.*/ip_whitelist:2$' \
	"outage: whitelisted 2001:db8::5 trusted (ip_whitelist:2)"
t_line "eom: accept" "outage: whitelisted client accepted"
v6 out-unknown 2001:db8::99 -f '<alice@stranger.test>'
deferred_eom "outage: unknown IPv6 client"
v6 out-friend 2001:db8::66 -f '<alice@friend.test>'
deferred_eom "outage: friend.test (history counts as no signal)"
for n in 1 2; do
	v4 "out-v4-$n" 192.0.2.66 -f '<alice@friend.test>'
	v4_accepted "outage: IPv4 friend.test #$n"
done
v6 out-wl2 2001:db8::5 -f '<alice@friend.test>'
t_match '^insheader 0 X-MX6-Verdict: trusted; reason=ip_whitelist; source=.*/ip_whitelist:2$' \
	"outage: whitelisted 2001:db8::5 still trusted after the store failed"
t_line "eom: accept" "outage: whitelisted client accepted after the store failed"
v6 out-unknown2 2001:db8::99 -f '<alice@stranger.test>'
deferred_eom "outage: unknown IPv6 client again"
t_running "outage: daemon still running"
check rdown "$T_DIR/redis.conf" --history friend.test
t_check "outage: mx6-check --history exits 2 (got $CHK_RC)" [ "$CHK_RC" = 2 ]
t_check "outage: mx6-check says the store is unavailable" \
	grep -Fq "state store $RSTATE unavailable" "$T_DIR/rdown.chkerr"
t_log_has "outage: warning logged" "state store $RSTATE unavailable"
nwarn=$(tail -n +"$((T_LOG_MARK + 1))" "$T_LOG" | grep -c 'unavailable')
t_check "outage: exactly one \"unavailable\" warning for the burst (got $nwarn)" [ "$nwarn" = 1 ]
t_log_lacks "outage: no 451 deferral" 'reply="451'
t_log_has "outage: unknown client logged as deferred with 450" "Qout-unknown: client=[2001:db8::99]" \
	"class=unknown" "action=defer" 'reply="450 4.7.26"'

t_section "Redis: the server restarted on the same port"
if start_redis "$RPORT"; then
	t_ok "redis-server restarted on 127.0.0.1:$RPORT (pid $(cat "$REDIS_DIR/pid"))"
else
	sed 's/^/  ! /' "$REDIS_DIR/log"
	t_notok "redis-server restarted on 127.0.0.1:$RPORT"
fi
# The backend holds off for 1 s after its last failure (lib/store_redis.c).
sleep 1.5
t_log_mark
v4 back-v4 192.0.2.66 -f '<alice@friend.test>'
v4_accepted "after restart: IPv4 friend.test"
t_log_has "after restart: \"available again\" logged" "state store $RSTATE available again"
history_is rback "$T_DIR/redis.conf" friend.test 4 \
	"after restart: learning resumed by itself (3 before the outage + 1 = 4)"
check rafter "$T_DIR/redis.conf" --export-state
after=$(grep '^mx6:v1:history:friend\.test ' "$T_DIR/rafter.chk")
t_check "after restart: export has friend.test with count 4 (got '$after')" \
	[ "$(printf '%s\n' "$after" | cut -d' ' -f2)" = 4 ]
first_after=$(printf '%s\n' "$after" | cut -d' ' -f3)
t_check "after restart: first-seen time from before the outage kept ($first_before)" \
	[ "${first_before:-none}" = "$first_after" ]
v6 back-v6 2001:db8::66 -f '<alice@friend.test>'
accepted "after restart: IPv6 friend.test green again" "green; reason=history:4/0d; source=$RSTATE_RE"
nwarn=$(tail -n +"$((T_LOG_MARK + 1))" "$T_LOG" | grep -c 'unavailable')
t_check "after restart: no further \"unavailable\" warning (got $nwarn)" [ "$nwarn" = 0 ]

t_running "daemon still running at the end"
t_stop
t_check "SIGTERM: exit status 0 (got $T_STATUS)" [ "$T_STATUS" = 0 ]

t_done
