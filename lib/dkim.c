/*
 * NAME
 *	dkim 3
 * SUMMARY
 *	DKIM verification (RFC 6376) through libopendkim, keys fetched
 *	through the project's resolver
 * SYNOPSIS
 *	See dkim.h.
 * DESCRIPTION
 *	One DKIM_LIB per mx6_dkim, shared by every thread; one DKIM handle per
 *	message. Key records are looked up with mx6_dns_lookup() from
 *	libopendkim's query callbacks: the start callback resolves at once
 *	(within the resolver's own deadline) and writes a DNS answer packet
 *	built from the result into libopendkim's buffer -- NXDOMAIN and
 *	NODATA as an empty answer with their rcode, which libopendkim reports
 *	as "no key" -- while a temporary failure (SERVFAIL, time-out) makes
 *	the wait callback report DKIM_DNS_ERROR, which libopendkim reports as
 *	"key DNS query failed". The packet is rebuilt from the records rather
 *	than copied so that the static test resolver (no packets) works too.
 *
 *	Headers are given to libopendkim as "Name: value" (the MTA removes
 *	the space after the colon unless SMFIP_HDR_LEADSPC is negotiated,
 *	which the milter does not do), bare LF turned into CRLF. Body chunks
 *	are expected in SMTP form (CRLF), as libmilter delivers them; a bare
 *	LF is turned into CRLF all the same, so mx6-check can feed a file.
 *
 *	Results per signature (RFC 8601 2.7.1 words):
 *	  pass       signature and body hash verify, key at least 1024 bits,
 *	             rsa-sha256 (or another algorithm RFC 8301 allows), and
 *	             h= covers every instance of the fields that occur once
 *	             (From, Subject, Date, ...) it covers at all
 *	  fail       signature or body hash mismatch; key revoked (p= empty:
 *	             the signer withdrew the key, RFC 6376 3.6.1); l= longer
 *	             than the body
 *	  policy     verifies, but is not acceptable: key shorter than 1024
 *	             bits or rsa-sha1 (RFC 8301); an unsigned extra instance
 *	             of a signed From, Subject, ... (RFC 6376 8.15);
 *	             signature expired (x= past) or dated in the future (t=)
 *	  neutral    well-formed but not verifiable here: unsupported v=,
 *	             a=, c=, q= or a conditional signature; not verified
 *	  temperror  key lookup timed out or SERVFAIL (or an unusable
 *	             answer): a later attempt may succeed
 *	  permerror  no key record (NXDOMAIN, no TXT), malformed or unusable
 *	             key record, a key record set too large for libopendkim's
 *	             answer buffer (a 16 KB p=: asking again will not make it
 *	             fit), several key records, t=s violated;
 *	             malformed signature (tag-list syntax, which includes a
 *	             missing required tag; empty tags, b=/bh= not base64, h=
 *	             without From, i= not under d=, x= before t=, invalid
 *	             selector or domain)
 *	An expired signature is "policy" rather than "fail": it may well be
 *	cryptographically fine, the receiver chooses not to honour it.
 *
 *	Bounds: the first max_signatures (0: 5, at most 64) DKIM-Signature
 *	fields are given to libopendkim and later ones are left out (so a
 *	signature that covers a later DKIM-Signature field cannot verify);
 *	malformed ones are set aside before any DNS or crypto work. At most
 *	MAX_HEADERS fields, MAX_FIELD bytes per field (MAX_SIG_FIELD for a
 *	DKIM-Signature), MAX_HEADER_BYTES in all and MAX_BODY body bytes;
 *	beyond any of them the message cannot be verified (-1). Key lookups
 *	run one after the other, so a message costs at most max_signatures
 *	DNS timeouts.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include <opendkim/dkim.h>

#include "dkim.h"
#include "dkimkey.h"

#define DEFAULT_SIGNATURES 5
#define MAX_SIGNATURES	   64
#define MAX_HEADERS	   1000
#define MAX_FIELD	   (128 * 1024)
#define MAX_SIG_FIELD	   (16 * 1024)
#define MAX_HEADER_BYTES   (1024 * 1024)
#define MAX_BODY	   (64UL * 1024 * 1024)
#define MIN_KEY_BITS	   1024
#define DNS_NAME_MAX	   253

/*
 * Fields a message has at most once (RFC 5322 3.6, RFC 2045). A passing
 * signature must cover every instance of the ones it signs: an unsigned
 * extra one, added above the signed instance (verifiers select fields
 * bottom-up), is what a reader may see instead (RFC 6376 8.15).
 */
