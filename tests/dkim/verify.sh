#!/bin/sh
# tests/dkim/verify.sh -- DKIM verification (lib/dkim.c) against real DNS.
#
# Generates RSA keys with openssl, publishes them in a zone served by
# tests/dns/server.sh (a real unbound on a free loopback port), signs test
# messages with tests/dkim/dkim-sign (libopendkim's signer) and checks the
# exact per-signature lines tests/dkim/dkim-verify prints:
#	RESULT d=DOMAIN s=SELECTOR bits=N reason=REASON
# Key lookups go through lib/dns.c with a 1000 ms timeout.
#
# Runs from the top build directory (make check) with $srcdir pointing at
# the top source directory; MX6_TEST_KEEP=1 keeps the scratch directory.
# Exits 77 when unbound, python3 or openssl is missing.

set -u

top_srcdir=${srcdir:-$(dirname "$0")/../..}
SERVER=$top_srcdir/tests/dns/server.sh
SIGN=${DKIM_SIGN:-./tests/dkim/dkim-sign}
VERIFY=${DKIM_VERIFY:-./tests/dkim/dkim-verify}
TIMEOUT_MS=1000

for p in "$SIGN" "$VERIFY"; do
	[ -x "$p" ] || { echo "SKIP: $p is not built"; exit 77; }
done
command -v openssl >/dev/null 2>&1 || { echo "SKIP: openssl is not installed"; exit 77; }
"$SERVER" check || exit 77

