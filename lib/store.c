/*
 * NAME
 *	store 3
 * SUMMARY
 *	learned state: URL, keys, value texts, expiry, failure log
 * SYNOPSIS
 *	See store.h.
 * DESCRIPTION
 *	Everything that both backends share lives here, so that LMDB and
 *	Redis hold byte-identical keys and values and an export of one
 *	imports into the other.
 *
 *	Keys. DOMAIN, USER and CORRESPONDENT are lower-cased (ASCII) and
 *	must be non-empty, free of spaces, control characters and DEL (an
 *	export line is "KEY VALUE"); USER and DOMAIN must not contain ':',
 *	so that the prefix "mx6:v1:ab:USER:" lists USER's entries and no
 *	other user's. Bytes from 0x80 up (SMTPUTF8 addresses) pass as they
 *	are. A whole key is at most MAX_KEY bytes, LMDB's built-in key limit,
 *	so that every key fits either backend. A key that breaks these rules
 *	never reaches the backend: mx6_store_history_add() and
 *	mx6_store_addressbook_add() return -1 (nothing to learn; the store
 *	itself is fine, so nothing is logged), mx6_store_history_get() and
 *	mx6_store_addressbook_has() return 0 (unknown) and
 *	mx6_store_addressbook_list() returns 0 (no entries).
 *
 *	Values. History is "COUNT FIRST LAST" (decimal, COUNT >= 1, times
 *	unix seconds >= 0); an addressbook entry is "LAST". A NOW below 0
 *	is refused like a bad key. A stored value that does not parse counts
 *	as an unknown key and is logged.
 *
 *	URLs. "lmdb:PATH" takes PATH as given (a relative PATH is relative
 *	to the working directory at open). "redis://HOST[:PORT][/DB]
 *	[?password=SECRET]": HOST a name, an IPv4 address or "[IPv6]", PORT
 *	6379 and DB 0 by default, SECRET percent-encoded where needed.
 *	Anything else, "rediss://" (TLS) and credentials before the host
 *	included, is refused with a message that starts with the URL.
 *
 *	Export writes only entries that import accepts (other entries, such
 *	as keys of a later version, are skipped and counted in one warning),
 *	so an export always imports. Import skips blank lines and lines that
 *	start with '#', lower-cases keys, and stops at the first bad line:
 *	the lines before it are stored. Import replaces, so running it again
 *	after fixing the line is safe.
 *
 *	The redis:// URL's password never appears in mx6_store_url(), in
 *	logs or in error messages: it reads "?password=*" (and "*@" in place of
 *	credentials before the host).
 * DIAGNOSTICS
 *	When a backend operation fails, mx6_msg_warn() says "state store URL
 *	unavailable: learning paused, history counts as no signal", at most
 *	once a minute per store; the first operation that succeeds after
 *	such a warning logs "state store URL available again" with
 *	mx6_msg_info(). A store that fails and recovers over and over (an
 *	LMDB map that is full answers reads but not writes) thus logs at
 *	most two lines a minute.
 */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "log.h"
#include "metrics.h"
#include "store.h"
#include "store_impl.h"
#include "util.h"

#define KEY_PREFIX     "mx6:v1:"
#define HISTORY_PREFIX "mx6:v1:history:"
#define AB_PREFIX      "mx6:v1:ab:"
#define CACHE_PREFIX   "mx6:v1:cache:"
/* "EXPIRES VALUE" of a cache entry. */
#define MAX_CACHE_VALUE 480

/* LMDB's compiled-in limit (mdb_env_get_maxkeysize()); Redis allows more. */
#define MAX_KEY 511
/* "COUNT FIRST LAST": three 20-digit numbers and two spaces fit. */
#define MAX_VALUE 64
#define MAX_LINE  (MAX_KEY + 1 + MAX_VALUE)

#define WARN_INTERVAL_S 60

#define REDIS_DEFAULT_PORT 6379

struct mx6_store {
	char *url; /* as given, password replaced by "*" */
	struct mx6_store_backend *backend;
	pthread_mutex_t log_lock;
	/* A warning was logged and no operation has succeeded since. */
	atomic_int warned;
	int ever_warned;	      /* under log_lock */
	struct timespec last_warning; /* under log_lock; CLOCK_MONOTONIC */
};

