/*
 * NAME
 *	mx6-report 1
 * SUMMARY
 *	pilot report from mx6-milter's decision log lines
 * SYNOPSIS
 *	mx6-report [--since DATE] [--until DATE] [--year YEAR] [--top N]
 *		[--max-tracked N] [--json] [FILE...|-]
 * DESCRIPTION
 *	Reads the daemon's decision lines (syslog, Postfix maillog_file or
 *	-f stderr format; lib/logline.c) and prints, for the period, how
 *	much IPv6 mail was trusted, green and unknown, per listener and
 *	mode, what a report-mode listener would have deferred, the top
 *	reasons and the top unknown sending domains and /48 networks: what
 *	an operator needs before switching a listener to defensive.
 *
 *	Streaming: one line in memory at a time; the domain, network and
 *	reason counters each track at most --max-tracked distinct keys.
 * DIAGNOSTICS
 *	Exit 0; 1 when an input could not be read; 2 on a usage error.
 */
#include "autoconf.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "address.h"
#include "logline.h"
#include "tally.h"
#include "util.h"

#define LINE_MAX_BYTES	8192 /* the daemon's lines are < 2.5 KiB */
#define MAX_LISTENERS	256  /* listener/mode pairs; more go to "(other)" */
#define DEFAULT_TOP	10
#define DEFAULT_TRACKED 100000
#define NET_PREFIX	48 /* a site: RFC 6177's usual end-site assignment */

enum { C_TRUSTED, C_GREEN, C_UNKNOWN, C_OTHER, C_COUNT };
static const char *const class_names[C_COUNT] = {"trusted", "green", "unknown", "other"};

struct listener_row {
	char name[64];
	char mode[16];
	uint64_t cls[C_COUNT];
	uint64_t deferred, rejected, would_defer;
};

struct report {
	/* options */
	time_t since, until;
	int has_since, has_until, year, json;
	size_t top;
	time_t now;
	/* lines */
	uint64_t read, decisions, ipv4, outside, untimed, other, malformed;
	time_t first, last;
	int has_first;
	/* IPv6 decisions */
	uint64_t cls[C_COUNT];
	uint64_t would_defer, report_mode;
	struct listener_row rows[MAX_LISTENERS + 1];
	size_t nrows;
	struct mx6_tally *reasons_ok, *reasons_unknown, *domains, *networks;
};

static void usage(FILE *fp, int status)
{
	fprintf(fp, "usage: mx6-report [--since DATE] [--until DATE] [--year YEAR] "
		    "[--top N]\n"
		    "                  [--max-tracked N] [--json] [FILE...|-]\n");
	exit(status);
}

static int class_index(const char *name)
{
	int i;

	for (i = 0; i < C_OTHER; i++)
		if (strcmp(name, class_names[i]) == 0)
			return i;
	return C_OTHER;
}

static struct listener_row *row_for(struct report *rp, const char *name, const char *mode)
{
	struct listener_row *r;
	size_t i;

	for (i = 0; i < rp->nrows; i++)
		if (strcmp(rp->rows[i].name, name) == 0 &&
		    strcmp(rp->rows[i].mode, mode) == 0)
			return &rp->rows[i];
	/* Past MAX_LISTENERS pairs the spare last row collects the rest. */
	r = &rp->rows[rp->nrows < MAX_LISTENERS ? rp->nrows++ : MAX_LISTENERS];
	if (r->name[0] == '\0') {
		int spare = r == &rp->rows[MAX_LISTENERS];

		mx6_strlcpy(r->name, spare ? "(other)" : name, sizeof(r->name));
		mx6_strlcpy(r->mode, spare ? "-" : mode, sizeof(r->mode));
	}
	return r;
}

/* Out of memory would silently undercount: better no report at all. */
static void tally(struct mx6_tally *t, const char *key)
{
	if (mx6_tally_add(t, key) < 0) {
		fprintf(stderr, "mx6-report: out of memory\n");
		exit(1);
	}
}

