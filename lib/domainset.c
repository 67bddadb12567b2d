/*
 * NAME
 *	domainset 3
 * SUMMARY
 *	sets of domain names, with parent-domain entries
 * SYNOPSIS
 *	See domainset.h.
 * DESCRIPTION
 *	An open-addressing hash table of lower-case names (FNV-1a), one for
 *	exact entries and one for parent entries, with the names in one
 *	growing arena so that a million entries cost two allocations. A
 *	lookup hashes the name, then each of its parent domains: at most one
 *	probe sequence per label.
 */
#include "autoconf.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domainset.h"
#include "listfile.h"
#include "util.h"

#define MAX_NAME 253

struct slot {
	uint32_t offset; /* into the arena, +1; 0 = empty */
	uint32_t line;
	uint32_t hash;
};

struct table {
	struct slot *slots;
	size_t size; /* power of two */
	size_t used;
};

struct mx6_domainset {
	struct table exact;
	struct table parent;
	char *arena;
	size_t arena_len, arena_cap;
	size_t count;
};

static uint32_t hash_name(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)tolower((unsigned char)s[i]);
		h *= 16777619u;
	}
	return h;
}

int mx6_domain_valid(const char *name)
{
	size_t len = strlen(name), label = 0, i;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > MAX_NAME)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if (isalnum(c) || c == '-' || c == '_') {
			if (++label > 63)
				return 0;
		} else {
			return 0;
		}
	}
	return label > 0;
}

struct mx6_domainset *mx6_domainset_new(void)
{
	return calloc(1, sizeof(struct mx6_domainset));
}

static int table_grow(struct table *t)
{
	size_t nsize = t->size ? t->size * 2 : 64, i;
	struct slot *n = calloc(nsize, sizeof(*n));

	if (n == NULL)
		return -1;
	for (i = 0; i < t->size; i++) {
		size_t j;

		if (t->slots[i].offset == 0)
			continue;
		for (j = t->slots[i].hash & (nsize - 1); n[j].offset != 0; j = (j + 1) & (nsize - 1))
			;
		n[j] = t->slots[i];
	}
	free(t->slots);
	t->slots = n;
	t->size = nsize;
	return 0;
}

static const struct slot *table_find(const struct table *t, const char *arena,
				     const char *name, size_t len, uint32_t h)
{
	size_t j;

	if (t->size == 0)
		return NULL;
	for (j = h & (t->size - 1); t->slots[j].offset != 0; j = (j + 1) & (t->size - 1)) {
		const char *s = arena + t->slots[j].offset - 1;

		if (t->slots[j].hash == h && strncmp(s, name, len) == 0 && s[len] == '\0')
			return &t->slots[j];
	}
	return NULL;
}

int mx6_domainset_add(struct mx6_domainset *set, const char *entry, unsigned line,
		      char *err_r, size_t errlen)
{
	int is_parent = entry[0] == '.';
	const char *name = entry + is_parent;
	char lower[MAX_NAME + 2];
	size_t len, i, j;
	struct table *t;
	uint32_t h;

	if (!mx6_domain_valid(name)) {
		snprintf(err_r, errlen, "invalid domain name '%s'", entry);
		return -1;
	}
	len = strlen(name);
	if (name[len - 1] == '.')
		len--;
	for (i = 0; i < len; i++)
		lower[i] = (char)tolower((unsigned char)name[i]);
	lower[len] = '\0';
	h = hash_name(lower, len);
	t = is_parent ? &set->parent : &set->exact;
	if (table_find(t, set->arena, lower, len, h) != NULL)
		return 0; /* duplicate: the first line listed wins */
	if ((t->used + 1) * 2 > t->size && table_grow(t) < 0)
		goto nomem;
	if (set->arena_len + len + 1 > set->arena_cap) {
		size_t ncap = set->arena_cap ? set->arena_cap * 2 : 4096;
		char *n;

		while (ncap < set->arena_len + len + 1)
			ncap *= 2;
		if (ncap > UINT32_MAX || (n = realloc(set->arena, ncap)) == NULL)
			goto nomem;
		set->arena = n;
		set->arena_cap = ncap;
	}
	memcpy(set->arena + set->arena_len, lower, len + 1);
	for (j = h & (t->size - 1); t->slots[j].offset != 0; j = (j + 1) & (t->size - 1))
		;
	t->slots[j].offset = (uint32_t)set->arena_len + 1;
	t->slots[j].line = line;
	t->slots[j].hash = h;
	t->used++;
	set->arena_len += len + 1;
	set->count++;
	return 0;
nomem:
	snprintf(err_r, errlen, "out of memory");
	return -1;
}

static int add_entry(void *set, const char *entry, unsigned line, char *err, size_t errlen)
{
	return mx6_domainset_add(set, entry, line, err, errlen);
}

struct mx6_domainset *mx6_domainset_load(const char *path, char *err_r, size_t errlen)
{
	struct mx6_domainset *set = mx6_domainset_new();

	if (set == NULL) {
		snprintf(err_r, errlen, "%s: out of memory", path);
		return NULL;
	}
	if (mx6_listfile_read(path, "domain", add_entry, set, err_r, errlen) < 0)
		mx6_domainset_free(&set);
	return set;
}

void mx6_domainset_free(struct mx6_domainset **set)
{
	if (*set == NULL)
		return;
	free((*set)->exact.slots);
	free((*set)->parent.slots);
	free((*set)->arena);
	free(*set);
	*set = NULL;
}

int mx6_domainset_lookup(const struct mx6_domainset *set, const char *domain,
			 unsigned *line_r)
{
	char lower[MAX_NAME + 2];
	const struct slot *hit;
	size_t len, i;

	if (set == NULL || domain == NULL)
		return 0;
	len = strlen(domain);
	if (len > 0 && domain[len - 1] == '.')
		len--;
	if (len == 0 || len > MAX_NAME)
		return 0;
	for (i = 0; i < len; i++)
		lower[i] = (char)tolower((unsigned char)domain[i]);
	lower[len] = '\0';
	hit = table_find(&set->exact, set->arena, lower, len, hash_name(lower, len));
	for (i = 0; hit == NULL && i < len; i++) {
		if (i > 0 && lower[i - 1] != '.')
			continue;
		hit = table_find(&set->parent, set->arena, lower + i, len - i,
				 hash_name(lower + i, len - i));
	}
	if (hit == NULL)
		return 0;
	if (line_r != NULL)
		*line_r = hit->line;
	return 1;
}

size_t mx6_domainset_count(const struct mx6_domainset *set)
{
	return set != NULL ? set->count : 0;
}
