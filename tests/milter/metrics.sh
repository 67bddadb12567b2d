#!/bin/sh
# metrics.sh -- Prometheus metrics (metrics_listen, SPEC 9): sessions with
# known verdicts, then a scrape of /metrics whose counts must equal the
# decisions made and the decision log lines; promtool accepts the text;
# other paths 404, other methods 405; reload success and failure; the
# listener stops with the daemon; a bad metrics_listen is a FILE:LINE error.
. "$(dirname "$0")/lib.sh"

t_begin "Prometheus metrics match the decisions"

command -v python3 >/dev/null 2>&1 || t_skip "python3 not installed (the HTTP client of this test)"

# t_http METHOD URL OUT: the body in OUT; prints the HTTP status (000: no answer).
t_http() {
	python3 - "$1" "$2" "$3" <<'EOF'
import sys, urllib.request, urllib.error
method, url, out = sys.argv[1:4]
try:
    with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=5) as r:
        status, body = r.status, r.read()
except urllib.error.HTTPError as e:
    status, body = e.code, e.read()
except OSError:
    status, body = 0, b""
open(out, "wb").write(body)
print("%03d" % status)
EOF
}

# metric NAME{LABELS}: the value of that series in $T_DIR/scrape, or "absent".
metric() {
	awk -v s="$1" 'index($0, s " ") == 1 { print substr($0, length(s) + 2); f = 1 }
		END { if (!f) print "absent" }' "$T_DIR/scrape"
}

# want SERIES VALUE: the scrape has SERIES with exactly VALUE.
want() {
	_v=$(metric "$1")
	if [ "$_v" = "$2" ]; then t_ok "$1 = $2"; else t_notok "$1 = $2 (got $_v)"; fi
}

scrape() {
	_st=$(t_http GET "http://$HOSTPORT/metrics" "$T_DIR/scrape")
	if [ "$_st" = 200 ]; then t_ok "GET /metrics: 200 ($1)"; else t_notok "GET /metrics: 200 ($1) (got $_st)"; fi
}

cat >"$T_DIR/wl.txt" <<'EOF'
# whitelist
2001:db8::77
2001:db8:77::/48
EOF
cat >"$T_DIR/gl.txt" <<'EOF'
2001:db8::88
EOF
write_conf() {
	{
		t_base_conf
		cat <<EOF
default_mode = defensive
listener = mta-v6 defensive
listener = mta-mx6 mx6
listener = mta-report report
ip_whitelist = wl.txt
ip_greenlist = gl.txt
metrics_listen = $HOSTPORT
EOF
	} >"$T_DIR/milter.conf"
}

# start_daemon FAMILY: start on a free port of 127.0.0.1 (4) or [::1] (6).
# A free port cannot be asked of the daemon (no port 0): take one the
# kernel just handed out and retry if someone else grabbed it meanwhile.
start_daemon() {
	for _attempt in 1 2 3 4 5; do
		if [ "$1" = 6 ]; then
			PORT=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0)); print(s.getsockname()[1])')
			HOSTPORT="[::1]:$PORT"
		else
			PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
			HOSTPORT="127.0.0.1:$PORT"
		fi
		write_conf
		rm -f "$T_SOCK"
		t_log_mark
		"$MX6_MILTER" -f -c "$T_DIR/milter.conf" -p "unix:$T_SOCK" >>"$T_LOG" 2>&1 </dev/null &
		T_PID=$!
		_i=0
		while [ $_i -lt 100 ] && [ ! -S "$T_SOCK" ] && t_alive "$T_PID"; do
			sleep 0.1
			_i=$((_i + 1))
		done
		[ -S "$T_SOCK" ] && return 0
		t_stop_quiet
		tail -n +"$((T_LOG_MARK + 1))" "$T_LOG" | grep -q 'Address already in use' || return 1
		t_say "port $PORT taken meanwhile (attempt $_attempt), trying another"
	done
	return 1
}

if ! start_daemon 4; then
	t_notok "mx6-milter started with metrics_listen"
	t_done
fi
t_ok "mx6-milter started with metrics_listen = 127.0.0.1:$PORT"
t_log_has "daemon says where it serves" "serving Prometheus metrics at http://127.0.0.1:$PORT/metrics"

t_section "before any mail"
scrape "fresh daemon"
want 'mx6_sessions' 0
want 'mx6_list_entries{list="ip_whitelist"}' 2
want 'mx6_list_entries{list="ip_greenlist"}' 1
want 'mx6_config_reload_failures_total' 0
reload_before=$(metric mx6_config_last_reload_success_timestamp_seconds)
t_check "last reload time is set ($reload_before)" [ "${reload_before%%.*}" -gt 1000000000 ]
t_check "no messages counted yet" [ "$(metric 'mx6_messages_total{listener="mta-v6",class="trusted",action="accept"}')" = absent ]

