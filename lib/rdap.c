/*
 * NAME
 *	rdap 3
 * SUMMARY
 *	RDAP lookups in the background, bounded in time and size, cached
 * SYNOPSIS
 *	See rdap.h.
 * DESCRIPTION
 *	Each lookup runs in its own detached thread with a libcurl easy
 *	handle, started as soon as the gatherer knows a name, so that the
 *	HTTP round trips overlap with the rest of the SMTP transaction. The
 *	thread and the session share the lookup by reference count: a
 *	session that gives up (deadline, abort, end of connection) drops its
 *	reference and the thread frees the lookup when curl returns, which
 *	it does by the same deadline (CURLOPT_TIMEOUT_MS).
 *
 *	The thread touches nothing but the lookup: the cache is read when
 *	the lookup starts and written by the session thread in
 *	mx6_rdap_wait(), while the session still holds the configuration
 *	that owns the store. A lookup that has finished by the time it is
 *	waited for is used and cached, even if that was after its own
 *	deadline; one still running then counts as an error and is not
 *	cached.
 *
 *	Cache entries (store spaces "rdap-domain" and "rdap-net") hold
 *	"found ID CONTACT NAME" (ID "-" when none) or "notfound". Networks
 *	are keyed by the client's /64: an answer is about the registration
 *	that covers the address asked for, and registries do record
 *	reassignments smaller than a /48 (a /56 or a /64 of one customer,
 *	with its own registrant), so it must not vouch for the neighbours
 *	of the client beyond its own subnet.
 *
 *	Every outcome of a lookup passes through rdap_done() exactly once:
 *	the one place to count queries, cache hits, errors and latency.
 */
#include "autoconf.h"

#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "metrics.h"
#include "rdap.h"
#include "util.h"

#define CACHE_VALUE_MAX 256

enum rdap_outcome {
	OUTCOME_CACHE_HIT = 0,
	OUTCOME_FOUND,
	OUTCOME_NOT_FOUND,
	OUTCOME_ERROR,
};

struct mx6_rdap {
	char *url; /* ends in '/' */
	const struct mx6_rdap_bootstrap *bootstrap_dns;
	const struct mx6_rdap_bootstrap *bootstrap_ipv6;
	unsigned timeout_ms;
	struct mx6_store *cache;
	unsigned cache_ttl;
	unsigned negative_ttl;
};

struct mx6_rdap_lookup {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* CLOCK_MONOTONIC */
	int refs;	     /* the session's and the thread's */
	int done;
	int from_cache; /* or already written to it */
	enum mx6_rdap_kind kind;
	char name[256];
	char url[600];
	unsigned timeout_ms;
	struct timespec deadline; /* CLOCK_MONOTONIC */
	enum mx6_rdap_status status;
	struct mx6_rdap_info info;
};

struct body {
	char *data;
	size_t len;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static int curl_ready;

static void curl_start(void)
{
	curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

/* The one exit of every lookup; counters are wired here. */
static void rdap_done(enum mx6_rdap_kind kind, enum rdap_outcome outcome, long elapsed_ms)
{
	(void)kind;
	/* "Not found" is an answer (a negative one), not an error. */
	mx6_metrics_rdap_query(outcome == OUTCOME_CACHE_HIT, outcome != OUTCOME_ERROR,
			       (double)elapsed_ms / 1000.0);
}

static long elapsed_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - start->tv_sec) * 1000 +
	       (now.tv_nsec - start->tv_nsec) / 1000000;
}

struct mx6_rdap *mx6_rdap_new(const struct mx6_rdap_options *opt, char *err_r,
			      size_t errlen)
{
	struct mx6_rdap *r;
	size_t len = strlen(opt->url);

	pthread_once(&curl_once, curl_start);
	if (!curl_ready) {
		snprintf(err_r, errlen, "RDAP: libcurl failed to initialize");
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL || (r->url = malloc(len + 2)) == NULL) {
		free(r);
		snprintf(err_r, errlen, "out of memory");
		return NULL;
	}
	snprintf(r->url, len + 2, "%s%s", opt->url, len > 0 && opt->url[len - 1] == '/' ? "" : "/");
	r->bootstrap_dns = opt->bootstrap_dns;
	r->bootstrap_ipv6 = opt->bootstrap_ipv6;
	r->timeout_ms = opt->timeout_ms;
	r->cache = opt->cache;
	r->cache_ttl = opt->cache_ttl;
	r->negative_ttl = opt->negative_ttl;
	return r;
}

void mx6_rdap_free(struct mx6_rdap **r)
{
	if (*r == NULL)
		return;
	free((*r)->url);
	free(*r);
	*r = NULL;
}

/* Fetching, in the lookup's thread */

static size_t collect(char *ptr, size_t size, size_t nmemb, void *ctx)
{
	struct body *b = ctx;
	size_t n = size * nmemb;

	if (n > MX6_RDAP_MAX_RESPONSE - b->len)
		return 0; /* too large: curl fails with CURLE_WRITE_ERROR */
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	return n;
}

