/*
 * NAME
 *	check_dmarc 1
 * SUMMARY
 *	unit tests for lib/dmarc.c: DMARC records, organizational domains,
 *	alignment and the DMARC result
 * DESCRIPTION
 *	One test per behaviour of RFC 7489 the milter relies on: which TXT
 *	records are DMARC policies and what they say (6.3, 6.6.3), which
 *	domains are aligned (3.1), where the policy is found (6.6.3, with a
 *	static resolver holding each test's zone) and what the result and
 *	applicable policy are (6.6.2, 6.6.3). A DNS timeout must never look
 *	like a forgery, so every temporary failure is followed through.
 */
#include "autoconf.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "dmarc.h"
#include "dns.h"
#include "unit.h"

/* Records */

static struct mx6_dmarc_record parse_ok(const char *txt)
{
	struct mx6_dmarc_record rec;

	memset(&rec, 0x5a, sizeof(rec));
	ck_assert_msg(mx6_dmarc_parse(txt, &rec) == 0, "'%s' refused", txt);
	return rec;
}

static void parse_refused(const char *txt)
{
	struct mx6_dmarc_record rec;

	ck_assert_msg(mx6_dmarc_parse(txt, &rec) == -1, "'%s' accepted", txt);
}

START_TEST(minimal_record_has_the_defaults)
{
	struct mx6_dmarc_record rec = parse_ok("v=DMARC1; p=reject");

	ck_assert_int_eq(rec.p, MX6_DMARC_REJECT);
	ck_assert_int_eq(rec.has_sp, 0);
	ck_assert_int_eq(rec.adkim_strict, 0);
	ck_assert_int_eq(rec.aspf_strict, 0);
	ck_assert_uint_eq(rec.pct, 100);
	ck_assert_int_eq(rec.org_fallback, 0);
}
END_TEST

START_TEST(record_with_every_tag_is_read_whole)
{
	struct mx6_dmarc_record rec = parse_ok(
		"v=DMARC1; p=quarantine; sp=none; adkim=s; aspf=s; pct=50; "
		"rua=mailto:dmarc@example.org");

	ck_assert_int_eq(rec.p, MX6_DMARC_QUARANTINE);
	ck_assert_int_eq(rec.has_sp, 1);
	ck_assert_int_eq(rec.sp, MX6_DMARC_NONE);
	ck_assert_int_eq(rec.adkim_strict, 1);
	ck_assert_int_eq(rec.aspf_strict, 1);
	ck_assert_uint_eq(rec.pct, 50);
	ck_assert_int_eq(rec.org_fallback, 0);
}
END_TEST

START_TEST(each_policy_value_is_read)
{
	ck_assert_int_eq(parse_ok("v=DMARC1; p=none").p, MX6_DMARC_NONE);
	ck_assert_int_eq(parse_ok("v=DMARC1; p=quarantine").p, MX6_DMARC_QUARANTINE);
	ck_assert_int_eq(parse_ok("v=DMARC1; p=reject").p, MX6_DMARC_REJECT);
	ck_assert_int_eq(parse_ok("v=DMARC1; p=Reject").p, MX6_DMARC_REJECT);
	ck_assert_int_eq(parse_ok("v=DMARC1; p=none; sp=reject").sp, MX6_DMARC_REJECT);
	ck_assert_int_eq(parse_ok("v=DMARC1; p=none; sp=quarantine").sp,
			 MX6_DMARC_QUARANTINE);
}
END_TEST

START_TEST(relaxed_alignment_is_the_default_and_can_be_spelt_out)
{
	struct mx6_dmarc_record rec = parse_ok("v=DMARC1; p=reject; adkim=r; aspf=r");

	ck_assert_int_eq(rec.adkim_strict, 0);
	ck_assert_int_eq(rec.aspf_strict, 0);
}
END_TEST

START_TEST(pct_out_of_range_or_not_a_number_stays_100)
{
	ck_assert_uint_eq(parse_ok("v=DMARC1; p=reject; pct=0").pct, 0);
	ck_assert_uint_eq(parse_ok("v=DMARC1; p=reject; pct=101").pct, 100);
	ck_assert_uint_eq(parse_ok("v=DMARC1; p=reject; pct=-1").pct, 100);
	ck_assert_uint_eq(parse_ok("v=DMARC1; p=reject; pct=half").pct, 100);
	ck_assert_uint_eq(parse_ok("v=DMARC1; p=reject; pct=").pct, 100);
}
END_TEST

START_TEST(invalid_sp_is_ignored)
{
	struct mx6_dmarc_record rec = parse_ok("v=DMARC1; p=reject; sp=bogus");

	ck_assert_int_eq(rec.has_sp, 0);
	ck_assert_int_eq(rec.p, MX6_DMARC_REJECT);
}
END_TEST

