/*
 * NAME
 *	spf 3
 * SUMMARY
 *	SPF (RFC 7208) through libspf2, fed by the project's resolver
 * SYNOPSIS
 *	See spf.h.
 * DESCRIPTION
 *	libspf2 compiles records, expands macros and walks the mechanisms;
 *	everything it asks of DNS goes through a custom SPF_dns_server_t
 *	layer that calls mx6_dns_lookup(). The adapter works around the
 *	library's known defects instead of patching it:
 *
 *	- Per-check objects. Each check runs on its own SPF_server_t (a
 *	  struct copy of the configured template) whose resolver is a DNS
 *	  layer on the caller's stack, and its own request and response, so
 *	  concurrent checks share nothing mutable. The per-check state
 *	  (counters, the problem text) hangs off the layer's hook.
 *
 *	- The domain's own record is fetched here, not by
 *	  SPF_request_query_mailfrom(): that entry point passes loopback
 *	  clients without a lookup, turns a DNS timeout into "(invalid)" and
 *	  a syntax error into SPF_E_NOT_SPF. The get_spf hook fetches the
 *	  records of include and redirect targets the same way: TXT only (the
 *	  SPF RR type is obsolete), one v=spf1 record or permerror, 7-bit
 *	  printable text or permerror.
 *
 *	- Processing limits (RFC 7208 4.6.4). libspf2 counts DNS mechanisms
 *	  per record (an include restarts the count) and not the void
 *	  lookups at all. The layer counts instead: the MX lookup of "mx",
 *	  the PTR lookup of "ptr", the record lookup of "include" and
 *	  "redirect" and any other address lookup ("a", "exists") are terms;
 *	  the address lookups libspf2 then makes for the names an MX or PTR
 *	  answer listed are not. Such an answer is remembered as a queue of
 *	  names; an address lookup for the head of the queue belongs to it.
 *	  (A mechanism inside an include that matches before its queue is
 *	  empty, and does not end the check, leaves the queue behind: a
 *	  following "a" for exactly the next queued name would not be
 *	  counted. Harmless, and only possible with contrived records.)
 *	  Going over a limit fails that lookup as temporary, which makes
 *	  libspf2 stop at once; the check then answers permerror.
 *
 *	- DNS errors. A temporary error for the address lookups of "ptr"
 *	  skips that name and one for its PTR lookup makes it not match
 *	  (RFC 7208 5.5); everything else stays temperror. An answer of
 *	  more than 10 PTR names is cut to 10 (libspf2 would permerror).
 *	  A null MX target is dropped. Names longer than 253 characters lose
 *	  labels on the left (RFC 7208 7.3); names that cannot exist (empty
 *	  or over-long labels) do not match.
 *
 *	- Record text. Before compiling, each record is checked for what
 *	  libspf2 lets through and rewritten where it deviates from RFC
 *	  7208. Errors: a "%" not starting a valid macro-expand (libspf2
 *	  keeps it literally); a domain-spec that does not end in a macro or
 *	  a valid toplabel, or uses c, r or t (7.1); redirect= or exp= twice
 *	  (6), or written as a mechanism; CIDR lengths with leading zeros.
 *	  Rewrites: redirect= goes last (libspf2 runs it where it stands,
 *	  6.1); a "." in an unknown modifier's name (valid) becomes "_";
 *	  "/0" (valid, refused by libspf2): ip4/ip6 "/0" becomes the two "/1"
 *	  halves, an "a" or "mx" whose length for the client's family is 0
 *	  is marked so that the layer makes any address of that family
 *	  match; a macro transformer %{xN} with N at least the number of
 *	  parts loses N, because libspf2 then drops the first character of
 *	  the value instead of using all parts (7.3).
 *
 *	- The marker for "/0" is a label made of a control character, which
 *	  no record, macro value or sanitised PTR name can contain: a sender
 *	  with control characters gives "none", a HELO name with them is not
 *	  used for %{h}.
 *
 *	- Record size. libspf2 drops, without an error, the terms of a
 *	  record that do not fit its compiled buffers (about 512 bytes of
 *	  mechanisms, as many of modifiers). A record that lost terms is a
 *	  permerror rather than the evaluation of a part of it.
 *
 *	- Explanations are never looked up (the get_exp hook answers a fixed
 *	  text): mx6_spf_check() does not return one, and the lookup would
 *	  cost a DNS query per failing check.
 *
 *	- libspf2's error handler is called on internal errors and then
 *	  aborts the process. Ours logs and jumps back to the check that was
 *	  running on this thread, which answers temperror.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <spf2/spf.h>

#include "log.h"
#include "spf.h"

#define TERM_LIMIT   10	 /* DNS-querying terms per check (RFC 7208 4.6.4) */
#define VOID_LIMIT   2	 /* void lookups per check (RFC 7208 4.6.4) */
#define FOLLOW_LIMIT 10	 /* address lookups per MX or PTR answer (4.6.4) */
#define NAME_LEN     253 /* longest domain name in text form (RFC 7208 7.3) */

/* Prefix of an expanded name whose "a" or "mx" term has CIDR length 0. */
#define ZERO_CIDR_MARK	   "\x01."
#define ZERO_CIDR_MARK_LEN 2

#define EXPLANATION "not authorised by SPF"

struct mx6_spf {
	struct mx6_dns *dns;
	SPF_server_t *server; /* configuration only; checks run on copies */
	SPF_dns_server_t unused_layer;
};

/* What the address lookups libspf2 makes next are for. */
enum follow {
	FOLLOW_NONE,
	FOLLOW_MX,	    /* the targets of an MX answer */
	FOLLOW_PTR,	    /* the names of the "ptr" mechanism's answer */
	FOLLOW_CLIENT_NAME, /* the names for the %{p} macro */
};

struct check {
	struct mx6_dns *dns;
	SPF_server_t server;
	SPF_dns_server_t layer;
	SPF_request_t *request;
	SPF_response_t *response;
	int family; /* AF_INET or AF_INET6 */
	struct in_addr ipv4;
	struct in6_addr ipv6;
	const char *helo;
	char domain[NAME_LEN + 2];
	char sender[1024];

	unsigned terms;
	unsigned voids;
	int over_limit; /* a processing limit stopped the check */
	int tempfail;	/* a temporary DNS error reached libspf2 */

