#!/bin/sh
# tests/store/redis.sh -- lib/store_redis.c against a real redis-server.
#
# Starts private redis-servers (no persistence, bound to 127.0.0.1 on a
# free port, each stopped by its own PID) and drives the Redis backend
# through tests/store/store-cli: get, put, history_incr and scan (glob
# characters in the prefix, several SCAN batches); 4 processes and 8
# threads counting the same key at once (exact counts); database
# selection; a password (right, wrong, missing); a server stopped, hung
# (SIGSTOP) and back, where each operation fails within the time-out
# (1 s; asserted <= 3 s), fails at once while the backend holds off, and
# works again without reopening once the server answers.
#
# Runs from the top build directory (make check) with $srcdir pointing at
# the top source directory; STORE_CLI overrides the driver's path and
# MX6_TEST_KEEP=1 keeps the scratch directory. Exits 77 when redis-server
# is missing.

set -u

STORE_CLI=${STORE_CLI:-./tests/store/store-cli}
MAX_MS=3000  # an operation on a dead or hung server (time-out 1 s)
FAST_MS=200  # an operation while the backend holds off

command -v redis-server >/dev/null 2>&1 || {
	echo "SKIP: redis-server is not installed"
	exit 77
}
[ -x "$STORE_CLI" ] || { echo "SKIP: $STORE_CLI is not built"; exit 77; }

T=$(mktemp -d "${TMPDIR:-/tmp}/mx6-redis.XXXXXX") || exit 1

# stop_redis DIR: stops the server started in DIR (by its PID), if any.
stop_redis() {
	if [ -f "$1/pid" ]; then
		pid=$(cat "$1/pid")
		kill -CONT "$pid" 2>/dev/null
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		rm -f "$1/pid"
	fi
}

cleanup() {
	for d in "$T"/redis-*; do
		[ -d "$d" ] && stop_redis "$d"
	done
	if [ -n "${MX6_TEST_KEEP:-}" ]; then
		echo "# kept $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# start_redis DIR PORT [ARG...]: starts redis-server on 127.0.0.1:PORT
# with DIR as its directory, waits until it accepts connections; writes
# DIR/pid. Returns 1 when it exits (e.g. the port is taken) or hangs.
start_redis() {
	dir=$1
	port=$2
	shift 2
	mkdir -p "$dir"
	: >"$dir/log"
	redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
		--dir "$dir" --logfile "$dir/log" --daemonize no "$@" &
	pid=$!
	echo "$pid" >"$dir/pid"
	i=0
	while [ $i -lt 100 ]; do
		grep -q 'Ready to accept connections' "$dir/log" && return 0
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" 2>/dev/null
			rm -f "$dir/pid"
			return 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	stop_redis "$dir"
	return 1
}

# start_free DIR [ARG...]: start_redis on a free port (below the Linux
# ephemeral range); the port in DIR/port.
start_free() {
	d=$1
	shift
	n=0
	while [ $n -lt 20 ]; do
		r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
		p=$((20000 + r % 12000))
		if start_redis "$d" "$p" "$@"; then
			echo "$p" >"$d/port"
			return 0
		fi
		n=$((n + 1))
	done
	echo "cannot start redis-server; last log:" >&2
	cat "$d/log" >&2
	return 1
}

passed=0
failed=0
pass() {
	echo "ok - $1"
	passed=$((passed + 1))
}
fail() {
	echo "not ok - $1"
	failed=$((failed + 1))
}
# expect_ok DESCRIPTION COMMAND...: passes when COMMAND succeeds.
expect_ok() {
	desc=$1
	shift
	if "$@"; then
		pass "$desc"
	else
		fail "$desc"
	fi
}

# check DESCRIPTION FILE LINE-NUMBER WANT [MAX_MS [MIN_MS]]: line
# LINE-NUMBER of FILE, without its " ms=N" (entry lines have none), must
# be WANT, and N within MIN_MS..MAX_MS when given.
check() {
	line=$(sed -n "$3p" "$2")
	case $line in
	*" ms="*)
		got=${line% ms=*}
		ms=${line##* ms=}
		;;
	*)
		got=$line
		ms=0
		;;
	esac
	if [ "$got" = "$4" ] && [ "$ms" -le "${5:-999999}" ] && [ "$ms" -ge "${6:-0}" ]; then
		pass "$1 ($ms ms)"
	else
		fail "$1"
		echo "#   got:  '$line'"
		echo "#   want: '$4' in ${6:-0}..${5:-any} ms"
	fi
}

