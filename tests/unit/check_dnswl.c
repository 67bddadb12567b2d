/*
 * NAME
 *	check_dnswl 1
 * SUMMARY
 *	unit tests for lib/dnswl.c: DNS whitelists (RFC 5782)
 * DESCRIPTION
 *	A list is "ZONE" or "ZONE=PATTERN" as in Postfix's reject_rbl_client;
 *	the parser tests read the pattern back octet by octet and spell each
 *	error message exactly. The lookup tests put the list's records in a
 *	static resolver at the exact name RFC 5782 prescribes (reversed
 *	nibbles for IPv6, reversed octets for IPv4-mapped clients, DOMAIN.ZONE
 *	for domains), so a query at any other name finds nothing, and read
 *	the result: 1 with the first matching answer, 0 for a name that does
 *	not exist or an answer the pattern does not cover, -1 when DNS failed
 *	temporarily.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "dnswl.h"
#include "iplist.h"
#include "unit.h"

#define ZONE   "list.dnswl.test"
#define CLIENT "2001:db8::25"
#define CLIENT_QUERY                                                                     \
	"5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2." ZONE
#define CLIENT4	      "::ffff:192.0.2.25"
#define CLIENT4_QUERY "25.2.0.192." ZONE
#define DOMAIN	      "example.org"
#define DOMAIN_QUERY  DOMAIN "." ZONE

static struct mx6_dnswl_zone parsed(const char *spec)
{
	struct mx6_dnswl_zone z;
	char err[512] = "";

	ck_assert_msg(mx6_dnswl_parse(spec, &z, err, sizeof(err)) == 0,
		      "cannot parse '%s': %s", spec, err);
	return z;
}

static char parse_error[512];

/* The message for SPEC, which must not parse. */
static const char *rejected(const char *spec)
{
	struct mx6_dnswl_zone z;

	parse_error[0] = '\0';
	ck_assert_msg(mx6_dnswl_parse(spec, &z, parse_error, sizeof(parse_error)) < 0,
		      "'%s' was accepted", spec);
	return parse_error;
}

/* Whether octet K of Z's pattern allows VALUE. */
static int allows(const struct mx6_dnswl_zone *z, int k, unsigned value)
{
	return (z->octet[k].allowed[value / 8] >> (value % 8)) & 1;
}

/* Octet K of Z's pattern, written as the sorted list of the values it allows. */
static const char *octet_values(const struct mx6_dnswl_zone *z, int k)
{
	static char buf[1200];
	size_t o = 0;
	unsigned v;

	buf[0] = '\0';
	for (v = 0; v < 256; v++)
		if (allows(z, k, v))
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%u",
					      o ? "," : "", v);
	return buf;
}

/* A valid domain name of exactly LEN bytes: labels of 63 letters. */
static char *name_of_length(char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = i % 64 == 63 ? '.' : 'a';
	buf[len] = '\0';
	ck_assert_msg(len > 0 && buf[len - 1] != '.', "no name of %zu bytes", len);
	return buf;
}

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

static void a_record(struct mx6_dns *dns, const char *name, const char *quad)
{
	unsigned char bytes[4];

	ck_assert_int_eq(inet_pton(AF_INET, quad, bytes), 1);
	ck_assert_int_eq(mx6_dns_static_add(dns, name, MX6_RR_A, bytes, 4), 0);
}

static char answer[64];

static int check_ip(struct mx6_dns *dns, const char *spec, const char *client_text)
{
	struct mx6_dnswl_zone z = parsed(spec);
	struct mx6_addr client = addr(client_text);
	int result;

	strcpy(answer, "(untouched)");
	result = mx6_dnswl_check_ip(dns, &z, &client, answer, sizeof(answer));
	if (result != 1)
		ck_assert_msg(answer[0] == '\0', "result %d with answer '%s'", result,
			      answer);
	return result;
}

static int check_domain(struct mx6_dns *dns, const char *spec, const char *domain)
{
	struct mx6_dnswl_zone z = parsed(spec);
	int result;

	strcpy(answer, "(untouched)");
	result = mx6_dnswl_check_domain(dns, &z, domain, answer, sizeof(answer));
	if (result != 1)
		ck_assert_msg(answer[0] == '\0', "result %d with answer '%s'", result,
			      answer);
	return result;
}

/* Parsing: accepted forms */

