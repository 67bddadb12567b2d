/*
 * NAME
 *	dns 3
 * SUMMARY
 *	the one resolver (libunbound) every check asks
 * SYNOPSIS
 *	See dns.h.
 * DESCRIPTION
 *	One libunbound context in threaded asynchronous mode serves every
 *	session thread. A lookup registers an asynchronous query and waits
 *	on a condition variable with its own deadline; an event thread polls
 *	ub_fd() and runs ub_process(), whose callbacks wake the waiters. A
 *	synchronous ub_resolve() cannot be bounded (a forwarder that never
 *	answers holds it for a very long time), this can: at the deadline the
 *	query is cancelled and the lookup is a temporary error.
 *
 *	A query whose cancel fails while its answer is not in yet (libunbound
 *	may be delivering it concurrently, or failed internally) is handed
 *	over to the callback, which frees it whenever it runs.
 *
 *	In front of all that sits an answer cache (dnscache.c): a question
 *	asked again within the answer's TTL is answered by cached_answer()
 *	in the calling thread, without the round trip through libunbound's
 *	worker thread and pipe. remember_answer() stores only definite
 *	answers (data, NODATA, NXDOMAIN with a TTL), never a temporary
 *	error or a DNSSEC-bogus answer.
 */
#include "autoconf.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <unbound.h>

#include "dns.h"
#include "dnscache.h"
#include "metrics.h"

/* Special-use zones libunbound answers locally unless told otherwise. */
static const char *const transparent_zones[] = {
	"test.",
	"invalid.",
	"example.",
	"8.b.d.0.1.0.0.2.ip6.arpa.",
	"2.0.192.in-addr.arpa.",
	"100.51.198.in-addr.arpa.",
	"113.0.203.in-addr.arpa.",
	"10.in-addr.arpa.",
};

struct static_rr {
	char *name;
	int type;      /* 0 with fail set: any type */
	int fail;      /* answer status instead of data */
	enum mx6_dns_status status;
	char *rdata;
	int len;
};

struct mx6_dns {
	struct ub_ctx *ctx; /* NULL for a static resolver */
	struct mx6_dnscache *cache; /* NULL for a static resolver */
	struct static_rr *rrs;
	size_t nrrs, rrs_cap;
	unsigned timeout_ms;
	pthread_t thread;
	int thread_started;
	int wake[2];
	pthread_mutex_t lock; /* guards the state of every query */
};

struct query {
	struct mx6_dns *dns;
	pthread_cond_t cond;
	int done;
	int abandoned; /* the waiter gave up: the callback frees us */
	int err;
	struct ub_result *result;
};

static void *event_thread(void *arg)
{
	struct mx6_dns *dns = arg;
	struct pollfd pfd[2];

	pfd[0].fd = ub_fd(dns->ctx);
	pfd[0].events = POLLIN;
	pfd[1].fd = dns->wake[0];
	pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents != 0)
			break;
		if (pfd[0].revents != 0)
			ub_process(dns->ctx);
	}
	return NULL;
}

static void query_done(void *arg, int err, struct ub_result *result)
{
	struct query *q = arg;
	struct mx6_dns *dns = q->dns;
	int abandoned;

	pthread_mutex_lock(&dns->lock);
	abandoned = q->abandoned;
	if (!abandoned) {
		q->done = 1;
		q->err = err;
		q->result = result;
		pthread_cond_signal(&q->cond);
	}
	pthread_mutex_unlock(&dns->lock);
	if (abandoned) {
		if (result != NULL)
			ub_resolve_free(result);
		pthread_cond_destroy(&q->cond);
		free(q);
	}
}

static int set_option(struct ub_ctx *ctx, const char *opt, const char *val, char *err_r,
		      size_t errlen)
{
	int rc = ub_ctx_set_option(ctx, opt, val);

	if (rc != 0)
		snprintf(err_r, errlen, "resolver option %s %s: %s", opt, val, ub_strerror(rc));
	return rc == 0 ? 0 : -1;
}

