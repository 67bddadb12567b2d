/*
 * NAME
 *	store_lmdb 3
 * SUMMARY
 *	state store backend: an LMDB environment on this host
 * SYNOPSIS
 *	See store_impl.h.
 * DESCRIPTION
 *	mx6_store_lmdb_open() creates directory PATH (mode 0750) if it is
 *	missing, and opens the environment in it (data.mdb and lock.mdb,
 *	mode 0600) with a map of 1 GiB, which is address space reserved, not
 *	disk used. Keys and values live in the environment's main database,
 *	values without their terminating NUL.
 *
 *	libmilter runs each connection in a thread of its own, so the
 *	environment is opened with MDB_NOTLS: a read transaction is tied to
 *	its object, not to the thread, and the reader table (MAX_READERS
 *	slots) bounds concurrent readers, not threads. Writers queue on
 *	LMDB's own lock, one at a time, which makes history_incr()'s
 *	read-modify-write in one write transaction atomic across threads and
 *	processes (mx6-check importing while the daemon runs). Every commit
 *	is synced: a crash loses at most the transaction in flight and
 *	never corrupts the file.
 *
 *	LMDB forbids opening one environment twice in one process (closing
 *	either copy drops the other's file locks), yet a reload may open
 *	"lmdb:state" while "lmdb:./state" is still in use. Environments are
 *	therefore shared per directory (device and inode) with a reference
 *	count: the only process-wide state in this file.
 *
 *	A full map (MDB_MAP_FULL) and every other LMDB error make the
 *	operation return -1; reads still work when writes cannot, and mail
 *	keeps flowing. The map is not grown automatically: that needs every
 *	transaction of the process to stop.
 *
 *	The environment variable MX6_LMDB_MAP_SIZE (bytes) overrides the map
 *	size of an environment opened first in this process; the unit tests
 *	use it to fill a map cheaply. An existing environment's data is never
 *	cut: LMDB keeps a map at least as large as the data already in it.
 *
 *	An environment must not be carried across fork(2): open it in the
 *	process that uses it.
 * DIAGNOSTICS
 *	The LMDB error behind a failure is logged with mx6_msg_warn() as
 *	"lmdb:PATH: OPERATION: ERROR": a new error at once, the same one
 *	again at most once a minute (a full map fails new keys while
 *	updates, which reuse freed pages, still succeed). lib/store.c logs
 *	the "unavailable" line beside it.
 */
#include "autoconf.h"

#include <errno.h>
#include <inttypes.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "log.h"
#include "store_impl.h"

#define DEFAULT_MAP_SIZE ((size_t)1 << 30)
#define MAX_READERS	 1024
#define HISTORY_TEXT_MAX 64
#define LOG_INTERVAL_S	 60

struct shared_env {
	MDB_env *env;
	MDB_dbi dbi;
	dev_t dev;
	ino_t ino;
	unsigned refs;
	struct shared_env *next;
};

static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static struct shared_env *shared_envs;

struct lmdb_backend {
	struct mx6_store_backend base; /* first: the store sees only this */
	struct shared_env *shared;
	char *path;
	pthread_mutex_t log_lock;
	int logged_error; /* under log_lock: the LMDB error last logged, and when */
	time_t logged_at;
};

static size_t map_size(void)
{
	const char *text = getenv("MX6_LMDB_MAP_SIZE");
	unsigned long long size;
	char *end;

	if (text == NULL || *text == '\0')
		return DEFAULT_MAP_SIZE;
	errno = 0;
	size = strtoull(text, &end, 10);
	if (errno != 0 || *end != '\0' || size == 0 || size > SIZE_MAX)
		return DEFAULT_MAP_SIZE;
	return (size_t)size;
}

/* Logs RC for OP unless it was logged less than a minute ago; returns -1. */
static int failed(struct lmdb_backend *b, const char *op, int rc)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&b->log_lock);
	if (rc != b->logged_error || now.tv_sec - b->logged_at >= LOG_INTERVAL_S) {
		mx6_msg_warn("lmdb:%s: %s: %s", b->path, op, mdb_strerror(rc));
		b->logged_error = rc;
		b->logged_at = now.tv_sec;
	}
	pthread_mutex_unlock(&b->log_lock);
	return -1;
}

static MDB_val val_of(const char *text)
{
	MDB_val v;

	v.mv_size = strlen(text);
	v.mv_data = (void *)text;
	return v;
}