	enum follow follow;
	int follow_zero_cidr; /* the MX term being followed has CIDR length 0 */
	unsigned npending, next;
	char pending[FOLLOW_LIMIT][NAME_LEN + 2];

	char problem[256];
};

static __thread jmp_buf *error_jump; /* the guarded libspf2 call on this thread */
static pthread_once_t handlers_once = PTHREAD_ONCE_INIT;

static void problem(struct check *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void problem(struct check *c, const char *fmt, ...)
{
	va_list ap;

	if (c->problem[0] != '\0')
		return; /* the first problem is the one that counts */
	va_start(ap, fmt);
	vsnprintf(c->problem, sizeof(c->problem), fmt, ap);
	va_end(ap);
}

/*
 * libspf2 aborts the process after its error handler returns, so ours
 * must not return: it goes back to the check running on this thread.
 */
static void __attribute__((noreturn))
spf_error(const char *file, int line, const char *message)
{
	mx6_msg_error("libspf2 internal error: %s (%s:%d)", message,
		      file != NULL ? file : "?", line);
	if (error_jump != NULL)
		longjmp(*error_jump, 1);
	abort(); /* unreachable: every libspf2 call runs under a jump target */
}

static void spf_warning(const char *file, int line, const char *message)
{
	mx6_msg_warn("libspf2: %s (%s:%d)", message, file != NULL ? file : "?", line);
}

static void spf_quiet(const char *file, int line, const char *message)
{
	(void)file;
	(void)line;
	(void)message;
}

static void install_handlers(void)
{
	SPF_error_handler = spf_error;
	SPF_warning_handler = spf_warning;
	SPF_info_handler = spf_quiet;
	SPF_debug_handler = spf_quiet;
}

/*
 * Names
 */

/* A name as the layer asks for it: RFC 7208 7.3 truncation on the left,
 * one trailing dot dropped. Returns 0, or -1 for a name that cannot
 * exist (empty, empty label, label over 63). */
static int query_name(const char *in, char *out, size_t outlen)
{
	size_t len = strlen(in), label = 0, i;

	if (len > 0 && in[len - 1] == '.')
		len--;
	while (len > NAME_LEN) {
		const char *dot = memchr(in, '.', len);

		if (dot == NULL)
			return -1;
		len -= (size_t)(dot + 1 - in);
		in = dot + 1;
	}
	if (len == 0 || len + 1 > outlen)
		return -1;
	for (i = 0; i < len; i++) {
		if (in[i] != '.') {
			label++;
			continue;
		}
		if (label == 0 || label > 63)
			return -1;
		label = 0;
	}
	if (label == 0 || label > 63)
		return -1;
	memcpy(out, in, len);
	out[len] = '\0';
	return 0;
}

/* Uncompressed wire-format name to text, without trailing dot. Labels
 * with dots, spaces, control or 8-bit characters are refused, so such a
 * name can never reach a macro expansion. Returns 0 or -1. */
static int name_from_wire(const unsigned char *p, size_t len, char *out, size_t outlen)
{
	size_t i = 0, o = 0;

	while (i < len && p[i] != 0) {
		size_t n = p[i++], k;

		if (n > 63 || i + n > len || o + n + 2 > outlen)
			return -1;
		if (o > 0)
			out[o++] = '.';
		for (k = 0; k < n; k++) {
			unsigned char ch = p[i + k];

			if (ch <= ' ' || ch >= 0x7f || ch == '.')
				return -1;
			out[o++] = (char)ch;
		}
		i += n;
	}
	if (i >= len)
		return -1; /* no root label */
	out[o] = '\0';
	return 0;
}

static int printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < ' ' || (unsigned char)*s == 0x7f)
			return 0;
	return 1;
}

/* RFC 7208 4.3: a multi-label domain name with labels of 1 to 63
 * characters, not an address literal. */
static int usable_domain(const char *domain)
{
	char name[NAME_LEN + 2];
	unsigned char addr[sizeof(struct in6_addr)];
	size_t len = strlen(domain);

	if (domain[0] == '[' || len > NAME_LEN + 1 || !printable(domain) ||
	    strpbrk(domain, " @") != NULL)
		return 0;
	if (inet_pton(AF_INET, domain, addr) == 1 ||
	    inet_pton(AF_INET6, domain, addr) == 1)
		return 0;
	if (query_name(domain, name, sizeof(name)) < 0)
		return 0;
	return strchr(name, '.') != NULL;
}

/*
 * The DNS layer
 */

static void forget_follow(struct check *c)
{
	c->follow = FOLLOW_NONE;
	c->follow_zero_cidr = 0;
	c->npending = c->next = 0;
}

static int same_address(const struct check *c, ns_type type, const SPF_dns_rr_data_t *d)
{
	if (type == ns_t_a)
		return c->family == AF_INET && d->a.s_addr == c->ipv4.s_addr;
	return c->family == AF_INET6 && memcmp(&d->aaaa, &c->ipv6, sizeof(c->ipv6)) == 0;
}

static SPF_dns_rr_t *rr_status(SPF_dns_server_t *layer, const char *domain, ns_type type,
			       SPF_dns_stat_t herrno)
{
	return SPF_dns_rr_new_init(layer, domain, type, 0, herrno);
}

/* Adds one record to rr; returns 0, or -1 when it is malformed (skipped)
 * and -2 when out of memory. */
static int rr_add(struct check *c, SPF_dns_rr_t *rr, ns_type type, const char *data,
		  int len)
{
	char name[NAME_LEN + 2];
	size_t need;
	int i = rr->num_rr;

	switch (type) {
	case ns_t_a:
	case ns_t_aaaa:
		need = type == ns_t_a ? sizeof(struct in_addr) : sizeof(struct in6_addr);
		if ((size_t)len != need)
			return -1;
		if (SPF_dns_rr_buf_realloc(rr, i, need) != SPF_E_SUCCESS)
			return -2;
		memcpy(type == ns_t_a ? (void *)&rr->rr[i]->a : (void *)&rr->rr[i]->aaaa,
		       data, need);
		break;
	case ns_t_mx:
	case ns_t_ptr:
		if (type == ns_t_mx) {
			if (len < 3)
				return -1;
			data += 2; /* the preference: libspf2 keeps only names */
			len -= 2;
		}
		if (name_from_wire((const unsigned char *)data, (size_t)len, name,
				   sizeof(name)) < 0 ||
		    name[0] == '\0')
			return -1; /* malformed, or a null MX (RFC 7505) */
		if (SPF_dns_rr_buf_realloc(rr, i, strlen(name) + 1) != SPF_E_SUCCESS)
			return -2;
		strcpy(type == ns_t_mx ? rr->rr[i]->mx : rr->rr[i]->ptr, name);
		if (c->npending < FOLLOW_LIMIT)
			strcpy(c->pending[c->npending++], name);
		break;
	case ns_t_txt:
		if (SPF_dns_rr_buf_realloc(rr, i, (size_t)len + 1) != SPF_E_SUCCESS)
			return -2;
		if (mx6_dns_txt_join(data, len, rr->rr[i]->txt, (size_t)len + 1) < 0)
			return -1;
		break;
	default:
		return -1;
	}
	rr->num_rr++;
	return 0;
}

