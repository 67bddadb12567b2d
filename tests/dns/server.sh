#!/bin/sh
# tests/dns/server.sh -- a real DNS server (unbound) on loopback for tests.
#
# SYNOPSIS
#	server.sh check
#	server.sh start DIR [PORT [ZONEFILE...]]
#	server.sh stop DIR
#
# DESCRIPTION
#	"start" runs unbound(8) in the foreground, in the background, on
#	127.0.0.1@PORT (UDP and TCP) with its configuration, log and state in
#	DIR (created if needed), and returns once it answers queries. PORT
#	defaults to 5353; PORT 0 picks a free port, so suites can run in
#	parallel under "make -j". The port in use is always written to
#	DIR/port, the server's PID to DIR/pid. Point the project's resolver at
#	it with dns_forwarders = 127.0.0.1@$(cat DIR/port) (mx6_dns_new() with
#	forwarders {"127.0.0.1@PORT"}); tests/dns/dns-query asks it from the
#	command line.
#
#	"stop" kills the processes whose PIDs "start" recorded in DIR (and
#	nothing else: each PID is checked to still be ours) and waits for them.
#	Call it from an EXIT trap.
#
#	"check" exits 0 when unbound and python3 are installed; otherwise it
#	prints the reason and exits 77 (automake's "skip"), as does "start".
#
# ZONE FILES
#	Each ZONEFILE holds unbound.conf(5) "server:" clause lines, included
#	verbatim; in practice local-zone, local-data and local-data-ptr lines
#	(one record per line, TTL and class optional). Quote a record that
#	contains double quotes (TXT) with single quotes. Example:
#
#	    local-zone: "example.test." static
#	    local-data: "example.test. 300 IN A 192.0.2.1"
#	    local-data: 'example.test. TXT "v=spf1 ip6:2001:db8::/32 -all"'
#	    local-data: 'sel._domainkey.example.test. TXT "v=DKIM1; k=rsa; " "p=MIG..."'
#	    local-data-ptr: "2001:db8::25 mx.example.test."
#
#	A TXT character-string holds at most 255 bytes: split longer data into
#	several "..." strings in one record (they are joined on reading). With
#	a "static" local-zone, names without data are NXDOMAIN and missing
#	types NODATA. Names under .test, and PTRs under 2001:db8::/32
#	(8.b.d.0.1.0.0.2.ip6.arpa) and 192.0.2.0/24 (2.0.192.in-addr.arpa),
#	work as they are (unlisted ones are NXDOMAIN); for any other name
#	declare a local-zone: what is not local goes to the SERVFAIL responder
#	below, never to the Internet.
#
# BUILT-IN FAILURE ZONES
#	Every name at or under
#	    servfail.test.   is answered SERVFAIL at once (forwarded to a
#	                     responder that answers SERVFAIL to everything);
#	    refused.test.    is REFUSED by the server;
#	    timeout.test.    is never answered (the server drops the query),
#	                     so every client times out, every time;
#	    blackhole.test.  is forwarded to a UDP/TCP black hole
#	                     (tests/dns/blackhole.py): the client times out,
#	                     or gets SERVFAIL once unbound gives up on that
#	                     upstream -- the way a dead authoritative server
#	                     looks in real life.
#	Through libunbound (lib/dns.c) all four are MX6_DNS_TEMPFAIL.
#	The two helper processes' PIDs are in DIR/blackhole.pid and
#	DIR/servfail.pid, their ports in DIR/blackhole.port and
#	DIR/servfail.port; 127.0.0.1@$(cat DIR/blackhole.port) also serves as
#	a dead forwarder for tests of a resolver that gets no answers at all.
#
# ENVIRONMENT
#	UNBOUND (path of the unbound binary), PYTHON (python3).
#
# EXIT STATUS
#	0 success, 1 failure (message on stderr, log in DIR/unbound.log),
#	2 usage, 77 a tool is missing.

set -u

me=server.sh
here=$(cd "$(dirname "$0")" && pwd)

die() {
	printf '%s: %s\n' "$me" "$*" >&2
	exit 1
}

