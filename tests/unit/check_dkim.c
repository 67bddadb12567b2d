/*
 * NAME
 *	check_dkim 1
 * SUMMARY
 *	unit tests for lib/dkim.c: DKIM verification without a network
 * DESCRIPTION
 *	Each test signs a message with libopendkim and a fixed test key,
 *	publishes (or withholds) the key in a static resolver and feeds the
 *	message through mx6_dkim_verify_*() the way the milter does. They
 *	cover the key lookup outcomes as the resolver reports them, the
 *	feeding contract (bounds, order, -1 sticking), the signature limit,
 *	and verifications running in several threads at once. Results for
 *	real DNS answers, key sizes, expiry and malformed signatures are in
 *	tests/dkim/verify.sh.
 */
#include "autoconf.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opendkim/dkim.h>
#include <openssl/bio.h>
#include <openssl/x509.h>

#include "auth.h"
#include "dkim.h"
#include "dkimkey.h"
#include "dns.h"
#include "unit.h"

/* A 1024-bit RSA key made for these tests only. */
static const char test_key[] =
	"-----BEGIN RSA PRIVATE KEY-----\n"
	"MIICXQIBAAKBgQDWx1CZqD8y2P0jIuqGxnjOuDXJS2lb/uZou2uZXJOUBr/1VVvA\n"
	"b/2dD0L9hbpsUGEs0p1743jpL04GWhT51OTvnuekOj+gWem/em9aMikD7yKD0FEQ\n"
	"yBbWZnERUEoeHYACM03l1xRrkf8xgGxywys73m2QNWTINOSiEt8hVpk58wIDAQAB\n"
	"AoGARm/lcg8ocs+Q7RYFXh/2/KyTDyoJKp+FBvH4Trp6t8Ai8h2FUq4nuXuI18Yk\n"
	"pmMSC3YjKb8nJypZZ2HhoTF9xrJC2h3wj0griNqzVhb269Urwu6E1cjrs+K+fOLp\n"
	"pMtjNW3Nz+7dY2pB3KBXH5Q+tzmJKQ5cCiAbZfaYO018cCkCQQDsX51n1RcLgzgR\n"
	"F9KU4MohNyC0kt4BnXtnIqwyeJzJg480DhRA4YDo0c3CaYNSmOnxpt+qMTcIJj5y\n"
	"1Q40KTJPAkEA6Jys8fKy17YFjnpJwfq2XfNLczgUGIi1+p7tvbop1J+SD3gQnGOC\n"
	"dP4XzuFV87r6Y5gff8QQVVRkxMgycIpJHQJAEg4jqeC/B+QYDkYxkamyBuN9Hg3x\n"
	"41GyMWiWmqxX3ZStBZ7lsScIf8A25VjF7TM8+3Zxs0BbIcY6Eu9vTFCxRQJBAIh1\n"
	"EQfGpp/gyhWxK3++QimPRl3LMg7KdGcXwMQiZ9Ox4I9ukeAMiEV1oiXdDv0yXRz7\n"
	"6s6bCDHmlk7SWrSmiwkCQQC9pa+Yam4hTDGWcc0Fpq8d3UWFgRXCqYYurhLjHn+5\n"
	"OOdN5Y9hV30ZjcuaU7KJ4ZDy9QGNUCPnQm+xMDbZl6CR\n"
	"-----END RSA PRIVATE KEY-----\n";
static const char test_pub[] =
	"MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDWx1CZqD8y2P0jIuqGxnjOuDXJ"
	"S2lb/uZou2uZXJOUBr/1VVvAb/2dD0L9hbpsUGEs0p1743jpL04GWhT51OTvnuek"
	"Oj+gWem/em9aMikD7yKD0FEQyBbWZnERUEoeHYACM03l1xRrkf8xgGxywys73m2Q"
	"NWTINOSiEt8hVpk58wIDAQAB";

#define KEY_NAME "unit._domainkey.example.org"