static const char *const singleton_fields[] = {
	"From",		"Sender",
	"Reply-To",	"To",
	"Cc",		"Bcc",
	"Subject",	"Date",
	"Message-ID",	"In-Reply-To",
	"References",	"MIME-Version",
	"Content-Type", "Content-Transfer-Encoding",
};
#define NSINGLETONS (sizeof(singleton_fields) / sizeof(singleton_fields[0]))

struct mx6_dkim {
	DKIM_LIB *lib;
	struct mx6_dns *dns;
	unsigned max_signatures;
};

enum verify_state {
	STATE_HEADERS,
	STATE_BODY,
	STATE_UNSIGNED, /* no signature: the body is not needed */
	STATE_DONE,
	STATE_FAILED,
};

/* Why a signature was set aside before libopendkim looked at it. */
enum sig_local {
	LOCAL_NONE = 0,
	LOCAL_SYNTAX,  /* its tag-list does not parse */
	LOCAL_KEYNAME, /* s=/d= cannot form a DNS name */
	LOCAL_BASE64,  /* b= or bh= is not base64 */
};

#define MAX_OVERSIZE 4 /* key names remembered per message as too large */

struct mx6_dkim_verify {
	struct mx6_dkim *dkim;
	DKIM *handle;
	enum verify_state state;
	unsigned nheaders;
	size_t header_bytes;
	size_t body_bytes;
	unsigned singletons[NSINGLETONS]; /* instances of each such field */
	unsigned nsigs;			  /* DKIM-Signature fields given to libopendkim */
	unsigned char *sig_bad;		  /* per such field: its tag-list is bad */
	unsigned char *sig_local;	  /* per siglist entry: enum sig_local */
	int body_last_cr;		  /* the previous body chunk ended in CR */
	unsigned char *buf;		  /* scratch: header line, converted body chunk */
	size_t bufsize;
	int raw_values;			  /* values keep their leading white space */
	unsigned noversize;		  /* key names whose records did not fit */
	char oversize[MAX_OVERSIZE][DNS_NAME_MAX + 1];
};

/* The message whose dkim_eoh() or dkim_eom() runs on this thread: the key
 * callbacks only get the library-wide service pointer, not the message. */
static __thread struct mx6_dkim_verify *eom_verify;

/* ---------------------------------------------------------- key lookups */

struct key_query {
	int status; /* DKIM_DNS_SUCCESS or DKIM_DNS_ERROR */
	size_t len;
	int dnssec;
};

static void put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

/*
 * A DNS answer for QNAME/TYPE with rcode and the records of r (if any) in
 * buf; returns its length, or 0 if not even the header and question fit.
 * Records that do not fit are left out and counted in *dropped_r.
 */
