#!/bin/sh
# tests/report/report.sh -- mx6-report on decision logs recorded from real
# runs of the e2e and milter tests (tests/data/report/README).
#
# Every expected number is derived here from the fixtures with awk, sort
# and GNU date (timestamps), independently of lib/logline.c, and compared
# with mx6-report's --json (read with python3) and text output: totals per
# class, the per-listener table, would-defer, the top lists, the period
# filters in both timestamp forms, junk lines, stdin, the tracking cap.
set -u

: "${srcdir:=.}"
REPORT=${MX6_REPORT:-./milter/mx6-report}
DATA=$srcdir/tests/data/report
pass=0
fail=0

if [ ! -x "$REPORT" ]; then
	echo "SKIP: $REPORT is not built"
	exit 77
fi
for t in python3 awk; do
	command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t is not installed"; exit 77; }
done
# Syslog and --since/--until times are local time: pin it.
TZ=UTC
LC_ALL=C
export TZ LC_ALL
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mx6-report.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); printf 'ok - %s\n' "$1"; }
not_ok() { fail=$((fail + 1)); printf 'not ok - %s\n' "$1"; }
# check DESC WANT GOT
check() {
	if [ "$2" = "$3" ]; then ok "$1 ($3)"; else not_ok "$1: want '$2', got '$3'"; fi
}
# check_file DESC WANT-FILE GOT-FILE
check_file() {
	if cmp -s "$2" "$3"; then
		ok "$1"
	else
		not_ok "$1"
		diff "$2" "$3" | sed 's/^/# /' | head -n 20
	fi
}
# json FILE PYTHON: run PYTHON with d = the parsed object.
json() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[2])' "$1" "$2"
}

# ---------------------------------------------------------------- expected
# expect FILE... : one tab-separated record per well-formed decision line:
# epoch (or "-"), client, listener, mode, class, action, reasons, from.
# A decision line has every field (SPEC 9) and is shorter than 8 KiB.
expect() {
	awk '
	length($0) < 8191 && match($0, /: client=\[[0-9a-fA-F:.]+\] helo=[^ ]* from=<[^ ]*> listener=[^ ]+ mode=[^ ]+ class=[^ ]+ action=[^ ]+ reasons=[^ ]*( source=[^ ]+)?( reply="[^"]*")?$/) {
		ts = "-"
		if ($0 ~ /^[A-Z][a-z][a-z] [ 0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9] /)
			ts = substr($0, 1, 15) " " YEAR
		else if ($0 ~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T/)
			ts = $1
		n = split(substr($0, RSTART + 2), f, " ")
		for (i = 1; i <= n; i++) {
			eq = index(f[i], "=")
			v[substr(f[i], 1, eq - 1)] = substr(f[i], eq + 1)
		}
		gsub(/[][]/, "", v["client"])
		gsub(/[<>]/, "", v["from"])
		printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", ts, v["client"], v["listener"], v["mode"],
		    v["class"], v["action"], v["reasons"], v["from"]
	}' YEAR="${YEAR:-2026}" "$@" >"$tmp/raw"
	# Timestamps to epoch seconds with GNU date, in one batch.
	awk -F '\t' '$1 != "-" { print $1 }' "$tmp/raw" | date -f - +%s >"$tmp/epochs"
	awk -F '\t' -v OFS='\t' -v epochs="$tmp/epochs" '$1 != "-" { getline $1 <epochs } { print }' \
		"$tmp/raw"
}

# in_period SINCE UNTIL (epochs, "" for open): records of the period.
in_period() {
	awk -F '\t' -v s="$1" -v u="$2" '$1 == "-" || ((s == "" || $1 >= s) && (u == "" || $1 < u))'
}

# Only IPv6 records (the fixtures' IPv4 clients are dotted quads).
v6() { awk -F '\t' '$2 ~ /:/'; }

# top N FIELD-PROGRAM: "count key" lines, highest count first, ties by key.
top() {
	sort | uniq -c | awk '{ print $1 "\t" $2 }' | sort -t "$(printf '\t')" -k1,1nr -k2,2 | head -n "$1"
}

net48() {
	awk -F '\t' '{
		a = $2; left = a
		if (index(a, "::")) left = substr(a, 1, index(a, "::") - 1)
		n = split(left, g, ":")
		for (i = n + 1; i <= 3; i++) g[i] = "0"
		for (i = 1; i <= 3; i++) { sub(/^0+/, "", g[i]); if (g[i] == "") g[i] = "0"; g[i] = tolower(g[i]) }
		if (g[1] == "0" || g[2] == "0") { print "net48: unsupported " a > "/dev/stderr"; exit 1 }
		print (g[3] == "0" ? g[1] ":" g[2] "::/48" : g[1] ":" g[2] ":" g[3] "::/48")
	}'
}
domains() { awk -F '\t' '{ d = $8; if (d == "") d = "<>"; else sub(/.*@/, "", d); print tolower(d) }'; }
reasons() { awk -F '\t' '{ n = split($7, r, ","); for (i = 1; i <= n; i++) print r[i] }'; }