static void count_reasons(struct mx6_tally *t, const char *reasons)
{
	char buf[1024], *tok, *save = NULL;

	mx6_strlcpy(buf, reasons, sizeof(buf));
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save))
		tally(t, tok);
}

/* The sender's domain; "<>" for the null sender. */
static void sender_domain(const char *from, char *buf, size_t len)
{
	if (*from == '\0')
		mx6_strlcpy(buf, "<>", len);
	else if (mx6_address_domain(from, buf, len) < 0)
		mx6_strlcpy(buf, "(invalid)", len);
}

static void client_network(const struct mx6_addr *addr, char *buf, size_t len)
{
	struct mx6_addr net = *addr;
	char text[MX6_ADDR_STRLEN];

	memset(net.bytes + NET_PREFIX / 8, 0, sizeof(net.bytes) - NET_PREFIX / 8);
	snprintf(buf, len, "%s/%d", mx6_addr_format(&net, text), NET_PREFIX);
}

static void count_decision(struct report *rp, const struct mx6_logline *l)
{
	struct listener_row *row;
	int c = class_index(l->class_name);

	rp->decisions++;
	if (l->ipv4) {
		rp->ipv4++;
		return;
	}
	rp->cls[c]++;
	row = row_for(rp, l->listener, l->mode);
	row->cls[c]++;
	if (strcmp(l->action, "defer") == 0)
		row->deferred++;
	else if (strcmp(l->action, "reject") == 0)
		row->rejected++;
	if (strcmp(l->mode, "report") == 0) {
		rp->report_mode++;
		if (c == C_UNKNOWN) {
			row->would_defer++;
			rp->would_defer++;
		}
	}
	if (c == C_TRUSTED || c == C_GREEN)
		count_reasons(rp->reasons_ok, l->reasons);
	if (c == C_UNKNOWN) {
		char key[MX6_DOMAIN_MAX + 8];

		count_reasons(rp->reasons_unknown, l->reasons);
		sender_domain(l->from, key, sizeof(key));
		tally(rp->domains, key);
		client_network(&l->addr, key, sizeof(key));
		tally(rp->networks, key);
	}
}

static void count_line(struct report *rp, char *line)
{
	struct mx6_logline l;

	rp->read++;
	switch (mx6_logline_parse(line, rp->now, rp->year, &l)) {
	case MX6_LOGLINE_OTHER:
		rp->other++;
		return;
	case MX6_LOGLINE_MALFORMED:
		rp->malformed++;
		return;
	}
	if (!l.has_time) {
		rp->untimed++;
	} else {
		if ((rp->has_since && l.when < rp->since) ||
		    (rp->has_until && l.when >= rp->until)) {
			rp->outside++;
			return;
		}
		if (!rp->has_first || l.when < rp->first)
			rp->first = l.when;
		if (!rp->has_first || l.when > rp->last)
			rp->last = l.when;
		rp->has_first = 1;
	}
	count_decision(rp, &l);
}

/* One line at a time; an over-long line is junk and skipped whole. */
static void read_stream(struct report *rp, FILE *fp)
{
	char line[LINE_MAX_BYTES];

	while (fgets(line, sizeof(line), fp) != NULL) {
		size_t len = strlen(line);

		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			int ch;

			while ((ch = getc(fp)) != EOF && ch != '\n')
				;
			rp->read++;
			rp->malformed++;
			continue;
		}
		count_line(rp, line);
	}
}

static int read_input(struct report *rp, const char *path)
{
	FILE *fp;
	int err;

	if (strcmp(path, "-") == 0) {
		read_stream(rp, stdin);
		return ferror(stdin) ? -1 : 0;
	}
	if ((fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "mx6-report: %s: %s\n", path, strerror(errno));
		return -1;
	}
	read_stream(rp, fp);
	err = ferror(fp);
	fclose(fp);
	if (err)
		fprintf(stderr, "mx6-report: %s: read error\n", path);
	return err ? -1 : 0;
}