static size_t build_answer(unsigned char *buf, size_t buflen, const char *qname, int type,
			   int rcode, const struct mx6_dns_result *r, size_t *dropped_r)
{
	unsigned char wire[256];
	int wlen = mx6_dns_name_to_wire(qname, wire, sizeof(wire));
	size_t len, i, n = 0;

	if (wlen < 0)
		wlen = mx6_dns_name_to_wire("invalid", wire, sizeof(wire));
	if (buflen < 12 + (size_t)wlen + 4)
		return 0;
	memset(buf, 0, 12);
	put16(buf + 2, 0x8180 | (unsigned)rcode); /* QR RD RA */
	put16(buf + 4, 1);
	len = 12;
	memcpy(buf + len, wire, (size_t)wlen);
	len += (size_t)wlen;
	put16(buf + len, (unsigned)type);
	put16(buf + len + 2, 1); /* IN */
	len += 4;
	for (i = 0; r != NULL && i < r->count; i++) {
		size_t rdlen = (size_t)r->rrlen[i];

		if (rdlen > 65535 || len + 12 + rdlen > buflen)
			break;
		put16(buf + len, 0xc00c); /* the question's name */
		put16(buf + len + 2, (unsigned)type);
		put16(buf + len + 4, 1);
		memset(buf + len + 6, 0, 4); /* TTL */
		put16(buf + len + 10, (unsigned)rdlen);
		memcpy(buf + len + 12, r->rr[i], rdlen);
		len += 12 + rdlen;
		n++;
	}
	if (r != NULL)
		*dropped_r = r->count - n;
	if (r != NULL && r->count > 0 && n == 0)
		return 0;
	put16(buf + 6, (unsigned)n);
	return len;
}

/* Remember NAME's key records as too large for the message being verified. */
static void note_oversize(const char *name)
{
	struct mx6_dkim_verify *v = eom_verify;

	if (v != NULL && v->noversize < MAX_OVERSIZE)
		snprintf(v->oversize[v->noversize++], sizeof(v->oversize[0]), "%s", name);
}

/* SIG's key records were too large (see note_oversize()). */
static int key_oversize(const struct mx6_dkim_verify *v, DKIM_SIGINFO *sig)
{
	const char *d = (const char *)dkim_sig_getdomain(sig);
	const char *s = (const char *)dkim_sig_getselector(sig);
	char name[DNS_NAME_MAX + 1];
	unsigned i;

	if (d == NULL || s == NULL)
		return 0;
	snprintf(name, sizeof(name), "%s._domainkey.%s", s, d);
	for (i = 0; i < v->noversize; i++)
		if (strcasecmp(v->oversize[i], name) == 0)
			return 1;
	return 0;
}

static int key_query_start(void *service, int type, unsigned char *query,
			   unsigned char *buf, size_t buflen, void **handle_r)
{
	struct mx6_dkim *dkim = service;
	struct key_query *q = calloc(1, sizeof(*q));
	struct mx6_dns_result r;
	const char *name = (const char *)query;
	size_t dropped = 0;

	if (q == NULL)
		return -1;
	q->status = DKIM_DNS_ERROR;
	q->dnssec = DKIM_DNSSEC_UNKNOWN;
	switch (mx6_dns_lookup(dkim->dns, name, type, &r)) {
	case MX6_DNS_OK:
		q->len = build_answer(buf, buflen, name, type, 0, &r, &dropped);
		if (r.secure)
			q->dnssec = DKIM_DNSSEC_SECURE;
		if (dropped > 0) {
			/* Not a DNS failure: it would never fit. Answer "query
			 * failed" and let verdict() make it a permerror. */
			q->len = 0;
			note_oversize(name);
		}
		break;
	case MX6_DNS_NODATA:
		q->len = build_answer(buf, buflen, name, type, 0, NULL, &dropped);
		break;
	case MX6_DNS_NXDOMAIN:
		q->len = build_answer(buf, buflen, name, type, 3, NULL, &dropped);
		break;
	case MX6_DNS_TEMPFAIL:
		q->len = 0;
		break;
	}
	if (q->len > 0)
		q->status = DKIM_DNS_SUCCESS;
	mx6_dns_result_free(&r);
	*handle_r = q;
	return 0;
}

