/*
 * NAME
 *	dnscache 3h
 * SUMMARY
 *	a small in-process cache of DNS answers, in front of libunbound
 * SYNOPSIS
 *	#include "dnscache.h"
 * DESCRIPTION
 *	libunbound caches answers itself, but reaching that cache from a
 *	session thread costs a trip through its worker thread and a pipe
 *	(ub_resolve_async, ub_process); with every message asking the same
 *	few names that trip was a quarter of the milter's CPU. This cache
 *	answers those repeats in the calling thread, under one mutex held
 *	for a hash lookup.
 *
 *	mx6_dnscache_new() creates a cache holding at most max_entries
 *	answers (0: MX6_DNSCACHE_DEFAULT); when full, the least recently
 *	used answer makes room. Returns NULL when out of memory.
 *
 *	mx6_dnscache_put() stores the answer r to NAME/TYPE for ttl seconds
 *	from now (capped at MX6_DNSCACHE_MAX_TTL). Only definite answers are
 *	stored: MX6_DNS_OK, MX6_DNS_NODATA and MX6_DNS_NXDOMAIN with a TTL
 *	above 0. A temporary error (timeout, SERVFAIL, bogus DNSSEC) is
 *	never an answer and returns 0 without storing anything, so the next
 *	lookup asks again. Returns 1 when stored, 0 when not, -1 when out of
 *	memory.
 *
 *	mx6_dnscache_get() fills *r (which the caller frees with
 *	mx6_dns_result_free()) with the answer to NAME/TYPE if one is stored
 *	and has not expired at now, and returns 1; otherwise 0. The records
 *	are shared with the cache (reference counted), never copied; packet
 *	is NULL. Names compare case-insensitively, a trailing dot ignored.
 *
 *	mx6_dnscache_release() drops a reference taken by mx6_dnscache_get()
 *	(mx6_dns_result_free() calls it). mx6_dnscache_count() is the number
 *	of answers stored, expired ones included until they are looked up or
 *	evicted.
 *
 *	Times are seconds on any monotonic clock the caller chooses (the
 *	resolver uses CLOCK_MONOTONIC; tests pass their own).
 */
#ifndef MX6_DNSCACHE_H
#define MX6_DNSCACHE_H

#include <stddef.h>
#include <time.h>

#include "dns.h"

#define MX6_DNSCACHE_DEFAULT 4096
#define MX6_DNSCACHE_MAX_TTL 86400u

struct mx6_dnscache;

struct mx6_dnscache *mx6_dnscache_new(size_t max_entries);
void mx6_dnscache_free(struct mx6_dnscache **cache);
int mx6_dnscache_put(struct mx6_dnscache *cache, const char *name, int rrtype,
		     const struct mx6_dns_result *r, unsigned ttl, time_t now);
int mx6_dnscache_get(struct mx6_dnscache *cache, const char *name, int rrtype, time_t now,
		     struct mx6_dns_result *r);
void mx6_dnscache_release(void *entry);
size_t mx6_dnscache_count(struct mx6_dnscache *cache);

#endif
