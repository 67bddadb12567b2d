/*
 * NAME
 *	authres 3h
 * SUMMARY
 *	Authentication-Results (RFC 8601): build ours, recognise forgeries
 * DESCRIPTION
 *	mx6_authres_value() writes the header value for the evidence:
 *	"AUTHSERV-ID; method=result ptype.property=value; ..." or, when no
 *	method was evaluated, "AUTHSERV-ID; none" (RFC 8601 2.2). Returns the
 *	number of method results written (0 for "none"); the value is
 *	truncated to fit buflen.
 *
 *	mx6_authres_lines() writes the same content as reply lines for an
 *	SMTP reply: "Authentication-Results: AUTHSERV-ID;" then one line per
 *	method. Returns the number of lines (at most max).
 *
 *	mx6_authres_is_ours() returns 1 when the header VALUE carries
 *	AUTHSERV_ID as its authserv-id (case-insensitive, after CFWS,
 *	ignoring an optional version), 0 otherwise. Such headers arriving
 *	with a message are forgeries and are removed.
 */
#ifndef MX6_AUTHRES_H
#define MX6_AUTHRES_H

#include <stddef.h>

#include "evidence.h"

#define MX6_AUTHRES_MAX 8192
#define MX6_AUTHRES_LINE_MAX 768

int mx6_authres_value(const char *authserv_id, const struct mx6_evidence *ev,
		      char *buf, size_t buflen);
size_t mx6_authres_lines(const char *authserv_id, const struct mx6_evidence *ev,
			 char lines[][MX6_AUTHRES_LINE_MAX], size_t max);
int mx6_authres_is_ours(const char *value, const char *authserv_id);

#endif
