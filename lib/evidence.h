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
 */
#ifndef MX6_EVIDENCE_H
#define MX6_EVIDENCE_H

#include "iplist.h"

enum mx6_sig_state {
	MX6_SIG_OFF = 0,
	MX6_SIG_PENDING,
	MX6_SIG_NO,
	MX6_SIG_YES,
	MX6_SIG_TEMPERR,
};

struct mx6_signal {
	enum mx6_sig_state state;
	const char *list; /* list file for MX6_SIG_YES, or NULL; owned by config */
	unsigned line;	  /* line in that file, 0 if none */
};

/* Greenlist signals of SPEC 3 step 6, in the order they are reported. */
enum mx6_green_signal {
	MX6_GREEN_IP,
	MX6_GREEN_COUNT
};

struct mx6_evidence {
	int client_known;	 /* 0: the MTA gave no usable address */
	int client_ipv6;	 /* native IPv6, not IPv4-mapped */
	struct mx6_addr client;
	struct mx6_signal ip_whitelist;
	struct mx6_signal green[MX6_GREEN_COUNT];
};

/* Reason tokens as they appear in logs and X-MX6-Verdict. */
const char *mx6_green_signal_reason(enum mx6_green_signal sig);

#endif