static int lmdb_get(struct mx6_store_backend *base, const char *key, char *buf,
		    size_t buflen)
{
	struct lmdb_backend *b = (struct lmdb_backend *)base;
	MDB_val k = val_of(key), v;
	MDB_txn *txn;
	int rc;

	if ((rc = mdb_txn_begin(b->shared->env, NULL, MDB_RDONLY, &txn)) != 0)
		return failed(b, "mdb_txn_begin", rc);
	rc = mdb_get(txn, b->shared->dbi, &k, &v);
	if (rc == 0 && v.mv_size >= buflen)
		rc = MDB_BAD_VALSIZE;
	if (rc == 0) {
		memcpy(buf, v.mv_data, v.mv_size);
		buf[v.mv_size] = '\0';
	}
	mdb_txn_abort(txn);
	if (rc == MDB_NOTFOUND) {
		return 0;
	}
	if (rc != 0)
		return failed(b, "mdb_get", rc);
	return 1;
}

/* Stores KEY = VALUE in TXN and commits it; the transaction ends either way. */
static int put_and_commit(struct lmdb_backend *b, MDB_txn *txn, const char *key,
			  const char *value)
{
	MDB_val k = val_of(key), v = val_of(value);
	int rc;

	if ((rc = mdb_put(txn, b->shared->dbi, &k, &v, 0)) != 0) {
		mdb_txn_abort(txn);
		return failed(b, "mdb_put", rc);
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		return failed(b, "mdb_txn_commit", rc);
	return 0;
}

static int lmdb_put(struct mx6_store_backend *base, const char *key, const char *value)
{
	struct lmdb_backend *b = (struct lmdb_backend *)base;
	MDB_txn *txn;
	int rc;

	if ((rc = mdb_txn_begin(b->shared->env, NULL, 0, &txn)) != 0)
		return failed(b, "mdb_txn_begin", rc);
	return put_and_commit(b, txn, key, value);
}

/*
 * A value that does not parse starts the count afresh rather than
 * blocking the domain from ever learning again.
 */
static int lmdb_history_incr(struct mx6_store_backend *base, const char *key, int64_t now)
{
	struct lmdb_backend *b = (struct lmdb_backend *)base;
	char old[HISTORY_TEXT_MAX], text[HISTORY_TEXT_MAX];
	uint64_t count = 0;
	int64_t first = now, last;
	MDB_val k = val_of(key), v;
	MDB_txn *txn;
	int rc, end = 0;

	if ((rc = mdb_txn_begin(b->shared->env, NULL, 0, &txn)) != 0)
		return failed(b, "mdb_txn_begin", rc);
	rc = mdb_get(txn, b->shared->dbi, &k, &v);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		mdb_txn_abort(txn);
		return failed(b, "mdb_get", rc);
	}
	if (rc == 0 && v.mv_size < sizeof(old)) {
		memcpy(old, v.mv_data, v.mv_size);
		old[v.mv_size] = '\0';
		if (sscanf(old, "%" SCNu64 " %" SCNd64 " %" SCNd64 "%n", &count, &first,
			   &last, &end) != 3 ||
		    (size_t)end != v.mv_size || count == 0) {
			count = 0;
			first = now;
		}
	}
	if (count < UINT64_MAX)
		count++;
	snprintf(text, sizeof(text), "%" PRIu64 " %" PRId64 " %" PRId64, count, first,
		 now);
	return put_and_commit(b, txn, key, text);
}

static int lmdb_scan(struct mx6_store_backend *base, const char *prefix,
		     mx6_store_scan_fn fn, void *ctx)
{
	struct lmdb_backend *b = (struct lmdb_backend *)base;
	size_t plen = strlen(prefix), keycap = 0, valcap = 0;
	char *keybuf = NULL, *valbuf = NULL;
	MDB_val k = val_of(prefix), v;
	MDB_cursor *cursor;
	MDB_txn *txn;
	int rc;

	if ((rc = mdb_txn_begin(b->shared->env, NULL, MDB_RDONLY, &txn)) != 0)
		return failed(b, "mdb_txn_begin", rc);
	if ((rc = mdb_cursor_open(txn, b->shared->dbi, &cursor)) != 0) {
		mdb_txn_abort(txn);
		return failed(b, "mdb_cursor_open", rc);
	}
	for (rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
		if (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0)
			break;
		if (k.mv_size >= keycap || v.mv_size >= valcap) {
			char *nk = realloc(keybuf, k.mv_size + 1), *nv;

			if (nk != NULL)
				keybuf = nk;
			nv = realloc(valbuf, v.mv_size + 1);
			if (nv != NULL)
				valbuf = nv;
			if (nk == NULL || nv == NULL) {
				rc = ENOMEM;
				break;
			}
			keycap = k.mv_size + 1;
			valcap = v.mv_size + 1;
		}
		memcpy(keybuf, k.mv_data, k.mv_size);
		keybuf[k.mv_size] = '\0';
		memcpy(valbuf, v.mv_data, v.mv_size);
		valbuf[v.mv_size] = '\0';
		if (fn(ctx, keybuf, valbuf) != 0)
			break;
	}
	mdb_cursor_close(cursor);
	mdb_txn_abort(txn);
	free(keybuf);
	free(valbuf);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return failed(b, "mdb_cursor_get", rc);
	return 0;
}

