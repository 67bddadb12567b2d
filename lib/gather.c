/*
 * NAME
 *	gather 3
 * SUMMARY
 *	evidence gatherers: turn what the MTA says into signals
 * SYNOPSIS
 *	See gather.h.
 * DESCRIPTION
 *	The authenticated domain (SPEC 3 step 4) is the RFC5322.From domain
 *	when DMARC passes; when the domain publishes no DMARC record, it is
 *	the From domain if a passing DKIM signature or a passing SPF
 *	identity is aligned with it (relaxed). A temporary error on the way
 *	is remembered: it may have hidden an authenticated domain, so a
 *	domain list that could not be consulted is a temporary error too,
 *	never a plain "not listed".
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>

#include "address.h"
#include "dmarc.h"
#include "gather.h"
#include "iprev.h"
#include "log.h"
#include "rdap.h"
#include "util.h"

static void list_signal(const struct mx6_ip_source *src, const struct mx6_addr *addr,
			struct mx6_signal *sig)
{
	sig->list = NULL;
	sig->line = 0;
	if (src->list == NULL)
		sig->state = MX6_SIG_OFF;
	else if (mx6_iplist_lookup(src->list, addr, &sig->line)) {
		sig->list = src->path;
		sig->state = MX6_SIG_YES;
	} else {
		sig->state = MX6_SIG_NO;
	}
}

static enum mx6_sig_state configured(const struct mx6_domain_source *src)
{
	return src->set != NULL ? MX6_SIG_PENDING : MX6_SIG_OFF;
}

static void asn_signal(const struct mx6_config *cfg, const struct mx6_addr *client,
		       struct mx6_signal *sig)
{
	uint32_t asn;

	if (cfg->asn_greenlist == NULL) {
		sig->state = MX6_SIG_OFF;
		return;
	}
	/* A corrupt spot in the database (-1) is missing evidence: no match. */
	sig->state = MX6_SIG_NO;
	if (mx6_asn_lookup(cfg->asn_db, client, &asn) == 1 &&
	    mx6_asnlist_lookup(cfg->asn_greenlist, asn, &sig->line)) {
		sig->state = MX6_SIG_YES;
		sig->list = cfg->asn_greenlist_path;
		snprintf(sig->detail, sizeof(sig->detail), "AS%lu", (unsigned long)asn);
	}
}

/* Ask each zone until one lists the client; a temporary error matters only
 * if no zone does. */
static void dnswl_ip_signal(const struct mx6_config *cfg, const struct mx6_addr *client,
			    struct mx6_signal *sig, int *temperror_r)
{
	char answer[16];
	size_t i;
	int temporary = 0;

	if (cfg->ndnswl == 0 && cfg->ndnswl_domain == 0) {
		sig->state = MX6_SIG_OFF;
		return;
	}
	for (i = 0; i < cfg->ndnswl; i++) {
		int rc = mx6_dnswl_check_ip(cfg->dns, &cfg->dnswl[i], client, answer,
					    sizeof(answer));

		if (rc > 0) {
			sig->state = MX6_SIG_YES;
			sig->list = cfg->dnswl[i].zone;
			sig->line = 0;
			snprintf(sig->detail, sizeof(sig->detail), "%.63s", cfg->dnswl[i].zone);
			return;
		}
		if (rc < 0)
			temporary = 1;
	}
	/* Domain zones are asked once the domain is authenticated. */
	*temperror_r = temporary;
	sig->state = cfg->ndnswl_domain > 0 ? MX6_SIG_PENDING
			: temporary	    ? MX6_SIG_TEMPERR
					    : MX6_SIG_NO;
}

