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

/*
 * Method results in report order. None are evaluated yet; the
 * authentication gatherers add theirs here.
 */
static size_t method_results(const struct mx6_evidence *ev, const char **out, size_t max)
{
	(void)ev;
	(void)out;
	(void)max;
	return 0;
}

int mx6_authres_value(const char *authserv_id, const struct mx6_evidence *ev,
		      char *buf, size_t buflen)
{
	const char *methods[8];
	size_t n = method_results(ev, methods, 8), i, len;

	if (n == 0) {
		snprintf(buf, buflen, "%s; none", authserv_id);
		return 0;
	}
	snprintf(buf, buflen, "%s", authserv_id);
	for (i = 0; i < n; i++) {
		len = strlen(buf);
		snprintf(buf + len, buflen - len, "; %s", methods[i]);
	}
	return (int)n;
}

size_t mx6_authres_lines(const char *authserv_id, const struct mx6_evidence *ev,
			 char lines[][MX6_AUTHRES_LINE_MAX], size_t max)
{
	const char *methods[8];
	size_t n = method_results(ev, methods, 8), i, out = 0;

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
		snprintf(lines[out++], MX6_AUTHRES_LINE_MAX, "  %s%s", methods[i],
			 i + 1 < n ? ";" : "");
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