listener_table() {
	awk -F '\t' '{
		k = $3 " " $4; t[k]++; c[k, $5]++
		if ($6 == "defer") d[k]++
		if ($6 == "reject") r[k]++
		if ($4 == "report" && $5 == "unknown") w[k]++
	} END {
		for (k in t) printf "%s %d %d %d %d %d %d %d\n", k, t[k], c[k, "trusted"], c[k, "green"],
			c[k, "unknown"], d[k], r[k], w[k]
	}' | sort
}

# compare_all DESC JSON-FILE RECORDS-FILE TOPN: every figure of the report.
compare_all() {
	_d=$1 _j=$2 _r=$3 _n=$4
	v6 <"$_r" >"$tmp/v6"
	check "$_d: IPv6 decisions" "$(wc -l <"$tmp/v6" | tr -d ' ')" \
		"$(json "$_j" 'print(d["ipv6"]["total"])')"
	check "$_d: IPv4 decisions" "$(awk -F '\t' '$2 !~ /:/' "$_r" | wc -l | tr -d ' ')" \
		"$(json "$_j" 'print(d["lines"]["ipv4"])')"
	for c in trusted green unknown; do
		check "$_d: $c" "$(awk -F '\t' -v c=$c '$5 == c' "$tmp/v6" | wc -l | tr -d ' ')" \
			"$(json "$_j" "print(d['ipv6']['$c'])")"
	done
	listener_table <"$tmp/v6" >"$tmp/want.listeners"
	json "$_j" 'for r in d["listeners"]:
    print(r["listener"], r["mode"], r["total"], r["trusted"], r["green"], r["unknown"], r["deferred"], r["rejected"], r["would_defer"])' |
		sort >"$tmp/got.listeners"
	check_file "$_d: per-listener table" "$tmp/want.listeners" "$tmp/got.listeners"
	check "$_d: would-defer in report mode" \
		"$(awk -F '\t' '$4 == "report" && $5 == "unknown"' "$tmp/v6" | wc -l | tr -d ' ')" \
		"$(json "$_j" 'print(d["report_mode"]["would_defer"])')"
	awk -F '\t' '$5 == "unknown"' "$tmp/v6" >"$tmp/unknown"
	awk -F '\t' '$5 == "trusted" || $5 == "green"' "$tmp/v6" >"$tmp/accepted"
	domains <"$tmp/unknown" | top "$_n" >"$tmp/want.domains"
	json "$_j" 'for e in d["top_unknown_domains"]: print("%d\t%s" % (e["count"], e["domain"]))' \
		>"$tmp/got.domains"
	check_file "$_d: top unknown domains" "$tmp/want.domains" "$tmp/got.domains"
	net48 <"$tmp/unknown" | top "$_n" >"$tmp/want.nets"
	json "$_j" 'for e in d["top_unknown_networks"]: print("%d\t%s" % (e["count"], e["network"]))' \
		>"$tmp/got.nets"
	check_file "$_d: top unknown /48 networks" "$tmp/want.nets" "$tmp/got.nets"
	reasons <"$tmp/unknown" | top "$_n" >"$tmp/want.ru"
	json "$_j" 'for e in d["top_reasons_unknown"]: print("%d\t%s" % (e["count"], e["reason"]))' \
		>"$tmp/got.ru"
	check_file "$_d: top reasons of unknown mail" "$tmp/want.ru" "$tmp/got.ru"
	reasons <"$tmp/accepted" | top "$_n" >"$tmp/want.ra"
	json "$_j" 'for e in d["top_reasons_accepted"]: print("%d\t%s" % (e["count"], e["reason"]))' \
		>"$tmp/got.ra"
	check_file "$_d: top reasons of trusted and green mail" "$tmp/want.ra" "$tmp/got.ra"
}

# ----------------------------------------------------------- the -f output
expect "$DATA/e2e.log" >"$tmp/e2e.rec"
[ -s "$tmp/e2e.rec" ] || not_ok "the e2e fixture has decision lines"
"$REPORT" --json "$DATA/e2e.log" >"$tmp/e2e.json"
check "e2e.log: exit status" 0 $?
compare_all "e2e.log" "$tmp/e2e.json" "$tmp/e2e.rec" 10
check "e2e.log: every line read" "$(wc -l <"$DATA/e2e.log" | tr -d ' ')" \
	"$(json "$tmp/e2e.json" 'print(d["lines"]["read"])')"