static enum mx6_rdap_status fetch(const char *url, unsigned timeout_ms,
				  struct mx6_rdap_info *info)
{
	struct curl_slist *headers = NULL;
	enum mx6_rdap_status status = MX6_RDAP_ERROR;
	struct body body = {NULL, 0};
	long code = 0;
	CURL *curl;

	if ((body.data = malloc(MX6_RDAP_MAX_RESPONSE)) == NULL || (curl = curl_easy_init()) == NULL) {
		free(body.data);
		return MX6_RDAP_ERROR;
	}
	headers = curl_slist_append(NULL, "Accept: application/rdap+json, application/json");
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM */
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L); /* redirectors answer 302 */
	curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "mx6-milter/" PACKAGE_VERSION);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
	if (curl_easy_perform(curl) == CURLE_OK &&
	    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK) {
		if (code == 404)
			status = MX6_RDAP_NOT_FOUND;
		else if (code == 200 && mx6_rdap_parse(body.data, body.len, info) == 0)
			status = MX6_RDAP_FOUND;
	}
	curl_easy_cleanup(curl);
	curl_slist_free_all(headers);
	free(body.data);
	return status;
}

static void lookup_release(struct mx6_rdap_lookup *l)
{
	int last;

	pthread_mutex_lock(&l->lock);
	last = --l->refs == 0;
	pthread_mutex_unlock(&l->lock);
	if (last) {
		pthread_cond_destroy(&l->cond);
		pthread_mutex_destroy(&l->lock);
		free(l);
	}
}

/*
 * Lookups in flight, process-wide. A server that is slow or down would
 * otherwise hold one thread per lookup started (up to three per IPv6
 * message) until each times out; beyond the bound a lookup is not started
 * and ends as an error, which is no signal (never a deferral of its own).
 */
static atomic_uint in_flight;

static void *lookup_thread(void *arg)
{
	struct mx6_rdap_lookup *l = arg;
	struct mx6_rdap_info info;
	enum mx6_rdap_status status;
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	memset(&info, 0, sizeof(info));
	status = fetch(l->url, l->timeout_ms, &info);
	rdap_done(l->kind,
		  status == MX6_RDAP_FOUND       ? OUTCOME_FOUND
		  : status == MX6_RDAP_NOT_FOUND ? OUTCOME_NOT_FOUND
						 : OUTCOME_ERROR,
		  elapsed_since(&start));
	pthread_mutex_lock(&l->lock);
	l->status = status;
	l->info = info;
	l->done = 1;
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->lock);
	lookup_release(l);
	atomic_fetch_sub(&in_flight, 1);
	return NULL;
}

/* Starting */

static const char *cache_space(enum mx6_rdap_kind kind)
{
	return kind == MX6_RDAP_DNS ? "rdap-domain" : "rdap-net";
}

/* "found ID CONTACT NAME" or "notfound" into the lookup; 0, or -1 if malformed. */
static int cache_decode(const char *value, struct mx6_rdap_lookup *l)
{
	char id[sizeof(l->info.registrar_id)];
	int contact, consumed = 0;

	if (strcmp(value, "notfound") == 0) {
		l->status = MX6_RDAP_NOT_FOUND;
		return 0;
	}
	if (sscanf(value, "found %15s %d %n", id, &contact, &consumed) < 2 || consumed == 0)
		return -1;
	l->status = MX6_RDAP_FOUND;
	mx6_strlcpy(l->info.registrar_id, strcmp(id, "-") == 0 ? "" : id,
		    sizeof(l->info.registrar_id));
	l->info.contact = contact == 1;
	mx6_strlcpy(l->info.registrar_name, value + consumed, sizeof(l->info.registrar_name));
	return 0;
}

static void cache_store(struct mx6_rdap *r, struct mx6_rdap_lookup *l)
{
	char value[CACHE_VALUE_MAX];
	int64_t now = (int64_t)time(NULL);

	if (r->cache == NULL || l->from_cache || l->status == MX6_RDAP_ERROR)
		return;
	l->from_cache = 1;
	if (l->status == MX6_RDAP_NOT_FOUND) {
		mx6_store_cache_put(r->cache, cache_space(l->kind), l->name, "notfound",
				    now + r->negative_ttl);
		return;
	}
	snprintf(value, sizeof(value), "found %s %d %s",
		 l->info.registrar_id[0] != '\0' ? l->info.registrar_id : "-", l->info.contact,
		 l->info.registrar_name);
	mx6_store_cache_put(r->cache, cache_space(l->kind), l->name, value, now + r->cache_ttl);
}

static struct mx6_rdap_lookup *lookup_new(struct mx6_rdap *r, enum mx6_rdap_kind kind,
					  const char *name)
{
	struct mx6_rdap_lookup *l = calloc(1, sizeof(*l));
	pthread_condattr_t ca;

	if (l == NULL)
		return NULL;
	pthread_mutex_init(&l->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->cond, &ca);
	pthread_condattr_destroy(&ca);
	l->refs = 1;
	l->kind = kind;
	l->timeout_ms = r->timeout_ms;
	mx6_strlcpy(l->name, name, sizeof(l->name));
	clock_gettime(CLOCK_MONOTONIC, &l->deadline);
	l->deadline.tv_sec += r->timeout_ms / 1000;
	l->deadline.tv_nsec += (long)(r->timeout_ms % 1000) * 1000000;
	if (l->deadline.tv_nsec >= 1000000000) {
		l->deadline.tv_sec++;
		l->deadline.tv_nsec -= 1000000000;
	}
	return l;
}