static int key_query_waitreply(void *service, void *handle, struct timeval *timeout,
			       size_t *bytes_r, int *error_r, int *dnssec_r)
{
	struct key_query *q = handle;

	(void)service;
	(void)timeout; /* the lookup is over: mx6_dns_lookup() has its own deadline */
	if (bytes_r != NULL)
		*bytes_r = q->len;
	if (error_r != NULL)
		*error_r = 0;
	if (dnssec_r != NULL)
		*dnssec_r = q->dnssec;
	return q->status;
}

static int key_query_cancel(void *service, void *handle)
{
	(void)service;
	free(handle);
	return 0;
}

/* ---------------------------------------------------------- prescreen */

/* NAME is something a key query name can be built from (LDH, _ and dots). */
static int valid_name_part(const char *name)
{
	size_t label = 0;
	const char *p;

	if (name == NULL || *name == '\0')
		return 0;
	for (p = name; *p != '\0'; p++) {
		if (*p == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return 0;
		if (++label > 63)
			return 0;
	}
	return 1; /* a trailing dot is tolerated */
}

/* VALUE is base64 with folding whitespace (libopendkim skips other bytes). */
static int valid_base64(const unsigned char *value)
{
	const unsigned char *p;

	if (value == NULL)
		return 1; /* missing: libopendkim reports it */
	for (p = value; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '+' || *p == '/' || *p == '=' ||
		      *p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
			return 0;
	return 1;
}

/*
 * Called by libopendkim once the signatures are parsed, before any key
 * lookup: set aside the ones that cannot lead anywhere, so they cost no
 * DNS query and no crypto.
 */
static DKIM_CBSTAT prescreen(DKIM *handle, DKIM_SIGINFO **sigs, int nsigs)
{
	struct mx6_dkim_verify *v = dkim_get_user_context(handle);
	int i;

	if (v == NULL || v->sig_local == NULL)
		return DKIM_CBSTAT_CONTINUE;
	for (i = 0; i < nsigs && (unsigned)i < v->dkim->max_signatures; i++) {
		const char *d = (const char *)dkim_sig_getdomain(sigs[i]);
		const char *s = (const char *)dkim_sig_getselector(sigs[i]);

		/* With BADSIGHANDLES the list holds every field, in order. */
		if ((unsigned)nsigs == v->nsigs && v->sig_bad[i]) {
			v->sig_local[i] = LOCAL_SYNTAX;
		} else if (dkim_sig_geterror(sigs[i]) != DKIM_SIGERROR_UNKNOWN) {
			continue; /* already judged (missing d=, expired, ...) */
		} else if (!valid_name_part(d) || !valid_name_part(s) ||
			   strlen(d) + strlen(s) + sizeof("._domainkey.") - 1 >
				   DNS_NAME_MAX) {
			v->sig_local[i] = LOCAL_KEYNAME;
		} else if (!valid_base64(dkim_sig_gettagvalue(sigs[i], 0,
							      (unsigned char *)"b")) ||
			   !valid_base64(dkim_sig_gettagvalue(sigs[i], 0,
							      (unsigned char *)"bh"))) {
			v->sig_local[i] = LOCAL_BASE64;
		} else {
			continue;
		}
		dkim_sig_ignore(sigs[i]);
	}
	return DKIM_CBSTAT_CONTINUE;
}

/* ---------------------------------------------------------- library */

struct mx6_dkim *mx6_dkim_new(struct mx6_dns *dns, unsigned max_signatures, char *err_r,
			      size_t errlen)
{
	struct mx6_dkim *dkim;
	unsigned int flags = 0, minbits = MIN_KEY_BITS;

	if (dns == NULL) {
		snprintf(err_r, errlen, "DKIM needs a resolver");
		return NULL;
	}
	if (mx6_dkimkey_init() < 0) {
		snprintf(err_r, errlen, "cannot find OpenSSL's d2i_PUBKEY_bio");
		return NULL;
	}
	if ((dkim = calloc(1, sizeof(*dkim))) == NULL) {
		snprintf(err_r, errlen, "out of memory");
		return NULL;
	}
	dkim->dns = dns;
	dkim->max_signatures = max_signatures == 0 ? DEFAULT_SIGNATURES : max_signatures;
	if (dkim->max_signatures > MAX_SIGNATURES)
		dkim->max_signatures = MAX_SIGNATURES;
	if ((dkim->lib = dkim_init(NULL, NULL)) == NULL) {
		snprintf(err_r, errlen, "cannot initialise libopendkim");
		free(dkim);
		return NULL;
	}
	/* Keep malformed signatures in the list, so each gets a result. */
	if (dkim_options(dkim->lib, DKIM_OP_GETOPT, DKIM_OPTS_FLAGS, &flags,
			 sizeof(flags)) != DKIM_STAT_OK ||
	    (flags |= DKIM_LIBFLAGS_BADSIGHANDLES,
	     dkim_options(dkim->lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags,
			  sizeof(flags))) != DKIM_STAT_OK ||
	    dkim_options(dkim->lib, DKIM_OP_SETOPT, DKIM_OPTS_MINKEYBITS, &minbits,
			 sizeof(minbits)) != DKIM_STAT_OK ||
	    dkim_set_prescreen(dkim->lib, prescreen) != DKIM_STAT_OK) {
		snprintf(err_r, errlen, "cannot configure libopendkim");
		mx6_dkim_free(&dkim);
		return NULL;
	}
	dkim_dns_set_query_service(dkim->lib, dkim);
	dkim_dns_set_query_start(dkim->lib, key_query_start);
	dkim_dns_set_query_waitreply(dkim->lib, key_query_waitreply);
	dkim_dns_set_query_cancel(dkim->lib, key_query_cancel);
	dkim_dns_set_init(dkim->lib, NULL);
	dkim_dns_set_close(dkim->lib, NULL);
	return dkim;
}

void mx6_dkim_free(struct mx6_dkim **dkimp)
{
	struct mx6_dkim *dkim = *dkimp;

	if (dkim == NULL)
		return;
	if (dkim->lib != NULL)
		dkim_close(dkim->lib);
	free(dkim);
	*dkimp = NULL;
}

/* ---------------------------------------------------------- per message */

struct mx6_dkim_verify *mx6_dkim_verify_new(struct mx6_dkim *dkim)
{
	struct mx6_dkim_verify *v = calloc(1, sizeof(*v));
	DKIM_STAT status;

	if (v == NULL)
		return NULL;
	v->dkim = dkim;
	v->sig_bad = calloc(dkim->max_signatures, 1);
	v->sig_local = calloc(dkim->max_signatures, 1);
	v->handle = dkim_verify(dkim->lib, (const unsigned char *)"mx6", NULL, &status);
	if (v->sig_bad == NULL || v->sig_local == NULL || v->handle == NULL ||
	    dkim_set_user_context(v->handle, v) != DKIM_STAT_OK) {
		mx6_dkim_verify_free(&v);
		return NULL;
	}
	return v;
}

void mx6_dkim_verify_free(struct mx6_dkim_verify **vp)
{
	struct mx6_dkim_verify *v = *vp;

	if (v == NULL)
		return;
	if (v->handle != NULL)
		dkim_free(v->handle);
	free(v->sig_bad);
	free(v->sig_local);
	free(v->buf);
	free(v);
	*vp = NULL;
}

static int fail(struct mx6_dkim_verify *v)
{
	v->state = STATE_FAILED;
	return -1;
}

static int reserve(struct mx6_dkim_verify *v, size_t size)
{
	unsigned char *n;

	if (size <= v->bufsize)
		return 0;
	if ((n = realloc(v->buf, size)) == NULL)
		return -1;
	v->buf = n;
	v->bufsize = size;
	return 0;
}

/* NAME (without trailing blanks) is FIELD, as libopendkim compares names. */
static int is_field(const char *name, const char *field)
{
	size_t len = strlen(name), flen = strlen(field);

	while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '\t'))
		len--;
	return len == flen && strncasecmp(name, field, flen) == 0;
}