static const char *fmt_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S%z", &tm);
	return buf;
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static uint64_t ipv6_total(const struct report *rp)
{
	return rp->cls[C_TRUSTED] + rp->cls[C_GREEN] + rp->cls[C_UNKNOWN] +
	       rp->cls[C_OTHER];
}

static uint64_t row_total(const struct listener_row *r)
{
	return r->cls[C_TRUSTED] + r->cls[C_GREEN] + r->cls[C_UNKNOWN] + r->cls[C_OTHER];
}

static void print_top_text(const char *title, const struct mx6_tally *t, size_t n)
{
	struct mx6_tally_entry *top = calloc(n ? n : 1, sizeof(*top));
	size_t k = top != NULL ? mx6_tally_top(t, top, n) : 0, i;

	printf("\n%s:\n", title);
	if (mx6_tally_distinct(t) == 0)
		printf("  (none)\n");
	for (i = 0; i < k; i++)
		printf("  %10llu  %s\n", (unsigned long long)top[i].count, top[i].key);
	if (mx6_tally_untracked(t) > 0)
		printf("  (%llu more not tracked: over %zu distinct)\n",
		       (unsigned long long)mx6_tally_untracked(t), mx6_tally_distinct(t));
	free(top);
}

/* Busiest listener first, then by name and mode. */
static int by_total(const void *a, const void *b)
{
	const struct listener_row *x = *(const struct listener_row *const *)a;
	const struct listener_row *y = *(const struct listener_row *const *)b;
	uint64_t tx = row_total(x), ty = row_total(y);
	int n;

	if (tx != ty)
		return tx > ty ? -1 : 1;
	if ((n = strcmp(x->name, y->name)) != 0)
		return n;
	return strcmp(x->mode, y->mode);
}

static void print_text(const struct report *rp)
{
	const struct listener_row *rows[MAX_LISTENERS + 1];
	uint64_t total = ipv6_total(rp);
	char a[40], b[40];
	size_t i, nrows = 0;
	int c;

	printf("mx6-report: period %s to %s\n",
	       rp->has_since ? fmt_time(rp->since, a, sizeof(a)) : "(start)",
	       rp->has_until ? fmt_time(rp->until, b, sizeof(b)) : "(end)");
	if (rp->has_first)
		printf("decisions logged from %s to %s\n",
		       fmt_time(rp->first, a, sizeof(a)),
		       fmt_time(rp->last, b, sizeof(b)));
	printf("lines: %llu read, %llu decisions (%llu IPv6, %llu IPv4), %llu outside "
	       "the period, "
	       "%llu without timestamp, %llu other, %llu malformed\n",
	       (unsigned long long)rp->read, (unsigned long long)rp->decisions,
	       (unsigned long long)total, (unsigned long long)rp->ipv4,
	       (unsigned long long)rp->outside, (unsigned long long)rp->untimed,
	       (unsigned long long)rp->other, (unsigned long long)rp->malformed);

	printf("\nIPv6 decisions: %llu\n", (unsigned long long)total);
	for (c = 0; c < C_COUNT; c++)
		if (c != C_OTHER || rp->cls[c] > 0)
			printf("  %-8s %10llu  %5.1f%%\n", class_names[c],
			       (unsigned long long)rp->cls[c], pct(rp->cls[c], total));

	printf("\nper listener and mode:\n");
	printf("  %-16s %-10s %8s %8s %8s %8s %8s %8s %11s\n", "listener", "mode",
	       "total", "trusted", "green", "unknown", "deferred", "rejected",
	       "would-defer");
	for (i = 0; i <= MAX_LISTENERS; i++)
		if (rp->rows[i].name[0] != '\0')
			rows[nrows++] = &rp->rows[i];
	qsort(rows, nrows, sizeof(rows[0]), by_total);
	for (i = 0; i < nrows; i++) {
		const struct listener_row *r = rows[i];

		printf("  %-16s %-10s %8llu %8llu %8llu %8llu %8llu %8llu %11llu\n",
		       r->name, r->mode, (unsigned long long)row_total(r),
		       (unsigned long long)r->cls[C_TRUSTED],
		       (unsigned long long)r->cls[C_GREEN],
		       (unsigned long long)r->cls[C_UNKNOWN],
		       (unsigned long long)r->deferred, (unsigned long long)r->rejected,
		       (unsigned long long)r->would_defer);
	}

	printf("\nreport mode: %llu of %llu IPv6 decisions on report-mode listeners "
	       "would have "
	       "been deferred (%.1f%%)\n",
	       (unsigned long long)rp->would_defer, (unsigned long long)rp->report_mode,
	       pct(rp->would_defer, rp->report_mode));

	print_top_text("top reasons, trusted and green", rp->reasons_ok, rp->top);
	print_top_text("top reasons, unknown", rp->reasons_unknown, rp->top);
	print_top_text("top unknown sender domains (envelope from)", rp->domains,
		       rp->top);
	print_top_text("top unknown client networks (/48)", rp->networks, rp->top);
}

