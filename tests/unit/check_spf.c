/*
 * NAME
 *	check_spf 1
 * SUMMARY
 *	unit tests for lib/spf.c: SPF results through libspf2
 * DESCRIPTION
 *	Each test builds its zone in a static resolver and reads the result
 *	of mx6_spf_check() as the milter would: one test per RFC 7208
 *	result, per identity rule, per address family, per mechanism, per
 *	processing limit, and one for each libspf2 defect the adapter works
 *	around (so that a libspf2 upgrade or a replacement library has to
 *	pass them too). The last test runs checks from many threads at
 *	once. The RFC 7208 test suite (tests/conformance/) covers the
 *	record grammar in depth.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "dns.h"
#include "iplist.h"
#include "spf.h"
#include "unit.h"

#define HELO "mail.example.org"

static char problem[256]; /* of the last check */

static struct mx6_dns *zone(void)
{
	struct mx6_dns *dns = mx6_dns_new_static(1000);

	ck_assert_ptr_nonnull(dns);
	return dns;
}

static void add(struct mx6_dns *dns, const char *name, int type, const void *rdata,
		size_t len)
{
	ck_assert_int_eq(mx6_dns_static_add(dns, name, type, rdata, len), 0);
}

/* A TXT record of one string (split into 255-byte character-strings). */
static void txt(struct mx6_dns *dns, const char *name, const char *text)
{
	unsigned char rdata[4096];
	size_t len = strlen(text), n = 0, off = 0;

	do {
		size_t chunk = len - off > 255 ? 255 : len - off;

		ck_assert_uint_lt(n + chunk + 1, sizeof(rdata));
		rdata[n++] = (unsigned char)chunk;
		memcpy(rdata + n, text + off, chunk);
		n += chunk;
		off += chunk;
	} while (off < len);
	add(dns, name, MX6_RR_TXT, rdata, n);
}

static void a(struct mx6_dns *dns, const char *name, const char *address)
{
	unsigned char addr[16];

	if (strchr(address, ':') != NULL) {
		ck_assert_int_eq(inet_pton(AF_INET6, address, addr), 1);
		add(dns, name, MX6_RR_AAAA, addr, 16);
	} else {
		ck_assert_int_eq(inet_pton(AF_INET, address, addr), 1);
		add(dns, name, MX6_RR_A, addr, 4);
	}
}

static void name_record(struct mx6_dns *dns, const char *name, int type, int preference,
			const char *target)
{
	unsigned char rdata[300];
	int off = type == MX6_RR_MX ? 2 : 0, len;

	rdata[0] = (unsigned char)(preference >> 8);
	rdata[1] = (unsigned char)preference;
	len = mx6_dns_name_to_wire(target, rdata + off, sizeof(rdata) - 2);
	ck_assert_int_gt(len, 0);
	add(dns, name, type, rdata, (size_t)(len + off));
}

static void mx(struct mx6_dns *dns, const char *name, int preference, const char *target)
{
	name_record(dns, name, MX6_RR_MX, preference, target);
}

static void ptr(struct mx6_dns *dns, const char *name, const char *target)
{
	name_record(dns, name, MX6_RR_PTR, 0, target);
}

static void timeout(struct mx6_dns *dns, const char *name, int type)
{
	ck_assert_int_eq(mx6_dns_static_fail(dns, name, type, MX6_DNS_TEMPFAIL), 0);
}

static const char *check_identity(struct mx6_dns *dns, const char *client,
				  const char *helo, const char *sender,
				  enum mx6_spf_identity identity)
{
	struct mx6_spf *spf;
	struct mx6_addr addr;
	enum mx6_auth result;
	char err[256];

	ck_assert_int_eq(mx6_addr_parse(client, &addr), 0);
	spf = mx6_spf_new(dns, "mx.example.net", err, sizeof(err));
	ck_assert_msg(spf != NULL, "mx6_spf_new: %s", err);
	strcpy(problem, "(not cleared)");
	result = mx6_spf_check(spf, &addr, helo, sender, identity, problem,
			       sizeof(problem));
	mx6_spf_free(&spf);
	ck_assert_ptr_null(spf);
	if (result != MX6_AUTH_TEMPERROR && result != MX6_AUTH_PERMERROR)
		ck_assert_str_eq(problem, "");
	else
		ck_assert_msg(problem[0] != '\0', "%s without a problem",
			      mx6_auth_name(result));
	return mx6_auth_name(result);
}

