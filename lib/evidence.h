/*
 * NAME
 *	evidence 3h
 * SUMMARY
 *	facts gathered about one message, input of mx6_decide()
 * DESCRIPTION
 *	Gatherers fill a struct mx6_evidence as the SMTP transaction
 *	progresses; mx6_decide() only reads it.
 *
 *	Every signal is tri-state like OpenSMTPD's match helpers, plus two
 *	states for "not configured" and "not known yet":
 *	MX6_SIG_OFF      the signal is not configured: it can never help;
 *	MX6_SIG_PENDING  configured, not evaluated yet (a later stage will);
 *	MX6_SIG_NO       evaluated, no match;
 *	MX6_SIG_YES      evaluated, match (source says where);
 *	MX6_SIG_TEMPERR  evaluation failed temporarily (DNS): a better class
 *	                 was possibly missed, reason "temperror".
 *
 *	auth_fail is YES when SPF failed or DMARC failed for a domain whose
 *	policy is quarantine or reject (SPEC 3 step 3); auth_fail_reason
 *	then says which ("spf" or "dmarc").
 *
 *	The RDAP signals (registrar, whois) vouch for a registration, not
 *	for a message: they count only together with an authenticated
 *	domain (mx6_green_signal_needs_domain()), never alone.
 *
 *	struct mx6_auth_evidence holds the raw authentication results from
 *	which those signals and the Authentication-Results header are made;
 *	its *_done flags say which checks have run.
 */
#ifndef MX6_EVIDENCE_H
#define MX6_EVIDENCE_H

#include "address.h"
#include "auth.h"
#include "dkim.h"
#include "dmarc.h"
#include "iplist.h"

#define MX6_MAX_DKIM_SIGS 16

enum mx6_sig_state {
	MX6_SIG_OFF = 0,
	MX6_SIG_PENDING,
	MX6_SIG_NO,
	MX6_SIG_YES,
	MX6_SIG_TEMPERR,
};

struct mx6_signal {
	enum mx6_sig_state state;
	const char *list; /* list file (or zone) for MX6_SIG_YES, or NULL */
	unsigned line;	  /* line in that file, 0 if none */
	char detail[64];  /* appended to the reason: "AS64496", a DNSWL zone */
};

/* Greenlist signals of SPEC 3 step 6, in the order they are reported. */
enum mx6_green_signal {
	MX6_GREEN_IP,
	MX6_GREEN_ASN,
	MX6_GREEN_DOMAIN,
	MX6_GREEN_DNSWL,
	MX6_GREEN_HISTORY,
	MX6_GREEN_IPREV,
	MX6_GREEN_NORETRY,
	MX6_GREEN_REGISTRAR,	  /* RDAP: the domain's registrar is listed */
	MX6_GREEN_WHOIS_DOMAIN,	  /* RDAP: the domain has a registrant contact */
	MX6_GREEN_WHOIS_NETWORK,  /* RDAP: the client's network has one */
	MX6_GREEN_COUNT
};

struct mx6_auth_evidence {
	int spf_done;
	enum mx6_auth spf;	/* MAIL FROM identity, or HELO for the null sender */
	int spf_is_helo;	/* spf is the HELO identity's result */
	char spf_domain[MX6_DOMAIN_MAX];

	int dkim_done;
	size_t ndkim;
	/*
	 * ndkim results in an array of MX6_MAX_DKIM_SIGS (7 kB) that
	 * mx6_gather_eom() allocates for the first message with a signature
	 * and whoever owns the evidence frees (mx6_session: with the
	 * session); NULL before. Most sessions never need it.
	 */
	struct mx6_dkim_sig *dkim;

	int from_ok; /* exactly one author with a valid domain */
	char from_address[MX6_ADDRESS_MAX];
	char from_domain[MX6_DOMAIN_MAX];

	int dmarc_done;
	int dmarc_record; /* a policy record was found */
	enum mx6_auth dmarc;
	enum mx6_dmarc_policy dmarc_policy;

	int iprev_done;
	enum mx6_auth iprev;
	char iprev_name[256];

	char domain[MX6_DOMAIN_MAX]; /* the authenticated domain, or "" */
	int domain_temperror;	     /* a temporary error may have hidden one */
};

struct mx6_evidence {
	int client_known; /* 0: the MTA gave no usable address */
	int client_ipv6;  /* native IPv6, not IPv4-mapped */
	struct mx6_addr client;
	struct mx6_signal ip_whitelist;
	struct mx6_signal auth_fail;
	const char *auth_fail_reason;
	struct mx6_signal domain_whitelist;
	/* Step 5: the authenticated From address in recipients' addressbooks;
	 * addressbook_all: in every recipient's (trusted), else some (green). */
	struct mx6_signal addressbook;
	int addressbook_all;
	char addressbook_source[MX6_ADDRESS_MAX + 300];
	struct mx6_signal green[MX6_GREEN_COUNT];
	int dnswl_client_temperror; /* a client zone failed; domain zones still to ask */
	struct mx6_auth_evidence auth;
};

/* Reason tokens as they appear in logs and X-MX6-Verdict. */
const char *mx6_green_signal_reason(enum mx6_green_signal sig);
/* 1 when SIG counts only for a message with an authenticated domain. */
int mx6_green_signal_needs_domain(enum mx6_green_signal sig);

#endif
