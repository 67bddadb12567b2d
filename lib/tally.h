/*
 * NAME
 *	tally 3h
 * SUMMARY
 *	count occurrences of strings, in bounded memory
 * SYNOPSIS
 *	#include "tally.h"
 * DESCRIPTION
 *	mx6_tally_new() returns a counter that tracks at most CAP distinct
 *	keys (or NULL when out of memory). mx6_tally_add() counts KEY once;
 *	a key first seen when CAP keys are already tracked is not stored but
 *	counted in mx6_tally_untracked(), so memory stays bounded however
 *	many distinct keys a stream has (the price: a key that first shows
 *	up late is missing from the top list). It returns -1 only when out
 *	of memory.
 *
 *	mx6_tally_top() fills TOP with at most N entries, highest count
 *	first (ties by key), and returns how many; the entries point into
 *	the tally. mx6_tally_distinct() is the number of keys tracked.
 */
#ifndef MX6_TALLY_H
#define MX6_TALLY_H

#include <stddef.h>
#include <stdint.h>

struct mx6_tally;

struct mx6_tally_entry {
	const char *key;
	uint64_t count;
};

struct mx6_tally *mx6_tally_new(size_t cap);
void mx6_tally_free(struct mx6_tally **t);
int mx6_tally_add(struct mx6_tally *t, const char *key);
size_t mx6_tally_top(const struct mx6_tally *t, struct mx6_tally_entry *top, size_t n);
size_t mx6_tally_distinct(const struct mx6_tally *t);
uint64_t mx6_tally_untracked(const struct mx6_tally *t);

#endif