T=$(mktemp -d "${TMPDIR:-/tmp}/mx6-dkim.XXXXXX") || exit 1
cleanup() {
	"$SERVER" stop "$T/server"
	if [ -n "${MX6_TEST_KEEP:-}" ]; then
		echo "# kept $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ------------------------------------------------------------ keys, zone

# genkey NAME BITS: NAME.pem (private) and NAME.pub (base64 DER public key)
genkey() {
	openssl genrsa -out "$T/$1.pem" "$2" 2>/dev/null
	openssl rsa -in "$T/$1.pem" -pubout -outform DER 2>/dev/null |
		base64 | tr -d '\n' >"$T/$1.pub"
	if [ ! -s "$T/$1.pub" ]; then
		echo "cannot generate a $2-bit RSA key with openssl"
		exit 1
	fi
}

# txt NAME TEXT: a zone line for a TXT record, split in 250-byte strings
txt() {
	printf "local-data: '%s TXT %s'\n" "$1" \
		"$(printf '%s' "$2" | fold -w 250 | sed 's/.*/"&"/' | tr '\n' ' ')"
}

genkey good 2048
genkey other 1024
genkey small 512

{
	echo 'local-zone: "example.test." static'
	txt sel1._domainkey.example.test. "v=DKIM1; k=rsa; p=$(cat "$T/good.pub")"
	txt small._domainkey.example.test. "v=DKIM1; k=rsa; p=$(cat "$T/small.pub")"
	txt revoked._domainkey.example.test. "v=DKIM1; k=rsa; p="
	txt badkey._domainkey.example.test. "v=DKIM1; k=rsa; p=bm90IGEga2V5"
	txt multi._domainkey.example.test. "v=DKIM1; k=rsa; p=$(cat "$T/good.pub")"
	txt multi._domainkey.example.test. "v=DKIM1; k=rsa; p=$(cat "$T/other.pub")"
	echo 'local-data: "nodata._domainkey.example.test. A 192.0.2.1"'
	echo 'local-zone: "example2.test." static'
	# sel2 publishes a different key than the one it signs with
	txt sel2._domainkey.example2.test. "v=DKIM1; k=rsa; p=$(cat "$T/other.pub")"
} >"$T/zone.conf"

"$SERVER" start "$T/server" 0 "$T/zone.conf" || exit 1
DNS="127.0.0.1@$(cat "$T/server/port")"
echo "# unbound on $DNS"

cat >"$T/msg.eml" <<'EOF'
From: Alice <alice@example.test>
To: Bob <bob@example.net>
Subject: DKIM test
Date: Mon, 02 Dec 2024 10:00:00 +0000
Message-ID: <dkim-test-1@example.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Hello Bob,

this message is   signed.	Trailing blanks and empty lines follow.  


EOF

# sign IN OUT DOMAIN SELECTOR KEY [dkim-sign options]
sign() {
	in=$1 out=$2 d=$3 s=$4 k=$5
	shift 5
	"$SIGN" -d "$d" -s "$s" -k "$T/$k.pem" "$@" "$T/$in" >"$T/$out" ||
		{ echo "dkim-sign failed for $out"; exit 1; }
}

# ------------------------------------------------------------ checks

passed=0
failed=0
elapsed=0

now_ms() { date +%s%3N; }

# check DESCRIPTION EXPECTED FILE [dkim-verify options]: the output of
# dkim-verify must be exactly EXPECTED (lines; "" for no signature).
check() {
	desc=$1
	want=$2
	file=$3
	shift 3
	t0=$(now_ms)
	"$VERIFY" -s "$DNS" -t "$TIMEOUT_MS" "$@" "$T/$file" >"$T/out" 2>"$T/err"
	rc=$?
	elapsed=$(($(now_ms) - t0))
	got=$(cat "$T/out")
	if [ $rc -eq 0 ] && [ "$got" = "$want" ]; then
		echo "ok - $desc"
		passed=$((passed + 1))
	else
		echo "not ok - $desc"
		echo "#   exit $rc; got:"
		sed 's/^/#     /' "$T/out" "$T/err"
		echo "#   want:"
		printf '%s\n' "$want" | sed 's/^/#     /'
		failed=$((failed + 1))
	fi
}

# within DESCRIPTION MIN_MS MAX_MS: the last check took MIN_MS..MAX_MS
within() {
	if [ "$elapsed" -ge "$2" ] && [ "$elapsed" -le "$3" ]; then
		echo "ok - $1 (${elapsed} ms)"
		passed=$((passed + 1))
	else
		echo "not ok - $1: took ${elapsed} ms, want $2..$3"
		failed=$((failed + 1))
	fi
}

PASS1="pass d=example.test s=sel1 bits=2048 reason=signature verified"

sign msg.eml relaxed.eml example.test sel1 good -c relaxed/relaxed
check "relaxed/relaxed signature passes" "$PASS1" relaxed.eml

sign msg.eml simple.eml example.test sel1 good -c simple/simple
check "simple/simple signature passes" "$PASS1" simple.eml
check "body fed with bare LF in 7-byte chunks still passes" "$PASS1" simple.eml -L -b 7

sed 's/this message is   signed/this message is signed/' "$T/simple.eml" >"$T/body-simple.eml"
check "simple body canonicalization notices changed blanks" \
	"fail d=example.test s=sel1 bits=2048 reason=body hash mismatch" body-simple.eml
sed 's/this message is   signed/this message is signed/' "$T/relaxed.eml" >"$T/body-relaxed.eml"
check "relaxed body canonicalization ignores changed blanks" "$PASS1" body-relaxed.eml

sed 's/^Hello Bob,/Hello Eve,/' "$T/relaxed.eml" >"$T/body.eml"
check "altered body fails" \
	"fail d=example.test s=sel1 bits=2048 reason=body hash mismatch" body.eml

sed 's/^Subject: DKIM test/Subject: DKIM test!/' "$T/relaxed.eml" >"$T/header.eml"
check "altered signed header fails" \
	"fail d=example.test s=sel1 bits=2048 reason=signature verification failed" header.eml

# Verifiers pick signed fields bottom-up: a field added above passes the
# signature check, and readers may see it instead.
{ echo "From: Mallory <mallory@example.net>"; cat "$T/relaxed.eml"; } >"$T/from2.eml"
check "an unsigned extra From field is policy" \
	"policy d=example.test s=sel1 bits=2048 reason=unsigned extra From field" from2.eml
sed '/^Subject:/i\
Subject: Urgent: reset your password' "$T/relaxed.eml" >"$T/subject2.eml"
check "an unsigned extra Subject field is policy" \
	"policy d=example.test s=sel1 bits=2048 reason=unsigned extra Subject field" subject2.eml
{ echo "Received: from somewhere"; echo "X-Extra: not signed"; cat "$T/relaxed.eml"; } >"$T/extra.eml"
check "unsigned fields the signature does not name are fine" "$PASS1" extra.eml
sign msg.eml oversigned.eml example.test sel1 good -O
check "oversigned From passes" "$PASS1" oversigned.eml
{ echo "From: Mallory <mallory@example.net>"; cat "$T/oversigned.eml"; } >"$T/oversigned2.eml"
check "an extra From above an oversigned one breaks the signature" \
	"fail d=example.test s=sel1 bits=2048 reason=signature verification failed" oversigned2.eml

now=$(date +%s)
sign msg.eml expired.eml example.test sel1 good -t $((now - 10 * 86400)) -x 86400
check "expired signature (x= in the past) is policy" \
	"policy d=example.test s=sel1 bits=0 reason=signature expired" expired.eml

sign msg.eml future.eml example.test sel1 good -t $((now + 86400))
check "signature dated a day ahead is policy" \
	"policy d=example.test s=sel1 bits=0 reason=signature timestamp in the future" future.eml

sign msg.eml missing.eml example.test missing good
check "missing key (NXDOMAIN) is permerror" \
	"permerror d=example.test s=missing bits=0 reason=key not found in DNS" missing.eml

sign msg.eml nodata.eml example.test nodata good
check "key name without TXT record (NODATA) is permerror" \
	"permerror d=example.test s=nodata bits=0 reason=key not found in DNS" nodata.eml

sign msg.eml revoked.eml example.test revoked good
check "revoked key (empty p=) is fail" \
	"fail d=example.test s=revoked bits=0 reason=key revoked" revoked.eml

sign msg.eml badkey.eml example.test badkey good
check "undecodable key is permerror" \
	"permerror d=example.test s=badkey bits=0 reason=unable to apply public key" badkey.eml

sign msg.eml multi.eml example.test multi good
check "two key records are permerror" \
	"permerror d=example.test s=multi bits=0 reason=multiple keys found" multi.eml

sign msg.eml small.eml example.test small small
check "512-bit key is policy" \
	"policy d=example.test s=small bits=512 reason=signing key too small" small.eml

sign msg.eml sha1.eml example.test sel1 good -a rsa-sha1
check "rsa-sha1 is policy (RFC 8301)" \
	"policy d=example.test s=sel1 bits=2048 reason=rsa-sha1 not accepted" sha1.eml

sign msg.eml servfail.eml servfail.test sel1 good
check "key lookup SERVFAIL is temperror" \
	"temperror d=servfail.test s=sel1 bits=0 reason=key DNS query failed" servfail.eml
within "SERVFAIL is reported at once" 0 $((TIMEOUT_MS - 100))

sign msg.eml refused.eml refused.test sel1 good
check "key lookup REFUSED is temperror" \
	"temperror d=refused.test s=sel1 bits=0 reason=key DNS query failed" refused.eml

sign msg.eml timeout.eml timeout.test sel1 good
check "key lookup timeout is temperror" \
	"temperror d=timeout.test s=sel1 bits=0 reason=key DNS query failed" timeout.eml
within "timeout is reported within the timeout" $((TIMEOUT_MS - 50)) $((TIMEOUT_MS + 1500))

sign relaxed.eml two.eml example2.test sel2 good
check "two signatures, one good and one bad: two entries, top first" \
	"fail d=example2.test s=sel2 bits=1024 reason=signature verification failed
$PASS1" two.eml

sign timeout.eml timeout-good.eml example.test sel1 good
check "a time-out does not spoil the next signature" \
	"$PASS1
temperror d=timeout.test s=sel1 bits=0 reason=key DNS query failed" timeout-good.eml

cp "$T/relaxed.eml" "$T/many.eml"
for i in 2 3 4 5 6 7; do
	sign many.eml many.tmp example.test "missing$i" good
	mv "$T/many.tmp" "$T/many.eml"
done
# missing_lines FROM TO: the expected lines for selectors missingFROM..TO
missing_lines() {
	i=$1
	while [ "$i" -ge "$2" ]; do
		echo "permerror d=example.test s=missing$i bits=0 reason=key not found in DNS"
		i=$((i - 1))
	done
}
check "seven signatures, max_signatures 3: the first 3 only" \
	"$(missing_lines 7 5)" many.eml -n 3
check "seven signatures, default max_signatures 5: the first 5 only" \
	"$(missing_lines 7 3)" many.eml
check "seven signatures, max_signatures 7: all of them" \
	"$(missing_lines 7 2)
$PASS1" many.eml -n 7

check "no signature: no entry" "" msg.eml

# ------------------------------------------------------------ malformed

# malformed NAME EXPECTED SED-EXPRESSION: the relaxed signature edited
malformed() {
	sed "$3" "$T/relaxed.eml" >"$T/bad-$1.eml"
	check "malformed signature ($1)" "$2" "bad-$1.eml"
}

# unparsable NAME EXPECTED FIELD: FIELD on top of the unsigned message
unparsable() {
	{ printf '%s\n' "$3"; cat "$T/msg.eml"; } >"$T/bad-$1.eml"
	check "malformed signature ($1)" "$2" "bad-$1.eml"
}

unparsable garbage "permerror d= s= bits=0 reason=signature syntax error" \
	"DKIM-Signature: this is not a tag list"
unparsable empty "permerror d= s= bits=0 reason=signature syntax error" \
	"DKIM-Signature:"
unparsable 8bit "permerror d= s= bits=0 reason=signature syntax error" \
	"$(printf 'DKIM-Signature: v=1; a=rsa-sha256; d=\351t\351.test; s=sel1; h=From; bh=YQ==; b=YQ==')"
unparsable semicolons "permerror d= s= bits=0 reason=signature syntax error" \
	"DKIM-Signature: ;;;=;=="
malformed no-d "permerror d= s= bits=0 reason=signature syntax error" \
	's/ d=example.test;//'
malformed no-bh "permerror d=example.test s=sel1 bits=0 reason=body hash missing" \
	's/^\(.\)bh=[^;]*;/\1/'
malformed corrupt-b "permerror d=example.test s=sel1 bits=0 reason=signature data corrupt" \
	's/^\(.\)b=/\1b=!!!/'
malformed version "neutral d=example.test s=sel1 bits=0 reason=unsupported signature version" \
	's/^DKIM-Signature: v=1/DKIM-Signature: v=2/'
malformed algorithm "neutral d=example.test s=sel1 bits=0 reason=signature algorithm invalid" \
	's/a=rsa-sha256/a=rsa-md5/'
malformed canon "neutral d=example.test s=sel1 bits=0 reason=invalid header canonicalization" \
	's/c=relaxed\/relaxed/c=loose\/relaxed/'
malformed no-from "permerror d=example.test s=sel1 bits=0 reason=header list missing required entries" \
	's/h=From:/h=/'
malformed identity "permerror d=example.test s=sel1 bits=0 reason=invalid domain coverage" \
	's/ d=example.test;/ d=example.test; i=alice@example.net;/'
malformed domain "permerror d=example..test s=sel1 bits=0 reason=invalid selector or domain" \
	's/ d=example.test;/ d=example..test;/'
long=$(printf '%0300d' 0)
malformed selector "permerror d=example.test s=$(printf '%.63s' "$long") bits=0 reason=invalid selector or domain" \
	"s/s=sel1;/s=$long;/"
malformed length "permerror d=example.test s=sel1 bits=0 reason=body length value invalid" \
	's/^\(.\)bh=/\1l=abc; bh=/'

{ echo "DKIM-Signature: v=1; a=rsa-sha256; this is not right"; cat "$T/relaxed.eml"; } >"$T/bad-plus-good.eml"
check "a malformed signature above a good one" \
	"permerror d= s= bits=0 reason=signature syntax error
$PASS1" bad-plus-good.eml

# ------------------------------------------------------------ bounds

{
	printf 'X-Big: '
	head -c 140000 /dev/zero | tr '\0' 'a'
	echo
	cat "$T/relaxed.eml"
} >"$T/bigfield.eml"
check "a header field over 128 KiB makes the message unverifiable" "unverifiable" bigfield.eml

{
	i=0
	while [ $i -lt 1001 ]; do
		echo "X-Many: $i"
		i=$((i + 1))
	done
	cat "$T/relaxed.eml"
} >"$T/manyfields.eml"
check "more than 1000 header fields make the message unverifiable" "unverifiable" manyfields.eml

# ------------------------------------------------------------ cost

"$VERIFY" -s "$DNS" -t "$TIMEOUT_MS" -r 300 "$T/relaxed.eml" 2>"$T/cost" >/dev/null
echo "# one 2048-bit relaxed/relaxed signature, key cached by the resolver: $(cat "$T/cost")"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
