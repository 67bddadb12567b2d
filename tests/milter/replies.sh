#!/bin/sh
# replies.sh -- SMTP replies (SPEC 4): defaults, reply_authres, custom
# replies, '%' escaping, multi-line replies, registration_url, and the rules
# mx6-milter -n enforces (4xx/5xx class, enhanced code class, 32 lines,
# unknown and duplicate keys), reported as FILE:LINE.
. "$(dirname "$0")/lib.sh"

t_begin "SMTP replies and their validation"

DEFER_TEXT='Not accepted over IPv6: message must pass SPF or DKIM or come from a known sender; please retry over IPv4'
MX6_TEXT='MX6: please retry this message over IPv4'
URL='https://mx.test/ipv6-senders'

# conf NAME LINE...: $T_DIR/NAME.conf = base lines + LINE...
# (base is 3 lines, so the first extra line is line 4).
conf() {
	_f=$T_DIR/$1.conf
	shift
	{
		t_base_conf
		for _l in "$@"; do printf '%s\n' "$_l"; done
	} >"$_f"
	echo "$_f"
}

# ------------------------------------------------------------ defaults
t_section "reply_authres = all with registration_url: defensive defer"
t_start "$(conf all-url 'reply_authres = all' "registration_url = $URL")"
t_msg 2001:db8::66 | t_session defer-all-url
t_order "rcpt: reply" "reply: 450-4.7.26 $DEFER_TEXT" \
	"reply: 450-4.7.26 $T_AR_L1" "reply: 450-4.7.26 $T_AR_RCPT_L2" \
	"reply: 450 4.7.26 See $URL"
_n=$(grep -c '^reply: ' "$T_OUT")
t_check "four reply lines: text, AR as known at RCPT (two lines), URL (got $_n)" [ "$_n" = 4 ]

t_section "reply_authres = all without registration_url"
t_start "$(conf all 'reply_authres = all')"
t_msg 2001:db8::66 | t_session defer-all
t_order "rcpt: reply" "reply: 450-4.7.26 $DEFER_TEXT" \
	"reply: 450-4.7.26 $T_AR_L1" "reply: 450 4.7.26 $T_AR_RCPT_L2"

t_section "default reply_authres (mx6) with registration_url: defer has the URL only"
t_start "$(conf url "registration_url = $URL")"
t_msg 2001:db8::66 | t_session defer-url
t_line "reply: 450-4.7.26 $DEFER_TEXT"
t_line "reply: 450 4.7.26 See $URL"
t_nomatch '^reply: .*Authentication-Results' "no Authentication-Results in a defensive reply"
t_msg -n x 192.0.2.66 | t_session v4-url
t_line "eom: accept" "IPv4 unaffected"

t_section "mx6 mode, reply_authres = no, with registration_url"
t_start "$(conf mx6-no 'default_mode = mx6' 'reply_authres = no' "registration_url = $URL")"
t_msg 2001:db8::66 | t_session mx6-no-url
t_order "eom: reply" "reply: 550-5.7.26 $MX6_TEXT" "reply: 550 5.7.26 See $URL"
t_nomatch '^reply: .*Authentication-Results' "no Authentication-Results lines"

t_section "mx6 mode, reply_authres = no, no URL: single line"
t_start "$(conf mx6-no-nourl 'default_mode = mx6' 'reply_authres = no')"
t_msg 2001:db8::66 | t_session mx6-no
t_line "reply: 550 5.7.26 $MX6_TEXT"
_n=$(grep -c '^reply: ' "$T_OUT")
t_check "one reply line (got $_n)" [ "$_n" = 1 ]

# ------------------------------------------------------------ custom
t_section "custom defer_reply"
t_start "$(conf custom 'defer_reply = 451 4.7.1 Go away')"
t_msg -r '<b@example.net>' -r '<c@example.net>' 2001:db8::66 | t_session custom
t_count 2 "reply: 451 4.7.1 Go away" "custom reply for each recipient"

t_section "'%' in a reply arrives as a single '%'"
t_start "$(conf percent 'defer_reply = 450 4.7.26 100% IPv6 policy, try %s over IPv4' \
	'mx6_reply = 550 5.7.26 MX6: 50% of %d chance' 'listener = mta-mx6 mx6')"
t_msg 2001:db8::66 | t_session percent
t_line "reply: 450 4.7.26 100% IPv6 policy, try %s over IPv4"
t_msg -n mta-mx6 2001:db8::66 | t_session percent-mx6
t_line "reply: 550-5.7.26 MX6: 50% of %d chance"

t_section "configured multi-line replies (\\n in the value)"
t_start "$(conf ml 'defer_reply = 450 4.7.26 line one\nline two\nline three' \
	'mx6_reply = 554 5.7.26 MX6 go\nuse IPv4' 'listener = mta-mx6 mx6' "registration_url = $URL")"
t_msg 2001:db8::66 | t_session ml-defer
t_order "rcpt: reply" "reply: 450-4.7.26 line one" "reply: 450-4.7.26 line two" \
	"reply: 450-4.7.26 line three" "reply: 450 4.7.26 See $URL"
t_msg -n mta-mx6 2001:db8::66 | t_session ml-mx6
t_order "eom: reply" "reply: 554-5.7.26 MX6 go" "reply: 554-5.7.26 use IPv4" \
	"reply: 554-5.7.26 $T_AR_L1" "reply: 554-5.7.26 $T_AR_L2" "reply: 554-5.7.26 $T_AR_L3" \
	"reply: 554-5.7.26 $T_AR_L4" "reply: 554 5.7.26 See $URL"