/* One step over a processing limit: libspf2 stops at a temporary error,
 * the check then reports permerror. */
static SPF_dns_rr_t *over_limit(struct check *c, SPF_dns_server_t *layer,
				const char *domain, ns_type type)
{
	c->over_limit = 1;
	return rr_status(layer, domain, type, TRY_AGAIN);
}

static SPF_dns_rr_t *layer_lookup(SPF_dns_server_t *layer, const char *domain,
				  ns_type type, int should_cache)
{
	struct check *c = layer->hook;
	struct mx6_dns_result res;
	enum mx6_dns_status status;
	enum follow follow = FOLLOW_NONE;
	char name[NAME_LEN + 2];
	int term = 0, zero_cidr = 0, client_name_ptr = 0;
	SPF_dns_rr_t *rr;
	unsigned i, limit;

	/*
	 * Which term is this for? libspf2 asks the address lookups of an MX
	 * or PTR answer in answer order, right after it, "ptr" and "mx" with
	 * should_cache set, the %{p} macro without.
	 */
	if (type == ns_t_a || type == ns_t_aaaa) {
		if (c->next < c->npending &&
		    (c->follow == FOLLOW_CLIENT_NAME) == (should_cache == 0) &&
		    strcasecmp(c->pending[c->next], domain) == 0) {
			follow = c->follow;
			zero_cidr = c->follow_zero_cidr;
			c->next++;
		} else {
			term = 1;
		}
	} else if (type == ns_t_mx) {
		term = 1;
	} else if (type == ns_t_ptr) {
		term = should_cache != 0;
		client_name_ptr = !term;
	} else if (type != ns_t_txt) {
		return rr_status(layer, domain, type, NO_DATA); /* type SPF: obsolete */
	}
	if (follow == FOLLOW_NONE)
		forget_follow(c);
	if (term && strncmp(domain, ZERO_CIDR_MARK, ZERO_CIDR_MARK_LEN) == 0) {
		zero_cidr = 1;
		domain += ZERO_CIDR_MARK_LEN;
	}
	if (term && ++c->terms > TERM_LIMIT) {
		problem(c, "more than %d DNS-querying terms", TERM_LIMIT);
		return over_limit(c, layer, domain, type);
	}

	memset(&res, 0, sizeof(res));
	if (query_name(domain, name, sizeof(name)) < 0) {
		/* Cannot exist: no match, nothing asked, so not void either. */
		return rr_status(layer, domain, type, HOST_NOT_FOUND);
	}
	status = mx6_dns_lookup(c->dns, name, type, &res);

	if (status == MX6_DNS_TEMPFAIL) {
		mx6_dns_result_free(&res);
		/* RFC 7208 5.5: "ptr" skips the name or does not match; %{p}
		 * becomes "unknown" (libspf2 ignores the error anyway). */
		if (follow == FOLLOW_PTR || follow == FOLLOW_CLIENT_NAME ||
		    client_name_ptr || (type == ns_t_ptr && term))
			return rr_status(layer, domain, type, HOST_NOT_FOUND);
		c->tempfail = 1;
		problem(c, "temporary DNS error for %s/%s", name, SPF_strrrtype(type));
		return rr_status(layer, domain, type, TRY_AGAIN);
	}

	if ((rr = rr_status(layer, domain, type, NETDB_SUCCESS)) == NULL) {
		mx6_dns_result_free(&res);
		return NULL; /* libspf2 reports it through its error handler */
	}
	if (type == ns_t_mx || type == ns_t_ptr) {
		c->follow = type == ns_t_mx ? FOLLOW_MX
			    : term	    ? FOLLOW_PTR
					    : FOLLOW_CLIENT_NAME;
		c->follow_zero_cidr = zero_cidr && type == ns_t_mx;
	}
	limit = type == ns_t_ptr ? FOLLOW_LIMIT : res.count;
	for (i = 0; status == MX6_DNS_OK && i < res.count && (unsigned)rr->num_rr < limit;
	     i++) {
		if (rr_add(c, rr, type, res.rr[i], res.rrlen[i]) == -2) {
			SPF_dns_rr_free(rr);
			mx6_dns_result_free(&res);
			c->tempfail = 1;
			problem(c, "out of memory");
			return rr_status(layer, domain, type, TRY_AGAIN);
		}
	}
	mx6_dns_result_free(&res);
	if (rr->num_rr == 0)
		rr->herrno = status == MX6_DNS_NXDOMAIN ? HOST_NOT_FOUND : NO_DATA;

	if (term && rr->num_rr == 0 && status != MX6_DNS_OK && ++c->voids > VOID_LIMIT) {
		SPF_dns_rr_free(rr);
		problem(c, "more than %d void DNS lookups", VOID_LIMIT);
		return over_limit(c, layer, domain, type);
	}
	if ((type == ns_t_a || type == ns_t_aaaa) && rr->num_rr > 0) {
		int hit = 0;

		for (i = 0; i < (unsigned)rr->num_rr; i++)
			hit |= same_address(c, type, rr->rr[i]);
		/* Any address matches under CIDR length 0. */
		if (zero_cidr && !hit &&
		    c->family == (type == ns_t_a ? AF_INET : AF_INET6)) {
			if (type == ns_t_a)
				rr->rr[0]->a = c->ipv4;
			else
				rr->rr[0]->aaaa = c->ipv6;
		}
		/* libspf2 stops following the answer there. */
		if ((hit || zero_cidr) &&
		    (follow == FOLLOW_CLIENT_NAME || follow == FOLLOW_MX))
			forget_follow(c);
	}
	return rr;
}

