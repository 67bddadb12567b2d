/*
 * NAME
 *	iplist 3
 * SUMMARY
 *	sets of IPv4 and IPv6 addresses and CIDR prefixes
 * SYNOPSIS
 *	See iplist.h.
 * DESCRIPTION
 *	Entries are collected as [first, last] intervals of the 128-bit
 *	space. mx6_iplist_finish() sorts them and flattens the nesting (CIDR
 *	prefixes are either disjoint or nested, never partially overlapping)
 *	into disjoint ranges that each carry the line of the innermost entry,
 *	so the most specific entry answers and a lookup is one binary search.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "iplist.h"
#include "listfile.h"
#include "util.h"

struct u128 {
	uint64_t hi;
	uint64_t lo;
};

struct range {
	struct u128 first;
	struct u128 last;
	unsigned line;
};

struct mx6_iplist {
	struct range *entries; /* while building */
	size_t nentries;
	size_t capacity;
	struct range *ranges; /* after finish: disjoint, sorted */
	size_t nranges;
	size_t count; /* entries as listed, for reporting */
};

static struct u128 u128_from_addr(const struct mx6_addr *a)
{
	struct u128 v = {0, 0};
	int i;

	for (i = 0; i < 8; i++) {
		v.hi = (v.hi << 8) | a->bytes[i];
		v.lo = (v.lo << 8) | a->bytes[8 + i];
	}
	return v;
}

static int u128_cmp(struct u128 a, struct u128 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	if (a.lo != b.lo)
		return a.lo < b.lo ? -1 : 1;
	return 0;
}

/* Mask of the host bits of a /plen prefix. */
static struct u128 host_mask(unsigned plen)
{
	struct u128 m;

	if (plen == 0) {
		m.hi = m.lo = UINT64_MAX;
	} else if (plen < 64) {
		m.hi = UINT64_MAX >> plen;
		m.lo = UINT64_MAX;
	} else if (plen == 64) {
		m.hi = 0;
		m.lo = UINT64_MAX;
	} else if (plen < 128) {
		m.hi = 0;
		m.lo = UINT64_MAX >> (plen - 64);
	} else {
		m.hi = m.lo = 0;
	}
	return m;
}

void mx6_addr_from_in6(const struct in6_addr *in6, struct mx6_addr *addr_r)
{
	memcpy(addr_r->bytes, in6->s6_addr, 16);
}

void mx6_addr_from_in(const struct in_addr *in, struct mx6_addr *addr_r)
{
	memset(addr_r->bytes, 0, 10);
	addr_r->bytes[10] = 0xff;
	addr_r->bytes[11] = 0xff;
	memcpy(addr_r->bytes + 12, &in->s_addr, 4);
}

int mx6_addr_is_ipv4(const struct mx6_addr *addr)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	return memcmp(addr->bytes, mapped, sizeof(mapped)) == 0;
}

int mx6_addr_equal(const struct mx6_addr *a, const struct mx6_addr *b)
{
	return memcmp(a->bytes, b->bytes, 16) == 0;
}

const char *mx6_addr_format(const struct mx6_addr *addr, char *buf)
{
	if (mx6_addr_is_ipv4(addr))
		return inet_ntop(AF_INET, addr->bytes + 12, buf, MX6_ADDR_STRLEN);
	return inet_ntop(AF_INET6, addr->bytes, buf, MX6_ADDR_STRLEN);
}

/*
 * Parse a bare address into 128-bit form; *is_v4_r tells which family the
 * text was in (prefix lengths count from there).
 */
static int parse_bare(const char *text, struct mx6_addr *addr_r, int *is_v4_r)
{
	struct in_addr in;
	struct in6_addr in6;

	if (strchr(text, ':') == NULL) {
		if (inet_pton(AF_INET, text, &in) != 1)
			return -1;
		mx6_addr_from_in(&in, addr_r);
		*is_v4_r = 1;
		return 0;
	}
	if (inet_pton(AF_INET6, text, &in6) != 1)
		return -1;
	mx6_addr_from_in6(&in6, addr_r);
	*is_v4_r = 0;
	return 0;
}