struct mx6_dns *mx6_dns_new(const struct mx6_dns_options *opt, char *err_r, size_t errlen)
{
	struct mx6_dns *dns = calloc(1, sizeof(*dns));
	size_t i;
	int rc;

	if (dns == NULL) {
		snprintf(err_r, errlen, "out of memory");
		return NULL;
	}
	dns->wake[0] = dns->wake[1] = -1;
	dns->timeout_ms = opt->timeout_ms ? opt->timeout_ms : 5000;
	pthread_mutex_init(&dns->lock, NULL);
	if ((dns->cache = mx6_dnscache_new(opt->cache_entries)) == NULL) {
		snprintf(err_r, errlen, "out of memory");
		goto fail;
	}
	if ((dns->ctx = ub_ctx_create()) == NULL) {
		snprintf(err_r, errlen, "cannot create the resolver");
		goto fail;
	}
	if (opt->unbound_conf != NULL && (rc = ub_ctx_config(dns->ctx, opt->unbound_conf)) != 0) {
		snprintf(err_r, errlen, "%s: %s", opt->unbound_conf, ub_strerror(rc));
		goto fail;
	}
	if (opt->forwarders != NULL && opt->forwarders[0] != NULL) {
		for (i = 0; opt->forwarders[i] != NULL; i++)
			if ((rc = ub_ctx_set_fwd(dns->ctx, opt->forwarders[i])) != 0) {
				snprintf(err_r, errlen, "forwarder '%s': %s", opt->forwarders[i],
					 ub_strerror(rc));
				goto fail;
			}
		for (i = 0; i < sizeof(transparent_zones) / sizeof(transparent_zones[0]); i++) {
			char zone[128];

			snprintf(zone, sizeof(zone), "%s transparent", transparent_zones[i]);
			if (set_option(dns->ctx, "local-zone:", zone, err_r, errlen) < 0)
				goto fail;
		}
	} else if ((rc = ub_ctx_resolvconf(dns->ctx, NULL)) != 0) {
		snprintf(err_r, errlen, "resolv.conf: %s", ub_strerror(rc));
		goto fail;
	}
	if (opt->trust_anchor != NULL &&
	    (rc = ub_ctx_add_ta_file(dns->ctx, opt->trust_anchor)) != 0) {
		snprintf(err_r, errlen, "%s: %s", opt->trust_anchor, ub_strerror(rc));
		goto fail;
	}
	if ((rc = ub_ctx_async(dns->ctx, 1)) != 0) {
		snprintf(err_r, errlen, "resolver threads: %s", ub_strerror(rc));
		goto fail;
	}
	if (pipe(dns->wake) < 0) {
		snprintf(err_r, errlen, "pipe: %s", strerror(errno));
		goto fail;
	}
	if ((rc = pthread_create(&dns->thread, NULL, event_thread, dns)) != 0) {
		snprintf(err_r, errlen, "resolver thread: %s", strerror(rc));
		goto fail;
	}
	dns->thread_started = 1;
	return dns;
fail:
	mx6_dns_free(&dns);
	return NULL;
}

void mx6_dns_free(struct mx6_dns **dnsp)
{
	struct mx6_dns *dns = *dnsp;

	if (dns == NULL)
		return;
	if (dns->thread_started) {
		(void)!write(dns->wake[1], "x", 1);
		pthread_join(dns->thread, NULL);
	}
	if (dns->wake[0] >= 0) {
		close(dns->wake[0]);
		close(dns->wake[1]);
	}
	if (dns->ctx != NULL)
		ub_ctx_delete(dns->ctx);
	mx6_dnscache_free(&dns->cache);
	while (dns->nrrs > 0) {
		dns->nrrs--;
		free(dns->rrs[dns->nrrs].name);
		free(dns->rrs[dns->nrrs].rdata);
	}
	free(dns->rrs);
	pthread_mutex_destroy(&dns->lock);
	free(dns);
	*dnsp = NULL;
}

