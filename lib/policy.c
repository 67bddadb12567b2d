/*
 * NAME
 *	policy 3
 * SUMMARY
 *	the decision: evidence in, verdict out, no I/O
 * SYNOPSIS
 *	See policy.h.
 * DESCRIPTION
 *	SPEC 3 as code. The steps are tried in their order; a step whose
 *	signals are still pending stops the walk with MX6_CLASS_PENDING, since
 *	its outcome could still change the class. At MX6_STAGE_EOM a pending
 *	signal (one a gatherer never got to, e.g. after an abort) counts as no
 *	match: missing evidence is never good evidence.
 */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>

#include "policy.h"
#include "util.h"

static const char *const green_reasons[MX6_GREEN_COUNT] = {
	[MX6_GREEN_IP] = "ip_greenlist",
	[MX6_GREEN_ASN] = "asn",
	[MX6_GREEN_DOMAIN] = "domain_greenlist",
	[MX6_GREEN_DNSWL] = "dnswl",
	[MX6_GREEN_HISTORY] = "history",
	[MX6_GREEN_IPREV] = "iprev",
	[MX6_GREEN_NORETRY] = "noretry",
	[MX6_GREEN_REGISTRAR] = "registrar",
	[MX6_GREEN_WHOIS_DOMAIN] = "whois",
	[MX6_GREEN_WHOIS_NETWORK] = "whois",
};

const char *mx6_green_signal_reason(enum mx6_green_signal sig)
{
	return (size_t)sig < MX6_GREEN_COUNT ? green_reasons[sig] : "?";
}

int mx6_green_signal_needs_domain(enum mx6_green_signal sig)
{
	return sig == MX6_GREEN_REGISTRAR || sig == MX6_GREEN_WHOIS_DOMAIN ||
	       sig == MX6_GREEN_WHOIS_NETWORK;
}

static void add_reason(struct mx6_verdict *v, const char *reason)
{
	size_t len = strlen(v->reasons);

	snprintf(v->reasons + len, sizeof(v->reasons) - len, "%s%s", len ? "," : "",
		 reason);
}

static void set_source(struct mx6_verdict *v, const struct mx6_signal *sig)
{
	if (v->source_list == NULL && sig->list != NULL) {
		v->source_list = sig->list;
		v->source_line = sig->line;
	}
}

/* Pending at EOM means "never evaluated": treat it as no match. */
static int is_pending(const struct mx6_signal *sig, enum mx6_stage stage)
{
	return sig->state == MX6_SIG_PENDING && stage != MX6_STAGE_EOM;
}

/* The DKIM result worth reporting: a pass if any, else the first one's. */
static enum mx6_auth dkim_summary(const struct mx6_auth_evidence *a)
{
	size_t i;

	for (i = 0; i < a->ndkim; i++)
		if (a->dkim[i].result == MX6_AUTH_PASS)
			return MX6_AUTH_PASS;
	return a->ndkim > 0 ? a->dkim[0].result : MX6_AUTH_NONE;
}

/* Why nothing vouched: the authentication results known so far. */
static void add_auth_facts(struct mx6_verdict *v, const struct mx6_auth_evidence *a)
{
	char fact[64];

	if (a->spf_done) {
		snprintf(fact, sizeof(fact), "spf:%s", mx6_auth_name(a->spf));
		add_reason(v, fact);
	}
	if (a->dkim_done) {
		snprintf(fact, sizeof(fact), "dkim:%s", mx6_auth_name(dkim_summary(a)));
		add_reason(v, fact);
	}
	if (a->dmarc_done) {
		snprintf(fact, sizeof(fact), "dmarc:%s", mx6_auth_name(a->dmarc));
		add_reason(v, fact);
	}
	if (a->iprev_done) {
		snprintf(fact, sizeof(fact), "iprev:%s", mx6_auth_name(a->iprev));
		add_reason(v, fact);
	}
}