# run FILE [CLI-ARG...] < SCRIPT: runs store-cli on the first server,
# output in FILE.
run() {
	out=$1
	shift
	"$STORE_CLI" "$@" 127.0.0.1 "$PORT" >"$out" 2>"$out.err"
}

start_free "$T/redis-a" || exit 1
PORT=$(cat "$T/redis-a/port")
echo "# redis-server on 127.0.0.1:$PORT (pid $(cat "$T/redis-a/pid"))"

# --- operations ------------------------------------------------------
run "$T/basic" <<'EOF'
get mx6:v1:history:missing.test
put mx6:v1:ab:alice:bob 100
get mx6:v1:ab:alice:bob
put mx6:v1:ab:alice:bob 200
get mx6:v1:ab:alice:bob
incr mx6:v1:history:example.test 100
get mx6:v1:history:example.test
incr mx6:v1:history:example.test 200
get mx6:v1:history:example.test
put mx6:v1:history:bad.test not a history
incr mx6:v1:history:bad.test 300
get mx6:v1:history:bad.test
put mx6:v1:history:old.test 41 -5 7
incr mx6:v1:history:old.test 1700000000
get mx6:v1:history:old.test
put mx6:v1:ab:a*b:x 1
put mx6:v1:ab:aXb:x 2
put mx6:v1:ab:a?[x]\:y 3
scan mx6:v1:ab:alice:
scan mx6:v1:history:
scan mx6:v1:ab:a*b:
scan mx6:v1:ab:a?[x]\:
scan mx6:v1:nothing:
EOF
B=$T/basic
check "get of a missing key is 0" "$B" 1 "get rc=0"
check "put" "$B" 2 "put rc=0"
check "get after put" "$B" 3 "get rc=1 value=100"
check "put replaces" "$B" 5 "get rc=1 value=200"
check "history_incr on a new key" "$B" 6 "incr rc=0"
check "new history is '1 NOW NOW'" "$B" 7 "get rc=1 value=1 100 100"
check "history keeps first-seen, updates last-seen" "$B" 9 "get rc=1 value=2 100 200"
check "an unparsable history starts again" "$B" 12 "get rc=1 value=1 300 300"
check "an imported history counts on" "$B" 15 "get rc=1 value=42 -5 1700000000"
check "scan by user" "$B" 19 "entry mx6:v1:ab:alice:bob 200"
check "scan by user: one entry" "$B" 20 "scan rc=0 count=1"
check "scan history 1" "$B" 21 "entry mx6:v1:history:bad.test 1 300 300"
check "scan history 2" "$B" 22 "entry mx6:v1:history:example.test 2 100 200"
check "scan history 3" "$B" 23 "entry mx6:v1:history:old.test 42 -5 1700000000"
check "scan history: three entries" "$B" 24 "scan rc=0 count=3"
check "scan prefix with '*' is literal" "$B" 25 "entry mx6:v1:ab:a*b:x 1"
check "scan prefix with '*': one entry" "$B" 26 "scan rc=0 count=1"
check "scan prefix with '?[]\\' is literal" "$B" 27 "entry mx6:v1:ab:a?[x]\\:y 3"
check "scan prefix with '?[]\\': one entry" "$B" 28 "scan rc=0 count=1"
check "scan of nothing" "$B" 29 "scan rc=0 count=0"

# Several SCAN batches (COUNT 1000) and MGETs, among other keys.
i=0
while [ $i -lt 2500 ]; do
	echo "put mx6:v1:ab:many:c$i.test $i"
	echo "put mx6:v1:ab:manyother:c$i.test $i"
	i=$((i + 1))