/*
 * The failure log. The common case, a working store, costs one atomic
 * load; the lock is taken only while something is wrong.
 */
static void note_failure(struct mx6_store *store)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&store->log_lock);
	if (!store->ever_warned ||
	    now.tv_sec - store->last_warning.tv_sec >= WARN_INTERVAL_S) {
		mx6_msg_warn(
			"state store %s unavailable: learning paused, history counts "
			"as no signal",
			store->url);
		store->ever_warned = 1;
		store->last_warning = now;
		atomic_store(&store->warned, 1);
	}
	pthread_mutex_unlock(&store->log_lock);
}

static void note_success(struct mx6_store *store)
{
	if (!atomic_load_explicit(&store->warned, memory_order_relaxed))
		return;
	pthread_mutex_lock(&store->log_lock);
	if (atomic_exchange(&store->warned, 0))
		mx6_msg_info("state store %s available again", store->url);
	pthread_mutex_unlock(&store->log_lock);
}

static int checked(struct mx6_store *store, int status)
{
	if (status < 0) {
		mx6_metrics_store_error();
		note_failure(store);
	} else
		note_success(store);
	return status;
}

/* Keys */

static int key_byte_ok(unsigned char c)
{
	return c > 0x20 && c != 0x7f;
}

/* 1 when PART may be a key component (see DESCRIPTION), else 0. */
static int key_part_ok(const char *part, size_t len, int colon_ok)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)part[i];

		if (!key_byte_ok(c) || (c == ':' && !colon_ok))
			return 0;
	}
	return 1;
}