t_section "sessions with known verdicts"
sessions=0
run() { # NAME MSG-ARGS...
	_n=$1
	shift
	t_msg "$@" | t_session "$_n" >/dev/null
	sessions=$((sessions + 1))
}
run v4-a -q QV4A 192.0.2.66
run v4-b -n mta-v6 -q QV4B 192.0.2.67
run wl-a -n mta-v6 -q QWLA 2001:db8::77
run wl-b -n mta-v6 -q QWLB 2001:db8:77::5
run wl-c -q QWLC 2001:db8::77
run green -n mta-v6 -q QGR 2001:db8::88
run defer-a -n mta-v6 -q QDA 2001:db8::66
run defer-b -n mta-v6 -q QDB 2001:db8::67
run report -n mta-report -q QRP 2001:db8::66
run mx6 -n mta-mx6 -q QMX 2001:db8::66
t_match "^reply: 550[ -]5\.7\.26 " "the mx6 listener session ended with the MX6 5xx"

t_section "the scrape equals the decisions"
scrape "after $sessions sessions"
want 'mx6_messages_total{listener="mta-v6",class="trusted",action="accept"}' 2
want 'mx6_messages_total{listener="default",class="trusted",action="accept"}' 1
want 'mx6_messages_total{listener="mta-v6",class="green",action="accept"}' 1
want 'mx6_messages_total{listener="mta-v6",class="unknown",action="defer"}' 2
want 'mx6_messages_total{listener="mta-report",class="unknown",action="report"}' 1
want 'mx6_messages_total{listener="mta-mx6",class="unknown",action="reject"}' 1
want 'mx6_messages_skipped_total{listener="default",reason="ipv4"}' 1
want 'mx6_messages_skipped_total{listener="mta-v6",reason="ipv4"}' 1
want 'mx6_reasons_total{reason="ip_whitelist"}' 3
want 'mx6_reasons_total{reason="ip_greenlist"}' 1
want 'mx6_reasons_total{reason="unlisted"}' 4
want 'mx6_reasons_total{reason="other"}' 0
want 'mx6_sessions' 0
want 'mx6_decision_seconds_count{stage="connect"}' $sessions
want 'mx6_decision_seconds_count{stage="rcpt"}' $sessions
# The two deferred at RCPT never reach the end of the message.
want 'mx6_decision_seconds_count{stage="eom"}' $((sessions - 2))
want 'mx6_decision_seconds_bucket{stage="eom",le="+Inf"}' $((sessions - 2))

# Every decision line of the log against the counters: per class/action
# and per reason (reason names without their variable part).
awk '/ class=[a-z]+ action=/ {
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^listener=/) l = substr($i, 10)
			if ($i ~ /^class=/) c = substr($i, 7)
			if ($i ~ /^action=/) a = substr($i, 8)
			if ($i ~ /^reasons=/) r = substr($i, 9)
		}
		m["mx6_messages_total{listener=\"" l "\",class=\"" c "\",action=\"" a "\"}"]++
		n = split(r, rs, ",")
		for (i = 1; i <= n; i++) {
			if (rs[i] ~ /^(asn|dnswl|history|registrar|whois):/)
				sub(/:.*/, "", rs[i])
			m["mx6_reasons_total{reason=\"" rs[i] "\"}"]++
		}
		lines++
	}
	END { for (k in m) print k, m[k]; print "LINES", lines + 0 }' "$T_LOG" >"$T_DIR/fromlog"
log_lines=$(awk '$1 == "LINES" { print $2 }' "$T_DIR/fromlog")
t_check "the log has 8 decision lines (got $log_lines)" [ "$log_lines" = 8 ]
sum=$(awk '/^mx6_messages_total\{/ { s += $NF } END { print s + 0 }' "$T_DIR/scrape")
t_check "sum of mx6_messages_total ($sum) = decision log lines ($log_lines)" [ "$sum" = "$log_lines" ]
while read -r series count; do
	[ "$series" = LINES ] && continue
	want "$series" "$count"
done <"$T_DIR/fromlog"

dns=$(awk '/^mx6_dns_queries_total\{/ { s += $NF } END { print s + 0 }' "$T_DIR/scrape")
t_check "DNS lookups were counted ($dns)" [ "$dns" -gt 0 ]
want 'mx6_dns_query_duration_seconds_count{type="TXT"}' "$(metric 'mx6_dns_queries_total{type="TXT"}')"