done >"$T/many.in"
echo "scan mx6:v1:ab:many:" >>"$T/many.in"
run "$T/many" <"$T/many.in"
if [ "$(grep -c '^put rc=0 ' "$T/many")" -eq 5000 ] &&
	[ "$(grep -c '^entry mx6:v1:ab:many:c' "$T/many")" -eq 2500 ] &&
	[ "$(grep '^entry ' "$T/many" | sort -u | wc -l)" -eq 2500 ] &&
	grep -q '^entry mx6:v1:ab:many:c2499.test 2499$' "$T/many"; then
	pass "scan of 2500 among 5000 keys"
else
	fail "scan of 2500 among 5000 keys"
fi
check "scan of 2500: count" "$T/many" 7501 "scan rc=0 count=2500"

# Databases: a key in db 3 is not in db 0; db 99 does not exist.
echo "put mx6:v1:ab:db:x 3" | run "$T/db3" -d 3
echo "get mx6:v1:ab:db:x" | run "$T/db0"
echo "get mx6:v1:ab:db:x" | run "$T/db3b" -d 3
check "put in db 3" "$T/db3" 1 "put rc=0"
check "db 0 does not see db 3" "$T/db0" 1 "get rc=0"
check "db 3 sees db 3" "$T/db3b" 1 "get rc=1 value=3"
if echo "get x" | run "$T/db99" -d 99; then
	fail "open of a database out of range fails"
else
	expect_ok "open of a database out of range fails" \
		grep -q 'SELECT 99: ERR DB index is out of range' "$T/db99"
fi

# --- concurrency -----------------------------------------------------
# 4 processes x 500 history_incr on one key (as 4 MX hosts would).
K=mx6:v1:history:parallel.test
for n in 1 2 3 4; do
	echo "stress 1 500 $K 1000" | run "$T/par$n" &
	eval "par_$n=\$!"
done
# shellcheck disable=SC2154 # set by eval above
wait "$par_1" "$par_2" "$par_3" "$par_4"
ok=1
for n in 1 2 3 4; do
	grep -q '^stress ok=500 failed=0 ' "$T/par$n" || ok=
	sed 's/^/# process '"$n"': /' "$T/par$n"
done
expect_ok "4 processes x 500 history_incr all succeed" [ -n "$ok" ]
echo "get $K" | run "$T/parget"
check "4 x 500 history_incr: exact count" "$T/parget" 1 "get rc=1 value=2000 1000 1000"

# 8 threads x 250 on one backend (the connection pool).
K=mx6:v1:history:threads.test
printf 'incr %s 7\nstress 8 250 %s 9\nget %s\n' $K $K $K | run "$T/thr"
check "8 threads x 250 history_incr all succeed" "$T/thr" 2 "stress ok=2000 failed=0"
check "8 threads x 250 history_incr: exact count" "$T/thr" 3 "get rc=1 value=2001 7 9"
sed 's/^/# /' "$T/thr"

# --- password --------------------------------------------------------
start_free "$T/redis-pw" --requirepass 's3cret pass' || exit 1
PWPORT=$(cat "$T/redis-pw/port")
printf 'put mx6:v1:ab:pw:x 1\nget mx6:v1:ab:pw:x\n' |
	"$STORE_CLI" -a 's3cret pass' -d 2 127.0.0.1 "$PWPORT" >"$T/pw-right" 2>&1
check "right password: put" "$T/pw-right" 1 "put rc=0"
check "right password: get" "$T/pw-right" 2 "get rc=1 value=1"
if echo "get mx6:v1:ab:pw:x" |
	"$STORE_CLI" -a not-the-s3cret 127.0.0.1 "$PWPORT" >"$T/pw-wrong" 2>&1; then
	fail "wrong password: open fails"
else
	expect_ok "wrong password: open fails" \
		grep -q '^open failed: redis://127.0.0.1:'"$PWPORT"'/0: AUTH: WRONGPASS' "$T/pw-wrong"
fi
sed 's/^/# /' "$T/pw-wrong"
expect_ok "the password is not in the message" [ -z "$(grep 's3cret' "$T/pw-wrong")" ]
if echo "get mx6:v1:ab:pw:x" | "$STORE_CLI" 127.0.0.1 "$PWPORT" >"$T/pw-none" 2>&1; then
	fail "missing password: open fails"
else
	expect_ok "missing password: open fails" grep -q '^open failed: .*NOAUTH' "$T/pw-none"
fi
stop_redis "$T/redis-pw"

