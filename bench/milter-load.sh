# bench/milter-load.sh -- the part of bench/run without an MTA, sourced by
# it: decision latency per stage and memory per concurrent session, through
# bench/milter-load against the milters bench/run started.
#
# latency_runs	LATENCY sessions, one at a time, per configuration (mx6-milter
#		IPv4, IPv6 on the ip_whitelist, IPv6 full authentication with
#		its DNS answers cached; the no-op milter), their outcomes
#		checked; writes $D/latency.tsv, with the time spent inside
#		mx6-milter per stage from its /metrics (bench/inproc.awk)
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

# scrape FILE: mx6-milter's /metrics (metrics_listen of the latency milter).
scrape() {
	python3 - "http://127.0.0.1:$METRICS_PORT/metrics" "$1" <<'PY' || die "cannot scrape /metrics"
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=10) as r:
    open(sys.argv[2], "wb").write(r.read())
PY
}

# load_inproc LABEL CLIENT DAEMON: LATENCY sessions against the latency milter, then the
# time it spent inside per stage, from its histograms before and after.
# A warm-up pass of 50 unrecorded sessions comes first, so that every DNS
# answer the sessions need is cached (mx6-milter's answer cache, or
# libunbound's) before the first scrape: bench/inproc.awk's dns line says
# how many lookups the run made and how many left the process's caches.
# The run's own 50 client-side warm-up sessions are in the histograms too.
load_inproc() {
	local label=$1 client=$2 daemon=$3
	load "$label" "$D/mx6.sock" "$client" "$daemon" -n 1 -w 49 >/dev/null
	scrape "$D/metrics-before"
	load "$label" "$D/mx6.sock" "$client" "$daemon" -n "$LATENCY"
	scrape "$D/metrics-after"
	awk -v label="$label" -f "$HERE/inproc.awk" "$D/metrics-before" "$D/metrics-after"
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
	load_inproc mx6-ipv4 $CLIENT_V4 mta-v4 >>"$out"
	load_inproc mx6-ipv6-whitelisted $WL_CLIENT mta-v6 >>"$out"
	load_inproc mx6-ipv6-auth $CLIENT mta-v6 >>"$out"
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
	echo "### Inside mx6-milter (its mx6_decision_seconds histogram)"
	echo
	echo "The time from entering a milter callback to leaving it (evidence gathering, the decision, the header changes queued at EOM), per stage, from the milter's own histogram scraped at metrics_listen before and after each configuration's sessions (the recorded ones and milter-load's 50 warm-up ones), in µs. Quantiles are the upper bound of the histogram bucket they fall in (buckets 10, 25, 50, 75, 100, 150, 250, 500 µs, 1 ms, ...): an upper estimate; the mean is exact. connect, helo and eoh take no reply (SMFIP_NR_*); body is one observation per body chunk (one here: DKIM body hashing); eom includes the DKIM signature verification (RSA 2048) and DMARC."
	echo
	echo "| configuration | stage | observations | p50 ≤ | p99 ≤ | p99.9 ≤ | mean |"
	echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
	awk -F '\t' '$1 == "inproc" { printf "| %s | %s | %s | %s | %s | %s | %s |\n", $2, $3, $4, $5, $6, $7, $8 }' "$D/latency.tsv"
	echo
	echo "DNS during those sessions: before the first scrape an unrecorded pass of 50 sessions asked every name the sessions ask, so the answers came from the process's caches (mx6-milter's answer cache, else libunbound's). Per configuration: lookups, those answered by mx6-milter's own answer cache, and the time of all of them (mx6_dns_query_duration_seconds, cache hits included: mean, and how many within 0.5 ms):"
	echo
	awk -F '\t' '$1 == "dns" { printf "    %s: %s lookups, %s from mx6-milter'"'"'s cache; %s timed: mean %s µs, %s within 0.5 ms\n", $2, $3, $4, $5, $6, $7 }' "$D/latency.tsv"
	echo
	echo "### Round trips seen by the client (bench/milter-load)"
	echo
	echo "$LATENCY sessions per configuration after 50 unrecorded ones; time from writing a command to reading the milter's final answer to it, in µs: the in-process time above plus the milter protocol round trip and libmilter's thread wake-ups (the no-op milter's figures are that floor). Steps the milter takes without a reply (SMFIP_NR_*: connect, HELO, headers, end of headers for mx6-milter) have no latency of their own: their work shows in the next step that has a reply."
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
	echo "| milter | sessions | VmRSS idle MB | VmRSS open MB | per session KB | VmHWM MB | RssAnon idle MB | RssAnon open MB | RssFile open MB | PSS open MB |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	awk -F '\t' '$1 == "rss" { printf "| %s | %s | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |\n", $2, $3, $4 / 1024, $5 / 1024, $7, $6 / 1024, $8 / 1024, $9 / 1024, $11 / 1024, $10 / 1024 }' "$D/rss.tsv"
	echo
	echo "VmRSS counts every page of the shared libraries the milter has touched (RssFile: libcrypto, libc, libunbound, ...), pages that every process using those libraries shares; RssAnon is the milter's own memory; PSS divides the shared pages by the number of processes sharing them."
	echo
	echo "## Targets (latency, memory)"
	echo
	awk -F '\t' '
		$1 == "inproc" {
			p = ($6 ~ /^>/) ? 1e12 : $6 + 0
			printf "- p99 decision time inside mx6-milter, DNS cached, < 100 µs, %s %s: p99 ≤ %s µs (p50 ≤ %s, p99.9 ≤ %s) → **%s**\n", $2, $3, $6, $5, $7, p <= 100 ? "met" : "missed"
		}
		$1 == "latency" && $2 ~ /^mx6/ && $6 > worst { worst = $6; at = $2 " " $3 }
		END { printf "- p99 round trip seen by the client (protocol and libmilter included): worst %.1f µs (%s)\n", worst, at }
	' "$D/latency.tsv"
	awk -F '\t' '
		$1 == "rss" && $3 == 100 && $2 ~ /^mx6/ {
			printf "- RSS < 10 MB at 100 concurrent sessions, %s: VmRSS %.1f MB → **%s** (RssAnon %.1f MB, RssFile %.1f MB, PSS %.1f MB)\n", $2, $5 / 1024, ($5 < 10240) ? "met" : "missed", $9 / 1024, $11 / 1024, $10 / 1024
		}
	' "$D/rss.tsv"
}

