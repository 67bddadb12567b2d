/*
 * NAME
 *	metrics 3
 * SUMMARY
 *	process-wide counters and histograms, Prometheus text exposition
 * SYNOPSIS
 *	See metrics.h.
 * DESCRIPTION
 *	Counters are arrays of atomics indexed by small enums, so recording
 *	is one relaxed fetch-add. Listener labels are the one set known only
 *	at run time: a slot table that is appended to under a mutex (once
 *	per label for the life of the process) and read without one (the
 *	count of published slots is stored with release order after the
 *	slot's name is written).
 *
 *	Histograms keep per-bucket (not cumulative) counts and the sum in
 *	nanoseconds as an integer, both updated without a lock; rendering
 *	accumulates the buckets and derives _count from them, so _count
 *	always equals the +Inf bucket.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns.h"
#include "metrics.h"
#include "util.h"

typedef atomic_uint_fast64_t counter;

static void add(counter *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static uint64_t get(counter *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* ------------------------------------------------------------ histograms */

/*
 * Seconds. Remote lookups (DNS, RDAP) take milliseconds to seconds; the
 * milter's own work per stage takes microseconds when its DNS answers are
 * cached, and the target for it is 100 us, so the decision histogram
 * starts at 10 us.
 */
static const double remote_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
				       0.1,    0.25,  0.5,    1,     2.5,  5,     10};
static const double decision_bounds[] = {0.00001, 0.000025, 0.00005, 0.000075, 0.0001,
					 0.00015, 0.00025,  0.0005,  0.001,    0.0025,
					 0.005,   0.01,     0.025,   0.05,     0.1,
					 0.25,    0.5,      1,       2.5,      5};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define MAXBUCKETS                                                                         \
	(COUNT(decision_bounds) > COUNT(remote_bounds) ? COUNT(decision_bounds)             \
						       : COUNT(remote_bounds))

struct buckets {
	const double *bound;
	size_t count;
};

static const struct buckets remote_buckets = {remote_bounds, COUNT(remote_bounds)};
static const struct buckets decision_buckets = {decision_bounds, COUNT(decision_bounds)};

struct histogram {
	counter bucket[MAXBUCKETS + 1]; /* [count]: above every bound */
	counter sum_ns;
};

static void observe_ns(struct histogram *h, const struct buckets *b, uint64_t ns)
{
	double s = (double)ns / 1e9;
	size_t i;

	for (i = 0; i < b->count && s > b->bound[i]; i++)
		;
	add(&h->bucket[i], 1);
	add(&h->sum_ns, ns);
}

/* ------------------------------------------------------------ fixed label sets */

/* Class and action label values are the names the decision line logs. */
#define NCLASSES ((size_t)MX6_CLASS_UNKNOWN + 1)
#define NACTIONS ((size_t)MX6_ACTION_REPORT + 1)

static const char *const stage_names[MX6_METRICS_STAGE_COUNT] = {
	"connect", "helo", "mail", "rcpt", "eoh", "body", "eom",
};

#define AUTH_REASONS(m)                                                                  \
	m ":none", m ":pass", m ":fail", m ":softfail", m ":neutral", m ":policy",     \
		m ":temperror", m ":permerror"

/*
 * Reason names. A token that matches none exactly counts under its part
 * before ':' when that part is here ("asn:AS64496" -> "asn"), else under
 * "other" (the last entry), so a list zone or registrar ID never becomes a
 * label value.
 */
static const char *const reason_names[] = {
	"ip_whitelist", "domain_whitelist", "addressbook", "addressbook:some",
	"ip_greenlist", "asn", "domain_greenlist", "dnswl", "history", "iprev", "noretry",
	"registrar", "whois", "auth-fail", "temperror", "unlisted", AUTH_REASONS("spf"),
	AUTH_REASONS("dkim"), AUTH_REASONS("dmarc"), AUTH_REASONS("iprev"), "other",
};
#define NREASONS (sizeof(reason_names) / sizeof(reason_names[0]))

