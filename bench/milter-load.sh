# bench/milter-load.sh -- the part of bench/run without an MTA, sourced by
# it: decision latency per stage and memory per concurrent session, through
# bench/milter-load against the milters bench/run started.
#
# latency_runs	LATENCY sessions, one at a time, per configuration (mx6-milter
#		IPv4, IPv6 on the ip_whitelist, IPv6 full authentication with
#		its DNS answers cached; the no-op milter), their outcomes
#		checked; writes $D/latency.tsv
# rss_runs	1, 100 and 1000 concurrent sessions against fresh milters
#		(mx6-milter without and with the million-entry lists, the no-op
#		milter); writes $D/rss.tsv
# load_report	the markdown tables and targets of both
#
# Uses bench/run's variables and functions (D, LOADGEN, NOOP, CLIENT*,
# mx6_conf, launch_mx6, wait_socket, stop, die, ...).

# load LABEL SOCKET CLIENT DAEMON ARGS...: bench/milter-load with the
# benchmark's message and envelope.
load() {
	local label=$1 sock=$2 client=$3 daemon=$4
	shift 4
	"$LOADGEN" -s "unix:$sock" -l "$label" -a "$client" -d "$daemon" -F "$D/signed.eml" \
		-H "client.$DOMAIN" -f "<alice@$DOMAIN>" -r "<bench@example.net>" "$@" \
		2>"$D/load.err" || die "milter-load $label $*: $(cat "$D/load.err")"
}

# want_load FILE LABEL PATTERN WHAT: a line of FILE for LABEL matches PATTERN.
want_load() {
	grep -q "^[a-z]*	$2	.*$3" "$1" || die "milter-load $2: no $4 (see $1)"
}

# Decision latency, one session after the other, against the milters that
# served the Postfix rounds (their DNS answers are cached by now).
latency_runs() {
	local out=$D/latency.tsv
	: >"$out"
	load mx6-ipv4 "$D/mx6.sock" $CLIENT_V4 mta-v4 -n "$LATENCY" >>"$out"
	load mx6-ipv6-whitelisted "$D/mx6.sock" $WL_CLIENT mta-v6 -n "$LATENCY" >>"$out"
	load mx6-ipv6-auth "$D/mx6.sock" $CLIENT mta-v6 -n "$LATENCY" >>"$out"
	load noop "$D/noop.sock" $CLIENT bench-noop -n "$LATENCY" >>"$out"
	# The path measured is the one intended.
	want_load "$out" mx6-ipv6-auth 'X-MX6-Verdict: green' "green verdict"
	want_load "$out" mx6-ipv6-auth 'spf=pass.*dkim=pass.*dmarc=pass.*iprev=pass' "full authentication"
	want_load "$out" mx6-ipv6-whitelisted 'X-MX6-Verdict: trusted' "trusted verdict"
	want_load "$out" mx6-ipv4 "eom:[ac]	$LATENCY\$" "accepted IPv4 message"
	grep -q '^added	mx6-ipv4	X-MX6' "$out" && die "milter-load mx6-ipv4: a verdict header over IPv4"
	return 0
}

# Memory per concurrent session, against fresh milters (so that what they
# hold is the sessions', not what the Postfix rounds left behind).
rss_runs() {
	local out=$D/rss.tsv name conf pid c
	: >"$out"
	mx6_conf "$D/lean.conf" "$D/lean.sock"
	mx6_conf "$D/full.conf" "$D/full.sock" lists
	for name in lean full; do
		launch_mx6 "$D/$name.conf" "$D/$name.log"
		pid=$!
		LOAD_PIDS="$LOAD_PIDS $pid"
		wait_socket "$D/$name.sock" "$pid" "mx6-milter ($name)" "$D/$name.log" 600
		# One session first: the configuration is loaded, DNS answers cached.
		load "mx6-$name" "$D/$name.sock" $CLIENT mta-v6 -n 1 -w 0 >/dev/null
		for c in 1 100 1000; do
			load "mx6-$name" "$D/$name.sock" $CLIENT mta-v6 -c $c -p "$pid" >>"$out"
		done
		stop "$pid"
	done
	"$NOOP" "unix:$D/noop2.sock" >"$D/noop2.log" 2>&1 &
	pid=$!
	LOAD_PIDS="$LOAD_PIDS $pid"
	wait_socket "$D/noop2.sock" "$pid" noop-milter "$D/noop2.log"
	for c in 1 100 1000; do
		load noop "$D/noop2.sock" $CLIENT bench-noop -c $c -p "$pid" >>"$out"
	done
	stop "$pid"
}

# load_report: the latency and memory tables and their targets.
load_report() {
	echo "## Decision latency (bench/milter-load, no MTA, one session at a time)"
	echo
	echo "$LATENCY sessions per configuration after 50 unrecorded ones; time from writing a command to reading the milter's final answer to it, in µs. Steps the milter takes without a reply (SMFIP_NR_*: connect, HELO, headers, end of headers for mx6-milter) have no latency of their own: their work shows in the next step that has a reply. DNS answers come from the cache (the Postfix rounds and the warm-up sessions asked the same names)."
	echo
	echo "| configuration | stage | sessions | p50 | p99 | p99.9 | max |"
	echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
	awk -F '\t' '$1 == "latency" { printf "| %s | %s | %s | %s | %s | %s | %s |\n", $2, $3, $4, $5, $6, $7, $8 }' "$D/latency.tsv"
	echo
	echo "How the sessions ended, and what the milter added to the last one:"
	echo
	awk -F '\t' '$1 == "outcome" { printf "    %s: %s x %s\n", $2, $3, $4 } $1 == "added" { printf "    %s: %s\n", $2, $3 }' "$D/latency.tsv" |
		sed "s|$D/|SCRATCH/|g"
	echo
	echo "## Memory per concurrent session (bench/milter-load, no MTA)"
	echo
	echo "Fresh milters; N sessions opened at once and driven in lock step to the end of headers, then VmRSS read with all of them open. mx6-lean: the benchmark configuration without the million-entry lists; mx6-full: with them."
	echo
	echo "| milter | sessions | VmRSS idle MB | VmRSS open MB | per session KB | VmHWM MB | RssAnon idle MB | RssAnon open MB | PSS open MB |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	awk -F '\t' '$1 == "rss" { printf "| %s | %s | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |\n", $2, $3, $4 / 1024, $5 / 1024, $7, $6 / 1024, $8 / 1024, $9 / 1024, $10 / 1024 }' "$D/rss.tsv"
	echo
	echo "VmRSS counts every page of the shared libraries the milter has touched (RssFile: libcrypto, libc, libunbound, ...), pages that every process using those libraries shares; RssAnon is the milter's own memory; PSS divides the shared pages by the number of processes sharing them."
	echo
	echo "## Targets (latency, memory)"
	echo
	awk -F '\t' '
		$1 == "latency" && $2 ~ /^mx6/ && $6 > worst { worst = $6; at = $2 " " $3 }
		END { printf "- p99 decision time, DNS cached, < 100 µs: worst p99 %.1f µs (%s) → **%s**\n", worst, at, worst < 100 ? "met" : "missed" }
	' "$D/latency.tsv"
	awk -F '\t' '
		$1 == "rss" && $3 == 100 && $2 ~ /^mx6/ {
			printf "- RSS < 10 MB at 100 concurrent sessions, %s: VmRSS %.1f MB → **%s** (RssAnon %.1f MB)\n", $2, $5 / 1024, ($5 < 10240) ? "met" : "missed", $9 / 1024
		}
	' "$D/rss.tsv"
}