static void deadline_after(struct timespec *ts, unsigned ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static enum mx6_dns_status classify(const struct ub_result *r)
{
	if (r->bogus)
		return MX6_DNS_TEMPFAIL;
	if (r->rcode == 3 || r->nxdomain)
		return MX6_DNS_NXDOMAIN;
	if (r->rcode != 0)
		return MX6_DNS_TEMPFAIL; /* SERVFAIL, REFUSED, ... */
	return r->havedata ? MX6_DNS_OK : MX6_DNS_NODATA;
}

struct mx6_dns *mx6_dns_new_static(unsigned timeout_ms)
{
	struct mx6_dns *dns = calloc(1, sizeof(*dns));

	if (dns == NULL)
		return NULL;
	dns->wake[0] = dns->wake[1] = -1;
	dns->timeout_ms = timeout_ms;
	pthread_mutex_init(&dns->lock, NULL);
	return dns;
}

static int static_push(struct mx6_dns *dns, const char *name, struct static_rr *rr)
{
	size_t len = strlen(name);

	if (dns->nrrs == dns->rrs_cap) {
		size_t ncap = dns->rrs_cap ? dns->rrs_cap * 2 : 16;
		struct static_rr *n = realloc(dns->rrs, ncap * sizeof(*n));

		if (n == NULL)
			return -1;
		dns->rrs = n;
		dns->rrs_cap = ncap;
	}
	if ((rr->name = strdup(name)) == NULL)
		return -1;
	if (len > 0 && rr->name[len - 1] == '.')
		rr->name[len - 1] = '\0';
	dns->rrs[dns->nrrs++] = *rr;
	return 0;
}

int mx6_dns_static_add(struct mx6_dns *dns, const char *name, int rrtype,
		       const void *rdata, size_t len)
{
	struct static_rr rr;

	memset(&rr, 0, sizeof(rr));
	rr.type = rrtype;
	rr.len = (int)len;
	if ((rr.rdata = malloc(len + 1)) == NULL)
		return -1;
	memcpy(rr.rdata, rdata, len);
	if (static_push(dns, name, &rr) < 0) {
		free(rr.rdata);
		return -1;
	}
	return 0;
}

int mx6_dns_static_fail(struct mx6_dns *dns, const char *name, int rrtype,
			enum mx6_dns_status status)
{
	struct static_rr rr;

	memset(&rr, 0, sizeof(rr));
	rr.type = rrtype;
	rr.fail = 1;
	rr.status = status;
	return static_push(dns, name, &rr);
}

static int same_name(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

int mx6_dns_name_from_wire(const char *rdata, int len, char *buf, size_t buflen)
{
	size_t out = 0;
	int i = 0;

	while (i < len && rdata[i] != 0) {
		int n = (unsigned char)rdata[i++];

		if (n > 63 || i + n > len || out + (size_t)n + 2 > buflen)
			return -1;
		if (out > 0)
			buf[out++] = '.';
		memcpy(buf + out, rdata + i, (size_t)n);
		out += (size_t)n;
		i += n;
	}
	buf[out] = '\0';
	return 0;
}

static enum mx6_dns_status static_lookup(struct mx6_dns *dns, const char *name,
					 int rrtype, struct mx6_dns_result *r)
{
	char current[1025];
	int depth;

	snprintf(current, sizeof(current), "%s", name);
	for (depth = 0; depth <= 8; depth++) {
		size_t i, n = 0, cname = (size_t)-1;
		int exists = 0;

		for (i = 0; i < dns->nrrs; i++) {
			const struct static_rr *rr = &dns->rrs[i];

			if (!same_name(rr->name, current))
				continue;
			if (rr->fail && (rr->type == 0 || rr->type == rrtype))
				return r->status = rr->status;
			if (rr->fail)
				continue;
			exists = 1;
			if (rr->type == rrtype)
				n++;
			else if (rr->type == MX6_RR_CNAME && cname == (size_t)-1)
				cname = i;
		}
		if (n > 0) {
			char **rrv = calloc(n + 1, sizeof(char *));
			int *lens = calloc(n + 1, sizeof(int));
			void **priv = calloc(2, sizeof(void *));
			size_t k = 0;

			if (rrv == NULL || lens == NULL || priv == NULL) {
				free(rrv);
				free(lens);
				free(priv);
				return r->status = MX6_DNS_TEMPFAIL;
			}
			for (i = 0; i < dns->nrrs; i++)
				if (!dns->rrs[i].fail && dns->rrs[i].type == rrtype &&
				    same_name(dns->rrs[i].name, current)) {
					rrv[k] = dns->rrs[i].rdata;
					lens[k++] = dns->rrs[i].len;
				}
			/* One allocation block to free: the arrays hang off priv. */
			priv[0] = rrv;
			priv[1] = lens;
			r->count = (unsigned)n;
			r->rr = rrv;
			r->rrlen = lens;
			r->priv = priv;
			r->priv_kind = MX6_DNS_PRIV_STATIC;
			return r->status = MX6_DNS_OK;
		}
		if (cname == (size_t)-1 || rrtype == MX6_RR_CNAME)
			return r->status = exists ? MX6_DNS_NODATA : MX6_DNS_NXDOMAIN;
		if (mx6_dns_name_from_wire(dns->rrs[cname].rdata, dns->rrs[cname].len, current,
				 sizeof(current)) < 0)
			return r->status = MX6_DNS_TEMPFAIL;
	}
	return r->status = MX6_DNS_TEMPFAIL; /* CNAME chain too long */
}

int mx6_dns_name_to_wire(const char *name, unsigned char *buf, size_t buflen)
{
	size_t out = 0;
	const char *p = name;

	while (*p != '\0') {
		const char *dot = strchr(p, '.');
		size_t n = dot != NULL ? (size_t)(dot - p) : strlen(p);

		if (n == 0 || n > 63 || out + n + 2 > buflen)
			return -1;
		buf[out++] = (unsigned char)n;
		memcpy(buf + out, p, n);
		out += n;
		p += n;
		if (*p == '.')
			p++;
	}
	if (out + 1 > buflen)
		return -1;
	buf[out++] = 0;
	return (int)out;
}

static int valid_query_name(const char *name)
{
	size_t label = 0, total = 0;

	for (; *name != '\0'; name++, total++) {
		if (*name == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if (++label > 63) {
			return 0;
		}
	}
	return total > 0 && total <= 254;
}

static time_t monotonic_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/*
 * The one place an answer comes from the in-process cache: 1 with *r
 * filled on a hit, 0 on a miss.
 */
static int cached_answer(struct mx6_dns *dns, const char *name, int rrtype,
			 struct mx6_dns_result *r)
{
	if (dns->cache == NULL || !mx6_dnscache_get(dns->cache, name, rrtype, monotonic_s(), r))
		return 0;
	mx6_metrics_dns_cache_hit();
	return 1;
}

/* Keep a definite answer for its TTL (mx6_dnscache_put() refuses the rest). */
static void remember_answer(struct mx6_dns *dns, const char *name, int rrtype,
			    const struct ub_result *ub, const struct mx6_dns_result *r)
{
	if (dns->cache == NULL || ub->bogus || ub->ttl <= 0)
		return;
	(void)mx6_dnscache_put(dns->cache, name, rrtype, r, (unsigned)ub->ttl, monotonic_s());
}

static enum mx6_dns_status lookup(struct mx6_dns *dns, const char *name, int rrtype,
				  struct mx6_dns_result *result_r)
{
	struct query *q;
	pthread_condattr_t attr;
	struct timespec deadline;
	int id = 0, rc;

	memset(result_r, 0, sizeof(*result_r));
	/* A name that cannot exist (empty or over-long labels) has no records:
	 * that is a permanent answer, not a resolver failure. */
	if (!valid_query_name(name))
		return result_r->status = MX6_DNS_NXDOMAIN;
	result_r->status = MX6_DNS_TEMPFAIL;
	if (dns->ctx == NULL)
		return static_lookup(dns, name, rrtype, result_r);
	if (cached_answer(dns, name, rrtype, result_r))
		return result_r->status;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return MX6_DNS_TEMPFAIL;
	q->dns = dns;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cond, &attr);
	pthread_condattr_destroy(&attr);

	if (ub_resolve_async(dns->ctx, name, rrtype, 1, q, query_done, &id) != 0) {
		pthread_cond_destroy(&q->cond);
		free(q);
		return MX6_DNS_TEMPFAIL;
	}
	deadline_after(&deadline, dns->timeout_ms);
	pthread_mutex_lock(&dns->lock);
	while (!q->done) {
		rc = pthread_cond_timedwait(&q->cond, &dns->lock, &deadline);
		if (rc == ETIMEDOUT && !q->done) {
			pthread_mutex_unlock(&dns->lock);
			rc = ub_cancel(dns->ctx, id);
			pthread_mutex_lock(&dns->lock);
			if (rc == 0 || !q->done) {
				/* Cancelled, or the callback is on its way: leave q to it. */
				if (rc != 0)
					q->abandoned = 1;
				pthread_mutex_unlock(&dns->lock);
				if (rc == 0) {
					pthread_cond_destroy(&q->cond);
					free(q);
				}
				return MX6_DNS_TEMPFAIL;
			}
		}
	}
	pthread_mutex_unlock(&dns->lock);

	if (q->err != 0 || q->result == NULL) {
		result_r->status = MX6_DNS_TEMPFAIL;
		if (q->result != NULL)
			ub_resolve_free(q->result);
	} else {
		struct ub_result *r = q->result;

		result_r->status = classify(r);
		result_r->rcode = r->rcode;
		if (result_r->status == MX6_DNS_OK) {
			while (r->data[result_r->count] != NULL)
				result_r->count++;
			result_r->rr = r->data;
			result_r->rrlen = r->len;
			result_r->packet = r->answer_packet;
			result_r->packet_len = (size_t)r->answer_len;
			result_r->secure = r->secure;
			result_r->priv = r;
			result_r->priv_kind = MX6_DNS_PRIV_UNBOUND;
			remember_answer(dns, name, rrtype, r, result_r);
		} else {
			if (result_r->status != MX6_DNS_TEMPFAIL)
				remember_answer(dns, name, rrtype, r, result_r);
			ub_resolve_free(r);
		}
	}
	pthread_cond_destroy(&q->cond);
	free(q);
	return result_r->status;
}

/* Every lookup is counted and timed here, whatever path answers it. */
enum mx6_dns_status mx6_dns_lookup(struct mx6_dns *dns, const char *name, int rrtype,
				   struct mx6_dns_result *result_r)
{
	uint64_t start = mx6_metrics_clock();
	enum mx6_dns_status status = lookup(dns, name, rrtype, result_r);

	mx6_metrics_dns_query(rrtype, status == MX6_DNS_TEMPFAIL, start);
	return status;
}

void mx6_dns_result_free(struct mx6_dns_result *result)
{
	if (result->priv == NULL) {
		/* nothing held */
	} else if (result->priv_kind == MX6_DNS_PRIV_STATIC) {
		free(((void **)result->priv)[0]);
		free(((void **)result->priv)[1]);
		free(result->priv);
	} else if (result->priv_kind == MX6_DNS_PRIV_CACHE) {
		mx6_dnscache_release(result->priv);
	} else {
		ub_resolve_free(result->priv);
	}
	memset(result, 0, sizeof(*result));
}

int mx6_dns_txt_join(const char *rdata, int len, char *buf, size_t buflen)
{
	size_t out = 0;
	int i = 0;

	while (i < len) {
		int n = (unsigned char)rdata[i++];

		if (i + n > len)
			return -1;
		while (n-- > 0) {
			if (out + 1 < buflen)
				buf[out++] = rdata[i];
			i++;
		}
	}
	if (buflen > 0)
		buf[out] = '\0';
	return (int)out;
}

const char *mx6_dns_status_name(enum mx6_dns_status status)
{
	switch (status) {
	case MX6_DNS_OK:
		return "ok";
	case MX6_DNS_NODATA:
		return "nodata";
	case MX6_DNS_NXDOMAIN:
		return "nxdomain";
	case MX6_DNS_TEMPFAIL:
		return "temperror";
	}
	return "?";
}
