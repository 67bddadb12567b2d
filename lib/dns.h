/*
 * NAME
 *	dns 3h
 * SUMMARY
 *	the one resolver (libunbound) every check asks
 * SYNOPSIS
 *	#include "dns.h"
 * DESCRIPTION
 *	mx6_dns_new() creates a resolver: with forwarders set it asks only
 *	them (and makes libunbound's built-in local zones for special-use
 *	names such as .test and the documentation prefixes transparent, so a
 *	test server can answer for them); without, it uses the system's
 *	resolv.conf. unbound_conf (optional) is an unbound.conf-syntax file
 *	loaded into the resolver, trust_anchor (optional) a DNSSEC trust
 *	anchor file. Returns NULL with a message in err_r. Answers are cached
 *	by libunbound per their TTL.
 *
 *	mx6_dns_lookup() resolves NAME/TYPE and waits at most timeout_ms.
 *	It is safe to call from any number of threads at once. The status is
 *	MX6_DNS_OK (data present), MX6_DNS_NODATA (name exists, no record of
 *	that type), MX6_DNS_NXDOMAIN, or MX6_DNS_TEMPFAIL (timeout, SERVFAIL,
 *	REFUSED, DNSSEC bogus, resolver error): a temporary error is never
 *	"no record". On MX6_DNS_OK, rr_r/rrlen_r/count_r describe the rdata
 *	of the answer (wire format) in memory owned by *result_r, which the
 *	caller frees with mx6_dns_result_free().
 *
 *	mx6_dns_txt_join() concatenates the character-strings of one TXT
 *	rdata into buf (RFC 7208 3.3), truncating to buflen-1; returns the
 *	joined length, or -1 for malformed rdata.
 *
 *	mx6_dns_free() stops the event thread, cancels nothing in flight
 *	(callers must be done) and frees the resolver; sets *dns NULL.
 */
#ifndef MX6_DNS_H
#define MX6_DNS_H

#include <stddef.h>

enum mx6_dns_status {
	MX6_DNS_OK = 0,
	MX6_DNS_NODATA,
	MX6_DNS_NXDOMAIN,
	MX6_DNS_TEMPFAIL,
};

struct mx6_dns_options {
	const char *const *forwarders; /* "127.0.0.1@5353", NULL-terminated; NULL: resolv.conf */
	unsigned timeout_ms;
	const char *unbound_conf;
	const char *trust_anchor;
};

struct mx6_dns_result {
	enum mx6_dns_status status;
	int rcode;
	unsigned count;		  /* number of records */
	char *const *rr;	  /* rdata of each record (wire format) */
	const int *rrlen;	  /* length of each */
	void *priv;		  /* the libunbound result */
};

struct mx6_dns;

struct mx6_dns *mx6_dns_new(const struct mx6_dns_options *opt, char *err_r,
			    size_t errlen);
void mx6_dns_free(struct mx6_dns **dns);

enum mx6_dns_status mx6_dns_lookup(struct mx6_dns *dns, const char *name, int rrtype,
				   struct mx6_dns_result *result_r);
void mx6_dns_result_free(struct mx6_dns_result *result);

int mx6_dns_txt_join(const char *rdata, int len, char *buf, size_t buflen);
const char *mx6_dns_status_name(enum mx6_dns_status status);

#endif