static SPF_errcode_t layer_get_exp(SPF_server_t *server, const char *domain, char **bufp,
				   size_t *buflenp)
{
	(void)server;
	(void)domain;
	if (*buflenp < sizeof(EXPLANATION)) {
		char *p = realloc(*bufp, sizeof(EXPLANATION));

		if (p == NULL)
			return SPF_E_NO_MEMORY;
		*bufp = p;
		*buflenp = sizeof(EXPLANATION);
	}
	memcpy(*bufp, EXPLANATION, sizeof(EXPLANATION));
	return SPF_E_SUCCESS;
}

/*
 * Record text
 */

struct text {
	char *buf;
	size_t len, cap;
	int failed;
};

static void put(struct text *t, const char *s, size_t n)
{
	if (t->failed)
		return;
	if (t->len + n + 1 > t->cap) {
		size_t cap = (t->len + n + 1) * 2;
		char *p = realloc(t->buf, cap);

		if (p == NULL) {
			t->failed = 1;
			return;
		}
		t->buf = p;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

static void puts_text(struct text *t, const char *s)
{
	put(t, s, strlen(s));
}

/* The value a macro letter expands to, for counting its parts; NULL when
 * unknown (libspf2 then reports the error itself). */
static const char *macro_value(struct check *c, char letter, char *buf, size_t buflen)
{
	SPF_request_t *r = c->request;
	int i;

	switch (tolower((unsigned char)letter)) {
	case 'l':
		return r->env_from_lp;
	case 's':
		return r->env_from;
	case 'o':
		return r->env_from_dp;
	case 'd':
		return r->cur_dom;
	case 'h':
		return r->helo_dom;
	case 'v':
		return c->family == AF_INET ? "in-addr" : "ip6";
	case 'r':
		return SPF_request_get_rec_dom(r);
	case 't':
		return "0";
	case 'p':
		return SPF_request_get_client_dom(r);
	case 'c':
		if (c->family == AF_INET)
			return inet_ntop(AF_INET, &c->ipv4, buf, (socklen_t)buflen);
		return inet_ntop(AF_INET6, &c->ipv6, buf, (socklen_t)buflen);
	case 'i':
		if (c->family == AF_INET)
			return inet_ntop(AF_INET, &c->ipv4, buf, (socklen_t)buflen);
		if (buflen < 64)
			return NULL;
		for (i = 0; i < 16; i++)
			snprintf(buf + 4 * i, buflen - 4 * (size_t)i, "%x.%x.",
				 c->ipv6.s6_addr[i] >> 4, c->ipv6.s6_addr[i] & 0xf);
		buf[63] = '\0';
		return buf;
	}
	return NULL;
}

/* RFC 7208 7.3: the number of parts of VALUE split at the delimiters. */
static unsigned macro_parts(const char *value, const char *delims, size_t ndelims)
{
	unsigned parts = 1;

	for (; *value != '\0'; value++)
		if (ndelims == 0 ? *value == '.'
				 : memchr(delims, *value, ndelims) != NULL)
			parts++;
	return parts;
}

/*
 * The length of the macro-expand at s (RFC 7208 7.1), 0 if there is
 * none. LETTERS are the macro letters allowed here.
 */
static size_t macro_expand_len(const char *s, size_t n, const char *letters)
{
	size_t i;
	int nonzero = 0;

	if (n < 2 || s[0] != '%')
		return 0;
	if (s[1] == '%' || s[1] == '_' || s[1] == '-')
		return 2;
	if (s[1] != '{' || n < 4 || s[2] == '\0' ||
	    strchr(letters, tolower((unsigned char)s[2])) == NULL)
		return 0;
	for (i = 3; i < n && isdigit((unsigned char)s[i]); i++)
		nonzero |= s[i] != '0';
	if (i > 3 && !nonzero)
		return 0; /* RFC 7208 7.3: a DIGIT transformer is not zero */
	if (i < n && (s[i] == 'r' || s[i] == 'R'))
		i++;
	while (i < n && strchr(".-+,/_=", s[i]) != NULL)
		i++;
	return i < n && s[i] == '}' ? i + 1 : 0;
}

/*
 * Copies a macro-string, dropping a digit transformer that asks for at
 * least as many parts as the value has: libspf2 drops the first
 * character then. Returns 0, or -1 for an invalid %-escape.
 */
static int put_macros(struct check *c, struct text *t, const char *s, size_t n,
		      const char *letters)
{
	size_t i = 0, len, ndigits;

	while (i < n) {
		const char *digits, *after, *delims, *end, *value = NULL;
		char buf[INET6_ADDRSTRLEN + 64];
		unsigned long want = 0;

		if (s[i] != '%') {
			put(t, s + i, 1);
			i++;
			continue;
		}
		if ((len = macro_expand_len(s + i, n - i, letters)) == 0)
			return -1;
		if (len == 2) { /* %%, %_ or %- */
			put(t, s + i, 2);
			i += 2;
			continue;
		}
		/* "%{" letter [digits] ["r"] delimiters "}" */
		end = s + i + len - 1;
		digits = s + i + 3;
		for (ndigits = 0; isdigit((unsigned char)digits[ndigits]); ndigits++)
			;
		after = digits + ndigits;
		delims = *after == 'r' || *after == 'R' ? after + 1 : after;
		if (ndigits > 0)
			want = ndigits > 4 ? 9999 : strtoul(digits, NULL, 10);
		if (want > 0)
			value = macro_value(c, s[i + 2], buf, sizeof(buf));
		if (value != NULL &&
		    macro_parts(value, delims, (size_t)(end - delims)) <= want) {
			put(t, s + i, 3);
			put(t, after, (size_t)(end + 1 - after));
		} else {
			put(t, s + i, len);
		}
		i += len;
	}
	return 0;
}

/* RFC 7208 7.1 toplabel. */
static int is_toplabel(const char *s, size_t n)
{
	size_t i, alpha = 0, dash = 0;

	if (n == 0 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '-')
			dash++;
		else if (isalpha((unsigned char)s[i]))
			alpha++;
		else if (!isdigit((unsigned char)s[i]))
			return 0;
	}
	return alpha > 0 || dash > 0;
}

/*
 * RFC 7208 7.1: domain-spec = macro-string domain-end, domain-end = ("."
 * toplabel ["."]) / macro-expand; the macro letters c, r and t belong
 * to explanations only. libspf2 checks hardly any of this.
 */
static int is_domain_spec(const char *s, size_t n)
{
	size_t i = 0, len, literal = 0; /* start of the literal tail */
	int macro_last = 0;

	while (i < n) {
		if (s[i] == '%') {
			if ((len = macro_expand_len(s + i, n - i, "slodiphv")) == 0)
				return 0;
			i += len;
			literal = i;
			macro_last = 1;
		} else if ((unsigned char)s[i] > ' ' && (unsigned char)s[i] < 0x7f) {
			i++;
			macro_last = 0;
		} else {
			return 0;
		}
	}
	if (n == 0)
		return 0;
	if (macro_last)
		return 1;
	if (s[n - 1] == '.')
		n--;
	for (i = n; i > literal && s[i - 1] != '.'; i--)
		;
	return i > literal && is_toplabel(s + i, n - i);
}

/* A CIDR length (RFC 7208 5.6: no leading zero); returns it or -1. */
static int cidr_value(const char *s, size_t n, int max)
{
	int v = 0;
	size_t i;

	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= max ? v : -1;
}

/* Splits a trailing "/N" off s[0..*n); returns where N starts, or NULL. */
static const char *trailing_cidr(const char *s, size_t *n)
{
	size_t i = *n;

	while (i > 0 && isdigit((unsigned char)s[i - 1]))
		i--;
	if (i == *n || i == 0 || s[i - 1] != '/')
		return NULL;
	*n = i - 1;
	return s + i;
}

/* ip4: and ip6: (ARG is where the address starts): CIDR lengths
 * without leading zeros; "/0", which libspf2 refuses, as the two "/1"
 * halves. Returns 1 if written, 0 to copy the term, -1 for a syntax
 * error. */
static int put_ip_term(struct text *t, const char *term, size_t n, size_t q, size_t arg)
{
	int family = term[q + 2] == '4' ? AF_INET : AF_INET6;
	unsigned char addr[sizeof(struct in6_addr)];
	char text[INET6_ADDRSTRLEN], buf[INET6_ADDRSTRLEN];
	size_t rest = n;
	const char *len = trailing_cidr(term, &rest);
	int cidr, half;

	if (len == NULL || rest < arg)
		return 0;
	if ((cidr = cidr_value(len, n - (size_t)(len - term),
			       family == AF_INET ? 32 : 128)) < 0)
		return -1;
	if (cidr != 0 || rest - arg >= sizeof(buf))
		return 0;
	memcpy(buf, term + arg, rest - arg);
	buf[rest - arg] = '\0';
	if (inet_pton(family, buf, addr) != 1)
		return 0; /* libspf2 reports it */
	for (half = 0; half < 2; half++) {
		if (half == 1) {
			put(t, " ", 1);
			addr[0] ^= 0x80;
		}
		inet_ntop(family, addr, text, sizeof(text));
		put(t, term, arg);
		puts_text(t, text);
		put(t, "/1", 2);
	}
	return 1;
}

/*
 * "a" and "mx" (ARG is where ":" or "/" follows the name): CIDR lengths
 * without leading zeros; a length of 0 for the client's family marks the
 * domain (see the layer), one for the other family, which does not
 * apply, is dropped. Returns 1 if written, -1 for a syntax error.
 */
static int put_address_term(struct check *c, struct text *t, const char *term, size_t n,
			    size_t arg)
{
	const char *c4 = NULL, *c6, *domain;
	size_t rest = n, ndomain;
	int v4 = -2, v6 = -2, mine;
	char num[16];

	c6 = trailing_cidr(term, &rest);
	if (c6 != NULL && rest > arg && term[rest - 1] == '/') {
		size_t n6 = n - (size_t)(c6 - term);

		rest--;
		if ((v6 = cidr_value(c6, n6, 128)) < 0)
			return -1;
		if ((c4 = trailing_cidr(term, &rest)) != NULL &&
		    (v4 = cidr_value(c4, (size_t)(c6 - 2 - c4), 32)) < 0)
			return -1;
	} else if (c6 != NULL) {
		if ((v4 = cidr_value(c6, n - (size_t)(c6 - term), 32)) < 0)
			return -1;
	}
	if (rest < arg)
		return -1;
	domain = term + arg;
	ndomain = rest - arg;
	if (ndomain > 0 && (*domain != ':' || !is_domain_spec(domain + 1, ndomain - 1)))
		return -1;
	mine = c->family == AF_INET ? v4 : v6;

	put(t, term, arg);
	if (mine == 0 || ndomain > 0) {
		put(t, ":", 1);
		if (mine == 0)
			put(t, ZERO_CIDR_MARK, ZERO_CIDR_MARK_LEN);
		if (ndomain > 0 &&
		    put_macros(c, t, domain + 1, ndomain - 1, "slodiphv") < 0)
			return -1;
		if (ndomain == 0)
			puts_text(t, "%{d}");
	}
	if (v4 > 0) {
		snprintf(num, sizeof(num), "/%d", v4);
		puts_text(t, num);
	}
	if (v6 > 0) {
		snprintf(num, sizeof(num), "//%d", v6);
		puts_text(t, num);
	}
	return 1;
}

struct record {
	int redirects, exps;
	const char *redirect; /* libspf2 treats it as a mechanism: moved last */
	size_t nredirect;
};

/*
 * One term (RFC 7208 4.6.1, 5, 6): checks what libspf2 does not, and
 * writes it as libspf2 gets it right. Returns 0, or -1 for a syntax
 * error.
 */
static int put_term(struct check *c, struct text *t, struct record *rec, const char *term,
		    size_t n)
{
	size_t q = 0, i, k;

	for (i = 0; i < n && (isalnum((unsigned char)term[i]) || term[i] == '-' ||
			      term[i] == '_' || term[i] == '.');
	     i++)
		;
	if (i < n && term[i] == '=' && i > 0 && isalpha((unsigned char)term[0])) {
		const char *value = term + i + 1;
		size_t nvalue = n - i - 1;

		if ((i == 8 && strncasecmp(term, "redirect", 8) == 0) ||
		    (i == 3 && strncasecmp(term, "exp", 3) == 0)) {
			if ((i == 8 ? ++rec->redirects : ++rec->exps) > 1 ||
			    !is_domain_spec(value, nvalue))
				return -1; /* RFC 7208 6: at most once each */
			if (i == 8) {
				rec->redirect = term;
				rec->nredirect = n;
				return 0;
			}
			put(t, term, i + 1);
			return put_macros(c, t, value, nvalue, "slodiphv");
		}
		/* An unknown modifier's name may contain dots; libspf2's not. */
		for (k = 0; k < i; k++)
			put(t, term[k] == '.' ? "_" : term + k, 1);
		put(t, "=", 1);
		return put_macros(c, t, value, nvalue, "slodiphvcrt");
	}

	if (n > 0 && strchr("+-~?", term[0]) != NULL)
		q = 1;
	for (i = q; i < n && isalnum((unsigned char)term[i]); i++)
		;
	k = i - q; /* name length */
	if (i < n && term[i] != ':' && term[i] != '/')
		return put_macros(c, t, term, n, "slodiphvcrt"); /* libspf2 reports it */
	if ((k == 8 && strncasecmp(term + q, "redirect", 8) == 0) ||
	    (k == 3 && strncasecmp(term + q, "exp", 3) == 0))
		return -1; /* a modifier written as a mechanism */
	if ((k == 7 && strncasecmp(term + q, "include", 7) == 0) ||
	    (k == 6 && strncasecmp(term + q, "exists", 6) == 0) ||
	    (k == 3 && strncasecmp(term + q, "ptr", 3) == 0)) {
		if (i < n && term[i] == ':' && !is_domain_spec(term + i + 1, n - i - 1))
			return -1;
	} else if (k == 3 && strncasecmp(term + q, "ip", 2) == 0 &&
		   (term[q + 2] == '4' || term[q + 2] == '6') && i < n &&
		   term[i] == ':') {
		int rc = put_ip_term(t, term, n, q, i + 1);

		if (rc != 0)
			return rc < 0 ? -1 : 0;
	} else if ((k == 1 && tolower((unsigned char)term[q]) == 'a') ||
		   (k == 2 && strncasecmp(term + q, "mx", 2) == 0)) {
		return put_address_term(c, t, term, n, i) < 0 ? -1 : 0;
	}
	return put_macros(c, t, term, n, "slodiphv");
}

/*
 * Checks the selected record and rewrites what libspf2 gets wrong (see
 * the top of this file). Returns the new text (malloc'd), or NULL with
 * *syntax_r set for an invalid record, or clear when out of memory.
 */
static char *rewrite_record(struct check *c, const char *record, int *syntax_r)
{
	struct text t = {NULL, 0, 0, 0};
	struct record rec = {0, 0, NULL, 0};
	const char *p = record;

	*syntax_r = 0;
	put(&t, "", 0);
	while (*p != '\0') {
		size_t n = strcspn(p, " ");

		if (n == 0) {
			put(&t, p, 1);
			p++;
			continue;
		}
		if (put_term(c, &t, &rec, p, n) < 0) {
			*syntax_r = 1;
			problem(c, "invalid term '%.*s'", (int)(n > 60 ? 60 : n), p);
			free(t.buf);
			return NULL;
		}
		p += n;
	}
	if (rec.redirect != NULL) {
		put(&t, " ", 1);
		put(&t, rec.redirect, 9);
		if (put_macros(c, &t, rec.redirect + 9, rec.nredirect - 9, "slodiphv") <
		    0)
			*syntax_r = 1;
	}
	if (t.failed || *syntax_r) {
		free(t.buf);
		return NULL;
	}
	return t.buf;
}

/*
 * Records
 */

enum fetch {
	FETCH_FOUND,
	FETCH_NONE,
	FETCH_TEMP,
	FETCH_PERM,
};

static int is_spf_record(const char *text, size_t len)
{
	return len >= 6 && strncasecmp(text, "v=spf1", 6) == 0 &&
	       (len == 6 || text[6] == ' ');
}

/* The first error libspf2 recorded while compiling, for problem_r. */
static void compile_problem(struct check *c, SPF_response_t *scratch, const char *domain)
{
	int i;

	for (i = 0; i < SPF_response_messages(scratch); i++) {
		SPF_error_t *e = SPF_response_message(scratch, i);

		if (SPF_error_errorp(e)) {
			problem(c, "SPF record of %s: %s", domain, SPF_error_message(e));
			return;
		}
	}
	problem(c, "SPF record of %s does not compile", domain);
}

/*
 * libspf2 compiles a record into fixed-size buffers and silently drops the
 * mechanisms and modifiers that do not fit (about 512 bytes of each, e.g.
 * 64 ip4 terms or 22 long a: terms), then evaluates what is left: a long
 * record's "-all" or its last ip6: would simply be gone, neutral instead
 * of fail or pass. Count the terms of the text it was given (TEXT as
 * rewritten: "v=spf1" first, single spaces possible anywhere; libspf2
 * keeps redirect= with the mechanisms) and compare.
 */
static int compiled_whole(const SPF_record_t *record, const char *text)
{
	size_t nmech = 0, nmod = 0, n, i;
	const char *p = text + strcspn(text, " ");

	while (*p != '\0') {
		if ((n = strcspn(p, " ")) == 0) {
			p++;
			continue;
		}
		for (i = 0; i < n && (isalnum((unsigned char)p[i]) || p[i] == '-' ||
				      p[i] == '_' || p[i] == '.');
		     i++)
			;
		if (i < n && p[i] == '=' && i > 0 && isalpha((unsigned char)p[0]) &&
		    !(i == 8 && strncasecmp(p, "redirect", 8) == 0))
			nmod++;
		else
			nmech++;
		p += n;
	}
	return record->num_mech == nmech && record->num_mod == nmod;
}

static enum fetch compile_record(struct check *c, const char *domain, const char *text,
				 SPF_record_t **record_r)
{
	SPF_response_t *scratch;
	SPF_errcode_t err;
	char *rewritten;
	int syntax;
	const unsigned char *s;

	for (s = (const unsigned char *)text; *s != '\0'; s++)
		if (*s < ' ' || *s > '~') {
			problem(c, "SPF record of %s has a control or 8-bit character",
				domain);
			return FETCH_PERM;
		}
	if ((rewritten = rewrite_record(c, text, &syntax)) == NULL) {
		if (syntax)
			return FETCH_PERM;
		problem(c, "out of memory");
		c->tempfail = 1;
		return FETCH_TEMP;
	}
	/* A fresh response: libspf2 fails a compile if the one it is given
	 * holds errors from before. */
	if ((scratch = SPF_response_new(c->request)) == NULL) {
		free(rewritten);
		problem(c, "out of memory");
		c->tempfail = 1;
		return FETCH_TEMP;
	}
	err = SPF_record_compile(&c->server, scratch, record_r, rewritten);
	if (err == SPF_E_SUCCESS && !compiled_whole(*record_r, rewritten)) {
		SPF_response_free(scratch);
		free(rewritten);
		SPF_record_free(*record_r);
		*record_r = NULL;
		problem(c, "SPF record of %s has more terms than libspf2 can hold", domain);
		return FETCH_PERM;
	}
	free(rewritten);
	if (err != SPF_E_SUCCESS) {
		compile_problem(c, scratch, domain);
		SPF_response_free(scratch);
		if (*record_r != NULL)
			SPF_record_free(*record_r);
		*record_r = NULL;
		return FETCH_PERM;
	}
	SPF_response_free(scratch);
	return FETCH_FOUND;
}

/* RFC 7208 4.4 and 4.5: the one SPF record of DOMAIN, compiled. */
static enum fetch fetch_record(struct check *c, const char *domain, int *void_r,
			       SPF_record_t **record_r)
{
	struct mx6_dns_result res;
	enum mx6_dns_status status;
	char name[NAME_LEN + 2];
	char *found = NULL;
	unsigned i, nfound = 0;
	enum fetch rc;

	*record_r = NULL;
	*void_r = 0;
	if (query_name(domain, name, sizeof(name)) < 0)
		return FETCH_NONE;
	status = mx6_dns_lookup(c->dns, name, MX6_RR_TXT, &res);
	if (status == MX6_DNS_TEMPFAIL) {
		c->tempfail = 1;
		problem(c, "temporary DNS error for %s/TXT", name);
		return FETCH_TEMP;
	}
	if (status != MX6_DNS_OK) {
		*void_r = 1;
		return FETCH_NONE;
	}
	for (i = 0; i < res.count; i++) {
		char *text = malloc((size_t)res.rrlen[i] + 1);
		int len;

		if (text == NULL) {
			free(found);
			mx6_dns_result_free(&res);
			c->tempfail = 1;
			problem(c, "out of memory");
			return FETCH_TEMP;
		}
		len = mx6_dns_txt_join(res.rr[i], res.rrlen[i], text,
				       (size_t)res.rrlen[i] + 1);
		if (len < 0 || !is_spf_record(text, (size_t)len)) {
			free(text);
			continue;
		}
		if ((size_t)len != strlen(text))
			text[0] = '\0'; /* a NUL inside: invalid, reported below */
		nfound++;
		free(found);
		found = text;
	}
	mx6_dns_result_free(&res);
	if (nfound == 0)
		return FETCH_NONE;
	if (nfound > 1) {
		free(found);
		problem(c, "more than one SPF record for %s", name);
		return FETCH_PERM;
	}
	if (found[0] == '\0') {
		free(found);
		problem(c, "SPF record of %s has a NUL character", name);
		return FETCH_PERM;
	}
	rc = compile_record(c, name, found, record_r);
	free(found);
	return rc;
}

/* libspf2 asks this for the records of include and redirect targets. */
static SPF_errcode_t layer_get_spf(SPF_server_t *server, SPF_request_t *request,
				   SPF_response_t *response, SPF_record_t **record_r)
{
	struct check *c = server->resolver->hook;
	int is_void;

	(void)response;
	forget_follow(c);
	if (++c->terms > TERM_LIMIT) {
		problem(c, "more than %d DNS-querying terms", TERM_LIMIT);
		c->over_limit = 1;
		return SPF_E_DNS_ERROR;
	}
	switch (fetch_record(c, request->cur_dom, &is_void, record_r)) {
	case FETCH_FOUND:
		return SPF_E_SUCCESS;
	case FETCH_TEMP:
		return SPF_E_DNS_ERROR; /* temperror */
	case FETCH_NONE:
		if (is_void && ++c->voids > VOID_LIMIT) {
			problem(c, "more than %d void DNS lookups", VOID_LIMIT);
			c->over_limit = 1;
			return SPF_E_DNS_ERROR;
		}
		problem(c, "no SPF record at %s", request->cur_dom);
		return SPF_E_NOT_SPF; /* permerror, for include and redirect */
	case FETCH_PERM:
		break;
	}
	return SPF_E_SYNTAX; /* permerror */
}

/*
 * Checks
 */

static enum mx6_auth result_of(struct check *c)
{
	SPF_response_t *r = c->response;

	if (c->over_limit)
		return MX6_AUTH_PERMERROR;
	switch (r->result) {
	case SPF_RESULT_PASS:
		return MX6_AUTH_PASS;
	case SPF_RESULT_FAIL:
		return MX6_AUTH_FAIL;
	case SPF_RESULT_SOFTFAIL:
		return MX6_AUTH_SOFTFAIL;
	case SPF_RESULT_NEUTRAL:
		return MX6_AUTH_NEUTRAL;
	case SPF_RESULT_NONE:
		return MX6_AUTH_NONE;
	case SPF_RESULT_TEMPERROR:
	case SPF_RESULT_PERMERROR:
	case SPF_RESULT_INVALID:
		break;
	}
	/* libspf2 also says temperror for a macro it cannot expand in
	 * "exists", and "(invalid)" for some errors: only a temporary DNS
	 * error that reached it is a temperror. */
	if (c->tempfail || r->err == SPF_E_NO_MEMORY) {
		problem(c, "%s", SPF_strerror(r->err));
		return MX6_AUTH_TEMPERROR;
	}
	problem(c, "%s", SPF_strerror(r->err));
	return MX6_AUTH_PERMERROR;
}

static enum mx6_auth evaluate(struct check *c)
{
	SPF_record_t *record;
	enum mx6_auth result;
	int is_void;

	c->request->cur_dom = c->domain;
	switch (fetch_record(c, c->domain, &is_void, &record)) {
	case FETCH_FOUND:
		break;
	case FETCH_NONE:
		return MX6_AUTH_NONE;
	case FETCH_TEMP:
		return MX6_AUTH_TEMPERROR;
	case FETCH_PERM:
		return MX6_AUTH_PERMERROR;
	}
	if ((c->response = SPF_response_new(c->request)) == NULL) {
		SPF_record_free(record);
		problem(c, "out of memory");
		return MX6_AUTH_TEMPERROR;
	}
	c->response->spf_record_exp = record;
	SPF_record_interpret(record, c->request, c->response, 0);
	result = result_of(c);
	SPF_record_free(record);
	return result;
}

/* Runs fn(c) with libspf2's error handler able to return here. */
static enum mx6_auth guarded(enum mx6_auth (*fn)(struct check *), struct check *c)
{
	jmp_buf env, *saved = error_jump;
	enum mx6_auth result;

	if (setjmp(env) != 0) {
		error_jump = saved;
		problem(c, "internal error in libspf2");
		return MX6_AUTH_TEMPERROR;
	}
	error_jump = &env;
	result = fn(c);
	error_jump = saved;
	return result;
}

static enum mx6_auth run(struct check *c)
{
	if ((c->request = SPF_request_new(&c->server)) == NULL)
		goto oom;
	if (c->family == AF_INET)
		SPF_request_set_ipv4(c->request, c->ipv4);
	else
		SPF_request_set_ipv6(c->request, c->ipv6);
	/* The sender first: libspf2 derives one from the HELO name if none. */
	if (SPF_request_set_env_from(c->request, c->sender) != 0)
		goto oom;
	if (c->helo != NULL && c->helo[0] != '\0' &&
	    SPF_request_set_helo_dom(c->request, c->helo) != SPF_E_SUCCESS)
		goto oom;
	return evaluate(c);
oom:
	problem(c, "out of memory");
	return MX6_AUTH_TEMPERROR;
}

struct mx6_spf *mx6_spf_new(struct mx6_dns *dns, const char *receiving_host, char *err_r,
			    size_t errlen)
{
	struct mx6_spf *spf = calloc(1, sizeof(*spf));
	SPF_response_t *response = NULL;
	jmp_buf env, *saved = error_jump;

	if (spf == NULL) {
		snprintf(err_r, errlen, "out of memory");
		return NULL;
	}
	pthread_once(&handlers_once, install_handlers);
	spf->dns = dns;
	spf->unused_layer.name = "mx6";
	if (setjmp(env) != 0) {
		error_jump = saved;
		snprintf(err_r, errlen, "libspf2 failed to initialise");
		free(spf); /* and whatever libspf2 had allocated: a fatal path */
		return NULL;
	}
	error_jump = &env;
	if ((spf->server = SPF_server_new_dns(&spf->unused_layer, 0)) == NULL ||
	    (receiving_host != NULL && receiving_host[0] != '\0' &&
	     SPF_server_set_rec_dom(spf->server, receiving_host) != SPF_E_SUCCESS) ||
	    SPF_server_set_explanation(spf->server, EXPLANATION, &response) !=
		    SPF_E_SUCCESS) {
		error_jump = saved;
		snprintf(err_r, errlen, "libspf2 failed to initialise");
		if (response != NULL)
			SPF_response_free(response);
		mx6_spf_free(&spf);
		return NULL;
	}
	error_jump = saved;
	if (response != NULL)
		SPF_response_free(response);
	return spf;
}

void mx6_spf_free(struct mx6_spf **spf)
{
	if (*spf == NULL)
		return;
	if ((*spf)->server != NULL)
		SPF_server_free((*spf)->server);
	free(*spf);
	*spf = NULL;
}

/*
 * The identity to check (RFC 7208 2.3, 2.4, 4.3): fills c->sender and
 * c->domain; returns 0, or -1 when there is nothing to check (none).
 */
static int identity_of(struct check *c, const char *helo, const char *sender,
		       enum mx6_spf_identity identity)
{
	const char *at, *domain;
	size_t len = sender != NULL ? strlen(sender) : 0;
	int n;

	if (len >= 2 && sender[0] == '<' && sender[len - 1] == '>') {
		sender++;
		len -= 2;
	}
	if (identity == MX6_SPF_HELO || len == 0) {
		if (helo == NULL)
			return -1;
		n = snprintf(c->sender, sizeof(c->sender), "postmaster@%s", helo);
	} else {
		if ((at = memrchr(sender, '@', len)) == NULL)
			return -1;
		/* No local part: "postmaster" (RFC 7208 4.3). */
		n = snprintf(c->sender, sizeof(c->sender), "%.*s@%.*s",
			     at == sender ? 10 : (int)(at - sender),
			     at == sender ? "postmaster" : sender,
			     (int)(len - (size_t)(at + 1 - sender)), at + 1);
	}
	if (n < 0 || (size_t)n >= sizeof(c->sender) || !printable(c->sender))
		return -1;
	domain = strrchr(c->sender, '@') + 1;
	if (!usable_domain(domain))
		return -1;
	snprintf(c->domain, sizeof(c->domain), "%s", domain);
	return 0;
}

enum mx6_auth mx6_spf_check(struct mx6_spf *spf, const struct mx6_addr *client,
			    const char *helo, const char *sender,
			    enum mx6_spf_identity identity, char *problem_r,
			    size_t problemlen)
{
	struct check c;
	enum mx6_auth result;

	memset(&c, 0, sizeof(c));
	if (problem_r != NULL && problemlen > 0)
		problem_r[0] = '\0';
	if (identity_of(&c, helo, sender, identity) < 0)
		return MX6_AUTH_NONE;
	if (mx6_addr_is_ipv4(client)) {
		c.family = AF_INET; /* RFC 7208 5: IPv4-mapped is IPv4 */
		memcpy(&c.ipv4.s_addr, client->bytes + 12, 4);
	} else {
		c.family = AF_INET6;
		memcpy(c.ipv6.s6_addr, client->bytes, 16);
	}
	/* %{h}: never a name with control characters (see the top). */
	c.helo = helo != NULL && printable(helo) ? helo : NULL;
	c.dns = spf->dns;
	c.server = *spf->server;
	c.server.resolver = &c.layer;
	c.layer.lookup = layer_lookup;
	c.layer.get_spf = layer_get_spf;
	c.layer.get_exp = layer_get_exp;
	c.layer.name = "mx6";
	c.layer.hook = &c;

	result = guarded(run, &c);

	if (c.response != NULL)
		SPF_response_free(c.response);
	if (c.request != NULL)
		SPF_request_free(c.request);
	if ((result == MX6_AUTH_TEMPERROR || result == MX6_AUTH_PERMERROR) &&
	    problem_r != NULL && problemlen > 0)
		snprintf(problem_r, problemlen, "%s", c.problem);
	return result;
}
