/*
 * NAME
 *	address 3
 * SUMMARY
 *	the identities of a message: RFC5322.From and RFC5321.MailFrom
 * SYNOPSIS
 *	See address.h.
 * DESCRIPTION
 *	The From parser works in two passes over a bounded copy of the
 *	value: the first removes comments (which may nest and may hold any
 *	of the special characters) and checks that quoted strings and angle
 *	brackets are balanced and that no top-level comma or group colon
 *	separates several mailboxes; the second picks the addr-spec, from
 *	the last angle-addr if there is one.
 */
#include "autoconf.h"

#include <ctype.h>
#include <string.h>

#include "address.h"
#include "domainset.h"
#include "util.h"

#define MAX_HEADER 2048

/* Copy VALUE without comments into out; -1 if unbalanced or too long. */
static int strip_comments(const char *value, char *out, size_t outlen)
{
	size_t o = 0;
	int depth = 0, quoted = 0;

	for (; *value != '\0'; value++) {
		char c = *value;

		if (o + 2 > outlen)
			return -1;
		if (c == '\\' && (quoted || depth > 0)) {
			if (value[1] == '\0')
				return -1;
			if (depth == 0) {
				out[o++] = c;
				out[o++] = value[1];
			}
			value++;
			continue;
		}
		if (quoted) {
			if (c == '"')
				quoted = 0;
			out[o++] = c;
		} else if (c == '(') {
			depth++;
		} else if (c == ')') {
			if (depth-- == 0)
				return -1;
		} else if (depth == 0) {
			if (c == '"')
				quoted = 1;
			out[o++] = c == '\r' || c == '\n' || c == '\t' ? ' ' : c;
		}
	}
	if (depth != 0 || quoted)
		return -1;
	out[o] = '\0';
	return 0;
}

static int domain_of(const char *spec, size_t len, char *domain_r, size_t domainlen,
		     int one_at)
{
	const char *at = NULL, *p;
	int quoted = 0, ats = 0;
	size_t i, dlen;

	for (p = spec; p < spec + len; p++) {
		if (*p == '\\' && quoted && p + 1 < spec + len)
			p++;
		else if (*p == '"')
			quoted = !quoted;
		else if (*p == '@' && !quoted) {
			at = p;
			ats++;
		}
	}
	/* In a From header, "a@bank.example@evil.example": which domain would a
	 * reader see? The envelope is for machines: the last '@' counts. */
	if (at == NULL || at == spec || (one_at && ats != 1))
		return -1;
	p = at + 1;
	while (p < spec + len && *p == ' ')
		p++;
	dlen = (size_t)(spec + len - p);
	while (dlen > 0 && p[dlen - 1] == ' ')
		dlen--;
	if (dlen == 0 || dlen >= domainlen || dlen > 253)
		return -1;
	for (i = 0; i < dlen; i++)
		domain_r[i] = (char)tolower((unsigned char)p[i]);
	domain_r[dlen] = '\0';
	if (dlen > 0 && domain_r[dlen - 1] == '.')
		domain_r[dlen - 1] = '\0';
	return mx6_domain_valid(domain_r) ? 0 : -1;
}

int mx6_address_from_header(const char *value, char *addr_r, size_t addrlen,
			    char *domain_r, size_t domainlen)
{
	char clean[MAX_HEADER];
	const char *p, *start, *end, *lt = NULL, *gt = NULL;
	int quoted = 0, angle = 0, mailboxes = 0, content = 0, after_addr = 0;
	size_t len;

	if (value == NULL || strip_comments(value, clean, sizeof(clean)) < 0)
		return -1;
	for (p = clean; *p != '\0'; p++) {
		if (*p == '\\' && quoted) {
			p++;
			continue;
		}
		/* After an angle-addr only a separator may follow. */
		if (after_addr && *p != ' ' && *p != ',')
			return -1;
		if (*p == '"') {
			quoted = !quoted;
		} else if (quoted) {
			continue;
		} else if (*p == '<') {
			/* Two angle-addrs in one mailbox: no single author. */
			if (angle++ > 0 || lt != NULL)
				return -1;
			lt = p;
		} else if (*p == '>') {
			if (--angle < 0)
				return -1;
			gt = p;
			after_addr = 1;
		} else if (angle == 0 && (*p == ',' || *p == ';' || *p == ':')) {
			/* Several mailboxes, or a group: no single author. */
			if (*p == ',' && content)
				mailboxes++;
			if (*p != ',')
				return -1;
			content = 0;
			continue;
		}
		if (*p != ' ')
			content = 1;
	}
	if (angle != 0 || quoted)
		return -1;
	if (content)
		mailboxes++;
	if (mailboxes != 1)
		return -1;
	if (lt != NULL) {
		if (gt == NULL || gt < lt)
			return -1;
		start = lt + 1;
		end = gt;
	} else {
		start = clean;
		end = clean + strlen(clean);
		while (start < end && (*start == ' ' || *start == ','))
			start++;
		while (end > start && (end[-1] == ' ' || end[-1] == ','))
			end--;
	}
	while (start < end && *start == ' ')
		start++;
	while (end > start && end[-1] == ' ')
		end--;
	len = (size_t)(end - start);
	if (len == 0 || len >= addrlen)
		return -1;
	if (lt == NULL) {
		/* A bare addr-spec is one word: "a@bank.example b@evil.example" is not. */
		const char *q;
		int inq = 0;

		for (q = start; q < end; q++) {
			if (*q == '\\' && inq && q + 1 < end)
				q++;
			else if (*q == '"')
				inq = !inq;
			else if (*q == ' ' && !inq)
				return -1;
		}
	}
	if (domain_of(start, len, domain_r, domainlen, 1) < 0)
		return -1;
	memcpy(addr_r, start, len);
	addr_r[len] = '\0';
	return 0;
}

int mx6_address_domain(const char *address, char *domain_r, size_t domainlen)
{
	size_t len;

	if (address == NULL)
		return -1;
	if (*address == '<')
		address++;
	/* An obsolete source route "@relay.example:a@example.org" names no author. */
	if (*address == '@' && strchr(address, ':') != NULL)
		address = strchr(address, ':') + 1;
	len = strlen(address);
	if (len > 0 && address[len - 1] == '>')
		len--;
	if (len == 0)
		return -1;
	return domain_of(address, len, domain_r, domainlen, 0);
}
