/*
 * NAME
 *	check_dnscache 1
 * SUMMARY
 *	unit tests for lib/dnscache.c: the in-process DNS answer cache
 * DESCRIPTION
 *	The cache sits in front of every DNS question the milter asks, so
 *	its mistakes would be verdicts: an answer served after its TTL, a
 *	temporary error remembered as "no record", NODATA turned into
 *	NXDOMAIN, an unbounded table. Each of those has a test, with the
 *	clock passed in by the test. The last test runs threads against one
 *	small cache (lookups, stores and evictions at once) and checks every
 *	answer it gets back.
 */
#include "autoconf.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "dns.h"
#include "dnscache.h"
#include "unit.h"

/* A result with the given records (wire rdata as strings). */
static struct mx6_dns_result answer(enum mx6_dns_status status, char **rr, int *len,
				    unsigned n)
{
	struct mx6_dns_result r;
	unsigned i;

	memset(&r, 0, sizeof(r));
	r.status = status;
	r.rcode = status == MX6_DNS_NXDOMAIN ? 3 : 0;
	r.count = n;
	r.rr = rr;
	r.rrlen = len;
	for (i = 0; i < n; i++)
		len[i] = (int)strlen(rr[i]);
	return r;
}

START_TEST(answer_served_within_ttl_and_not_after)
{
	struct mx6_dnscache *c = mx6_dnscache_new(16);
	char *rr[] = {"v=spf1 -all", "second", NULL};
	int len[3];
	struct mx6_dns_result r = answer(MX6_DNS_OK, rr, len, 2), got;

	ck_assert_int_eq(mx6_dnscache_put(c, "Example.ORG.", MX6_RR_TXT, &r, 300, 1000), 1);
	ck_assert_int_eq(mx6_dnscache_get(c, "example.org", MX6_RR_TXT, 1000, &got), 1);
	ck_assert_int_eq(got.status, MX6_DNS_OK);
	ck_assert_uint_eq(got.count, 2);
	ck_assert_int_eq(got.rrlen[1], 6);
	ck_assert(memcmp(got.rr[0], "v=spf1 -all", 11) == 0);
	ck_assert(memcmp(got.rr[1], "second", 6) == 0);
	ck_assert_ptr_null(got.packet);
	mx6_dns_result_free(&got);
	/* Another type of the same name is another question. */
	ck_assert_int_eq(mx6_dnscache_get(c, "example.org", MX6_RR_A, 1000, &got), 0);
	/* Last second of the TTL: still there; then gone, and removed. */
	ck_assert_int_eq(mx6_dnscache_get(c, "example.org", MX6_RR_TXT, 1299, &got), 1);
	mx6_dns_result_free(&got);
	ck_assert_int_eq(mx6_dnscache_get(c, "example.org", MX6_RR_TXT, 1300, &got), 0);
	ck_assert_uint_eq(mx6_dnscache_count(c), 0);
	mx6_dnscache_free(&c);
	ck_assert_ptr_null(c);
}
END_TEST

START_TEST(ttl_is_capped)
{
	struct mx6_dnscache *c = mx6_dnscache_new(16);
	char *rr[] = {"x", NULL};
	int len[2];
	struct mx6_dns_result r = answer(MX6_DNS_OK, rr, len, 1), got;

	ck_assert_int_eq(mx6_dnscache_put(c, "a.test", MX6_RR_TXT, &r, 4000000000u, 0), 1);
	ck_assert_int_eq(mx6_dnscache_get(c, "a.test", MX6_RR_TXT, MX6_DNSCACHE_MAX_TTL - 1, &got),
			 1);
	mx6_dns_result_free(&got);
	ck_assert_int_eq(mx6_dnscache_get(c, "a.test", MX6_RR_TXT, MX6_DNSCACHE_MAX_TTL, &got), 0);
	mx6_dnscache_free(&c);
}
END_TEST

