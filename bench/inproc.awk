# bench/inproc.awk -- the time spent inside mx6-milter during one
# milter-load run, from two scrapes of its /metrics (before, after).
#
#	awk -v label=LABEL -f bench/inproc.awk BEFORE AFTER
#
# Prints, tab-separated,
#	inproc LABEL STAGE N P50 P99 P99.9 MEAN		(microseconds)
# per stage of mx6_decision_seconds that saw observations between the two
# scrapes. A quantile is the upper bound of the bucket where the
# cumulative count reaches it (an upper estimate; ">5000000" past the
# last bound); MEAN is the exact _sum / _count. Then
#	dns LABEL LOOKUPS CACHE-HITS TIMED MEAN-US LE-0.5MS
# the DNS lookups of the run: all of them, those answered from
# mx6-milter's own cache, and those timed in
# mx6_dns_query_duration_seconds (cache hits included): their mean and
# how many took at most 0.5 ms.

function key(line) { return substr(line, 1, index(line, " ") - 1) }
function val(line) { return substr(line, index(line, " ") + 1) + 0 }
FNR == 1 { file++ }
/^#/ { next }
file == 1 { before[key($0)] = val($0); next }
{
	k = key($0)
	d = val($0) - before[k]
	if (k ~ /^mx6_decision_seconds_bucket\{/) {
		st = k; sub(/.*stage="/, "", st); sub(/".*/, "", st)
		le = k; sub(/.*le="/, "", le); sub(/".*/, "", le)
		if (!(st in nb)) order[++nst] = st
		nb[st]++
		bound[st, nb[st]] = le
		cum[st, nb[st]] = d
	} else if (k ~ /^mx6_decision_seconds_sum\{/) {
		st = k; sub(/.*stage="/, "", st); sub(/".*/, "", st)
		sum[st] = d
	} else if (k ~ /^mx6_dns_queries_total\{/) {
		lookups += d
	} else if (k == "mx6_dns_cache_hits_total") {
		hits += d
	} else if (k ~ /^mx6_dns_query_duration_seconds_count\{/) {
		resolved += d
	} else if (k ~ /^mx6_dns_query_duration_seconds_sum\{/) {
		rsum += d
	} else if (k ~ /^mx6_dns_query_duration_seconds_bucket\{.*le="0.0005"/) {
		fast += d
	}
}
function quantile(st, q, n,    i, want) {
	want = q * n
	for (i = 1; i <= nb[st]; i++)
		if (cum[st, i] >= want)
			return bound[st, i] == "+Inf" ? ">5000000" : sprintf("%g", bound[st, i] * 1e6)
	return "?"
}
END {
	for (j = 1; j <= nst; j++) {
		st = order[j]
		n = cum[st, nb[st]]
		if (n <= 0)
			continue
		printf "inproc\t%s\t%s\t%d\t%s\t%s\t%s\t%.1f\n", label, st, n, quantile(st, 0.5, n),
			quantile(st, 0.99, n), quantile(st, 0.999, n), sum[st] * 1e6 / n
	}
	printf "dns\t%s\t%d\t%d\t%d\t%.1f\t%d\n", label, lookups, hits, resolved,
		(resolved > 0 ? rsum * 1e6 / resolved : 0), fast
}
