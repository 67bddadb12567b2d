/*
 * NAME
 *	check_iprev 1
 * SUMMARY
 *	unit tests for lib/iprev.c: forward-confirmed reverse DNS
 * DESCRIPTION
 *	Each test builds the reverse and forward zones of one client in a
 *	static resolver and reads the iprev result (RFC 8601 3): pass with
 *	the confirmed name, fail, or temperror only when a temporary failure
 *	may have hidden a pass. The number of PTR names examined is bounded,
 *	so a hostile reverse zone cannot make the milter ask for hundreds.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "dns.h"
#include "iplist.h"
#include "iprev.h"
#include "unit.h"

#define CLIENT "2001:db8::25"
#define CLIENT_REV "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
#define CLIENT4 "::ffff:192.0.2.25"
#define CLIENT4_REV "25.2.0.192.in-addr.arpa"

static struct mx6_addr addr(const char *text)
{
	struct mx6_addr a;

	ck_assert_msg(mx6_addr_parse(text, &a) == 0, "cannot parse address '%s'", text);
	return a;
}

static struct mx6_dns *zone(void)
{
	struct mx6_dns *dns = mx6_dns_new_static(1000);

	ck_assert_ptr_nonnull(dns);
	return dns;
}

static void ptr(struct mx6_dns *dns, const char *name, const char *target)
{
	unsigned char rdata[300];
	int len = mx6_dns_name_to_wire(target, rdata, sizeof(rdata));

	ck_assert_int_gt(len, 0);
	ck_assert_int_eq(mx6_dns_static_add(dns, name, MX6_RR_PTR, rdata, (size_t)len), 0);
}

static void cname(struct mx6_dns *dns, const char *name, const char *target)
{
	unsigned char rdata[300];
	int len = mx6_dns_name_to_wire(target, rdata, sizeof(rdata));

	ck_assert_int_gt(len, 0);
	ck_assert_int_eq(mx6_dns_static_add(dns, name, MX6_RR_CNAME, rdata, (size_t)len),
			 0);
}

/* An AAAA record (16 bytes) or, for a dotted quad, an A record (4 bytes). */
static void address(struct mx6_dns *dns, const char *name, const char *text)
{
	unsigned char bytes[16];

	if (strchr(text, ':') != NULL) {
		ck_assert_int_eq(inet_pton(AF_INET6, text, bytes), 1);
		ck_assert_int_eq(mx6_dns_static_add(dns, name, MX6_RR_AAAA, bytes, 16), 0);
	} else {
		ck_assert_int_eq(inet_pton(AF_INET, text, bytes), 1);
		ck_assert_int_eq(mx6_dns_static_add(dns, name, MX6_RR_A, bytes, 4), 0);
	}
}

static void timeout(struct mx6_dns *dns, const char *name, int type)
{
	ck_assert_int_eq(mx6_dns_static_fail(dns, name, type, MX6_DNS_TEMPFAIL), 0);
}

static char name_found[256];

/* The result for CLIENT_TEXT, its name in name_found. */
static const char *iprev(struct mx6_dns *dns, const char *client_text, unsigned max_names)
{
	struct mx6_addr client = addr(client_text);
	enum mx6_auth result;

	strcpy(name_found, "(untouched)");
	result = mx6_iprev_check(dns, &client, max_names, name_found, sizeof(name_found));
	if (result != MX6_AUTH_PASS)
		ck_assert_msg(name_found[0] == '\0', "%s with name '%s'",
			      mx6_auth_name(result), name_found);
	return mx6_auth_name(result);
}

/* Reverse names */

START_TEST(reverse_name_of_ipv6_is_nibbles_under_ip6_arpa)
{
	struct mx6_addr a = addr(CLIENT);
	char buf[80];

	ck_assert_str_eq(mx6_reverse_name(&a, buf, sizeof(buf)), CLIENT_REV);
	ck_assert_str_eq(buf, CLIENT_REV);
}
END_TEST

START_TEST(reverse_name_of_ipv6_uses_every_nibble_in_lower_case)
{
	struct mx6_addr a = addr("2001:DB8:ABCD:12::FEDC:BA98");
	char buf[74];

	ck_assert_str_eq(
		mx6_reverse_name(&a, buf, sizeof(buf)),
		"8.9.a.b.c.d.e.f.0.0.0.0.0.0.0.0.2.1.0.0.d.c.b.a.8.b.d.0.1.0.0.2.ip6.arpa");
}
END_TEST

START_TEST(reverse_name_of_ipv4_mapped_is_under_in_addr_arpa)
{
	struct mx6_addr a = addr(CLIENT4);
	char buf[80];

	ck_assert_str_eq(mx6_reverse_name(&a, buf, sizeof(buf)), CLIENT4_REV);
	a = addr("198.51.100.7");
	ck_assert_str_eq(mx6_reverse_name(&a, buf, sizeof(buf)), "7.100.51.198.in-addr.arpa");
}
END_TEST

/* Results */