# A server that is not there at open: not an error, operations fail.
printf 'get x\nget x\n' | "$STORE_CLI" 127.0.0.1 "$PWPORT" >"$T/absent" 2>&1
check "no server at open: open succeeds, get fails" "$T/absent" 1 "get rc=-1" $MAX_MS

# --- faults ----------------------------------------------------------
# One backend through a stopped server, a restarted one, a hung one
# (SIGSTOP) and the same one going on (SIGCONT). The driver waits for
# the go files this shell creates after each change.
F=$T/faults
cat >"$F.in" <<EOF
put mx6:v1:ab:f:x 1
get mx6:v1:ab:f:x
signal $F.ready1
wait $F.go1
putn mx6:v1:ab:f:big 4000000
get mx6:v1:ab:f:x
incr mx6:v1:history:f.test 1
sleep 1100
get mx6:v1:ab:f:x
scan mx6:v1:
put mx6:v1:ab:f:x 2
signal $F.ready2
wait $F.go2
sleep 1100
get mx6:v1:ab:f:x
put mx6:v1:ab:f:x 3
get mx6:v1:ab:f:x
incr mx6:v1:history:f.test 10
signal $F.ready3
wait $F.go3
get mx6:v1:ab:f:x
get mx6:v1:ab:f:x
incr mx6:v1:history:f.test 15
sleep 1100
get mx6:v1:ab:f:x
scan mx6:v1:
signal $F.ready4
wait $F.go4
sleep 1100
get mx6:v1:ab:f:x
incr mx6:v1:history:f.test 20
get mx6:v1:history:f.test
EOF
run "$F" <"$F.in" &
cli=$!
# await NAME: waits (up to 60 s) for the driver's signal file.
await() {
	i=0
	while [ ! -f "$F.$1" ] && [ $i -lt 600 ] && kill -0 "$cli" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -f "$F.$1" ]
}
if await ready1; then
	stop_redis "$T/redis-a"
	touch "$F.go1"
fi
if await ready2; then
	start_redis "$T/redis-a" "$PORT" || echo "# cannot restart redis-server on $PORT"
	touch "$F.go2"
fi
if await ready3; then
	kill -STOP "$(cat "$T/redis-a/pid")"
	touch "$F.go3"
fi
if await ready4; then
	kill -CONT "$(cat "$T/redis-a/pid")"
	touch "$F.go4"
fi
wait "$cli"
echo "# driver exit $?"
sed 's/^/# /' "$F"

check "up: put" "$F" 1 "put rc=0"
check "up: get" "$F" 2 "get rc=1 value=1"
check "stopped: a large put fails (no SIGPIPE)" "$F" 5 "put rc=-1" $MAX_MS
check "stopped: get fails at once (held off)" "$F" 6 "get rc=-1" $FAST_MS
check "stopped: history_incr fails at once (held off)" "$F" 7 "incr rc=-1" $FAST_MS
check "stopped: get fails after the hold-off" "$F" 9 "get rc=-1" $MAX_MS
check "stopped: scan fails" "$F" 10 "scan rc=-1 count=0" $MAX_MS
check "stopped: put fails" "$F" 11 "put rc=-1" $MAX_MS
check "restarted: get works again (empty server)" "$F" 15 "get rc=0" $MAX_MS
check "restarted: put works again" "$F" 16 "put rc=0"
check "restarted: get" "$F" 17 "get rc=1 value=3"
check "restarted: history_incr" "$F" 18 "incr rc=0"
check "hung: get fails within the time-out" "$F" 21 "get rc=-1" $MAX_MS 900
check "hung: get fails at once (held off)" "$F" 22 "get rc=-1" $FAST_MS
check "hung: history_incr fails at once (held off)" "$F" 23 "incr rc=-1" $FAST_MS
check "hung: get after the hold-off fails within the time-out" "$F" 25 "get rc=-1" $MAX_MS 900
check "hung: scan fails at once (held off)" "$F" 26 "scan rc=-1 count=0" $FAST_MS
check "resumed: get" "$F" 30 "get rc=1 value=3" $MAX_MS
check "resumed: history_incr" "$F" 31 "incr rc=0"
check "resumed: history kept first-seen" "$F" 32 "get rc=1 value=2 10 20"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
