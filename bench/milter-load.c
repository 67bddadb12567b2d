/*
 * NAME
 *	milter-load 1
 * SUMMARY
 *	milter protocol load generator: decision latency per stage, memory
 *	per concurrent session (no MTA)
 * SYNOPSIS
 *	bench/milter-load -s unix:PATH -l LABEL -a CLIENT-ADDR -F MESSAGE
 *		[-H HELO] [-f FROM] [-r RCPT] [-d DAEMON-NAME]
 *		[-n SESSIONS] [-w WARMUP] [-c CONCURRENT] [-p MILTER-PID]
 * DESCRIPTION
 *	Plays the MTA the way Postfix does (protocol version 6, every
 *	protocol option offered; steps the filter declines with SMFIP_NO*
 *	are not sent, steps it marks SMFIP_NR_* are sent without waiting;
 *	after an accept, reject, tempfail or discard the rest of the
 *	connection or message is not sent) over a unix socket, one message
 *	per connection: negotiation, connect from CLIENT-ADDR (macro
 *	{daemon_name} = DAEMON-NAME), HELO, MAIL, RCPT, the header fields of
 *	MESSAGE (a file, LF or CRLF), end of headers, its body in 64 KB
 *	chunks (CRLF), end of message, QUIT.
 *
 *	Latency (-n): after WARMUP unrecorded sessions (default 50), runs
 *	SESSIONS (default 2000) sessions one after the other and measures,
 *	for every step that has a reply, the time from writing the command
 *	to reading the filter's final answer (header changes included), on
 *	CLOCK_MONOTONIC. Prints per stage
 *	  latency LABEL STAGE N P50 P99 P99.9 MAX     (microseconds)
 *	and, to let the caller check that the path measured is the one
 *	intended, the tally of how sessions ended and the header fields the
 *	filter added to the last one:
 *	  outcome LABEL STAGE:ANSWER COUNT
 *	  added LABEL NAME: VALUE
 *
 *	Memory (-c): opens CONCURRENT connections and drives them in lock
 *	step (each step sent on every connection, then every answer read)
 *	up to the end of headers; with every session open, reads VmRSS and
 *	VmHWM of MILTER-PID from /proc, then finishes the sessions. Prints
 *	  rss LABEL CONCURRENT IDLE-KB OPEN-KB HWM-KB PER-SESSION-KB
 *	      ANON-IDLE-KB ANON-OPEN-KB PSS-OPEN-KB FILE-OPEN-KB
 *	where IDLE is VmRSS before the connections were opened, OPEN with
 *	all of them open, PER-SESSION = (OPEN - IDLE) / CONCURRENT, and ANON
 *	the part of VmRSS that is the process's own memory (RssAnon), not
 *	pages of shared libraries (RssFile) that every process using them
 *	shares; PSS counts those divided by the number of processes sharing
 *	them; FILE is RssFile.
 *
 *	Tab-separated. Every answer the filter gives is accepted as it comes;
 *	a protocol error, a closed connection or 30 s without an answer is
 *	fatal.
 * EXIT STATUS
 *	0 done, 1 error, 2 usage.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../tests/milter/mtproto.h"

#define TIMEOUT_MS 30000
#define MAX_HEADERS 256

enum stage { S_CONNECT, S_HELO, S_MAIL, S_RCPT, S_HEADER, S_EOH, S_BODY, S_EOM, S_COUNT };

static const struct {
	const char *name;
	char cmd;
	uint32_t no_bit, nr_bit;
} stages[S_COUNT] = {
	[S_CONNECT] = {"connect", 'C', SMFIP_NOCONNECT, SMFIP_NR_CONN},
	[S_HELO] = {"helo", 'H', SMFIP_NOHELO, SMFIP_NR_HELO},
	[S_MAIL] = {"mail", 'M', SMFIP_NOMAIL, SMFIP_NR_MAIL},
	[S_RCPT] = {"rcpt", 'R', SMFIP_NORCPT, SMFIP_NR_RCPT},
	[S_HEADER] = {"header", 'L', SMFIP_NOHDRS, SMFIP_NR_HDR},
	[S_EOH] = {"eoh", 'N', SMFIP_NOEOH, SMFIP_NR_EOH},
	[S_BODY] = {"body", 'B', SMFIP_NOBODY, SMFIP_NR_BODY},
	[S_EOM] = {"eom", 'E', 0, 0},
};

struct conn {
	int fd;
	uint32_t proto; /* protocol options the filter chose */
	int conn_done;	/* the filter decided for the connection */
	int msg_done;	/* ... or for the message */
	int body_skip;
	char last;	/* the last final answer */
	int last_stage;
	double sent;	/* when the pending command was written */
};