START_TEST(name_that_resolves_back_to_the_client_is_pass)
{
	struct mx6_dns *dns = zone();

	ptr(dns, CLIENT_REV, "mail.example.org");
	address(dns, "mail.example.org", "2001:db8::1");
	address(dns, "mail.example.org", CLIENT);
	ck_assert_str_eq(iprev(dns, CLIENT, MX6_IPREV_MAX_NAMES), "pass");
	ck_assert_str_eq(name_found, "mail.example.org");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(pass_names_the_confirming_name_not_the_first)
{
	struct mx6_dns *dns = zone();

	ptr(dns, CLIENT_REV, "www.example.org");
	ptr(dns, CLIENT_REV, "mail.example.org");
	address(dns, "www.example.org", "2001:db8::80");
	address(dns, "mail.example.org", CLIENT);
	ck_assert_str_eq(iprev(dns, CLIENT, MX6_IPREV_MAX_NAMES), "pass");
	ck_assert_str_eq(name_found, "mail.example.org");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(no_ptr_record_is_fail)
{
	struct mx6_dns *dns = zone();

	address(dns, "mail.example.org", CLIENT);
	ck_assert_str_eq(iprev(dns, CLIENT, MX6_IPREV_MAX_NAMES), "fail");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(reverse_name_without_ptr_record_is_fail)
{
	struct mx6_dns *dns = zone();
	const unsigned char txt[] = {3, 'a', 'b', 'c'};

	/* NODATA: the name exists with another type. */
	ck_assert_int_eq(mx6_dns_static_add(dns, CLIENT_REV, MX6_RR_TXT, txt, sizeof(txt)),
			 0);
	ck_assert_str_eq(iprev(dns, CLIENT, MX6_IPREV_MAX_NAMES), "fail");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(ptr_lookup_tempfail_is_temperror)
{
	struct mx6_dns *dns = zone();

	timeout(dns, CLIENT_REV, MX6_RR_PTR);
	address(dns, "mail.example.org", CLIENT);
	ck_assert_str_eq(iprev(dns, CLIENT, MX6_IPREV_MAX_NAMES), "temperror");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(name_with_another_address_is_fail)
{
	struct mx6_dns *dns = zone();

	ptr(dns, CLIENT_REV, "mail.example.org");
	address(dns, "mail.example.org", "2001:db8::26");
	ck_assert_str_eq(iprev(dns, CLIENT, MX6_IPREV_MAX_NAMES), "fail");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(name_with_only_an_ipv4_address_is_fail_for_an_ipv6_client)
{
	struct mx6_dns *dns = zone();

	ptr(dns, CLIENT_REV, "mail.example.org");
	address(dns, "mail.example.org", "192.0.2.25");
	ck_assert_str_eq(iprev(dns, CLIENT, MX6_IPREV_MAX_NAMES), "fail");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(name_that_does_not_exist_is_fail)
{
	struct mx6_dns *dns = zone();

	ptr(dns, CLIENT_REV, "gone.example.org");
	ck_assert_str_eq(iprev(dns, CLIENT, MX6_IPREV_MAX_NAMES), "fail");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(forward_tempfail_without_confirmation_is_temperror)
{
	struct mx6_dns *dns = zone();

	ptr(dns, CLIENT_REV, "slow.example.org");
	ptr(dns, CLIENT_REV, "www.example.org");
	timeout(dns, "slow.example.org", MX6_RR_AAAA);
	address(dns, "www.example.org", "2001:db8::80");
	ck_assert_str_eq(iprev(dns, CLIENT, MX6_IPREV_MAX_NAMES), "temperror");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(forward_tempfail_does_not_spoil_a_confirmation)
{
	struct mx6_dns *dns = zone();

	ptr(dns, CLIENT_REV, "slow.example.org");
	ptr(dns, CLIENT_REV, "mail.example.org");
	timeout(dns, "slow.example.org", 0);
	address(dns, "mail.example.org", CLIENT);
	ck_assert_str_eq(iprev(dns, CLIENT, MX6_IPREV_MAX_NAMES), "pass");
	ck_assert_str_eq(name_found, "mail.example.org");
	mx6_dns_free(&dns);
}
END_TEST

/* PTR names 1..COUNT, "host1.example.org" ...; the last one confirms. */
static struct mx6_dns *many_names(unsigned count)
{
	struct mx6_dns *dns = zone();
	char name[64];
	unsigned i;

	for (i = 1; i <= count; i++) {
		snprintf(name, sizeof(name), "host%u.example.org", i);
		ptr(dns, CLIENT_REV, name);
		address(dns, name, i == count ? CLIENT : "2001:db8::ffff");
	}
	return dns;
}

START_TEST(only_the_first_ten_names_are_examined)
{
	struct mx6_dns *dns = many_names(MX6_IPREV_MAX_NAMES + 1);

	ck_assert_uint_eq(MX6_IPREV_MAX_NAMES, 10);
	ck_assert_str_eq(iprev(dns, CLIENT, MX6_IPREV_MAX_NAMES), "fail");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(tenth_name_is_still_examined)
{
	struct mx6_dns *dns = many_names(MX6_IPREV_MAX_NAMES);

	ck_assert_str_eq(iprev(dns, CLIENT, MX6_IPREV_MAX_NAMES), "pass");
	ck_assert_str_eq(name_found, "host10.example.org");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(max_names_is_the_callers_bound)
{
	struct mx6_dns *dns = many_names(2);

	ck_assert_str_eq(iprev(dns, CLIENT, 1), "fail");
	ck_assert_str_eq(iprev(dns, CLIENT, 2), "pass");
	ck_assert_str_eq(name_found, "host2.example.org");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(malformed_ptr_record_is_skipped)
{
	struct mx6_dns *dns = zone();
	/* A label length past the end of the rdata. */
	const unsigned char bad[] = {40, 'm', 'a', 'i', 'l', 0};

	ck_assert_int_eq(mx6_dns_static_add(dns, CLIENT_REV, MX6_RR_PTR, bad, sizeof(bad)),
			 0);
	ptr(dns, CLIENT_REV, "mail.example.org");
	address(dns, "mail.example.org", CLIENT);
	ck_assert_str_eq(iprev(dns, CLIENT, MX6_IPREV_MAX_NAMES), "pass");
	ck_assert_str_eq(name_found, "mail.example.org");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(ipv4_mapped_client_is_confirmed_by_an_a_record)
{
	struct mx6_dns *dns = zone();

	ptr(dns, CLIENT4_REV, "mail.example.org");
	address(dns, "mail.example.org", "192.0.2.25");
	ck_assert_str_eq(iprev(dns, CLIENT4, MX6_IPREV_MAX_NAMES), "pass");
	ck_assert_str_eq(name_found, "mail.example.org");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(ipv4_mapped_client_is_not_confirmed_by_an_aaaa_record)
{
	struct mx6_dns *dns = zone();

	ptr(dns, CLIENT4_REV, "mail.example.org");
	address(dns, "mail.example.org", "::ffff:192.0.2.25");
	address(dns, "mail.example.org", "192.0.2.26");
	ck_assert_str_eq(iprev(dns, CLIENT4, MX6_IPREV_MAX_NAMES), "fail");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(classless_reverse_delegation_by_cname_is_followed)
{
	struct mx6_dns *dns = zone();

	/* RFC 2317 */
	cname(dns, CLIENT4_REV, "25.0-63.2.0.192.in-addr.arpa");
	ptr(dns, "25.0-63.2.0.192.in-addr.arpa", "mail.example.org");
	address(dns, "mail.example.org", "192.0.2.25");
	ck_assert_str_eq(iprev(dns, CLIENT4, MX6_IPREV_MAX_NAMES), "pass");
	ck_assert_str_eq(name_found, "mail.example.org");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(forward_lookup_is_case_insensitive)
{
	struct mx6_dns *dns = zone();

	ptr(dns, CLIENT_REV, "MAIL.Example.ORG");
	address(dns, "mail.example.org", CLIENT);
	ck_assert_str_eq(iprev(dns, CLIENT, MX6_IPREV_MAX_NAMES), "pass");
	ck_assert_str_eq(name_found, "MAIL.Example.ORG");
	mx6_dns_free(&dns);
}
END_TEST

static Suite *iprev_suite(void)
{
	Suite *s = suite_create("iprev");
	TCase *tc;

	tc = tcase_create("reverse names");
	tcase_add_test(tc, reverse_name_of_ipv6_is_nibbles_under_ip6_arpa);
	tcase_add_test(tc, reverse_name_of_ipv6_uses_every_nibble_in_lower_case);
	tcase_add_test(tc, reverse_name_of_ipv4_mapped_is_under_in_addr_arpa);
	suite_add_tcase(s, tc);

	tc = tcase_create("results");
	tcase_add_test(tc, name_that_resolves_back_to_the_client_is_pass);
	tcase_add_test(tc, pass_names_the_confirming_name_not_the_first);
	tcase_add_test(tc, no_ptr_record_is_fail);
	tcase_add_test(tc, reverse_name_without_ptr_record_is_fail);
	tcase_add_test(tc, ptr_lookup_tempfail_is_temperror);
	tcase_add_test(tc, name_with_another_address_is_fail);
	tcase_add_test(tc, name_with_only_an_ipv4_address_is_fail_for_an_ipv6_client);
	tcase_add_test(tc, name_that_does_not_exist_is_fail);
	tcase_add_test(tc, forward_tempfail_without_confirmation_is_temperror);
	tcase_add_test(tc, forward_tempfail_does_not_spoil_a_confirmation);
	tcase_add_test(tc, only_the_first_ten_names_are_examined);
	tcase_add_test(tc, tenth_name_is_still_examined);
	tcase_add_test(tc, max_names_is_the_callers_bound);
	tcase_add_test(tc, malformed_ptr_record_is_skipped);
	tcase_add_test(tc, ipv4_mapped_client_is_confirmed_by_an_a_record);
	tcase_add_test(tc, ipv4_mapped_client_is_not_confirmed_by_an_aaaa_record);
	tcase_add_test(tc, classless_reverse_delegation_by_cname_is_followed);
	tcase_add_test(tc, forward_lookup_is_case_insensitive);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_main(iprev_suite());
}
