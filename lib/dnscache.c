/*
 * NAME
 *	dnscache 3
 * SUMMARY
 *	a small in-process cache of DNS answers, in front of libunbound
 * SYNOPSIS
 *	See dnscache.h.
 * DESCRIPTION
 *	A chained hash table of immutable entries plus a least-recently-used
 *	list, under one mutex. An entry is one allocation: the header, the
 *	record pointer and length arrays (NULL/0 terminated, as libunbound
 *	hands them out), the normalised name and the rdata. It is reference
 *	counted: the table holds one reference, every result handed out by
 *	mx6_dnscache_get() another, so an answer evicted or replaced while a
 *	session still reads it stays valid until that session frees it.
 */
#include "autoconf.h"

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnscache.h"

#define NAME_MAX_LEN 255 /* presentation form without the trailing dot */

struct entry {
	struct entry *hnext;	   /* hash chain */
	struct entry *prev, *next; /* LRU list, most recent first */
	int refs;		   /* atomic */
	uint32_t hash;
	time_t expires;
	int type;
	enum mx6_dns_status status;
	int rcode;
	int secure;
	unsigned count;
	char **rr;
	int *rrlen;
	const char *name;
};

struct mx6_dnscache {
	pthread_mutex_t lock;
	struct entry **buckets;
	size_t mask;
	size_t count, max;
	struct entry *head, *tail;
};

/* Lower-case NAME without a trailing dot into buf; -1 if too long. */
static int normalise(const char *name, char *buf)
{
	size_t n = strlen(name), i;

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n > NAME_MAX_LEN)
		return -1;
	for (i = 0; i < n; i++)
		buf[i] = (char)tolower((unsigned char)name[i]);
	buf[n] = '\0';
	return 0;
}