/* The MAIL FROM identity: what the tests below mostly ask. */
static const char *check(struct mx6_dns *dns, const char *client, const char *sender)
{
	return check_identity(dns, client, HELO, sender, MX6_SPF_MAILFROM);
}

#define ck_assert_problem(needle)                                                        \
	ck_assert_msg(strstr(problem, needle) != NULL, "problem '%s' lacks '%s'",        \
		      problem, needle)

/*
 * The seven results
 */

START_TEST(no_spf_record_is_none)
{
	struct mx6_dns *dns = zone();

	txt(dns, "example.org", "google-site-verification=abc");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@example.org"), "none");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@nxdomain.example.org"), "none");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(question_mark_all_and_falling_off_the_end_are_neutral)
{
	struct mx6_dns *dns = zone();

	txt(dns, "example.org", "v=spf1 ip4:192.0.2.9 ?all");
	txt(dns, "example.net", "v=spf1 ip4:192.0.2.9");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@example.org"), "neutral");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@example.net"), "neutral");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(listed_address_passes)
{
	struct mx6_dns *dns = zone();

	txt(dns, "example.org", "v=spf1 ip4:192.0.2.0/24 -all");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@example.org"), "pass");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(minus_all_fails)
{
	struct mx6_dns *dns = zone();

	txt(dns, "example.org", "v=spf1 ip4:192.0.2.0/24 -all");
	ck_assert_str_eq(check(dns, "198.51.100.1", "user@example.org"), "fail");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(tilde_all_softfails)
{
	struct mx6_dns *dns = zone();

	txt(dns, "example.org", "v=spf1 ip4:192.0.2.0/24 ~all");
	ck_assert_str_eq(check(dns, "198.51.100.1", "user@example.org"), "softfail");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(timeout_of_an_address_lookup_is_temperror)
{
	struct mx6_dns *dns = zone();

	txt(dns, "example.org", "v=spf1 a:slow.example.org -all");
	timeout(dns, "slow.example.org", MX6_RR_A);
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@example.org"), "temperror");
	ck_assert_problem("slow.example.org");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(syntax_error_is_permerror)
{
	struct mx6_dns *dns = zone();

	txt(dns, "example.org", "v=spf1 ip4:192.0.2.300 -all");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@example.org"), "permerror");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(two_spf_records_are_permerror)
{
	struct mx6_dns *dns = zone();

	txt(dns, "example.org", "v=spf1 +all");
	txt(dns, "example.org", "v=spf1 -all");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@example.org"), "permerror");
	ck_assert_problem("more than one SPF record");
	mx6_dns_free(&dns);
}
END_TEST

/*
 * libspf2 defects the adapter works around
 */

/* SPF_request_query_mailfrom() says "(invalid)" here. */
START_TEST(timeout_of_the_domains_own_record_is_temperror)
{
	struct mx6_dns *dns = zone();

	timeout(dns, "example.org", MX6_RR_TXT);
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@example.org"), "temperror");
	ck_assert_problem("example.org");
	timeout(dns, "any.example.org", 0);
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@any.example.org"), "temperror");
	mx6_dns_free(&dns);
}
END_TEST

/* libspf2: SPF_E_NOT_SPF and "(invalid)". */
START_TEST(unknown_mechanism_is_permerror)
{
	struct mx6_dns *dns = zone();

	txt(dns, "example.org", "v=spf1 ip4:192.0.2.1 moo -all");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@example.org"), "permerror");
	txt(dns, "example.net", "v=spf1 redirect:example.org");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@example.net"), "permerror");
	mx6_dns_free(&dns);
}
END_TEST

/* libspf2 does not count void lookups at all. */
START_TEST(third_void_lookup_is_permerror)
{
	struct mx6_dns *dns = zone();

	txt(dns, "two.example.org", "v=spf1 a:nx1.example.org mx:nx2.example.org ?all");
	txt(dns, "three.example.org",
	    "v=spf1 a:nx1.example.org mx:nx2.example.org exists:nx3.example.org ?all");
	txt(dns, "nodata.example.org",
	    "v=spf1 a:nx1.example.org a:txt.example.org "
	    "a:txt.example.org ?all");
	txt(dns, "txt.example.org", "not an address");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@two.example.org"), "neutral");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@three.example.org"), "permerror");
	ck_assert_problem("void");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@nodata.example.org"), "permerror");
	mx6_dns_free(&dns);
}
END_TEST

/* libspf2 counts per record: each include starts again from 0. */
START_TEST(eleventh_dns_term_is_permerror_across_includes)
{
	struct mx6_dns *dns = zone();
	char name[64], record[128];
	int i;

	/* A chain: example.org includes i1, i1 includes i2, ... */
	for (i = 1; i <= 11; i++) {
		snprintf(name, sizeof(name), "i%d.example.org", i);
		snprintf(record, sizeof(record), "v=spf1 include:i%d.example.org ?all",
			 i + 1);
		txt(dns, name, record);
	}
	txt(dns, "i12.example.org", "v=spf1 ip4:192.0.2.1 -all");
	txt(dns, "example.org", "v=spf1 include:i1.example.org -all");
	txt(dns, "ten.example.org", "v=spf1 include:i3.example.org -all");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@ten.example.org"), "pass");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@example.org"), "permerror");
	ck_assert_problem("more than 10");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(eleven_includes_in_one_record_are_permerror)
{
	struct mx6_dns *dns = zone();
	char name[64], record[512] = "v=spf1";
	int i;

	for (i = 1; i <= 11; i++) {
		snprintf(name, sizeof(name), "i%d.example.org", i);
		txt(dns, name, "v=spf1 -all");
		snprintf(record + strlen(record), sizeof(record) - strlen(record),
			 " include:i%d.example.org", i);
		if (i == 10)
			txt(dns, "ten.example.org", record);
	}
	txt(dns, "eleven.example.org", record);
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@ten.example.org"), "neutral");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@eleven.example.org"), "permerror");
	mx6_dns_free(&dns);
}
END_TEST

