#!/bin/sh
# headers.sh -- anti-forgery (SPEC 5): on every message every X-MX6-Verdict
# header and every Authentication-Results header carrying our authserv-id
# is deleted (highest index first), Authentication-Results from other hosts
# are kept; what is added on accepted IPv6 mail; add_authres = no.
. "$(dirname "$0")/lib.sh"

t_begin "forged header removal and added headers"

cat >"$T_DIR/wl.txt" <<'EOF'
2001:db8::77
EOF
{
	t_base_conf
	cat <<'EOF'
default_mode = defensive
listener = mta-report report
ip_whitelist = wl.txt
EOF
} >"$T_DIR/milter.conf"
t_start "$T_DIR/milter.conf"

# Header order (1-based index per name, as chgheader counts):
#   X-MX6-Verdict          1 forged          -> delete
#   Authentication-Results 1 mx.test         -> delete
#   Authentication-Results 2 other.example   -> keep
#   X-MX6-Verdict          2 forged          -> delete
#   Authentication-Results 3 "  MX.TEST 1"   -> delete (case, version, white space)
#   Authentication-Results 4 folded mx.test  -> delete
#   Authentication-Results 5 mx.test.example -> keep (not our id)
#   x-mx6-verdict          3 lower case name -> delete
#   authentication-results 6 lower case name -> delete
#   Authentication-Results 7 notmx.test      -> keep
forged() {
	for h in \
		'X-MX6-Verdict: trusted; reason=ip_whitelist; source=forged:1' \
		'Authentication-Results: mx.test; spf=pass smtp.mailfrom=example.org' \
		'Authentication-Results: other.example; spf=pass smtp.mailfrom=example.org' \
		'X-MX6-Verdict: green; reason=forged' \
		'Authentication-Results:   MX.TEST 1; none' \
		'Authentication-Results: mx.test;\n\tdkim=pass header.d=example.org' \
		'Authentication-Results: mx.test.example; spf=pass' \
		'x-mx6-verdict: trusted' \
		'authentication-results: mx.test; dmarc=pass' \
		'Authentication-Results: notmx.test; none'; do
		printf -- "-h\n%s\n" "$h"
	done
}

# check_deletions LABEL: the deletions above, highest index first.
check_deletions() {
	t_line_i "chgheader X-MX6-Verdict 3: (delete)" "$1: X-MX6-Verdict 3 deleted"
	t_line_i "chgheader X-MX6-Verdict 2: (delete)" "$1: X-MX6-Verdict 2 deleted"
	t_line_i "chgheader X-MX6-Verdict 1: (delete)" "$1: X-MX6-Verdict 1 deleted"
	t_line_i "chgheader Authentication-Results 6: (delete)" "$1: AR 6 (lower-case name) deleted"
	t_line_i "chgheader Authentication-Results 4: (delete)" "$1: AR 4 (folded) deleted"
	t_line_i "chgheader Authentication-Results 3: (delete)" "$1: AR 3 (MX.TEST 1) deleted"
	t_line_i "chgheader Authentication-Results 1: (delete)" "$1: AR 1 (mx.test) deleted"
	t_nomatch '^chgheader [Aa]uthentication-[Rr]esults [257]:' "$1: AR from other.example, mx.test.example, notmx.test kept"
	t_nomatch '^chgheader X-MX6-Verdict [0-9]+: [^(]' "$1: no header changed, only deleted"
	_n=$(grep -c '^chgheader .*: (delete)$' "$T_OUT")
	t_check "$1: exactly 7 deletions (got $_n)" [ "$_n" = 7 ]
	# highest index first within each name
	_v=$(grep -i '^chgheader X-MX6-Verdict ' "$T_OUT" | sed 's/^chgheader [^ ]* \([0-9]*\):.*/\1/' | tr '\n' ' ')
	t_check "$1: X-MX6-Verdict deleted highest index first (got: $_v)" [ "$_v" = "3 2 1 " ]
	_a=$(grep -i '^chgheader Authentication-Results ' "$T_OUT" | sed 's/^chgheader [^ ]* \([0-9]*\):.*/\1/' | tr '\n' ' ')
	t_check "$1: Authentication-Results deleted highest index first (got: $_a)" [ "$_a" = "6 4 3 1 " ]
}

