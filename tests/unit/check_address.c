/*
 * NAME
 *	check_address 1
 * SUMMARY
 *	unit tests for lib/address.c: RFC5322.From and RFC5321.MailFrom
 * DESCRIPTION
 *	The From domain is what DMARC authenticates and what the domain
 *	lists match, so the parser must find exactly the author's domain
 *	behind display names, quoted strings, comments and folding, and
 *	refuse every header that names no author, several, or one a mail
 *	reader could show differently: missing evidence, never good
 *	evidence. Each table row is one header value and its outcome; the
 *	envelope tests cover the MAIL FROM forms an MTA passes.
 */
#include "autoconf.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "unit.h"

/* Headers with one author: the address and domain the parser must find. */
static const struct {
	const char *value;
	const char *addr;
	const char *domain;
} authors[] = {
	{"a@example.org", "a@example.org", "example.org"},
	{"  a@example.org  ", "a@example.org", "example.org"},
	{"<a@example.org>", "a@example.org", "example.org"},
	{"Alice <a@Example.ORG>", "a@Example.ORG", "example.org"},
	{"A@EXAMPLE.ORG", "A@EXAMPLE.ORG", "example.org"},
	{"Alice Smith < a@example.org >", "a@example.org", "example.org"},
	{"a@example.org.", "a@example.org.", "example.org"},
	{"first.last+tag@mail.example.org", "first.last+tag@mail.example.org",
	 "mail.example.org"},
	{"=?utf-8?q?Al=C3=AFce?= <a@example.org>", "a@example.org", "example.org"},
	/* Quoted display names may hold any special character. */
	{"\"Smith, Alice\" <a@example.org>", "a@example.org", "example.org"},
	{"\"Alice <boss@bank.example>\" <a@example.org>", "a@example.org", "example.org"},
	{"\"a@bank.example; team:\" <a@example.org>", "a@example.org", "example.org"},
	{"\"Alice \\\"The Boss\\\" (CEO)\" <a@example.org>", "a@example.org",
	 "example.org"},
	/* Comments, anywhere, nested, holding '@' and '<'. */
	{"(Alice) a@example.org", "a@example.org", "example.org"},
	{"a@example.org (Alice)", "a@example.org", "example.org"},
	{"Alice (work) <a@example.org>", "a@example.org", "example.org"},
	{"<a@example.org> (x@bank.example)", "a@example.org", "example.org"},
	{"Alice (<boss@bank.example>) <a@example.org>", "a@example.org", "example.org"},
	{"Alice (the (real, @home) one) <a@example.org>", "a@example.org", "example.org"},
	{"Alice <a(comment)@example.org>", "a@example.org", "example.org"},
	{"a@(comment)example.org", "a@example.org", "example.org"},
	{"(a \\) b@bank.example) a@example.org", "a@example.org", "example.org"},
	{"(\"unbalanced quote in a comment) a@example.org", "a@example.org",
	 "example.org"},
	/* Folding. */
	{"Alice\r\n\t<a@example.org>", "a@example.org", "example.org"},
	{"\"Alice\r\n Smith\"\r\n <a@example.org>", "a@example.org", "example.org"},
	{"Alice (a\r\n comment) <a@example.org>\r\n", "a@example.org", "example.org"},
	{"\r\n a@example.org", "a@example.org", "example.org"},
	/* A quoted local part may hold '@': the domain is after the last bare one. */
	{"\"a@b\"@example.org", "\"a@b\"@example.org", "example.org"},
	{"Alice <\"a@bank.example\"@example.org>", "\"a@bank.example\"@example.org",
	 "example.org"},
	{"\"a\\\"@b\"@example.org", "\"a\\\"@b\"@example.org", "example.org"},
	/* Obsolete syntax (RFC 5322 4.4): empty list elements are allowed. */
	{"a@example.org,", "a@example.org", "example.org"},
	{", a@example.org", "a@example.org", "example.org"},
	{"Alice <a@example.org>, ,", "a@example.org", "example.org"},
};

START_TEST(header_with_one_author_gives_address_and_lowercase_domain)
{
	char addr[MX6_ADDRESS_MAX], domain[MX6_DOMAIN_MAX];

	strcpy(addr, "(untouched)");
	strcpy(domain, "(untouched)");
	ck_assert_msg(mx6_address_from_header(authors[_i].value, addr, sizeof(addr),
					      domain, sizeof(domain)) == 0,
		      "'%s' refused", authors[_i].value);
	ck_assert_str_eq(addr, authors[_i].addr);
	ck_assert_str_eq(domain, authors[_i].domain);
}
END_TEST