START_TEST(zone_alone_accepts_any_answer_in_127_0_0_0_8)
{
	struct mx6_dnswl_zone z = parsed(ZONE);

	ck_assert_str_eq(z.zone, ZONE);
	ck_assert_str_eq(z.spec, ZONE);
	ck_assert_str_eq(octet_values(&z, 0), "127");
	ck_assert_int_eq(allows(&z, 1, 0) && allows(&z, 1, 255), 1);
	ck_assert_int_eq(allows(&z, 2, 0) && allows(&z, 2, 255), 1);
	ck_assert_int_eq(allows(&z, 3, 0) && allows(&z, 3, 255), 1);
}
END_TEST

START_TEST(trailing_dot_of_the_zone_is_dropped)
{
	struct mx6_dnswl_zone z = parsed(ZONE ".=127.0.0.2");

	ck_assert_str_eq(z.zone, ZONE);
	ck_assert_str_eq(z.spec, ZONE ".=127.0.0.2");
}
END_TEST

START_TEST(numbers_allow_exactly_one_value)
{
	struct mx6_dnswl_zone z = parsed(ZONE "=127.0.0.2");

	ck_assert_str_eq(z.zone, ZONE);
	ck_assert_str_eq(z.spec, ZONE "=127.0.0.2");
	ck_assert_str_eq(octet_values(&z, 0), "127");
	ck_assert_str_eq(octet_values(&z, 1), "0");
	ck_assert_str_eq(octet_values(&z, 2), "0");
	ck_assert_str_eq(octet_values(&z, 3), "2");
}
END_TEST

START_TEST(range_allows_both_ends_and_everything_between)
{
	struct mx6_dnswl_zone z = parsed(ZONE "=127.0.[0..255].[1..3]");
	unsigned v;

	for (v = 0; v < 256; v++)
		ck_assert_int_eq(allows(&z, 2, v), 1);
	ck_assert_str_eq(octet_values(&z, 3), "1,2,3");
	ck_assert_str_eq(octet_values(&z, 1), "0");
}
END_TEST

START_TEST(set_allows_its_members_only)
{
	struct mx6_dnswl_zone z = parsed(ZONE "=127.[2;4;8].0.[255]");

	ck_assert_str_eq(octet_values(&z, 1), "2,4,8");
	ck_assert_str_eq(octet_values(&z, 3), "255");
}
END_TEST

START_TEST(set_may_hold_ranges)
{
	struct mx6_dnswl_zone z = parsed(ZONE "=127.0.[1;3..5;9;9..10].[7..7]");

	ck_assert_str_eq(octet_values(&z, 2), "1,3,4,5,9,10");
	ck_assert_str_eq(octet_values(&z, 3), "7");
}
END_TEST

START_TEST(longest_zone_that_leaves_room_for_ipv6_queries_is_accepted)
{
	/* 189 bytes: 64 of reversed nibbles + 189 = 253 */
	char spec[200];
	struct mx6_dnswl_zone z;

	ck_assert_uint_eq(strlen(name_of_length(spec, 189)), 189);
	z = parsed(spec);
	ck_assert_str_eq(z.zone, spec);
}
END_TEST

/* Parsing: errors */

START_TEST(empty_specification_is_an_error)
{
	ck_assert_str_eq(rejected(""), "empty DNSWL specification");
}
END_TEST

START_TEST(overlong_specification_is_an_error)
{
	char spec[400];

	memset(spec, 'a', sizeof(spec) - 1);
	spec[sizeof(spec) - 1] = '\0';
	ck_assert_str_eq(rejected(spec), "DNSWL specification longer than 319 bytes");
}
END_TEST

START_TEST(invalid_zone_is_an_error)
{
	ck_assert_str_eq(
		rejected("list..dnswl.test=127.0.0.2"),
		"DNSWL 'list..dnswl.test=127.0.0.2': invalid zone 'list..dnswl.test'");
	ck_assert_str_eq(rejected("list dnswl.test"),
			 "DNSWL 'list dnswl.test': invalid zone 'list dnswl.test'");
	ck_assert_str_eq(rejected("=127.0.0.2"), "DNSWL '=127.0.0.2': invalid zone ''");
}
END_TEST

