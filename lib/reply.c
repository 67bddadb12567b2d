/*
 * NAME
 *	reply 3
 * SUMMARY
 *	SMTP reply strings: validation at load, assembly at decision time
 * SYNOPSIS
 *	See reply.h.
 * DESCRIPTION
 *	Replies are validated once, when the configuration is loaded, so that
 *	the daemon can never hand libmilter a reply it would refuse (a 4xx
 *	returned with SMFIS_REJECT, a 5.x.x code on a 4xx reply) or one that
 *	breaks the SMTP dialogue (CR/LF, more than 32 lines).
 */
#include "autoconf.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "reply.h"
#include "util.h"

/* RFC 3463: class "." subject (1-3 digits) "." detail (1-3 digits). */
static int parse_xcode(const char *p, size_t len, char class_digit)
{
	size_t i = 0, digits;
	int part;

	if (len < 5 || p[0] != class_digit || p[1] != '.')
		return -1;
	i = 2;
	for (part = 0; part < 2; part++) {
		digits = 0;
		while (i < len && isdigit((unsigned char)p[i])) {
			i++;
			digits++;
		}
		if (digits < 1 || digits > 3)
			return -1;
		if (part == 0) {
			if (i >= len || p[i] != '.')
				return -1;
			i++;
		}
	}
	return i == len ? 0 : -1;
}

int mx6_reply_parse(const char *value, struct mx6_reply *reply_r, char *err_r,
		    size_t errlen)
{
	const char *p = value, *sp, *text;
	size_t xlen;

	memset(reply_r, 0, sizeof(*reply_r));
	if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]) ||
	    !isdigit((unsigned char)p[2]) || p[3] != ' ') {
		snprintf(err_r, errlen,
			 "reply must start with a three-digit code and a space: '%s'",
			 value);
		return -1;
	}
	if ((p[0] != '4' && p[0] != '5') || (p[1] < '0' || p[1] > '5')) {
		snprintf(err_r, errlen, "reply code %.3s is not a 4xx or 5xx code", p);
		return -1;
	}
	memcpy(reply_r->code, p, 3);
	p += 4;
	sp = strchr(p, ' ');
	xlen = sp != NULL ? (size_t)(sp - p) : strlen(p);
	if (xlen >= sizeof(reply_r->xcode) || parse_xcode(p, xlen, reply_r->code[0]) < 0) {
		snprintf(err_r, errlen,
			 "reply code %s needs an enhanced status code %c.X.Y (RFC 3463) "
			 "after it, found '%.*s'",
			 reply_r->code, reply_r->code[0], (int)(xlen > 32 ? 32 : xlen), p);
		return -1;
	}
	memcpy(reply_r->xcode, p, xlen);
	text = sp != NULL ? sp + 1 : "";
	while (*text == ' ')
		text++;
	if (*text == '\0') {
		snprintf(err_r, errlen, "reply %s %s has no text", reply_r->code,
			 reply_r->xcode);
		return -1;
	}
	for (;;) {
		const char *sep = strstr(text, "\\n");
		size_t len = sep != NULL ? (size_t)(sep - text) : strlen(text);
		size_t i;

		if (reply_r->nlines == MX6_REPLY_MAX_LINES) {
			snprintf(err_r, errlen, "reply has more than %d lines",
				 MX6_REPLY_MAX_LINES);
			return -1;
		}
		if (len == 0) {
			snprintf(err_r, errlen, "reply line %u is empty",
				 reply_r->nlines + 1);
			return -1;
		}
		if (len > MX6_REPLY_LINE_MAX) {
			snprintf(err_r, errlen, "reply line %u is longer than %d bytes",
				 reply_r->nlines + 1, MX6_REPLY_LINE_MAX);
			return -1;
		}
		for (i = 0; i < len; i++) {
			unsigned char c = (unsigned char)text[i];
			if (c < 0x20 || c >= 0x7f) {
				snprintf(err_r, errlen,
					 "reply contains a control or non-ASCII byte 0x%02x", c);
				return -1;
			}
		}
		memcpy(reply_r->lines[reply_r->nlines], text, len);
		reply_r->lines[reply_r->nlines][len] = '\0';
		reply_r->nlines++;
		if (sep == NULL)
			break;
		text = sep + 2;
	}
	return 0;
}

void mx6_reply_build(const struct mx6_reply *base, const char *const *extra,
		     size_t nextra, const char *url, struct mx6_reply *out_r)
{
	size_t room, reserved = url != NULL ? 1 : 0, i;

	memcpy(out_r->code, base->code, sizeof(out_r->code));
	memcpy(out_r->xcode, base->xcode, sizeof(out_r->xcode));
	out_r->nlines = 0;
	for (i = 0; i < base->nlines; i++)
		mx6_strlcpy(out_r->lines[out_r->nlines++], base->lines[i],
			    sizeof(out_r->lines[0]));
	room = out_r->nlines + reserved < MX6_REPLY_MAX_LINES
		       ? MX6_REPLY_MAX_LINES - out_r->nlines - reserved
		       : 0;
	for (i = 0; i < nextra && i < room; i++)
		mx6_printable(out_r->lines[out_r->nlines++], sizeof(out_r->lines[0]),
			      extra[i]);
	if (url != NULL) {
		char line[MX6_REPLY_LINE_MAX + 1];

		snprintf(line, sizeof(line), "See %s", url);
		if (out_r->nlines == MX6_REPLY_MAX_LINES)
			out_r->nlines--;
		mx6_printable(out_r->lines[out_r->nlines++], sizeof(out_r->lines[0]),
			      line);
	}
}

int mx6_reply_is_temporary(const struct mx6_reply *reply)
{
	return reply->code[0] == '4';
}

char *mx6_reply_escape(const char *line, char *buf, size_t buflen)
{
	size_t o = 0;

	for (; *line != '\0' && o + 2 < buflen; line++) {
		if (*line == '%')
			buf[o++] = '%';
		buf[o++] = *line;
	}
	buf[o] = '\0';
	return buf;
}

char *mx6_reply_summary(const struct mx6_reply *reply, char *buf, size_t buflen)
{
	snprintf(buf, buflen, "%s %s", reply->code, reply->xcode);
	return buf;
}