int mx6_addr_parse(const char *text, struct mx6_addr *addr_r)
{
	char buf[MX6_ADDR_STRLEN + 8];
	size_t len;
	int is_v4;

	if (text == NULL)
		return -1;
	if (strncasecmp(text, "IPv6:", 5) == 0)
		text += 5;
	if (*text == '[')
		text++;
	len = strlen(text);
	if (len > 0 && text[len - 1] == ']')
		len--;
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	return parse_bare(buf, addr_r, &is_v4);
}

struct mx6_iplist *mx6_iplist_new(void)
{
	return calloc(1, sizeof(struct mx6_iplist));
}

int mx6_iplist_add(struct mx6_iplist *list, const char *entry, unsigned line,
		   char *err_r, size_t errlen)
{
	char buf[MX6_ADDR_STRLEN + 8];
	const char *slash = strchr(entry, '/');
	size_t alen = slash != NULL ? (size_t)(slash - entry) : strlen(entry);
	struct mx6_addr addr;
	struct u128 first, mask;
	unsigned plen, maxlen;
	int is_v4;

	if (alen == 0 || alen >= sizeof(buf)) {
		snprintf(err_r, errlen, "invalid IP address or prefix '%s'", entry);
		return -1;
	}
	memcpy(buf, entry, alen);
	buf[alen] = '\0';
	if (parse_bare(buf, &addr, &is_v4) < 0) {
		snprintf(err_r, errlen, "invalid IP address or prefix '%s'", entry);
		return -1;
	}
	maxlen = is_v4 ? 32 : 128;
	plen = maxlen;
	if (slash != NULL) {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(slash + 1, &end, 10);
		if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || errno != 0 ||
		    v > maxlen) {
			snprintf(err_r, errlen, "invalid prefix length in '%s' (0 to %u)",
				 entry, maxlen);
			return -1;
		}
		plen = (unsigned)v;
	}
	if (is_v4)
		plen += 96;
	first = u128_from_addr(&addr);
	mask = host_mask(plen);
	if ((first.hi & mask.hi) != 0 || (first.lo & mask.lo) != 0) {
		snprintf(err_r, errlen,
			 "host bits set in '%s': the address must be the first of its prefix",
			 entry);
		return -1;
	}
	if (list->nentries == list->capacity) {
		size_t ncap = list->capacity ? list->capacity * 2 : 64;
		struct range *n = realloc(list->entries, ncap * sizeof(*n));

		if (n == NULL) {
			snprintf(err_r, errlen, "out of memory");
			return -1;
		}
		list->entries = n;
		list->capacity = ncap;
	}
	list->entries[list->nentries].first = first;
	list->entries[list->nentries].last.hi = first.hi | mask.hi;
	list->entries[list->nentries].last.lo = first.lo | mask.lo;
	list->entries[list->nentries].line = line;
	list->nentries++;
	list->count++;
	return 0;
}

/* Outer prefixes first: by first address, then widest, then earliest line. */
static int entry_order(const void *pa, const void *pb)
{
	const struct range *a = pa, *b = pb;
	int c = u128_cmp(a->first, b->first);

	if (c != 0)
		return c;
	c = u128_cmp(b->last, a->last);
	if (c != 0)
		return c;
	return a->line < b->line ? -1 : a->line > b->line;
}

static void emit(struct mx6_iplist *list, struct u128 first, struct u128 last,
		 unsigned line)
{
	struct range *r = &list->ranges[list->nranges++];

	r->first = first;
	r->last = last;
	r->line = line;
}

static struct u128 u128_inc(struct u128 v)
{
	if (++v.lo == 0)
		v.hi++;
	return v;
}

static struct u128 u128_dec(struct u128 v)
{
	if (v.lo-- == 0)
		v.hi--;
	return v;
}