static void unknown(struct mx6_verdict *v, const struct mx6_evidence *ev,
		    const char *why, int temperror)
{
	v->class = MX6_CLASS_UNKNOWN;
	v->temperror = temperror;
	add_reason(v, why);
	add_auth_facts(v, &ev->auth);
}

void mx6_decide(const struct mx6_config *cfg, enum mx6_mode mode,
		const struct mx6_evidence *ev, enum mx6_stage stage,
		struct mx6_verdict *v)
{
	int pending = 0, temperror = 0, authfail_pending;
	size_t i;

	(void)cfg;
	memset(v, 0, sizeof(*v));

	/* Step 1: IPv4, unknown clients and listeners that are off. */
	/* ... and submission listeners, where only learning happens. */
	if (!ev->client_known || !ev->client_ipv6 || mode == MX6_MODE_OFF ||
	    mode == MX6_MODE_SUBMISSION) {
		v->class = MX6_CLASS_NONE;
		add_reason(v, mode == MX6_MODE_OFF	    ? "mode-off"
				: mode == MX6_MODE_SUBMISSION ? "submission"
				: ev->client_known	    ? "ipv4"
							    : "no-client-address");
		return;
	}

	/* Step 2: IP whitelist. */
	if (ev->ip_whitelist.state == MX6_SIG_YES) {
		v->class = MX6_CLASS_TRUSTED;
		add_reason(v, "ip_whitelist");
		set_source(v, &ev->ip_whitelist);
		return;
	}
	if (is_pending(&ev->ip_whitelist, stage)) {
		v->class = MX6_CLASS_PENDING;
		return;
	}
	if (ev->ip_whitelist.state == MX6_SIG_TEMPERR)
		temperror = 1;

	/* Step 3: a forgery is unknown, whatever the greenlists say; so is a
	 * message whose headers a bound kept from being checked (gather.h). */
	if (ev->auth_fail.state == MX6_SIG_YES) {
		int bounds = ev->auth_fail_reason != NULL &&
			     strcmp(ev->auth_fail_reason, "bounds") == 0;

		unknown(v, ev, bounds ? "bounds" : "auth-fail", 0);
		return;
	}
	authfail_pending = is_pending(&ev->auth_fail, stage);

	/* Step 4: authenticated domain on the domain whitelist. */
	if (ev->domain_whitelist.state == MX6_SIG_YES) {
		if (authfail_pending) {
			v->class = MX6_CLASS_PENDING;
			return;
		}
		v->class = MX6_CLASS_TRUSTED;
		add_reason(v, "domain_whitelist");
		set_source(v, &ev->domain_whitelist);
		return;
	}
	if (is_pending(&ev->domain_whitelist, stage))
		pending = 1;
	else if (ev->domain_whitelist.state == MX6_SIG_TEMPERR)
		temperror = 1;

	/* Step 5: the authenticated author is in every recipient's addressbook. */
	if (ev->addressbook.state == MX6_SIG_YES && ev->addressbook_all) {
		if (authfail_pending || pending) {
			v->class = MX6_CLASS_PENDING;
			return;
		}
		v->class = MX6_CLASS_TRUSTED;
		add_reason(v, "addressbook");
		set_source(v, &ev->addressbook);
		return;
	}
	if (is_pending(&ev->addressbook, stage))
		pending = 1;
	else if (ev->addressbook.state == MX6_SIG_TEMPERR)
		temperror = 1;
	/* ... in some recipients' only: green. */
	if (ev->addressbook.state == MX6_SIG_YES) {
		add_reason(v, "addressbook:some");
		set_source(v, &ev->addressbook);
	}