START_TEST(zone_without_room_for_ipv6_queries_is_an_error)
{
	char spec[200];
	char *want;

	name_of_length(spec, 190);
	want = unit_strdupf("DNSWL '%s': zone longer than 189 bytes leaves no "
			    "room for IPv6 queries",
			    spec);
	ck_assert_str_eq(rejected(spec), want);
	free(want);
}
END_TEST

START_TEST(empty_pattern_is_an_error)
{
	ck_assert_str_eq(rejected(ZONE "="), "DNSWL '" ZONE "=': empty pattern");
}
END_TEST

START_TEST(pattern_needs_four_octets)
{
	ck_assert_str_eq(rejected(ZONE "=127.0.0"),
			 "DNSWL '" ZONE "=127.0.0': pattern needs four octets");
	ck_assert_str_eq(rejected(ZONE "=127.0.0.2.1"),
			 "DNSWL '" ZONE "=127.0.0.2.1': pattern needs four octets");
	ck_assert_str_eq(rejected(ZONE "=127.0.[0..255]"),
			 "DNSWL '" ZONE "=127.0.[0..255]': pattern needs four octets");
}
END_TEST

START_TEST(empty_octet_is_an_error)
{
	ck_assert_str_eq(rejected(ZONE "=127..0.2"),
			 "DNSWL '" ZONE "=127..0.2': empty octet");
	ck_assert_str_eq(rejected(ZONE "=127.0.0."),
			 "DNSWL '" ZONE "=127.0.0.': empty octet");
}
END_TEST

START_TEST(invalid_octet_is_an_error)
{
	ck_assert_str_eq(rejected(ZONE "=127.0.x.2"),
			 "DNSWL '" ZONE "=127.0.x.2': invalid octet 'x'");
	ck_assert_str_eq(rejected(ZONE "=127.0.0.2a"),
			 "DNSWL '" ZONE "=127.0.0.2a': invalid octet '2a'");
	ck_assert_str_eq(rejected(ZONE "=127.0.0.-1"),
			 "DNSWL '" ZONE "=127.0.0.-1': invalid octet '-1'");
	ck_assert_str_eq(rejected(ZONE "=127.0.0.*"),
			 "DNSWL '" ZONE "=127.0.0.*': invalid octet '*'");
}
END_TEST

START_TEST(malformed_set_or_range_is_an_error)
{
	ck_assert_str_eq(rejected(ZONE "=127.0.0.[1;]"),
			 "DNSWL '" ZONE "=127.0.0.[1;]': invalid octet '[1;]'");
	ck_assert_str_eq(rejected(ZONE "=127.0.0.[;1]"),
			 "DNSWL '" ZONE "=127.0.0.[;1]': invalid octet '[;1]'");
	ck_assert_str_eq(rejected(ZONE "=127.0.0.[1..]"),
			 "DNSWL '" ZONE "=127.0.0.[1..]': invalid octet '[1..]'");
	ck_assert_str_eq(rejected(ZONE "=127.0.0.[1.3]"),
			 "DNSWL '" ZONE "=127.0.0.[1.3]': invalid octet '[1.3]'");
	ck_assert_str_eq(rejected(ZONE "=127.0.0.[1..3"),
			 "DNSWL '" ZONE "=127.0.0.[1..3': invalid octet '[1..3'");
	ck_assert_str_eq(rejected(ZONE "=127.0.[1..3]x.2"),
			 "DNSWL '" ZONE "=127.0.[1..3]x.2': invalid octet '[1..3]x'");
	ck_assert_str_eq(rejected(ZONE "=127.0.[1,2].2"),
			 "DNSWL '" ZONE "=127.0.[1,2].2': invalid octet '[1,2]'");
}
END_TEST

START_TEST(empty_set_is_an_error)
{
	ck_assert_str_eq(rejected(ZONE "=127.0.[].2"),
			 "DNSWL '" ZONE "=127.0.[].2': empty set '[]'");
}
END_TEST

START_TEST(value_above_255_is_an_error)
{
	ck_assert_str_eq(rejected(ZONE "=127.0.0.256"),
			 "DNSWL '" ZONE "=127.0.0.256': 256 is out of range 0..255");
	ck_assert_str_eq(rejected(ZONE "=127.0.[0..300].2"),
			 "DNSWL '" ZONE "=127.0.[0..300].2': 300 is out of range 0..255");
	ck_assert_str_eq(rejected(ZONE "=127.0.[1;99999999999].2"),
			 "DNSWL '" ZONE
			 "=127.0.[1;99999999999].2': 99999999999 is out of range 0..255");
}
END_TEST