/*
 * The first singleton field the message has more often than the h= list
 * (colon-separated, blanks allowed) of SIG names it, while naming it at
 * all; NULL if none.
 */
static const char *unsigned_singleton(const struct mx6_dkim_verify *v, DKIM_SIGINFO *sig)
{
	const char *h = (const char *)dkim_sig_gettagvalue(sig, 0, (unsigned char *)"h");
	unsigned signed_count[NSINGLETONS];
	const char *p;
	size_t k;

	memset(signed_count, 0, sizeof(signed_count));
	for (p = h; p != NULL && *p != '\0';) {
		size_t len;

		p += strspn(p, " \t\r\n");
		len = strcspn(p, ":");
		while (len > 0 && strchr(" \t\r\n", p[len - 1]) != NULL)
			len--;
		for (k = 0; k < NSINGLETONS; k++)
			if (strlen(singleton_fields[k]) == len &&
			    strncasecmp(p, singleton_fields[k], len) == 0)
				signed_count[k]++;
		p = strchr(p, ':');
		if (p != NULL)
			p++;
	}
	for (k = 0; k < NSINGLETONS; k++)
		if (signed_count[k] > 0 && signed_count[k] < v->singletons[k])
			return singleton_fields[k];
	return NULL;
}

void mx6_dkim_verify_raw_values(struct mx6_dkim_verify *v)
{
	v->raw_values = 1;
}