	/* Step 6: greenlist signals; every match is reported. */
	for (i = 0; i < MX6_GREEN_COUNT; i++) {
		const struct mx6_signal *sig = &ev->green[i];
		int counts = !mx6_green_signal_needs_domain((enum mx6_green_signal)i) ||
			     ev->auth.domain[0] != '\0';

		if (sig->state == MX6_SIG_YES && !counts) {
			continue; /* a registration alone vouches for nothing */
		} else if (sig->state == MX6_SIG_YES) {
			char reason[128];

			if (sig->detail[0] != '\0')
				snprintf(reason, sizeof(reason), "%s:%s", green_reasons[i], sig->detail);
			else
				snprintf(reason, sizeof(reason), "%s", green_reasons[i]);
			add_reason(v, reason);
			set_source(v, sig);
		} else if (is_pending(sig, stage)) {
			pending = 1;
		} else if (sig->state == MX6_SIG_TEMPERR) {
			temperror = 1;
		}
	}
	if (v->reasons[0] != '\0') {
		/* A pending whitelist could still make it trusted, a pending
		 * authentication failure unknown. */
		v->class = pending || authfail_pending ? MX6_CLASS_PENDING : MX6_CLASS_GREEN;
		if (v->class == MX6_CLASS_PENDING) {
			v->reasons[0] = '\0';
			v->source_list = NULL;
			v->source_line = 0;
		}
		return;
	}
	if (pending) {
		v->class = MX6_CLASS_PENDING;
		return;
	}

	/* Step 7. */
	unknown(v, ev, temperror ? "temperror" : "unlisted", temperror);
}

enum mx6_action mx6_action_for(enum mx6_mode mode, enum mx6_class cls)
{
	switch (cls) {
	case MX6_CLASS_TRUSTED:
	case MX6_CLASS_GREEN:
		return mode == MX6_MODE_OFF ? MX6_ACTION_NONE : MX6_ACTION_ACCEPT;
	case MX6_CLASS_UNKNOWN:
		switch (mode) {
		case MX6_MODE_DEFENSIVE:
			return MX6_ACTION_DEFER;
		case MX6_MODE_MX6:
			return MX6_ACTION_MX6_REJECT;
		case MX6_MODE_REPORT:
			return MX6_ACTION_REPORT;
		case MX6_MODE_SUBMISSION:
			return MX6_ACTION_ACCEPT;
		case MX6_MODE_OFF:
			return MX6_ACTION_NONE;
		}
		return MX6_ACTION_NONE;
	case MX6_CLASS_PENDING:
	case MX6_CLASS_NONE:
		break;
	}
	return MX6_ACTION_NONE;
}

char *mx6_verdict_source(const struct mx6_verdict *v, char *buf, size_t buflen)
{
	if (v->source_list == NULL)
		snprintf(buf, buflen, "%s", "");
	else if (v->source_line == 0)
		snprintf(buf, buflen, "%s", v->source_list);
	else
		snprintf(buf, buflen, "%s:%u", v->source_list, v->source_line);
	return buf;
}

const char *mx6_class_name(enum mx6_class cls)
{
	static const char *const names[] = {
		[MX6_CLASS_PENDING] = "pending", [MX6_CLASS_NONE] = "none",
		[MX6_CLASS_TRUSTED] = "trusted", [MX6_CLASS_GREEN] = "green",
		[MX6_CLASS_UNKNOWN] = "unknown",
	};
	return (size_t)cls < sizeof(names) / sizeof(names[0]) ? names[cls] : "?";
}

const char *mx6_action_name(enum mx6_action action)
{
	static const char *const names[] = {
		[MX6_ACTION_NONE] = "none",	      [MX6_ACTION_ACCEPT] = "accept",
		[MX6_ACTION_DEFER] = "defer",	      [MX6_ACTION_MX6_REJECT] = "reject",
		[MX6_ACTION_REPORT] = "report",
	};
	return (size_t)action < sizeof(names) / sizeof(names[0]) ? names[action] : "?";
}

const char *mx6_stage_name(enum mx6_stage stage)
{
	static const char *const names[] = {
		[MX6_STAGE_CONNECT] = "connect", [MX6_STAGE_HELO] = "helo",
		[MX6_STAGE_MAIL] = "mail",	 [MX6_STAGE_RCPT] = "rcpt",
		[MX6_STAGE_EOM] = "eom",
	};
	return (size_t)stage < sizeof(names) / sizeof(names[0]) ? names[stage] : "?";
}