START_TEST(negative_answers_keep_their_kind)
{
	struct mx6_dnscache *c = mx6_dnscache_new(16);
	struct mx6_dns_result nx = answer(MX6_DNS_NXDOMAIN, NULL, NULL, 0);
	struct mx6_dns_result nodata = answer(MX6_DNS_NODATA, NULL, NULL, 0), got;

	ck_assert_int_eq(mx6_dnscache_put(c, "gone.test", MX6_RR_TXT, &nx, 60, 0), 1);
	ck_assert_int_eq(mx6_dnscache_put(c, "there.test", MX6_RR_TXT, &nodata, 60, 0), 1);
	ck_assert_int_eq(mx6_dnscache_get(c, "gone.test", MX6_RR_TXT, 59, &got), 1);
	ck_assert_int_eq(got.status, MX6_DNS_NXDOMAIN);
	ck_assert_int_eq(got.rcode, 3);
	ck_assert_uint_eq(got.count, 0);
	/* Holds nothing, like the resolver's negative answers: callers of
	 * mx6_dns_lookup() free only results with data. */
	ck_assert_ptr_null(got.priv);
	ck_assert_int_eq(mx6_dnscache_get(c, "there.test", MX6_RR_TXT, 59, &got), 1);
	ck_assert_int_eq(got.status, MX6_DNS_NODATA);
	ck_assert_int_eq(got.rcode, 0);
	ck_assert_ptr_null(got.priv);
	ck_assert_int_eq(mx6_dnscache_get(c, "gone.test", MX6_RR_TXT, 60, &got), 0);
	mx6_dnscache_free(&c);
}
END_TEST

START_TEST(temporary_errors_and_zero_ttl_are_not_stored)
{
	struct mx6_dnscache *c = mx6_dnscache_new(16);
	char *rr[] = {"x", NULL};
	int len[2];
	struct mx6_dns_result tmp = answer(MX6_DNS_TEMPFAIL, NULL, NULL, 0);
	struct mx6_dns_result ok = answer(MX6_DNS_OK, rr, len, 1);
	struct mx6_dns_result empty = answer(MX6_DNS_OK, NULL, NULL, 0), got;

	tmp.rcode = 2; /* SERVFAIL */
	ck_assert_int_eq(mx6_dnscache_put(c, "a.test", MX6_RR_TXT, &tmp, 300, 0), 0);
	ck_assert_int_eq(mx6_dnscache_get(c, "a.test", MX6_RR_TXT, 0, &got), 0);
	ck_assert_int_eq(mx6_dnscache_put(c, "a.test", MX6_RR_TXT, &ok, 0, 0), 0);
	ck_assert_int_eq(mx6_dnscache_put(c, "a.test", MX6_RR_TXT, &empty, 300, 0), 0);
	ck_assert_uint_eq(mx6_dnscache_count(c), 0);
	/* A stored answer is not overwritten by a later temporary error... */
	ck_assert_int_eq(mx6_dnscache_put(c, "a.test", MX6_RR_TXT, &ok, 300, 0), 1);
	ck_assert_int_eq(mx6_dnscache_put(c, "a.test", MX6_RR_TXT, &tmp, 300, 1), 0);
	ck_assert_int_eq(mx6_dnscache_get(c, "a.test", MX6_RR_TXT, 2, &got), 1);
	ck_assert_int_eq(got.status, MX6_DNS_OK);
	mx6_dns_result_free(&got);
	/* ...but a newer definite answer replaces it. */
	ck_assert_int_eq(
	    mx6_dnscache_put(c, "a.test", MX6_RR_TXT, &(struct mx6_dns_result){.status = MX6_DNS_NXDOMAIN, .rcode = 3}, 30, 3),
	    1);
	ck_assert_uint_eq(mx6_dnscache_count(c), 1);
	ck_assert_int_eq(mx6_dnscache_get(c, "a.test", MX6_RR_TXT, 4, &got), 1);
	ck_assert_int_eq(got.status, MX6_DNS_NXDOMAIN);
	mx6_dns_result_free(&got);
	mx6_dnscache_free(&c);
}
END_TEST

