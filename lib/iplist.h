/*
 * NAME
 *	iplist 3h
 * SUMMARY
 *	sets of IPv4 and IPv6 addresses and CIDR prefixes
 * SYNOPSIS
 *	#include "iplist.h"
 * DESCRIPTION
 *	An iplist is loaded once from a list file and then only read, so any
 *	number of threads may query it concurrently.
 *
 *	All addresses live in one 128-bit space: an IPv4 address a.b.c.d is
 *	stored as ::ffff:a.b.c.d and an IPv4 prefix /n as the IPv6 prefix
 *	/(96+n). An IPv4-mapped client address therefore matches IPv4 entries.
 *
 *	Nested and overlapping prefixes are flattened at load time into
 *	disjoint ranges, each remembering the line of the most specific entry
 *	that covers it, so a lookup is one binary search with no allocation.
 *
 *	mx6_iplist_load() reads FILE: one address or prefix per line, '#'
 *	starts a comment, blank lines are ignored. It returns a new list, or
 *	NULL with "FILE:LINE: message" (or "FILE: message") in err_r.
 *	The caller frees the list with mx6_iplist_free().
 *
 *	mx6_iplist_add() parses one entry ("2001:db8::/32", "192.0.2.1") for
 *	a list under construction; returns 0, or -1 with a message in err_r.
 *	mx6_iplist_finish() builds the lookup ranges; after it the list is
 *	read-only. mx6_iplist_new() starts an empty list.
 *
 *	mx6_iplist_lookup() returns 1 and the entry's line number in *line_r
 *	(0 for entries added without a line) when ADDR is covered, else 0.
 *
 *	mx6_addr_parse() parses an address as the MTAs send it: plain IPv4,
 *	IPv6, "IPv6:" prefixed (Sendmail), optional [brackets]. Returns 0 and
 *	the address in 128-bit form, or -1.
 *	mx6_addr_is_ipv4() tells whether a 128-bit address is IPv4-mapped.
 *	mx6_addr_format() writes the conventional text form (dotted quad for
 *	IPv4-mapped) into buf, which must hold MX6_ADDR_STRLEN bytes.
 */
#ifndef MX6_IPLIST_H
#define MX6_IPLIST_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define MX6_ADDR_STRLEN INET6_ADDRSTRLEN

struct mx6_addr {
	uint8_t bytes[16];
};

struct mx6_iplist;

struct mx6_iplist *mx6_iplist_new(void);
int mx6_iplist_add(struct mx6_iplist *list, const char *entry, unsigned line,
		   char *err_r, size_t errlen);
int mx6_iplist_finish(struct mx6_iplist *list, char *err_r, size_t errlen);
struct mx6_iplist *mx6_iplist_load(const char *path, char *err_r, size_t errlen);
void mx6_iplist_free(struct mx6_iplist **list);

int mx6_iplist_lookup(const struct mx6_iplist *list, const struct mx6_addr *addr,
		      unsigned *line_r);
size_t mx6_iplist_count(const struct mx6_iplist *list);

int mx6_addr_parse(const char *text, struct mx6_addr *addr_r);
void mx6_addr_from_in6(const struct in6_addr *in6, struct mx6_addr *addr_r);
void mx6_addr_from_in(const struct in_addr *in, struct mx6_addr *addr_r);
int mx6_addr_is_ipv4(const struct mx6_addr *addr);
int mx6_addr_equal(const struct mx6_addr *a, const struct mx6_addr *b);
const char *mx6_addr_format(const struct mx6_addr *addr, char *buf);

#endif
