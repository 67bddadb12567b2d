/*
 * NAME
 *	authres 3
 * SUMMARY
 *	Authentication-Results (RFC 8601): build ours, recognise forgeries
 * SYNOPSIS
 *	See authres.h.
 * DESCRIPTION
 *	The authserv-id comparison follows RFC 8601 2.2 and 5: leading CFWS
 *	(white space and nested comments) is skipped, the id may be a token
 *	or a quoted-string, and a header whose id matches ours must be
 *	removed from arriving mail whatever else it says.
 */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "authres.h"

#define MAX_METHODS (4 + MX6_MAX_DKIM_SIGS)

/* Comments must not break the header: keep it printable, drop parentheses. */
static const char *comment_safe(const char *in, char *buf, size_t buflen)
{
	size_t o = 0;

	for (; *in != '\0' && o + 1 < buflen; in++) {
		unsigned char c = (unsigned char)*in;

		buf[o++] = (c < 0x20 || c >= 0x7f || c == '(' || c == ')' || c == '\\') ? '?'
											: (char)c;
	}
	buf[o] = '\0';
	return buf;
}

/* Method results (RFC 8601 2.7) in report order; returns how many. */
static size_t method_results(const struct mx6_evidence *ev, char out[][MX6_AUTHRES_LINE_MAX],
			     size_t max)
{
	const struct mx6_auth_evidence *a = &ev->auth;
	char safe[128];
	size_t n = 0, i;

	if (a->spf_done && n < max)
		snprintf(out[n++], MX6_AUTHRES_LINE_MAX, "spf=%s smtp.%s=%s",
			 mx6_auth_name(a->spf), a->spf_is_helo ? "helo" : "mailfrom",
			 a->spf_domain[0] != '\0' ? a->spf_domain : "unknown");
	if (a->dkim_done && a->ndkim == 0 && n < max)
		snprintf(out[n++], MX6_AUTHRES_LINE_MAX, "dkim=none");
	for (i = 0; a->dkim_done && i < a->ndkim && n < max; i++) {
		const struct mx6_dkim_sig *sig = &a->dkim[i];

		if (sig->reason[0] != '\0' && sig->result != MX6_AUTH_PASS)
			snprintf(out[n++], MX6_AUTHRES_LINE_MAX, "dkim=%s (%s) header.d=%s header.s=%s",
				 mx6_auth_name(sig->result),
				 comment_safe(sig->reason, safe, sizeof(safe)), sig->domain,
				 sig->selector);
		else
			snprintf(out[n++], MX6_AUTHRES_LINE_MAX, "dkim=%s header.d=%s header.s=%s",
				 mx6_auth_name(sig->result), sig->domain, sig->selector);
	}
	if (a->dmarc_done && n < max) {
		if (!a->from_ok)
			snprintf(out[n++], MX6_AUTHRES_LINE_MAX,
				 "dmarc=permerror (no single RFC5322.From domain)");
		else if (a->dmarc_record)
			snprintf(out[n++], MX6_AUTHRES_LINE_MAX, "dmarc=%s (p=%s) header.from=%s",
				 mx6_auth_name(a->dmarc), mx6_dmarc_policy_name(a->dmarc_policy),
				 a->from_domain);
		else
			snprintf(out[n++], MX6_AUTHRES_LINE_MAX, "dmarc=%s header.from=%s",
				 mx6_auth_name(a->dmarc), a->from_domain);
	}
	if (a->iprev_done && n < max) {
		char addr[MX6_ADDR_STRLEN];

		mx6_addr_format(&ev->client, addr);
		if (a->iprev == MX6_AUTH_PASS)
			snprintf(out[n++], MX6_AUTHRES_LINE_MAX, "iprev=pass (%s) policy.iprev=%s",
				 a->iprev_name, addr);
		else
			snprintf(out[n++], MX6_AUTHRES_LINE_MAX, "iprev=%s policy.iprev=%s",
				 mx6_auth_name(a->iprev), addr);
	}
	return n;
}

int mx6_authres_value(const char *authserv_id, const struct mx6_evidence *ev,
		      char *buf, size_t buflen)
{
	char methods[MAX_METHODS][MX6_AUTHRES_LINE_MAX];
	size_t n = method_results(ev, methods, MAX_METHODS), i, len;

	if (n == 0) {
		snprintf(buf, buflen, "%s; none", authserv_id);
		return 0;
	}
	snprintf(buf, buflen, "%s", authserv_id);
	for (i = 0; i < n; i++) {
		len = strlen(buf);
		snprintf(buf + len, buflen - len, ";\n\t%s", methods[i]);
	}
	return (int)n;
}

size_t mx6_authres_lines(const char *authserv_id, const struct mx6_evidence *ev,
			 char lines[][MX6_AUTHRES_LINE_MAX], size_t max)
{
	char methods[MAX_METHODS][MX6_AUTHRES_LINE_MAX];
	size_t n = method_results(ev, methods, MAX_METHODS), i, out = 0;

	if (max == 0)
		return 0;
	if (n == 0) {
		snprintf(lines[out++], MX6_AUTHRES_LINE_MAX,
			 "Authentication-Results: %s; none", authserv_id);
		return out;
	}
	snprintf(lines[out++], MX6_AUTHRES_LINE_MAX, "Authentication-Results: %s;",
		 authserv_id);
	for (i = 0; i < n && out < max; i++)
		snprintf(lines[out++], MX6_AUTHRES_LINE_MAX, "  %.*s%s",
			 MX6_AUTHRES_LINE_MAX - 4, methods[i], i + 1 < n ? ";" : "");
	return out;
}

/* Skip white space and (possibly nested) comments; NULL if a comment never ends. */
static const char *skip_cfws(const char *p)
{
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p != '(')
			return p;
		{
			int depth = 0;

			do {
				if (*p == '\\' && p[1] != '\0')
					p++;
				else if (*p == '(')
					depth++;
				else if (*p == ')')
					depth--;
				else if (*p == '\0')
					return NULL;
				p++;
			} while (depth > 0);
		}
	}
}

int mx6_authres_is_ours(const char *value, const char *authserv_id)
{
	char id[256];
	size_t n = 0;
	const char *p = skip_cfws(value);

	if (p == NULL)
		return 0;
	if (*p == '"') {
		for (p++; *p != '\0' && *p != '"'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			if (n + 1 < sizeof(id))
				id[n++] = *p;
		}
	} else {
		for (; *p != '\0' && *p != ';' && *p != '(' && *p != ' ' && *p != '\t' &&
		       *p != '\r' && *p != '\n';
		     p++)
			if (n + 1 < sizeof(id))
				id[n++] = *p;
	}
	id[n] = '\0';
	return n > 0 && strcasecmp(id, authserv_id) == 0;
}

const char *mx6_auth_name(enum mx6_auth result)
{
	static const char *const names[] = {
		[MX6_AUTH_NONE] = "none",	     [MX6_AUTH_PASS] = "pass",
		[MX6_AUTH_FAIL] = "fail",	     [MX6_AUTH_SOFTFAIL] = "softfail",
		[MX6_AUTH_NEUTRAL] = "neutral",      [MX6_AUTH_POLICY] = "policy",
		[MX6_AUTH_TEMPERROR] = "temperror", [MX6_AUTH_PERMERROR] = "permerror",
	};
	return (size_t)result < sizeof(names) / sizeof(names[0]) ? names[result] : "?";
}