static const char *const skip_names[] = {"ipv4", "mode-off", "submission",
					 "no-client-address", "other"};
#define NSKIPS (sizeof(skip_names) / sizeof(skip_names[0]))

static const struct {
	int rrtype;
	const char *name;
} dns_types[] = {
	{MX6_RR_A, "A"},   {MX6_RR_AAAA, "AAAA"}, {MX6_RR_TXT, "TXT"},
	{MX6_RR_PTR, "PTR"}, {MX6_RR_MX, "MX"},	  {0, "other"},
};
#define NDNSTYPES (sizeof(dns_types) / sizeof(dns_types[0]))

/* Index of NAME (LEN bytes) in NAMES, or -1. */
static int find_name(const char *const *names, size_t n, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
			return (int)i;
	return -1;
}

static size_t reason_index(const char *token, size_t len)
{
	const char *colon = memchr(token, ':', len);
	int i = find_name(reason_names, NREASONS - 1, token, len);

	/* "asn:AS64496" is "asn"; but "iprev:bogus" is an unlisted result of
	 * the iprev check, not the iprev greenlist signal. */
	if (i < 0 && colon != NULL) {
		i = find_name(reason_names, NREASONS - 1, token, (size_t)(colon - token));
		if (i >= 0 && strcmp(reason_names[i], "iprev") == 0)
			i = -1;
	}
	return i < 0 ? NREASONS - 1 : (size_t)i;
}

/* ------------------------------------------------------------ listeners */

#define LISTENER_NAME_MAX 128
#define OTHER_LISTENER MX6_METRICS_MAX_LISTENERS

static struct {
	char name[LISTENER_NAME_MAX];
} listeners[MX6_METRICS_MAX_LISTENERS];
static atomic_size_t nlisteners;
static pthread_mutex_t listener_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t find_listener(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strncmp(listeners[i].name, name, LISTENER_NAME_MAX - 1) == 0)
			return i;
	return OTHER_LISTENER;
}

static size_t listener_index(const char *name)
{
	size_t n = atomic_load_explicit(&nlisteners, memory_order_acquire), i;

	if ((i = find_listener(name, n)) != OTHER_LISTENER)
		return i;
	pthread_mutex_lock(&listener_lock);
	n = atomic_load_explicit(&nlisteners, memory_order_relaxed);
	if ((i = find_listener(name, n)) == OTHER_LISTENER && n < MX6_METRICS_MAX_LISTENERS) {
		mx6_strlcpy(listeners[n].name, name, sizeof(listeners[n].name));
		atomic_store_explicit(&nlisteners, n + 1, memory_order_release);
		i = n;
	}
	pthread_mutex_unlock(&listener_lock);
	return i;
}

/* ------------------------------------------------------------ the counters */

static struct {
	counter messages[MX6_METRICS_MAX_LISTENERS + 1][NCLASSES][NACTIONS];
	counter skipped[MX6_METRICS_MAX_LISTENERS + 1][NSKIPS];
	counter reasons[NREASONS];
	struct histogram stage[MX6_METRICS_STAGE_COUNT];
	atomic_int_fast64_t sessions;
	counter dns_queries[NDNSTYPES];
	counter dns_temperrors[NDNSTYPES];
	counter dns_cache_hits;
	struct histogram dns_seconds[NDNSTYPES];
	counter rdap_queries;
	counter rdap_cache_hits;
	counter rdap_errors;
	struct histogram rdap_seconds;
	counter store_errors;
	counter reload_failures;
	counter reload_success_ms; /* unix time in ms; 0: never */
	counter start_ms;
} m;

static uint64_t unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void mx6_metrics_init(void)
{
	uint_fast64_t zero = 0;

	atomic_compare_exchange_strong(&m.start_ms, &zero, unix_ms());
}