usage() {
	printf 'usage: %s check | start DIR [PORT [ZONEFILE...]] | stop DIR\n' "$me" >&2
	exit 2
}

find_tools() {
	UNBOUND=${UNBOUND:-}
	if [ -z "$UNBOUND" ]; then
		UNBOUND=$(command -v unbound 2>/dev/null) ||
			{ [ -x /usr/sbin/unbound ] && UNBOUND=/usr/sbin/unbound; } ||
			UNBOUND=
	fi
	if [ -z "$UNBOUND" ] || [ ! -x "$UNBOUND" ]; then
		echo "SKIP: unbound is not installed (Debian package unbound)"
		exit 77
	fi
	PYTHON=${PYTHON:-python3}
	if ! command -v "$PYTHON" >/dev/null 2>&1; then
		echo "SKIP: python3 is not installed"
		exit 77
	fi
}

# running PID: the process exists and is not a zombie.
running() {
	kill -0 "$1" 2>/dev/null || return 1
	state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)
	[ "$state" != Z ]
}

# alive PID WORD: PID is running and its command line mentions WORD (so a
# recycled PID is never killed).
alive() {
	running "$1" || return 1
	case $(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) in
	*"$2"*) return 0 ;;
	esac
	return 1
}

# stop_one DIR NAME WORD: kill the process recorded in DIR/NAME.pid (or
# DIR/pid for NAME "unbound") if it is still the one we started.
stop_one() {
	if [ "$2" = unbound ]; then pf=$1/pid; else pf=$1/$2.pid; fi
	[ -f "$pf" ] || return 0
	pid=$(cat "$pf" 2>/dev/null)
	rm -f "$pf"
	case $pid in
	'' | *[!0-9]*) return 0 ;;
	esac
	alive "$pid" "$3" || return 0
	kill "$pid" 2>/dev/null
	n=0
	while alive "$pid" "$3" && [ $n -lt 50 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	if alive "$pid" "$3"; then
		kill -9 "$pid" 2>/dev/null
	fi
	return 0
}

stop_all() {
	stop_one "$1" unbound unbound
	stop_one "$1" blackhole blackhole.py
	stop_one "$1" servfail blackhole.py
}

# start_helper DIR NAME [--servfail]: start blackhole.py, wait for its port.
start_helper() {
	d=$1
	name=$2
	shift 2
	rm -f "$d/$name.port"
	"$PYTHON" "$here/blackhole.py" "$@" --port-file "$d/$name.port" \
		</dev/null >"$d/$name.log" 2>&1 &
	echo $! >"$d/$name.pid"
	n=0
	while [ ! -s "$d/$name.port" ]; do
		if [ $n -ge 100 ] || ! running "$(cat "$d/$name.pid")"; then
			stop_all "$d"
			die "$name responder did not start (see $d/$name.log)"
		fi
		sleep 0.1
		n=$((n + 1))
	done
}

# A free port on 127.0.0.1, for both UDP and TCP (unbound binds both).
free_port() {
	"$PYTHON" -c '
import socket
for _ in range(50):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    p = u.getsockname()[1]
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        t.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        t.close()
        u.close()
    print(p)
    break
'
}

# wait_ready PORT PID: until the server answers a query (at most 10 s).
wait_ready() {
	"$PYTHON" -c '
import os, socket, struct, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
q = struct.pack("!HHHHHH", 0x6d78, 0x0100, 1, 0, 0, 0) + b"\x09localhost\x00" + struct.pack("!HH", 1, 1)
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.2)
    try:
        s.sendto(q, ("127.0.0.1", port))
        if s.recv(4096)[:2] == q[:2]:
            sys.exit(0)
    except OSError:
        time.sleep(0.05)
    finally:
        s.close()
sys.exit(1)
' "$1" "$2"
}

