/*
 * NAME
 *	rdap 3h
 * SUMMARY
 *	registration data (RDAP, RFC 9082/9083): registrar and registrant
 * SYNOPSIS
 *	#include "rdap.h"
 * DESCRIPTION
 *	Parsing (lib/rdap_parse.c, pure):
 *
 *	mx6_rdap_parse() reads one RDAP response (a domain or an IP network
 *	object) and fills INFO: the registrar's IANA ID (publicIds type
 *	"IANA Registrar ID") and name (vCard fn) of the top-level entity with
 *	role "registrar", and whether the top-level entity with role
 *	"registrant" has a usable contact: a non-redacted fn or org, and a
 *	non-redacted email, tel or adr. A value is redacted when it is empty,
 *	looks like a privacy placeholder ("REDACTED FOR PRIVACY", "Data
 *	Protected", "Not Disclosed", "Privacy service", ...), or when the
 *	RFC 9537 "redacted" array names the registrant's property (by its
 *	JSONPath "@[0]=='fn'" form or by its name, "Registrant Email").
 *	Returns 0, or -1 when the text is not a JSON object.
 *
 *	mx6_rdap_bootstrap_parse() reads an IANA bootstrap registry (RFC
 *	9224, "services": [[[entries], [urls]], ...]) for domains (entries
 *	are TLDs or longer suffixes) or IPv6 (entries are prefixes); returns
 *	the table or NULL with a message in err_r. _load() reads it from a
 *	file (at most 4 MB). mx6_rdap_bootstrap_domain() returns the base URL
 *	of the longest matching suffix of DOMAIN (label-wise), _ipv6() that
 *	of the longest matching prefix, or NULL. The https URL of a service
 *	is preferred over a http one. Owned by the table.
 *
 *	Lookups (lib/rdap.c):
 *
 *	mx6_rdap_new() builds a client from OPT (copied); NULL with a
 *	message in err_r. mx6_rdap_free() frees it and sets *r NULL; it must
 *	outlive no lookup's wait, but lookups still running in the
 *	background own what they use.
 *
 *	mx6_rdap_start_domain() and mx6_rdap_start_network() start one
 *	lookup in the background (one thread each, libcurl) and return at
 *	once; they return NULL when there is nothing to look up (no server
 *	for the name, out of memory): no signal. A cached answer (the store
 *	given in OPT) completes the lookup at once, without a request.
 *	mx6_rdap_lookup_name() is the name (registrable domain) or the
 *	network key ("2001:db8:1::/64") being looked up.
 *
 *	mx6_rdap_wait() waits until the lookup is done, at most until its
 *	start plus the timeout, and returns MX6_RDAP_FOUND (INFO filled),
 *	MX6_RDAP_NOT_FOUND or MX6_RDAP_ERROR (timeout, HTTP error,
 *	malformed response). A FOUND or NOT_FOUND result from the network
 *	is cached. Any number of waits return the same result.
 *	mx6_rdap_lookup_free() forgets the lookup (a thread still running
 *	finishes on its own and frees it) and sets *l NULL.
 */
#ifndef MX6_RDAP_H
#define MX6_RDAP_H

#include <stddef.h>
#include <stdint.h>

#include "iplist.h"
#include "store.h"

#define MX6_RDAP_MAX_RESPONSE (256 * 1024)
/* Lookups in flight in the process; beyond, a lookup ends as an error. */
#define MX6_RDAP_MAX_IN_FLIGHT 64

struct mx6_rdap_info {
	char registrar_id[16];	   /* IANA Registrar ID, digits, or "" */
	char registrar_name[128];  /* vCard fn, or "" */
	int contact;		   /* registrant with a non-redacted vCard */
};

int mx6_rdap_parse(const char *json, size_t len, struct mx6_rdap_info *info_r);

enum mx6_rdap_kind {
	MX6_RDAP_DNS = 0,
	MX6_RDAP_IPV6,
};

struct mx6_rdap_bootstrap;

struct mx6_rdap_bootstrap *mx6_rdap_bootstrap_parse(const char *json, size_t len,
						    enum mx6_rdap_kind kind, char *err_r,
						    size_t errlen);
struct mx6_rdap_bootstrap *mx6_rdap_bootstrap_load(const char *path,
						   enum mx6_rdap_kind kind, char *err_r,
						   size_t errlen);
const char *mx6_rdap_bootstrap_domain(const struct mx6_rdap_bootstrap *b,
				      const char *domain);
const char *mx6_rdap_bootstrap_ipv6(const struct mx6_rdap_bootstrap *b,
				    const struct mx6_addr *addr);
void mx6_rdap_bootstrap_free(struct mx6_rdap_bootstrap **b);

/* Lookups */

enum mx6_rdap_status {
	MX6_RDAP_ERROR = 0,
	MX6_RDAP_FOUND,
	MX6_RDAP_NOT_FOUND,
};

struct mx6_rdap_options {
	const char *url;				 /* redirector base URL */
	const struct mx6_rdap_bootstrap *bootstrap_dns;	 /* or NULL */
	const struct mx6_rdap_bootstrap *bootstrap_ipv6; /* or NULL */
	unsigned timeout_ms;
	struct mx6_store *cache; /* or NULL: no cache */
	unsigned cache_ttl;	 /* seconds, positive answers */
	unsigned negative_ttl;	 /* seconds, not found */
};

struct mx6_rdap;
struct mx6_rdap_lookup;

struct mx6_rdap *mx6_rdap_new(const struct mx6_rdap_options *opt, char *err_r,
			      size_t errlen);
void mx6_rdap_free(struct mx6_rdap **r);

struct mx6_rdap_lookup *mx6_rdap_start_domain(struct mx6_rdap *r, const char *domain);
struct mx6_rdap_lookup *mx6_rdap_start_network(struct mx6_rdap *r,
					       const struct mx6_addr *addr);
const char *mx6_rdap_lookup_name(const struct mx6_rdap_lookup *l);
enum mx6_rdap_status mx6_rdap_wait(struct mx6_rdap *r, struct mx6_rdap_lookup *l,
				   struct mx6_rdap_info *info_r);
void mx6_rdap_lookup_free(struct mx6_rdap_lookup **l);

#endif