struct samples {
	double *v;
	size_t n, cap;
};

/* The session every connection plays. */
static const char *sock_spec, *label = "load", *client_addr, *helo = "client.example.org";
static const char *mail_from = "<alice@example.org>", *rcpt_to = "<bench@example.net>";
static const char *daemon_name = "mta-v6";
static char *hdr_name[MAX_HEADERS], *hdr_value[MAX_HEADERS];
static int nhdr;
static unsigned char *body;
static size_t body_len;

static int recording;
static struct samples lat[S_COUNT];
static unsigned long outcome[S_COUNT][128];
static char added[8192];
static size_t added_len;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("milter-load: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n ? n : 1)) == NULL)
		die("out of memory");
	return p;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* ---------------------------------------------------------------- I/O */

static void write_all(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("write to filter: %s", strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

static void read_all(int fd, void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len > 0) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int r = poll(&pfd, 1, TIMEOUT_MS);
		ssize_t n;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			die("no answer from the filter in %d s", TIMEOUT_MS / 1000);
		n = recv(fd, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("filter closed the connection%s%s", n < 0 ? ": " : "",
			    n < 0 ? strerror(errno) : "");
		p += n;
		len -= (size_t)n;
	}
}

static void send_packet(struct conn *c, char cmd, const void *data, size_t len)
{
	unsigned char hdr[5];

	mt_header(hdr, cmd, len);
	write_all(c->fd, hdr, 5);
	if (len > 0)
		write_all(c->fd, data, len);
}

/* Read one packet; returns its command, data (NUL-terminated) in *data. */
static char read_packet(struct conn *c, unsigned char **data, size_t *len)
{
	unsigned char hdr[5];
	uint32_t n;

	read_all(c->fd, hdr, 5);
	n = mt_get32(hdr);
	if (n < 1 || n > MT_MAX_PACKET)
		die("bad packet length %lu from the filter", (unsigned long)n);
	*len = n - 1;
	*data = xrealloc(NULL, *len + 1);
	if (*len > 0)
		read_all(c->fd, *data, *len);
	(*data)[*len] = '\0';
	return (char)hdr[4];
}

/*
 * Keep "Name: value" of an added or inserted header field (the last
 * session's), unfolded: one line per field.
 */
static void note_added(const unsigned char *data, size_t len)
{
	const char *name = (const char *)data, *v;
	size_t nl = strnlen(name, len);
	int space = 1;

	if (!recording || nl >= len || added_len + len + 16 > sizeof(added))
		return;
	added_len += (size_t)snprintf(added + added_len, sizeof(added) - added_len,
				      "added\t%s\t%s: ", label, name);
	for (v = name + nl + 1; *v != '\0'; v++) {
		int white = *v == ' ' || *v == '\t' || *v == '\r' || *v == '\n';

		if (!white || !space)
			added[added_len++] = white ? ' ' : *v;
		space = white;
	}
	added[added_len++] = '\n';
	added[added_len] = '\0';
}

/*
 * The final answer to the command of STAGE on c: header changes and
 * progress are read past; a 'y' reply counts as tempfail (4xx) or
 * reject (5xx).
 */
static char await_answer(struct conn *c, int stage)
{
	for (;;) {
		unsigned char *data;
		size_t len;
		char cmd = read_packet(c, &data, &len);

		switch (cmd) {
		case 'c': case 'a': case 'r': case 't': case 'd': case 's':
			break;
		case 'y':
			cmd = len > 0 && data[0] == '4' ? 't' : 'r';
			break;
		case 'h':
			note_added(data, len);
			free(data);
			continue;
		case 'i':
			if (len > 4)
				note_added(data + 4, len - 4);
			/* FALLTHROUGH */
		case 'p': case 'm': case '+': case '-': case 'q': case 'e': case '2':
		case 'b':
			free(data);
			continue;
		default:
			die("%s: unexpected answer '%c' (0x%02x)", stages[stage].name,
			    cmd >= 0x20 && cmd < 0x7f ? cmd : '?', (unsigned char)cmd);
		}
		free(data);
		return cmd;
	}
}

/* ------------------------------------------------------------ sessions */

static void open_conn(struct conn *c)
{
	unsigned char buf[12], *data;
	char err[256], cmd;
	size_t len;

	memset(c, 0, sizeof(*c));
	if ((c->fd = mt_unix_connect(sock_spec, err, sizeof(err))) < 0)
		die("%s", err);
	mt_put32(buf, MT_PROT_VERSION);
	mt_put32(buf + 4, MT_CURR_ACTS);
	mt_put32(buf + 8, MT_CURR_PROT);
	send_packet(c, 'O', buf, sizeof(buf));
	if ((cmd = read_packet(c, &data, &len)) != 'O' || len < 12)
		die("bad option negotiation reply '%c'", cmd);
	c->proto = mt_get32(data + 8);
	free(data);
}

static void close_conn(struct conn *c)
{
	send_packet(c, 'Q', NULL, 0);
	close(c->fd);
	c->fd = -1;
}

/* A macro packet for the command CMD: name\0value\0 pairs. */
static void send_macros(struct conn *c, char cmd, const char *const *nv)
{
	unsigned char buf[1024];
	size_t len = 1, n;

	buf[0] = (unsigned char)cmd;
	for (; *nv != NULL; nv++) {
		n = strlen(*nv) + 1;
		if (len + n > sizeof(buf))
			die("macros too long");
		memcpy(buf + len, *nv, n);
		len += n;
	}
	send_packet(c, 'D', buf, len);
}

/* May STAGE be sent on c at all? */
static int wanted(const struct conn *c, int stage)
{
	if (c->conn_done || (c->msg_done && stage >= S_RCPT))
		return 0;
	if (stage == S_BODY && c->body_skip)
		return 0;
	return !(c->proto & stages[stage].no_bit);
}

/* Write the command of STAGE on c (when wanted). */
static void send_stage(struct conn *c, int stage, int idx)
{
	static const char *const conn_macros[] = {"j", "mx.test", "{daemon_name}", NULL, NULL};
	static const char *const eom_macros[] = {"i", "4BENCHQ1D", NULL};
	unsigned char buf[1024];
	size_t len = 0, n;
	const char *s;

	if (!wanted(c, stage))
		return;
	switch (stage) {
	case S_CONNECT: {
		const char *m[5] = {conn_macros[0], conn_macros[1], conn_macros[2], daemon_name,
				    NULL};

		send_macros(c, 'C', m);
		n = strlen(helo) + 1;
		memcpy(buf, helo, n);
		len = n;
		buf[len++] = (unsigned char)mt_connect_family(client_addr);
		buf[len++] = 0;
		buf[len++] = 25;
		n = strlen(client_addr) + 1;
		memcpy(buf + len, client_addr, n);
		len += n;
		break;
	}
	case S_HELO:
	case S_MAIL:
	case S_RCPT:
		s = stage == S_HELO ? helo : stage == S_MAIL ? mail_from : rcpt_to;
		len = strlen(s) + 1;
		memcpy(buf, s, len);
		break;
	case S_HEADER: {
		const char *v = hdr_value[idx];

		if (!(c->proto & SMFIP_HDR_LEADSPC))
			v += strspn(v, " \t");
		n = strlen(hdr_name[idx]) + 1;
		if (n + strlen(v) + 1 > sizeof(buf))
			die("header field too long");
		memcpy(buf, hdr_name[idx], n);
		memcpy(buf + n, v, strlen(v) + 1);
		len = n + strlen(v) + 1;
		break;
	}
	case S_BODY:
		c->sent = now_us();
		send_packet(c, 'B', body + (size_t)idx * MT_CHUNK_SIZE,
			    body_len - (size_t)idx * MT_CHUNK_SIZE < MT_CHUNK_SIZE
				? body_len - (size_t)idx * MT_CHUNK_SIZE
				: MT_CHUNK_SIZE);
		return;
	case S_EOM:
		send_macros(c, 'E', eom_macros);
		break;
	default:
		break;
	}
	c->sent = now_us();
	send_packet(c, stages[stage].cmd, buf, len);
}

/* Read the answer to STAGE on c (when one is due) and act on it. */
static void finish_stage(struct conn *c, int stage)
{
	char a;

	if (!wanted(c, stage) || (c->proto & stages[stage].nr_bit))
		return;
	a = await_answer(c, stage);
	if (recording) {
		struct samples *sm = &lat[stage];

		if (sm->n == sm->cap) {
			sm->cap = sm->cap ? sm->cap * 2 : 4096;
			sm->v = xrealloc(sm->v, sm->cap * sizeof(double));
		}
		sm->v[sm->n++] = now_us() - c->sent;
	}
	c->last = a;
	c->last_stage = stage;
	if (a == 's')
		c->body_skip = 1;
	else if (a != 'c' && stage <= S_HELO)
		c->conn_done = 1;
	else if (a != 'c')
		c->msg_done = 1;
}

/* Every stage on every one of n connections, in lock step; hook after EOH. */
static void run_lockstep(struct conn *cs, int n, void (*at_eoh)(int))
{
	int stage, i, k, chunks = (int)((body_len + MT_CHUNK_SIZE - 1) / MT_CHUNK_SIZE);

	for (i = 0; i < n; i++)
		open_conn(&cs[i]);
	for (stage = 0; stage < S_COUNT; stage++) {
		int reps = stage == S_HEADER ? nhdr : stage == S_BODY ? chunks : 1;

		for (k = 0; k < reps; k++) {
			for (i = 0; i < n; i++)
				send_stage(&cs[i], stage, k);
			for (i = 0; i < n; i++)
				finish_stage(&cs[i], stage);
		}
		if (stage == S_EOH && at_eoh != NULL)
			at_eoh(n);
	}
	for (i = 0; i < n; i++) {
		if (recording)
			outcome[cs[i].last_stage][(unsigned char)cs[i].last & 127]++;
		close_conn(&cs[i]);
	}
}

/* ------------------------------------------------------------- message */

static void add_body(const char *line, size_t n)
{
	body = xrealloc(body, body_len + n + 2);
	memcpy(body + body_len, line, n);
	body_len += n;
	body[body_len++] = '\r';
	body[body_len++] = '\n';
}

static void load_message(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int in_body = 0;

	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	while ((n = getline(&line, &cap, f)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (in_body) {
			add_body(line, (size_t)n);
		} else if (n == 0) {
			in_body = 1;
		} else if ((line[0] == ' ' || line[0] == '\t') && nhdr > 0) {
			size_t old = strlen(hdr_value[nhdr - 1]);

			/* Folded: Postfix passes the fold as a bare LF. */
			hdr_value[nhdr - 1] = xrealloc(hdr_value[nhdr - 1], old + (size_t)n + 2);
			hdr_value[nhdr - 1][old] = '\n';
			memcpy(hdr_value[nhdr - 1] + old + 1, line, (size_t)n + 1);
		} else {
			char *colon = strchr(line, ':');

			if (colon == NULL || nhdr == MAX_HEADERS)
				die("%s: not a header field: %s", path, line);
			*colon = '\0';
			hdr_name[nhdr] = strdup(line);
			hdr_value[nhdr] = strdup(colon + 1);
			if (hdr_name[nhdr] == NULL || hdr_value[nhdr] == NULL)
				die("out of memory");
			nhdr++;
		}
	}
	free(line);
	fclose(f);
}

/* -------------------------------------------------------------- report */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(const struct samples *s, double p)
{
	size_t i = (size_t)(p * (double)(s->n - 1) + 0.5);

	return s->v[i < s->n ? i : s->n - 1];
}

static void report_latency(void)
{
	int st;
	unsigned a;

	for (st = 0; st < S_COUNT; st++) {
		struct samples *s = &lat[st];

		if (s->n == 0)
			continue;
		qsort(s->v, s->n, sizeof(double), cmp_double);
		printf("latency\t%s\t%s\t%zu\t%.1f\t%.1f\t%.1f\t%.1f\n", label, stages[st].name,
		       s->n, pct(s, 0.5), pct(s, 0.99), pct(s, 0.999), s->v[s->n - 1]);
	}
	for (st = 0; st < S_COUNT; st++)
		for (a = 0; a < 128; a++)
			if (outcome[st][a] > 0)
				printf("outcome\t%s\t%s:%c\t%lu\n", label, stages[st].name, (char)a,
				       outcome[st][a]);
	fputs(added, stdout);
}

static pid_t milter_pid;
static long rss_idle, anon_idle;

/*
 * A field of the milter's /proc/PID/FILE ("status": "VmRSS:", ...;
 * "smaps_rollup": "Pss:"), in kB; -1 if unknown.
 */
static long proc_kb(const char *file, const char *key)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/%s", (long)milter_pid, file);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, strlen(key)) == 0)
			kb = strtol(line + strlen(key), NULL, 10);
	fclose(f);
	return kb;
}

static void sample_rss(int n)
{
	long open_kb = proc_kb("status", "VmRSS:"), hwm = proc_kb("status", "VmHWM:");
	long anon = proc_kb("status", "RssAnon:"), pss = proc_kb("smaps_rollup", "Pss:");
	long file = proc_kb("status", "RssFile:");

	printf("rss\t%s\t%d\t%ld\t%ld\t%ld\t%.1f\t%ld\t%ld\t%ld\t%ld\n", label, n, rss_idle,
	       open_kb, hwm, (double)(open_kb - rss_idle) / n, anon_idle, anon, pss, file);
}

/* ---------------------------------------------------------------- main */

static int posint(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 1 || v > 1000000)
		return -1;
	return (int)v;
}

static void usage(void)
{
	fputs("usage: milter-load -s unix:PATH -l LABEL -a CLIENT-ADDR -F MESSAGE [-H HELO]\n"
	      "	[-f FROM] [-r RCPT] [-d DAEMON-NAME] [-n SESSIONS] [-w WARMUP]\n"
	      "	[-c CONCURRENT] [-p MILTER-PID]\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *msg = NULL;
	int opt, sessions = 0, warmup = 50, conc = 0, i;
	struct conn one, *cs;

	while ((opt = getopt(argc, argv, "s:l:a:F:H:f:r:d:n:w:c:p:")) != -1) {
		switch (opt) {
		case 's': sock_spec = optarg; break;
		case 'l': label = optarg; break;
		case 'a': client_addr = optarg; break;
		case 'F': msg = optarg; break;
		case 'H': helo = optarg; break;
		case 'f': mail_from = optarg; break;
		case 'r': rcpt_to = optarg; break;
		case 'd': daemon_name = optarg; break;
		case 'n': if ((sessions = posint(optarg)) < 0) usage(); break;
		case 'w': warmup = atoi(optarg); break;
		case 'c': if ((conc = posint(optarg)) < 0) usage(); break;
		case 'p': milter_pid = (pid_t)atol(optarg); break;
		default: usage();
		}
	}
	if (sock_spec == NULL || client_addr == NULL || msg == NULL || optind != argc ||
	    (sessions == 0 && conc == 0) || (conc > 0 && milter_pid <= 0))
		usage();
	load_message(msg);
	if (sessions > 0) {
		for (i = 0; i < warmup + sessions; i++) {
			recording = i >= warmup;
			if (i == warmup + sessions - 1)
				added_len = 0, added[0] = '\0';
			run_lockstep(&one, 1, NULL);
		}
		report_latency();
	}
	if (conc > 0) {
		recording = 0;
		if ((cs = calloc((size_t)conc, sizeof(*cs))) == NULL)
			die("out of memory");
		rss_idle = proc_kb("status", "VmRSS:");
		anon_idle = proc_kb("status", "RssAnon:");
		run_lockstep(cs, conc, sample_rss);
		free(cs);
	}
	return 0;
}