uint64_t mx6_metrics_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t since(uint64_t start)
{
	uint64_t now = mx6_metrics_clock();

	return now > start ? now - start : 0;
}

void mx6_metrics_decision(const char *listener, enum mx6_class cls,
			  enum mx6_action action, const char *reasons)
{
	const char *p = reasons != NULL ? reasons : "";
	size_t len;

	if ((size_t)cls >= NCLASSES || (size_t)action >= NACTIONS)
		return;
	add(&m.messages[listener_index(listener != NULL ? listener : "")][cls][action], 1);
	while (*p != '\0') {
		len = strcspn(p, ",");
		if (len > 0)
			add(&m.reasons[reason_index(p, len)], 1);
		p += len;
		if (*p == ',')
			p++;
	}
}

void mx6_metrics_skipped(const char *listener, const char *reason)
{
	int i = find_name(skip_names, NSKIPS - 1, reason != NULL ? reason : "",
			  reason != NULL ? strlen(reason) : 0);

	add(&m.skipped[listener_index(listener != NULL ? listener : "")]
		      [i < 0 ? NSKIPS - 1 : (size_t)i],
	    1);
}

void mx6_metrics_stage(enum mx6_metrics_stage stage, uint64_t start)
{
	if ((size_t)stage < MX6_METRICS_STAGE_COUNT)
		observe_ns(&m.stage[stage], &decision_buckets, since(start));
}

void mx6_metrics_session_begin(void)
{
	atomic_fetch_add_explicit(&m.sessions, 1, memory_order_relaxed);
}

void mx6_metrics_session_end(void)
{
	atomic_fetch_sub_explicit(&m.sessions, 1, memory_order_relaxed);
}

static size_t dns_type_index(int rrtype)
{
	size_t i;

	for (i = 0; i < NDNSTYPES - 1; i++)
		if (dns_types[i].rrtype == rrtype)
			return i;
	return NDNSTYPES - 1;
}

void mx6_metrics_dns_query(int rrtype, int temperror, uint64_t start)
{
	size_t t = dns_type_index(rrtype);

	add(&m.dns_queries[t], 1);
	if (temperror)
		add(&m.dns_temperrors[t], 1);
	observe_ns(&m.dns_seconds[t], &remote_buckets, since(start));
}

void mx6_metrics_dns_cache_hit(void)
{
	add(&m.dns_cache_hits, 1);
}

void mx6_metrics_rdap_query(int cached, int ok, double seconds)
{
	add(&m.rdap_queries, 1);
	if (!ok)
		add(&m.rdap_errors, 1);
	if (cached)
		add(&m.rdap_cache_hits, 1);
	else
		observe_ns(&m.rdap_seconds, &remote_buckets, seconds > 0 ? (uint64_t)(seconds * 1e9 + 0.5) : 0);
}

void mx6_metrics_store_error(void)
{
	add(&m.store_errors, 1);
}

void mx6_metrics_reload(int ok)
{
	if (ok)
		atomic_store_explicit(&m.reload_success_ms, unix_ms(), memory_order_relaxed);
	else
		add(&m.reload_failures, 1);
}

/* ------------------------------------------------------------ lists */

static void add_list(struct mx6_metrics_lists *l, const char *name, size_t entries)
{
	if (l->n < MX6_METRICS_MAX_LISTS) {
		l->list[l->n].name = name;
		l->list[l->n++].entries = entries;
	}
}

