# bench/summarise.awk -- the Postfix part of bench/run's result file.
#
# awk -F '\t' -v hz=HZ -v msgs=M -v configs="none noop ..." -f summarise.awk ROUNDS.TSV
#
# Input, one line per round and configuration: round label, config,
# nanoseconds, then clock ticks of the milter(s), of Postfix and of the
# test DNS server. Output (markdown): every round; per configuration the
# median and min–max over rounds of messages/s and CPU ms per message;
# the same as ratios to "none" and to "noop" computed within each round
# (interleaving makes these robust to the machine's load drifting); and
# the two CPU targets. "system" = Postfix + milter(s); the test DNS
# server is shown apart (OpenDMARC asks it for every message, the others
# cache in process), and added in one line of the targets.

function med(a, n,   i, j, t) {
	for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function put(key, x) { v[key, ++cnt[key]] = x }
function medof(key,   n, i, a) {
	n = cnt[key]; if (n == 0) return -1
	for (i = 1; i <= n; i++) a[i] = v[key, i]
	return med(a, n)
}
function hiof(key,   n, i, hi) {
	n = cnt[key]; hi = v[key, 1]
	for (i = 2; i <= n; i++) if (v[key, i] > hi) hi = v[key, i]
	return hi
}
function stat(key, fmt,   n, i, a, lo, hi) {
	n = cnt[key]; if (n == 0) return "–"
	for (i = 1; i <= n; i++) a[i] = v[key, i]
	lo = hi = a[1]; for (i = 2; i <= n; i++) { if (a[i] < lo) lo = a[i]; if (a[i] > hi) hi = a[i] }
	return sprintf(fmt " (" fmt "–" fmt ")", med(a, n), lo, hi)
}
# ratio KEY NUM DEN over every round where both exist
function ratio(key, c1, m1, c2, m2,   r) {
	for (r in rounds)
		if ((r, c1 m1) in R && (r, c2 m2) in R && R[r, c2 m2] > 0)
			put(key, R[r, c1 m1] / R[r, c2 m2])
}
{
	r = $1; c = $2; secs = $3 / 1e9
	rate = msgs / secs
	mil = $4 * 1000 / hz / msgs; pfx = $5 * 1000 / hz / msgs; dns = $6 * 1000 / hz / msgs
	row[++nrow] = sprintf("| %s | %s | %.2f | %.0f | %s | %.3f | %.3f | %.3f |", r, c, secs, rate,
		c == "none" ? "–" : sprintf("%.3f", mil), pfx, mil + pfx, dns)
	if (c != "none") put(c "mil", mil)
	put(c "rate", rate); put(c "pfx", pfx); put(c "dns", dns); put(c "sys", mil + pfx)
	R[r, c "rate"] = rate; R[r, c "sys"] = mil + pfx; R[r, c "all"] = mil + pfx + dns
	if (c != "none") R[r, c "mil"] = mil
	rounds[r] = 1
}
END {
	nc = split(configs, C, " ")
	print "## Per round"
	print ""
	print "CPU in ms per message: milter = the milter process(es), Postfix = the whole instance, system = Postfix + milter(s), DNS = the test unbound server."
	print ""
	print "| round | config | seconds | msg/s | milter | Postfix | system | DNS server |"
	print "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
	for (i = 1; i <= nrow; i++) print row[i]
	for (i = 1; i <= nc; i++) {
		c = C[i]
		ratio(c "rate_none", c, "rate", "none", "rate"); ratio(c "rate_noop", c, "rate", "noop", "rate")
		ratio(c "mil_noop", c, "mil", "noop", "mil"); ratio(c "mil_nonesys", c, "mil", "none", "sys")
		ratio(c "sys_none", c, "sys", "none", "sys"); ratio(c "sys_noop", c, "sys", "noop", "sys")
	}
	ratio("t_v4", "mx6v4", "mil", "noop", "mil")
	ratio("t_v6", "mx6v6", "mil", "odkd", "mil")
	ratio("t_v6sys", "mx6v6", "sys", "odkd", "sys")
	ratio("t_v6all", "mx6v6", "all", "odkd", "all")
	print ""
	print "## Summary (median, min–max over rounds)"
	print ""
	print "| config | msg/s | milter CPU ms/msg | Postfix ms/msg | system (Postfix + milter) ms/msg | DNS server ms/msg |"
	print "| --- | ---: | ---: | ---: | ---: | ---: |"
	for (i = 1; i <= nc; i++) {
		c = C[i]
		printf "| %s | %s | %s | %s | %s | %s |\n", c, stat(c "rate", "%.0f"), stat(c "mil", "%.3f"),
			stat(c "pfx", "%.3f"), stat(c "sys", "%.3f"), stat(c "dns", "%.3f")
	}
	print ""
	print "Ratios computed within each round, median (min–max). (1) = none, (2) = noop. The milter CPU of (1) is zero, so the milter column for (1) relates the milter's CPU to the whole system's CPU without any milter."
	print ""
	print "| config | msg/s ÷ (1) | msg/s ÷ (2) | milter CPU ÷ (1) system CPU | milter CPU ÷ (2) milter CPU | system CPU ÷ (1) | system CPU ÷ (2) |"
	print "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
	for (i = 1; i <= nc; i++) {
		c = C[i]
		printf "| %s | %s | %s | %s | %s | %s | %s |\n", c, stat(c "rate_none", "%.2f"), stat(c "rate_noop", "%.2f"),
			stat(c "mil_nonesys", "%.2f"), stat(c "mil_noop", "%.2f"), stat(c "sys_none", "%.2f"), stat(c "sys_noop", "%.2f")
	}
	print ""
	print "## Targets (CPU)"
	print ""
	if (cnt["t_v4"] > 0) {
		m = medof("t_v4")
		printf "- mx6-milter on IPv4 ≤ no-op floor + 10 %% milter CPU/msg: ratio %s → **%s**\n", stat("t_v4", "%.2f"),
			(m <= 1.10) ? "met" : "missed"
	}
	if (cnt["t_v6"] > 0) {
		m = medof("t_v6")
		printf "- full IPv6 authentication path < OpenDKIM + OpenDMARC milter CPU/msg: ratio %s → **%s**%s\n", stat("t_v6", "%.2f"),
			m < 1 ? "met" : "missed", (m < 1 && hiof("t_v6") >= 1) ? " (in the median, not in every round)" : ""
		printf "- the same for the system (Postfix + milters): ratio %s; with the DNS server: %s\n", stat("t_v6sys", "%.2f"), stat("t_v6all", "%.2f")
	}
}