static const char *const message_headers[][2] = {
	{"From", "Alice <alice@example.org>"},
	{"To", "bob@example.net"},
	{"Subject", "unit test"},
	{"Date", "Mon, 02 Dec 2024 10:00:00 +0000"},
};
#define NHEADERS (sizeof(message_headers) / sizeof(message_headers[0]))
static const char body[] = "Hello,\r\n\r\nthis is the body.\r\n";

/* The DKIM-Signature value (without "DKIM-Signature: ") for the message. */
static char *sign(const char *selector)
{
	DKIM_LIB *lib = dkim_init(NULL, NULL);
	DKIM_STAT status;
	DKIM *d;
	unsigned char *sig;
	size_t len, i;
	char *copy, line[512];

	ck_assert_ptr_nonnull(lib);
	d = dkim_sign(lib, (const unsigned char *)"unit", NULL, (dkim_sigkey_t)test_key,
		      (const unsigned char *)selector,
		      (const unsigned char *)"example.org", DKIM_CANON_RELAXED,
		      DKIM_CANON_RELAXED, DKIM_SIGN_RSASHA256, -1, &status);
	ck_assert_ptr_nonnull(d);
	for (i = 0; i < NHEADERS; i++) {
		snprintf(line, sizeof(line), "%s: %s", message_headers[i][0],
			 message_headers[i][1]);
		ck_assert_int_eq(dkim_header(d, (unsigned char *)line, strlen(line)),
				 DKIM_STAT_OK);
	}
	ck_assert_int_eq(dkim_eoh(d), DKIM_STAT_OK);
	ck_assert_int_eq(dkim_body(d, (unsigned char *)body, strlen(body)), DKIM_STAT_OK);
	ck_assert_int_eq(dkim_eom(d, NULL), DKIM_STAT_OK);
	ck_assert_int_eq(dkim_getsighdr_d(d, strlen("DKIM-Signature: "), &sig, &len),
			 DKIM_STAT_OK);
	copy = strndup((const char *)sig, len);
	ck_assert_ptr_nonnull(copy);
	dkim_free(d);
	dkim_close(lib);
	return copy;
}

/* Another 1024-bit public key: not the one the test key signs for. */
static const char other_pub[] =
	"MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDr/ZKJHFKQG3LjJnwtxh9NOGYcpod/vNRHSbxg+sstYMn8bmFa"
	"Kqk83GQGFgP7Z0jtryqoqreUbKwahcmFnQGZZzNav6mh9s6fHo/6NM3az/T3HGbPBE0i4X8Hny2SWSzX0vUoVD6h"
	"8clN/QIcpbBs9hkpCGLjiBb/zDWZFlYwxwIDAQAB";

static struct mx6_dns *zone_key(const char *pub);

/* A static resolver; with_key publishes the test key at KEY_NAME. */
static struct mx6_dns *zone(int with_key)
{
	return zone_key(with_key ? test_pub : NULL);
}

/* A static resolver publishing PUB (base64) at KEY_NAME, or nothing. */
static struct mx6_dns *zone_key(const char *pub)
{
	struct mx6_dns *dns = mx6_dns_new_static(1000);
	char txt[1024];
	unsigned char rdata[1100];
	size_t len, off = 0, n;

	ck_assert_ptr_nonnull(dns);
	if (pub != NULL) {
		snprintf(txt, sizeof(txt), "v=DKIM1; k=rsa; p=%s", pub);
		for (len = strlen(txt); off < len; off += n) {
			n = len - off > 255 ? 255 : len - off;
			rdata[off + off / 255] = (unsigned char)n;
			memcpy(rdata + off + off / 255 + 1, txt + off, n);
		}
		ck_assert_int_eq(mx6_dns_static_add(dns, KEY_NAME, MX6_RR_TXT, rdata,
						    len + (len + 254) / 255),
				 0);
	}
	return dns;
}

/*
 * Feeds SIGNATURES (NULL-terminated DKIM-Signature values, top first),
 * the headers and the body in CHUNK-byte pieces; returns the number of
 * entries, or -1 if a feeding function gave up.
 */
static long verify(struct mx6_dkim *dkim, const char *const *signatures, size_t chunk,
		   struct mx6_dkim_sig *sigs, size_t max)
{
	struct mx6_dkim_verify *v = mx6_dkim_verify_new(dkim);
	long n = -1;
	size_t i, off;