void mx6_metrics_config_lists(const struct mx6_config *cfg, struct mx6_metrics_lists *l)
{
	l->n = 0;
	if (cfg == NULL)
		return;
	/* A list that is not configured has no entries: 0, not absent. */
	add_list(l, "ip_whitelist", mx6_iplist_count(cfg->ip_whitelist.list));
	add_list(l, "ip_greenlist", mx6_iplist_count(cfg->ip_greenlist.list));
	add_list(l, "domain_whitelist", mx6_domainset_count(cfg->domain_whitelist.set));
	add_list(l, "domain_greenlist", mx6_domainset_count(cfg->domain_greenlist.set));
	add_list(l, "asn_greenlist", mx6_asnlist_count(cfg->asn_greenlist));
	add_list(l, "noretry_list",
		 mx6_iplist_count(cfg->noretry_ip.list) +
			 mx6_domainset_count(cfg->noretry_domain.set));
	add_list(l, "dnswl", cfg->ndnswl);
	add_list(l, "dnswl_domain", cfg->ndnswl_domain);
}

/* ------------------------------------------------------------ rendering */

struct out {
	char *buf;
	size_t size;
	size_t len; /* what the whole text needs, even past size */
};

static void __attribute__((format(printf, 2, 3))) put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->len < o->size ? o->buf + o->len : NULL,
		      o->len < o->size ? o->size - o->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

/* LEN bytes of S, as they are. */
static void put_bytes(struct out *o, const char *s, size_t len)
{
	if (o->len < o->size) {
		size_t room = o->size - o->len - 1, n = len < room ? len : room;

		memcpy(o->buf + o->len, s, n);
		o->buf[o->len + n] = '\0';
	}
	o->len += len;
}

/* A label value with \, " and newline escaped (exposition format 0.0.4). */
static void put_label_value(struct out *o, const char *v)
{
	size_t run;

	while (*v != '\0') {
		run = strcspn(v, "\\\"\n");
		put_bytes(o, v, run);
		v += run;
		if (*v == '\0')
			break;
		put_bytes(o, *v == '\n' ? "\\n" : *v == '"' ? "\\\"" : "\\\\", 2);
		v++;
	}
}

