/*
 * NAME
 *	logline 3
 * SUMMARY
 *	parse mx6-milter's own decision log lines
 * SYNOPSIS
 *	See logline.h.
 * DESCRIPTION
 *	Lines come from files an attacker partly wrote (HELO, sender), so
 *	nothing here trusts a length or a field order beyond what the daemon
 *	prints, and a line that does not fit is reported, never guessed at.
 */
#include "autoconf.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

#include "logline.h"

#define DECISION_MARK ": client=["

/* Read exactly N digits; returns the value or -1. */
static int digits(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int valid_tm(const struct tm *tm)
{
	return tm->tm_mon >= 0 && tm->tm_mon < 12 && tm->tm_mday >= 1 &&
	       tm->tm_mday <= 31 && tm->tm_hour < 24 && tm->tm_min < 60 &&
	       tm->tm_sec <= 60;
}

/* "HH:MM" or "HH:MM:SS" at S; returns bytes read or 0. */
static size_t clock_parse(const char *s, struct tm *tm, int seconds_required)
{
	if ((tm->tm_hour = digits(s, 2)) < 0 || s[2] != ':' ||
	    (tm->tm_min = digits(s + 3, 2)) < 0)
		return 0;
	if (s[5] == ':' && (tm->tm_sec = digits(s + 6, 2)) >= 0)
		return 8;
	tm->tm_sec = 0;
	return seconds_required ? 0 : 5;
}

/* "Nov 30 12:34:56" (day possibly space-padded); the year is inferred. */
static size_t syslog_time(const char *s, time_t now, int year, time_t *when_r)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	const char *m;
	struct tm tm;
	size_t off, n;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (strlen(s) < 15 || s[3] != ' ')
		return 0;
	for (m = months; *m != '\0'; m += 3)
		if (strncmp(s, m, 3) == 0)
			break;
	if (*m == '\0')
		return 0;
	tm.tm_mon = (int)(m - months) / 3;
	if (s[4] == ' ' && isdigit((unsigned char)s[5]))
		tm.tm_mday = s[5] - '0';
	else if ((tm.tm_mday = digits(s + 4, 2)) < 0)
		return 0;
	off = 6;
	if (s[off] != ' ' || (n = clock_parse(s + off + 1, &tm, 1)) == 0 ||
	    !valid_tm(&tm))
		return 0;
	if (year <= 0) {
		struct tm now_tm;

		localtime_r(&now, &now_tm);
		tm.tm_year = now_tm.tm_year;
		tm.tm_isdst = -1;
		t = mktime(&tm);
		if (t > now + 86400) {
			memset(&tm, 0, sizeof(tm));
			return syslog_time(s, now, now_tm.tm_year + 1900 - 1, when_r);
		}
	} else {
		tm.tm_year = year - 1900;
		tm.tm_isdst = -1;
		t = mktime(&tm);
	}
	if (t == (time_t)-1)
		return 0;
	*when_r = t;
	return off + 1 + n;
}

/* "2026-11-30", "2026-11-30 12:34", "2026-11-30T12:34:56.123+01:00", ... */
static size_t iso_time(const char *s, time_t *when_r)
{
	struct tm tm;
	size_t off = 10, n;
	int offset = 0, zoned = 0;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if ((tm.tm_year = digits(s, 4)) < 0 || s[4] != '-' ||
	    (tm.tm_mon = digits(s + 5, 2)) < 0 || s[7] != '-' ||
	    (tm.tm_mday = digits(s + 8, 2)) < 0)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	if ((s[off] == 'T' || s[off] == ' ') &&
	    (n = clock_parse(s + off + 1, &tm, 0)) > 0) {
		off += 1 + n;
		if (s[off] == '.' && isdigit((unsigned char)s[off + 1]))
			for (off++; isdigit((unsigned char)s[off]); off++)
				;
		if (s[off] == 'Z') {
			zoned = 1;
			off++;
		} else if (s[off] == '+' || s[off] == '-') {
			int sign = s[off] == '-' ? -1 : 1;
			int hh = digits(s + off + 1, 2), mm;
			size_t len = s[off + 3] == ':' ? 6 : 5;

			mm = digits(s + off + len - 2, 2);
			if (hh < 0 || mm < 0 || hh > 23 || mm > 59)
				return 0;
			offset = sign * (hh * 3600 + mm * 60);
			zoned = 1;
			off += len;
		}
	}
	if (!valid_tm(&tm))
		return 0;
	if (zoned) {
		t = timegm(&tm);
		if (t != (time_t)-1)
			t -= offset;
	} else {
		tm.tm_isdst = -1;
		t = mktime(&tm);
	}
	if (t == (time_t)-1)
		return 0;
	*when_r = t;
	return off;
}