int mx6_dkim_verify_header(struct mx6_dkim_verify *v, const char *name, const char *value)
{
	size_t nlen, vlen, len = 0, i;
	int signature;
	DKIM_STAT status;

	if (v->state != STATE_HEADERS)
		return v->state == STATE_FAILED ? -1 : fail(v);
	nlen = strlen(name);
	vlen = strlen(value);
	signature = is_field(name, "DKIM-Signature");
	for (i = 0; i < NSINGLETONS; i++)
		if (is_field(name, singleton_fields[i]))
			v->singletons[i]++;
	if (++v->nheaders > MAX_HEADERS || nlen + vlen > MAX_FIELD ||
	    (v->header_bytes += nlen + vlen) > MAX_HEADER_BYTES)
		return fail(v);
	if (signature && v->nsigs >= v->dkim->max_signatures)
		return 0; /* beyond the limit: left out */
	if (signature && nlen + vlen > MAX_SIG_FIELD)
		return fail(v);
	/*
	 * "Name:value" as it was when the MTA gives the value raw, else
	 * "Name: value" (the MTA dropped the white space after the colon:
	 * "simple" header canonicalization then only survives for the usual
	 * single space). Each bare LF becomes CRLF (at worst doubles it).
	 */
	if (reserve(v, nlen + 2 + 2 * vlen + 1) < 0)
		return fail(v);
	memcpy(v->buf, name, nlen);
	len = nlen;
	v->buf[len++] = ':';
	if (!v->raw_values)
		v->buf[len++] = ' ';
	for (i = 0; i < vlen; i++) {
		if (value[i] == '\n' && (i == 0 || value[i - 1] != '\r'))
			v->buf[len++] = '\r';
		v->buf[len++] = (unsigned char)value[i];
	}
	v->buf[len] = '\0';
	status = dkim_header(v->handle, v->buf, len);
	if (signature) {
		/* A bad tag-list is kept (BADSIGHANDLES) and judged at the end. */
		v->sig_bad[v->nsigs++] = status == DKIM_STAT_SYNTAX;
		if (status == DKIM_STAT_SYNTAX)
			status = DKIM_STAT_OK;
	}
	switch (status) {
	case DKIM_STAT_OK:
	case DKIM_STAT_SYNTAX: /* a field name libopendkim will not store */
		return 0;
	default:
		return fail(v);
	}
}