/* libspf2: "localhost is always allowed", without a lookup. */
START_TEST(loopback_client_gets_no_special_treatment)
{
	struct mx6_dns *dns = zone();

	txt(dns, "example.org", "v=spf1 ip4:127.0.0.2 -all");
	ck_assert_str_eq(check(dns, "127.0.0.1", "user@example.org"), "fail");
	ck_assert_str_eq(check(dns, "::1", "user@example.org"), "fail");
	ck_assert_str_eq(check(dns, "127.0.0.2", "user@example.org"), "pass");
	mx6_dns_free(&dns);
}
END_TEST

/* libspf2 drops the first character when N is not less than the parts. */
START_TEST(macro_truncation_keeps_all_parts_when_there_are_fewer)
{
	struct mx6_dns *dns = zone();

	txt(dns, "example.org", "v=spf1 exists:%{d2}.dnsbl.example.net -all");
	txt(dns, "example.com", "v=spf1 exists:%{d5}.dnsbl.example.net -all");
	txt(dns, "sub.three.example.info", "v=spf1 exists:%{d2}.dnsbl.example.net -all");
	txt(dns, "lp.example.org", "v=spf1 exists:%{l3r-}.users.example.net -all");
	a(dns, "example.org.dnsbl.example.net", "127.0.0.2");
	a(dns, "example.com.dnsbl.example.net", "127.0.0.2");
	a(dns, "example.info.dnsbl.example.net", "127.0.0.2");
	a(dns, "smith.john.users.example.net", "127.0.0.2");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@example.org"), "pass");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@example.com"), "pass");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@sub.three.example.info"), "pass");
	ck_assert_str_eq(check(dns, "192.0.2.1", "john-smith@lp.example.org"), "pass");
	ck_assert_str_eq(check(dns, "192.0.2.1", "jane-smith@lp.example.org"), "fail");
	mx6_dns_free(&dns);
}
END_TEST

/* Explanations are not fetched (mx6_spf_check() returns none), so a
 * broken exp= never turns a result into temperror. */
START_TEST(broken_explanation_does_not_change_the_result)
{
	struct mx6_dns *dns = zone();

	txt(dns, "example.org", "v=spf1 -all exp=why.example.org");
	timeout(dns, "why.example.org", 0);
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@example.org"), "fail");
	mx6_dns_free(&dns);
}
END_TEST

