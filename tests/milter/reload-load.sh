#!/bin/sh
# reload-load.sh -- SIGHUP reloads under load: while several mtclient
# processes run about 3000 IPv6 sessions in parallel from two clients,
# A (2001:db8::a) and B (2001:db8::b), the ip_whitelist file is swapped
# atomically (rename) between {A} and {B} and the daemon reloaded with
# SIGHUP a dozen times or more. Afterwards: every session completed (no
# protocol error, no timeout, mtclient exit 0 and nothing on its stderr),
# the daemon is alive, every session got a verdict consistent with one of
# the two lists -- trusted (X-MX6-Verdict inserted, accepted, the source
# naming the line of that client in its own list version) or deferred at
# RCPT with our 450 reply -- and nothing else; the daemon's decision log
# line of each session says the same; the log shows every reload.
#
# Bounded: LOAD_WORKERS x LOAD_SESSIONS sessions (6 x 500), the reload loop
# stops after at most RELOAD_MAX_SECONDS (40 s).
. "$(dirname "$0")/lib.sh"

t_begin "SIGHUP reload under load"

WORKERS=${LOAD_WORKERS:-6}
SESSIONS=${LOAD_SESSIONS:-500}
MIN_RELOADS=10
RELOAD_MAX_SECONDS=${RELOAD_MAX_SECONDS:-40}
A=2001:db8::a
B=2001:db8::b
DEFER='450 4.7.26 Not accepted over IPv6: message must pass SPF or DKIM or come from a known sender; please retry over IPv4'

# The two versions of the whitelist: A on line 2, B on line 3, so that a
# trusted verdict's source tells which version decided it.
printf '# version A\n%s\n' "$A" >"$T_DIR/wl-A.txt"
printf '# version B\n\n%s\n' "$B" >"$T_DIR/wl-B.txt"
cp "$T_DIR/wl-A.txt" "$T_DIR/wl.txt"

# swap_to V: replace wl.txt by version V atomically (rename).
swap_to() {
	cp "$T_DIR/wl-$1.txt" "$T_DIR/wl.txt.new" && mv "$T_DIR/wl.txt.new" "$T_DIR/wl.txt"
}

{
	t_base_conf
	echo "ip_whitelist = wl.txt"
	echo "listener = mta-v6 defensive"
} >"$T_DIR/milter.conf"
t_start "$T_DIR/milter.conf"

# ---------------------------------------------------------------- scripts
# One session per client as a template; worker W's script has SESSIONS
# sessions alternating A (odd) and B (even), queue ID wWsN. A pause of
# SESSION_PAUSE seconds after each session stretches the load over a few
# seconds (about 500 x 8 ms), so that the reloads fall in the middle of it
# however fast the machine is.
PAUSE=${SESSION_PAUSE:-0.008}
{ t_msg -n mta-v6 -q QIDTEMPLATE "$A"; echo "sleep $PAUSE"; } >"$T_DIR/tpl-A"
{ t_msg -n mta-v6 -q QIDTEMPLATE "$B"; echo "sleep $PAUSE"; } >"$T_DIR/tpl-B"
w=1
while [ $w -le "$WORKERS" ]; do
	awk -v w="$w" -v n="$SESSIONS" '
		FNR == NR { a[++na] = $0; next }
		{ b[++nb] = $0 }
		END {
			for (s = 1; s <= n; s++)
				if (s % 2) { for (i = 1; i <= na; i++) { l = a[i]; gsub(/QIDTEMPLATE/, "w" w "s" s, l); print l } }
				else       { for (i = 1; i <= nb; i++) { l = b[i]; gsub(/QIDTEMPLATE/, "w" w "s" s, l); print l } }
		}' "$T_DIR/tpl-A" "$T_DIR/tpl-B" >"$T_DIR/load-$w.script"
	w=$((w + 1))
done
TOTAL=$((WORKERS * SESSIONS))
t_say "# $WORKERS workers x $SESSIONS sessions = $TOTAL sessions"

# ---------------------------------------------------------------- load
t_section "load with reloads"
reloads_logged() {
	grep -c 'configuration reloaded: ip_whitelist=1 ' "$T_LOG"
}
start_reloads=$(reloads_logged)
t0=$(date +%s)
pids=
w=1
while [ $w -le "$WORKERS" ]; do
	"$MTCLIENT" -s "unix:$T_SOCK" -t "$T_TIMEOUT" "$T_DIR/load-$w.script" \
		>"$T_DIR/load-$w.out" 2>"$T_DIR/load-$w.err" &
	pids="$pids $!"
	echo $! >"$T_DIR/load-$w.pid"
	w=$((w + 1))
done