static void noretry_ip_signal(const struct mx6_config *cfg, const struct mx6_addr *client,
			      struct mx6_signal *sig)
{
	if (cfg->noretry_ip.list == NULL) {
		sig->state = MX6_SIG_OFF;
		return;
	}
	if (mx6_iplist_lookup(cfg->noretry_ip.list, client, &sig->line)) {
		sig->state = MX6_SIG_YES;
		sig->list = cfg->noretry_ip.path;
		return;
	}
	sig->state = mx6_domainset_count(cfg->noretry_domain.set) > 0 ? MX6_SIG_PENDING
								     : MX6_SIG_NO;
}

/* Which RDAP signals may help: pending when configured (armed at connect). */
static void rdap_arm(const struct mx6_config *cfg, struct mx6_evidence *ev, int at_connect)
{
	int on[3] = {
		cfg->rdap != NULL && cfg->registrar_greenlist != NULL,
		cfg->rdap != NULL && cfg->whois_require_contact &&
			(cfg->whois_signal & MX6_WHOIS_DOMAIN),
		cfg->rdap != NULL && cfg->whois_require_contact &&
			(cfg->whois_signal & MX6_WHOIS_NETWORK),
	};
	int i;

	for (i = 0; i < 3; i++) {
		struct mx6_signal *sig = &ev->green[MX6_GREEN_REGISTRAR + i];

		if (at_connect || sig->state != MX6_SIG_OFF)
			sig->state = on[i] ? MX6_SIG_PENDING : MX6_SIG_OFF;
		sig->list = NULL;
		sig->line = 0;
		sig->detail[0] = '\0';
	}
}

/* The lookup of DOMAIN's registrable domain, unless one is in flight (or no signal wants it). */
static void rdap_start_domain(const struct mx6_config *cfg, const struct mx6_evidence *ev,
			      struct mx6_rdap_lookup **l, const char *domain)
{
	char org[MX6_DOMAIN_MAX];

	if (*l != NULL || domain == NULL || *domain == '\0' || ev->auth_fail.state == MX6_SIG_YES ||
	    (ev->green[MX6_GREEN_REGISTRAR].state != MX6_SIG_PENDING &&
	     ev->green[MX6_GREEN_WHOIS_DOMAIN].state != MX6_SIG_PENDING))
		return;
	*l = mx6_rdap_start_domain(cfg->rdap, mx6_org_domain(domain, org, sizeof(org)));
}

void mx6_gather_connect(const struct mx6_config *cfg, int decides, int learns,
			struct mx6_evidence *ev)
{
	struct mx6_auth_evidence *a = &ev->auth;

	if (!decides) {
		/* Learning authenticates, nothing more: no lists, no iprev. */
		if (learns)
			ev->auth_fail.state = MX6_SIG_PENDING;
		return;
	}
	ev->green[MX6_GREEN_HISTORY].state = cfg->store != NULL ? MX6_SIG_PENDING : MX6_SIG_OFF;
	list_signal(&cfg->ip_whitelist, &ev->client, &ev->ip_whitelist);
	list_signal(&cfg->ip_greenlist, &ev->client, &ev->green[MX6_GREEN_IP]);
	asn_signal(cfg, &ev->client, &ev->green[MX6_GREEN_ASN]);
	dnswl_ip_signal(cfg, &ev->client, &ev->green[MX6_GREEN_DNSWL],
			&ev->dnswl_client_temperror);
	noretry_ip_signal(cfg, &ev->client, &ev->green[MX6_GREEN_NORETRY]);
	ev->auth_fail.state = MX6_SIG_PENDING;
	ev->domain_whitelist.state = configured(&cfg->domain_whitelist);
	ev->green[MX6_GREEN_DOMAIN].state = configured(&cfg->domain_greenlist);
	ev->green[MX6_GREEN_IPREV].state =
		cfg->iprev == MX6_IPREV_GREENLIST ? MX6_SIG_PENDING : MX6_SIG_OFF;
	rdap_arm(cfg, ev, 1);
	if (cfg->iprev != MX6_IPREV_NO) {
		a->iprev = mx6_iprev_check(cfg->dns, &ev->client, MX6_IPREV_MAX_NAMES,
					   a->iprev_name, sizeof(a->iprev_name));
		a->iprev_done = 1;
	}
}

