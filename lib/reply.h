/*
 * NAME
 *	reply 3h
 * SUMMARY
 *	SMTP reply strings: validation at load, assembly at decision time
 * SYNOPSIS
 *	#include "reply.h"
 * DESCRIPTION
 *	A configured reply is "CODE X.Y.Z text", e.g.
 *	"450 4.7.26 Not accepted over IPv6". The text may hold "\n" (the two
 *	characters backslash and n) to separate lines of a multi-line reply.
 *
 *	mx6_reply_parse() validates VALUE by the rules the daemon enforces
 *	(SPEC 4): code 4xx or 5xx; an RFC 3463 enhanced status code whose
 *	class digit matches the reply code's; at most MX6_REPLY_MAX_LINES
 *	lines of printable ASCII, each at most MX6_REPLY_LINE_MAX bytes; no
 *	CR, LF or other control characters. Returns 0, or -1 with a message in
 *	err_r. The parsed reply owns no heap memory.
 *
 *	mx6_reply_build() assembles the reply actually sent: the configured
 *	lines, then EXTRA lines (Authentication-Results), then "See URL" when
 *	url is set. Extra lines are sanitized (non-printable bytes become '?')
 *	and truncated; lines that do not fit in MX6_REPLY_MAX_LINES are
 *	dropped, except the URL line, which is kept as the last line.
 *
 *	mx6_reply_escape() copies LINE into buf doubling every '%', as
 *	libmilter's smfi_setreply()/smfi_setmlreply() require. Returns buf.
 *
 *	mx6_reply_is_temporary() tells whether the code is 4xx (sent with
 *	SMFIS_TEMPFAIL) rather than 5xx (SMFIS_REJECT).
 */
#ifndef MX6_REPLY_H
#define MX6_REPLY_H

#include <stddef.h>

#define MX6_REPLY_MAX_LINES 32
#define MX6_REPLY_LINE_MAX 400 /* text bytes; with "550-5.7.26 " well under 512 */

struct mx6_reply {
	char code[4];	/* "450" */
	char xcode[16]; /* "4.7.26" */
	unsigned nlines;
	char lines[MX6_REPLY_MAX_LINES][MX6_REPLY_LINE_MAX + 1];
};

int mx6_reply_parse(const char *value, struct mx6_reply *reply_r, char *err_r,
		    size_t errlen);
void mx6_reply_build(const struct mx6_reply *base, const char *const *extra,
		     size_t nextra, const char *url, struct mx6_reply *out_r);
int mx6_reply_is_temporary(const struct mx6_reply *reply);
char *mx6_reply_escape(const char *line, char *buf, size_t buflen);
/* "450 4.7.26" into buf (at least 24 bytes); returns buf. */
char *mx6_reply_summary(const struct mx6_reply *reply, char *buf, size_t buflen);

#endif