START_TEST(size_is_bounded_least_recently_used_goes)
{
	struct mx6_dnscache *c = mx6_dnscache_new(4);
	char *rr[] = {"x", NULL};
	int len[2];
	struct mx6_dns_result ok = answer(MX6_DNS_OK, rr, len, 1), got, held;
	char name[32];
	int i;

	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "n%d.test", i);
		ck_assert_int_eq(mx6_dnscache_put(c, name, MX6_RR_A, &ok, 300, 0), 1);
	}
	/* n0 is used (and a reference kept), so n1 is the oldest now. */
	ck_assert_int_eq(mx6_dnscache_get(c, "n0.test", MX6_RR_A, 1, &held), 1);
	for (i = 4; i < 100; i++) {
		snprintf(name, sizeof(name), "n%d.test", i);
		ck_assert_int_eq(mx6_dnscache_put(c, name, MX6_RR_A, &ok, 300, 0), 1);
		ck_assert_uint_le(mx6_dnscache_count(c), 4);
		if (i == 4) {
			ck_assert_int_eq(mx6_dnscache_get(c, "n1.test", MX6_RR_A, 1, &got), 0);
			ck_assert_int_eq(mx6_dnscache_get(c, "n0.test", MX6_RR_A, 1, &got), 1);
			mx6_dns_result_free(&got);
		}
	}
	ck_assert_uint_eq(mx6_dnscache_count(c), 4);
	ck_assert_int_eq(mx6_dnscache_get(c, "n99.test", MX6_RR_A, 1, &got), 1);
	mx6_dns_result_free(&got);
	/* An evicted answer a session still holds stays readable. */
	ck_assert_int_eq(mx6_dnscache_get(c, "n0.test", MX6_RR_A, 1, &got), 0);
	ck_assert_int_eq(held.rrlen[0], 1);
	ck_assert(held.rr[0][0] == 'x');
	mx6_dns_result_free(&held);
	mx6_dnscache_free(&c);
}
END_TEST

START_TEST(over_long_names_are_not_cached)
{
	struct mx6_dnscache *c = mx6_dnscache_new(4);
	char *rr[] = {"x", NULL};
	int len[2];
	struct mx6_dns_result ok = answer(MX6_DNS_OK, rr, len, 1), got;
	char name[300];

	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	ck_assert_int_eq(mx6_dnscache_put(c, name, MX6_RR_A, &ok, 300, 0), 0);
	ck_assert_int_eq(mx6_dnscache_get(c, name, MX6_RR_A, 0, &got), 0);
	mx6_dnscache_free(&c);
}
END_TEST

struct worker {
	struct mx6_dnscache *cache;
	int id;
	int bad;
};

/* Every answer for nK.test is the text "K": anything else is a bug. */
static void *hammer(void *arg)
{
	struct worker *w = arg;
	char name[32], want[16];
	int i;

	for (i = 0; i < 20000; i++) {
		int k = (i * 7 + w->id * 13) % 64;
		struct mx6_dns_result got;

		snprintf(name, sizeof(name), "n%d.test", k);
		snprintf(want, sizeof(want), "%d", k);
		if (mx6_dnscache_get(w->cache, name, MX6_RR_TXT, 0, &got)) {
			if (got.count != 1 || got.rrlen[0] != (int)strlen(want) ||
			    memcmp(got.rr[0], want, strlen(want)) != 0)
				w->bad++;
			mx6_dns_result_free(&got);
		} else {
			char *rr[] = {want, NULL};
			int len[2];
			struct mx6_dns_result r = answer(MX6_DNS_OK, rr, len, 1);

			if (mx6_dnscache_put(w->cache, name, MX6_RR_TXT, &r, 300, 0) != 1)
				w->bad++;
		}
	}
	return NULL;
}

START_TEST(threads_share_one_cache)
{
	struct mx6_dnscache *c = mx6_dnscache_new(16);
	pthread_t t[4];
	struct worker w[4];
	int i;

	for (i = 0; i < 4; i++) {
		w[i] = (struct worker){.cache = c, .id = i};
		ck_assert_int_eq(pthread_create(&t[i], NULL, hammer, &w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(w[i].bad, 0);
	}
	ck_assert_uint_le(mx6_dnscache_count(c), 16);
	mx6_dnscache_free(&c);
}
END_TEST

static Suite *dnscache_suite(void)
{
	Suite *s = suite_create("dnscache");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, answer_served_within_ttl_and_not_after);
	tcase_add_test(tc, ttl_is_capped);
	tcase_add_test(tc, negative_answers_keep_their_kind);
	tcase_add_test(tc, temporary_errors_and_zero_ttl_are_not_stored);
	tcase_add_test(tc, size_is_bounded_least_recently_used_goes);
	tcase_add_test(tc, over_long_names_are_not_cached);
	tcase_add_test(tc, threads_share_one_cache);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_main(dnscache_suite());
}
