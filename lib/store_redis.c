/*
 * NAME
 *	store_redis 3
 * SUMMARY
 *	the Redis backend of the state store (hiredis)
 * SYNOPSIS
 *	See store_impl.h.
 * DESCRIPTION
 *	Every operation is one command (or one SCAN/MGET round per batch)
 *	on a connection borrowed from a small pool. A connection is made
 *	when the pool has none idle, with a connect and a command timeout
 *	of REDIS_TIMEOUT_MS each, then AUTH (with a password) and SELECT
 *	(for a database other than 0). The pool keeps at most
 *	REDIS_POOL_IDLE idle connections; a burst of more concurrent
 *	operations makes extra connections that are closed after use, so
 *	no thread ever waits for another one's slow command.
 *
 *	Faults: a connection that fails (I/O error or time-out) is freed,
 *	never reused. When it is an idle connection found closed by the
 *	server (EOF, reset: the server restarted or dropped idle clients),
 *	the other idle ones are dropped too and the command is tried once
 *	more on a fresh connection. Any other failure marks the server down:
 *	the idle connections are dropped, and for REDIS_RETRY_MS after the
 *	last failure operations return -1 at once without touching the
 *	network; then one thread at a time tries to connect again (the
 *	others still fail at once), so a dead or hung server costs about
 *	one time-out per operation at most and is not hammered, and the
 *	store resumes by itself when the server answers again.
 *
 *	Redis error replies (wrong type, NOAUTH, ...) fail that operation
 *	but keep the connection.
 *
 *	mx6_store_redis_open() makes the first connection at once (and
 *	sends PING): when the server answers but refuses AUTH, SELECT or
 *	PING (wrong or missing password, no such database) the open fails
 *	with the server's message; when it does not answer the open
 *	succeeds and operations fail until it does.
 *
 *	history_incr() is one Lua script (EVAL), atomic for any number of
 *	clients and hosts; the value is the same text as in LMDB, "COUNT
 *	FIRST LAST", so export and import are backend-neutral (a value that
 *	does not parse counts as a new entry). scan() walks the key space
 *	with SCAN MATCH PREFIX* COUNT 1000 and fetches each batch with
 *	MGET; keys deleted meanwhile are skipped, and Redis may return a key
 *	twice if the key space is resized during the walk.
 *
 *	hiredis writes with write(2): a server that closes the connection
 *	may raise SIGPIPE. Each operation blocks SIGPIPE in the calling
 *	thread and discards one it raised, so the process needs no
 *	SIGPIPE handling of its own.
 */
#include "autoconf.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "store_impl.h"

#define REDIS_TIMEOUT_MS 1000 /* connect, and each command */
#define REDIS_RETRY_MS	 1000 /* no new connection this soon after a failure */
#define REDIS_POOL_IDLE	 16   /* idle connections kept */
#define REDIS_SCAN_COUNT "1000"

struct redis_backend {
	struct mx6_store_backend base;
	char *host;
	unsigned port;
	unsigned db;
	char *password;

	pthread_mutex_t lock;
	redisContext *idle[REDIS_POOL_IDLE];
	size_t nidle;
	int down;	      /* the last connection attempt or command failed */
	int probing;	      /* a thread is trying to connect while down */
	int64_t last_failure; /* monotonic ms */
};

/*
 * count = count + 1 (1 when new or unparsable), first kept (NOW when
 * new), last = NOW.
 */
static const char history_script[] =
	"local v = redis.call('GET', KEYS[1])\n"
	"if v then\n"
	"  local c, f = string.match(v, '^(%d+) (%-?%d+) %-?%d+$')\n"
	"  if c then\n"
	"    return redis.call('SET', KEYS[1],\n"
	"      string.format('%d', tonumber(c) + 1) .. ' ' .. f .. ' ' .. ARGV[1])\n"
	"  end\n"
	"end\n"
	"return redis.call('SET', KEYS[1], '1 ' .. ARGV[1] .. ' ' .. ARGV[1])\n";

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct timeval timeout_tv(void)
{
	struct timeval tv;

	tv.tv_sec = REDIS_TIMEOUT_MS / 1000;
	tv.tv_usec = (REDIS_TIMEOUT_MS % 1000) * 1000;
	return tv;
}