/* libspf2 refuses CIDR length 0, which RFC 7208 allows. */
START_TEST(cidr_length_zero_matches_every_address_of_its_family)
{
	struct mx6_dns *dns = zone();

	txt(dns, "ip4.example.org", "v=spf1 ip4:203.0.113.1/0 -all");
	txt(dns, "ip6.example.org", "v=spf1 ip6:2001:db8::/0 -all");
	txt(dns, "a.example.org", "v=spf1 a:host.example.org/0 -all");
	txt(dns, "mx.example.org", "v=spf1 mx//0 -all");
	a(dns, "host.example.org", "203.0.113.1");
	mx(dns, "mx.example.org", 10, "host6.example.org");
	a(dns, "host6.example.org", "2001:db8:ffff::1");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@ip4.example.org"), "pass");
	ck_assert_str_eq(check(dns, "2001:db8::25", "user@ip4.example.org"), "fail");
	ck_assert_str_eq(check(dns, "2600::1", "user@ip6.example.org"), "pass");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@ip6.example.org"), "fail");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@a.example.org"), "pass");
	ck_assert_str_eq(check(dns, "2001:db8::25", "user@a.example.org"), "fail");
	ck_assert_str_eq(check(dns, "2600::1", "user@mx.example.org"), "pass");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@mx.example.org"), "fail");
	mx6_dns_free(&dns);
}
END_TEST

/* libspf2 treats redirect as a mechanism where it stands. */
START_TEST(redirect_applies_after_all_mechanisms)
{
	struct mx6_dns *dns = zone();

	txt(dns, "example.org", "v=spf1 redirect=other.example.org ip4:192.0.2.1");
	txt(dns, "all.example.org", "v=spf1 redirect=other.example.org ~all");
	txt(dns, "other.example.org", "v=spf1 -all");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@example.org"), "pass");
	ck_assert_str_eq(check(dns, "192.0.2.2", "user@example.org"), "fail");
	ck_assert_str_eq(check(dns, "192.0.2.2", "user@all.example.org"), "softfail");
	mx6_dns_free(&dns);
}
END_TEST

/* RFC 7208 7.1 domain-spec and 6 modifiers, which libspf2 lets through. */
START_TEST(record_grammar_is_checked)
{
	struct mx6_dns *dns = zone();

	txt(dns, "toplabel.example.org", "v=spf1 a:museum -all");
	txt(dns, "numeric.example.org", "v=spf1 a:192.0.2.1 -all");
	txt(dns, "twice.example.org", "v=spf1 -all exp=a.example.org exp=b.example.org");
	txt(dns, "redirect.example.org", "v=spf1 ?all redirect=");
	txt(dns, "escape.example.org", "v=spf1 exists:%(i).example.org -all");
	txt(dns, "modifier.example.org", "v=spf1 moo.cow-far_out=man:dog/cat -all");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@toplabel.example.org"),
			 "permerror");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@numeric.example.org"),
			 "permerror");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@twice.example.org"), "permerror");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@redirect.example.org"),
			 "permerror");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@escape.example.org"), "permerror");
	ck_assert_problem("%(i)");
	/* A dot in an unknown modifier's name is valid. */
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@modifier.example.org"), "fail");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(control_and_8bit_characters_in_a_record_are_permerror)
{
	struct mx6_dns *dns = zone();

	txt(dns, "ctrl.example.org", "v=spf1 a:ctrl.example.org\rptr -all");
	txt(dns, "utf8.example.org", "v=spf1 a:\xc3\xa9.example.org -all");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@ctrl.example.org"), "permerror");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@utf8.example.org"), "permerror");
	mx6_dns_free(&dns);
}
END_TEST

/*
 * Identities
 */