# running_workers: how many of our mtclient processes are still running.
running_workers() {
	_n=0
	for _p in $pids; do
		if t_alive "$_p"; then _n=$((_n + 1)); fi
	done
	echo $_n
}

# Swap and SIGHUP, each time waiting for the daemon to log the reload
# (so no two SIGHUPs coalesce), until the load is over and at least
# MIN_RELOADS were sent, or RELOAD_MAX_SECONDS passed.
hups=0
hups_during_load=0
hup_timeouts=0
current=A
while :; do
	busy=$(running_workers)
	now=$(date +%s)
	[ "$busy" = 0 ] && [ $hups -ge $MIN_RELOADS ] && break
	[ $((now - t0)) -ge "$RELOAD_MAX_SECONDS" ] && break
	if [ $current = A ]; then current=B; else current=A; fi
	swap_to $current
	before=$(reloads_logged)
	t_signal HUP
	hups=$((hups + 1))
	[ "$busy" != 0 ] && hups_during_load=$((hups_during_load + 1))
	_i=0
	while [ "$(reloads_logged)" -le "$before" ]; do
		if [ $_i -ge 250 ]; then
			hup_timeouts=$((hup_timeouts + 1))
			break
		fi
		sleep 0.02
		_i=$((_i + 1))
	done
	sleep 0.1
done
# The load is bounded by mtclient's own timeouts; wait for it.
failed_workers=0
w=1
for p in $pids; do
	wait "$p"
	st=$?
	if [ "$st" != 0 ]; then
		failed_workers=$((failed_workers + 1))
		t_say "# worker $w (PID $p) exited with status $st"
		sed 's/^/  ! /' "$T_DIR/load-$w.err"
	fi
	w=$((w + 1))
done
t1=$(date +%s)
t_say "# load and reloads took $((t1 - t0)) s; $hups SIGHUPs, $hups_during_load while sessions ran"

t_check "every mtclient worker exited with status 0 ($failed_workers failed)" [ $failed_workers = 0 ]
cat "$T_DIR"/load-*.err >"$T_DIR/load.err"
t_check "nothing (no \"error:\") on any mtclient's stderr" [ ! -s "$T_DIR/load.err" ]
t_check "at least $MIN_RELOADS SIGHUPs sent while sessions ran (got $hups_during_load)" \
	[ "$hups_during_load" -ge $MIN_RELOADS ]
t_check "every SIGHUP was followed by a logged reload within 5 s ($hup_timeouts not)" [ $hup_timeouts = 0 ]
t_running "daemon alive after the load and $hups reloads"

# ---------------------------------------------------------------- verdicts
t_section "verdicts"
# Split each worker's output into sessions (each begins with "optneg:")
# and classify it: A-trusted, B-trusted, A-deferred, B-deferred, or
# bad:REASON. Session s of a worker is from A when s is odd.
SRC_A="X-MX6-Verdict: trusted; reason=ip_whitelist; source=$(cd "$T_DIR" && pwd -P)/wl.txt:2"
SRC_B="X-MX6-Verdict: trusted; reason=ip_whitelist; source=$(cd "$T_DIR" && pwd -P)/wl.txt:3"
w=1
while [ $w -le "$WORKERS" ]; do
	awk -v w="$w" -v srca="$SRC_A" -v srcb="$SRC_B" -v defer="$DEFER" '
		function flush(   c, v) {
			if (s == 0) return
			c = (s % 2) ? "A" : "B"
			if (trusted == 1 && eomacc && !rcptreply && !replyline && !other_hdr && rcptcont &&
			    ((c == "A" && src == "A") || (c == "B" && src == "B")))
				v = c "-trusted"
			else if (rcptreply && defer_ok == 1 && replyline == 1 && !rcptcont && !trusted &&
				 !eomacc && !other_hdr && eomnotsent)
				v = c "-deferred"
			else
				v = "bad:trusted=" trusted ",src=" src ",rcptcont=" rcptcont ",rcptreply=" rcptreply \
				    ",replylines=" replyline ",eomaccept=" eomacc ",otherhdr=" other_hdr
			print "w" w "s" s, c, v
		}
		/^optneg:/ { flush(); s++; trusted = 0; src = ""; rcptcont = 0; rcptreply = 0
			     replyline = 0; defer_ok = 0; eomacc = 0; eomnotsent = 0; other_hdr = 0; next }
		/^insheader 0 X-MX6-Verdict: / {
			trusted++
			if (substr($0, 13) == srca) src = "A"
			else if (substr($0, 13) == srcb) src = "B"
			else src = "other"
			next }
		/^insheader 0 Authentication-Results: / { next }
		/^(insheader|addheader|chgheader|addrcpt|delrcpt|chgfrom|quarantine|replbody)/ { other_hdr++; next }
		$0 == "rcpt: continue" { rcptcont++; next }
		$0 == "rcpt: reply" { rcptreply++; next }
		/^reply: / { replyline++; if (substr($0, 8) == defer) defer_ok++; next }
		$0 == "eom: accept" { eomacc++; next }
		/^eom: not sent/ { eomnotsent++; next }
		/^(rcpt|eom|connect|helo|mail|data|header|eoh|body): (tempfail|reject|discard|accept)$/ { other_hdr++; next }
		END { flush() }' "$T_DIR/load-$w.out"
	w=$((w + 1))