/*
 * Connects, sets the command time-out, authenticates and selects the
 * database. On failure returns NULL with a message in err_r and *refused
 * set when the server answered with an error (AUTH or SELECT refused)
 * rather than not answering.
 */
static redisContext *redis_connect(struct redis_backend *b, int *refused, char *err_r,
				   size_t errlen)
{
	struct timeval tv = timeout_tv();
	redisContext *c;
	redisReply *r;

	*refused = 0;
	c = redisConnectWithTimeout(b->host, (int)b->port, tv);
	if (c == NULL) {
		snprintf(err_r, errlen, "out of memory");
		return NULL;
	}
	if (c->err != 0) {
		snprintf(err_r, errlen, "connect: %s", c->errstr);
		goto fail;
	}
	if (redisSetTimeout(c, tv) != REDIS_OK) {
		snprintf(err_r, errlen, "cannot set the time-out: %s", c->errstr);
		goto fail;
	}
	if (b->password != NULL && b->password[0] != '\0') {
		const char *argv[2] = {"AUTH", b->password};

		r = redisCommandArgv(c, 2, argv, NULL);
		if (r == NULL) {
			snprintf(err_r, errlen, "AUTH: %s", c->errstr);
			goto fail;
		}
		if (r->type == REDIS_REPLY_ERROR) {
			snprintf(err_r, errlen, "AUTH: %s", r->str);
			*refused = 1;
			freeReplyObject(r);
			goto fail;
		}
		freeReplyObject(r);
	}
	if (b->db != 0) {
		char db[16];
		const char *argv[2] = {"SELECT", db};

		snprintf(db, sizeof(db), "%u", b->db);
		r = redisCommandArgv(c, 2, argv, NULL);
		if (r == NULL) {
			snprintf(err_r, errlen, "SELECT %s: %s", db, c->errstr);
			goto fail;
		}
		if (r->type == REDIS_REPLY_ERROR) {
			snprintf(err_r, errlen, "SELECT %s: %s", db, r->str);
			*refused = 1;
			freeReplyObject(r);
			goto fail;
		}
		freeReplyObject(r);
	}
	return c;
fail:
	redisFree(c);
	return NULL;
}

/* Takes the idle connections out of the pool; the caller frees them. */
static size_t drain_locked(struct redis_backend *b, redisContext **out)
{
	size_t n = b->nidle;

	memcpy(out, b->idle, n * sizeof(*out));
	b->nidle = 0;
	return n;
}

static void free_all(redisContext **cs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		redisFree(cs[i]);
}

/*
 * An idle connection (*reused = 1) or a new one; NULL when the server is
 * down and it is too soon (or another thread is already trying).
 */
static redisContext *acquire(struct redis_backend *b, int *reused)
{
	redisContext *c = NULL;
	char err[256];
	int probe, refused;

	*reused = 0;
	pthread_mutex_lock(&b->lock);
	if (b->nidle > 0) {
		c = b->idle[--b->nidle];
		pthread_mutex_unlock(&b->lock);
		*reused = 1;
		return c;
	}
	probe = b->down;
	if (probe && (b->probing || monotonic_ms() - b->last_failure < REDIS_RETRY_MS)) {
		pthread_mutex_unlock(&b->lock);
		return NULL;
	}
	if (probe)
		b->probing = 1;
	pthread_mutex_unlock(&b->lock);

	c = redis_connect(b, &refused, err, sizeof(err));

	pthread_mutex_lock(&b->lock);
	if (probe)
		b->probing = 0;
	if (c == NULL) {
		b->down = 1;
		b->last_failure = monotonic_ms();
	} else {
		b->down = 0;
	}
	pthread_mutex_unlock(&b->lock);
	return c;
}