START_TEST(whitespace_around_tags_and_values_is_allowed)
{
	ck_assert_int_eq(parse_ok("v=DMARC1;p=reject").p, MX6_DMARC_REJECT);
	ck_assert_int_eq(parse_ok("v = DMARC1 ;\tp = reject ; ").p, MX6_DMARC_REJECT);
	ck_assert_int_eq(parse_ok("  v=DMARC1;  p=quarantine;;").p, MX6_DMARC_QUARANTINE);
	ck_assert_int_eq(parse_ok("v=DMARC1; p=reject; adkim = s ").adkim_strict, 1);
}
END_TEST

START_TEST(unknown_tags_are_ignored)
{
	struct mx6_dmarc_record rec = parse_ok(
		"v=DMARC1; p=reject; fo=1; ri=86400; rf=afrf; "
		"ruf=mailto:f@example.org; np=none; x-future=yes; garbage");

	ck_assert_int_eq(rec.p, MX6_DMARC_REJECT);
	ck_assert_int_eq(rec.has_sp, 0);
	ck_assert_uint_eq(rec.pct, 100);
}
END_TEST

START_TEST(record_without_v_is_not_dmarc)
{
	parse_refused("p=reject");
	parse_refused("p=reject; rua=mailto:d@example.org");
	parse_refused("");
	parse_refused("   ");
	parse_refused("v=spf1 -all");
}
END_TEST

START_TEST(v_must_come_first)
{
	parse_refused("p=reject; v=DMARC1");
	parse_refused("adkim=s; v=DMARC1; p=reject");
	parse_refused("DMARC1; v=DMARC1; p=reject");
}
END_TEST

START_TEST(other_versions_are_not_dmarc1)
{
	parse_refused("v=DMARC2; p=reject");
	parse_refused("v=DMARC; p=reject");
	parse_refused("v=DMARC10; p=reject");
	parse_refused("v=dmarc1; p=reject"); /* 6.3: the value must match precisely */
	parse_refused("v=; p=reject");
}
END_TEST

START_TEST(missing_or_invalid_p_without_rua_is_not_a_policy)
{
	parse_refused("v=DMARC1");
	parse_refused("v=DMARC1;");
	parse_refused("v=DMARC1; p=bogus");
	parse_refused("v=DMARC1; p=");
	parse_refused("v=DMARC1; sp=reject; adkim=s");
	/* rua= must hold a URI to count. */
	parse_refused("v=DMARC1; p=bogus; rua=dmarc-reports");
}
END_TEST

START_TEST(missing_or_invalid_p_with_rua_is_p_none)
{
	struct mx6_dmarc_record rec;

	/* RFC 7489 6.6.3: act as if p=none was retrieved. */
	rec = parse_ok("v=DMARC1; p=bogus; rua=mailto:d@example.org");
	ck_assert_int_eq(rec.p, MX6_DMARC_NONE);
	rec = parse_ok("v=DMARC1; rua=mailto:d@example.org");
	ck_assert_int_eq(rec.p, MX6_DMARC_NONE);
	rec = parse_ok("v=DMARC1; rua=mailto:d@example.org; p=");
	ck_assert_int_eq(rec.p, MX6_DMARC_NONE);
}
END_TEST

/* RFC 7489 sets no size limit: a long rua= list does not hide what follows. */
START_TEST(long_record_is_read_whole)
{
	char txt[8192];
	struct mx6_dmarc_record rec;

	snprintf(txt, sizeof(txt), "v=DMARC1; rua=mailto:%06000d@example.org; p=reject; adkim=s",
		 0);
	ck_assert_int_eq(mx6_dmarc_parse(txt, &rec), 0);
	ck_assert_int_eq(rec.p, MX6_DMARC_REJECT);
	ck_assert_int_eq(rec.adkim_strict, 1);
}
END_TEST

START_TEST(policy_names)
{
	ck_assert_str_eq(mx6_dmarc_policy_name(MX6_DMARC_NONE), "none");
	ck_assert_str_eq(mx6_dmarc_policy_name(MX6_DMARC_QUARANTINE), "quarantine");
	ck_assert_str_eq(mx6_dmarc_policy_name(MX6_DMARC_REJECT), "reject");
}
END_TEST

/* Organizational domains and alignment */

static const struct {
	const char *domain;
	const char *org;
} orgs[] = {
	{"example.org", "example.org"},
	{"mail.example.org", "example.org"},
	{"a.b.c.example.org", "example.org"},
	{"MAIL.Example.ORG", "example.org"},
	{"mail.example.org.", "example.org"},
	{"example.co.uk", "example.co.uk"},
	{"a.b.example.co.uk", "example.co.uk"},
	{"sub.example.test", "example.test"},
	{"co.uk", "co.uk"},
	{"org", "org"},
};

