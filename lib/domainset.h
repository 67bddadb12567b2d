/*
 * NAME
 *	domainset 3h
 * SUMMARY
 *	sets of domain names, with parent-domain entries
 * SYNOPSIS
 *	#include "domainset.h"
 * DESCRIPTION
 *	A domainset is loaded once and then only read, so any number of
 *	threads may query it concurrently. Names are compared case
 *	insensitively, without a trailing dot.
 *
 *	An entry "example.org" matches that name only; an entry
 *	".example.org" matches example.org and every name below it.
 *
 *	mx6_domainset_load() reads FILE: one domain per line, '#' starts a
 *	comment, blank lines are ignored. Returns a new set, or NULL with
 *	"FILE:LINE: message" (or "FILE: message") in err_r. The caller frees
 *	the set with mx6_domainset_free().
 *
 *	mx6_domainset_new()/mx6_domainset_add() build a set by hand (add
 *	returns 0, or -1 with a message in err_r for an invalid name).
 *
 *	mx6_domainset_lookup() returns 1 and the line of the matching entry
 *	in *line_r when DOMAIN is in the set (an exact entry wins over a
 *	parent entry, a nearer parent over a farther one), else 0. No
 *	allocation.
 *
 *	mx6_domain_valid() tells whether NAME is a syntactically valid host
 *	or domain name (letters, digits, '-' and '_' in labels of 1 to 63
 *	bytes, at most 253 bytes, optional trailing dot).
 */
#ifndef MX6_DOMAINSET_H
#define MX6_DOMAINSET_H

#include <stddef.h>

struct mx6_domainset;

struct mx6_domainset *mx6_domainset_new(void);
int mx6_domainset_add(struct mx6_domainset *set, const char *entry, unsigned line,
		      char *err_r, size_t errlen);
struct mx6_domainset *mx6_domainset_load(const char *path, char *err_r, size_t errlen);
void mx6_domainset_free(struct mx6_domainset **set);

int mx6_domainset_lookup(const struct mx6_domainset *set, const char *domain,
			 unsigned *line_r);
size_t mx6_domainset_count(const struct mx6_domainset *set);

int mx6_domain_valid(const char *name);

#endif