void mx6_gather_helo(const struct mx6_config *cfg, struct mx6_evidence *ev, const char *helo)
{
	struct mx6_signal *sig = &ev->green[MX6_GREEN_IPREV];
	const struct mx6_auth_evidence *a = &ev->auth;

	if (cfg->iprev != MX6_IPREV_GREENLIST || !a->iprev_done)
		return;
	if (a->iprev == MX6_AUTH_TEMPERROR)
		sig->state = MX6_SIG_TEMPERR;
	else if (a->iprev == MX6_AUTH_PASS && helo != NULL && strcasecmp(a->iprev_name, helo) == 0)
		sig->state = MX6_SIG_YES;
	else
		sig->state = MX6_SIG_NO;
}

void mx6_gather_reset(struct mx6_gather *g)
{
	int raw = g->raw_values; /* a property of the connection */

	mx6_dkim_verify_free(&g->dkim);
	mx6_rdap_lookup_free(&g->rdap_mail);
	mx6_rdap_lookup_free(&g->rdap_from);
	mx6_rdap_lookup_free(&g->rdap_network);
	free(g->rcpts);
	memset(g, 0, sizeof(*g));
	g->raw_values = raw;
}

/* Account for BYTES more held by the message; 0 if max_session_memory forbids. */
static int charge(const struct mx6_config *cfg, struct mx6_gather *g, size_t bytes)
{
	if (g->memory + bytes > cfg->max_session_memory) {
		g->over_memory = 1;
		return 0;
	}
	g->memory += bytes;
	return 1;
}

void mx6_gather_rcpt(const struct mx6_config *cfg, struct mx6_gather *g, const char *rcpt)
{
	size_t len;

	/* Kept for every message: addressbooks and outbound learning use them. */
	g->rcpts_total++;
	if (g->nrcpts >= cfg->max_recipients || rcpt == NULL)
		return;
	if (g->nrcpts == g->rcpts_cap) {
		size_t ncap = g->rcpts_cap ? 2 * g->rcpts_cap : 2;
		char(*grown)[MX6_ADDRESS_MAX];

		if (ncap > cfg->max_recipients)
			ncap = cfg->max_recipients;
		/* Not kept, this recipient's book is not consulted: no signal. */
		if (!charge(cfg, g, (ncap - g->rcpts_cap) * sizeof(*grown)))
			return;
		if ((grown = realloc(g->rcpts, ncap * sizeof(*grown))) == NULL) {
			g->memory -= (ncap - g->rcpts_cap) * sizeof(*grown);
			return;
		}
		g->rcpts = grown;
		g->rcpts_cap = ncap;
	}
	if (*rcpt == '<')
		rcpt++;
	mx6_strlcpy(g->rcpts[g->nrcpts], rcpt, sizeof(g->rcpts[0]));
	len = strlen(g->rcpts[g->nrcpts]);
	if (len > 0 && g->rcpts[g->nrcpts][len - 1] == '>')
		g->rcpts[g->nrcpts][len - 1] = '\0';
	g->nrcpts++;
}

void mx6_gather_mail(const struct mx6_config *cfg, struct mx6_evidence *ev,
		     struct mx6_gather *g, const char *helo, const char *sender)
{
	struct mx6_auth_evidence *a = &ev->auth;
	char domain[MX6_DOMAIN_MAX];