static uint32_t hash_key(const char *name, int type)
{
	uint32_t h = 2166136261u ^ (uint32_t)type; /* FNV-1a */

	for (; *name != '\0'; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return h;
}

struct mx6_dnscache *mx6_dnscache_new(size_t max_entries)
{
	struct mx6_dnscache *c = calloc(1, sizeof(*c));
	size_t n = 16;

	if (c == NULL)
		return NULL;
	c->max = max_entries ? max_entries : MX6_DNSCACHE_DEFAULT;
	while (n < c->max && n < ((size_t)1 << 24))
		n <<= 1;
	if ((c->buckets = calloc(n, sizeof(*c->buckets))) == NULL) {
		free(c);
		return NULL;
	}
	c->mask = n - 1;
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

void mx6_dnscache_release(void *entry)
{
	struct entry *e = entry;

	if (e != NULL && __atomic_sub_fetch(&e->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(e);
}

/* Take E out of the table and the LRU list (lock held); drop the table's reference. */
static void unlink_entry(struct mx6_dnscache *c, struct entry *e)
{
	struct entry **pp = &c->buckets[e->hash & c->mask];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	c->count--;
	mx6_dnscache_release(e);
}

static void push_front(struct mx6_dnscache *c, struct entry *e)
{
	e->prev = NULL;
	e->next = c->head;
	if (c->head != NULL)
		c->head->prev = e;
	c->head = e;
	if (c->tail == NULL)
		c->tail = e;
}

void mx6_dnscache_free(struct mx6_dnscache **cp)
{
	struct mx6_dnscache *c = *cp;

	if (c == NULL)
		return;
	while (c->head != NULL)
		unlink_entry(c, c->head);
	free(c->buckets);
	pthread_mutex_destroy(&c->lock);
	free(c);
	*cp = NULL;
}

/* The entry for KEY/TYPE (lock held), or NULL. */
static struct entry *find(struct mx6_dnscache *c, const char *key, int type, uint32_t h)
{
	struct entry *e;

	for (e = c->buckets[h & c->mask]; e != NULL; e = e->hnext)
		if (e->hash == h && e->type == type && strcmp(e->name, key) == 0)
			return e;
	return NULL;
}

/* A new entry holding a copy of r, with one reference (the table's). */
static struct entry *make_entry(const char *key, int type, const struct mx6_dns_result *r)
{
	unsigned n = r->status == MX6_DNS_OK ? r->count : 0, i;
	size_t keylen = strlen(key), data = 0, size;
	struct entry *e;
	char *p;

	for (i = 0; i < n; i++) {
		if (r->rrlen[i] < 0)
			return NULL;
		data += (size_t)r->rrlen[i];
	}
	size = sizeof(*e) + (n + 1) * sizeof(char *) + (n + 1) * sizeof(int) + keylen + 1 + data;
	if ((e = calloc(1, size)) == NULL)
		return NULL;
	e->rr = (char **)(e + 1);
	e->rrlen = (int *)(e->rr + n + 1);
	p = (char *)(e->rrlen + n + 1);
	memcpy(p, key, keylen + 1);
	e->name = p;
	p += keylen + 1;
	for (i = 0; i < n; i++) {
		memcpy(p, r->rr[i], (size_t)r->rrlen[i]);
		e->rr[i] = p;
		e->rrlen[i] = r->rrlen[i];
		p += r->rrlen[i];
	}
	e->count = n;
	e->type = type;
	e->status = r->status;
	e->rcode = r->rcode;
	e->secure = r->secure;
	e->refs = 1;
	return e;
}

int mx6_dnscache_put(struct mx6_dnscache *c, const char *name, int rrtype,
		     const struct mx6_dns_result *r, unsigned ttl, time_t now)
{
	char key[NAME_MAX_LEN + 1];
	struct entry *e, *old;

	/* Only definite answers: a temporary error must be asked again. */
	if (r->status != MX6_DNS_OK && r->status != MX6_DNS_NODATA &&
	    r->status != MX6_DNS_NXDOMAIN)
		return 0;
	if (ttl == 0 || (r->status == MX6_DNS_OK && r->count == 0) || normalise(name, key) < 0)
		return 0;
	if (ttl > MX6_DNSCACHE_MAX_TTL)
		ttl = MX6_DNSCACHE_MAX_TTL;
	if ((e = make_entry(key, rrtype, r)) == NULL)
		return -1;
	e->hash = hash_key(key, rrtype);
	e->expires = now + (time_t)ttl;
	pthread_mutex_lock(&c->lock);
	if ((old = find(c, key, rrtype, e->hash)) != NULL)
		unlink_entry(c, old);
	while (c->count >= c->max && c->tail != NULL)
		unlink_entry(c, c->tail);
	e->hnext = c->buckets[e->hash & c->mask];
	c->buckets[e->hash & c->mask] = e;
	push_front(c, e);
	c->count++;
	pthread_mutex_unlock(&c->lock);
	return 1;
}

int mx6_dnscache_get(struct mx6_dnscache *c, const char *name, int rrtype, time_t now,
		     struct mx6_dns_result *r)
{
	char key[NAME_MAX_LEN + 1];
	struct entry *e;
	uint32_t h;

	if (normalise(name, key) < 0)
		return 0;
	h = hash_key(key, rrtype);
	pthread_mutex_lock(&c->lock);
	if ((e = find(c, key, rrtype, h)) != NULL && now >= e->expires) {
		unlink_entry(c, e);
		e = NULL;
	}
	if (e == NULL) {
		pthread_mutex_unlock(&c->lock);
		return 0;
	}
	if (c->head != e) { /* most recently used first */
		e->prev->next = e->next;
		if (e->next != NULL)
			e->next->prev = e->prev;
		else
			c->tail = e->prev;
		push_front(c, e);
	}
	memset(r, 0, sizeof(*r));
	r->status = e->status;
	r->rcode = e->rcode;
	r->secure = e->secure;
	/*
	 * Like an answer from the resolver, a negative one holds nothing
	 * (callers free only results with data): no reference for it.
	 */
	if (e->status == MX6_DNS_OK) {
		__atomic_add_fetch(&e->refs, 1, __ATOMIC_RELAXED);
		r->count = e->count;
		r->rr = e->rr;
		r->rrlen = e->rrlen;
		r->priv = e;
		r->priv_kind = MX6_DNS_PRIV_CACHE;
	}
	pthread_mutex_unlock(&c->lock);
	return 1;
}

size_t mx6_dnscache_count(struct mx6_dnscache *c)
{
	size_t n;

	pthread_mutex_lock(&c->lock);
	n = c->count;
	pthread_mutex_unlock(&c->lock);
	return n;
}