size_t mx6_logtime_parse(const char *text, time_t now, int year, time_t *when_r)
{
	size_t n;

	if ((n = iso_time(text, when_r)) > 0)
		return n;
	return syslog_time(text, now, year, when_r);
}

/* Split "key=value" tokens; reply="..." may hold spaces. */
static int fields_parse(char *p, struct mx6_logline *r)
{
	while (*p != '\0') {
		char *key, *value, *eq;

		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		key = p;
		eq = strchr(p, '=');
		if (eq != NULL && eq < p + strcspn(p, " ") && eq[1] == '"') {
			char *close = strchr(eq + 2, '"');

			if (close == NULL)
				return -1;
			*eq = '\0';
			value = eq + 2;
			*close = '\0';
			p = close + 1;
			if (*p != ' ' && *p != '\0')
				return -1;
		} else {
			p += strcspn(p, " ");
			if (*p != '\0')
				*p++ = '\0';
			/* E.g. a list path with a space: not ours to judge. */
			if ((eq = strchr(key, '=')) == NULL)
				continue;
			*eq = '\0';
			value = eq + 1;
		}
		if (strcmp(key, "client") == 0)
			r->client = value;
		else if (strcmp(key, "helo") == 0)
			r->helo = value;
		else if (strcmp(key, "from") == 0)
			r->from = value;
		else if (strcmp(key, "listener") == 0)
			r->listener = value;
		else if (strcmp(key, "mode") == 0)
			r->mode = value;
		else if (strcmp(key, "class") == 0)
			r->class_name = value;
		else if (strcmp(key, "action") == 0)
			r->action = value;
		else if (strcmp(key, "reasons") == 0)
			r->reasons = value;
		else if (strcmp(key, "source") == 0)
			r->source = value;
		else if (strcmp(key, "reply") == 0)
			r->reply = value;
		/* Unknown keys: fields a later version may add. */
	}
	return 0;
}

/* "[2001:db8::1]" -> "2001:db8::1", parsed. */
static int client_parse(char *value, struct mx6_logline *r)
{
	size_t len = strlen(value);

	if (len < 3 || value[0] != '[' || value[len - 1] != ']')
		return -1;
	value[len - 1] = '\0';
	r->client = value + 1;
	if (mx6_addr_parse(r->client, &r->addr) < 0)
		return -1;
	r->ipv4 = mx6_addr_is_ipv4(&r->addr);
	return 0;
}

/* "<a@example.org>" -> "a@example.org"; "<>" -> "". */
static int from_parse(char *value, struct mx6_logline *r)
{
	size_t len = strlen(value);

	if (len < 2 || value[0] != '<' || value[len - 1] != '>')
		return -1;
	value[len - 1] = '\0';
	r->from = value + 1;
	return 0;
}

int mx6_logline_parse(char *line, time_t now, int year, struct mx6_logline *r)
{
	char *mark, *qid, *fields, *p;
	size_t len;

	memset(r, 0, sizeof(*r));
	len = strcspn(line, "\r\n");
	line[len] = '\0';
	/* "QUEUEID: client=[ADDR] removing 2 forged header(s)..." shares the
	 * marker: a decision is the one whose next field is helo=. */
	if ((mark = strstr(line, DECISION_MARK)) == NULL ||
	    (p = strchr(mark + sizeof(DECISION_MARK) - 1, ' ')) == NULL ||
	    strncmp(p, " helo=", 6) != 0)
		return MX6_LOGLINE_OTHER;
	for (qid = mark; qid > line && qid[-1] != ' '; qid--)
		;
	if (qid == mark)
		return MX6_LOGLINE_MALFORMED;
	if (qid > line)
		r->has_time = mx6_logtime_parse(line, now, year, &r->when) > 0;
	*mark = '\0';
	r->queue_id = qid;
	fields = mark + 2;
	if (fields_parse(fields, r) < 0)
		return MX6_LOGLINE_MALFORMED;
	if (r->client == NULL || r->helo == NULL || r->from == NULL ||
	    r->listener == NULL || r->mode == NULL || r->class_name == NULL ||
	    r->action == NULL || r->reasons == NULL)
		return MX6_LOGLINE_MALFORMED;
	if (*r->listener == '\0' || *r->mode == '\0' || *r->class_name == '\0' ||
	    *r->action == '\0')
		return MX6_LOGLINE_MALFORMED;
	if (client_parse((char *)r->client, r) < 0 || from_parse((char *)r->from, r) < 0)
		return MX6_LOGLINE_MALFORMED;
	return MX6_LOGLINE_DECISION;
}