/* Headers without exactly one author with a valid domain name. */
static const char *const refused[] = {
	/* Nothing. */
	"",
	"   ",
	"\r\n\t",
	"(just a comment)",
	"Alice",
	"\"Alice\"",
	/* No domain. */
	"alice",
	"a@",
	"Alice <a@>",
	"Alice <a>",
	"<>",
	"Alice <>",
	"@example.org",
	"<@example.org>",
	"\"a@example.org\"",
	"Alice <\"a@example.org\">",
	/* Domain literals and invalid names. */
	"a@[192.0.2.1]",
	"Alice <a@[IPv6:2001:db8::1]>",
	"a@example..org",
	"a@.example.org",
	"a@exa_mple!.org",
	"Alice <a@exa mple.org>",
	/* Several mailboxes: DMARC cannot pick an author. */
	"a@example.org, b@example.net",
	"Alice <a@example.org>, Bob <b@example.net>",
	"a@example.org,b@example.org",
	"\"Smith, Alice\" <a@example.org>, b@example.net",
	/* Groups, empty or not. */
	"undisclosed-recipients:;",
	"team: a@example.org;",
	"team: Alice <a@example.org>, Bob <b@example.net>;",
	"Alice: <a@example.org>",
	"a@example.org;",
	/* Unbalanced quotes, brackets and comments. */
	"\"Alice <a@example.org>",
	"Alice\" <a@example.org>",
	"Alice <a@example.org",
	"Alice a@example.org>",
	"Alice <<a@example.org>>",
	"Alice >a@example.org<",
	"(Alice a@example.org",
	"Alice) a@example.org",
	"(Alice (nested) a@example.org",
	"Alice <a@example.org> (",
	"\"Alice\\\" <a@example.org>",
	"(Alice \\",
	"\"Alice \\",
};

START_TEST(header_without_exactly_one_valid_author_is_refused)
{
	char addr[MX6_ADDRESS_MAX], domain[MX6_DOMAIN_MAX];

	ck_assert_msg(mx6_address_from_header(refused[_i], addr, sizeof(addr), domain,
					      sizeof(domain)) == -1,
		      "'%s' accepted as '%s' (domain '%s')", refused[_i], addr, domain);
}
END_TEST

/*
 * Headers that a mail reader may show with another author than the one
 * DMARC would check ("Composition Kills", USENIX Security 2020): several
 * angle-addrs, several bare addr-specs, a bare '@' in the local part.
 * RFC 5322 3.4 allows none of them in one mailbox.
 */
static const char *const ambiguous[] = {
	"<a@bank.example> <b@evil.example>",
	"Alice <a@bank.example> Bob <b@evil.example>",
	"a@bank.example b@evil.example",
	"a@bank.example@evil.example",
	"Alice <a@bank.example@evil.example>",
};

START_TEST(header_with_an_ambiguous_author_is_refused)
{
	char addr[MX6_ADDRESS_MAX], domain[MX6_DOMAIN_MAX];

	ck_assert_msg(mx6_address_from_header(ambiguous[_i], addr, sizeof(addr), domain,
					      sizeof(domain)) == -1,
		      "'%s' accepted as '%s' (domain '%s')", ambiguous[_i], addr,
		      domain);
}
END_TEST

START_TEST(null_header_is_refused)
{
	char addr[MX6_ADDRESS_MAX], domain[MX6_DOMAIN_MAX];

	ck_assert_int_eq(mx6_address_from_header(NULL, addr, sizeof(addr), domain,
						 sizeof(domain)),
			 -1);
}
END_TEST

START_TEST(header_too_long_for_the_parser_is_refused_not_truncated)
{
	char addr[MX6_ADDRESS_MAX], domain[MX6_DOMAIN_MAX];
	char *padding = malloc(4001);
	char *value;

	ck_assert_ptr_nonnull(padding);
	memset(padding, 'x', 4000);
	padding[4000] = '\0';
	/* Cut short, this would read as the bare addr-spec x@bank.example. */
	value = unit_strdupf("\"%s <x@bank.example>\" <a@example.org>", padding);
	ck_assert_int_eq(mx6_address_from_header(value, addr, sizeof(addr), domain,
						 sizeof(domain)),
			 -1);
	free(value);
	free(padding);
}
END_TEST

START_TEST(long_comments_are_skipped_whole)
{
	char addr[MX6_ADDRESS_MAX], domain[MX6_DOMAIN_MAX];
	char *padding = malloc(4001);
	char *value;

	ck_assert_ptr_nonnull(padding);
	memset(padding, 'x', 4000);
	padding[4000] = '\0';
	value = unit_strdupf("(%s <x@bank.example>) a@example.org (%s)", padding, padding);
	ck_assert_int_eq(mx6_address_from_header(value, addr, sizeof(addr), domain,
						 sizeof(domain)),
			 0);
	ck_assert_str_eq(addr, "a@example.org");
	ck_assert_str_eq(domain, "example.org");
	free(value);
	free(padding);
}
END_TEST