int mx6_dkim_verify_eoh(struct mx6_dkim_verify *v)
{
	DKIM_STAT status;

	if (v->state != STATE_HEADERS)
		return v->state == STATE_FAILED ? -1 : fail(v);
	if (v->nsigs == 0) {
		/* Nothing to verify: no need to run libopendkim at all. */
		v->state = STATE_UNSIGNED;
		return 0;
	}
	/* libopendkim fetches the keys here (and in dkim_eom() if not yet). */
	eom_verify = v;
	status = dkim_eoh(v->handle);
	eom_verify = NULL;
	switch (status) {
	case DKIM_STAT_OK:
	case DKIM_STAT_NOSIG: /* every signature set aside: still reported */
		v->state = STATE_BODY;
		return 0;
	default:
		return fail(v);
	}
}

int mx6_dkim_verify_body(struct mx6_dkim_verify *v, const unsigned char *chunk,
			 size_t len)
{
	int prev_cr = v->body_last_cr, bare = 0;
	size_t i, out;

	if (v->state == STATE_UNSIGNED)
		return 0;
	if (v->state != STATE_BODY)
		return v->state == STATE_FAILED ? -1 : fail(v);
	if (len == 0)
		return 0;
	if ((v->body_bytes += len) > MAX_BODY)
		return fail(v);
	v->body_last_cr = chunk[len - 1] == '\r';
	for (i = 0; i < len && !bare; i++)
		if (chunk[i] == '\n' && (i == 0 ? !prev_cr : chunk[i - 1] != '\r'))
			bare = 1;
	if (bare) {
		if (reserve(v, 2 * len) < 0)
			return fail(v);
		for (i = 0, out = 0; i < len; i++) {
			if (chunk[i] == '\n' &&
			    (i == 0 ? !prev_cr : chunk[i - 1] != '\r'))
				v->buf[out++] = '\r';
			v->buf[out++] = chunk[i];
		}
		chunk = v->buf;
		len = out;
	}
	return dkim_body(v->handle, (unsigned char *)chunk, len) == DKIM_STAT_OK
		       ? 0
		       : fail(v);
}

/* ---------------------------------------------------------- results */

static enum mx6_auth verdict(const struct mx6_dkim_verify *v, int index,
			     DKIM_SIGINFO *sig, const char **reason_r)
{
	int err = dkim_sig_geterror(sig);
	unsigned flags = dkim_sig_getflags(sig);
	dkim_alg_t alg;

	switch (v->sig_local[index]) {
	case LOCAL_SYNTAX:
		*reason_r = "signature syntax error";
		return MX6_AUTH_PERMERROR;
	case LOCAL_KEYNAME:
		*reason_r = "invalid selector or domain";
		return MX6_AUTH_PERMERROR;
	case LOCAL_BASE64:
		*reason_r = "signature data corrupt";
		return MX6_AUTH_PERMERROR;
	case LOCAL_NONE:
		break;
	}
	*reason_r = dkim_sig_geterrorstr(err);
	switch (err) {
	case DKIM_SIGERROR_OK:
		if ((flags & DKIM_SIGFLAG_PASSED) == 0 ||
		    (flags & DKIM_SIGFLAG_IGNORE) != 0 ||
		    dkim_sig_getbh(sig) != DKIM_SIGBH_MATCH) {
			*reason_r = "not verified";
			return MX6_AUTH_NEUTRAL;
		}
		if (dkim_sig_getsignalg(sig, &alg) == DKIM_STAT_OK &&
		    alg == DKIM_SIGN_RSASHA1) {
			*reason_r = "rsa-sha1 not accepted";
			return MX6_AUTH_POLICY;
		}
		*reason_r = "signature verified";
		return MX6_AUTH_PASS;
	case DKIM_SIGERROR_BADSIG:
		if (dkim_sig_getbh(sig) == DKIM_SIGBH_MISMATCH)
			*reason_r = "body hash mismatch";
		return MX6_AUTH_FAIL;
	case DKIM_SIGERROR_KEYREVOKED:
	case DKIM_SIGERROR_TOOLARGE_L:
		return MX6_AUTH_FAIL;
	case DKIM_SIGERROR_KEYTOOSMALL:
	case DKIM_SIGERROR_EXPIRED:
	case DKIM_SIGERROR_FUTURE:
	case DKIM_SIGERROR_MBSFAILED:
		return MX6_AUTH_POLICY;
	case DKIM_SIGERROR_KEYFAIL:
		if (key_oversize(v, sig)) {
			*reason_r = "key record too large";
			return MX6_AUTH_PERMERROR;
		}
		return MX6_AUTH_TEMPERROR;
	case DKIM_SIGERROR_VERSION:
	case DKIM_SIGERROR_INVALID_A:
	case DKIM_SIGERROR_INVALID_HC:
	case DKIM_SIGERROR_INVALID_BC:
	case DKIM_SIGERROR_INVALID_Q:
	case DKIM_SIGERROR_INVALID_QO:
#ifdef DKIM_SIGERROR_CONDITIONAL
	case DKIM_SIGERROR_CONDITIONAL:
	case DKIM_SIGERROR_CONDLOOP:
#endif
		return MX6_AUTH_NEUTRAL;
	case DKIM_SIGERROR_UNKNOWN:
		*reason_r = "not verified";
		return MX6_AUTH_NEUTRAL;
	default:
		/* No key, key or signature syntax, several keys, t=s, ... */
		return MX6_AUTH_PERMERROR;
	}
}