START_TEST(helo_identity_checks_the_helo_name)
{
	struct mx6_dns *dns = zone();

	txt(dns, HELO, "v=spf1 ip4:192.0.2.1 -all");
	txt(dns, "example.com", "v=spf1 -all");
	ck_assert_str_eq(
		check_identity(dns, "192.0.2.1", HELO, "user@example.com", MX6_SPF_HELO),
		"pass");
	ck_assert_str_eq(check_identity(dns, "192.0.2.1", HELO, "user@example.com",
					MX6_SPF_MAILFROM),
			 "fail");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(helo_that_is_no_domain_name_gives_none)
{
	struct mx6_dns *dns = zone();
	const char *helos[] = {
		"[192.0.2.1]", "[IPv6:2001:db8::1]", "192.0.2.1", "mailhost", "", NULL};
	size_t i;

	txt(dns, "mailhost", "v=spf1 -all");
	for (i = 0; i < sizeof(helos) / sizeof(helos[0]); i++) {
		ck_assert_str_eq(
			check_identity(dns, "192.0.2.1", helos[i], "", MX6_SPF_HELO),
			"none");
		ck_assert_str_eq(check_identity(dns, "192.0.2.1", helos[i], "<>",
						MX6_SPF_MAILFROM),
				 "none");
	}
	mx6_dns_free(&dns);
}
END_TEST

/* RFC 7208 2.4: the null sender is postmaster@HELO. */
START_TEST(null_sender_is_postmaster_at_helo)
{
	struct mx6_dns *dns = zone();

	txt(dns, HELO, "v=spf1 exists:%{l}.%{o}.users.example.net -all");
	a(dns, "postmaster." HELO ".users.example.net", "127.0.0.2");
	ck_assert_str_eq(check(dns, "192.0.2.1", ""), "pass");
	ck_assert_str_eq(check(dns, "192.0.2.1", "<>"), "pass");
	ck_assert_str_eq(check(dns, "192.0.2.1", NULL), "pass");
	mx6_dns_free(&dns);
}
END_TEST

/* RFC 7208 4.3: a sender without local part is postmaster@domain. */
START_TEST(sender_without_local_part_is_postmaster)
{
	struct mx6_dns *dns = zone();

	txt(dns, "example.org", "v=spf1 exists:%{l}.users.example.net -all");
	a(dns, "postmaster.users.example.net", "127.0.0.2");
	ck_assert_str_eq(check(dns, "192.0.2.1", "@example.org"), "pass");
	ck_assert_str_eq(check(dns, "192.0.2.1", "<user@example.org>"), "fail");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(malformed_sender_domain_gives_none)
{
	struct mx6_dns *dns = zone();

	txt(dns, "example.org", "v=spf1 -all");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user"), "none");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@[192.0.2.1]"), "none");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@org"), "none");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@a..example.org"), "none");
	ck_assert_str_eq(check(dns, "192.0.2.1", "us\ter@example.org"), "none");
	ck_assert_str_eq(
		check(dns, "192.0.2.1",
		      "user@"
		      "a234567890123456789012345678901234567890123456789012345678901234"
		      ".example.org"),
		"none");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@example.org"), "fail");
	mx6_dns_free(&dns);
}
END_TEST

/*
 * Address families
 */