START_TEST(backwards_range_is_an_error)
{
	ck_assert_str_eq(rejected(ZONE "=127.0.0.[5..3]"),
			 "DNSWL '" ZONE "=127.0.0.[5..3]': range 5..3 runs backwards");
}
END_TEST

/* Query names */

START_TEST(ipv6_client_is_asked_as_32_reversed_nibbles_under_the_zone)
{
	struct mx6_dns *dns = zone();

	a_record(dns, CLIENT_QUERY, "127.0.10.2");
	ck_assert_int_eq(check_ip(dns, ZONE, CLIENT), 1);
	ck_assert_str_eq(answer, "127.0.10.2");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(ipv6_query_uses_every_nibble_in_lower_case)
{
	struct mx6_dns *dns = zone();

	a_record(dns,
		 "8.9.a.b.c.d.e.f.0.0.0.0.0.0.0.0.2.1.0.0.d.c.b.a.8.b.d.0.1.0.0.2." ZONE,
		 "127.0.0.2");
	ck_assert_int_eq(check_ip(dns, ZONE, "2001:DB8:ABCD:12::FEDC:BA98"), 1);
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(ipv6_client_is_not_asked_under_ip6_arpa)
{
	struct mx6_dns *dns = zone();

	a_record(dns,
		 "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6."
		 "arpa." ZONE,
		 "127.0.0.2");
	ck_assert_int_eq(check_ip(dns, ZONE, CLIENT), 0);
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(zone_written_with_a_trailing_dot_is_asked_the_same)
{
	struct mx6_dns *dns = zone();

	a_record(dns, CLIENT_QUERY, "127.0.0.2");
	ck_assert_int_eq(check_ip(dns, ZONE ".", CLIENT), 1);
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(ipv4_mapped_client_is_asked_as_reversed_octets)
{
	struct mx6_dns *dns = zone();

	a_record(dns, CLIENT4_QUERY, "127.0.0.2");
	ck_assert_int_eq(check_ip(dns, ZONE, CLIENT4), 1);
	ck_assert_str_eq(answer, "127.0.0.2");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(ipv4_client_is_asked_as_reversed_octets)
{
	struct mx6_dns *dns = zone();

	a_record(dns, "7.100.51.198." ZONE, "127.0.0.3");
	ck_assert_int_eq(check_ip(dns, ZONE, "198.51.100.7"), 1);
	ck_assert_str_eq(answer, "127.0.0.3");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(domain_is_asked_under_the_zone)
{
	struct mx6_dns *dns = zone();

	a_record(dns, DOMAIN_QUERY, "127.0.5.2");
	ck_assert_int_eq(check_domain(dns, ZONE, DOMAIN), 1);
	ck_assert_str_eq(answer, "127.0.5.2");
	ck_assert_int_eq(check_domain(dns, ZONE, DOMAIN "."), 1);
	ck_assert_int_eq(check_domain(dns, ZONE, "EXAMPLE.Org"), 1);
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(domain_too_long_to_ask_under_the_zone_is_not_listed)
{
	struct mx6_dns *dns = zone();
	char domain[254];
	char *name;

	/* 237 bytes + "." + 15 bytes of zone = 253: the longest query */
	name_of_length(domain, 237);
	a_record(dns, name = unit_strdupf("%s.%s", domain, ZONE), "127.0.0.2");
	free(name);
	ck_assert_int_eq(check_domain(dns, ZONE, domain), 1);

	/* one more byte makes a name that cannot exist */
	name_of_length(domain, 238);
	a_record(dns, name = unit_strdupf("%s.%s", domain, ZONE), "127.0.0.2");
	free(name);
	ck_assert_int_eq(check_domain(dns, ZONE, domain), 0);
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(invalid_domain_is_not_listed)
{
	struct mx6_dns *dns = zone();

	ck_assert_int_eq(
		mx6_dns_static_fail(dns, "exa mple.org." ZONE, 0, MX6_DNS_TEMPFAIL), 0);
	ck_assert_int_eq(check_domain(dns, ZONE, "exa mple.org"), 0);
	ck_assert_int_eq(check_domain(dns, ZONE, ""), 0);
	ck_assert_int_eq(check_domain(dns, ZONE, "example..org"), 0);
	mx6_dns_free(&dns);
}
END_TEST

/* Answers */

START_TEST(answer_covered_by_the_pattern_is_listed)
{
	struct mx6_dns *dns = zone();

	a_record(dns, CLIENT_QUERY, "127.0.10.2");
	ck_assert_int_eq(check_ip(dns, ZONE "=127.0.[0..255].[1..3]", CLIENT), 1);
	ck_assert_str_eq(answer, "127.0.10.2");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(answer_outside_the_pattern_is_not_listed)
{
	struct mx6_dns *dns = zone();

	a_record(dns, CLIENT_QUERY, "127.0.10.0");
	ck_assert_int_eq(check_ip(dns, ZONE "=127.0.[0..255].[1..3]", CLIENT), 0);
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(any_answer_may_match_and_the_first_match_is_reported)
{
	struct mx6_dns *dns = zone();

	a_record(dns, CLIENT_QUERY, "127.0.10.0");
	a_record(dns, CLIENT_QUERY, "127.0.10.3");
	a_record(dns, CLIENT_QUERY, "127.0.10.1");
	ck_assert_int_eq(check_ip(dns, ZONE "=127.0.[0..255].[1..3]", CLIENT), 1);
	ck_assert_str_eq(answer, "127.0.10.3");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(domain_answers_are_matched_against_the_pattern)
{
	struct mx6_dns *dns = zone();

	a_record(dns, DOMAIN_QUERY, "127.0.15.0");
	ck_assert_int_eq(check_domain(dns, ZONE "=127.0.[0..255].[1..3]", DOMAIN), 0);
	a_record(dns, DOMAIN_QUERY, "127.0.15.1");
	ck_assert_int_eq(check_domain(dns, ZONE "=127.0.[0..255].[1..3]", DOMAIN), 1);
	ck_assert_str_eq(answer, "127.0.15.1");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(without_pattern_an_answer_outside_127_0_0_0_8_is_not_listed)
{
	struct mx6_dns *dns = zone();

	a_record(dns, CLIENT_QUERY, "128.0.0.2");
	a_record(dns, CLIENT_QUERY, "10.0.0.2");
	ck_assert_int_eq(check_ip(dns, ZONE, CLIENT), 0);
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(without_pattern_any_answer_in_127_0_0_0_8_is_listed)
{
	struct mx6_dns *dns = zone();

	a_record(dns, CLIENT_QUERY, "10.0.0.2");
	a_record(dns, CLIENT_QUERY, "127.255.255.255");
	ck_assert_int_eq(check_ip(dns, ZONE, CLIENT), 1);
	ck_assert_str_eq(answer, "127.255.255.255");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(a_record_of_the_wrong_length_is_ignored)
{
	struct mx6_dns *dns = zone();
	const unsigned char five[] = {127, 0, 0, 2, 0};

	ck_assert_int_eq(mx6_dns_static_add(dns, CLIENT_QUERY, MX6_RR_A, five, 5), 0);
	ck_assert_int_eq(check_ip(dns, ZONE, CLIENT), 0);
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(short_answer_buffer_is_truncated_not_overrun)
{
	struct mx6_dns *dns = zone();
	struct mx6_dnswl_zone z = parsed(ZONE);
	struct mx6_addr client = addr(CLIENT);
	char small[8];

	a_record(dns, CLIENT_QUERY, "127.0.10.2");
	ck_assert_int_eq(mx6_dnswl_check_ip(dns, &z, &client, small, sizeof(small)), 1);
	ck_assert_str_eq(small, "127.0.1");
	ck_assert_int_eq(mx6_dnswl_check_ip(dns, &z, &client, NULL, 0), 1);
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(name_that_does_not_exist_is_not_listed)
{
	struct mx6_dns *dns = zone();

	a_record(dns,
		 "6.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2." ZONE,
		 "127.0.0.2");
	ck_assert_int_eq(check_ip(dns, ZONE, CLIENT), 0);
	ck_assert_int_eq(check_domain(dns, ZONE, DOMAIN), 0);
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(name_without_a_records_is_not_listed)
{
	struct mx6_dns *dns = zone();
	const unsigned char txt[] = {6, 'l', 'i', 's', 't', 'e', 'd'};

	/* NODATA: RFC 5782 TXT record without its A record */
	ck_assert_int_eq(
		mx6_dns_static_add(dns, CLIENT_QUERY, MX6_RR_TXT, txt, sizeof(txt)), 0);
	ck_assert_int_eq(check_ip(dns, ZONE, CLIENT), 0);
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(temporary_dns_failure_is_minus_one)
{
	struct mx6_dns *dns = zone();

	ck_assert_int_eq(
		mx6_dns_static_fail(dns, CLIENT_QUERY, MX6_RR_A, MX6_DNS_TEMPFAIL), 0);
	ck_assert_int_eq(mx6_dns_static_fail(dns, DOMAIN_QUERY, 0, MX6_DNS_TEMPFAIL), 0);
	ck_assert_int_eq(check_ip(dns, ZONE, CLIENT), -1);
	ck_assert_int_eq(check_domain(dns, ZONE, DOMAIN), -1);
	mx6_dns_free(&dns);
}
END_TEST

static Suite *dnswl_suite(void)
{
	Suite *s = suite_create("dnswl");
	TCase *tc;

	tc = tcase_create("parsing");
	tcase_add_test(tc, zone_alone_accepts_any_answer_in_127_0_0_0_8);
	tcase_add_test(tc, trailing_dot_of_the_zone_is_dropped);
	tcase_add_test(tc, numbers_allow_exactly_one_value);
	tcase_add_test(tc, range_allows_both_ends_and_everything_between);
	tcase_add_test(tc, set_allows_its_members_only);
	tcase_add_test(tc, set_may_hold_ranges);
	tcase_add_test(tc, longest_zone_that_leaves_room_for_ipv6_queries_is_accepted);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse errors");
	tcase_add_test(tc, empty_specification_is_an_error);
	tcase_add_test(tc, overlong_specification_is_an_error);
	tcase_add_test(tc, invalid_zone_is_an_error);
	tcase_add_test(tc, zone_without_room_for_ipv6_queries_is_an_error);
	tcase_add_test(tc, empty_pattern_is_an_error);
	tcase_add_test(tc, pattern_needs_four_octets);
	tcase_add_test(tc, empty_octet_is_an_error);
	tcase_add_test(tc, invalid_octet_is_an_error);
	tcase_add_test(tc, malformed_set_or_range_is_an_error);
	tcase_add_test(tc, empty_set_is_an_error);
	tcase_add_test(tc, value_above_255_is_an_error);
	tcase_add_test(tc, backwards_range_is_an_error);
	suite_add_tcase(s, tc);

	tc = tcase_create("query names");
	tcase_add_test(tc, ipv6_client_is_asked_as_32_reversed_nibbles_under_the_zone);
	tcase_add_test(tc, ipv6_query_uses_every_nibble_in_lower_case);
	tcase_add_test(tc, ipv6_client_is_not_asked_under_ip6_arpa);
	tcase_add_test(tc, zone_written_with_a_trailing_dot_is_asked_the_same);
	tcase_add_test(tc, ipv4_mapped_client_is_asked_as_reversed_octets);
	tcase_add_test(tc, ipv4_client_is_asked_as_reversed_octets);
	tcase_add_test(tc, domain_is_asked_under_the_zone);
	tcase_add_test(tc, domain_too_long_to_ask_under_the_zone_is_not_listed);
	tcase_add_test(tc, invalid_domain_is_not_listed);
	suite_add_tcase(s, tc);

	tc = tcase_create("answers");
	tcase_add_test(tc, answer_covered_by_the_pattern_is_listed);
	tcase_add_test(tc, answer_outside_the_pattern_is_not_listed);
	tcase_add_test(tc, any_answer_may_match_and_the_first_match_is_reported);
	tcase_add_test(tc, domain_answers_are_matched_against_the_pattern);
	tcase_add_test(tc, without_pattern_an_answer_outside_127_0_0_0_8_is_not_listed);
	tcase_add_test(tc, without_pattern_any_answer_in_127_0_0_0_8_is_listed);
	tcase_add_test(tc, a_record_of_the_wrong_length_is_ignored);
	tcase_add_test(tc, short_answer_buffer_is_truncated_not_overrun);
	tcase_add_test(tc, name_that_does_not_exist_is_not_listed);
	tcase_add_test(tc, name_without_a_records_is_not_listed);
	tcase_add_test(tc, temporary_dns_failure_is_minus_one);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_main(dnswl_suite());
}
