#!/bin/bash
# tests/e2e/kill.sh -- reload and kill -9 of mx6-milter under Postfix load.
#
# One private Postfix (tests/e2e/lib.sh) with an IPv4 service
# (milter_default_action = accept) and an IPv6 service (tempfail), both
# with mx6-milter. Three bounded swaks loops run at once, LOAD messages
# each: IPv4 from 192.0.2.66, IPv6 from the whitelisted 2001:db8::77 (the
# milter accepts and adds X-MX6-Verdict) and IPv6 from the unknown
# 2001:db8::66 (the milter defers). Meanwhile the milter gets HUPS
# SIGHUPs, then SIGKILL, and is restarted once DEAD more whitelisted IPv6
# messages were sent (a fixed time would not do: with the milter dead, the
# tempfails come so fast that the loop may finish before a restart).
#
# Asserted, per message (each has its own Subject):
#   - IPv4: every message got 250 at end of DATA and reached smtp-sink,
#     while the milter was alive, reloading or dead;
#   - IPv6: every message got either 250 or a 4xx (never 5xx, never a
#     lost connection); sent = accepted + deferred per client; what reached
#     the sink is exactly the accepted ones, each with mx6-milter's
#     X-MX6-Verdict and Authentication-Results header: no IPv6 message
#     passed without a verdict;
#   - the unknown IPv6 client was never accepted;
#   - the kill fell in the middle of the load: the whitelisted IPv6
#     client got 4xx (Postfix's tempfail) and 250 after the restart, and
#     the milter logged the reloads.
#
# Needs root (re-execs itself in a private network namespace; exit 77
# when refused). Environment: MX6_KILL_LOAD (messages per loop, default
# 40), MX6_BUILDDIR / MX6_MILTER as in postfix.sh, MX6_E2E_KEEP=1.
# shellcheck disable=SC2317 # helpers are called through check()

here=$(cd "$(dirname "$0")" && pwd) || exit 99
# shellcheck source=tests/e2e/lib.sh
. "$here/lib.sh" || exit 99
e2e_enter_netns "$0" "$@"

