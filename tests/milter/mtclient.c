/*
 * NAME
 *	mtclient 1
 * SUMMARY
 *	scripted milter protocol client (the MTA side) for tests
 * SYNOPSIS
 *	mtclient -s unix:PATH [-t TIMEOUT] [-d] [SCRIPT|-]
 * DESCRIPTION
 *	mtclient talks milter protocol version 6 to a filter the way Postfix
 *	does, driven by a script, and prints one line per event on stdout so
 *	that shell tests can grep the result. It does not use libmilter
 *	(libmilter only implements the filter side).
 *
 *	Negotiation: offers version 6, all actions (0x1FF) and every protocol
 *	bit libmilter knows (SMFI_CURR_PROT: SMFIP_NO*, SMFIP_NR_*, SMFIP_SKIP,
 *	SMFIP_RCPT_REJ, SMFIP_HDR_LEADSPC). Steps whose SMFIP_NO* bit the filter
 *	sets are not sent; steps whose SMFIP_NR_* bit it sets are sent without
 *	waiting for a reply. The macro lists of the reply (smfi_setsymlist)
 *	are printed as "symlist: STAGE NAMES" and otherwise ignored.
 *
 *	Like Postfix, mtclient stops sending a message's steps once the filter
 *	accepted, rejected, tempfailed or discarded the message, stops talking
 *	about the connection after such an answer at connect or HELO, sends no
 *	DATA/header/body/EOM for a message without an accepted recipient, and
 *	sends no more body chunks after SMFIS_SKIP. Such steps print
 *	"CMD: not sent (WHY)". Reply texts are checked as Postfix checks them
 *	and "%%" is turned into "%".
 *
 *	Script: one command per line; blank lines and lines whose first
 *	non-blank character is '#' are ignored.
 *	  macro STAGE NAME=VALUE...	STAGE: C H M R T L N E (or connect,
 *				helo, mail, rcpt, data, header, eoh, eom);
 *				sent once, right before the next command of
 *				that stage. A NAME longer than one character
 *				gets braces ({daemon_name}) unless it has
 *				them. "..." quotes allow spaces.
 *	  connect HOST ADDR [PORT]	ADDR IPv4 -> family 4, IPv6 (or with
 *				an IPv6: prefix) -> 6, "unknown" -> U
 *	  helo NAME
 *	  mail ADDR [ARGS...]
 *	  rcpt ADDR [ARGS...]
 *	  data
 *	  header NAME: VALUE	leading white space of VALUE (after escapes)
 *				is dropped unless the filter asked for
 *				SMFIP_HDR_LEADSPC, as Postfix does
 *	  eoh
 *	  body TEXT		one body chunk
 *	  bodyfile PATH		the file as chunks of 65535 bytes
 *	  eom
 *	  unknown TEXT		an unknown SMTP command
 *	  abort
 *	  quit			QUIT, then wait for the filter to close; a
 *				later command opens a new connection
 *	  optneg		negotiate now (otherwise done before the
 *				first protocol command)
 *	  raw HEX		write raw bytes (white space ignored), no
 *				reply awaited, no negotiation first
 *	  send LETTER [TEXT]	one well-framed packet, no reply awaited
 *	  expect-close		wait for the filter to close: prints "closed"
 *	  sleep SECONDS
 *	In body, header, unknown and send TEXT and in the arguments of helo,
 *	mail and rcpt the escapes \r \n \t \0 \\ and \xHH are decoded.
 *
 *	Output: "optneg: version=V actions=0xHEX protocol=0xHEX";
 *	"CMD: continue|accept|reject|tempfail|discard|skip|noreply|reply";
 *	after "reply" one "reply: LINE" per reply line; during EOM
 *	"addheader NAME: VALUE", "insheader IDX NAME: VALUE",
 *	"chgheader NAME IDX: VALUE" (or "(delete)"), "addrcpt RCPT",
 *	"delrcpt RCPT", "chgfrom FROM", "quarantine REASON",
 *	"replbody N bytes", "progress". Control characters in values are
 *	shown as \r, \n, \t or \xHH.
 * EXIT STATUS
 *	0 script done, 1 protocol error, timeout or unexpected close
 *	(message on stderr), 2 usage or script error.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "mtproto.h"

enum step_id { ST_CONNECT, ST_HELO, ST_MAIL, ST_RCPT, ST_DATA, ST_HEADER,
	       ST_EOH, ST_BODY, ST_EOM, ST_UNKNOWN };

struct step {
	const char *name;
	char cmd;
	uint32_t no_bit;
	const char *no_name;
	uint32_t nr_bit;
	int in_message; /* gated by the message state */
	int after_rcpt; /* needs an accepted recipient */
};