check "e2e.log: no timestamps, all untimed" "$(wc -l <"$tmp/e2e.rec" | tr -d ' ')" \
	"$(json "$tmp/e2e.json" 'print(d["lines"]["untimed"])')"
check "e2e.log: the rest are other lines" \
	"$(($(wc -l <"$DATA/e2e.log") - $(wc -l <"$tmp/e2e.rec")))" \
	"$(json "$tmp/e2e.json" 'print(d["lines"]["other"])')"
check "e2e.log: no malformed lines" 0 "$(json "$tmp/e2e.json" 'print(d["lines"]["malformed"])')"

# --top 3 and the text report agree with the JSON one.
"$REPORT" --json --top 3 "$DATA/e2e.log" >"$tmp/top3.json"
compare_all "e2e.log --top 3" "$tmp/top3.json" "$tmp/e2e.rec" 3
"$REPORT" "$DATA/e2e.log" >"$tmp/e2e.txt"
total=$(v6 <"$tmp/e2e.rec" | wc -l | tr -d ' ')
unknown=$(v6 <"$tmp/e2e.rec" | awk -F '\t' '$5 == "unknown"' | wc -l | tr -d ' ')
check "text: IPv6 total" "IPv6 decisions: $total" "$(grep '^IPv6 decisions:' "$tmp/e2e.txt")"
check "text: unknown count and percentage" \
	"$(awk -v u="$unknown" -v t="$total" 'BEGIN { printf "unknown %d %.1f%%", u, 100 * u / t }')" \
	"$(awk '$1 == "unknown" { print $1, $2, $3 }' "$tmp/e2e.txt")"
check "text: the report-mode row" \
	"$(v6 <"$tmp/e2e.rec" | listener_table | awk '$1 == "mta-report"')" \
	"$(awk '$1 == "mta-report" && NF == 9 { print $1, $2, $3, $4, $5, $6, $7, $8, $9 }' "$tmp/e2e.txt")"
first_domain=$(v6 <"$tmp/e2e.rec" | awk -F '\t' '$5 == "unknown"' | domains | top 1)
check "text: the top unknown domain" "$(printf '%s' "$first_domain" | tr '\t' ' ')" \
	"$(sed -n '/^top unknown sender domains/{n;p;}' "$tmp/e2e.txt" | awk '{ print $1, $2 }')"

# stdin gives the same report as the file.
"$REPORT" --json <"$DATA/e2e.log" >"$tmp/stdin.json"
check_file "stdin: same report as the file argument" "$tmp/e2e.json" "$tmp/stdin.json"

# --------------------------------------------------------------- syslog form
YEAR=2026 expect "$DATA/mail.log" >"$tmp/mail.rec"
"$REPORT" --json --year 2026 "$DATA/mail.log" >"$tmp/mail.json"
compare_all "mail.log" "$tmp/mail.json" "$tmp/mail.rec" 10
check "mail.log: nothing untimed" 0 "$(json "$tmp/mail.json" 'print(d["lines"]["untimed"])')"
check "mail.log: first decision" \
	"$(awk -F '\t' '{ print $1 }' "$tmp/mail.rec" | sort -n | head -n 1 | xargs -I{} date -d @{} +%Y-%m-%dT%H:%M:%S+0000)" \
	"$(json "$tmp/mail.json" 'print(d["period"]["first"])')"
# The same decisions as the -f log: the syslog prefix changes nothing.
json "$tmp/e2e.json" 'del d["lines"]; del d["period"]; print(json.dumps(d, sort_keys=True))' >"$tmp/a"
json "$tmp/mail.json" 'del d["lines"]; del d["period"]; print(json.dumps(d, sort_keys=True))' >"$tmp/b"
check_file "mail.log: the same figures as e2e.log" "$tmp/a" "$tmp/b"

since=$(date -d "2026-11-10" +%s)
until=$(date -d "2026-11-20 12:00" +%s)
in_period "$since" "$until" <"$tmp/mail.rec" >"$tmp/period.rec"
"$REPORT" --json --year 2026 --since 2026-11-10 --until "2026-11-20 12:00" "$DATA/mail.log" \
	>"$tmp/period.json"
