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
 *	by libunbound per their TTL, and definite ones (data, NODATA,
 *	NXDOMAIN; never a temporary error) also in the process itself
 *	(dnscache.c, at most cache_entries of them), so that a repeated
 *	question is answered in the calling thread: a cached answer has no
 *	packet.
 *
 *	mx6_dns_lookup() resolves NAME/TYPE and waits at most timeout_ms.
 *	It is safe to call from any number of threads at once. The status is
 *	MX6_DNS_OK (data present), MX6_DNS_NODATA (name exists, no record of
 *	that type), MX6_DNS_NXDOMAIN, or MX6_DNS_TEMPFAIL (timeout, SERVFAIL,
 *	REFUSED, DNSSEC bogus, resolver error): a temporary error is never
 *	"no record". A NAME that cannot exist (an empty label, a label over
 *	63 bytes, more than 253 bytes) is NXDOMAIN without a query. On MX6_DNS_OK, rr_r/rrlen_r/count_r describe the rdata
 *	of the answer (wire format) in memory owned by *result_r, which the
 *	caller frees with mx6_dns_result_free().
 *
 *	mx6_dns_txt_join() concatenates the character-strings of one TXT
 *	rdata into buf (RFC 7208 3.3), truncating to buflen-1; returns the
 *	joined length, or -1 for malformed rdata.
 *
 *	mx6_dns_free() stops the event thread, cancels nothing in flight
 *	(callers must be done) and frees the resolver; sets *dns NULL.
 *
 *	A static resolver (mx6_dns_new_static()) answers from records added
 *	with mx6_dns_static_add() (NAME without trailing dot, case
 *	insensitive; rdata in wire format, copied) and never touches the
 *	network: for test suites whose zone data comes with the test, such as
 *	the RFC 7208 suite. A name with any record but none of the type asked
 *	is NODATA, a name with none NXDOMAIN; a CNAME is followed (at most 8
 *	deep). mx6_dns_static_fail() makes lookups of NAME (of TYPE, or of any
 *	type if TYPE is 0) answer STATUS, e.g. MX6_DNS_TEMPFAIL for a
 *	timeout. Static results have no packet. Both return 0 or -1 (out of
 *	memory).
 *
 *	mx6_dns_name_from_wire() writes the uncompressed wire-format name at
 *	RDATA (as in PTR, CNAME and MX rdata from this resolver) as text
 *	without trailing dot into buf; returns 0, or -1 if malformed or too
 *	long.
 *	mx6_dns_name_to_wire() writes NAME ("mail.example.org") in DNS wire
 *	format into buf; returns the length, or -1 if it does not fit or a
 *	label is empty or longer than 63.
 */
#ifndef MX6_DNS_H
#define MX6_DNS_H

#include <stddef.h>

/* Record types the gatherers ask for. */
#define MX6_RR_A 1
#define MX6_RR_CNAME 5
#define MX6_RR_PTR 12
#define MX6_RR_MX 15
#define MX6_RR_TXT 16
#define MX6_RR_AAAA 28

enum mx6_dns_status {
	MX6_DNS_OK = 0,
	MX6_DNS_NODATA,
	MX6_DNS_NXDOMAIN,
	MX6_DNS_TEMPFAIL,
};

struct mx6_dns_options {
	const char *const *forwarders; /* "127.0.0.1@5353", NULL-terminated; NULL: resolv.conf */
	unsigned timeout_ms;
	unsigned cache_entries;	/* in-process answer cache; 0: the default */
	const char *unbound_conf;
	const char *trust_anchor;
};

struct mx6_dns_result {
	enum mx6_dns_status status;
	int rcode;
	unsigned count;		  /* number of records */
	char *const *rr;	  /* rdata of each record (wire format) */
	const int *rrlen;	  /* length of each */
	const unsigned char *packet; /* the whole answer in wire format, or NULL */
	size_t packet_len;
	int secure;		  /* DNSSEC validated */
	void *priv;		  /* what the records live in, per priv_kind */
	int priv_kind;		  /* MX6_DNS_PRIV_* */
};

/* What priv of a result holds (mx6_dns_result_free() frees it). */
#define MX6_DNS_PRIV_UNBOUND 0 /* a libunbound result */
#define MX6_DNS_PRIV_STATIC 1  /* the static resolver's arrays */
#define MX6_DNS_PRIV_CACHE 2   /* a reference to a cached answer (dnscache.c) */

struct mx6_dns;

struct mx6_dns *mx6_dns_new(const struct mx6_dns_options *opt, char *err_r,
			    size_t errlen);
void mx6_dns_free(struct mx6_dns **dns);

enum mx6_dns_status mx6_dns_lookup(struct mx6_dns *dns, const char *name, int rrtype,
				   struct mx6_dns_result *result_r);
void mx6_dns_result_free(struct mx6_dns_result *result);

struct mx6_dns *mx6_dns_new_static(unsigned timeout_ms);
int mx6_dns_static_add(struct mx6_dns *dns, const char *name, int rrtype,
		       const void *rdata, size_t len);
int mx6_dns_static_fail(struct mx6_dns *dns, const char *name, int rrtype,
			enum mx6_dns_status status);
int mx6_dns_name_to_wire(const char *name, unsigned char *buf, size_t buflen);
int mx6_dns_name_from_wire(const char *rdata, int len, char *buf, size_t buflen);

int mx6_dns_txt_join(const char *rdata, int len, char *buf, size_t buflen);
const char *mx6_dns_status_name(enum mx6_dns_status status);

#endif
