/*
 * NAME
 *	dmarc 3
 * SUMMARY
 *	DMARC (RFC 7489): policy records, organizational domains, alignment
 * SYNOPSIS
 *	See dmarc.h.
 * DESCRIPTION
 *	Alignment is done here, with libpsl, rather than by libopendmarc,
 *	whose alignment logic has known bugs. The record parser is small
 *	enough to own: only v, p, sp, adkim, aspf, pct and the presence of
 *	rua matter to a receiver that does not send reports.
 */
#include "autoconf.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpsl.h>

#include "dmarc.h"
#include "util.h"

static const psl_ctx_t *psl;
static pthread_once_t psl_once = PTHREAD_ONCE_INIT;

/* The newer of the system's list and libpsl's built-in one. */
static void psl_load(void)
{
	psl = psl_latest(NULL);
	if (psl == NULL)
		psl = psl_builtin();
}

char *mx6_org_domain(const char *domain, char *buf, size_t buflen)
{
	const char *reg = NULL;
	char lower[256];
	size_t i;

	pthread_once(&psl_once, psl_load);
	for (i = 0; domain[i] != '\0' && i + 1 < sizeof(lower); i++)
		lower[i] = (char)tolower((unsigned char)domain[i]);
	lower[i] = '\0';
	if (i > 0 && lower[i - 1] == '.')
		lower[i - 1] = '\0';
	if (psl != NULL)
		reg = psl_registrable_domain(psl, lower);
	mx6_strlcpy(buf, reg != NULL ? reg : lower, buflen);
	return buf;
}

int mx6_domains_aligned(const char *a, const char *b, int strict)
{
	char oa[256], ob[256];

	if (a == NULL || b == NULL || *a == '\0' || *b == '\0')
		return 0;
	if (strcasecmp(a, b) == 0)
		return 1;
	if (strict)
		return 0;
	return strcmp(mx6_org_domain(a, oa, sizeof(oa)), mx6_org_domain(b, ob, sizeof(ob))) == 0;
}

static int parse_policy(const char *v, enum mx6_dmarc_policy *p)
{
	if (strcasecmp(v, "none") == 0)
		*p = MX6_DMARC_NONE;
	else if (strcasecmp(v, "quarantine") == 0)
		*p = MX6_DMARC_QUARANTINE;
	else if (strcasecmp(v, "reject") == 0)
		*p = MX6_DMARC_REJECT;
	else
		return -1;
	return 0;
}

/* mx6_dmarc_parse() on BUF, a copy of the record it may cut up. */
static int parse_copy(char *buf, struct mx6_dmarc_record *rec)
{
	char *tag, *save = NULL;
	int first = 1, have_p = 0, p_invalid = 0, have_rua = 0;

	for (tag = strtok_r(buf, ";", &save); tag != NULL; tag = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(tag, '='), *name, *value;

		if (eq == NULL) {
			if (*mx6_trim(tag) == '\0')
				continue;
			if (first)
				return -1;
			continue;
		}
		*eq = '\0';
		name = mx6_trim(tag);
		value = mx6_trim(eq + 1);
		if (first) {
			/* RFC 7489 6.4: v=DMARC1 must come first. */
			if (strcmp(name, "v") != 0 || strcmp(value, "DMARC1") != 0)
				return -1;
			first = 0;
			continue;
		}
		if (strcasecmp(name, "p") == 0) {
			have_p = 1;
			p_invalid = parse_policy(value, &rec->p) < 0;
		} else if (strcasecmp(name, "sp") == 0) {
			rec->has_sp = parse_policy(value, &rec->sp) == 0;
		} else if (strcasecmp(name, "adkim") == 0) {
			rec->adkim_strict = strcasecmp(value, "s") == 0;
		} else if (strcasecmp(name, "aspf") == 0) {
			rec->aspf_strict = strcasecmp(value, "s") == 0;
		} else if (strcasecmp(name, "pct") == 0) {
			char *end;
			long v = strtol(value, &end, 10);

			if (*value != '\0' && *end == '\0' && v >= 0 && v <= 100)
				rec->pct = (unsigned)v;
		} else if (strcasecmp(name, "rua") == 0) {
			have_rua = strchr(value, ':') != NULL;
		}
	}
	if (first)
		return -1;
	if (!have_p || p_invalid) {
		if (!have_rua)
			return -1;
		rec->p = MX6_DMARC_NONE;
	}
	return 0;
}