static void print_top_json(const char *name, const char *what, const struct mx6_tally *t,
			   size_t n)
{
	struct mx6_tally_entry *top = calloc(n ? n : 1, sizeof(*top));
	size_t k = top != NULL ? mx6_tally_top(t, top, n) : 0, i;

	printf(",\"%s\":[", name);
	for (i = 0; i < k; i++) {
		printf("%s{\"%s\":", i ? "," : "", what);
		mx6_json_string(stdout, top[i].key);
		printf(",\"count\":%llu}", (unsigned long long)top[i].count);
	}
	printf("],\"%s_distinct\":%zu,\"%s_untracked\":%llu", name, mx6_tally_distinct(t),
	       name, (unsigned long long)mx6_tally_untracked(t));
	free(top);
}

static void print_json(const struct report *rp, unsigned long tracked)
{
	uint64_t total = ipv6_total(rp);
	char a[40];
	size_t i;
	int c, first = 1;

	printf("{\"period\":{\"since\":");
	if (rp->has_since)
		mx6_json_string(stdout, fmt_time(rp->since, a, sizeof(a)));
	else
		printf("null");
	printf(",\"until\":");
	if (rp->has_until)
		mx6_json_string(stdout, fmt_time(rp->until, a, sizeof(a)));
	else
		printf("null");
	printf(",\"first\":");
	if (rp->has_first)
		mx6_json_string(stdout, fmt_time(rp->first, a, sizeof(a)));
	else
		printf("null");
	printf(",\"last\":");
	if (rp->has_first)
		mx6_json_string(stdout, fmt_time(rp->last, a, sizeof(a)));
	else
		printf("null");
	printf("},\"lines\":{\"read\":%llu,\"decisions\":%llu,\"ipv6\":%llu,\"ipv4\":%"
	       "llu,"
	       "\"outside_period\":%llu,\"untimed\":%llu,\"other\":%llu,\"malformed\":%"
	       "llu}",
	       (unsigned long long)rp->read, (unsigned long long)rp->decisions,
	       (unsigned long long)total, (unsigned long long)rp->ipv4,
	       (unsigned long long)rp->outside, (unsigned long long)rp->untimed,
	       (unsigned long long)rp->other, (unsigned long long)rp->malformed);
	printf(",\"ipv6\":{\"total\":%llu", (unsigned long long)total);
	for (c = 0; c < C_COUNT; c++)
		printf(",\"%s\":%llu,\"%s_pct\":%.1f", class_names[c],
		       (unsigned long long)rp->cls[c], class_names[c],
		       pct(rp->cls[c], total));
	printf("},\"listeners\":[");
	for (i = 0; i <= MAX_LISTENERS; i++) {
		const struct listener_row *r = &rp->rows[i];

		if (r->name[0] == '\0')
			continue;
		printf("%s{\"listener\":", first ? "" : ",");
		first = 0;
		mx6_json_string(stdout, r->name);
		printf(",\"mode\":");
		mx6_json_string(stdout, r->mode);
		printf(",\"total\":%llu,\"trusted\":%llu,\"green\":%llu,\"unknown\":%llu,"
		       "\"other\":%llu,\"deferred\":%llu,\"rejected\":%llu,\"would_"
		       "defer\":%llu}",
		       (unsigned long long)row_total(r),
		       (unsigned long long)r->cls[C_TRUSTED],
		       (unsigned long long)r->cls[C_GREEN],
		       (unsigned long long)r->cls[C_UNKNOWN],
		       (unsigned long long)r->cls[C_OTHER],
		       (unsigned long long)r->deferred, (unsigned long long)r->rejected,
		       (unsigned long long)r->would_defer);
	}
	printf("],\"report_mode\":{\"decisions\":%llu,\"would_defer\":%llu,"
	       "\"would_defer_pct\":%.1f}",
	       (unsigned long long)rp->report_mode, (unsigned long long)rp->would_defer,
	       pct(rp->would_defer, rp->report_mode));
	print_top_json("top_reasons_accepted", "reason", rp->reasons_ok, rp->top);
	print_top_json("top_reasons_unknown", "reason", rp->reasons_unknown, rp->top);
	print_top_json("top_unknown_domains", "domain", rp->domains, rp->top);
	print_top_json("top_unknown_networks", "network", rp->networks, rp->top);
	printf(",\"network_prefix\":%d,\"max_tracked\":%lu}\n", NET_PREFIX, tracked);
}