	mx6_gather_reset(g);
	if (ev->auth_fail.state == MX6_SIG_OFF)
		return; /* nothing is decided for this client */
	g->active = 1;
	/* Forget the previous message; connection facts (iprev) stay. */
	a->spf_done = a->dkim_done = a->dmarc_done = a->from_ok = a->dmarc_record = 0;
	a->ndkim = 0;
	a->domain[0] = '\0';
	a->domain_temperror = 0;
	ev->auth_fail.state = MX6_SIG_PENDING;
	ev->auth_fail_reason = NULL;
	ev->domain_whitelist.state = configured(&cfg->domain_whitelist);
	ev->domain_whitelist.list = NULL;
	ev->green[MX6_GREEN_DOMAIN].state = configured(&cfg->domain_greenlist);
	ev->green[MX6_GREEN_DOMAIN].list = NULL;
	ev->addressbook.state =
		cfg->addressbook != NULL || cfg->store != NULL ? MX6_SIG_PENDING : MX6_SIG_OFF;
	ev->addressbook.list = NULL;
	ev->addressbook_all = 0;
	rdap_arm(cfg, ev, 0);

	if (mx6_address_domain(sender, domain, sizeof(domain)) == 0) {
		a->spf = mx6_spf_check(cfg->spf, &ev->client, helo, sender, MX6_SPF_MAILFROM,
				       NULL, 0);
		a->spf_is_helo = 0;
		mx6_strlcpy(a->spf_domain, domain, sizeof(a->spf_domain));
	} else {
		/* Null sender (or no usable domain): the HELO identity speaks. */
		a->spf = mx6_spf_check(cfg->spf, &ev->client, helo, "", MX6_SPF_MAILFROM, NULL, 0);
		a->spf_is_helo = 1;
		mx6_strlcpy(a->spf_domain, helo != NULL ? helo : "", sizeof(a->spf_domain));
	}
	a->spf_done = 1;
	if (a->spf == MX6_AUTH_FAIL) {
		ev->auth_fail.state = MX6_SIG_YES;
		ev->auth_fail_reason = "spf";
		return; /* nothing can vouch for it now: no RDAP */
	}
	if (!a->spf_is_helo)
		rdap_start_domain(cfg, ev, &g->rdap_mail, domain);
	if (ev->green[MX6_GREEN_WHOIS_NETWORK].state == MX6_SIG_PENDING)
		g->rdap_network = mx6_rdap_start_network(cfg->rdap, &ev->client);
}

/* The From domain's lookup, when MAIL FROM's is not for the same registration. */
static void rdap_from_header(const struct mx6_config *cfg, const struct mx6_evidence *ev,
			     struct mx6_gather *g)
{
	char org[MX6_DOMAIN_MAX];

	if (g->rdap_mail != NULL &&
	    strcmp(mx6_rdap_lookup_name(g->rdap_mail),
		   mx6_org_domain(ev->auth.from_domain, org, sizeof(org))) == 0)
		return;
	rdap_start_domain(cfg, ev, &g->rdap_from, ev->auth.from_domain);
}

/*
 * Count a header field against the bounds; 0 ends inspection for the
 * message. DKIM's copy of the fields seen so far is freed at once: with a
 * field unseen it could only mislead.
 */
static int inspect_header(const struct mx6_config *cfg, struct mx6_gather *g,
			  const char *name, const char *value)
{
	size_t bytes = strlen(name) + (value != NULL ? strlen(value) : 0);

	if (g->headers < cfg->max_headers && bytes <= cfg->max_header_bytes - g->header_bytes &&
	    charge(cfg, g, bytes)) {
		g->headers++;
		g->header_bytes += bytes;
		return 1;
	}
	g->headers_truncated = 1;
	mx6_dkim_verify_free(&g->dkim);
	g->dkim_broken = 1;
	return 0;
}

void mx6_gather_header(const struct mx6_config *cfg, struct mx6_evidence *ev,
		       struct mx6_gather *g, const char *name, const char *value)
{
	struct mx6_auth_evidence *a = &ev->auth;