	ck_assert_ptr_nonnull(v);
	for (i = 0; signatures != NULL && signatures[i] != NULL; i++)
		if (mx6_dkim_verify_header(v, "DKIM-Signature", signatures[i]) < 0)
			goto out;
	for (i = 0; i < NHEADERS; i++)
		if (mx6_dkim_verify_header(v, message_headers[i][0],
					   message_headers[i][1]) < 0)
			goto out;
	if (mx6_dkim_verify_eoh(v) < 0)
		goto out;
	for (off = 0; off < strlen(body); off += chunk)
		if (mx6_dkim_verify_body(v, (const unsigned char *)body + off,
					 strlen(body) - off < chunk ? strlen(body) - off
								    : chunk) < 0)
			goto out;
	n = (long)mx6_dkim_verify_eom(v, sigs, max);
out:
	mx6_dkim_verify_free(&v);
	ck_assert_ptr_null(v);
	return n;
}

static struct mx6_dkim *verifier(struct mx6_dns *dns, unsigned max_signatures)
{
	char err[256];
	struct mx6_dkim *dkim = mx6_dkim_new(dns, max_signatures, err, sizeof(err));

	ck_assert_msg(dkim != NULL, "mx6_dkim_new: %s", err);
	return dkim;
}

/* The one entry for a message signed with selector "unit". */
static struct mx6_dkim_sig verify_one(struct mx6_dns *dns)
{
	struct mx6_dkim *dkim = verifier(dns, 5);
	struct mx6_dkim_sig sigs[4];
	char *sig = sign("unit");
	const char *list[] = {sig, NULL};

	ck_assert_int_eq(verify(dkim, list, 65535, sigs, 4), 1);
	free(sig);
	mx6_dkim_free(&dkim);
	ck_assert_ptr_null(dkim);
	return sigs[0];
}

START_TEST(published_key_passes)
{
	struct mx6_dns *dns = zone(1);
	struct mx6_dkim_sig sig = verify_one(dns);

	ck_assert_int_eq(sig.result, MX6_AUTH_PASS);
	ck_assert_str_eq(sig.domain, "example.org");
	ck_assert_str_eq(sig.selector, "unit");
	ck_assert_uint_eq(sig.key_bits, 1024);
	mx6_dns_free(&dns);
}
END_TEST

/*
 * libopendkim decodes the key of every signature; lib/dkimkey.c keeps
 * decoded keys by their bytes. The second verification must be served
 * from there, and a different key published under the same name must be
 * decoded afresh, never mistaken for the kept one.
 */
START_TEST(decoded_key_is_kept_and_a_changed_key_is_not_mistaken)
{
	struct mx6_dns *dns = zone(1), *other = zone_key(other_pub);
	unsigned long h0, m0, h1, m1, h2, m2;

	ck_assert_int_eq(verify_one(dns).result, MX6_AUTH_PASS);
	mx6_dkimkey_stats(&h0, &m0);
	ck_assert_int_eq(verify_one(dns).result, MX6_AUTH_PASS);
	mx6_dkimkey_stats(&h1, &m1);
	ck_assert_uint_eq(h1, h0 + 1);
	ck_assert_uint_eq(m1, m0);
	ck_assert_int_eq(verify_one(other).result, MX6_AUTH_FAIL);
	mx6_dkimkey_stats(&h2, &m2);
	ck_assert_uint_eq(h2, h1);
	ck_assert_uint_eq(m2, m1 + 1);
	ck_assert_int_eq(verify_one(dns).result, MX6_AUTH_PASS);
	mx6_dns_free(&dns);
	mx6_dns_free(&other);
}
END_TEST