START_TEST(ipv6_client_matches_ip6_mechanism)
{
	struct mx6_dns *dns = zone();

	txt(dns, "example.org", "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8:1::/48 -all");
	ck_assert_str_eq(check(dns, "2001:db8:1::25", "user@example.org"), "pass");
	ck_assert_str_eq(check(dns, "2001:db8:2::25", "user@example.org"), "fail");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(ipv6_client_matches_a_and_mx_through_aaaa)
{
	struct mx6_dns *dns = zone();

	txt(dns, "a.example.org", "v=spf1 a:host.example.org -all");
	txt(dns, "mx.example.org", "v=spf1 mx -all");
	txt(dns, "cidr.example.org", "v=spf1 a:host.example.org/32//64 -all");
	mx(dns, "mx.example.org", 10, "host.example.org");
	a(dns, "host.example.org", "192.0.2.1");
	a(dns, "host.example.org", "2001:db8::25");
	ck_assert_str_eq(check(dns, "2001:db8::25", "user@a.example.org"), "pass");
	ck_assert_str_eq(check(dns, "2001:db8::25", "user@mx.example.org"), "pass");
	ck_assert_str_eq(check(dns, "2001:db8::26", "user@mx.example.org"), "fail");
	ck_assert_str_eq(check(dns, "2001:db8::ffff", "user@cidr.example.org"), "pass");
	ck_assert_str_eq(check(dns, "2001:db8:0:1::25", "user@cidr.example.org"), "fail");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@mx.example.org"), "pass");
	mx6_dns_free(&dns);
}
END_TEST

/* RFC 7208 5: an IPv4-mapped IPv6 client is an IPv4 client. */
START_TEST(ipv4_mapped_client_is_ipv4)
{
	struct mx6_dns *dns = zone();

	txt(dns, "ip4.example.org", "v=spf1 ip4:192.0.2.1 -all");
	txt(dns, "ip6.example.org", "v=spf1 ip6:::ffff:192.0.2.1 -all");
	txt(dns, "a.example.org", "v=spf1 a:host.example.org -all");
	a(dns, "host.example.org", "192.0.2.1");
	ck_assert_str_eq(check(dns, "::ffff:192.0.2.1", "user@ip4.example.org"), "pass");
	ck_assert_str_eq(check(dns, "::ffff:192.0.2.1", "user@ip6.example.org"), "fail");
	ck_assert_str_eq(check(dns, "::ffff:192.0.2.1", "user@a.example.org"), "pass");
	mx6_dns_free(&dns);
}
END_TEST

/*
 * Mechanisms
 */

START_TEST(include_passes_on_pass_only)
{
	struct mx6_dns *dns = zone();

	txt(dns, "example.org", "v=spf1 include:_spf.example.net ~all");
	txt(dns, "_spf.example.net", "v=spf1 ip4:192.0.2.1 -all");
	txt(dns, "none.example.org", "v=spf1 include:nothing.example.net ~all");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@example.org"), "pass");
	ck_assert_str_eq(check(dns, "192.0.2.2", "user@example.org"), "softfail");
	/* RFC 7208 5.2: an include without a record is permerror. */
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@none.example.org"), "permerror");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(temperror_inside_an_include_is_temperror)
{
	struct mx6_dns *dns = zone();

	txt(dns, "record.example.org", "v=spf1 include:slow.example.net -all");
	timeout(dns, "slow.example.net", MX6_RR_TXT);
	txt(dns, "lookup.example.org", "v=spf1 include:_spf.example.net -all");
	txt(dns, "_spf.example.net", "v=spf1 mx -all");
	timeout(dns, "_spf.example.net", MX6_RR_MX);
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@record.example.org"), "temperror");
	ck_assert_problem("slow.example.net");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@lookup.example.org"), "temperror");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(redirect_uses_the_target_record)
{
	struct mx6_dns *dns = zone();

	txt(dns, "example.org", "v=spf1 redirect=_spf.example.net");
	txt(dns, "_spf.example.net", "v=spf1 a -all");
	a(dns, "_spf.example.net", "192.0.2.1");
	txt(dns, "none.example.org", "v=spf1 redirect=nothing.example.net");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@example.org"), "pass");
	ck_assert_str_eq(check(dns, "192.0.2.2", "user@example.org"), "fail");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@none.example.org"), "permerror");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(exists_matches_any_address_record)
{
	struct mx6_dns *dns = zone();

	txt(dns, "example.org", "v=spf1 exists:%{ir}.allow.example.net -all");
	a(dns, "1.2.0.192.allow.example.net", "127.0.0.2");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@example.org"), "pass");
	ck_assert_str_eq(check(dns, "192.0.2.2", "user@example.org"), "fail");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(ptr_matches_a_validated_name)
{
	struct mx6_dns *dns = zone();

	txt(dns, "example.org", "v=spf1 ptr -all");
	ptr(dns, "1.2.0.192.in-addr.arpa", "mail.example.org");
	a(dns, "mail.example.org", "192.0.2.1");
	/* A PTR name that does not lead back to the address is no good. */
	ptr(dns, "2.2.0.192.in-addr.arpa", "forged.example.org");
	ptr(dns,
	    "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
	    "mail6.example.org");
	a(dns, "mail6.example.org", "2001:db8::25");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@example.org"), "pass");
	ck_assert_str_eq(check(dns, "192.0.2.2", "user@example.org"), "fail");
	ck_assert_str_eq(check(dns, "2001:db8::25", "user@example.org"), "pass");
	mx6_dns_free(&dns);
}
END_TEST

/* RFC 7208 4.6.4: names after the 10th are ignored (libspf2: permerror). */
START_TEST(ptr_answer_beyond_ten_names_is_ignored)
{
	struct mx6_dns *dns = zone();
	char name[64];
	int i;

	txt(dns, "example.org", "v=spf1 ptr -all");
	for (i = 1; i <= 11; i++) {
		snprintf(name, sizeof(name), "h%d.example.org", i);
		ptr(dns, "1.2.0.192.in-addr.arpa", name);
	}
	a(dns, "h11.example.org", "192.0.2.1");
	a(dns, "h10.example.org", "192.0.2.2");
	ptr(dns, "2.2.0.192.in-addr.arpa", "h10.example.org");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@example.org"), "fail");
	ck_assert_str_eq(check(dns, "192.0.2.2", "user@example.org"), "pass");
	mx6_dns_free(&dns);
}
END_TEST

/* RFC 7208 5.5: DNS errors of "ptr" make it not match, they are not
 * temperror. */
START_TEST(ptr_dns_errors_do_not_match)
{
	struct mx6_dns *dns = zone();

	txt(dns, "example.org", "v=spf1 ptr ?all");
	timeout(dns, "1.2.0.192.in-addr.arpa", 0);
	ptr(dns, "2.2.0.192.in-addr.arpa", "slow.example.org");
	ptr(dns, "2.2.0.192.in-addr.arpa", "mail.example.org");
	timeout(dns, "slow.example.org", 0);
	a(dns, "mail.example.org", "192.0.2.2");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@example.org"), "neutral");
	ck_assert_str_eq(check(dns, "192.0.2.2", "user@example.org"), "pass");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(mx_with_more_than_ten_hosts_is_permerror)
{
	struct mx6_dns *dns = zone();
	int i;

	txt(dns, "example.org", "v=spf1 mx -all");
	for (i = 0; i < 11; i++)
		mx(dns, "example.org", i,
		   i < 10 ? "other.example.org" : "mail.example.org");
	a(dns, "other.example.org", "192.0.2.9");
	a(dns, "mail.example.org", "192.0.2.1");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@example.org"), "permerror");
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(null_mx_matches_nothing)
{
	struct mx6_dns *dns = zone();

	txt(dns, "example.org", "v=spf1 mx ?all");
	mx(dns, "example.org", 0, "");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@example.org"), "neutral");
	mx6_dns_free(&dns);
}
END_TEST

/*
 * libspf2 silently drops the terms that do not fit its compiled buffers
 * (about 64 ip4: terms): a long record's "-all" would vanish and the
 * check answer neutral. Such a record is a permerror; one that fits is
 * evaluated whole.
 */
static void long_record(char *buf, size_t size, unsigned nterms, const char *last)
{
	unsigned i;

	snprintf(buf, size, "v=spf1");
	for (i = 0; i < nterms; i++)
		snprintf(buf + strlen(buf), size - strlen(buf), " ip4:10.0.%u.%u", i / 256,
			 i % 256);
	snprintf(buf + strlen(buf), size - strlen(buf), " %s -all", last);
}

START_TEST(record_too_long_for_libspf2_is_permerror)
{
	struct mx6_dns *dns = zone();
	char text[2048];

	long_record(text, sizeof(text), 40, "ip4:192.0.2.1");
	txt(dns, "fits.example.org", text);
	long_record(text, sizeof(text), 100, "ip4:192.0.2.1");
	txt(dns, "long.example.org", text);
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@fits.example.org"), "pass");
	ck_assert_str_eq(check(dns, "198.51.100.1", "user@fits.example.org"), "fail");
	ck_assert_str_eq(check(dns, "192.0.2.1", "user@long.example.org"), "permerror");
	ck_assert_problem("more terms than libspf2 can hold");
	ck_assert_str_eq(check(dns, "198.51.100.1", "user@long.example.org"), "permerror");
	ck_assert_str_eq(check(dns, "10.0.0.1", "user@long.example.org"), "permerror");
	mx6_dns_free(&dns);
}
END_TEST

/*
 * Concurrency
 */

struct worker {
	struct mx6_spf *spf;
	int id;
	int wrong;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	static const struct {
		const char *client, *sender, *result;
	} cases[] = {
		{"192.0.2.1", "user@example.org", "pass"},
		{"192.0.2.2", "user@example.org", "fail"},
		{"2001:db8::25", "user@example.org", "pass"},
		{"192.0.2.1", "user@slow.example.org", "temperror"},
		{"192.0.2.1", "user@loop.example.org", "permerror"},
		{"192.0.2.1", "user@void.example.org", "permerror"},
		{"192.0.2.1", "user@nothing.example.org", "none"},
	};
	int i;

	for (i = 0; i < 300; i++) {
		size_t k = (size_t)(i + w->id) % (sizeof(cases) / sizeof(cases[0]));
		struct mx6_addr addr;
		char why[256];
		enum mx6_auth result;

		if (mx6_addr_parse(cases[k].client, &addr) < 0)
			return NULL;
		result = mx6_spf_check(w->spf, &addr, HELO, cases[k].sender,
				       MX6_SPF_MAILFROM, why, sizeof(why));
		if (strcmp(mx6_auth_name(result), cases[k].result) != 0)
			w->wrong++;
	}
	return NULL;
}

START_TEST(concurrent_checks_do_not_interfere)
{
	struct mx6_dns *dns = zone();
	struct mx6_spf *spf;
	struct worker w[8];
	pthread_t t[8];
	char err[256];
	int i;

	txt(dns, "example.org", "v=spf1 mx include:_spf.example.net -all");
	mx(dns, "example.org", 10, "mail.example.org");
	a(dns, "mail.example.org", "2001:db8::25");
	txt(dns, "_spf.example.net", "v=spf1 a:host.example.net ?all");
	a(dns, "host.example.net", "192.0.2.1");
	txt(dns, "slow.example.org", "v=spf1 a:slow.example.net -all");
	timeout(dns, "slow.example.net", 0);
	txt(dns, "loop.example.org", "v=spf1 include:loop2.example.org -all");
	txt(dns, "loop2.example.org", "v=spf1 include:loop.example.org -all");
	txt(dns, "void.example.org",
	    "v=spf1 a:nx1.example.org a:nx2.example.org a:nx3.example.org -all");
	spf = mx6_spf_new(dns, NULL, err, sizeof(err));
	ck_assert_msg(spf != NULL, "mx6_spf_new: %s", err);
	for (i = 0; i < 8; i++) {
		w[i].spf = spf;
		w[i].id = i;
		w[i].wrong = 0;
		ck_assert_int_eq(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (i = 0; i < 8; i++) {
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
		ck_assert_msg(w[i].wrong == 0, "thread %d: %d wrong results", i,
			      w[i].wrong);
	}
	mx6_spf_free(&spf);
	mx6_dns_free(&dns);
}
END_TEST

static Suite *spf_suite(void)
{
	Suite *s = suite_create("spf");
	TCase *tc;

	tc = tcase_create("results");
	tcase_add_test(tc, no_spf_record_is_none);
	tcase_add_test(tc, question_mark_all_and_falling_off_the_end_are_neutral);
	tcase_add_test(tc, listed_address_passes);
	tcase_add_test(tc, minus_all_fails);
	tcase_add_test(tc, tilde_all_softfails);
	tcase_add_test(tc, timeout_of_an_address_lookup_is_temperror);
	tcase_add_test(tc, syntax_error_is_permerror);
	tcase_add_test(tc, two_spf_records_are_permerror);
	suite_add_tcase(s, tc);

	tc = tcase_create("libspf2 defects");
	tcase_add_test(tc, timeout_of_the_domains_own_record_is_temperror);
	tcase_add_test(tc, unknown_mechanism_is_permerror);
	tcase_add_test(tc, third_void_lookup_is_permerror);
	tcase_add_test(tc, eleventh_dns_term_is_permerror_across_includes);
	tcase_add_test(tc, eleven_includes_in_one_record_are_permerror);
	tcase_add_test(tc, loopback_client_gets_no_special_treatment);
	tcase_add_test(tc, macro_truncation_keeps_all_parts_when_there_are_fewer);
	tcase_add_test(tc, broken_explanation_does_not_change_the_result);
	tcase_add_test(tc, cidr_length_zero_matches_every_address_of_its_family);
	tcase_add_test(tc, redirect_applies_after_all_mechanisms);
	tcase_add_test(tc, record_grammar_is_checked);
	tcase_add_test(tc, control_and_8bit_characters_in_a_record_are_permerror);
	suite_add_tcase(s, tc);

	tc = tcase_create("identities");
	tcase_add_test(tc, helo_identity_checks_the_helo_name);
	tcase_add_test(tc, helo_that_is_no_domain_name_gives_none);
	tcase_add_test(tc, null_sender_is_postmaster_at_helo);
	tcase_add_test(tc, sender_without_local_part_is_postmaster);
	tcase_add_test(tc, malformed_sender_domain_gives_none);
	suite_add_tcase(s, tc);

	tc = tcase_create("address families");
	tcase_add_test(tc, ipv6_client_matches_ip6_mechanism);
	tcase_add_test(tc, ipv6_client_matches_a_and_mx_through_aaaa);
	tcase_add_test(tc, ipv4_mapped_client_is_ipv4);
	suite_add_tcase(s, tc);

	tc = tcase_create("mechanisms");
	tcase_add_test(tc, include_passes_on_pass_only);
	tcase_add_test(tc, temperror_inside_an_include_is_temperror);
	tcase_add_test(tc, redirect_uses_the_target_record);
	tcase_add_test(tc, exists_matches_any_address_record);
	tcase_add_test(tc, ptr_matches_a_validated_name);
	tcase_add_test(tc, ptr_answer_beyond_ten_names_is_ignored);
	tcase_add_test(tc, ptr_dns_errors_do_not_match);
	tcase_add_test(tc, mx_with_more_than_ten_hosts_is_permerror);
	tcase_add_test(tc, null_mx_matches_nothing);
	tcase_add_test(tc, record_too_long_for_libspf2_is_permerror);
	suite_add_tcase(s, tc);

	tc = tcase_create("threads");
	tcase_add_test(tc, concurrent_checks_do_not_interfere);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_main(spf_suite());
}