static void release(struct redis_backend *b, redisContext *c)
{
	pthread_mutex_lock(&b->lock);
	b->down = 0; /* it answered */
	if (b->nidle < REDIS_POOL_IDLE) {
		b->idle[b->nidle++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&b->lock);
	if (c != NULL)
		redisFree(c);
}

/*
 * Frees a failed connection and the idle ones; marks the server down
 * unless the caller will try again at once on a fresh connection.
 */
static void discard(struct redis_backend *b, redisContext *c, int mark_down)
{
	redisContext *drained[REDIS_POOL_IDLE];
	size_t n;

	redisFree(c);
	pthread_mutex_lock(&b->lock);
	n = drain_locked(b, drained);
	if (mark_down) {
		b->down = 1;
		b->last_failure = monotonic_ms();
	}
	pthread_mutex_unlock(&b->lock);
	free_all(drained, n);
}

/*
 * Runs one command; returns its reply (the caller frees it; it may be an
 * error reply) or NULL when the server is unavailable.
 */
static redisReply *command_unguarded(struct redis_backend *b, int argc, const char **argv,
				     const size_t *argvlen)
{
	int attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		redisReply *r;
		redisContext *c;
		int reused, err, stale;

		c = acquire(b, &reused);
		if (c == NULL)
			return NULL;
		errno = 0;
		r = redisCommandArgv(c, argc, argv, argvlen);
		err = errno;
		if (r != NULL) {
			release(b, c);
			return r;
		}
		/* An idle connection the server closed: try a fresh one. */
		stale = reused && attempt == 0 &&
			(c->err == REDIS_ERR_EOF ||
			 (c->err == REDIS_ERR_IO && (err == ECONNRESET || err == EPIPE)));
		discard(b, c, !stale);
		if (!stale)
			return NULL;
	}
	return NULL;
}

/*
 * Blocks SIGPIPE in this thread; sigpipe_restore() drops one that our
 * own writes raised meanwhile and restores the signal mask.
 */
struct sigpipe_guard {
	sigset_t pipe_set, old_set;
	int was_pending;
};

static void sigpipe_block(struct sigpipe_guard *g)
{
	sigset_t pending;

	sigemptyset(&g->pipe_set);
	sigaddset(&g->pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &g->pipe_set, &g->old_set);
	sigemptyset(&pending);
	sigpending(&pending);
	g->was_pending = sigismember(&pending, SIGPIPE) == 1;
}

static void sigpipe_restore(struct sigpipe_guard *g)
{
	sigset_t pending;

	if (!g->was_pending) {
		sigemptyset(&pending);
		sigpending(&pending);
		if (sigismember(&pending, SIGPIPE) == 1) {
			struct timespec zero = {0, 0};

			while (sigtimedwait(&g->pipe_set, NULL, &zero) < 0 &&
			       errno == EINTR)
				;
		}
	}
	pthread_sigmask(SIG_SETMASK, &g->old_set, NULL);
}

static redisReply *command(struct redis_backend *b, int argc, const char **argv,
			   const size_t *argvlen)
{
	struct sigpipe_guard g;
	redisReply *r;

	sigpipe_block(&g);
	r = command_unguarded(b, argc, argv, argvlen);
	sigpipe_restore(&g);
	return r;
}

static int redis_get(struct mx6_store_backend *base, const char *key, char *buf,
		     size_t buflen)
{
	struct redis_backend *b = (struct redis_backend *)base;
	const char *argv[2] = {"GET", key};
	redisReply *r;
	int ret = -1;

	r = command(b, 2, argv, NULL);
	if (r == NULL)
		return -1;
	if (r->type == REDIS_REPLY_NIL) {
		ret = 0;
	} else if (r->type == REDIS_REPLY_STRING) {
		if (buflen > 0) {
			size_t n = r->len < buflen - 1 ? r->len : buflen - 1;

			memcpy(buf, r->str, n);
			buf[n] = '\0';
		}
		ret = 1;
	}
	freeReplyObject(r);
	return ret;
}