	if (!g->active || g->headers_truncated)
		return;
	if (!inspect_header(cfg, g, name, value))
		return;
	if (strcasecmp(name, "From") == 0 && g->from_headers++ == 0) {
		char addr[MX6_ADDRESS_MAX];

		a->from_ok = mx6_address_from_header(value, addr, sizeof(addr), a->from_domain,
						     sizeof(a->from_domain)) == 0;
		mx6_strlcpy(a->from_address, a->from_ok ? addr : "", sizeof(a->from_address));
		if (a->from_ok)
			rdap_from_header(cfg, ev, g);
	}
	if (strcasecmp(name, "DKIM-Signature") == 0)
		g->dkim_signatures++;
	if (g->dkim_broken)
		return;
	if (g->dkim == NULL) {
		if ((g->dkim = mx6_dkim_verify_new(cfg->dkim)) == NULL) {
			g->dkim_broken = 1;
			return;
		}
		if (g->raw_values)
			mx6_dkim_verify_raw_values(g->dkim);
	}
	if (mx6_dkim_verify_header(g->dkim, name, value != NULL ? value : "") < 0)
		g->dkim_broken = 1;
}

void mx6_gather_eoh(struct mx6_gather *g)
{
	if (g->active && g->dkim != NULL && !g->dkim_broken && mx6_dkim_verify_eoh(g->dkim) < 0)
		g->dkim_broken = 1;
}

int mx6_gather_body(struct mx6_gather *g, const unsigned char *chunk, size_t len)
{
	/* Without a signature nothing in the body can be evidence. */
	if (!g->active || g->dkim == NULL || g->dkim_broken || g->dkim_signatures == 0)
		return 0;
	if (mx6_dkim_verify_body(g->dkim, chunk, len) < 0) {
		g->dkim_broken = 1;
		return 0;
	}
	return 1;
}

static int any_dkim(const struct mx6_auth_evidence *a, enum mx6_auth result,
		    const char *aligned_with)
{
	size_t i;

	for (i = 0; i < a->ndkim; i++)
		if (a->dkim[i].result == result &&
		    (aligned_with == NULL || mx6_domains_aligned(a->dkim[i].domain, aligned_with, 0)))
			return 1;
	return 0;
}

/* DMARC and the authenticated domain, once DKIM is known. */
static void authenticate_domain(const struct mx6_config *cfg, struct mx6_auth_evidence *a)
{
	struct mx6_dmarc_record rec;
	int aligned_pass;

	a->dmarc_done = 1;
	if (!a->from_ok) {
		a->dmarc = MX6_AUTH_PERMERROR;
		return;
	}
	switch (mx6_dmarc_lookup(cfg->dns, a->from_domain, &rec)) {
	case MX6_DNS_OK:
		a->dmarc_record = 1;
		a->dmarc = mx6_dmarc_evaluate(&rec, a->from_domain, a->spf, a->spf_domain,
					      a->dkim, a->ndkim, &a->dmarc_policy);
		if (a->dmarc == MX6_AUTH_PASS)
			mx6_strlcpy(a->domain, a->from_domain, sizeof(a->domain));
		a->domain_temperror = a->dmarc == MX6_AUTH_TEMPERROR;
		return;
	case MX6_DNS_TEMPFAIL:
		a->dmarc = MX6_AUTH_TEMPERROR;
		a->domain_temperror = 1;
		return;
	case MX6_DNS_NXDOMAIN:
	case MX6_DNS_NODATA:
		break;
	}
	a->dmarc = MX6_AUTH_NONE;
	aligned_pass = any_dkim(a, MX6_AUTH_PASS, a->from_domain) ||
		       (a->spf == MX6_AUTH_PASS && mx6_domains_aligned(a->spf_domain, a->from_domain, 0));
	if (aligned_pass)
		mx6_strlcpy(a->domain, a->from_domain, sizeof(a->domain));
	else
		a->domain_temperror = a->spf == MX6_AUTH_TEMPERROR ||
				      any_dkim(a, MX6_AUTH_TEMPERROR, NULL);
}

