#!/bin/sh
# modes.sh -- decision by client address, list and listener mode (SPEC 3):
# macros requested, IPv4 steps aside, whitelist/greenlist, defensive defer
# at RCPT, MX6 5xx at end of message, report, off, listener selection by
# {daemon_name}, {daemon_addr} and {if_addr}, the decision log line.
. "$(dirname "$0")/lib.sh"

t_begin "listener modes and client classes"

DEFER='450 4.7.26 Not accepted over IPv6: message must pass SPF or DKIM or come from a known sender; please retry over IPv4'
AR0="insheader 0 $T_AR"

cat >"$T_DIR/wl.txt" <<'EOF'
# whitelist (the entry is on line 2)
2001:db8::77
2001:db8:77::/48
EOF
cat >"$T_DIR/gl.txt" <<'EOF'
# greenlist (the entry is on line 2)
2001:db8::88
2001:db8::77
EOF
{
	t_base_conf
	cat <<'EOF'
default_mode = defensive
listener = mta-v6 defensive
listener = mta-mx6 mx6
listener = mta-report report
listener = mta-off off
listener = [2001:db8::26] mx6
listener = [2001:db8::27] report
ip_whitelist = wl.txt
ip_greenlist = gl.txt
EOF
} >"$T_DIR/milter.conf"
t_start "$T_DIR/milter.conf"

# ---------------------------------------------------------------- IPv4
t_section "IPv4 client, default listener (defensive)"
t_msg -q QID4 192.0.2.66 | t_session v4
t_rc 0
t_match '^optneg: version=6 ' "negotiated protocol version 6"
for m in '{daemon_name}' '{daemon_addr}' '{if_addr}' '{client_addr}'; do
	t_match "^symlist: C (.* )?$m( |\$)" "macro $m requested at connect"
done
for m in '{auth_authen}' 'i'; do
	t_match "^symlist: M (.* )?$m( |\$)" "macro $m requested at MAIL"
done
t_match '^symlist: E (.* )?i( |$)' "macro i requested at end of message"
t_line "rcpt: continue"
t_line "body: skip" "IPv4: body skipped"
t_line "eom: accept"
t_nomatch '^(insheader|addheader)' "IPv4: no header added"
t_nomatch ': (reject|tempfail|reply)$' "IPv4: never rejected or deferred"

t_section "IPv4-mapped IPv6 client ::ffff:192.0.2.66"
t_msg ::ffff:192.0.2.66 | t_session v4mapped
t_line "rcpt: continue"
t_line "body: skip"
t_line "eom: accept"
t_nomatch '^(insheader|addheader)' "IPv4-mapped: no header added"
t_nomatch ': (reject|tempfail|reply)$' "IPv4-mapped: never rejected or deferred"

for l in mta-mx6 mta-report mta-off; do
	t_section "IPv4 client on listener $l"
	t_msg -n $l 192.0.2.66 | t_session v4-$l
	t_line "rcpt: continue"
	t_line "eom: accept"
	t_nomatch '^(insheader|addheader)' "IPv4 on $l: no header added"
	t_nomatch ': (reject|tempfail|reply)$' "IPv4 on $l: never rejected or deferred"
done

# ---------------------------------------------------------------- lists
t_section "IPv6 client on ip_whitelist, defensive"
t_msg -n mta-v6 -q QIDWL 2001:db8::77 | t_session v6-whitelist
t_rc 0
t_line "rcpt: continue"
t_line "$AR0"
t_match '^insheader 0 X-MX6-Verdict: trusted; reason=ip_whitelist; source=[^ ]*wl\.txt:2$' \
	"X-MX6-Verdict: trusted; reason=ip_whitelist; source=...wl.txt:2"
t_line "eom: accept"
t_log_has "log: trusted accept" "QIDWL: " "client=[2001:db8::77]" "class=trusted" "action=accept"

t_section "IPv6 client in a whitelisted prefix"
t_msg -n mta-v6 2001:db8:77::5 | t_session v6-whitelist-prefix
t_match '^insheader 0 X-MX6-Verdict: trusted; reason=ip_whitelist; source=[^ ]*wl\.txt:3$' \
	"prefix entry: trusted, source ...wl.txt:3"
t_line "eom: accept"

t_section "whitelisted client as Sendmail reports it ({client_addr} IPv6:..., host [IPv6:...])"
{
	t_msg -n mta-v6 -c IPv6:2001:db8:0:0:0:0:0:77 2001:db8::77 |
		sed 's/^connect client.example.org /connect [IPv6:2001:db8:0:0:0:0:0:77] /'
} | t_session v6-whitelist-sendmail
t_match '^insheader 0 X-MX6-Verdict: trusted; reason=ip_whitelist; source=[^ ]*wl\.txt:2$' "Sendmail form: trusted"
t_line "eom: accept"