static enum mx6_auth judge(const struct mx6_dkim_verify *v, int index, DKIM_SIGINFO *sig,
			   char *reason, size_t reasonlen)
{
	const char *why = NULL;
	enum mx6_auth result = verdict(v, index, sig, &why);

	snprintf(reason, reasonlen, "%s", why != NULL ? why : "");
	if (result == MX6_AUTH_PASS && (why = unsigned_singleton(v, sig)) != NULL) {
		snprintf(reason, reasonlen, "unsigned extra %s field", why);
		result = MX6_AUTH_POLICY;
	}
	return result;
}

size_t mx6_dkim_verify_eom(struct mx6_dkim_verify *v, struct mx6_dkim_sig *sigs,
			   size_t max)
{
	DKIM_SIGINFO **list = NULL;
	int nlist = 0, i;
	size_t n = 0;

	if (v->state == STATE_HEADERS && mx6_dkim_verify_eoh(v) < 0)
		return 0;
	if (v->state != STATE_BODY) {
		if (v->state == STATE_UNSIGNED)
			v->state = STATE_DONE;
		return 0;
	}
	v->state = STATE_DONE;
	/*
	 * The overall status only names one signature; each one's own
	 * flags and error say more, and a library error leaves them short
	 * of "pass".
	 */
	eom_verify = v;
	(void)dkim_eom(v->handle, NULL);
	eom_verify = NULL;
	if (dkim_getsiglist(v->handle, &list, &nlist) != DKIM_STAT_OK || list == NULL)
		return 0;
	for (i = 0; i < nlist && n < max && (unsigned)i < v->dkim->max_signatures; i++) {
		struct mx6_dkim_sig *out = &sigs[n++];
		const unsigned char *d = dkim_sig_getdomain(list[i]);
		const unsigned char *s = dkim_sig_getselector(list[i]);
		unsigned int bits = 0;

		memset(out, 0, sizeof(*out));
		out->result = judge(v, i, list[i], out->reason, sizeof(out->reason));
		snprintf(out->domain, sizeof(out->domain), "%s",
			 d != NULL ? (const char *)d : "");
		snprintf(out->selector, sizeof(out->selector), "%s",
			 s != NULL ? (const char *)s : "");
		if (dkim_sig_getkeysize(list[i], &bits) == DKIM_STAT_OK)
			out->key_bits = bits;
	}
	return n;
}