static void release_env(struct shared_env *s)
{
	struct shared_env **p;

	pthread_mutex_lock(&shared_lock);
	if (--s->refs == 0) {
		for (p = &shared_envs; *p != s; p = &(*p)->next)
			;
		*p = s->next;
		mdb_env_close(s->env);
		free(s);
	}
	pthread_mutex_unlock(&shared_lock);
}

static void lmdb_close(struct mx6_store_backend *base)
{
	struct lmdb_backend *b = (struct lmdb_backend *)base;

	release_env(b->shared);
	pthread_mutex_destroy(&b->log_lock);
	free(b->path);
	free(b);
}

static const struct mx6_store_ops lmdb_ops = {
	lmdb_get, lmdb_put, lmdb_history_incr, lmdb_scan, lmdb_close,
};

/* Opens the environment in PATH for the first time in this process. */
static struct shared_env *open_env(const char *path, const struct stat *st, char *err_r,
				   size_t errlen)
{
	struct shared_env *s = calloc(1, sizeof(*s));
	MDB_txn *txn;
	int rc, dead;

	if (s == NULL) {
		snprintf(err_r, errlen, "lmdb:%s: out of memory", path);
		return NULL;
	}
	if ((rc = mdb_env_create(&s->env)) != 0) {
		snprintf(err_r, errlen, "lmdb:%s: %s", path, mdb_strerror(rc));
		free(s);
		return NULL;
	}
	if ((rc = mdb_env_set_mapsize(s->env, map_size())) != 0 ||
	    (rc = mdb_env_set_maxreaders(s->env, MAX_READERS)) != 0 ||
	    (rc = mdb_env_open(s->env, path, MDB_NOTLS, 0600)) != 0 ||
	    /* Free the reader slots of processes that died holding them. */
	    (rc = mdb_reader_check(s->env, &dead)) != 0 ||
	    (rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0) {
		snprintf(err_r, errlen, "lmdb:%s: %s", path, mdb_strerror(rc));
		mdb_env_close(s->env);
		free(s);
		return NULL;
	}
	if ((rc = mdb_dbi_open(txn, NULL, 0, &s->dbi)) != 0)
		mdb_txn_abort(txn);
	else
		rc = mdb_txn_commit(txn);
	if (rc != 0) {
		snprintf(err_r, errlen, "lmdb:%s: %s", path, mdb_strerror(rc));
		mdb_env_close(s->env);
		free(s);
		return NULL;
	}
	s->dev = st->st_dev;
	s->ino = st->st_ino;
	s->refs = 1;
	return s;
}

struct mx6_store_backend *mx6_store_lmdb_open(const char *path, char *err_r,
					      size_t errlen)
{
	struct lmdb_backend *b;
	struct shared_env *s;
	struct stat st;

	if (mkdir(path, 0750) < 0 && errno != EEXIST) {
		snprintf(err_r, errlen, "lmdb:%s: cannot create directory: %s", path,
			 strerror(errno));
		return NULL;
	}
	if (stat(path, &st) < 0) {
		snprintf(err_r, errlen, "lmdb:%s: %s", path, strerror(errno));
		return NULL;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err_r, errlen, "lmdb:%s: not a directory", path);
		return NULL;
	}
	if ((b = calloc(1, sizeof(*b))) == NULL || (b->path = strdup(path)) == NULL) {
		free(b);
		snprintf(err_r, errlen, "lmdb:%s: out of memory", path);
		return NULL;
	}
	b->base.ops = &lmdb_ops;
	if (pthread_mutex_init(&b->log_lock, NULL) != 0) {
		free(b->path);
		free(b);
		snprintf(err_r, errlen, "lmdb:%s: out of memory", path);
		return NULL;
	}
	pthread_mutex_lock(&shared_lock);
	for (s = shared_envs; s != NULL; s = s->next)
		if (s->dev == st.st_dev && s->ino == st.st_ino)
			break;
	if (s != NULL) {
		s->refs++;
	} else if ((s = open_env(path, &st, err_r, errlen)) != NULL) {
		s->next = shared_envs;
		shared_envs = s;
	}
	pthread_mutex_unlock(&shared_lock);
	if (s == NULL) {
		pthread_mutex_destroy(&b->log_lock);
		free(b->path);
		free(b);
		return NULL;
	}
	b->shared = s;
	return &b->base;
}
