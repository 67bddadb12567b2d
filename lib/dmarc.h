/*
 * NAME
 *	dmarc 3h
 * SUMMARY
 *	DMARC (RFC 7489): policy records, organizational domains, alignment
 * SYNOPSIS
 *	#include "dmarc.h"
 * DESCRIPTION
 *	mx6_org_domain() writes the organizational domain of DOMAIN (its
 *	registrable domain by the Public Suffix List, through libpsl; the
 *	name itself when it is a public suffix) into buf and returns buf.
 *	mx6_domains_aligned() tells whether A and B are aligned: equal
 *	(strict) or with the same organizational domain (relaxed).
 *
 *	mx6_dmarc_parse() parses one TXT record. Returns 0 for a DMARC
 *	record (v=DMARC1 first; a missing or invalid p= is taken as p=none
 *	when rua= is present, RFC 7489 6.6.3), -1 for anything else.
 *
 *	mx6_dmarc_lookup() finds the policy for FROM_DOMAIN: _dmarc.DOMAIN,
 *	else _dmarc.ORGANIZATIONAL-DOMAIN. It returns MX6_DNS_OK with *rec
 *	filled (rec->org_fallback set when the record came from the
 *	organizational domain), MX6_DNS_NXDOMAIN when there is no record
 *	(or several, which RFC 7489 treats as none), or MX6_DNS_TEMPFAIL.
 *
 *	mx6_dmarc_evaluate() is pure: given the record and the results of
 *	SPF (for its domain) and DKIM (per signature) it returns pass when
 *	an aligned identifier passed, temperror when none did but an
 *	authentication check failed temporarily (a DNS timeout must never
 *	look like a forgery), fail otherwise; *policy_r receives the policy
 *	that applies (sp= for a subdomain that fell back to its
 *	organizational domain's record, else p=), one step less strict when
 *	pct= is below 100 (every message is taken as outside the sample).
 */
#ifndef MX6_DMARC_H
#define MX6_DMARC_H

#include <stddef.h>

#include "auth.h"
#include "dkim.h"
#include "dns.h"

enum mx6_dmarc_policy {
	MX6_DMARC_NONE = 0,
	MX6_DMARC_QUARANTINE,
	MX6_DMARC_REJECT,
};

struct mx6_dmarc_record {
	enum mx6_dmarc_policy p;
	enum mx6_dmarc_policy sp;
	int has_sp;
	int adkim_strict;
	int aspf_strict;
	unsigned pct;
	int org_fallback;
};

char *mx6_org_domain(const char *domain, char *buf, size_t buflen);
int mx6_domains_aligned(const char *a, const char *b, int strict);

int mx6_dmarc_parse(const char *txt, struct mx6_dmarc_record *rec_r);
enum mx6_dns_status mx6_dmarc_lookup(struct mx6_dns *dns, const char *from_domain,
				     struct mx6_dmarc_record *rec_r);
enum mx6_auth mx6_dmarc_evaluate(const struct mx6_dmarc_record *rec,
				 const char *from_domain, enum mx6_auth spf,
				 const char *spf_domain, const struct mx6_dkim_sig *sigs,
				 size_t nsigs, enum mx6_dmarc_policy *policy_r);
const char *mx6_dmarc_policy_name(enum mx6_dmarc_policy p);

#endif