static const struct step steps[] = {
	[ST_CONNECT] = { "connect", 'C', SMFIP_NOCONNECT, "SMFIP_NOCONNECT", SMFIP_NR_CONN, 0, 0 },
	[ST_HELO] = { "helo", 'H', SMFIP_NOHELO, "SMFIP_NOHELO", SMFIP_NR_HELO, 0, 0 },
	[ST_MAIL] = { "mail", 'M', SMFIP_NOMAIL, "SMFIP_NOMAIL", SMFIP_NR_MAIL, 0, 0 },
	[ST_RCPT] = { "rcpt", 'R', SMFIP_NORCPT, "SMFIP_NORCPT", SMFIP_NR_RCPT, 1, 0 },
	[ST_DATA] = { "data", 'T', SMFIP_NODATA, "SMFIP_NODATA", SMFIP_NR_DATA, 1, 1 },
	[ST_HEADER] = { "header", 'L', SMFIP_NOHDRS, "SMFIP_NOHDRS", SMFIP_NR_HDR, 1, 1 },
	[ST_EOH] = { "eoh", 'N', SMFIP_NOEOH, "SMFIP_NOEOH", SMFIP_NR_EOH, 1, 1 },
	[ST_BODY] = { "body", 'B', SMFIP_NOBODY, "SMFIP_NOBODY", SMFIP_NR_BODY, 1, 1 },
	[ST_EOM] = { "eom", 'E', 0, NULL, 0, 1, 1 },
	[ST_UNKNOWN] = { "unknown", 'U', SMFIP_NOUNKNOWN, "SMFIP_NOUNKNOWN", SMFIP_NR_UNKN, 0, 0 },
};

/* Connection and emulated MTA state. */
static const char *sockpath;
static double timeout_s = 10.0;
static int debug;
static int fd = -1;
static int negotiated;
static uint32_t f_version, f_actions, f_proto;
static const char *conn_done; /* why the connection is no longer filtered */
static const char *msg_done;  /* why the message is no longer filtered */
static int rcpt_ok;
static int body_skipped;

/* Pending macros per stage letter: "name\0value\0..." */
struct macrobuf {
	unsigned char *data;
	size_t len;
};
static struct macrobuf pending[256];

static const char *script_name = "-";
static unsigned long script_line;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void script_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void
fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (script_line > 0)
		fprintf(stderr, " (%s:%lu)", script_name, script_line);
	fputc('\n', stderr);
	exit(1);
}

static void
script_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "error: %s:%lu: ", script_name, script_line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void
usage(void)
{
	fputs("usage: mtclient -s unix:PATH [-t TIMEOUT_SECONDS] [-d] [SCRIPT|-]\n", stderr);
	exit(2);
}

static void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL) {
		fputs("error: out of memory\n", stderr);
		exit(1);
	}
	return q;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Print S (N bytes) with control characters made visible. */
static void
put_escaped(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\r')
			fputs("\\r", stdout);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c < 0x20 || c == 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

static void
put_str(const char *s)
{
	put_escaped(s, strlen(s));
}

/* ---------------------------------------------------------------- I/O */

/* Wait until fd is ready for EVENTS or the deadline passes; 0 ready, -1 timeout. */
static int
wait_fd(short events, double deadline)
{
	for (;;) {
		struct pollfd pfd;
		double left = deadline - now_s();
		int ms, r;

		if (left <= 0)
			return -1;
		ms = (int)(left * 1000.0) + 1;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, ms);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			fail("poll: %s", strerror(errno));
		}
		if (r > 0)
			return 0;
	}
}

static void
write_all(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	double deadline = now_s() + timeout_s;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if (wait_fd(POLLOUT, deadline) < 0)
					fail("timeout writing to filter");
				continue;
			}
			fail("write to filter: %s", strerror(errno));
		}
		p += n;
		len -= (size_t)n;
	}
}