t_section "IPv6: prefix in the connect packet's address"
t_msg -n mta-v6 IPv6:2001:db8::77 | t_session v6-whitelist-prefix-connect
t_match '^insheader 0 X-MX6-Verdict: trusted; reason=ip_whitelist;' "IPv6:2001:db8::77: trusted"

t_section "IPv6 client on ip_greenlist, defensive"
t_msg -n mta-v6 2001:db8::88 | t_session v6-greenlist
t_line "rcpt: continue"
t_line "$AR0"
t_match '^insheader 0 X-MX6-Verdict: green; reason=ip_greenlist; source=[^ ]*gl\.txt:2$' \
	"X-MX6-Verdict: green; reason=ip_greenlist; source=...gl.txt:2"
t_line "eom: accept"

t_section "whitelist wins over greenlist (2001:db8::77 is on both)"
t_msg 2001:db8::77 | t_session v6-both
t_match '^insheader 0 X-MX6-Verdict: trusted; reason=ip_whitelist;' "trusted, not green"
t_nomatch 'X-MX6-Verdict: green' "no green verdict"

t_section "whitelisted client on an mx6 listener"
t_msg -n mta-mx6 2001:db8::77 | t_session v6-whitelist-mx6
t_line "eom: accept"
t_match '^insheader 0 X-MX6-Verdict: trusted; reason=ip_whitelist;'

# ---------------------------------------------------------------- unknown
t_section "unknown IPv6 client, defensive: defer at every RCPT"
t_log_mark
t_msg -n mta-v6 -q QID123 -r '<b@example.net>' -r '<c@example.net>' 2001:db8::66 | t_session v6-unknown
t_rc 0
t_count 2 "rcpt: reply" "both recipients answered with a reply"
t_count 2 "reply: $DEFER" "default defer_reply for each recipient"
t_noline "rcpt: continue"
t_nomatch '^eom: (accept|continue|reject|tempfail|discard|reply)$' "no end of message for a deferred message"
t_log_has "log line for the deferral" "QID123: client=[2001:db8::66]" "helo=mx.example.org" \
	"from=<a@example.org>" "listener=mta-v6" "class=unknown" "action=defer" "reasons=unlisted,spf:none" \
	'reply="450 4.7.26"'

t_section "unknown IPv6 client, default listener: defensive"
t_log_mark
t_msg 2001:db8::66 | t_session v6-unknown-default
t_line "rcpt: reply"
t_line "reply: $DEFER"
t_log_has "log: NOQUEUE without macro i, listener default" "NOQUEUE: client=[2001:db8::66]" \
	"listener=default" "action=defer"

t_section "unknown IPv6 client, mx6 listener by {daemon_name}"
t_log_mark
t_msg -n mta-mx6 -q QIDMX6 2001:db8::66 | t_session v6-mx6
t_rc 0
t_line "rcpt: continue"
t_line "body: skip" "mx6: body skipped"
t_line "eom: reply"
t_order "eom: reply" "reply: 550-5.7.26 MX6: please retry this message over IPv4" \
	"reply: 550-5.7.26 $T_AR_L1" "reply: 550-5.7.26 $T_AR_L2" "reply: 550-5.7.26 $T_AR_L3" \
	"reply: 550 5.7.26 $T_AR_L4"
t_nomatch '^(insheader|addheader)' "mx6 reject: no header added"
t_log_has "log: mx6 reject" "QIDMX6: " "listener=mta-mx6" "class=unknown" 'reply="550 5.7.26"'

t_section "unknown IPv6 client, listener by {daemon_addr} (Postfix form)"
t_msg -a 2001:db8::26 2001:db8::66 | t_session v6-daddr-postfix
t_line "rcpt: continue"
t_line "reply: 550-5.7.26 MX6: please retry this message over IPv4" "[2001:db8::26] mx6 via {daemon_addr}"

t_section "unknown IPv6 client, listener by {daemon_addr} (Sendmail form)"
t_msg -a IPv6:2001:db8:0:0:0:0:0:26 2001:db8::66 | t_session v6-daddr-sendmail
t_line "rcpt: continue"
t_line "reply: 550-5.7.26 MX6: please retry this message over IPv4" "IPv6:2001:db8:0:0:0:0:0:26 matches [2001:db8::26]"