static void family(struct out *o, const char *name, const char *type, const char *help)
{
	put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* NAME SUFFIX{LABEL="VALUE"}, or without braces when LABEL is NULL. */
static void series(struct out *o, const char *name, const char *suffix, const char *label,
		   const char *value)
{
	put(o, "%s%s", name, suffix);
	if (label != NULL) {
		put(o, "{%s=\"", label);
		put_label_value(o, value);
		put(o, "\"}");
	}
}

static void counter_line(struct out *o, const char *name, const char *label,
			 const char *value, uint64_t n)
{
	series(o, name, "", label, value);
	put(o, " %llu\n", (unsigned long long)n);
}

/* Cumulative buckets, +Inf, _sum and _count (equal to the +Inf bucket). */
static void histogram_lines(struct out *o, const char *name, const char *label,
			    const char *value, struct histogram *h, const struct buckets *b)
{
	uint64_t cumulative = 0;
	size_t i;

	for (i = 0; i <= b->count; i++) {
		cumulative += get(&h->bucket[i]);
		put(o, "%s_bucket{", name);
		if (label != NULL) {
			put(o, "%s=\"", label);
			put_label_value(o, value);
			put(o, "\",");
		}
		if (i < b->count)
			put(o, "le=\"%g\"} %llu\n", b->bound[i], (unsigned long long)cumulative);
		else
			put(o, "le=\"+Inf\"} %llu\n", (unsigned long long)cumulative);
	}
	series(o, name, "_sum", label, value);
	put(o, " %.9f\n", (double)get(&h->sum_ns) / 1e9);
	series(o, name, "_count", label, value);
	put(o, " %llu\n", (unsigned long long)cumulative);
}

static const char *listener_name(size_t i)
{
	return i == OTHER_LISTENER ? "other" : listeners[i].name;
}

static void render_messages(struct out *o)
{
	size_t n = atomic_load_explicit(&nlisteners, memory_order_acquire), l, c, a;

	family(o, "mx6_messages_total", "counter",
	       "Decisions taken (one per decision log line) by listener, class and action.");
	for (l = 0; l <= MX6_METRICS_MAX_LISTENERS; l++) {
		if (l >= n && l != OTHER_LISTENER)
			continue;
		for (c = 0; c < NCLASSES; c++)
			for (a = 0; a < NACTIONS; a++) {
				uint64_t v = get(&m.messages[l][c][a]);

				/* Only combinations that happened: most never do. */
				if (v == 0)
					continue;
				put(o, "mx6_messages_total{listener=\"");
				put_label_value(o, listener_name(l));
				put(o, "\",class=\"%s\",action=\"%s\"} %llu\n",
				    mx6_class_name((enum mx6_class)c),
				    mx6_action_name((enum mx6_action)a), (unsigned long long)v);
			}
	}
	family(o, "mx6_messages_skipped_total", "counter",
	       "Messages the milter stepped aside for (IPv4, listener off, submission), "
	       "by listener and reason.");
	for (l = 0; l <= MX6_METRICS_MAX_LISTENERS; l++) {
		if (l >= n && l != OTHER_LISTENER)
			continue;
		for (c = 0; c < NSKIPS; c++) {
			uint64_t v = get(&m.skipped[l][c]);

			if (v == 0)
				continue;
			put(o, "mx6_messages_skipped_total{listener=\"");
			put_label_value(o, listener_name(l));
			put(o, "\",reason=\"%s\"} %llu\n", skip_names[c], (unsigned long long)v);
		}
	}
	family(o, "mx6_reasons_total", "counter",
	       "Reasons given in decisions, by reason name without its variable part.");
	for (c = 0; c < NREASONS; c++)
		counter_line(o, "mx6_reasons_total", "reason", reason_names[c], get(&m.reasons[c]));
}

static void render_latency(struct out *o)
{
	size_t i;

	family(o, "mx6_decision_seconds", "histogram",
	       "Time the milter took to answer the MTA, by SMTP stage.");
	for (i = 0; i < MX6_METRICS_STAGE_COUNT; i++)
		histogram_lines(o, "mx6_decision_seconds", "stage", stage_names[i], &m.stage[i],
				&decision_buckets);
	family(o, "mx6_sessions", "gauge", "SMTP sessions in progress.");
	put(o, "mx6_sessions %lld\n",
	    (long long)atomic_load_explicit(&m.sessions, memory_order_relaxed));
}

static void render_dns(struct out *o)
{
	size_t i;

	family(o, "mx6_dns_queries_total", "counter",
	       "DNS lookups made by the checks (cache hits included), by query type.");
	for (i = 0; i < NDNSTYPES; i++)
		counter_line(o, "mx6_dns_queries_total", "type", dns_types[i].name,
			     get(&m.dns_queries[i]));
	family(o, "mx6_dns_temperrors_total", "counter",
	       "DNS lookups that ended in a temporary error (timeout, SERVFAIL), by query type.");
	for (i = 0; i < NDNSTYPES; i++)
		counter_line(o, "mx6_dns_temperrors_total", "type", dns_types[i].name,
			     get(&m.dns_temperrors[i]));
	family(o, "mx6_dns_cache_hits_total", "counter",
	       "DNS lookups answered from mx6-milter's own answer cache.");
	counter_line(o, "mx6_dns_cache_hits_total", NULL, NULL, get(&m.dns_cache_hits));
	family(o, "mx6_dns_query_duration_seconds", "histogram",
	       "Duration of DNS lookups, by query type.");
	for (i = 0; i < NDNSTYPES; i++)
		histogram_lines(o, "mx6_dns_query_duration_seconds", "type", dns_types[i].name,
				&m.dns_seconds[i], &remote_buckets);
}

static void render_rdap(struct out *o)
{
	family(o, "mx6_rdap_queries_total", "counter", "RDAP lookups (cache hits included).");
	counter_line(o, "mx6_rdap_queries_total", NULL, NULL, get(&m.rdap_queries));
	family(o, "mx6_rdap_cache_hits_total", "counter",
	       "RDAP lookups answered from the state store.");
	counter_line(o, "mx6_rdap_cache_hits_total", NULL, NULL, get(&m.rdap_cache_hits));
	family(o, "mx6_rdap_errors_total", "counter",
	       "RDAP lookups that failed (timeout, HTTP error, malformed answer).");
	counter_line(o, "mx6_rdap_errors_total", NULL, NULL, get(&m.rdap_errors));
	family(o, "mx6_rdap_query_duration_seconds", "histogram",
	       "Duration of RDAP lookups that went to a server.");
	histogram_lines(o, "mx6_rdap_query_duration_seconds", NULL, NULL, &m.rdap_seconds,
			&remote_buckets);
}

static void render_state(struct out *o, const struct mx6_metrics_lists *lists)
{
	uint64_t ms;
	size_t i;

	family(o, "mx6_list_entries", "gauge",
	       "Entries in each list (zones for dnswl) of the configuration in force.");
	for (i = 0; lists != NULL && i < lists->n; i++)
		counter_line(o, "mx6_list_entries", "list", lists->list[i].name,
			     lists->list[i].entries);
	family(o, "mx6_config_last_reload_success_timestamp_seconds", "gauge",
	       "Unix time of the last successful configuration load.");
	ms = get(&m.reload_success_ms);
	put(o, "mx6_config_last_reload_success_timestamp_seconds %llu.%03llu\n",
	    (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000));
	family(o, "mx6_config_reload_failures_total", "counter",
	       "Configuration reloads that failed (the previous configuration stayed).");
	counter_line(o, "mx6_config_reload_failures_total", NULL, NULL, get(&m.reload_failures));
	family(o, "mx6_store_errors_total", "counter", "State store operations that failed.");
	counter_line(o, "mx6_store_errors_total", NULL, NULL, get(&m.store_errors));
	family(o, "mx6_process_start_time_seconds", "gauge",
	       "Unix time the mx6-milter process started.");
	ms = get(&m.start_ms);
	put(o, "mx6_process_start_time_seconds %llu.%03llu\n",
	    (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000));
}

size_t mx6_metrics_render(const struct mx6_metrics_lists *lists, char *buf, size_t size)
{
	struct out o = {buf, size, 0};

	if (size > 0)
		buf[0] = '\0';
	render_messages(&o);
	render_latency(&o);
	render_dns(&o);
	render_rdap(&o);
	render_state(&o, lists);
	return o.len;
}

/* ------------------------------------------------------------ metrics_listen */

int mx6_metrics_parse_listen(const char *spec, struct sockaddr_storage *ss,
			     socklen_t *len_r, char *err_r, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *port_text;
	unsigned long port;
	char *end;
	size_t hlen;

	memset(ss, 0, sizeof(*ss));
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (close == NULL || close[1] != ':')
			goto bad;
		hlen = (size_t)(close - spec - 1);
		if (hlen == 0 || hlen >= sizeof(host))
			goto bad;
		memcpy(host, spec + 1, hlen);
		port_text = close + 2;
	} else {
		if ((colon = strrchr(spec, ':')) == NULL || strchr(spec, ':') != colon)
			goto bad;
		hlen = (size_t)(colon - spec);
		if (hlen == 0 || hlen >= sizeof(host))
			goto bad;
		memcpy(host, spec, hlen);
		port_text = colon + 1;
	}
	host[hlen] = '\0';
	port = strtoul(port_text, &end, 10);
	if (*port_text < '0' || *port_text > '9' || *end != '\0' || port == 0 || port > 65535)
		goto bad;
	if (spec[0] == '[') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			goto bad;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len_r = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			goto bad;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len_r = sizeof(*s4);
	}
	return 0;
bad:
	snprintf(err_r, errlen,
		 "'%s' is not ADDRESS:PORT with a literal address (127.0.0.1:9706, "
		 "[::1]:9706) and a port 1-65535",
		 spec);
	return -1;
}
