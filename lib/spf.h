/*
 * NAME
 *	spf 3h
 * SUMMARY
 *	SPF (RFC 7208) through libspf2, fed by the project's resolver
 * SYNOPSIS
 *	#include "spf.h"
 * DESCRIPTION
 *	All use of libspf2 stays behind this interface (the library is
 *	unmaintained and may have to be replaced).
 *
 *	mx6_spf_new() creates a checker whose DNS lookups all go through DNS
 *	(mx6_dns_lookup(): the daemon's libunbound resolver, or a static
 *	resolver in tests). receiving_host names this host in macro
 *	expansion (%{r}). Returns NULL with a message in err_r.
 *	mx6_spf_free() frees it and sets *spf NULL.
 *
 *	mx6_spf_check() runs check_host() for one identity and returns the
 *	RFC 7208 result: none, neutral, pass, fail, softfail, temperror or
 *	permerror (never MX6_AUTH_POLICY). For MX6_SPF_MAILFROM the domain
 *	is that of SENDER, or, for the null sender (SENDER empty or "<>"), of
 *	postmaster@HELO (RFC 7208 2.4); for MX6_SPF_HELO it is HELO. A HELO
 *	that is not a domain name (an address literal, one label) gives none.
 *	The processing limits of RFC 7208 4.6.4 are enforced (10 DNS-querying
 *	terms, 2 void lookups); a DNS timeout or SERVFAIL anywhere that
 *	matters is temperror, never "no record"; loopback clients get no
 *	special treatment. When problem_r is not NULL it receives a short
 *	reason for temperror/permerror ("" otherwise). It may be called from
 *	any number of threads at once.
 */
#ifndef MX6_SPF_H
#define MX6_SPF_H

#include <stddef.h>

#include "auth.h"
#include "dns.h"
#include "iplist.h"

enum mx6_spf_identity {
	MX6_SPF_MAILFROM = 0,
	MX6_SPF_HELO,
};

struct mx6_spf;

struct mx6_spf *mx6_spf_new(struct mx6_dns *dns, const char *receiving_host,
			    char *err_r, size_t errlen);
void mx6_spf_free(struct mx6_spf **spf);

enum mx6_auth mx6_spf_check(struct mx6_spf *spf, const struct mx6_addr *client,
			    const char *helo, const char *sender,
			    enum mx6_spf_identity identity, char *problem_r,
			    size_t problemlen);

#endif