done >"$T_DIR/verdicts.txt"

count() { grep -c -- "$1" "$T_DIR/verdicts.txt"; }
n_sessions=$(wc -l <"$T_DIR/verdicts.txt" | tr -d ' ')
n_at=$(count ' A-trusted$')
n_ad=$(count ' A-deferred$')
n_bt=$(count ' B-trusted$')
n_bd=$(count ' B-deferred$')
n_bad=$(count ' bad:')
t_say "# sessions $n_sessions of $TOTAL: A trusted $n_at, A deferred $n_ad, B trusted $n_bt, B deferred $n_bd, other $n_bad"
t_check "every session ran ($n_sessions of $TOTAL)" [ "$n_sessions" = "$TOTAL" ]
t_check "every session is trusted (by its own list version) or deferred with our 450 at RCPT ($n_bad not)" \
	[ "$n_bad" = 0 ]
if [ "$n_bad" != 0 ]; then
	grep ' bad:' "$T_DIR/verdicts.txt" | head -n 10 | sed 's/^/  ! /'
fi
t_check "A was trusted by some sessions and deferred in others (the list flipped under load)" \
	[ "$n_at" -gt 0 ] && [ "$n_ad" -gt 0 ]
t_check "B was trusted by some sessions and deferred in others" \
	[ "$n_bt" -gt 0 ] && [ "$n_bd" -gt 0 ]

# The daemon's decision line for each queue ID says the same.
t_section "decision log"
sleep 0.5
awk '
	FNR == NR {
		if (match($0, /[^ ]*: client=\[2001:db8::[ab]\]/)) {
			split(substr($0, RSTART, RLENGTH), f, ": client=\\[")
			q = f[1]
			c = (index(f[2], "::a]") ? "A" : "B")
			cls = ""; act = ""
			if (match($0, /class=[a-z]+/)) cls = substr($0, RSTART + 6, RLENGTH - 6)
			if (match($0, /action=[a-z]+/)) act = substr($0, RSTART + 7, RLENGTH - 7)
			logged[q] = logged[q] (logged[q] == "" ? "" : "|") c "-" cls "-" act
		}
		next
	}
	{
		want = ($3 ~ /-trusted$/) ? $2 "-trusted-accept" : ($3 ~ /-deferred$/) ? $2 "-unknown-defer" : "?"
		if (logged[$1] != want) { bad++; if (bad <= 10) print "  ! " $1 ": mtclient " $3 ", log \"" logged[$1] "\"" }
	}
	END { print "BAD " bad + 0 }' "$T_LOG" "$T_DIR/verdicts.txt" >"$T_DIR/logcheck.txt"
log_bad=$(sed -n 's/^BAD //p' "$T_DIR/logcheck.txt")
grep -v '^BAD ' "$T_DIR/logcheck.txt"
t_check "each session has exactly one decision log line, matching its reply ($log_bad do not)" [ "$log_bad" = 0 ]

reloaded=$(($(reloads_logged) - start_reloads))
t_check "the log shows $hups reloads ('configuration reloaded', got $reloaded)" [ "$reloaded" = "$hups" ]
t_log_lacks "no failed reload in the log" "reload failed"
t_log_lacks "no 'error' in the daemon log" "error"

t_section "after the load"
swap_to A
before=$(reloads_logged)
t_signal HUP
t_msg -n mta-v6 "$A" >"$T_DIR/final.script"
_i=0
while [ "$(reloads_logged)" -le "$before" ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
t_session final-A <"$T_DIR/final.script" >/dev/null
t_rc 0
t_line "insheader 0 $SRC_A" "after a last reload to {A}, A is trusted"
t_msg -n mta-v6 "$B" | t_session final-B >/dev/null
t_line "reply: $DEFER" "... and B deferred"
t_running
t_stop
t_check "SIGTERM: exit status 0 (got $T_STATUS)" [ "$T_STATUS" = 0 ]

t_say "# totals: $TOTAL sessions ($n_at A trusted, $n_ad A deferred, $n_bt B trusted, $n_bd B deferred, $n_bad other), $hups SIGHUPs, $reloaded reloads logged, $((t1 - t0)) s"
t_done