int mx6_dmarc_parse(const char *txt, struct mx6_dmarc_record *rec)
{
	char *buf;
	int rc;

	memset(rec, 0, sizeof(*rec));
	rec->pct = 100;
	/* Any length (RFC 7489 sets none): a long rua= list must not hide the
	 * p= after it. */
	if ((buf = strdup(txt)) == NULL)
		return -1;
	rc = parse_copy(buf, rec);
	free(buf);
	return rc;
}

enum lookup {
	FOUND,
	NONE,
	SEVERAL, /* RFC 7489 6.6.3: no DMARC, and no fallback either */
	TEMPORARY,
};

static enum lookup lookup_one(struct mx6_dns *dns, const char *domain,
			      struct mx6_dmarc_record *rec)
{
	struct mx6_dns_result r;
	char name[300], *txt;
	unsigned i, found = 0;

	snprintf(name, sizeof(name), "_dmarc.%s", domain);
	switch (mx6_dns_lookup(dns, name, MX6_RR_TXT, &r)) {
	case MX6_DNS_TEMPFAIL:
		return TEMPORARY;
	case MX6_DNS_NXDOMAIN:
	case MX6_DNS_NODATA:
		return NONE;
	case MX6_DNS_OK:
		break;
	}
	for (i = 0; i < r.count; i++) {
		struct mx6_dmarc_record candidate;

		if ((txt = malloc((size_t)r.rrlen[i] + 1)) == NULL) {
			mx6_dns_result_free(&r);
			return TEMPORARY; /* out of memory: try again later */
		}
		if (mx6_dns_txt_join(r.rr[i], r.rrlen[i], txt, (size_t)r.rrlen[i] + 1) >= 0 &&
		    mx6_dmarc_parse(txt, &candidate) == 0 && found++ == 0)
			*rec = candidate;
		free(txt);
	}
	mx6_dns_result_free(&r);
	return found == 1 ? FOUND : found == 0 ? NONE : SEVERAL;
}

static enum mx6_dns_status status_of(enum lookup l)
{
	return l == FOUND ? MX6_DNS_OK : l == TEMPORARY ? MX6_DNS_TEMPFAIL : MX6_DNS_NXDOMAIN;
}

enum mx6_dns_status mx6_dmarc_lookup(struct mx6_dns *dns, const char *from_domain,
				     struct mx6_dmarc_record *rec)
{
	enum lookup l;
	char org[256];

	memset(rec, 0, sizeof(*rec));
	l = lookup_one(dns, from_domain, rec);
	if (l != NONE)
		return status_of(l);
	mx6_org_domain(from_domain, org, sizeof(org));
	if (strcasecmp(org, from_domain) == 0)
		return MX6_DNS_NXDOMAIN;
	l = lookup_one(dns, org, rec);
	if (l == FOUND)
		rec->org_fallback = 1;
	return status_of(l);
}

enum mx6_auth mx6_dmarc_evaluate(const struct mx6_dmarc_record *rec,
				 const char *from_domain, enum mx6_auth spf,
				 const char *spf_domain, const struct mx6_dkim_sig *sigs,
				 size_t nsigs, enum mx6_dmarc_policy *policy_r)
{
	int temporary = spf == MX6_AUTH_TEMPERROR;
	size_t i;

	*policy_r = rec->org_fallback && rec->has_sp ? rec->sp : rec->p;
	/*
	 * pct < 100 asks receivers to apply the policy to a sample only and
	 * the next less strict one to the rest (RFC 7489 6.6.4). A verdict
	 * must not depend on a dice roll: take every message as the rest.
	 */
	if (rec->pct < 100 && *policy_r != MX6_DMARC_NONE)
		(*policy_r)--;
	if (spf == MX6_AUTH_PASS && mx6_domains_aligned(spf_domain, from_domain, rec->aspf_strict))
		return MX6_AUTH_PASS;
	for (i = 0; i < nsigs; i++) {
		if (sigs[i].result == MX6_AUTH_PASS &&
		    mx6_domains_aligned(sigs[i].domain, from_domain, rec->adkim_strict))
			return MX6_AUTH_PASS;
		if (sigs[i].result == MX6_AUTH_TEMPERROR)
			temporary = 1;
	}
	return temporary ? MX6_AUTH_TEMPERROR : MX6_AUTH_FAIL;
}

const char *mx6_dmarc_policy_name(enum mx6_dmarc_policy p)
{
	switch (p) {
	case MX6_DMARC_NONE:
		return "none";
	case MX6_DMARC_QUARANTINE:
		return "quarantine";
	case MX6_DMARC_REJECT:
		return "reject";
	}
	return "?";
}
