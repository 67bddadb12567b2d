/*
 * NAME
 *	store 3h
 * SUMMARY
 *	learned state: IPv4 history of domains, learned addressbooks
 * SYNOPSIS
 *	#include "store.h"
 * DESCRIPTION
 *	A store is chosen by URL at configuration time:
 *	"lmdb:PATH"  an LMDB environment in directory PATH (one host;
 *	             created if missing; safe with many threads, one writer
 *	             at a time; survives a crash without corruption);
 *	"redis://HOST:PORT/DB[?password=SECRET]"  a Redis server shared by
 *	             several MX hosts (hiredis; TLS is not supported).
 *	Backends sit behind a small table of operations (struct
 *	mx6_store_ops, store-private), like OpenSMTPD's table backends.
 *
 *	Keys are versioned and documented in milter.conf(5):
 *	"mx6:v1:history:DOMAIN"         count, first-seen, last-seen (unix s)
 *	"mx6:v1:ab:USER:CORRESPONDENT"  last-seen (unix s)
 *	DOMAIN, USER and CORRESPONDENT are lower case.
 *
 *	mx6_store_open() returns a store or NULL with a message in err_r.
 *	An unreachable Redis server is not an error at open (it may come
 *	back): operations then fail until it answers. mx6_store_close()
 *	closes and sets *store NULL.
 *
 *	Every operation returns -1 when the store is unavailable (Redis down
 *	or slow beyond its timeout, LMDB full or failing); the caller treats
 *	that as "no signal" and mail keeps flowing. The store logs such a
 *	failure at most once a minute, and once when it works again.
 *
 *	mx6_store_history_add() counts one authenticated message for DOMAIN
 *	at time NOW (first-seen set on the first one, last-seen updated);
 *	returns 0 or -1. mx6_store_history_get() returns 1 with *h filled,
 *	0 when DOMAIN is unknown (or its last-seen is older than max_age
 *	seconds, when max_age > 0: expired entries count as unknown), -1.
 *	mx6_store_addressbook_add() records CORRESPONDENT in USER's learned
 *	addressbook at NOW; returns 0 or -1. mx6_store_addressbook_has()
 *	returns 1 when USER's learned addressbook has CORRESPONDENT (not
 *	older than max_age seconds when max_age > 0), 0 when not, -1.
 *	mx6_store_addressbook_list() calls FN for each correspondent of USER
 *	with its last-seen time; returns the count, or -1.
 *
 *	mx6_store_export() writes every entry as one text line
 *	"KEY VALUE" (VALUE as stored: "COUNT FIRST LAST" for history,
 *	"LAST" for addressbook entries) to FP; returns the number of lines
 *	or -1. mx6_store_import() reads such lines and stores them (existing
 *	entries are replaced); returns the number imported, or -1 with
 *	"LINE: message" in err_r. Together they back up a store and migrate
 *	it from LMDB to Redis.
 *
 *	mx6_store_cache_put() keeps VALUE (printable text, at most about
 *	450 bytes) under SPACE and NAME ("mx6:v1:cache:SPACE:NAME", SPACE
 *	without ':') until EXPIRES (unix s); returns 0 or -1.
 *	mx6_store_cache_get() returns 1 with the value in buf (truncated to
 *	buflen) when it is there and not expired at NOW, 0 when not, -1.
 *	An expired entry stays until it is replaced. Export skips cache
 *	entries.
 *
 *	All operations may be called from any number of threads at once.
 */
#ifndef MX6_STORE_H
#define MX6_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct mx6_history {
	uint64_t count;
	int64_t first_seen;
	int64_t last_seen;
};

struct mx6_store;

typedef void (*mx6_store_entry_fn)(void *ctx, const char *correspondent, int64_t last_seen);

struct mx6_store *mx6_store_open(const char *url, char *err_r, size_t errlen);
void mx6_store_close(struct mx6_store **store);
const char *mx6_store_url(const struct mx6_store *store);

int mx6_store_history_add(struct mx6_store *store, const char *domain, int64_t now);
int mx6_store_history_get(struct mx6_store *store, const char *domain, int64_t now,
			  int64_t max_age, struct mx6_history *h);
int mx6_store_addressbook_add(struct mx6_store *store, const char *user,
			      const char *correspondent, int64_t now);
int mx6_store_addressbook_has(struct mx6_store *store, const char *user,
			      const char *correspondent, int64_t now, int64_t max_age);
int mx6_store_addressbook_list(struct mx6_store *store, const char *user,
			       mx6_store_entry_fn fn, void *ctx);

int mx6_store_cache_put(struct mx6_store *store, const char *space, const char *name,
			const char *value, int64_t expires);
int mx6_store_cache_get(struct mx6_store *store, const char *space, const char *name,
			int64_t now, char *buf, size_t buflen);

long mx6_store_export(struct mx6_store *store, FILE *fp);
long mx6_store_import(struct mx6_store *store, FILE *fp, char *err_r, size_t errlen);

#endif