static void domain_signal(const struct mx6_domain_source *src,
			  const struct mx6_auth_evidence *a, struct mx6_signal *sig)
{
	sig->list = NULL;
	sig->line = 0;
	if (src->set == NULL)
		sig->state = MX6_SIG_OFF;
	else if (a->domain[0] != '\0' && mx6_domainset_lookup(src->set, a->domain, &sig->line)) {
		sig->state = MX6_SIG_YES;
		sig->list = src->path;
	} else {
		sig->state = a->domain[0] == '\0' && a->domain_temperror ? MX6_SIG_TEMPERR
									 : MX6_SIG_NO;
	}
}

/* Signals of the authenticated domain besides the domain lists. */
static void domain_green_signals(const struct mx6_config *cfg, struct mx6_evidence *ev)
{
	const struct mx6_auth_evidence *a = &ev->auth;
	struct mx6_signal *sig;
	char answer[16];
	size_t i;

	sig = &ev->green[MX6_GREEN_NORETRY];
	if (sig->state == MX6_SIG_PENDING) {
		if (a->domain[0] != '\0' &&
		    mx6_domainset_lookup(cfg->noretry_domain.set, a->domain, &sig->line)) {
			sig->state = MX6_SIG_YES;
			sig->list = cfg->noretry_domain.path;
		} else {
			sig->state = a->domain_temperror ? MX6_SIG_TEMPERR : MX6_SIG_NO;
		}
	}
	sig = &ev->green[MX6_GREEN_DNSWL];
	if (sig->state == MX6_SIG_PENDING) {
		int temporary = ev->dnswl_client_temperror ||
				(a->domain[0] == '\0' && a->domain_temperror);

		for (i = 0; a->domain[0] != '\0' && i < cfg->ndnswl_domain; i++) {
			int rc = mx6_dnswl_check_domain(cfg->dns, &cfg->dnswl_domain[i], a->domain,
							answer, sizeof(answer));

			if (rc > 0) {
				sig->state = MX6_SIG_YES;
				sig->list = cfg->dnswl_domain[i].zone;
				sig->line = 0;
				snprintf(sig->detail, sizeof(sig->detail), "%.63s",
					 cfg->dnswl_domain[i].zone);
				return;
			}
			if (rc < 0)
				temporary = 1;
		}
		sig->state = temporary ? MX6_SIG_TEMPERR : MX6_SIG_NO;
	}
}

/* Step 5: only the authenticated From address counts, never a claimed one. */
static void addressbook_signal(const struct mx6_config *cfg, struct mx6_evidence *ev,
			       const struct mx6_gather *g, int64_t now)
{
	const struct mx6_auth_evidence *a = &ev->auth;
	struct mx6_signal *sig = &ev->addressbook;
	int64_t max_age = (int64_t)cfg->history_max_age * 86400;
	size_t i, hits = 0;

	if (cfg->addressbook == NULL && cfg->store == NULL)
		return;
	sig->state = a->domain[0] == '\0' && a->domain_temperror ? MX6_SIG_TEMPERR : MX6_SIG_NO;
	if (a->domain[0] == '\0' || a->from_address[0] == '\0')
		return;
	for (i = 0; i < g->nrcpts; i++) {
		char file[MX6_ADDRESS_MAX + 8];
		unsigned line = 0;

		if (cfg->addressbook != NULL &&
		    mx6_addressbook_contains(cfg->addressbook, g->rcpts[i], a->from_address,
					     file, sizeof(file), &line) == 1) {
			if (hits++ == 0) {
				snprintf(ev->addressbook_source, sizeof(ev->addressbook_source),
					 "%s/%s", cfg->addressbook_spec + 4, file);
				sig->list = ev->addressbook_source;
				sig->line = line;
			}
		} else if (cfg->store != NULL &&
			   mx6_store_addressbook_has(cfg->store, g->rcpts[i], a->from_address, now,
						     max_age) == 1) {
			/* Learned from this recipient's own outbound mail. */
			if (hits++ == 0) {
				sig->list = mx6_store_url(cfg->store);
				sig->line = 0;
			}
		}
	}
	if (hits > 0) {
		sig->state = MX6_SIG_YES;
		ev->addressbook_all = hits == g->rcpts_total;
	}
}