static int reply_is_ok(const redisReply *r)
{
	return r->type == REDIS_REPLY_STATUS && strcmp(r->str, "OK") == 0;
}

static int redis_put(struct mx6_store_backend *base, const char *key, const char *value)
{
	struct redis_backend *b = (struct redis_backend *)base;
	const char *argv[3] = {"SET", key, value};
	redisReply *r;
	int ret;

	r = command(b, 3, argv, NULL);
	if (r == NULL)
		return -1;
	ret = reply_is_ok(r) ? 0 : -1;
	freeReplyObject(r);
	return ret;
}

static int redis_history_incr(struct mx6_store_backend *base, const char *key,
			      int64_t now)
{
	struct redis_backend *b = (struct redis_backend *)base;
	char nowbuf[24];
	const char *argv[5] = {"EVAL", history_script, "1", key, nowbuf};
	redisReply *r;
	int ret;

	snprintf(nowbuf, sizeof(nowbuf), "%lld", (long long)now);
	r = command(b, 5, argv, NULL);
	if (r == NULL)
		return -1;
	ret = reply_is_ok(r) ? 0 : -1;
	freeReplyObject(r);
	return ret;
}

/* PREFIX with the glob characters escaped, then "*". */
static char *scan_pattern(const char *prefix)
{
	size_t len = strlen(prefix);
	char *pat = malloc(2 * len + 2), *p;

	if (pat == NULL)
		return NULL;
	for (p = pat; *prefix != '\0'; prefix++) {
		if (strchr("*?[]\\", *prefix) != NULL)
			*p++ = '\\';
		*p++ = *prefix;
	}
	*p++ = '*';
	*p = '\0';
	return pat;
}

/*
 * Fetches the values of the keys of one SCAN batch with MGET and calls
 * FN; returns 1 when FN asked to stop, 0 to go on, -1 on failure.
 */
static int scan_batch(struct redis_backend *b, const redisReply *keys, const char *prefix,
		      mx6_store_scan_fn fn, void *ctx)
{
	size_t n = keys->elements, i, plen = strlen(prefix);
	const char **argv;
	size_t *argvlen;
	redisReply *r;
	int ret = -1;

	if (n == 0)
		return 0;
	argv = calloc(n + 1, sizeof(*argv));
	argvlen = calloc(n + 1, sizeof(*argvlen));
	if (argv == NULL || argvlen == NULL)
		goto out;
	argv[0] = "MGET";
	argvlen[0] = 4;
	for (i = 0; i < n; i++) {
		if (keys->element[i]->type != REDIS_REPLY_STRING)
			goto out;
		argv[i + 1] = keys->element[i]->str;
		argvlen[i + 1] = keys->element[i]->len;
	}
	r = command(b, (int)(n + 1), argv, argvlen);
	if (r == NULL)
		goto out;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != n) {
		freeReplyObject(r);
		goto out;
	}
	ret = 0;
	for (i = 0; i < n && ret == 0; i++) {
		const redisReply *k = keys->element[i], *v = r->element[i];

		if (v->type != REDIS_REPLY_STRING)
			continue; /* deleted since SCAN, or not a string */
		/* Keys and values with a NUL are not ours. */
		if (strlen(k->str) != k->len || strlen(v->str) != v->len)
			continue;
		if (k->len < plen || memcmp(k->str, prefix, plen) != 0)
			continue;
		if (fn(ctx, k->str, v->str) != 0)
			ret = 1;
	}
	freeReplyObject(r);
out:
	free(argv);
	free(argvlen);
	return ret;
}

