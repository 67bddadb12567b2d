/*
 * NAME
 *	iprev 3h
 * SUMMARY
 *	forward-confirmed reverse DNS (RFC 8601 3)
 * SYNOPSIS
 *	#include "iprev.h"
 * DESCRIPTION
 *	mx6_iprev_check() looks up the PTR names of CLIENT and, for at most
 *	max_names of them, the addresses of each name (AAAA for IPv6, A for
 *	IPv4-mapped clients). Result:
 *	pass       a name resolves back to CLIENT; it is written to name_r;
 *	fail       no PTR record, or no name leads back to CLIENT;
 *	temperror  the PTR lookup failed temporarily, or no name confirmed
 *	           while a forward lookup failed temporarily.
 *	name_r is "" unless the result is pass.
 *
 *	mx6_reverse_name() writes the ip6.arpa / in-addr.arpa name of ADDR
 *	into buf (at least 74 bytes) and returns buf.
 */
#ifndef MX6_IPREV_H
#define MX6_IPREV_H

#include <stddef.h>

#include "auth.h"
#include "dns.h"
#include "iplist.h"

#define MX6_IPREV_MAX_NAMES 10

enum mx6_auth mx6_iprev_check(struct mx6_dns *dns, const struct mx6_addr *client,
			      unsigned max_names, char *name_r, size_t namelen);
char *mx6_reverse_name(const struct mx6_addr *addr, char *buf, size_t buflen);

#endif