static void parse_date(const char *opt, const char *text, time_t now, time_t *when_r)
{
	size_t n = mx6_logtime_parse(text, now, 0, when_r);

	if (n == 0 || text[n] != '\0') {
		fprintf(stderr,
			"mx6-report: %s: bad date '%s' (YYYY-MM-DD[ HH:MM[:SS]])\n", opt,
			text);
		exit(2);
	}
}

static unsigned long number(const char *opt, const char *text, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v > max || text[0] == '-') {
		fprintf(stderr, "mx6-report: %s: bad number '%s'\n", opt, text);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{"since", required_argument, NULL, 's'},
		{"until", required_argument, NULL, 'u'},
		{"year", required_argument, NULL, 'y'},
		{"top", required_argument, NULL, 't'},
		{"max-tracked", required_argument, NULL, 'm'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static struct report rp;
	unsigned long tracked = DEFAULT_TRACKED;
	int ch, status = 0;

	rp.now = time(NULL);
	rp.top = DEFAULT_TOP;
	while ((ch = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (ch) {
		case 's':
			parse_date("--since", optarg, rp.now, &rp.since);
			rp.has_since = 1;
			break;
		case 'u':
			parse_date("--until", optarg, rp.now, &rp.until);
			rp.has_until = 1;
			break;
		case 'y':
			rp.year = (int)number("--year", optarg, 9999);
			if (rp.year < 1970)
				usage(stderr, 2);
			break;
		case 't':
			rp.top = number("--top", optarg, 100000);
			break;
		case 'm':
			tracked = number("--max-tracked", optarg, 100000000);
			break;
		case 'j':
			rp.json = 1;
			break;
		case 'h':
			usage(stdout, 0);
			break;
		default:
			usage(stderr, 2);
		}
	}
	rp.reasons_ok = mx6_tally_new(tracked);
	rp.reasons_unknown = mx6_tally_new(tracked);
	rp.domains = mx6_tally_new(tracked);
	rp.networks = mx6_tally_new(tracked);
	if (rp.reasons_ok == NULL || rp.reasons_unknown == NULL || rp.domains == NULL ||
	    rp.networks == NULL) {
		fprintf(stderr, "mx6-report: out of memory\n");
		return 1;
	}
	if (optind == argc) {
		status = read_input(&rp, "-") < 0;
	} else {
		for (; optind < argc; optind++)
			if (read_input(&rp, argv[optind]) < 0)
				status = 1;
	}
	if (rp.json)
		print_json(&rp, tracked);
	else
		print_text(&rp);
	mx6_tally_free(&rp.reasons_ok);
	mx6_tally_free(&rp.reasons_unknown);
	mx6_tally_free(&rp.domains);
	mx6_tally_free(&rp.networks);
	return status;
}