static int redis_scan(struct mx6_store_backend *base, const char *prefix,
		      mx6_store_scan_fn fn, void *ctx)
{
	struct redis_backend *b = (struct redis_backend *)base;
	char cursor[32] = "0";
	char *pattern = scan_pattern(prefix);
	int ret = -1;

	if (pattern == NULL)
		return -1;
	for (;;) {
		const char *argv[6] = {"SCAN",	cursor,	 "MATCH",
				       pattern, "COUNT", REDIS_SCAN_COUNT};
		redisReply *r = command(b, 6, argv, NULL);
		int done;

		if (r == NULL)
			break;
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
		    r->element[0]->type != REDIS_REPLY_STRING ||
		    r->element[0]->len >= sizeof(cursor) ||
		    r->element[1]->type != REDIS_REPLY_ARRAY) {
			freeReplyObject(r);
			break;
		}
		memcpy(cursor, r->element[0]->str, r->element[0]->len);
		cursor[r->element[0]->len] = '\0';
		done = scan_batch(b, r->element[1], prefix, fn, ctx);
		freeReplyObject(r);
		if (done < 0)
			break;
		if (done > 0 || strcmp(cursor, "0") == 0) {
			ret = 0;
			break;
		}
	}
	free(pattern);
	return ret;
}

static void redis_close(struct mx6_store_backend *base)
{
	struct redis_backend *b = (struct redis_backend *)base;

	if (b == NULL)
		return;
	free_all(b->idle, b->nidle);
	pthread_mutex_destroy(&b->lock);
	free(b->host);
	if (b->password != NULL) {
		memset(b->password, 0, strlen(b->password));
		free(b->password);
	}
	free(b);
}

static const struct mx6_store_ops redis_ops = {
	.get = redis_get,
	.put = redis_put,
	.history_incr = redis_history_incr,
	.scan = redis_scan,
	.close = redis_close,
};

struct mx6_store_backend *mx6_store_redis_open(const char *host, unsigned port,
					       unsigned db, const char *password,
					       char *err_r, size_t errlen)
{
	struct redis_backend *b;
	struct sigpipe_guard g;
	redisContext *c;
	char err[256];
	int refused;

	if (host == NULL || host[0] == '\0') {
		snprintf(err_r, errlen, "redis://: no host");
		return NULL;
	}
	if (port == 0 || port > 65535) {
		snprintf(err_r, errlen, "redis://%s:%u/%u: invalid port", host, port, db);
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (b == NULL) {
		snprintf(err_r, errlen, "redis://%s:%u/%u: out of memory", host, port,
			 db);
		return NULL;
	}
	b->base.ops = &redis_ops;
	b->port = port;
	b->db = db;
	b->host = strdup(host);
	b->password = password != NULL ? strdup(password) : NULL;
	if (b->host == NULL || (password != NULL && b->password == NULL) ||
	    pthread_mutex_init(&b->lock, NULL) != 0) {
		free(b->host);
		free(b->password);
		free(b);
		snprintf(err_r, errlen, "redis://%s:%u/%u: out of memory", host, port,
			 db);
		return NULL;
	}

	/*
	 * The first connection at once, to report a wrong password or
	 * database now; a server that does not answer may come back later.
	 */
	sigpipe_block(&g);
	c = redis_connect(b, &refused, err, sizeof(err));
	if (c != NULL) {
		/* Without AUTH or SELECT, PING tells whether we may talk. */
		redisReply *r = redisCommand(c, "PING");

		if (r == NULL) {
			snprintf(err, sizeof(err), "PING: %s", c->errstr);
			redisFree(c);
			c = NULL;
		} else if (r->type == REDIS_REPLY_ERROR) {
			snprintf(err, sizeof(err), "PING: %s", r->str);
			refused = 1;
			redisFree(c);
			c = NULL;
		}
		if (r != NULL)
			freeReplyObject(r);
	}
	sigpipe_restore(&g);
	if (c != NULL) {
		b->idle[b->nidle++] = c;
	} else if (refused) {
		snprintf(err_r, errlen, "redis://%s:%u/%u: %s", host, port, db, err);
		redis_close(&b->base);
		return NULL;
	} else {
		b->down = 1;
		b->last_failure = monotonic_ms();
	}
	return &b->base;
}
