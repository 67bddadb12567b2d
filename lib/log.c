/*
 * NAME
 *	log 3
 * SUMMARY
 *	severity ladder for diagnostics (syslog and stderr)
 * SYNOPSIS
 *	See log.h.
 * DESCRIPTION
 *	Postfix style: one line per event, no multi-line output. Each line is
 *	formatted once into a stack buffer so that concurrent threads never
 *	interleave partial lines on stderr (one write(2) per line).
 */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

#define MX6_LOG_LINE_MAX 2048

static int log_to_stderr = 1;
static int log_to_syslog;

static const struct {
	const char *name;
	int value;
} facilities[] = {
	{"mail", LOG_MAIL},	{"daemon", LOG_DAEMON}, {"user", LOG_USER},
	{"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},
	{"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
	{"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
};

int mx6_log_facility(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (strcasecmp(name, facilities[i].name) == 0)
			return facilities[i].value;
	return -1;
}

void mx6_log_open(const char *ident, int facility, int to_stderr, int to_syslog)
{
	if (log_to_syslog)
		closelog();
	log_to_stderr = to_stderr;
	log_to_syslog = to_syslog;
	if (to_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, facility);
}

void mx6_log_close(void)
{
	if (log_to_syslog)
		closelog();
	log_to_syslog = 0;
}

static void log_emit(int priority, const char *label, const char *fmt, va_list ap)
{
	char line[MX6_LOG_LINE_MAX];
	int saved_errno = errno;
	int off = 0;
	int n;

	if (label != NULL)
		off = snprintf(line, sizeof(line), "%s: ", label);
	n = vsnprintf(line + off, sizeof(line) - (size_t)off - 1, fmt, ap);
	if (n < 0)
		n = 0;
	if ((size_t)(off + n) > sizeof(line) - 2)
		n = (int)sizeof(line) - 2 - off;
	if (log_to_syslog)
		syslog(priority, "%s", line);
	if (log_to_stderr) {
		line[off + n] = '\n';
		(void)!write(STDERR_FILENO, line, (size_t)(off + n + 1));
	}
	errno = saved_errno;
}

void mx6_msg_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_INFO, NULL, fmt, ap);
	va_end(ap);
}

void mx6_msg_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_WARNING, "warning", fmt, ap);
	va_end(ap);
}

void mx6_msg_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_ERR, "error", fmt, ap);
	va_end(ap);
}