t_section "unknown IPv6 client, listener by {if_addr} (Sendmail form)"
t_msg -i IPv6:2001:db8:0:0:0:0:0:26 2001:db8::66 | t_session v6-ifaddr
t_line "rcpt: continue"
t_line "reply: 550-5.7.26 MX6: please retry this message over IPv4" "[2001:db8::26] mx6 via {if_addr}"

t_section "listener names match without regard to case"
t_msg -n MTA-MX6 2001:db8::66 | t_session v6-name-case
t_line "reply: 550-5.7.26 MX6: please retry this message over IPv4" "MTA-MX6 selects listener mta-mx6"

t_section "{daemon_name} wins over the address"
t_msg -n mta-v6 -a 2001:db8::26 2001:db8::66 | t_session v6-name-over-addr
t_line "reply: $DEFER" "mta-v6 (defensive) chosen, not [2001:db8::26] (mx6)"

t_section "unmatched {daemon_addr}: default_mode"
t_msg -a 2001:db8::99 2001:db8::66 | t_session v6-daddr-nomatch
t_line "reply: $DEFER"

t_section "unknown IPv6 client, report listener"
t_msg -n mta-report 2001:db8::66 | t_session v6-report
t_line "rcpt: continue"
t_line "insheader 0 X-MX6-Verdict: unknown would-defer; reason=$T_REASONS"
t_line "eom: accept"

t_section "unknown IPv6 client, report listener by address"
t_msg -a 2001:db8::27 2001:db8::66 | t_session v6-report-addr
t_line "insheader 0 X-MX6-Verdict: unknown would-defer; reason=$T_REASONS"
t_line "eom: accept"

t_section "unknown IPv6 client, off listener: like IPv4"
t_msg -n mta-off 2001:db8::66 | t_session v6-off
t_line "rcpt: continue"
t_line "body: skip"
t_line "eom: accept"
t_nomatch '^(insheader|addheader)' "off: no header added"
t_nomatch ': (reject|tempfail|reply)$' "off: never rejected or deferred"

t_section "two messages in one connection (RSET between)"
{
	t_msg -n mta-v6 2001:db8::77 | sed '/^quit$/d'
	printf 'abort\nmail <c@example.org>\nrcpt <d@example.net>\ndata\nheader Subject: two\neoh\nbody x\neom\nquit\n'
} | t_session v6-two-messages
t_count 2 "eom: accept"
t_count 1 "$AR0" "the first message gets Authentication-Results"
t_count 1 "insheader 0 Authentication-Results: mx.test;\\n\\tspf=none smtp.mailfrom=example.org;\\n\\tdkim=none;\\n\\tdmarc=permerror (no single RFC5322.From domain)" \
	"the second, without From, its own (dmarc=permerror)"

t_stop
t_check "SIGTERM: exit status 0 (got $T_STATUS)" [ "$T_STATUS" = 0 ]

# ---------------------------------------------------------------- default_mode
t_section "default_mode = off"
{
	t_base_conf
	echo "default_mode = off"
	echo "listener = mta-v6 defensive"
} >"$T_DIR/off.conf"
t_start "$T_DIR/off.conf"
t_msg 2001:db8::66 | t_session v6-default-off
t_line "rcpt: continue"
t_line "eom: accept"
t_nomatch '^(insheader|addheader)' "default off: no header added"
t_nomatch ': (reject|tempfail|reply)$' "default off: never rejected or deferred"
t_msg -n mta-v6 2001:db8::66 | t_session v6-default-off-listener
t_line "reply: $DEFER" "listener mta-v6 still defensive"

t_section "default_mode = mx6"
{
	t_base_conf
	echo "default_mode = mx6"
	echo "registration_url = https://mx.test/ipv6-senders"
} >"$T_DIR/mx6.conf"
t_start "$T_DIR/mx6.conf"
t_msg 2001:db8::66 | t_session v6-default-mx6
t_line "rcpt: continue"
t_order "eom: reply" "reply: 550-5.7.26 MX6: please retry this message over IPv4" \
	"reply: 550-5.7.26 $T_AR_L1" "reply: 550-5.7.26 $T_AR_L2" "reply: 550-5.7.26 $T_AR_L3" \
	"reply: 550-5.7.26 $T_AR_L4" \
	"reply: 550 5.7.26 See https://mx.test/ipv6-senders"
t_msg 192.0.2.66 | t_session v4-default-mx6
t_line "eom: accept" "IPv4 under default mx6: accepted"

t_done