write_conf() {
	d=$1
	p=$2
	shift 2
	cat <<EOF
# Generated by tests/dns/server.sh; see its header.
server:
	verbosity: 1
	interface: 127.0.0.1
	port: $p
	interface-automatic: no
	do-ip4: yes
	do-ip6: no
	do-udp: yes
	do-tcp: yes
	num-threads: 1
	so-reuseport: no
	username: ""
	chroot: ""
	directory: "$d"
	pidfile: ""
	use-syslog: no
	logfile: ""
	access-control: 127.0.0.0/8 allow
	module-config: "iterator"
	do-not-query-localhost: no
	qname-minimisation: no
	harden-referral-path: no
	rrset-roundrobin: no
	infra-keep-probing: yes
	infra-host-ttl: 5
	# the documentation prefixes are blocked by default; serve them
	local-zone: "8.b.d.0.1.0.0.2.ip6.arpa." static
	local-zone: "2.0.192.in-addr.arpa." static
	local-zone: "servfail.test." transparent
	local-zone: "timeout.test." deny
	local-zone: "blackhole.test." transparent
	local-zone: "refused.test." refuse
EOF
	for z in "$@"; do
		printf '\tinclude: "%s"\n' "$z"
	done
	cat <<EOF

forward-zone:
	name: "servfail.test."
	forward-addr: 127.0.0.1@$(cat "$d/servfail.port")
forward-zone:
	name: "blackhole.test."
	forward-addr: 127.0.0.1@$(cat "$d/blackhole.port")
# Nothing ever leaves the machine: the rest of the world is SERVFAIL.
forward-zone:
	name: "."
	forward-addr: 127.0.0.1@$(cat "$d/servfail.port")
EOF
}

cmd_start() {
	[ $# -ge 1 ] || usage
	dir=$1
	port=${2:-5353}
	if [ $# -ge 2 ]; then shift 2; else shift; fi
	case $port in
	'' | *[!0-9]*) die "bad port '$port'" ;;
	esac
	find_tools
	mkdir -p "$dir" || die "cannot create $dir"
	dir=$(cd "$dir" && pwd)
	if [ -f "$dir/pid" ] && alive "$(cat "$dir/pid")" unbound; then
		die "a server is already running from $dir (PID $(cat "$dir/pid"))"
	fi
	zones=
	for z in "$@"; do
		[ -r "$z" ] || die "cannot read zone file $z"
		case $z in
		/*) ;;
		*) z=$(pwd)/$z ;;
		esac
		case $z in
		*'"'* | *' '*) die "zone file path must not contain quotes or spaces: $z" ;;
		esac
		zones="$zones $z"
	done

	start_helper "$dir" blackhole
	start_helper "$dir" servfail --servfail

	tries=0
	while :; do
		tries=$((tries + 1))
		p=$port
		if [ "$port" = 0 ]; then
			p=$(free_port)
			[ -n "$p" ] || { stop_all "$dir"; die "no free port found"; }
		fi
		# shellcheck disable=SC2086 # zone paths have no spaces (checked)
		write_conf "$dir" "$p" $zones >"$dir/unbound.conf"
		if command -v unbound-checkconf >/dev/null 2>&1 &&
			! unbound-checkconf "$dir/unbound.conf" >"$dir/checkconf.log" 2>&1; then
			stop_all "$dir"
			cat "$dir/checkconf.log" >&2
			die "invalid configuration (zone files?): $dir/unbound.conf"
		fi
		"$UNBOUND" -d -p -c "$dir/unbound.conf" </dev/null >"$dir/unbound.log" 2>&1 &
		echo $! >"$dir/pid"
		if wait_ready "$p" "$(cat "$dir/pid")"; then
			echo "$p" >"$dir/port"
			return 0
		fi
		stop_one "$dir" unbound unbound
		# Someone took an automatically chosen port meanwhile: try another.
		if [ "$port" = 0 ] && [ $tries -lt 5 ] &&
			grep -qi 'address already in use\|could not open' "$dir/unbound.log"; then
			continue
		fi
		stop_all "$dir"
		tail -n 20 "$dir/unbound.log" >&2
		die "unbound did not start on 127.0.0.1@$p (see $dir/unbound.log)"
	done
}

cmd_stop() {
	[ $# -eq 1 ] || usage
	[ -d "$1" ] || return 0
	stop_all "$1"
}

[ $# -ge 1 ] || usage
action=$1
shift
case $action in
check)
	find_tools
	exit 0
	;;
start) cmd_start "$@" ;;
stop) cmd_stop "$@" ;;
*) usage ;;
esac