t_section "promtool check metrics"
if command -v promtool >/dev/null 2>&1; then
	if promtool check metrics <"$T_DIR/scrape" >"$T_DIR/promtool.out" 2>&1; then
		t_ok "promtool check metrics accepts the scrape"
	else
		t_notok "promtool check metrics accepts the scrape: $(cat "$T_DIR/promtool.out")"
	fi
	# promtool accepts empty input: make sure there was something to check.
	t_check "the scrape has every family" [ "$(grep -c '^# TYPE mx6_' "$T_DIR/scrape")" -ge 18 ]
else
	t_notok "promtool installed (Debian package prometheus, see contrib/install-deps)"
fi

t_section "other paths and methods"
st=$(t_http GET "http://127.0.0.1:$PORT/" "$T_DIR/other")
t_check "GET / is 404 (got $st)" [ "$st" = 404 ]
st=$(t_http GET "http://127.0.0.1:$PORT/metrics/x" "$T_DIR/other")
t_check "GET /metrics/x is 404 (got $st)" [ "$st" = 404 ]
st=$(t_http POST "http://127.0.0.1:$PORT/metrics" "$T_DIR/other")
t_check "POST /metrics is 405 (got $st)" [ "$st" = 405 ]

t_section "reload"
sleep 1.1 # the timestamp has millisecond resolution; make the change certain
printf '2001:db8::99\n' >>"$T_DIR/gl.txt"
t_log_mark
t_signal HUP
t_log_has "reload done" "configuration reloaded"
scrape "after a good reload"
want 'mx6_list_entries{list="ip_greenlist"}' 2
reload_after=$(metric mx6_config_last_reload_success_timestamp_seconds)
t_check "last reload time moved ($reload_before -> $reload_after)" \
	awk -v a="$reload_before" -v b="$reload_after" 'BEGIN { exit !(b > a) }'
echo "no_such_key = 1" >>"$T_DIR/milter.conf"
t_log_mark
t_signal HUP
t_log_has "reload refused" "reload failed"
scrape "after a failed reload"
want 'mx6_config_reload_failures_total' 1
want 'mx6_config_last_reload_success_timestamp_seconds' "$reload_after"
want 'mx6_list_entries{list="ip_greenlist"}' 2

t_section "SIGTERM stops the metrics listener"
t_stop
t_check "daemon exited 0 (status $T_STATUS)" [ "$T_STATUS" = 0 ]
st=$(t_http GET "http://127.0.0.1:$PORT/metrics" "$T_DIR/other")
t_check "nothing answers on port $PORT any more (got $st)" [ "$st" = 000 ]

t_section "an IPv6 listen address"
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
	if start_daemon 6; then
		t_ok "mx6-milter started with metrics_listen = $HOSTPORT"
		t_msg -n mta-v6 -q QV6 2001:db8::77 | t_session v6-listen >/dev/null
		scrape "on $HOSTPORT"
		want 'mx6_messages_total{listener="mta-v6",class="trusted",action="accept"}' 1
		t_check "promtool check metrics accepts it" promtool check metrics <"$T_DIR/scrape"
		t_stop
	else
		t_notok "mx6-milter started with metrics_listen on [::1]"
	fi
else
	t_say "no IPv6 loopback (::1) here: the [::1] listen address is not tried"
fi

t_section "a bad metrics_listen is a configuration error"
for bad in 'localhost:9706' '127.0.0.1' '[::1]9706' '127.0.0.1:0' '127.0.0.1:70000' '2001:db8::1:9706'; do
	{
		t_base_conf
		echo "metrics_listen = $bad"
	} >"$T_DIR/bad.conf"
	"$MX6_MILTER" -n -c "$T_DIR/bad.conf" >"$T_DIR/bad.out" 2>&1
	rc=$?
	t_check "metrics_listen = $bad: exit 1 with $T_DIR/bad.conf:$((T_BASE_LINES + 1))" \
		grep -qF "bad.conf:$((T_BASE_LINES + 1)): '$bad' is not ADDRESS:PORT" "$T_DIR/bad.out"
	[ "$rc" = 1 ] || t_notok "metrics_listen = $bad: exit status 1 (got $rc)"
done
{
	t_base_conf
	echo "metrics_listen = [::1]:9706"
} >"$T_DIR/good.conf"
t_check "metrics_listen = [::1]:9706 is valid" "$MX6_MILTER" -n -c "$T_DIR/good.conf"

t_done
