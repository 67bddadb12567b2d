/*
 * NAME
 *	store_impl 3h
 * SUMMARY
 *	the interface between lib/store.c and its backends
 * DESCRIPTION
 *	A backend is a small key-value adapter; lib/store.c builds the keys
 *	("mx6:v1:history:DOMAIN", "mx6:v1:ab:USER:CORRESPONDENT"), the value
 *	texts, expiry and the once-a-minute failure log on top of it.
 *
 *	Each operation returns -1 when the backend is unavailable.
 *	get(): 1 and the value (NUL-terminated, at most buflen-1 bytes) in
 *	buf, 0 if the key does not exist. put(): 0, replaces. history_incr():
 *	atomically (one transaction, or one MULTI/EXEC) adds one to the
 *	count of KEY, sets first-seen to NOW if the key is new and last-seen
 *	to NOW; the value text is "COUNT FIRST LAST"; returns 0.
 *	scan(): calls fn for every key starting with PREFIX with its value,
 *	in any order; fn returns 0 to go on, 1 to stop; scan returns 0.
 *	close(): frees the backend.
 *
 *	Constructors: mx6_store_lmdb_open(path) and
 *	mx6_store_redis_open(host, port, db, password), each NULL with a
 *	message in err_r.
 */
#ifndef MX6_STORE_IMPL_H
#define MX6_STORE_IMPL_H

#include <stddef.h>
#include <stdint.h>

typedef int (*mx6_store_scan_fn)(void *ctx, const char *key, const char *value);

struct mx6_store_backend;

struct mx6_store_ops {
	int (*get)(struct mx6_store_backend *b, const char *key, char *buf, size_t buflen);
	int (*put)(struct mx6_store_backend *b, const char *key, const char *value);
	int (*history_incr)(struct mx6_store_backend *b, const char *key, int64_t now);
	int (*scan)(struct mx6_store_backend *b, const char *prefix, mx6_store_scan_fn fn,
		    void *ctx);
	void (*close)(struct mx6_store_backend *b);
};

struct mx6_store_backend {
	const struct mx6_store_ops *ops;
};

struct mx6_store_backend *mx6_store_lmdb_open(const char *path, char *err_r, size_t errlen);
struct mx6_store_backend *mx6_store_redis_open(const char *host, unsigned port, unsigned db,
					       const char *password, char *err_r,
					       size_t errlen);

#endif