/* From the cache, or a thread asking BASE + PATH. */
static struct mx6_rdap_lookup *lookup_start(struct mx6_rdap *r, enum mx6_rdap_kind kind,
					    const char *name, const char *base,
					    const char *path)
{
	struct mx6_rdap_lookup *l;
	char cached[CACHE_VALUE_MAX];
	pthread_attr_t attr;
	pthread_t tid;
	int rc;

	if ((l = lookup_new(r, kind, name)) == NULL)
		return NULL;
	if (r->cache != NULL &&
	    mx6_store_cache_get(r->cache, cache_space(kind), name, (int64_t)time(NULL), cached,
				sizeof(cached)) == 1 &&
	    cache_decode(cached, l) == 0) {
		l->done = l->from_cache = 1;
		rdap_done(kind, OUTCOME_CACHE_HIT, 0);
		return l;
	}
	if ((size_t)snprintf(l->url, sizeof(l->url), "%s%s%s", base,
			     base[strlen(base) - 1] == '/' ? "" : "/", path) >= sizeof(l->url)) {
		mx6_rdap_lookup_free(&l);
		return NULL;
	}
	l->refs = 2;
	if (atomic_fetch_add(&in_flight, 1) >= MX6_RDAP_MAX_IN_FLIGHT) {
		rc = -1;
	} else {
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		rc = pthread_create(&tid, &attr, lookup_thread, l);
		pthread_attr_destroy(&attr);
	}
	if (rc != 0) {
		atomic_fetch_sub(&in_flight, 1);
		/* No thread, no answer: the lookup ends as an error. */
		l->refs = 1;
		l->done = 1;
		l->status = MX6_RDAP_ERROR;
		rdap_done(kind, OUTCOME_ERROR, 0);
	}
	return l;
}

/* A name that can go into a URL path as it is. */
static int plain_domain(const char *s)
{
	if (*s == '\0' || *s == '.' || strlen(s) > 253)
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '-' && *s != '_')
			return 0;
	return 1;
}

struct mx6_rdap_lookup *mx6_rdap_start_domain(struct mx6_rdap *r, const char *domain)
{
	char name[256], path[300];
	const char *base;
	size_t i;

	if (r == NULL || !plain_domain(domain) || strlen(domain) >= sizeof(name))
		return NULL;
	for (i = 0; domain[i] != '\0'; i++)
		name[i] = (char)tolower((unsigned char)domain[i]);
	name[i] = '\0';
	base = r->bootstrap_dns != NULL ? mx6_rdap_bootstrap_domain(r->bootstrap_dns, name)
					: r->url;
	if (base == NULL)
		return NULL;
	snprintf(path, sizeof(path), "domain/%s", name);
	return lookup_start(r, MX6_RDAP_DNS, name, base, path);
}

struct mx6_rdap_lookup *mx6_rdap_start_network(struct mx6_rdap *r,
					       const struct mx6_addr *addr)
{
	char text[MX6_ADDR_STRLEN], key[MX6_ADDR_STRLEN + 8], path[MX6_ADDR_STRLEN + 8];
	struct mx6_addr net;
	const char *base;

	if (r == NULL || mx6_addr_is_ipv4(addr))
		return NULL;
	base = r->bootstrap_ipv6 != NULL ? mx6_rdap_bootstrap_ipv6(r->bootstrap_ipv6, addr)
					 : r->url;
	if (base == NULL)
		return NULL;
	memset(&net, 0, sizeof(net));
	memcpy(net.bytes, addr->bytes, 8);
	snprintf(key, sizeof(key), "%s/64", mx6_addr_format(&net, text));
	snprintf(path, sizeof(path), "ip/%s", mx6_addr_format(addr, text));
	return lookup_start(r, MX6_RDAP_IPV6, key, base, path);
}

const char *mx6_rdap_lookup_name(const struct mx6_rdap_lookup *l)
{
	return l->name;
}

enum mx6_rdap_status mx6_rdap_wait(struct mx6_rdap *r, struct mx6_rdap_lookup *l,
				   struct mx6_rdap_info *info_r)
{
	enum mx6_rdap_status status = MX6_RDAP_ERROR;
	int done;

	memset(info_r, 0, sizeof(*info_r));
	pthread_mutex_lock(&l->lock);
	while (!l->done && pthread_cond_timedwait(&l->cond, &l->lock, &l->deadline) == 0)
		;
	if ((done = l->done) != 0) {
		status = l->status;
		*info_r = l->info;
	}
	pthread_mutex_unlock(&l->lock);
	if (done)
		cache_store(r, l);
	return status;
}

void mx6_rdap_lookup_free(struct mx6_rdap_lookup **l)
{
	if (*l == NULL)
		return;
	lookup_release(*l);
	*l = NULL;
}
