/*
 * NAME
 *	log 3h
 * SUMMARY
 *	severity ladder for diagnostics (syslog and stderr)
 * SYNOPSIS
 *	#include "log.h"
 * DESCRIPTION
 *	mx6_log_open() selects the syslog identity and facility and whether
 *	messages are copied to stderr (mx6-milter -f, mx6-check). Until it is
 *	called, messages go to stderr only.
 *
 *	mx6_msg_info(), mx6_msg_warn() and mx6_msg_error() emit one line each;
 *	they never terminate the process: lib/ reports and returns, the
 *	caller decides. Lines longer than 2 KiB are truncated.
 *
 *	mx6_log_facility() maps a facility name ("mail", "local0".."local7",
 *	"daemon", "user") to its LOG_* value; it returns -1 for an unknown
 *	name.
 */
#ifndef MX6_LOG_H
#define MX6_LOG_H

#include <stdarg.h>

void mx6_log_open(const char *ident, int facility, int to_stderr, int to_syslog);
void mx6_log_close(void);
int mx6_log_facility(const char *name);

void mx6_msg_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mx6_msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mx6_msg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