/* A domain with enough authenticated IPv4 history over enough days. */
static void history_signal(const struct mx6_config *cfg, struct mx6_evidence *ev,
			   int64_t now)
{
	struct mx6_signal *sig = &ev->green[MX6_GREEN_HISTORY];
	const struct mx6_auth_evidence *a = &ev->auth;
	struct mx6_history h;
	int64_t days;

	if (sig->state != MX6_SIG_PENDING)
		return;
	sig->state = MX6_SIG_NO; /* a store that is down is no signal, not a deferral */
	if (a->domain[0] == '\0' ||
	    mx6_store_history_get(cfg->store, a->domain, now,
				  (int64_t)cfg->history_max_age * 86400, &h) != 1)
		return;
	days = (now - h.first_seen) / 86400;
	if (h.count >= cfg->history_min_messages && days >= (int64_t)cfg->history_min_days) {
		sig->state = MX6_SIG_YES;
		sig->list = mx6_store_url(cfg->store);
		sig->line = 0;
		snprintf(sig->detail, sizeof(sig->detail), "%llu/%lldd",
			 (unsigned long long)h.count, (long long)days);
	}
}

/* The lookup of the authenticated domain's registration, started now if need be. */
static struct mx6_rdap_lookup *rdap_domain_lookup(const struct mx6_config *cfg,
						  const struct mx6_evidence *ev,
						  struct mx6_gather *g)
{
	struct mx6_rdap_lookup **cand[2] = {&g->rdap_mail, &g->rdap_from};
	char org[MX6_DOMAIN_MAX];
	size_t i;

	mx6_org_domain(ev->auth.domain, org, sizeof(org));
	for (i = 0; i < 2; i++)
		if (*cand[i] != NULL && strcmp(mx6_rdap_lookup_name(*cand[i]), org) == 0)
			return *cand[i];
	mx6_rdap_lookup_free(&g->rdap_from);
	rdap_start_domain(cfg, ev, &g->rdap_from, ev->auth.domain);
	return g->rdap_from;
}

/* The IANA ID, else the name's letters and digits: a reason token has no ',' or ' '. */
static void registrar_detail(const struct mx6_rdap_info *info, char *buf, size_t buflen)
{
	const char *p;
	size_t n = 0;

	if (info->registrar_id[0] != '\0') {
		snprintf(buf, buflen, "%s", info->registrar_id);
		return;
	}
	for (p = info->registrar_name; *p != '\0' && n + 1 < buflen; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))
			buf[n++] = *p;
	buf[n] = '\0';
}

static void rdap_signals(const struct mx6_config *cfg, struct mx6_evidence *ev,
			 struct mx6_gather *g)
{
	struct mx6_signal *reg = &ev->green[MX6_GREEN_REGISTRAR];
	struct mx6_signal *whois_domain = &ev->green[MX6_GREEN_WHOIS_DOMAIN];
	struct mx6_signal *whois_network = &ev->green[MX6_GREEN_WHOIS_NETWORK];
	int want_domain = reg->state == MX6_SIG_PENDING || whois_domain->state == MX6_SIG_PENDING;
	struct mx6_rdap_lookup *l;
	struct mx6_rdap_info info;