static void
send_packet(char cmd, const void *data, size_t len)
{
	unsigned char *buf;

	if (len > MT_MAX_PACKET)
		fail("packet too large");
	buf = xrealloc(NULL, len + 5);
	mt_header(buf, cmd, len);
	if (len > 0)
		memcpy(buf + 5, data, len);
	if (debug) {
		fprintf(stderr, "debug: send '%c' %zu bytes\n", cmd, len);
	}
	write_all(buf, len + 5);
	free(buf);
}

/*
 * Read exactly N bytes. Returns N, or the number read before end of file.
 * A timeout is fatal unless allow_timeout, then returns -1.
 */
static ssize_t
read_exact(void *buf, size_t n, double deadline, int allow_timeout)
{
	unsigned char *p = buf;
	size_t got = 0;

	while (got < n) {
		ssize_t r = recv(fd, p + got, n - got, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if (wait_fd(POLLIN, deadline) < 0) {
					if (allow_timeout)
						return -1;
					fail("timeout after %g s waiting for the filter", timeout_s);
				}
				continue;
			}
			if (errno == ECONNRESET)
				return (ssize_t)got;
			fail("read from filter: %s", strerror(errno));
		}
		if (r == 0)
			return (ssize_t)got;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/*
 * Read one packet into *data (NUL-terminated for convenience).
 * Returns 1, or 0 on end of file at a packet boundary.
 */
static int
read_packet(char *cmd, unsigned char **data, size_t *len)
{
	double deadline = now_s() + timeout_s;
	unsigned char hdr[5];
	uint32_t nlen;
	ssize_t r;

	r = read_exact(hdr, 5, deadline, 0);
	if (r == 0)
		return 0;
	if (r < 5)
		fail("connection closed by filter inside a packet header");
	memcpy(&nlen, hdr, 4);
	nlen = ntohl(nlen);
	if (nlen < 1 || nlen > MT_MAX_PACKET)
		fail("bad packet length %lu from filter", (unsigned long)nlen);
	*cmd = (char)hdr[4];
	*len = nlen - 1;
	*data = xrealloc(NULL, *len + 1);
	if (*len > 0 && read_exact(*data, *len, deadline, 0) < (ssize_t)*len)
		fail("connection closed by filter inside a packet");
	(*data)[*len] = '\0';
	if (debug)
		fprintf(stderr, "debug: recv '%c' %zu bytes\n", *cmd, *len);
	return 1;
}

static void
disconnect(void)
{
	if (fd >= 0)
		close(fd);
	fd = -1;
	negotiated = 0;
}

static void
ensure_connected(void)
{
	char err[256];
	int flags;

	if (fd >= 0)
		return;
	if ((fd = mt_unix_connect(sockpath, err, sizeof err)) < 0)
		fail("%s", err);
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		fail("fcntl: %s", strerror(errno));
	negotiated = 0;
	conn_done = NULL;
	msg_done = NULL;
	rcpt_ok = 0;
	body_skipped = 0;
}

static char
symlist_stage(uint32_t idx)
{
	static const char letters[] = "CHMRTEN"; /* SMFIM_CONNECT .. SMFIM_EOH */

	return idx < sizeof letters - 1 ? letters[idx] : '?';
}

static void
negotiate(void)
{
	unsigned char buf[12];
	unsigned char *data;
	size_t len, off;
	char cmd;

	ensure_connected();
	if (negotiated)
		return;
	mt_put32(buf, MT_PROT_VERSION);
	mt_put32(buf + 4, MT_CURR_ACTS);
	mt_put32(buf + 8, MT_CURR_PROT);
	send_packet('O', buf, sizeof buf);
	if (!read_packet(&cmd, &data, &len))
		fail("connection closed by filter during option negotiation");
	if (cmd != 'O' || len < 12)
		fail("bad option negotiation reply '%c' (%zu bytes)", cmd, len);
	f_version = mt_get32(data);
	f_actions = mt_get32(data + 4);
	f_proto = mt_get32(data + 8);
	printf("optneg: version=%lu actions=0x%lx protocol=0x%lx\n",
	       (unsigned long)f_version, (unsigned long)f_actions,
	       (unsigned long)f_proto);
	/* Optional macro lists: (uint32 stage, "names\0")... */
	off = 12;
	while (off + 4 < len) {
		uint32_t idx = mt_get32(data + off);
		const char *names = (const char *)data + off + 4;
		size_t n = strnlen(names, len - off - 4);

		if (off + 4 + n >= len)
			break; /* no NUL: ignore the rest */
		printf("symlist: %c ", symlist_stage(idx));
		put_str(names);
		putchar('\n');
		off += 4 + n + 1;
	}
	free(data);
	if (f_version < 2 || f_version > MT_PROT_VERSION)
		fail("filter wants unsupported protocol version %lu", (unsigned long)f_version);
	if (f_actions & ~MT_CURR_ACTS)
		fail("filter wants actions 0x%lx not offered",
		     (unsigned long)(f_actions & ~MT_CURR_ACTS));
	if (f_proto & ~MT_CURR_PROT)
		fail("filter wants protocol bits 0x%lx not offered",
		     (unsigned long)(f_proto & ~MT_CURR_PROT));
	negotiated = 1;
}

/* ----------------------------------------------------------- responses */

static const char *
next_str(const unsigned char **p, size_t *left, const char *what)
{
	const char *s = (const char *)*p;
	size_t n = strnlen(s, *left);

	if (n >= *left)
		fail("%s: string without NUL from filter", what);
	*p += n + 1;
	*left -= n + 1;
	return s;
}

/* Print a SMFIR_REPLYCODE text like Postfix takes it; returns 't' or 'r'. */
static char
print_reply(const char *name, unsigned char *text, size_t len)
{
	char *s = (char *)text, *r, *w, *line;
	int ok;

	if (strnlen(s, len) == len)
		fail("%s: reply text without NUL", name);
	ok = (s[0] == '4' || s[0] == '5') && isdigit((unsigned char)s[1]) &&
	     isdigit((unsigned char)s[2]) && (s[3] == ' ' || s[3] == '-') &&
	     !(isdigit((unsigned char)s[4]) && s[4] != s[0]);
	/* "%%" -> "%", as Postfix does. */
	for (r = w = s; *r; ) {
		if (*r == '%' && r[1] == '%')
			r++;
		*w++ = *r++;
	}
	*w = '\0';
	printf("%s: reply\n", name);
	for (line = s; *line; ) {
		char *end = strstr(line, "\r\n");
		size_t n = end ? (size_t)(end - line) : strlen(line);

		fputs("reply: ", stdout);
		put_escaped(line, n);
		putchar('\n');
		if (!end)
			break;
		line = end + 2;
	}
	if (!ok)
		fail("%s: malformed reply from filter: %s", name, s);
	return s[0] == '4' ? 't' : 'r';
}

/*
 * Read responses to a step until a final one; print modifications and
 * progress on the way. Returns the final letter ('y' mapped to 't'/'r').
 */
static char
await_reply(const struct step *st)
{
	for (;;) {
		unsigned char *data;
		const unsigned char *p;
		size_t len, left;
		char cmd;
		char fin = 0;

		if (!read_packet(&cmd, &data, &len))
			fail("%s: connection closed by filter", st->name);
		p = data;
		left = len;
		switch (cmd) {
		case 'c': printf("%s: continue\n", st->name); fin = cmd; break;
		case 'a': printf("%s: accept\n", st->name); fin = cmd; break;
		case 'r': printf("%s: reject\n", st->name); fin = cmd; break;
		case 't': printf("%s: tempfail\n", st->name); fin = cmd; break;
		case 'd': printf("%s: discard\n", st->name); fin = cmd; break;
		case 's': printf("%s: skip\n", st->name); fin = cmd; break;
		case '4': printf("%s: shutdown\n", st->name); fin = cmd; break;
		case 'f': printf("%s: connfail\n", st->name); fin = cmd; break;
		case 'y': fin = print_reply(st->name, data, len); break;
		case 'p': puts("progress"); break;
		case 'h': {
			const char *name = next_str(&p, &left, "addheader");
			const char *value = next_str(&p, &left, "addheader");

			fputs("addheader ", stdout);
			put_str(name);
			fputs((f_proto & SMFIP_HDR_LEADSPC) ? ":" : ": ", stdout);
			put_str(value);
			putchar('\n');
			break;
		}
		case 'i':
		case 'm': {
			uint32_t idx;
			const char *name, *value;

			if (left < 4)
				fail("short %s packet", cmd == 'i' ? "insheader" : "chgheader");
			idx = mt_get32(p);
			p += 4;
			left -= 4;
			name = next_str(&p, &left, "header change");
			value = next_str(&p, &left, "header change");
			if (cmd == 'i') {
				printf("insheader %lu ", (unsigned long)idx);
				put_str(name);
				fputs((f_proto & SMFIP_HDR_LEADSPC) ? ":" : ": ", stdout);
			} else {
				fputs("chgheader ", stdout);
				put_str(name);
				printf(" %lu:", (unsigned long)idx);
				if (*value == '\0' || !(f_proto & SMFIP_HDR_LEADSPC))
					putchar(' ');
			}
			if (cmd == 'm' && *value == '\0')
				fputs("(delete)", stdout);
			else
				put_str(value);
			putchar('\n');
			break;
		}
		case '+':
		case '-':
		case 'q':
		case '2':
		case 'e': {
			const char *what = cmd == '+' || cmd == '2' ? "addrcpt" :
					   cmd == '-' ? "delrcpt" :
					   cmd == 'q' ? "quarantine" : "chgfrom";
			const char *arg = next_str(&p, &left, what);

			printf("%s ", what);
			put_str(arg);
			if ((cmd == '2' || cmd == 'e') && left > 0) {
				const char *args = next_str(&p, &left, what);

				if (*args) {
					putchar(' ');
					put_str(args);
				}
			}
			putchar('\n');
			break;
		}
		case 'b':
			printf("replbody %zu bytes\n", len);
			break;
		default:
			fail("%s: unexpected response '%c' (0x%02x) from filter", st->name,
			     isprint((unsigned char)cmd) ? cmd : '?', (unsigned char)cmd);
		}
		free(data);
		if (fin)
			return fin;
	}
}

/* --------------------------------------------------------------- steps */

static void
drop_macros(char stage)
{
	struct macrobuf *m = &pending[(unsigned char)stage];

	free(m->data);
	m->data = NULL;
	m->len = 0;
}

static void
send_macros(char stage)
{
	struct macrobuf *m = &pending[(unsigned char)stage];
	unsigned char *buf;

	if (m->data == NULL)
		return;
	buf = xrealloc(NULL, m->len + 1);
	buf[0] = (unsigned char)stage;
	memcpy(buf + 1, m->data, m->len);
	send_packet('D', buf, m->len + 1);
	free(buf);
	drop_macros(stage);
}

static void
reset_message(void)
{
	msg_done = NULL;
	rcpt_ok = 0;
	body_skipped = 0;
}

static void
not_sent(const struct step *st, const char *why)
{
	printf("%s: not sent (%s)\n", st->name, why);
	drop_macros(st->cmd);
}

static void
do_step(enum step_id id, const void *data, size_t len)
{
	const struct step *st = &steps[id];
	char fin;

	negotiate();
	if (id == ST_MAIL)
		reset_message();
	if (conn_done) {
		not_sent(st, conn_done);
		return;
	}
	if (st->in_message && msg_done) {
		not_sent(st, msg_done);
		return;
	}
	if (st->after_rcpt && rcpt_ok == 0) {
		not_sent(st, "no accepted recipient");
		return;
	}
	if (id == ST_BODY && body_skipped) {
		not_sent(st, "body skipped");
		return;
	}
	if (st->no_bit && (f_proto & st->no_bit)) {
		not_sent(st, st->no_name);
		if (id == ST_RCPT)
			rcpt_ok++;
		if (id == ST_EOM)
			reset_message();
		return;
	}
	send_macros(st->cmd);
	send_packet(st->cmd, data, len);
	if (st->nr_bit && (f_proto & st->nr_bit)) {
		printf("%s: noreply\n", st->name);
		if (id == ST_RCPT)
			rcpt_ok++;
		return;
	}
	fin = await_reply(st);
	fflush(stdout);
	if (fin == '4' || fin == 'f') {
		conn_done = "connection closed";
		return;
	}
	switch (id) {
	case ST_CONNECT:
	case ST_HELO:
	case ST_UNKNOWN:
		if (fin == 'a')
			conn_done = "connection accepted";
		else if (fin == 'r')
			conn_done = "connection rejected";
		else if (fin == 't')
			conn_done = "connection tempfailed";
		else if (fin == 'd')
			conn_done = "connection discarded";
		break;
	case ST_RCPT:
		if (fin == 'c')
			rcpt_ok++;
		else if (fin == 'a') {
			rcpt_ok++;
			msg_done = "message accepted";
		} else if (fin == 'd')
			msg_done = "message discarded";
		break;
	case ST_EOM:
		reset_message();
		break;
	default:
		if (fin == 'a')
			msg_done = "message accepted";
		else if (fin == 'r')
			msg_done = "message rejected";
		else if (fin == 't')
			msg_done = "message tempfailed";
		else if (fin == 'd')
			msg_done = "message discarded";
		else if (fin == 's')
			body_skipped = 1;
		break;
	}
}

/* Wait for the filter to close; returns 1 closed, 0 timeout. */
static int
wait_close(size_t *discarded)
{
	double deadline = now_s() + timeout_s;
	unsigned char buf[4096];
	ssize_t r;

	*discarded = 0;
	for (;;) {
		r = read_exact(buf, sizeof buf, deadline, 1);
		if (r < 0)
			return 0;
		*discarded += (size_t)r;
		if ((size_t)r < sizeof buf)
			return 1;
	}
}

/* ------------------------------------------------------------- parsing */

/* Decode \r \n \t \0 \\ \xHH in place; returns the new length. */
static size_t
unescape(char *s)
{
	char *r = s, *w = s;

	while (*r) {
		if (*r != '\\' || r[1] == '\0') {
			*w++ = *r++;
			continue;
		}
		r++;
		switch (*r) {
		case 'r': *w++ = '\r'; r++; break;
		case 'n': *w++ = '\n'; r++; break;
		case 't': *w++ = '\t'; r++; break;
		case '0': *w++ = '\0'; r++; break;
		case '\\': *w++ = '\\'; r++; break;
		case 'x':
			if (isxdigit((unsigned char)r[1]) && isxdigit((unsigned char)r[2])) {
				char hex[3] = { r[1], r[2], '\0' };

				*w++ = (char)strtoul(hex, NULL, 16);
				r += 3;
				break;
			}
			script_error("bad \\x escape");
		default:
			script_error("unknown escape \\%c", *r);
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

/*
 * Split S in place into white-space separated tokens; "..." quotes may
 * hold white space, \" and \\ inside quotes. Returns the count.
 */
static int
tokenize(char *s, char **tok, int max)
{
	int n = 0;

	for (;;) {
		char *w;
		int quoted = 0;

		while (*s && isspace((unsigned char)*s))
			s++;
		if (*s == '\0')
			return n;
		if (n == max)
			script_error("too many arguments");
		tok[n++] = w = s;
		while (*s && (quoted || !isspace((unsigned char)*s))) {
			if (*s == '"') {
				quoted = !quoted;
				s++;
			} else if (quoted && *s == '\\' && (s[1] == '"' || s[1] == '\\')) {
				*w++ = s[1];
				s += 2;
			} else {
				*w++ = *s++;
			}
		}
		if (quoted)
			script_error("unterminated quote");
		if (*s)
			s++;
		*w = '\0';
	}
}

/* Append NUL-terminated strings to a growing buffer. */
static void
buf_add(unsigned char **buf, size_t *len, const void *data, size_t n)
{
	*buf = xrealloc(*buf, *len + n);
	memcpy(*buf + *len, data, n);
	*len += n;
}

static void
buf_addstr(unsigned char **buf, size_t *len, const char *s)
{
	buf_add(buf, len, s, strlen(s) + 1);
}

static char
stage_letter(const char *s)
{
	static const struct { const char *name; char letter; } names[] = {
		{ "connect", 'C' }, { "helo", 'H' }, { "mail", 'M' }, { "rcpt", 'R' },
		{ "data", 'T' }, { "header", 'L' }, { "eoh", 'N' }, { "eom", 'E' },
		{ "body", 'B' }, { "unknown", 'U' },
	};
	size_t i;

	if (strlen(s) == 1 && isalpha((unsigned char)s[0]))
		return (char)toupper((unsigned char)s[0]);
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(s, names[i].name) == 0)
			return names[i].letter;
	script_error("unknown macro stage \"%s\"", s);
}

static void
cmd_macro(char *args)
{
	char *tok[256];
	int n = tokenize(args, tok, 256), i;
	struct macrobuf *m;
	char stage;

	if (n < 2)
		script_error("usage: macro STAGE NAME=VALUE...");
	stage = stage_letter(tok[0]);
	m = &pending[(unsigned char)stage];
	for (i = 1; i < n; i++) {
		char *eq = strchr(tok[i], '=');
		char *name = tok[i];

		if (eq == NULL || eq == name)
			script_error("macro: expected NAME=VALUE, got \"%s\"", tok[i]);
		*eq = '\0';
		if (strlen(name) > 1 && name[0] != '{') {
			buf_add(&m->data, &m->len, "{", 1);
			buf_add(&m->data, &m->len, name, strlen(name));
			buf_addstr(&m->data, &m->len, "}");
		} else {
			buf_addstr(&m->data, &m->len, name);
		}
		buf_addstr(&m->data, &m->len, eq + 1);
	}
}

static void
cmd_connect(char *args)
{
	char *tok[4];
	int n = tokenize(args, tok, 4);
	unsigned char *buf = NULL;
	size_t len = 0;
	const char *addr;
	char family;
	unsigned long port = 0;

	if (n < 2 || n > 3)
		script_error("usage: connect HOSTNAME ADDRESS [PORT]");
	addr = tok[1];
	if (n == 3) {
		char *end;

		port = strtoul(tok[2], &end, 10);
		if (*end || port > 65535)
			script_error("bad port \"%s\"", tok[2]);
	}
	family = mt_connect_family(addr);
	buf_addstr(&buf, &len, tok[0]);
	buf_add(&buf, &len, &family, 1);
	if (family != 'U') {
		unsigned char p[2] = { (unsigned char)(port >> 8), (unsigned char)(port & 0xff) };

		buf_add(&buf, &len, p, 2);
		buf_addstr(&buf, &len, addr);
	}
	do_step(ST_CONNECT, buf, len);
	free(buf);
}

static void
cmd_envelope(enum step_id id, char *args)
{
	char *tok[64];
	int n = tokenize(args, tok, 64), i;
	unsigned char *buf = NULL;
	size_t len = 0;

	if (n < 1)
		script_error("usage: %s ADDRESS [ARGS...]", steps[id].name);
	for (i = 0; i < n; i++) {
		unescape(tok[i]);
		buf_addstr(&buf, &len, tok[i]);
	}
	do_step(id, buf, len);
	free(buf);
}

static void
cmd_header(char *args)
{
	char *colon = strchr(args, ':');
	unsigned char *buf = NULL;
	size_t len = 0, vlen;
	char *value;

	if (colon == NULL || colon == args)
		script_error("usage: header NAME: VALUE");
	*colon = '\0';
	value = colon + 1;
	vlen = unescape(value);
	negotiate();
	if (!(f_proto & SMFIP_HDR_LEADSPC)) {
		/* Postfix drops the white space after the colon, folds included. */
		while (vlen > 0 && isspace((unsigned char)*value)) {
			value++;
			vlen--;
		}
	}
	buf_addstr(&buf, &len, args);
	buf_add(&buf, &len, value, vlen);
	buf_add(&buf, &len, "", 1);
	do_step(ST_HEADER, buf, len);
	free(buf);
}

static void
cmd_bodyfile(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *chunk;
	size_t n;

	if (f == NULL)
		script_error("bodyfile %s: %s", path, strerror(errno));
	chunk = xrealloc(NULL, MT_CHUNK_SIZE);
	while ((n = fread(chunk, 1, MT_CHUNK_SIZE, f)) > 0)
		do_step(ST_BODY, chunk, n);
	if (ferror(f))
		script_error("bodyfile %s: read error", path);
	free(chunk);
	fclose(f);
}

static void
cmd_raw(const char *hex)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	int half = -1;

	for (; *hex; hex++) {
		int v;

		if (isspace((unsigned char)*hex))
			continue;
		if (!isxdigit((unsigned char)*hex))
			script_error("raw: not a hex digit: '%c'", *hex);
		v = isdigit((unsigned char)*hex) ? *hex - '0' : tolower((unsigned char)*hex) - 'a' + 10;
		if (half < 0) {
			half = v;
		} else {
			unsigned char c = (unsigned char)(half << 4 | v);

			buf_add(&buf, &len, &c, 1);
			half = -1;
		}
	}
	if (half >= 0)
		script_error("raw: odd number of hex digits");
	ensure_connected();
	if (len > 0)
		write_all(buf, len);
	free(buf);
}

static void
cmd_quit(void)
{
	size_t discarded;

	if (fd < 0)
		return;
	if (negotiated)
		send_packet('Q', NULL, 0);
	(void)wait_close(&discarded);
	disconnect();
}

static void
cmd_expect_close(void)
{
	size_t discarded;

	if (fd < 0)
		fail("expect-close: not connected");
	if (!wait_close(&discarded))
		fail("expect-close: the filter kept the connection open for %g s", timeout_s);
	if (discarded > 0)
		fprintf(stderr, "note: %zu bytes from the filter before it closed\n", discarded);
	puts("closed");
	disconnect();
}

/* Text after the command word and one separating blank. */
static char *
rest_of(char *line, size_t wordlen)
{
	char *s = line + wordlen;

	if (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static void
run_line(char *line)
{
	char *s = line, *args, *word;
	size_t wl;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0' || *s == '#')
		return;
	word = s;
	wl = strcspn(s, " \t");
	args = rest_of(s, wl);
	word[wl] = '\0';

#define IS(w) (strcmp(word, (w)) == 0)
	if (IS("macro")) {
		cmd_macro(args);
	} else if (IS("connect")) {
		cmd_connect(args);
	} else if (IS("helo")) {
		char *tok[2];

		if (tokenize(args, tok, 2) != 1)
			script_error("usage: helo NAME");
		unescape(tok[0]);
		do_step(ST_HELO, tok[0], strlen(tok[0]) + 1);
	} else if (IS("mail")) {
		cmd_envelope(ST_MAIL, args);
	} else if (IS("rcpt")) {
		cmd_envelope(ST_RCPT, args);
	} else if (IS("data")) {
		do_step(ST_DATA, NULL, 0);
	} else if (IS("header")) {
		cmd_header(args);
	} else if (IS("eoh")) {
		do_step(ST_EOH, NULL, 0);
	} else if (IS("body")) {
		size_t n = unescape(args);

		do_step(ST_BODY, args, n);
	} else if (IS("bodyfile")) {
		char *tok[2];

		if (tokenize(args, tok, 2) != 1)
			script_error("usage: bodyfile PATH");
		cmd_bodyfile(tok[0]);
	} else if (IS("eom")) {
		do_step(ST_EOM, NULL, 0);
	} else if (IS("unknown")) {
		size_t n = unescape(args);

		args[n] = '\0';
		do_step(ST_UNKNOWN, args, n + 1);
	} else if (IS("abort")) {
		negotiate();
		send_packet('A', NULL, 0);
		reset_message();
	} else if (IS("quit")) {
		cmd_quit();
	} else if (IS("optneg")) {
		negotiate();
	} else if (IS("raw")) {
		cmd_raw(args);
	} else if (IS("send")) {
		char letter;
		size_t n;

		if (strlen(args) < 1 || isspace((unsigned char)args[0]) ||
		    (args[1] != '\0' && !isspace((unsigned char)args[1])))
			script_error("usage: send LETTER [TEXT]");
		letter = args[0];
		args = args[1] ? args + 2 : args + 1;
		n = unescape(args);
		ensure_connected();
		send_packet(letter, args, n);
	} else if (IS("expect-close")) {
		cmd_expect_close();
	} else if (IS("sleep")) {
		char *end;
		double secs = strtod(args, &end);
		struct timespec ts;

		if (end == args || secs < 0)
			script_error("usage: sleep SECONDS");
		ts.tv_sec = (time_t)secs;
		ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	} else {
		script_error("unknown command \"%s\"", word);
	}
#undef IS
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	FILE *in = stdin;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int c;

	while ((c = getopt(argc, argv, "ds:t:")) != -1) {
		switch (c) {
		case 'd':
			debug = 1;
			break;
		case 's':
			sockpath = optarg;
			break;
		case 't': {
			char *end;

			timeout_s = strtod(optarg, &end);
			if (end == optarg || *end || !(timeout_s > 0))
				usage();
			break;
		}
		default:
			usage();
		}
	}
	if (sockpath == NULL || argc - optind > 1)
		usage();
	if (argc - optind == 1 && strcmp(argv[optind], "-") != 0) {
		script_name = argv[optind];
		in = fopen(script_name, "r");
		if (in == NULL) {
			fprintf(stderr, "error: %s: %s\n", script_name, strerror(errno));
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	while ((n = getline(&line, &cap, in)) > 0) {
		script_line++;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		run_line(line);
	}
	if (ferror(in)) {
		fprintf(stderr, "error: %s: read error\n", script_name);
		return 2;
	}
	free(line);
	if (in != stdin)
		fclose(in);
	disconnect();
	return 0;
}