START_TEST(organizational_domain_by_the_public_suffix_list)
{
	char buf[256];

	ck_assert_str_eq(mx6_org_domain(orgs[_i].domain, buf, sizeof(buf)), orgs[_i].org);
	ck_assert_str_eq(buf, orgs[_i].org);
}
END_TEST

START_TEST(strict_alignment_needs_the_same_name)
{
	ck_assert_int_eq(mx6_domains_aligned("example.org", "example.org", 1), 1);
	ck_assert_int_eq(mx6_domains_aligned("Example.ORG", "example.org", 1), 1);
	ck_assert_int_eq(mx6_domains_aligned("mail.example.org", "example.org", 1), 0);
	ck_assert_int_eq(mx6_domains_aligned("example.org", "mail.example.org", 1), 0);
}
END_TEST

START_TEST(relaxed_alignment_needs_the_same_organizational_domain)
{
	ck_assert_int_eq(mx6_domains_aligned("example.org", "example.org", 0), 1);
	ck_assert_int_eq(mx6_domains_aligned("mail.example.org", "example.org", 0), 1);
	ck_assert_int_eq(mx6_domains_aligned("a.example.org", "b.c.example.org", 0), 1);
	ck_assert_int_eq(mx6_domains_aligned("MAIL.EXAMPLE.ORG", "example.org", 0), 1);
	ck_assert_int_eq(mx6_domains_aligned("a.example.co.uk", "example.co.uk", 0), 1);
	ck_assert_int_eq(mx6_domains_aligned("example.net", "example.org", 0), 0);
	ck_assert_int_eq(mx6_domains_aligned("badexample.org", "example.org", 0), 0);
}
END_TEST

START_TEST(relaxed_alignment_stops_at_public_suffixes)
{
	ck_assert_int_eq(mx6_domains_aligned("example.co.uk", "other.co.uk", 0), 0);
	ck_assert_int_eq(mx6_domains_aligned("co.uk", "example.co.uk", 0), 0);
}
END_TEST

START_TEST(empty_or_missing_domains_are_never_aligned)
{
	ck_assert_int_eq(mx6_domains_aligned("", "", 0), 0);
	ck_assert_int_eq(mx6_domains_aligned("", "", 1), 0);
	ck_assert_int_eq(mx6_domains_aligned("", "example.org", 0), 0);
	ck_assert_int_eq(mx6_domains_aligned(NULL, "example.org", 0), 0);
	ck_assert_int_eq(mx6_domains_aligned("example.org", NULL, 0), 0);
}
END_TEST

/* Policy discovery */

static struct mx6_dns *zone(void)
{
	struct mx6_dns *dns = mx6_dns_new_static(1000);

	ck_assert_ptr_nonnull(dns);
	return dns;
}

/* A TXT record of the given character-strings, NULL-terminated. */
static void txt_strings(struct mx6_dns *dns, const char *name, const char *const *strings)
{
	unsigned char rdata[1024];
	size_t n = 0;

	for (; *strings != NULL; strings++) {
		size_t len = strlen(*strings);

		ck_assert_uint_le(len, 255);
		ck_assert_uint_lt(n + len + 1, sizeof(rdata));
		rdata[n++] = (unsigned char)len;
		memcpy(rdata + n, *strings, len);
		n += len;
	}
	ck_assert_int_eq(mx6_dns_static_add(dns, name, MX6_RR_TXT, rdata, n), 0);
}

static void txt(struct mx6_dns *dns, const char *name, const char *text)
{
	const char *strings[] = {text, NULL};

	txt_strings(dns, name, strings);
}

static void timeout(struct mx6_dns *dns, const char *name)
{
	ck_assert_int_eq(mx6_dns_static_fail(dns, name, MX6_RR_TXT, MX6_DNS_TEMPFAIL), 0);
}

static enum mx6_dns_status lookup(struct mx6_dns *dns, const char *from_domain,
				  struct mx6_dmarc_record *rec)
{
	memset(rec, 0x5a, sizeof(*rec));
	return mx6_dmarc_lookup(dns, from_domain, rec);
}

#define ck_assert_status(got, want)                                                      \
	ck_assert_msg((got) == (want), "status %s, want %s", mx6_dns_status_name(got),   \
		      mx6_dns_status_name(want))