e2e_builddir "$here"
milter=${MX6_MILTER:-$builddir/milter/mx6-milter}
case $milter in /*) ;; *) milter=$(pwd)/$milter ;; esac
if [ ! -x "$milter" ]; then
	echo "ERROR: $milter is not built (run make first)"
	exit 99
fi

LOAD=${MX6_KILL_LOAD:-40}
HUPS=3
DEAD=$((LOAD / 8))

e2e_setup_net
e2e_make_tmpdir mx6-e2e-kill
D=$E2E_DIR

printf '%s\n' "$E2E_CLIENT_V6_WL" >"$D/ip_whitelist"
printf 'server:\n  local-zone: "." static\n' >"$D/offline.conf"
cat >"$D/milter.conf" <<EOF
socket = unix:$D/mx6.sock
socket_mode = 0666
user = root
authserv_id = mx.test
default_mode = defensive
listener = mta-v6 defensive
listener = mta-v4 defensive
ip_whitelist = $D/ip_whitelist
dns_unbound_conf = $D/offline.conf
EOF

e2e_start_sink
e2e_start_postfix
if e2e_start_milter "$milter" "$D/milter.conf"; then
	ok "milter started ($milter)"
else
	not_ok "milter started ($milter)" "$D/milter.log"
	echo "$passed passed, $failed failed"
	exit 1
fi

# loop NAME CLIENT SERVER: send LOAD messages one after the other; one
# line per message in $D/NAME.res: "N queued|4xx|5xx|other CODE".
loop() {
	local name=$1 client=$2 server=$3 i out verdict
	for i in $(seq "$LOAD"); do
		out=$D/swaks-$name.out
		swaks --helo client.example --timeout 60 --suppress-data \
			--local-interface "$client" --server "$server" --port "$E2E_SMTP_PORT" \
			--from a@example.org --to b@example.net \
			--header "Subject: kill-$name-$i" >"$out" 2>&1 </dev/null
		if e2e_reply_to '^[0-9]+ lines sent$' "$out" | grep -q '^250 .*queued as'; then
			verdict=queued
		elif grep -Eq '^<\*\* +4[0-9][0-9][ -]' "$out"; then
			verdict=4xx
		elif grep -Eq '^<\*\* +5[0-9][0-9][ -]' "$out"; then
			verdict=5xx
		else
			verdict=other
			cp "$out" "$D/other-$name-$i.out"
		fi
		echo "$i $verdict" >>"$D/$name.res"
	done
}

# sent NAME: messages the loop has finished so far.
sent() { awk 'END { print NR }' "$D/$1.res" 2>/dev/null || echo 0; }
# wait_sent NAME N: until the loop NAME has sent N messages (60 s at most).
wait_sent() {
	local n=600
	while [ "$(sent "$1")" -lt "$2" ] && [ "$n" -gt 0 ]; do
		sleep 0.1
		n=$((n - 1))
	done
}
# count NAME VERDICT: messages of loop NAME with that outcome.
count() { awk -v v="$2" '$2 == v { n++ } END { print n + 0 }' "$D/$1.res" 2>/dev/null || echo 0; }

: >"$D/v4.res" >"$D/v6wl.res" >"$D/v6u.res"
loop v4 "$E2E_CLIENT_V4" "$E2E_MTA_V4" &
P4=$!
loop v6wl "$E2E_CLIENT_V6_WL" "$E2E_MTA_V6" &
P6W=$!
loop v6u "$E2E_CLIENT_V6" "$E2E_MTA_V6" &
P6U=$!

# (a) SIGHUPs once a quarter of the load is through.
wait_sent v6wl $((LOAD / 4))
for _ in $(seq "$HUPS"); do
	kill -HUP "$E2E_MILTER_PID"
	sleep 0.5
done
# (b) SIGKILL at half the load, restart after DEAD messages more.
wait_sent v6wl $((LOAD / 2))
killed_at=$(sent v6wl)
e2e_kill_milter_hard
wait_sent v6wl $((killed_at + DEAD))
restarted_at=$(sent v6wl)
if e2e_start_milter "$milter" "$D/milter.conf"; then
	ok "milter restarted after SIGKILL ($killed_at..$restarted_at of $LOAD whitelisted IPv6 messages sent while it was dead)"
else
	not_ok "milter restarted after SIGKILL" "$D/milter.log"
fi
wait "$P4" "$P6W" "$P6U"
e2e_wait_for 30 e2e_queue_empty || not_ok "Postfix queue drained" "$D/maillog"
sleep 0.5

# --- assertions -------------------------------------------------------------

reloads=$(grep -c 'reloading configuration' "$D/milter.log")
if [ "$reloads" -ge "$HUPS" ]; then
	ok "(a) the milter logged $reloads reloads for $HUPS SIGHUPs under load"
else
	not_ok "(a) the milter logged $reloads reloads for $HUPS SIGHUPs under load" "$D/milter.log"
fi

# delivered PREFIX: sink files holding Subject: PREFIX-N (one per message).
delivered() { grep -lE "^Subject: kill-$1-[0-9]+\$" "$D"/sink/* 2>/dev/null; }
ndelivered() { delivered "$1" | wc -l; }

q4=$(count v4 queued)
d4=$(ndelivered v4)
if [ "$q4" = "$LOAD" ] && [ "$(sent v4)" = "$LOAD" ]; then
	ok "IPv4: all $LOAD messages got 250 (milter alive, reloading, killed, restarted)"
else
	not_ok "IPv4: all $LOAD messages got 250 (got $q4: $(grep -v queued "$D/v4.res" | tr '\n' ' '))" "$D/maillog"
fi
if [ "$d4" = "$LOAD" ]; then
	ok "IPv4: all $LOAD messages reached smtp-sink"
else
	not_ok "IPv4: all $LOAD messages reached smtp-sink (found $d4)"
fi

for c in v6wl v6u; do
	q=$(count "$c" queued)
	t=$(count "$c" 4xx)
	s=$(sent "$c")
	d=$(ndelivered "$c")
	if [ "$s" = "$LOAD" ] && [ $((q + t)) = "$s" ]; then
		ok "IPv6 $c: sent $s = accepted $q + deferred (4xx) $t"
	else
		not_ok "IPv6 $c: sent $s = accepted $q + deferred (4xx) $t (5xx $(count "$c" 5xx), other $(count "$c" other))" \
			"$D"/other-"$c"-*.out
	fi
	if [ "$d" = "$q" ]; then
		ok "IPv6 $c: delivered $d = accepted $q (no deferred message delivered)"
	else
		not_ok "IPv6 $c: delivered $d = accepted $q (no deferred message delivered)"
	fi
	noverdict=
	for f in $(delivered "$c"); do
		e2e_headers "$f" | grep -q '^X-MX6-Verdict: trusted' &&
			e2e_headers "$f" | grep -q '^Authentication-Results: mx\.test;' ||
			noverdict="$noverdict $f"
	done
	if [ -z "$noverdict" ]; then
		ok "IPv6 $c: every delivered message carries X-MX6-Verdict and Authentication-Results: mx.test"
	else
		# shellcheck disable=SC2086 # one argument per file
		not_ok "IPv6 $c: every delivered message carries X-MX6-Verdict and Authentication-Results: mx.test" $noverdict
	fi
done

if [ "$(count v6u queued)" = 0 ]; then
	ok "IPv6 unknown client: never accepted (milter verdict or Postfix tempfail)"
else
	not_ok "IPv6 unknown client: never accepted ($(count v6u queued) accepted)"
fi
tw=$(count v6wl 4xx)
qw=$(count v6wl queued)
if [ "$tw" -gt 0 ] && [ "$qw" -gt 0 ] &&
	grep -q " queued\$" <(tail -n +"$((restarted_at + 1))" "$D/v6wl.res"); then
	ok "(b) the kill fell mid-load: whitelisted IPv6 got $tw x 4xx while the milter was dead and 250 again after the restart"
else
	not_ok "(b) the kill fell mid-load: whitelisted IPv6 got 4xx while dead and 250 after the restart ($tw deferred, $qw accepted)" "$D/v6wl.res"
fi
if grep -Eq 'warning: (connect to Milter service|milter) unix:[^ ]*/mx6\.sock' "$D/maillog"; then
	ok "(b) Postfix logged the dead milter"
else
	not_ok "(b) Postfix logged the dead milter" "$D/maillog"
fi

e2e_reports

echo "$passed passed, $failed failed"
[ "$failed" = 0 ] || exit 1
exit 0