compare_all "mail.log 2026-11-10..2026-11-20 12:00" "$tmp/period.json" "$tmp/period.rec" 10
check "mail.log period: decisions outside" \
	"$(($(wc -l <"$tmp/mail.rec") - $(wc -l <"$tmp/period.rec")))" \
	"$(json "$tmp/period.json" 'print(d["lines"]["outside_period"])')"
"$REPORT" --json --year 2025 --since 2026-01-01 "$DATA/mail.log" >"$tmp/y2025.json"
check "--year 2025: every November 2025 line is before 2026" \
	"$(wc -l <"$tmp/mail.rec" | tr -d ' ')" \
	"$(json "$tmp/y2025.json" 'print(d["lines"]["outside_period"])')"

# The year of a syslog time: this year, or last year if that is in the future.
now=$(date +%s)
today=$(date -d "@$now" '+%b %e %H:%M:%S')
ahead=$(date -d "@$((now + 3 * 86400))" '+%b %e %H:%M:%S')
line=": client=[2001:db8::1] helo=h from=<a@b.test> listener=l mode=report class=unknown action=report reasons=unlisted"
printf '%s mx mx6-milter[1]: Q1%s\n%s mx mx6-milter[1]: Q2%s\n' "$today" "$line" "$ahead" "$line" |
	"$REPORT" --json >"$tmp/year.json"
check "year inference: today is this year" "$(date -d "@$now" +%Y)" \
	"$(json "$tmp/year.json" 'print(d["period"]["last"][:4])')"
check "year inference: three days ahead is last year" \
	"$(date -d "@$((now + 3 * 86400))" +%Y | awk '{ print $1 - 1 }')" \
	"$(json "$tmp/year.json" 'print(d["period"]["first"][:4])')"

# RFC 3339 timestamps with offsets, around a UTC day boundary.
expect "$DATA/rsyslog.log" >"$tmp/rs.rec"
for p in "2026-12-01 2026-12-02" "2026-11-30 2026-12-01" "2026-12-01T09:00:00 2026-12-02T00:00:00"; do
	s=${p% *} u=${p#* }
	in_period "$(date -d "$s" +%s)" "$(date -d "$u" +%s)" <"$tmp/rs.rec" >"$tmp/rsp.rec"
	"$REPORT" --json --since "$s" --until "$u" "$DATA/rsyslog.log" >"$tmp/rsp.json"
	check "rsyslog.log $s..$u: decisions in the period" "$(wc -l <"$tmp/rsp.rec" | tr -d ' ')" \
		"$(json "$tmp/rsp.json" 'print(d["lines"]["decisions"])')"
	compare_all "rsyslog.log $s..$u" "$tmp/rsp.json" "$tmp/rsp.rec" 10
done

# -------------------------------------------------------------------- junk
expect "$DATA/junk.log" >"$tmp/junk.rec"
"$REPORT" --json "$DATA/junk.log" >"$tmp/junk.json"
check "junk.log: exit status" 0 $?
check "junk.log: well-formed decisions" "$(wc -l <"$tmp/junk.rec" | tr -d ' ')" \
	"$(json "$tmp/junk.json" 'print(d["lines"]["decisions"])')"
check "junk.log: the IPv4 decision is counted apart" \
	"$(awk -F '\t' '$2 !~ /:/' "$tmp/junk.rec" | wc -l | tr -d ' ')" \
	"$(json "$tmp/junk.json" 'print(d["lines"]["ipv4"])')"
check "junk.log: the IPv4 decision is in no IPv6 figure" 0 \
	"$(json "$tmp/junk.json" 'print(d["ipv6"]["total"])')"
# Malformed: starts like a decision ("QUEUEID: client=[...] helo=") but is
# not a whole one, or is longer than the 8 KiB line limit.
check "junk.log: malformed lines" \
	"$(awk '/: client=\[[^] ]*\] helo=/' "$DATA/junk.log" | wc -l | tr -d ' ' |
		awk -v d="$(wc -l <"$tmp/junk.rec")" '{ print $1 - d }')" \
	"$(json "$tmp/junk.json" 'print(d["lines"]["malformed"])')"
check "junk.log: other lines" "$(grep -avc ': client=\[[^] ]*\] helo=' "$DATA/junk.log")" \
	"$(json "$tmp/junk.json" 'print(d["lines"]["other"])')"
# Junk mixed into a good log changes none of the good figures.
cat "$DATA/mail.log" "$DATA/junk.log" "$DATA/mail.log" >"$tmp/mixed.log"
YEAR=2026 expect "$tmp/mixed.log" >"$tmp/mixed.rec"
"$REPORT" --json --year 2026 "$tmp/mixed.log" >"$tmp/mixed.json"
compare_all "mail.log+junk.log+mail.log" "$tmp/mixed.json" "$tmp/mixed.rec" 10