START_TEST(record_at_the_from_domain_is_found)
{
	struct mx6_dns *dns = zone();
	struct mx6_dmarc_record rec;

	txt(dns, "_dmarc.example.org", "v=DMARC1; p=reject; sp=quarantine");
	ck_assert_status(lookup(dns, "example.org", &rec), MX6_DNS_OK);
	ck_assert_int_eq(rec.p, MX6_DMARC_REJECT);
	ck_assert_int_eq(rec.sp, MX6_DMARC_QUARANTINE);
	ck_assert_int_eq(rec.org_fallback, 0);
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(record_at_a_subdomain_is_found_before_the_organizational_one)
{
	struct mx6_dns *dns = zone();
	struct mx6_dmarc_record rec;

	txt(dns, "_dmarc.mail.example.org", "v=DMARC1; p=quarantine");
	txt(dns, "_dmarc.example.org", "v=DMARC1; p=reject");
	ck_assert_status(lookup(dns, "mail.example.org", &rec), MX6_DNS_OK);
	ck_assert_int_eq(rec.p, MX6_DMARC_QUARANTINE);
	ck_assert_int_eq(rec.org_fallback, 0);
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(subdomain_without_a_record_falls_back_to_the_organizational_domain)
{
	struct mx6_dns *dns = zone();
	struct mx6_dmarc_record rec;

	txt(dns, "_dmarc.example.org", "v=DMARC1; p=none; sp=reject");
	ck_assert_status(lookup(dns, "a.b.mail.example.org", &rec), MX6_DNS_OK);
	ck_assert_int_eq(rec.p, MX6_DMARC_NONE);
	ck_assert_int_eq(rec.sp, MX6_DMARC_REJECT);
	ck_assert_int_eq(rec.org_fallback, 1);
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(fallback_follows_the_public_suffix_list)
{
	struct mx6_dns *dns = zone();
	struct mx6_dmarc_record rec;

	txt(dns, "_dmarc.co.uk", "v=DMARC1; p=reject");
	txt(dns, "_dmarc.example.co.uk", "v=DMARC1; p=quarantine");
	ck_assert_status(lookup(dns, "mail.example.co.uk", &rec), MX6_DNS_OK);
	ck_assert_int_eq(rec.p, MX6_DMARC_QUARANTINE);
	ck_assert_int_eq(rec.org_fallback, 1);
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(fallback_applies_when_the_from_name_exists_without_a_record)
{
	struct mx6_dns *dns = zone();
	struct mx6_dmarc_record rec;
	const unsigned char a[4] = {192, 0, 2, 1};

	/* NODATA at _dmarc.mail.example.org, not NXDOMAIN. */
	ck_assert_int_eq(mx6_dns_static_add(dns, "_dmarc.mail.example.org", MX6_RR_A, a, 4),
			 0);
	txt(dns, "_dmarc.example.org", "v=DMARC1; p=reject");
	ck_assert_status(lookup(dns, "mail.example.org", &rec), MX6_DNS_OK);
	ck_assert_int_eq(rec.org_fallback, 1);
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(no_record_anywhere_is_nxdomain)
{
	struct mx6_dns *dns = zone();
	struct mx6_dmarc_record rec;

	txt(dns, "mail.example.org", "v=spf1 -all");
	ck_assert_status(lookup(dns, "mail.example.org", &rec), MX6_DNS_NXDOMAIN);
	ck_assert_status(lookup(dns, "example.org", &rec), MX6_DNS_NXDOMAIN);
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(two_dmarc_records_are_treated_as_none)
{
	struct mx6_dns *dns = zone();
	struct mx6_dmarc_record rec;

	txt(dns, "_dmarc.example.org", "v=DMARC1; p=reject");
	txt(dns, "_dmarc.example.org", "v=DMARC1; p=none");
	ck_assert_status(lookup(dns, "example.org", &rec), MX6_DNS_NXDOMAIN);
	ck_assert_status(lookup(dns, "mail.example.org", &rec), MX6_DNS_NXDOMAIN);
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(two_dmarc_records_at_the_from_domain_do_not_fall_back)
{
	struct mx6_dns *dns = zone();
	struct mx6_dmarc_record rec;

	/*
	 * RFC 7489 6.6.3: the organizational domain is asked only when the
	 * From domain's set of DMARC records is empty; several records end
	 * policy discovery.
	 */
	txt(dns, "_dmarc.mail.example.org", "v=DMARC1; p=none");
	txt(dns, "_dmarc.mail.example.org", "v=DMARC1; p=quarantine");
	txt(dns, "_dmarc.example.org", "v=DMARC1; p=reject");
	ck_assert_status(lookup(dns, "mail.example.org", &rec), MX6_DNS_NXDOMAIN);
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(non_dmarc_txt_beside_a_dmarc_record_is_skipped)
{
	struct mx6_dns *dns = zone();
	struct mx6_dmarc_record rec;

	txt(dns, "_dmarc.example.org", "google-site-verification=abc123");
	txt(dns, "_dmarc.example.org", "v=DMARC1; p=quarantine; pct=20");
	txt(dns, "_dmarc.example.org", "v=spf1 -all");
	ck_assert_status(lookup(dns, "example.org", &rec), MX6_DNS_OK);
	ck_assert_int_eq(rec.p, MX6_DMARC_QUARANTINE);
	ck_assert_uint_eq(rec.pct, 20);
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(record_split_into_several_strings_is_joined)
{
	struct mx6_dns *dns = zone();
	struct mx6_dmarc_record rec;
	const char *const strings[] = {"v=DMARC1; p=rej", "ect; adkim=s", NULL};

	txt_strings(dns, "_dmarc.example.org", strings);
	ck_assert_status(lookup(dns, "example.org", &rec), MX6_DNS_OK);
	ck_assert_int_eq(rec.p, MX6_DMARC_REJECT);
	ck_assert_int_eq(rec.adkim_strict, 1);
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(long_record_in_dns_is_read_whole)
{
	struct mx6_dns *dns = zone();
	struct mx6_dmarc_record rec;
	char text[4096];
	unsigned char rdata[4200];
	size_t len, off, n, out = 0;

	snprintf(text, sizeof(text), "v=DMARC1; rua=mailto:%03900d@example.org; p=reject", 0);
	len = strlen(text);
	for (off = 0; off < len; off += n) {
		n = len - off > 255 ? 255 : len - off;
		rdata[out++] = (unsigned char)n;
		memcpy(rdata + out, text + off, n);
		out += n;
	}
	ck_assert_int_eq(mx6_dns_static_add(dns, "_dmarc.example.org", MX6_RR_TXT, rdata, out),
			 0);
	ck_assert_status(lookup(dns, "example.org", &rec), MX6_DNS_OK);
	ck_assert_int_eq(rec.p, MX6_DMARC_REJECT);
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(lookup_is_case_insensitive)
{
	struct mx6_dns *dns = zone();
	struct mx6_dmarc_record rec;

	txt(dns, "_dmarc.example.org", "v=DMARC1; p=reject");
	ck_assert_status(lookup(dns, "Mail.EXAMPLE.org", &rec), MX6_DNS_OK);
	ck_assert_int_eq(rec.p, MX6_DMARC_REJECT);
	ck_assert_int_eq(rec.org_fallback, 1);
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(tempfail_at_the_from_domain_is_tempfail_without_fallback)
{
	struct mx6_dns *dns = zone();
	struct mx6_dmarc_record rec;

	timeout(dns, "_dmarc.mail.example.org");
	txt(dns, "_dmarc.example.org", "v=DMARC1; p=none");
	ck_assert_status(lookup(dns, "mail.example.org", &rec), MX6_DNS_TEMPFAIL);
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(tempfail_only_at_the_organizational_domain_is_tempfail)
{
	struct mx6_dns *dns = zone();
	struct mx6_dmarc_record rec;

	timeout(dns, "_dmarc.example.org");
	ck_assert_status(lookup(dns, "mail.example.org", &rec), MX6_DNS_TEMPFAIL);
	mx6_dns_free(&dns);
}
END_TEST

START_TEST(tempfail_at_the_organizational_domain_does_not_hide_a_subdomain_record)
{
	struct mx6_dns *dns = zone();
	struct mx6_dmarc_record rec;

	timeout(dns, "_dmarc.example.org");
	txt(dns, "_dmarc.mail.example.org", "v=DMARC1; p=reject");
	ck_assert_status(lookup(dns, "mail.example.org", &rec), MX6_DNS_OK);
	ck_assert_int_eq(rec.p, MX6_DMARC_REJECT);
	ck_assert_int_eq(rec.org_fallback, 0);
	mx6_dns_free(&dns);
}
END_TEST

/* The DMARC result */

static struct mx6_dkim_sig sig(const char *domain, enum mx6_auth result)
{
	struct mx6_dkim_sig s;

	memset(&s, 0, sizeof(s));
	s.result = result;
	snprintf(s.domain, sizeof(s.domain), "%s", domain);
	snprintf(s.selector, sizeof(s.selector), "sel");
	s.key_bits = 2048;
	return s;
}

static struct mx6_dmarc_record record(const char *txt)
{
	return parse_ok(txt);
}

static const char *evaluate(const struct mx6_dmarc_record *rec, const char *from,
			    enum mx6_auth spf, const char *spf_domain,
			    const struct mx6_dkim_sig *sigs, size_t nsigs,
			    enum mx6_dmarc_policy *policy_r)
{
	enum mx6_dmarc_policy policy = (enum mx6_dmarc_policy)-1;
	enum mx6_auth result =
		mx6_dmarc_evaluate(rec, from, spf, spf_domain, sigs, nsigs, &policy);

	if (policy_r != NULL)
		*policy_r = policy;
	return mx6_auth_name(result);
}

START_TEST(aligned_spf_pass_is_pass)
{
	struct mx6_dmarc_record rec = record("v=DMARC1; p=reject");

	ck_assert_str_eq(evaluate(&rec, "example.org", MX6_AUTH_PASS, "example.org", NULL,
				  0, NULL),
			 "pass");
}
END_TEST

START_TEST(relaxed_spf_alignment_accepts_a_subdomain)
{
	struct mx6_dmarc_record rec = record("v=DMARC1; p=reject");

	ck_assert_str_eq(evaluate(&rec, "example.org", MX6_AUTH_PASS, "bounces.example.org",
				  NULL, 0, NULL),
			 "pass");
}
END_TEST

START_TEST(strict_spf_alignment_refuses_a_subdomain)
{
	struct mx6_dmarc_record rec = record("v=DMARC1; p=reject; aspf=s");

	ck_assert_str_eq(evaluate(&rec, "example.org", MX6_AUTH_PASS, "bounces.example.org",
				  NULL, 0, NULL),
			 "fail");
}
END_TEST

START_TEST(aligned_dkim_pass_of_a_subdomain_is_pass_when_relaxed)
{
	struct mx6_dmarc_record rec = record("v=DMARC1; p=reject");
	struct mx6_dkim_sig sigs[] = {sig("mail.example.org", MX6_AUTH_PASS)};

	ck_assert_str_eq(evaluate(&rec, "example.org", MX6_AUTH_NONE, "", sigs, 1, NULL),
			 "pass");
}
END_TEST

START_TEST(strict_dkim_alignment_refuses_a_subdomain)
{
	struct mx6_dmarc_record rec = record("v=DMARC1; p=reject; adkim=s");
	struct mx6_dkim_sig sigs[] = {sig("mail.example.org", MX6_AUTH_PASS)};

	ck_assert_str_eq(evaluate(&rec, "example.org", MX6_AUTH_NONE, "", sigs, 1, NULL),
			 "fail");
}
END_TEST

START_TEST(strict_dkim_alignment_accepts_the_same_name)
{
	struct mx6_dmarc_record rec = record("v=DMARC1; p=reject; adkim=s");
	struct mx6_dkim_sig sigs[] = {sig("Example.ORG", MX6_AUTH_PASS)};

	ck_assert_str_eq(evaluate(&rec, "example.org", MX6_AUTH_NONE, "", sigs, 1, NULL),
			 "pass");
}
END_TEST

START_TEST(any_aligned_dkim_pass_among_several_signatures_is_pass)
{
	struct mx6_dmarc_record rec = record("v=DMARC1; p=reject");
	struct mx6_dkim_sig sigs[] = {
		sig("example.org", MX6_AUTH_FAIL),
		sig("esp.example", MX6_AUTH_PASS),
		sig("example.org", MX6_AUTH_PASS),
	};

	ck_assert_str_eq(evaluate(&rec, "example.org", MX6_AUTH_FAIL, "example.org", sigs,
				  3, NULL),
			 "pass");
}
END_TEST

START_TEST(unaligned_passes_are_fail)
{
	struct mx6_dmarc_record rec = record("v=DMARC1; p=reject");
	struct mx6_dkim_sig sigs[] = {sig("evil.example", MX6_AUTH_PASS)};

	ck_assert_str_eq(evaluate(&rec, "example.org", MX6_AUTH_PASS, "evil.example", sigs,
				  1, NULL),
			 "fail");
	ck_assert_str_eq(evaluate(&rec, "example.org", MX6_AUTH_PASS, "badexample.org",
				  NULL, 0, NULL),
			 "fail");
}
END_TEST

START_TEST(aligned_results_other_than_pass_are_fail)
{
	struct mx6_dmarc_record rec = record("v=DMARC1; p=reject");
	struct mx6_dkim_sig sigs[] = {
		sig("example.org", MX6_AUTH_FAIL),
		sig("example.org", MX6_AUTH_NEUTRAL),
		sig("example.org", MX6_AUTH_POLICY),
		sig("example.org", MX6_AUTH_PERMERROR),
	};

	ck_assert_str_eq(evaluate(&rec, "example.org", MX6_AUTH_SOFTFAIL, "example.org",
				  sigs, 4, NULL),
			 "fail");
	ck_assert_str_eq(evaluate(&rec, "example.org", MX6_AUTH_NEUTRAL, "example.org",
				  NULL, 0, NULL),
			 "fail");
}
END_TEST

START_TEST(nothing_authenticated_is_fail)
{
	struct mx6_dmarc_record rec = record("v=DMARC1; p=none");

	ck_assert_str_eq(evaluate(&rec, "example.org", MX6_AUTH_NONE, "", NULL, 0, NULL),
			 "fail");
}
END_TEST

START_TEST(fail_with_an_spf_temperror_is_temperror)
{
	struct mx6_dmarc_record rec = record("v=DMARC1; p=reject");
	struct mx6_dkim_sig sigs[] = {sig("evil.example", MX6_AUTH_PASS)};

	ck_assert_str_eq(evaluate(&rec, "example.org", MX6_AUTH_TEMPERROR, "example.org",
				  sigs, 1, NULL),
			 "temperror");
}
END_TEST

START_TEST(fail_with_a_dkim_temperror_is_temperror)
{
	struct mx6_dmarc_record rec = record("v=DMARC1; p=reject");
	struct mx6_dkim_sig sigs[] = {
		sig("example.org", MX6_AUTH_FAIL),
		sig("example.org", MX6_AUTH_TEMPERROR),
	};

	ck_assert_str_eq(evaluate(&rec, "example.org", MX6_AUTH_FAIL, "example.org", sigs,
				  2, NULL),
			 "temperror");
}
END_TEST

START_TEST(pass_wins_over_a_temperror)
{
	struct mx6_dmarc_record rec = record("v=DMARC1; p=reject");
	struct mx6_dkim_sig sigs[] = {
		sig("example.org", MX6_AUTH_TEMPERROR),
		sig("example.org", MX6_AUTH_PASS),
	};

	ck_assert_str_eq(evaluate(&rec, "example.org", MX6_AUTH_TEMPERROR, "example.org",
				  sigs, 2, NULL),
			 "pass");
}
END_TEST

START_TEST(policy_is_p_for_a_record_of_the_from_domain)
{
	struct mx6_dmarc_record rec = record("v=DMARC1; p=quarantine; sp=reject");
	enum mx6_dmarc_policy policy;

	evaluate(&rec, "example.org", MX6_AUTH_NONE, "", NULL, 0, &policy);
	ck_assert_int_eq(policy, MX6_DMARC_QUARANTINE);
}
END_TEST

START_TEST(policy_is_sp_for_an_organizational_fallback_with_sp)
{
	struct mx6_dmarc_record rec = record("v=DMARC1; p=none; sp=reject");
	enum mx6_dmarc_policy policy;

	rec.org_fallback = 1;
	evaluate(&rec, "mail.example.org", MX6_AUTH_NONE, "", NULL, 0, &policy);
	ck_assert_int_eq(policy, MX6_DMARC_REJECT);
}
END_TEST

START_TEST(policy_is_p_for_an_organizational_fallback_without_sp)
{
	struct mx6_dmarc_record rec = record("v=DMARC1; p=quarantine");
	enum mx6_dmarc_policy policy;

	rec.org_fallback = 1;
	evaluate(&rec, "mail.example.org", MX6_AUTH_NONE, "", NULL, 0, &policy);
	ck_assert_int_eq(policy, MX6_DMARC_QUARANTINE);
}
END_TEST

START_TEST(policy_is_reported_on_pass_too)
{
	struct mx6_dmarc_record rec = record("v=DMARC1; p=reject");
	enum mx6_dmarc_policy policy;

	ck_assert_str_eq(evaluate(&rec, "example.org", MX6_AUTH_PASS, "example.org", NULL,
				  0, &policy),
			 "pass");
	ck_assert_int_eq(policy, MX6_DMARC_REJECT);
}
END_TEST

START_TEST(lookup_and_evaluate_together_apply_sp_to_a_subdomain)
{
	struct mx6_dns *dns = zone();
	struct mx6_dmarc_record rec;
	enum mx6_dmarc_policy policy;
	struct mx6_dkim_sig sigs[] = {sig("example.org", MX6_AUTH_PASS)};

	txt(dns, "_dmarc.example.org", "v=DMARC1; p=none; sp=reject");
	ck_assert_status(lookup(dns, "news.example.org", &rec), MX6_DNS_OK);
	ck_assert_str_eq(evaluate(&rec, "news.example.org", MX6_AUTH_NONE, "", NULL, 0,
				  &policy),
			 "fail");
	ck_assert_int_eq(policy, MX6_DMARC_REJECT);
	ck_assert_str_eq(evaluate(&rec, "news.example.org", MX6_AUTH_NONE, "", sigs, 1,
				  &policy),
			 "pass");
	mx6_dns_free(&dns);
}
END_TEST

static Suite *dmarc_suite(void)
{
	Suite *s = suite_create("dmarc");
	TCase *tc;

	tc = tcase_create("records");
	tcase_add_test(tc, minimal_record_has_the_defaults);
	tcase_add_test(tc, record_with_every_tag_is_read_whole);
	tcase_add_test(tc, each_policy_value_is_read);
	tcase_add_test(tc, relaxed_alignment_is_the_default_and_can_be_spelt_out);
	tcase_add_test(tc, pct_out_of_range_or_not_a_number_stays_100);
	tcase_add_test(tc, invalid_sp_is_ignored);
	tcase_add_test(tc, whitespace_around_tags_and_values_is_allowed);
	tcase_add_test(tc, unknown_tags_are_ignored);
	tcase_add_test(tc, record_without_v_is_not_dmarc);
	tcase_add_test(tc, v_must_come_first);
	tcase_add_test(tc, other_versions_are_not_dmarc1);
	tcase_add_test(tc, missing_or_invalid_p_without_rua_is_not_a_policy);
	tcase_add_test(tc, missing_or_invalid_p_with_rua_is_p_none);
	tcase_add_test(tc, long_record_is_read_whole);
	tcase_add_test(tc, policy_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("alignment");
	tcase_add_loop_test(tc, organizational_domain_by_the_public_suffix_list, 0,
			    (int)(sizeof(orgs) / sizeof(orgs[0])));
	tcase_add_test(tc, strict_alignment_needs_the_same_name);
	tcase_add_test(tc, relaxed_alignment_needs_the_same_organizational_domain);
	tcase_add_test(tc, relaxed_alignment_stops_at_public_suffixes);
	tcase_add_test(tc, empty_or_missing_domains_are_never_aligned);
	suite_add_tcase(s, tc);

	tc = tcase_create("discovery");
	tcase_add_test(tc, record_at_the_from_domain_is_found);
	tcase_add_test(tc, record_at_a_subdomain_is_found_before_the_organizational_one);
	tcase_add_test(tc, subdomain_without_a_record_falls_back_to_the_organizational_domain);
	tcase_add_test(tc, fallback_follows_the_public_suffix_list);
	tcase_add_test(tc, fallback_applies_when_the_from_name_exists_without_a_record);
	tcase_add_test(tc, no_record_anywhere_is_nxdomain);
	tcase_add_test(tc, two_dmarc_records_are_treated_as_none);
	tcase_add_test(tc, two_dmarc_records_at_the_from_domain_do_not_fall_back);
	tcase_add_test(tc, non_dmarc_txt_beside_a_dmarc_record_is_skipped);
	tcase_add_test(tc, record_split_into_several_strings_is_joined);
	tcase_add_test(tc, lookup_is_case_insensitive);
	tcase_add_test(tc, long_record_in_dns_is_read_whole);
	tcase_add_test(tc, tempfail_at_the_from_domain_is_tempfail_without_fallback);
	tcase_add_test(tc, tempfail_only_at_the_organizational_domain_is_tempfail);
	tcase_add_test(tc,
		       tempfail_at_the_organizational_domain_does_not_hide_a_subdomain_record);
	suite_add_tcase(s, tc);

	tc = tcase_create("result");
	tcase_add_test(tc, aligned_spf_pass_is_pass);
	tcase_add_test(tc, relaxed_spf_alignment_accepts_a_subdomain);
	tcase_add_test(tc, strict_spf_alignment_refuses_a_subdomain);
	tcase_add_test(tc, aligned_dkim_pass_of_a_subdomain_is_pass_when_relaxed);
	tcase_add_test(tc, strict_dkim_alignment_refuses_a_subdomain);
	tcase_add_test(tc, strict_dkim_alignment_accepts_the_same_name);
	tcase_add_test(tc, any_aligned_dkim_pass_among_several_signatures_is_pass);
	tcase_add_test(tc, unaligned_passes_are_fail);
	tcase_add_test(tc, aligned_results_other_than_pass_are_fail);
	tcase_add_test(tc, nothing_authenticated_is_fail);
	tcase_add_test(tc, fail_with_an_spf_temperror_is_temperror);
	tcase_add_test(tc, fail_with_a_dkim_temperror_is_temperror);
	tcase_add_test(tc, pass_wins_over_a_temperror);
	tcase_add_test(tc, policy_is_p_for_a_record_of_the_from_domain);
	tcase_add_test(tc, policy_is_sp_for_an_organizational_fallback_with_sp);
	tcase_add_test(tc, policy_is_p_for_an_organizational_fallback_without_sp);
	tcase_add_test(tc, policy_is_reported_on_pass_too);
	tcase_add_test(tc, lookup_and_evaluate_together_apply_sp_to_a_subdomain);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_main(dmarc_suite());
}