START_TEST(deeply_nested_comments_do_not_hide_the_author)
{
	char addr[MX6_ADDRESS_MAX], domain[MX6_DOMAIN_MAX];
	char open[201], close[201], *value;

	memset(open, '(', 200);
	memset(close, ')', 200);
	open[200] = close[200] = '\0';
	value = unit_strdupf("%s@bank.example%s a@example.org", open, close);
	ck_assert_int_eq(mx6_address_from_header(value, addr, sizeof(addr), domain,
						 sizeof(domain)),
			 0);
	ck_assert_str_eq(addr, "a@example.org");
	ck_assert_str_eq(domain, "example.org");
	free(value);
}
END_TEST

START_TEST(address_that_does_not_fit_the_buffer_is_refused)
{
	char addr[MX6_ADDRESS_MAX], domain[MX6_DOMAIN_MAX];

	ck_assert_int_eq(mx6_address_from_header("alice@example.org", addr, 17, domain,
						 sizeof(domain)),
			 -1);
	ck_assert_int_eq(mx6_address_from_header("alice@example.org", addr, 18, domain,
						 sizeof(domain)),
			 0);
	ck_assert_str_eq(addr, "alice@example.org");
	ck_assert_int_eq(mx6_address_from_header("alice@example.org", addr, sizeof(addr),
						 domain, 11),
			 -1);
	ck_assert_int_eq(mx6_address_from_header("alice@example.org", addr, sizeof(addr),
						 domain, 12),
			 0);
	ck_assert_str_eq(domain, "example.org");
}
END_TEST

/* Envelope addresses */

static const struct {
	const char *address;
	const char *domain; /* NULL: refused */
} envelopes[] = {
	{"<a@example.org>", "example.org"},
	{"a@example.org", "example.org"},
	{"a@EXAMPLE.org", "example.org"},
	{"<A@Mail.Example.ORG>", "mail.example.org"},
	{"<a@example.org.>", "example.org"},
	{"<a@b@example.org>", "example.org"},
	{"<\"a@b\"@example.org>", "example.org"},
	{"<@relay.example:a@example.org>", "example.org"},
	{"<>", NULL},
	{"", NULL},
	{"postmaster", NULL},
	{"<postmaster>", NULL},
	{"<a@>", NULL},
	{"<@example.org>", NULL},
	{"<a@[192.0.2.1]>", NULL},
	{"<a@example..org>", NULL},
	{"<a@exa mple.org>", NULL},
};

START_TEST(envelope_address_gives_lowercase_domain_or_is_refused)
{
	char domain[MX6_DOMAIN_MAX];
	int rc;

	strcpy(domain, "(untouched)");
	rc = mx6_address_domain(envelopes[_i].address, domain, sizeof(domain));
	if (envelopes[_i].domain == NULL) {
		ck_assert_msg(rc == -1, "'%s' accepted with domain '%s'",
			      envelopes[_i].address, domain);
	} else {
		ck_assert_msg(rc == 0, "'%s' refused", envelopes[_i].address);
		ck_assert_str_eq(domain, envelopes[_i].domain);
	}
}
END_TEST

START_TEST(envelope_null_address_is_refused)
{
	char domain[MX6_DOMAIN_MAX];

	ck_assert_int_eq(mx6_address_domain(NULL, domain, sizeof(domain)), -1);
}
END_TEST

START_TEST(envelope_domain_that_does_not_fit_is_refused)
{
	char domain[MX6_DOMAIN_MAX];

	ck_assert_int_eq(mx6_address_domain("<a@example.org>", domain, 11), -1);
	ck_assert_int_eq(mx6_address_domain("<a@example.org>", domain, 12), 0);
	ck_assert_str_eq(domain, "example.org");
}
END_TEST

static Suite *address_suite(void)
{
	Suite *s = suite_create("address");
	TCase *tc;

	tc = tcase_create("from header");
	tcase_add_loop_test(tc, header_with_one_author_gives_address_and_lowercase_domain,
			    0, (int)(sizeof(authors) / sizeof(authors[0])));
	tcase_add_loop_test(tc, header_without_exactly_one_valid_author_is_refused, 0,
			    (int)(sizeof(refused) / sizeof(refused[0])));
	tcase_add_loop_test(tc, header_with_an_ambiguous_author_is_refused, 0,
			    (int)(sizeof(ambiguous) / sizeof(ambiguous[0])));
	tcase_add_test(tc, null_header_is_refused);
	tcase_add_test(tc, header_too_long_for_the_parser_is_refused_not_truncated);
	tcase_add_test(tc, long_comments_are_skipped_whole);
	tcase_add_test(tc, deeply_nested_comments_do_not_hide_the_author);
	tcase_add_test(tc, address_that_does_not_fit_the_buffer_is_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("envelope");
	tcase_add_loop_test(tc, envelope_address_gives_lowercase_domain_or_is_refused, 0,
			    (int)(sizeof(envelopes) / sizeof(envelopes[0])));
	tcase_add_test(tc, envelope_null_address_is_refused);
	tcase_add_test(tc, envelope_domain_that_does_not_fit_is_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_main(address_suite());
}