t_section "IPv4 client with forged headers"
# shellcheck disable=SC2046 # one argument per line of forged()
( set -f; IFS='
'; set -- $(forged); t_msg "$@" 192.0.2.66 ) | t_session v4-forged
t_rc 0
check_deletions IPv4
t_nomatch '^(insheader|addheader)' "IPv4: no header added"
t_line "eom: accept"

t_section "IPv6 whitelisted client with forged headers"
# shellcheck disable=SC2046 # one argument per line of forged()
( set -f; IFS='
'; set -- $(forged); t_msg "$@" 2001:db8::77 ) | t_session v6-forged
t_rc 0
check_deletions "IPv6 trusted"
t_line "insheader 0 $T_AR"
t_match '^insheader 0 X-MX6-Verdict: trusted; reason=ip_whitelist; source=[^ ]*wl\.txt:1$'
_added=$(grep -c '^\(insheader\|addheader\)' "$T_OUT")
t_check "IPv6 trusted: exactly two headers added (got $_added)" [ "$_added" = 2 ]
t_order "chgheader X-MX6-Verdict 1: (delete)" "insheader 0 $T_AR"
t_line "eom: accept"

t_section "IPv6 unknown client on a report listener with forged headers"
# shellcheck disable=SC2046 # one argument per line of forged()
( set -f; IFS='
'; set -- $(forged); t_msg -n mta-report "$@" 2001:db8::66 ) | t_session v6-report-forged
check_deletions "IPv6 report"
t_line "insheader 0 X-MX6-Verdict: unknown would-defer; reason=$T_REASONS"
t_line "eom: accept"

t_section "no forged headers: nothing deleted"
t_msg 2001:db8::77 | t_session v6-clean
t_nomatch '^chgheader' "nothing deleted"
t_line "eom: accept"

t_section "a header whose value is empty"
t_msg -h 'X-MX6-Verdict:' -h 'Authentication-Results:' 192.0.2.66 | t_session v4-empty
t_line_i "chgheader X-MX6-Verdict 1: (delete)" "empty X-MX6-Verdict deleted"
t_line "eom: accept"

t_section "add_authres = no"
{
	t_base_conf
	echo "ip_whitelist = wl.txt"
	echo "add_authres = no"
} >"$T_DIR/noar.conf"
t_start "$T_DIR/noar.conf"
t_msg -h 'Authentication-Results: mx.test; spf=pass' 2001:db8::77 | t_session v6-noar
t_nomatch '^insheader [0-9]+ Authentication-Results:' "no Authentication-Results added"
t_match '^insheader 0 X-MX6-Verdict: trusted; reason=ip_whitelist;' "X-MX6-Verdict still added"
t_line_i "chgheader Authentication-Results 1: (delete)" "forged AR still deleted"
t_line "eom: accept"

t_section "authserv_id is compared with the configured id"
{
	t_base_conf | sed 's/^authserv_id = .*/authserv_id = mx.other.test/'
	echo "ip_whitelist = wl.txt"
} >"$T_DIR/id.conf"
t_start "$T_DIR/id.conf"
t_msg -h 'Authentication-Results: mx.test; spf=pass' -h 'Authentication-Results: mx.other.test; spf=pass' \
	2001:db8::77 | t_session v6-authserv-id
t_line_i "chgheader Authentication-Results 2: (delete)" "AR of mx.other.test deleted"
t_nomatch '^chgheader Authentication-Results 1:' "AR of mx.test kept"
t_line "insheader 0 Authentication-Results: mx.other.test;\\n\\tspf=none smtp.mailfrom=example.org;\\n\\tdkim=none;\\n\\tdmarc=none header.from=example.org"

t_done