	/* Settled as no match first: a lookup that fails leaves it so. */
	if (reg->state == MX6_SIG_PENDING)
		reg->state = MX6_SIG_NO;
	if (whois_domain->state == MX6_SIG_PENDING)
		whois_domain->state = MX6_SIG_NO;
	if (whois_network->state == MX6_SIG_PENDING)
		whois_network->state = MX6_SIG_NO;
	/* Only with an authenticated domain, and never for a forgery. */
	if (ev->auth.domain[0] == '\0' || ev->auth_fail.state == MX6_SIG_YES)
		return;
	if (want_domain && (l = rdap_domain_lookup(cfg, ev, g)) != NULL &&
	    mx6_rdap_wait(cfg->rdap, l, &info) == MX6_RDAP_FOUND) {
		if (reg->state == MX6_SIG_NO &&
		    mx6_registrar_list_lookup(cfg->registrar_greenlist, info.registrar_id,
					      info.registrar_name, &reg->line)) {
			reg->state = MX6_SIG_YES;
			reg->list = cfg->registrar_greenlist_path;
			registrar_detail(&info, reg->detail, sizeof(reg->detail));
		}
		if (whois_domain->state == MX6_SIG_NO && info.contact) {
			whois_domain->state = MX6_SIG_YES;
			snprintf(whois_domain->detail, sizeof(whois_domain->detail), "domain");
		}
	}
	if (whois_network->state == MX6_SIG_NO && g->rdap_network != NULL &&
	    mx6_rdap_wait(cfg->rdap, g->rdap_network, &info) == MX6_RDAP_FOUND && info.contact) {
		whois_network->state = MX6_SIG_YES;
		snprintf(whois_network->detail, sizeof(whois_network->detail), "network");
	}
}

void mx6_gather_learn(const struct mx6_config *cfg, const struct mx6_evidence *ev,
		      int64_t now)
{
	if (cfg->store != NULL && ev->auth.domain[0] != '\0' &&
	    ev->auth_fail.state == MX6_SIG_NO)
		mx6_store_history_add(cfg->store, ev->auth.domain, now);
}

void mx6_gather_learn_outbound(const struct mx6_config *cfg, const struct mx6_gather *g,
			       const char *user, int64_t now)
{
	size_t i;

	for (i = 0; cfg->store != NULL && i < g->nrcpts; i++)
		if (mx6_store_addressbook_add(cfg->store, user, g->rcpts[i], now) < 0)
			return; /* down: the rest would fail too */
}

void mx6_gather_eom(const struct mx6_config *cfg, struct mx6_evidence *ev,
		    struct mx6_gather *g)
{
	int64_t now = (int64_t)time(NULL);

	struct mx6_auth_evidence *a = &ev->auth;

	if (!g->active)
		return;
	/* None, several or maybe one unseen From header: no single author. */
	if (g->from_headers != 1 || g->headers_truncated) {
		a->from_ok = 0;
		a->from_address[0] = '\0';
	}
	a->ndkim = 0;
	if (g->dkim != NULL && !g->dkim_broken && g->dkim_signatures > 0) {
		if (a->dkim == NULL &&
		    (a->dkim = calloc(MX6_MAX_DKIM_SIGS, sizeof(*a->dkim))) == NULL)
			mx6_msg_error("cannot keep DKIM results: out of memory: no DKIM "
				      "evidence");
		else
			a->ndkim = mx6_dkim_verify_eom(g->dkim, a->dkim, MX6_MAX_DKIM_SIGS);
	}
	a->dkim_done = 1;
	authenticate_domain(cfg, a);
	if (ev->auth_fail.state != MX6_SIG_YES) {
		if (g->headers_truncated) {
			/* The unseen From could have failed DMARC: no greenlist may
			 * outweigh that (SPEC 3 step 3). */
			ev->auth_fail.state = MX6_SIG_YES;
			ev->auth_fail_reason = "bounds";
		} else if (a->dmarc == MX6_AUTH_FAIL && a->dmarc_policy != MX6_DMARC_NONE) {
			ev->auth_fail.state = MX6_SIG_YES;
			ev->auth_fail_reason = "dmarc";
		} else {
			ev->auth_fail.state = MX6_SIG_NO;
		}
	}
	domain_signal(&cfg->domain_whitelist, a, &ev->domain_whitelist);
	domain_signal(&cfg->domain_greenlist, a, &ev->green[MX6_GREEN_DOMAIN]);
	domain_green_signals(cfg, ev);
	addressbook_signal(cfg, ev, g, now);
	history_signal(cfg, ev, now);
	rdap_signals(cfg, ev, g);
}