/* Bytes that do not decode are never kept: each try decodes again. */
START_TEST(undecodable_key_is_not_kept)
{
	static const unsigned char junk[] = {0x30, 0x03, 0x02, 0x01, 0x05, 0xff};
	unsigned long h0, m0, h1, m1;
	int i;

	ck_assert_int_eq(mx6_dkimkey_init(), 0);
	mx6_dkimkey_stats(&h0, &m0);
	for (i = 0; i < 2; i++) {
		BIO *bio = BIO_new_mem_buf(junk, sizeof(junk));

		ck_assert_ptr_nonnull(bio);
		ck_assert_ptr_null(d2i_PUBKEY_bio(bio, NULL));
		BIO_free(bio);
	}
	mx6_dkimkey_stats(&h1, &m1);
	ck_assert_uint_eq(h1, h0);
	ck_assert_uint_eq(m1, m0 + 2);
}
END_TEST

START_TEST(missing_key_is_permerror)
{
	struct mx6_dns *dns = zone(0);
	struct mx6_dkim_sig sig = verify_one(dns);

	ck_assert_int_eq(sig.result, MX6_AUTH_PERMERROR);
	ck_assert_str_eq(sig.reason, "key not found in DNS");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(key_name_without_txt_is_permerror)
{
	struct mx6_dns *dns = zone(0);
	struct mx6_dkim_sig sig;
	const unsigned char a[4] = {192, 0, 2, 1};

	ck_assert_int_eq(mx6_dns_static_add(dns, KEY_NAME, MX6_RR_A, a, sizeof(a)), 0);
	sig = verify_one(dns);
	ck_assert_int_eq(sig.result, MX6_AUTH_PERMERROR);
	ck_assert_str_eq(sig.reason, "key not found in DNS");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(temporary_dns_failure_is_temperror)
{
	struct mx6_dns *dns = zone(1);
	struct mx6_dkim_sig sig;

	ck_assert_int_eq(mx6_dns_static_fail(dns, KEY_NAME, MX6_RR_TXT, MX6_DNS_TEMPFAIL),
			 0);
	sig = verify_one(dns);
	ck_assert_int_eq(sig.result, MX6_AUTH_TEMPERROR);
	ck_assert_str_eq(sig.reason, "key DNS query failed");
	mx6_dns_free(&dns);
}
END_TEST

/*
 * A key record of 16 KB does not fit libopendkim's 8 KB answer buffer,
 * now or later: a permanent error, not a DNS failure to retry (which
 * over IPv6 would defer the sender's mail for ever).
 */
START_TEST(key_record_too_large_is_permerror)
{
	struct mx6_dns *dns = zone(0);
	struct mx6_dkim_sig sig;
	size_t len = 16 * 1024, off, n, out = 0;
	char *txt = malloc(len + 1);
	unsigned char *rdata = malloc(len + len / 255 + 2);

	ck_assert_ptr_nonnull(txt);
	ck_assert_ptr_nonnull(rdata);
	memset(txt, 'A', len);
	memcpy(txt, "v=DKIM1; k=rsa; p=", 18);
	txt[len] = '\0';
	for (off = 0; off < len; off += n) {
		n = len - off > 255 ? 255 : len - off;
		rdata[out++] = (unsigned char)n;
		memcpy(rdata + out, txt + off, n);
		out += n;
	}
	ck_assert_int_eq(mx6_dns_static_add(dns, KEY_NAME, MX6_RR_TXT, rdata, out), 0);
	sig = verify_one(dns);
	ck_assert_int_eq(sig.result, MX6_AUTH_PERMERROR);
	ck_assert_str_eq(sig.reason, "key record too large");
	free(txt);
	free(rdata);
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(unsigned_message_has_no_entries)
{
	struct mx6_dns *dns = zone(1);
	struct mx6_dkim *dkim = verifier(dns, 5);
	struct mx6_dkim_sig sigs[4];

	ck_assert_int_eq(verify(dkim, NULL, 65535, sigs, 4), 0);
	mx6_dkim_free(&dkim);
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(body_in_one_byte_chunks_passes)
{
	struct mx6_dns *dns = zone(1);
	struct mx6_dkim *dkim = verifier(dns, 5);
	struct mx6_dkim_sig sigs[4];
	char *sig = sign("unit");
	const char *list[] = {sig, NULL};

	ck_assert_int_eq(verify(dkim, list, 1, sigs, 4), 1);
	ck_assert_int_eq(sigs[0].result, MX6_AUTH_PASS);
	free(sig);
	mx6_dkim_free(&dkim);
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(only_max_signatures_are_examined)
{
	struct mx6_dns *dns = zone(1);
	struct mx6_dkim *dkim = verifier(dns, 2);
	struct mx6_dkim_sig sigs[4];
	char *a = sign("first"), *b = sign("second"), *c = sign("unit");
	const char *list[] = {a, b, c, NULL};

	ck_assert_int_eq(verify(dkim, list, 65535, sigs, 4), 2);
	ck_assert_str_eq(sigs[0].selector, "first");
	ck_assert_str_eq(sigs[1].selector, "second");
	mx6_dkim_free(&dkim);
	dkim = verifier(dns, 5);
	ck_assert_int_eq(verify(dkim, list, 65535, sigs, 4), 3);
	ck_assert_int_eq(sigs[2].result, MX6_AUTH_PASS);
	/* The caller's array bounds the entries too. */
	ck_assert_int_eq(verify(dkim, list, 65535, sigs, 1), 1);
	free(a);
	free(b);
	free(c);
	mx6_dkim_free(&dkim);
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(unparsable_signature_is_permerror_and_spoils_nothing)
{
	struct mx6_dns *dns = zone(1);
	struct mx6_dkim *dkim = verifier(dns, 5);
	struct mx6_dkim_sig sigs[4];
	char *good = sign("unit");
	const char *list[] = {"v=1; a=rsa-sha256; d=example.org; nonsense", good, NULL};

	ck_assert_int_eq(verify(dkim, list, 65535, sigs, 4), 2);
	ck_assert_int_eq(sigs[0].result, MX6_AUTH_PERMERROR);
	ck_assert_int_eq(sigs[1].result, MX6_AUTH_PASS);
	free(good);
	mx6_dkim_free(&dkim);
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(oversized_field_makes_the_message_unverifiable)
{
	struct mx6_dns *dns = zone(1);
	struct mx6_dkim *dkim = verifier(dns, 5);
	struct mx6_dkim_verify *v = mx6_dkim_verify_new(dkim);
	struct mx6_dkim_sig sigs[4];
	size_t big = 200 * 1024;
	char *value = malloc(big + 1);

	ck_assert_ptr_nonnull(value);
	memset(value, 'a', big);
	value[big] = '\0';
	ck_assert_int_eq(mx6_dkim_verify_header(v, "From", "a@example.org"), 0);
	ck_assert_int_eq(mx6_dkim_verify_header(v, "X-Big", value), -1);
	/* Once given up, every step says so. */
	ck_assert_int_eq(mx6_dkim_verify_header(v, "To", "b@example.net"), -1);
	ck_assert_int_eq(mx6_dkim_verify_eoh(v), -1);
	ck_assert_int_eq(mx6_dkim_verify_body(v, (const unsigned char *)"x\r\n", 3), -1);
	ck_assert_uint_eq(mx6_dkim_verify_eom(v, sigs, 4), 0);
	free(value);
	mx6_dkim_verify_free(&v);
	mx6_dkim_free(&dkim);
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(too_many_fields_make_the_message_unverifiable)
{
	struct mx6_dns *dns = zone(1);
	struct mx6_dkim *dkim = verifier(dns, 5);
	struct mx6_dkim_verify *v = mx6_dkim_verify_new(dkim);
	int i, rc = 0;

	for (i = 0; i < 5000 && rc == 0; i++)
		rc = mx6_dkim_verify_header(v, "Received", "from somewhere");
	ck_assert_int_eq(rc, -1);
	ck_assert_int_gt(i, 100);
	mx6_dkim_verify_free(&v);
	mx6_dkim_free(&dkim);
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(steps_out_of_order_give_up)
{
	struct mx6_dns *dns = zone(1);
	struct mx6_dkim *dkim = verifier(dns, 5);
	struct mx6_dkim_verify *v = mx6_dkim_verify_new(dkim);
	struct mx6_dkim_sig sigs[4];
	char *sig = sign("unit");

	ck_assert_int_eq(mx6_dkim_verify_header(v, "DKIM-Signature", sig), 0);
	ck_assert_int_eq(mx6_dkim_verify_header(v, "From", "a@example.org"), 0);
	ck_assert_int_eq(mx6_dkim_verify_body(v, (const unsigned char *)"x\r\n", 3), -1);
	ck_assert_uint_eq(mx6_dkim_verify_eom(v, sigs, 4), 0);
	free(sig);
	mx6_dkim_verify_free(&v);
	mx6_dkim_free(&dkim);
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(end_of_message_without_end_of_headers_still_verifies)
{
	struct mx6_dns *dns = zone(1);
	struct mx6_dkim *dkim = verifier(dns, 5);
	struct mx6_dkim_verify *v = mx6_dkim_verify_new(dkim);
	struct mx6_dkim_sig sigs[4];
	char *sig = sign("unit");
	size_t i;

	ck_assert_int_eq(mx6_dkim_verify_header(v, "DKIM-Signature", sig), 0);
	for (i = 0; i < NHEADERS; i++)
		ck_assert_int_eq(mx6_dkim_verify_header(v, message_headers[i][0],
							message_headers[i][1]),
				 0);
	/* An empty body: the body hash cannot match, but an entry comes. */
	ck_assert_uint_eq(mx6_dkim_verify_eom(v, sigs, 4), 1);
	ck_assert_int_eq(sigs[0].result, MX6_AUTH_FAIL);
	ck_assert_str_eq(sigs[0].reason, "body hash mismatch");
	free(sig);
	mx6_dkim_verify_free(&v);
	mx6_dkim_free(&dkim);
	mx6_dns_free(&dns);
}
END_TEST

struct worker {
	struct mx6_dkim *dkim;
	const char *signature;
	int passes;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct mx6_dkim_sig sigs[2];
	const char *list[] = {w->signature, NULL};
	int i;

	for (i = 0; i < 50; i++)
		if (verify(w->dkim, list, 7, sigs, 2) == 1 &&
		    sigs[0].result == MX6_AUTH_PASS)
			w->passes++;
	return NULL;
}

START_TEST(concurrent_verifications_do_not_interfere)
{
	struct mx6_dns *dns = zone(1);
	struct mx6_dkim *dkim = verifier(dns, 5);
	struct worker w[4];
	pthread_t t[4];
	char *sig = sign("unit");
	int i;

	for (i = 0; i < 4; i++) {
		w[i].dkim = dkim;
		w[i].signature = sig;
		w[i].passes = 0;
		ck_assert_int_eq(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(w[i].passes, 50);
	}
	free(sig);
	mx6_dkim_free(&dkim);
	mx6_dns_free(&dns);
}
END_TEST

static Suite *dkim_suite(void)
{
	Suite *s = suite_create("dkim");
	TCase *tc;

	tc = tcase_create("key lookups");
	tcase_add_test(tc, published_key_passes);
	tcase_add_test(tc, decoded_key_is_kept_and_a_changed_key_is_not_mistaken);
	tcase_add_test(tc, undecodable_key_is_not_kept);
	tcase_add_test(tc, missing_key_is_permerror);
	tcase_add_test(tc, key_name_without_txt_is_permerror);
	tcase_add_test(tc, temporary_dns_failure_is_temperror);
	tcase_add_test(tc, key_record_too_large_is_permerror);
	suite_add_tcase(s, tc);

	tc = tcase_create("feeding");
	tcase_add_test(tc, unsigned_message_has_no_entries);
	tcase_add_test(tc, body_in_one_byte_chunks_passes);
	tcase_add_test(tc, end_of_message_without_end_of_headers_still_verifies);
	tcase_add_test(tc, steps_out_of_order_give_up);
	suite_add_tcase(s, tc);

	tc = tcase_create("bounds");
	tcase_add_test(tc, only_max_signatures_are_examined);
	tcase_add_test(tc, unparsable_signature_is_permerror_and_spoils_nothing);
	tcase_add_test(tc, oversized_field_makes_the_message_unverifiable);
	tcase_add_test(tc, too_many_fields_make_the_message_unverifiable);
	suite_add_tcase(s, tc);

	tc = tcase_create("threads");
	tcase_add_test(tc, concurrent_verifications_do_not_interfere);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_main(dkim_suite());
}