t_section "32 configured lines plus AR and URL stay within 32 lines, URL last"
_v='450 4.7.26 l1'
_i=2
while [ $_i -le 32 ]; do _v="$_v\\nl$_i"; _i=$((_i + 1)); done
t_start "$(conf max "defer_reply = $_v" 'reply_authres = all' "registration_url = $URL")"
t_msg 2001:db8::66 | t_session max-lines
_n=$(grep -c '^reply: ' "$T_OUT")
t_check "at most 32 reply lines (got $_n)" test "$_n" -ge 1 -a "$_n" -le 32
t_line "reply: 450 4.7.26 See $URL" "URL kept as the last line"
t_line "reply: 450-4.7.26 l1"
t_msg 192.0.2.66 | t_session after-max-lines
t_line "eom: accept" "a session after the 32-line reply still works"
t_running "daemon survived the 32-line reply"
t_stop

# ------------------------------------------------------------ validation
t_section "mx6-milter -n: valid configurations"
for c in all-url all url mx6-no custom percent ml max; do
	_out=$("$MX6_MILTER" -n -c "$T_DIR/$c.conf" 2>&1)
	_st=$?
	t_check "-n accepts $c.conf (exit $_st${_out:+: $_out})" [ "$_st" = 0 ]
done
_v='450 4.7.26 l1'
_i=2
while [ $_i -le 32 ]; do _v="$_v\\nl$_i"; _i=$((_i + 1)); done
c=$(conf lines32 "mx6_reply = 550 5.7.26 x\\nl2" "defer_reply = $_v")
_out=$("$MX6_MILTER" -n -c "$c" 2>&1)
_st=$?
t_check "-n accepts a 32-line reply (exit $_st${_out:+: $_out})" [ "$_st" = 0 ]

# invalid DESC N CONFIG-LINE...: the error is on the Nth line after the base.
invalid() {
	_d=$1
	_ln=$((T_BASE_LINES + $2))
	shift 2
	_c=$(conf invalid "$@")
	_out=$("$MX6_MILTER" -n -c "$_c" 2>&1)
	_st=$?
	printf '  | %s\n' "$_out"
	t_check "-n rejects $_d: exit 1 (got $_st)" [ "$_st" = 1 ]
	case $_out in
	*"$_c:$_ln: "*) t_ok "-n names $_c:$_ln for $_d" ;;
	*) t_notok "-n names $_c:$_ln for $_d" ;;
	esac
}

t_section "mx6-milter -n: invalid configurations"
invalid "450 with 5.7.1" 1 'defer_reply = 450 5.7.1 mismatched class'
invalid "550 with 4.7.26 (mx6_reply)" 2 'default_mode = mx6' 'mx6_reply = 550 4.7.26 mismatched'
invalid "250 code" 1 'defer_reply = 250 2.0.0 ok'
invalid "no enhanced code" 1 'defer_reply = 450 not accepted'
invalid "defer_reply_temperror 451 5.4.3" 1 'defer_reply_temperror = 451 5.4.3 mismatched'
_v='450 4.7.26 l1'
_i=2
while [ $_i -le 33 ]; do _v="$_v\\nl$_i"; _i=$((_i + 1)); done
invalid "a 33-line reply" 1 "defer_reply = $_v"
invalid "an unknown key" 2 'default_mode = defensive' 'frobnicate = yes'
invalid "a duplicate scalar key (authserv_id, first on line 3)" 1 'authserv_id = mx2.test'
invalid "a bad mode" 1 'default_mode = paranoid'
invalid "a bad listener mode" 1 'listener = mta-v6 paranoid'
invalid "bad reply_authres" 1 'reply_authres = sometimes'
invalid "a missing ip_whitelist" 1 'ip_whitelist = does-not-exist.txt'

t_section "mx6-milter -n: errors in a list name the list file and line"
printf '2001:db8::1\nnot-an-address\n' >"$T_DIR/badlist.txt"
c=$(conf badlist 'ip_whitelist = badlist.txt')
_out=$("$MX6_MILTER" -n -c "$c" 2>&1)
_st=$?
printf '  | %s\n' "$_out"
t_check "-n rejects a bad list entry: exit 1 (got $_st)" [ "$_st" = 1 ]
case $_out in
*"badlist.txt:2: "*) t_ok "-n names badlist.txt:2" ;;
*) t_notok "-n names badlist.txt:2" ;;
esac

t_section "an invalid configuration stops the daemon from starting"
c=$(conf invalid 'defer_reply = 450 5.7.1 mismatched class')
rm -f "$T_SOCK"
$MX6_MILTER_WRAPPER "$MX6_MILTER" -f -c "$c" -p "unix:$T_SOCK" >"$T_DIR/refuse.log" 2>&1 </dev/null &
T_PID=$!
if t_wait_exit "$(t_slow 5)"; then
	t_check "daemon exits 1 on an invalid config (got $T_STATUS)" [ "$T_STATUS" = 1 ]
else
	t_notok "daemon exits on an invalid config (still running after 5 s)"
	t_stop_quiet
fi
sed 's/^/  | /' "$T_DIR/refuse.log"
_ln=$((T_BASE_LINES + 1))
t_check "the start error names $c:$_ln" grep -Fq "$c:$_ln: " "$T_DIR/refuse.log"
t_check "no socket left behind" [ ! -S "$T_SOCK" ]

t_done
