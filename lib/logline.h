/*
 * NAME
 *	logline 3h
 * SUMMARY
 *	parse mx6-milter's own decision log lines (for mx6-report)
 * SYNOPSIS
 *	#include "logline.h"
 * DESCRIPTION
 *	The daemon logs one line per decision (lib/session.c, SPEC 9):
 *
 *	QUEUEID: client=[ADDR] helo=NAME from=<ADDR> listener=NAME mode=MODE
 *	    class=CLASS action=ACTION reasons=R1,R2
 *	    [ source=LIST:LINE][ reply="CODE X.Y.Z"]
 *
 *	on stderr (-f) exactly like that, and through syslog with a prefix:
 *	"Nov 30 12:34:56 host mx6-milter[123]: " (traditional syslog, journal
 *	and Postfix maillog_file format, no year) or
 *	"2026-11-30T12:34:56.123456+01:00 host mx6-milter[123]: " (RFC 3339,
 *	Debian 12's rsyslog default). HELO and sender never contain spaces or
 *	quotes (the daemon replaces them with '?').
 *
 *	mx6_logline_parse() parses LINE in place (it writes NUL bytes into
 *	it; the fields point into it) and returns MX6_LOGLINE_DECISION,
 *	MX6_LOGLINE_OTHER for a line that is no decision (another program's,
 *	a warning, the "removing forged header(s)" note) or
 *	MX6_LOGLINE_MALFORMED for one that starts like a decision
 *	("QUEUEID: client=[...] helo=") but lacks a field or has a bad client
 *	address. A prefix that does not start with a timestamp leaves
 *	has_time 0 (such a line belongs to every period).
 *
 *	mx6_logtime_parse() reads a timestamp at the start of TEXT, either
 *	form above, and for the RFC 3339 form also a bare date "2026-11-30"
 *	or "2026-11-30 12:34[:56]"; it returns the number of bytes read and
 *	the time in *when_r, or 0. Times without a UTC offset are local time.
 *	A syslog time has no year: YEAR when it is positive, else the year of
 *	NOW, or the year before when that would put the time more than a day
 *	after NOW (logs do not come from the future).
 */
#ifndef MX6_LOGLINE_H
#define MX6_LOGLINE_H

#include <stddef.h>
#include <time.h>

#include "iplist.h"

enum {
	MX6_LOGLINE_MALFORMED = -1,
	MX6_LOGLINE_DECISION = 0,
	MX6_LOGLINE_OTHER = 1,
};

struct mx6_logline {
	int has_time;
	time_t when;
	const char *queue_id;
	const char *client;   /* as logged, without brackets */
	struct mx6_addr addr; /* parsed client */
	int ipv4;	      /* client is IPv4 (or IPv4-mapped) */
	const char *helo;
	const char *from; /* without angle brackets; "" for <> */
	const char *listener;
	const char *mode;
	const char *class_name;
	const char *action;
	const char *reasons; /* comma-separated */
	const char *source;  /* NULL when absent */
	const char *reply;   /* NULL when absent */
};

int mx6_logline_parse(char *line, time_t now, int year, struct mx6_logline *r);
size_t mx6_logtime_parse(const char *text, time_t now, int year, time_t *when_r);

#endif