static int u128_is_max(struct u128 v)
{
	return v.hi == UINT64_MAX && v.lo == UINT64_MAX;
}

int mx6_iplist_finish(struct mx6_iplist *list, char *err_r, size_t errlen)
{
	struct range **stack;
	size_t depth = 0, i;
	struct u128 cursor = {0, 0};
	int exhausted = 0; /* cursor moved past the end of the space */

	if (list->nentries > 0)
		qsort(list->entries, list->nentries, sizeof(struct range), entry_order);
	/* Each entry adds at most two pieces (before and after a nested one). */
	list->ranges = malloc((2 * list->nentries + 1) * sizeof(struct range));
	stack = malloc((list->nentries + 1) * sizeof(*stack));
	if (list->ranges == NULL || stack == NULL) {
		free(stack);
		snprintf(err_r, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < list->nentries; i++) {
		struct range *e = &list->entries[i];

		while (depth > 0 && u128_cmp(stack[depth - 1]->last, e->first) < 0) {
			struct range *top = stack[--depth];

			if (!exhausted && u128_cmp(cursor, top->last) <= 0)
				emit(list, cursor, top->last, top->line);
			cursor = u128_inc(top->last);
		}
		if (depth > 0) {
			struct range *top = stack[depth - 1];

			if (u128_cmp(top->first, e->first) == 0 &&
			    u128_cmp(top->last, e->last) == 0)
				continue; /* duplicate: the first line listed wins */
			if (u128_cmp(cursor, e->first) < 0)
				emit(list, cursor, u128_dec(e->first), top->line);
		}
		stack[depth++] = e;
		cursor = e->first;
		exhausted = 0;
	}
	while (depth > 0) {
		struct range *top = stack[--depth];

		if (!exhausted && u128_cmp(cursor, top->last) <= 0)
			emit(list, cursor, top->last, top->line);
		if (u128_is_max(top->last))
			exhausted = 1;
		else
			cursor = u128_inc(top->last);
	}
	free(stack);
	free(list->entries);
	list->entries = NULL;
	list->nentries = list->capacity = 0;
	return 0;
}

static int add_entry(void *list, const char *entry, unsigned line, char *err, size_t errlen)
{
	return mx6_iplist_add(list, entry, line, err, errlen);
}

struct mx6_iplist *mx6_iplist_load(const char *path, char *err_r, size_t errlen)
{
	struct mx6_iplist *list = mx6_iplist_new();
	char msg[256];

	if (list == NULL) {
		snprintf(err_r, errlen, "%s: out of memory", path);
		return NULL;
	}
	if (mx6_listfile_read(path, "address or prefix", add_entry, list, err_r, errlen) < 0) {
		mx6_iplist_free(&list);
		return NULL;
	}
	if (mx6_iplist_finish(list, msg, sizeof(msg)) < 0) {
		snprintf(err_r, errlen, "%s: %s", path, msg);
		mx6_iplist_free(&list);
	}
	return list;
}

void mx6_iplist_free(struct mx6_iplist **list)
{
	if (*list == NULL)
		return;
	free((*list)->entries);
	free((*list)->ranges);
	free(*list);
	*list = NULL;
}

int mx6_iplist_lookup(const struct mx6_iplist *list, const struct mx6_addr *addr,
		      unsigned *line_r)
{
	struct u128 key;
	size_t lo = 0, hi;

	if (list == NULL || list->nranges == 0)
		return 0;
	key = u128_from_addr(addr);
	hi = list->nranges;
	/* Find the last range whose first address is <= key. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (u128_cmp(list->ranges[mid].first, key) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || u128_cmp(key, list->ranges[lo - 1].last) > 0)
		return 0;
	if (line_r != NULL)
		*line_r = list->ranges[lo - 1].line;
	return 1;
}

size_t mx6_iplist_count(const struct mx6_iplist *list)
{
	return list != NULL ? list->count : 0;
}