static void lower_ascii(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/*
 * Builds PREFIX FIRST [":" SECOND] in key (MAX_KEY + 1 bytes), lower
 * case; returns 0, or -1 when a part is invalid or the key too long.
 */
static int make_key(char *key, const char *prefix, const char *first, const char *second)
{
	int n;

	if (first == NULL || !key_part_ok(first, strlen(first), 0))
		return -1;
	if (second != NULL && !key_part_ok(second, strlen(second), 1))
		return -1;
	if (second != NULL)
		n = snprintf(key, MAX_KEY + 1, "%s%s:%s", prefix, first, second);
	else
		n = snprintf(key, MAX_KEY + 1, "%s%s", prefix, first);
	if (n < 0 || n > MAX_KEY)
		return -1;
	lower_ascii(key);
	return 0;
}

/* Values */

/* A decimal number without sign or spaces; returns the end, or NULL. */
static const char *parse_decimal(const char *s, uint64_t max, uint64_t *value_r)
{
	uint64_t v = 0;
	const char *p;

	for (p = s; *p >= '0' && *p <= '9'; p++) {
		unsigned digit = (unsigned)(*p - '0');

		if (v > (max - digit) / 10)
			return NULL;
		v = v * 10 + digit;
	}
	if (p == s)
		return NULL;
	*value_r = v;
	return p;
}

static int parse_history(const char *value, struct mx6_history *h)
{
	uint64_t count, first, last;
	const char *p = value;

	if ((p = parse_decimal(p, UINT64_MAX, &count)) == NULL || *p++ != ' ' ||
	    (p = parse_decimal(p, INT64_MAX, &first)) == NULL || *p++ != ' ' ||
	    (p = parse_decimal(p, INT64_MAX, &last)) == NULL || *p != '\0' || count == 0)
		return -1;
	h->count = count;
	h->first_seen = (int64_t)first;
	h->last_seen = (int64_t)last;
	return 0;
}

static int parse_last_seen(const char *value, int64_t *last_r)
{
	uint64_t last;
	const char *p = parse_decimal(value, INT64_MAX, &last);

	if (p == NULL || *p != '\0')
		return -1;
	*last_r = (int64_t)last;
	return 0;
}

static int expired(int64_t last_seen, int64_t now, int64_t max_age)
{
	/* last_seen >= 0 (parse_decimal), so the difference fits. */
	return max_age > 0 && now > last_seen &&
	       (uint64_t)now - (uint64_t)last_seen > (uint64_t)max_age;
}

static void warn_malformed(const struct mx6_store *store, const char *key,
			   const char *value)
{
	char pkey[MAX_KEY + 1], pvalue[MAX_VALUE + 1];

	mx6_msg_warn("state store %s: %s: malformed value '%s', ignored", store->url,
		     mx6_printable(pkey, sizeof(pkey), key),
		     mx6_printable(pvalue, sizeof(pvalue), value));
}

/*
 * Checks one "KEY VALUE" entry as import takes it (KEY lower case);
 * returns 0, or -1 with a message in err_r.
 */
static int entry_valid(const char *key, const char *value, char *err_r, size_t errlen)
{
	char pkey[MAX_KEY + 1], pvalue[MAX_VALUE + 1];
	struct mx6_history h;
	int64_t last;

	mx6_printable(pkey, sizeof(pkey), key);
	mx6_printable(pvalue, sizeof(pvalue), value);
	if (strlen(key) > MAX_KEY) {
		snprintf(err_r, errlen, "key longer than %d bytes", MAX_KEY);
		return -1;
	}
	if (strncmp(key, HISTORY_PREFIX, strlen(HISTORY_PREFIX)) == 0) {
		const char *domain = key + strlen(HISTORY_PREFIX);

		if (!key_part_ok(domain, strlen(domain), 0)) {
			snprintf(err_r, errlen, "invalid domain in key '%s'", pkey);
			return -1;
		}
		if (parse_history(value, &h) < 0) {
			snprintf(
				err_r, errlen,
				"%s: value '%s' is not \"COUNT FIRST LAST\" (COUNT >= 1)",
				pkey, pvalue);
			return -1;
		}
		return 0;
	}
	if (strncmp(key, AB_PREFIX, strlen(AB_PREFIX)) == 0) {
		const char *user = key + strlen(AB_PREFIX);
		const char *colon = strchr(user, ':');

		if (colon == NULL || !key_part_ok(user, (size_t)(colon - user), 0) ||
		    !key_part_ok(colon + 1, strlen(colon + 1), 1)) {
			snprintf(err_r, errlen,
				 "key '%s' is not \"" AB_PREFIX "USER:CORRESPONDENT\"",
				 pkey);
			return -1;
		}
		if (parse_last_seen(value, &last) < 0) {
			snprintf(err_r, errlen,
				 "%s: value '%s' is not a time in unix seconds", pkey,
				 pvalue);
			return -1;
		}
		return 0;
	}
	snprintf(err_r, errlen,
		 "unknown key '%s' (expected " HISTORY_PREFIX "DOMAIN or " AB_PREFIX
		 "USER:CORRESPONDENT)",
		 pkey);
	return -1;
}

/* URLs */

/*
 * URL with the value of a password parameter, and credentials before
 * the host (which parse_redis_url() refuses), replaced by "*" (malloc'd).
 */
static char *redact(const char *url)
{
	const char *authority, *at, *pw, *end;
	char *out, *again;

	if (strncmp(url, "redis://", 8) == 0)
		authority = url + 8;
	else if (strncmp(url, "rediss://", 9) == 0)
		authority = url + 9;
	else
		return strdup(url);
	at = authority + strcspn(authority, "/?");
	while (at > authority && at[-1] != '@')
		at--;
	if (at > authority) {
		if (asprintf(&out, "%.*s*@%s", (int)(authority - url), url, at) < 0)
			return NULL;
	} else if ((out = strdup(url)) == NULL) {
		return NULL;
	}
	if ((pw = strstr(out, "password=")) == NULL)
		return out;
	pw += strlen("password=");
	end = pw + strcspn(pw, "&");
	if (asprintf(&again, "%.*s*%s", (int)(pw - out), out, end) < 0)
		again = NULL;
	free(out);
	return again;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Percent-decodes LEN bytes of S (malloc'd); NULL when malformed. */
static char *percent_decode(const char *s, size_t len)
{
	char *out = malloc(len + 1), *o = out;
	size_t i;

	if (out == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		if (s[i] != '%') {
			*o++ = s[i];
			continue;
		}
		if (i + 2 >= len || hex_value(s[i + 1]) < 0 || hex_value(s[i + 2]) < 0 ||
		    (hex_value(s[i + 1]) == 0 && hex_value(s[i + 2]) == 0)) {
			free(out);
			return NULL;
		}
		*o++ = (char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
		i += 2;
	}
	*o = '\0';
	return out;
}

static int host_byte_ok(unsigned char c, int bracketed)
{
	return isalnum(c) || c == '.' || c == '-' || c == '_' || (bracketed && c == ':');
}

struct redis_url {
	char host[256];
	unsigned port;
	unsigned db;
	char *password;
};

/*
 * "redis://HOST[:PORT][/DB][?password=SECRET]", HOST a name, an IPv4
 * address or "[IPv6]"; PORT defaults to 6379, DB to 0. Returns 0, or -1
 * with the reason (without the URL) in err_r.
 */
static int parse_redis_url(const char *url, struct redis_url *r, char *err_r,
			   size_t errlen)
{
	const char *p = url + strlen("redis://"), *host, *end;
	int bracketed = *p == '[';
	uint64_t v;
	size_t len;

	memset(r, 0, sizeof(*r));
	r->port = REDIS_DEFAULT_PORT;
	if (memchr(p, '@', strcspn(p, "/?")) != NULL) {
		snprintf(err_r, errlen,
			 "credentials before the host are not supported: use "
			 "?password=SECRET");
		return -1;
	}
	host = p + bracketed;
	for (end = host; *end != '\0' && host_byte_ok((unsigned char)*end, bracketed);
	     end++)
		;
	len = (size_t)(end - host);
	if (bracketed && *end++ != ']') {
		snprintf(err_r, errlen, "IPv6 address without closing ']'");
		return -1;
	}
	if (len == 0 || len >= sizeof(r->host)) {
		snprintf(err_r, errlen, "missing or invalid host");
		return -1;
	}
	memcpy(r->host, host, len);
	r->host[len] = '\0';
	p = end;
	if (*p == ':') {
		if ((p = parse_decimal(p + 1, 65535, &v)) == NULL || v == 0) {
			snprintf(err_r, errlen, "invalid port");
			return -1;
		}
		r->port = (unsigned)v;
	}
	if (*p == '/' && p[1] != '\0' && p[1] != '?') {
		if ((p = parse_decimal(p + 1, INT32_MAX, &v)) == NULL) {
			snprintf(err_r, errlen, "invalid database number");
			return -1;
		}
		r->db = (unsigned)v;
	} else if (*p == '/') {
		p++;
	}
	if (*p == '?') {
		for (p++; *p != '\0'; p += *p == '&') {
			len = strcspn(p, "&");
			if (strncmp(p, "password=", 9) != 0 || r->password != NULL) {
				snprintf(err_r, errlen,
					 "unknown or repeated parameter '%.*s'",
					 (int)strcspn(p, "&="), p);
				goto fail;
			}
			if (len == 9) {
				snprintf(err_r, errlen, "empty password");
				goto fail;
			}
			if ((r->password = percent_decode(p + 9, len - 9)) == NULL) {
				snprintf(err_r, errlen, "invalid password encoding");
				goto fail;
			}
			p += len;
		}
	} else if (*p != '\0') {
		snprintf(err_r, errlen, "unexpected '%c'", *p);
		goto fail;
	}
	return 0;
fail:
	free(r->password);
	r->password = NULL;
	return -1;
}

struct mx6_store *mx6_store_open(const char *url, char *err_r, size_t errlen)
{
	struct mx6_store *store = calloc(1, sizeof(*store));
	struct redis_url r;
	char why[256];

	if (store == NULL || (store->url = redact(url)) == NULL) {
		snprintf(err_r, errlen, "%s: out of memory", url);
		goto fail;
	}
	if (pthread_mutex_init(&store->log_lock, NULL) != 0) {
		snprintf(err_r, errlen, "%s: out of memory", store->url);
		free(store->url);
		free(store);
		return NULL;
	}
	if (strncmp(url, "lmdb:", 5) == 0) {
		if (url[5] == '\0') {
			snprintf(err_r, errlen, "%s: missing directory after lmdb:", url);
			goto fail_locked;
		}
		store->backend = mx6_store_lmdb_open(url + 5, err_r, errlen);
	} else if (strncmp(url, "redis://", 8) == 0) {
		if (parse_redis_url(url, &r, why, sizeof(why)) < 0) {
			snprintf(err_r, errlen, "%s: %s", store->url, why);
			goto fail_locked;
		}
		store->backend = mx6_store_redis_open(r.host, r.port, r.db, r.password,
						      err_r, errlen);
		if (r.password != NULL) {
			memset(r.password, 0, strlen(r.password));
			free(r.password);
		}
	} else if (strncmp(url, "rediss://", 9) == 0) {
		snprintf(err_r, errlen, "%s: TLS (rediss://) is not supported",
			 store->url);
	} else {
		snprintf(err_r, errlen,
			 "%s: unknown state store (expected lmdb:PATH or "
			 "redis://HOST:PORT/DB)",
			 store->url);
	}
	if (store->backend != NULL)
		return store;
fail_locked:
	pthread_mutex_destroy(&store->log_lock);
fail:
	if (store != NULL)
		free(store->url);
	free(store);
	return NULL;
}

void mx6_store_close(struct mx6_store **store)
{
	struct mx6_store *s = *store;

	if (s == NULL)
		return;
	s->backend->ops->close(s->backend);
	pthread_mutex_destroy(&s->log_lock);
	free(s->url);
	free(s);
	*store = NULL;
}

const char *mx6_store_url(const struct mx6_store *store)
{
	return store->url;
}

/* Operations */

static int get(struct mx6_store *store, const char *key, char *value, size_t size)
{
	return checked(store, store->backend->ops->get(store->backend, key, value, size));
}

int mx6_store_history_add(struct mx6_store *store, const char *domain, int64_t now)
{
	char key[MAX_KEY + 1];

	if (make_key(key, HISTORY_PREFIX, domain, NULL) < 0 || now < 0)
		return -1;
	return checked(store,
		       store->backend->ops->history_incr(store->backend, key, now));
}

int mx6_store_history_get(struct mx6_store *store, const char *domain, int64_t now,
			  int64_t max_age, struct mx6_history *h)
{
	char key[MAX_KEY + 1], value[MAX_VALUE + 1];
	struct mx6_history found;
	int status;

	if (make_key(key, HISTORY_PREFIX, domain, NULL) < 0)
		return 0;
	if ((status = get(store, key, value, sizeof(value))) <= 0)
		return status;
	if (parse_history(value, &found) < 0) {
		warn_malformed(store, key, value);
		return 0;
	}
	if (expired(found.last_seen, now, max_age))
		return 0;
	*h = found;
	return 1;
}

int mx6_store_addressbook_add(struct mx6_store *store, const char *user,
			      const char *correspondent, int64_t now)
{
	char key[MAX_KEY + 1], value[MAX_VALUE + 1];

	if (make_key(key, AB_PREFIX, user, correspondent) < 0 || now < 0)
		return -1;
	snprintf(value, sizeof(value), "%lld", (long long)now);
	return checked(store, store->backend->ops->put(store->backend, key, value));
}

int mx6_store_addressbook_has(struct mx6_store *store, const char *user,
			      const char *correspondent, int64_t now, int64_t max_age)
{
	char key[MAX_KEY + 1], value[MAX_VALUE + 1];
	int64_t last_seen;
	int status;

	if (make_key(key, AB_PREFIX, user, correspondent) < 0)
		return 0;
	if ((status = get(store, key, value, sizeof(value))) <= 0)
		return status;
	if (parse_last_seen(value, &last_seen) < 0) {
		warn_malformed(store, key, value);
		return 0;
	}
	return expired(last_seen, now, max_age) ? 0 : 1;
}

int mx6_store_cache_put(struct mx6_store *store, const char *space, const char *name,
			const char *value, int64_t expires)
{
	char key[MAX_KEY + 1], text[MAX_CACHE_VALUE + 1];
	int n;

	if (make_key(key, CACHE_PREFIX, space, name) < 0 || expires < 0)
		return -1;
	n = snprintf(text, sizeof(text), "%lld %s", (long long)expires, value);
	if (n < 0 || (size_t)n >= sizeof(text))
		return -1;
	return checked(store, store->backend->ops->put(store->backend, key, text));
}

int mx6_store_cache_get(struct mx6_store *store, const char *space, const char *name,
			int64_t now, char *buf, size_t buflen)
{
	char key[MAX_KEY + 1], text[MAX_CACHE_VALUE + 1];
	uint64_t expires;
	const char *p;
	int status;

	if (make_key(key, CACHE_PREFIX, space, name) < 0)
		return 0;
	if ((status = get(store, key, text, sizeof(text))) <= 0)
		return status;
	if ((p = parse_decimal(text, INT64_MAX, &expires)) == NULL || *p != ' ') {
		warn_malformed(store, key, text);
		return 0;
	}
	if ((int64_t)expires <= now)
		return 0;
	mx6_strlcpy(buf, p + 1, buflen);
	return 1;
}

struct list_ctx {
	struct mx6_store *store;
	size_t prefix_len;
	mx6_store_entry_fn fn;
	void *ctx;
	int count;
};

static int list_entry(void *ctx, const char *key, const char *value)
{
	struct list_ctx *lc = ctx;
	int64_t last_seen;

	if (parse_last_seen(value, &last_seen) < 0) {
		warn_malformed(lc->store, key, value);
		return 0;
	}
	lc->fn(lc->ctx, key + lc->prefix_len, last_seen);
	lc->count++;
	return 0;
}

int mx6_store_addressbook_list(struct mx6_store *store, const char *user,
			       mx6_store_entry_fn fn, void *ctx)
{
	char prefix[MAX_KEY + 1];
	struct list_ctx lc = {store, 0, fn, ctx, 0};

	/* "USER:" with an empty correspondent would not be a valid key. */
	if (make_key(prefix, AB_PREFIX, user, NULL) < 0 || strlen(prefix) + 1 > MAX_KEY)
		return 0;
	strcat(prefix, ":");
	lc.prefix_len = strlen(prefix);
	if (checked(store, store->backend->ops->scan(store->backend, prefix, list_entry,
						     &lc)) < 0)
		return -1;
	return lc.count;
}

struct export_ctx {
	FILE *fp;
	long lines;
	long skipped;
	int write_failed;
};

static int export_entry(void *ctx, const char *key, const char *value)
{
	struct export_ctx *ec = ctx;
	char err[MAX_LINE + 128];

	/* A cache is rebuilt by itself: not worth a backup or a migration. */
	if (strncmp(key, CACHE_PREFIX, strlen(CACHE_PREFIX)) == 0)
		return 0;

	if (entry_valid(key, value, err, sizeof(err)) < 0) {
		ec->skipped++;
		return 0;
	}
	if (fprintf(ec->fp, "%s %s\n", key, value) < 0) {
		ec->write_failed = 1;
		return 1;
	}
	ec->lines++;
	return 0;
}

long mx6_store_export(struct mx6_store *store, FILE *fp)
{
	struct export_ctx ec = {fp, 0, 0, 0};

	if (checked(store, store->backend->ops->scan(store->backend, KEY_PREFIX,
						     export_entry, &ec)) < 0)
		return -1;
	if (ec.skipped > 0)
		mx6_msg_warn(
			"state store %s: export skipped %ld entries that are neither "
			"history nor addressbook entries of this version",
			store->url, ec.skipped);
	if (ec.write_failed || fflush(fp) != 0 || ferror(fp))
		return -1;
	return ec.lines;
}

long mx6_store_import(struct mx6_store *store, FILE *fp, char *err_r, size_t errlen)
{
	char *line = NULL, *value, *space;
	char why[MAX_LINE + 128];
	size_t cap = 0;
	unsigned long lineno = 0;
	long imported = 0;
	ssize_t len;

	errno = 0;
	while ((len = getline(&line, &cap, fp)) >= 0) {
		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		if (len > MAX_LINE) {
			snprintf(err_r, errlen, "%lu: line longer than %d bytes", lineno,
				 MAX_LINE);
			goto fail;
		}
		if ((space = strchr(line, ' ')) == NULL) {
			snprintf(err_r, errlen, "%lu: expected \"KEY VALUE\"", lineno);
			goto fail;
		}
		*space = '\0';
		value = space + 1;
		lower_ascii(line);
		if (entry_valid(line, value, why, sizeof(why)) < 0) {
			snprintf(err_r, errlen, "%lu: %s", lineno, why);
			goto fail;
		}
		if (checked(store,
			    store->backend->ops->put(store->backend, line, value)) < 0) {
			snprintf(err_r, errlen, "%lu: state store %s unavailable", lineno,
				 store->url);
			goto fail;
		}
		imported++;
	}
	if (ferror(fp)) {
		snprintf(err_r, errlen, "%lu: read error: %s", lineno + 1,
			 strerror(errno != 0 ? errno : EIO));
		goto fail;
	}
	free(line);
	return imported;
fail:
	free(line);
	return -1;
}