# ----------------------------------------------------------- bounded memory
# --max-tracked 2: the first two distinct unknown domains are tracked, the
# others are counted as untracked.
v6 <"$tmp/e2e.rec" | awk -F '\t' '$5 == "unknown"' | domains >"$tmp/doms"
first2=$(awk '!seen[$0]++' "$tmp/doms" | head -n 2)
untracked=$(awk -v a="$(echo "$first2" | sed -n 1p)" -v b="$(echo "$first2" | sed -n 2p)" \
	'$0 != a && $0 != b' "$tmp/doms" | wc -l | tr -d ' ')
"$REPORT" --json --max-tracked 2 "$DATA/e2e.log" >"$tmp/cap.json"
check "--max-tracked 2: two domains tracked" 2 \
	"$(json "$tmp/cap.json" 'print(d["top_unknown_domains_distinct"])')"
check "--max-tracked 2: the rest untracked" "$untracked" \
	"$(json "$tmp/cap.json" 'print(d["top_unknown_domains_untracked"])')"
check "--max-tracked 2: class totals unchanged" \
	"$(json "$tmp/e2e.json" 'print(d["ipv6"])')" "$(json "$tmp/cap.json" 'print(d["ipv6"])')"

# A large input in bounded memory: 200000 distinct /64s and domains, with
# the default cap (100000) the maximum resident set stays small.
awk 'BEGIN { for (i = 0; i < 200000; i++)
	printf "Q%d: client=[2001:db8:%x:%x::1] helo=h from=<a@d%d.test> listener=l mode=report class=unknown action=report reasons=unlisted\n",
	    i, int(i / 65536) + 1, i % 65536, i }' >"$tmp/big.log"
if [ -x /usr/bin/time ]; then
	/usr/bin/time -f '%M' -o "$tmp/rss" "$REPORT" --json "$tmp/big.log" >"$tmp/big.json"
	rss=$(cat "$tmp/rss")
	if [ "$rss" -lt 131072 ]; then ok "200000 distinct keys: max RSS ${rss} KiB < 128 MiB"
	else not_ok "200000 distinct keys: max RSS ${rss} KiB < 128 MiB"; fi
else
	"$REPORT" --json "$tmp/big.log" >"$tmp/big.json"
fi
check "200000 distinct domains: 100000 tracked, 100000 untracked" "100000 100000" \
	"$(json "$tmp/big.json" 'print(d["top_unknown_domains_distinct"], d["top_unknown_domains_untracked"])')"
check "200000 decisions: all would be deferred" 200000 \
	"$(json "$tmp/big.json" 'print(d["report_mode"]["would_defer"])')"

# At most 256 listener/mode rows (mx6-report(1)); the rest go to "(other)".
awk 'BEGIN { for (i = 0; i < 300; i++)
	printf "Q%d: client=[2001:db8::1] helo=h from=<a@b.test> listener=l%03d mode=report class=green action=accept reasons=noretry\n", i, i }' \
	>"$tmp/listeners.log"
"$REPORT" --json "$tmp/listeners.log" >"$tmp/listeners.json"
check "300 listeners: 256 rows and (other)" "257 (other) 44" \
	"$(json "$tmp/listeners.json" 'print(len(d["listeners"]), d["listeners"][-1]["listener"], d["listeners"][-1]["total"])')"

# ------------------------------------------------------------------ errors
"$REPORT" --json "$DATA/e2e.log" "$tmp/does-not-exist" >"$tmp/missing.json" 2>"$tmp/missing.err"
check "a missing file: exit 1" 1 $?
check "a missing file: the others are still reported" "$(json "$tmp/e2e.json" 'print(d["ipv6"])')" \
	"$(json "$tmp/missing.json" 'print(d["ipv6"])')"
"$REPORT" --since yesterday "$DATA/e2e.log" >/dev/null 2>"$tmp/bad.err"
check "a bad --since: exit 2" 2 $?
check "a bad --since: says why" 1 "$(grep -c "bad date 'yesterday'" "$tmp/bad.err")"

# Every option of the usage is documented in mx6-report(1).
for opt in $("$REPORT" --help | grep -o -- '--[a-z-]*' | sort -u); do
	roff=$(printf '%s' "$opt" | sed 's/-/\\-/g')
	if grep -qF -- ".B $roff" "$srcdir/man/mx6-report.1" ||
		grep -qF -- ".BI $roff " "$srcdir/man/mx6-report.1"; then
		ok "mx6-report(1) documents $opt"
	else
		not_ok "mx6-report(1) documents $opt"
	fi
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
