/*
 * NAME
 *	tally 3
 * SUMMARY
 *	count occurrences of strings, in bounded memory
 * SYNOPSIS
 *	See tally.h.
 * DESCRIPTION
 *	Open addressing with linear probing, FNV-1a hash, the table doubled
 *	while it is more than half full, never beyond twice CAP slots.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "tally.h"

struct mx6_tally {
	struct mx6_tally_entry *slots;
	size_t size; /* a power of two */
	size_t used;
	size_t cap;
	uint64_t untracked;
};

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

struct mx6_tally *mx6_tally_new(size_t cap)
{
	struct mx6_tally *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->cap = cap;
	t->size = 64;
	if ((t->slots = calloc(t->size, sizeof(*t->slots))) == NULL) {
		free(t);
		return NULL;
	}
	return t;
}

void mx6_tally_free(struct mx6_tally **tp)
{
	struct mx6_tally *t = *tp;
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->size; i++)
		free((char *)t->slots[i].key);
	free(t->slots);
	free(t);
	*tp = NULL;
}

static struct mx6_tally_entry *slot_for(struct mx6_tally_entry *slots, size_t size,
					const char *key)
{
	size_t i = (size_t)hash(key) & (size - 1);

	while (slots[i].key != NULL && strcmp(slots[i].key, key) != 0)
		i = (i + 1) & (size - 1);
	return &slots[i];
}

static int grow(struct mx6_tally *t)
{
	size_t nsize = t->size * 2, i;
	struct mx6_tally_entry *n = calloc(nsize, sizeof(*n));

	if (n == NULL)
		return -1;
	for (i = 0; i < t->size; i++)
		if (t->slots[i].key != NULL)
			*slot_for(n, nsize, t->slots[i].key) = t->slots[i];
	free(t->slots);
	t->slots = n;
	t->size = nsize;
	return 0;
}

int mx6_tally_add(struct mx6_tally *t, const char *key)
{
	struct mx6_tally_entry *e = slot_for(t->slots, t->size, key);

	if (e->key != NULL) {
		e->count++;
		return 0;
	}
	if (t->used >= t->cap) {
		t->untracked++;
		return 0;
	}
	if ((t->used + 1) * 2 > t->size) {
		if (grow(t) < 0)
			return -1;
		e = slot_for(t->slots, t->size, key);
	}
	if ((e->key = strdup(key)) == NULL)
		return -1;
	e->count = 1;
	t->used++;
	return 0;
}

static int by_count(const void *a, const void *b)
{
	const struct mx6_tally_entry *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->key, y->key);
}

size_t mx6_tally_top(const struct mx6_tally *t, struct mx6_tally_entry *top, size_t n)
{
	struct mx6_tally_entry *all;
	size_t i, k = 0;

	if (n == 0 || t->used == 0)
		return 0;
	/* Sorting a copy once at the end: at most CAP entries. */
	if ((all = malloc(t->used * sizeof(*all))) == NULL)
		return 0;
	for (i = 0; i < t->size; i++)
		if (t->slots[i].key != NULL)
			all[k++] = t->slots[i];
	qsort(all, k, sizeof(*all), by_count);
	if (n > k)
		n = k;
	memcpy(top, all, n * sizeof(*top));
	free(all);
	return n;
}

size_t mx6_tally_distinct(const struct mx6_tally *t)
{
	return t->used;
}

uint64_t mx6_tally_untracked(const struct mx6_tally *t)
{
	return t->untracked;
}
