/*
 * NAME
 *	config 3
 * SUMMARY
 *	milter.conf: declarative key table, loader, refcounted snapshot
 * SYNOPSIS
 *	See config.h.
 * DESCRIPTION
 *	Every key is one row of key_table: its name, how its value is parsed
 *	and validated, where it is stored, its default and whether it may be
 *	repeated. The loader first collects "key = value" lines (reporting
 *	syntax errors, unknown keys and duplicate scalars), then parses each
 *	key's value or default through its row, so that defaults go through
 *	the same validation as operator input.
 * DIAGNOSTICS
 *	Every problem is reported as "FILE:LINE: message"; loading goes on to
 *	find more, and the result is NULL if there was any.
 */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "listfile.h"
#include "log.h"
#include "metrics.h"
#include "util.h"

#ifndef MX6_LOCALSTATEDIR
#define MX6_LOCALSTATEDIR "/var"
#endif
#ifndef MX6_RUNSTATEDIR
#define MX6_RUNSTATEDIR "/run"
#endif

#define MAX_VALUE 4096

struct loader {
	const char *path;
	char *dir; /* directory of path, for relative list paths */
	mx6_config_report_fn report;
	void *ctx;
	int errors;
};

typedef int (*parse_fn)(struct loader *ld, struct mx6_config *cfg, void *field,
			const char *value, unsigned line);

struct key_def {
	const char *name;
	parse_fn parse;
	size_t offset;
	const char *default_value; /* NULL: unset unless given */
	int repeatable;
};

static void report(struct loader *ld, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report(struct loader *ld, unsigned line, const char *fmt, ...)
{
	char msg[1024], full[1400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(full, sizeof(full), "%s:%u: %s", ld->path, line, msg);
	else
		snprintf(full, sizeof(full), "%s: %s", ld->path, msg);
	ld->errors++;
	if (ld->report != NULL)
		ld->report(ld->ctx, full);
}

static char *xstrdup(struct loader *ld, const char *s, unsigned line)
{
	char *d = strdup(s);

	if (d == NULL)
		report(ld, line, "out of memory");
	return d;
}

static const char *const mode_names[] = {
	[MX6_MODE_DEFENSIVE] = "defensive", [MX6_MODE_MX6] = "mx6",
	[MX6_MODE_REPORT] = "report",	    [MX6_MODE_SUBMISSION] = "submission",
	[MX6_MODE_OFF] = "off",
};

const char *mx6_mode_name(enum mx6_mode mode)
{
	return (size_t)mode < sizeof(mode_names) / sizeof(mode_names[0]) ? mode_names[mode]
									: "?";
}

int mx6_mode_parse(const char *name, enum mx6_mode *mode_r)
{
	size_t i;

	for (i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
		if (strcasecmp(name, mode_names[i]) == 0) {
			*mode_r = (enum mx6_mode)i;
			return 0;
		}
	return -1;
}

static int check_mode(struct loader *ld, const char *value, unsigned line,
		      enum mx6_mode *mode_r)
{
	if (mx6_mode_parse(value, mode_r) < 0) {
		report(ld, line,
		       "unknown mode '%s' (defensive, mx6, report, submission or off)", value);
		return -1;
	}
	return 0;
}

/* Value parsers: one per kind of key. */

static int parse_string(struct loader *ld, struct mx6_config *cfg, void *field,
			const char *value, unsigned line)
{
	(void)cfg;
	*(char **)field = xstrdup(ld, value, line);
	return *(char **)field != NULL ? 0 : -1;
}

static int parse_socket(struct loader *ld, struct mx6_config *cfg, void *field,
			const char *value, unsigned line)
{
	static const char *const prefixes[] = {"unix:", "local:", "inet:", "inet6:"};
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncasecmp(value, prefixes[i], strlen(prefixes[i])) == 0 &&
		    value[strlen(prefixes[i])] != '\0')
			return parse_string(ld, cfg, field, value, line);
	if (value[0] == '/')
		return parse_string(ld, cfg, field, value, line);
	report(ld, line,
	       "socket '%s' must be unix:/PATH, local:/PATH, inet:PORT@HOST or "
	       "inet6:PORT@HOST",
	       value);
	return -1;
}

static int parse_octal(struct loader *ld, struct mx6_config *cfg, void *field,
		       const char *value, unsigned line)
{
	char *end;
	unsigned long v;

	(void)cfg;
	errno = 0;
	v = strtoul(value, &end, 8);
	if (*value == '\0' || *end != '\0' || errno != 0 || v > 0777) {
		report(ld, line, "'%s' is not an octal file mode like 0660", value);
		return -1;
	}
	*(unsigned *)field = (unsigned)v;
	return 0;
}

static int parse_token(struct loader *ld, struct mx6_config *cfg, void *field,
		       const char *value, unsigned line)
{
	const char *p;

	for (p = value; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr(".-_", *p) == NULL) {
			report(ld, line,
			       "'%s' may contain only letters, digits, '.', '-' and '_'",
			       value);
			return -1;
		}
	if (*value == '\0') {
		report(ld, line, "empty value");
		return -1;
	}
	return parse_string(ld, cfg, field, value, line);
}

static int parse_authserv_id(struct loader *ld, struct mx6_config *cfg, void *field,
			     const char *value, unsigned line)
{
	char host[256];

	if (*value == '\0') {
		if (gethostname(host, sizeof(host)) < 0 || host[0] == '\0')
			mx6_strlcpy(host, "localhost", sizeof(host));
		host[sizeof(host) - 1] = '\0';
		value = host;
	}
	return parse_token(ld, cfg, field, value, line);
}

static int parse_url(struct loader *ld, struct mx6_config *cfg, void *field,
		     const char *value, unsigned line)
{
	const char *p;

	for (p = value; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
			report(ld, line, "URL '%s' contains white space or a non-ASCII byte",
			       value);
			return -1;
		}
	if (strlen(value) > MX6_REPLY_LINE_MAX - 4) {
		report(ld, line, "URL longer than %d bytes", MX6_REPLY_LINE_MAX - 4);
		return -1;
	}
	return parse_string(ld, cfg, field, value, line);
}

/* metrics_listen: checked here so that a typo is a FILE:LINE error at load. */
static int parse_metrics_listen(struct loader *ld, struct mx6_config *cfg, void *field,
				const char *value, unsigned line)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char err[256];

	if (mx6_metrics_parse_listen(value, &ss, &len, err, sizeof(err)) < 0) {
		report(ld, line, "%s", err);
		return -1;
	}
	return parse_string(ld, cfg, field, value, line);
}

static int parse_default_mode(struct loader *ld, struct mx6_config *cfg, void *field,
			      const char *value, unsigned line)
{
	(void)cfg;
	return check_mode(ld, value, line, (enum mx6_mode *)field);
}

static int parse_listener(struct loader *ld, struct mx6_config *cfg, void *field,
			  const char *value, unsigned line)
{
	char buf[MAX_VALUE], *target, *mode_text, *extra;
	struct mx6_listener l, *grown;
	size_t i;

	(void)field;
	memset(&l, 0, sizeof(l));
	mx6_strlcpy(buf, value, sizeof(buf));
	target = strtok(buf, " \t");
	mode_text = target != NULL ? strtok(NULL, " \t") : NULL;
	extra = mode_text != NULL ? strtok(NULL, " \t") : NULL;
	if (target == NULL || mode_text == NULL || extra != NULL) {
		report(ld, line, "listener needs two words: NAME MODE or [ADDRESS] MODE");
		return -1;
	}
	if (check_mode(ld, mode_text, line, &l.mode) < 0)
		return -1;
	if (target[0] == '[') {
		if (target[strlen(target) - 1] != ']' || mx6_addr_parse(target, &l.addr) < 0) {
			report(ld, line, "listener address '%s' is not an [IPv4] or [IPv6] address",
			       target);
			return -1;
		}
	}
	for (i = 0; i < cfg->nlisteners; i++) {
		const struct mx6_listener *o = &cfg->listeners[i];

		if (target[0] == '[' ? (o->name == NULL && mx6_addr_equal(&o->addr, &l.addr))
				     : mx6_strcaseeq(o->name, target)) {
			report(ld, line, "listener '%s' is defined twice", target);
			return -1;
		}
	}
	grown = realloc(cfg->listeners, (cfg->nlisteners + 1) * sizeof(*grown));
	if (grown == NULL) {
		report(ld, line, "out of memory");
		return -1;
	}
	cfg->listeners = grown;
	if ((l.label = xstrdup(ld, target, line)) == NULL)
		return -1;
	if (target[0] != '[' && (l.name = xstrdup(ld, target, line)) == NULL) {
		free(l.label);
		return -1;
	}
	cfg->listeners[cfg->nlisteners++] = l;
	return 0;
}

/* PATH as given, or relative to the directory of the configuration file. */
static char *resolve_path(struct loader *ld, const char *value, unsigned line)
{
	char *path;
	size_t len;

	if (value[0] == '/' || ld->dir == NULL)
		return xstrdup(ld, value, line);
	len = strlen(ld->dir) + strlen(value) + 2;
	if ((path = malloc(len)) == NULL) {
		report(ld, line, "out of memory");
		return NULL;
	}
	snprintf(path, len, "%s/%s", ld->dir, value);
	return path;
}

/* A list's own "FILE:LINE: ..." errors stand alone; others get our line. */
static void report_list_error(struct loader *ld, const char *path, const char *err,
			      unsigned line)
{
	size_t n = strlen(path);

	if (strncmp(err, path, n) == 0 && err[n] == ':' && isdigit((unsigned char)err[n + 1])) {
		ld->errors++;
		if (ld->report != NULL)
			ld->report(ld->ctx, err);
	} else {
		report(ld, line, "%s", err);
	}
}

static int parse_iplist(struct loader *ld, struct mx6_config *cfg, void *field,
			const char *value, unsigned line)
{
	struct mx6_ip_source *src = field;
	char err[1024];

	(void)cfg;
	if ((src->path = resolve_path(ld, value, line)) == NULL)
		return -1;
	if ((src->list = mx6_iplist_load(src->path, err, sizeof(err))) == NULL) {
		report_list_error(ld, src->path, err, line);
		return -1;
	}
	return 0;
}

static int parse_domainlist(struct loader *ld, struct mx6_config *cfg, void *field,
			    const char *value, unsigned line)
{
	struct mx6_domain_source *src = field;
	char err[1024];

	(void)cfg;
	if ((src->path = resolve_path(ld, value, line)) == NULL)
		return -1;
	if ((src->set = mx6_domainset_load(src->path, err, sizeof(err))) == NULL) {
		report_list_error(ld, src->path, err, line);
		return -1;
	}
	return 0;
}

/* A file the resolver reads: it must be readable now, not at the first message. */
static int parse_file(struct loader *ld, struct mx6_config *cfg, void *field,
		      const char *value, unsigned line)
{
	char **path = field;

	(void)cfg;
	if ((*path = resolve_path(ld, value, line)) == NULL)
		return -1;
	if (access(*path, R_OK) < 0) {
		report(ld, line, "%s: cannot read: %s", *path, strerror(errno));
		return -1;
	}
	return 0;
}

static int parse_forwarders(struct loader *ld, struct mx6_config *cfg, void *field,
			    const char *value, unsigned line)
{
	char buf[MAX_VALUE], *tok, *save = NULL;
	char ***list = field;
	size_t n = 0;

	(void)cfg;
	mx6_strlcpy(buf, value, sizeof(buf));
	if ((*list = calloc(strlen(value) / 2 + 2, sizeof(char *))) == NULL) {
		report(ld, line, "out of memory");
		return -1;
	}
	for (tok = strtok_r(buf, " \t,", &save); tok != NULL; tok = strtok_r(NULL, " \t,", &save)) {
		char host[MX6_ADDR_STRLEN + 8], *at = strchr(tok, '@');
		struct mx6_addr addr;
		size_t hlen = at != NULL ? (size_t)(at - tok) : strlen(tok);
		char *end;

		if (hlen >= sizeof(host)) {
			report(ld, line, "forwarder '%s' is not ADDRESS or ADDRESS@PORT", tok);
			return -1;
		}
		memcpy(host, tok, hlen);
		host[hlen] = '\0';
		if (mx6_addr_parse(host, &addr) < 0 ||
		    (at != NULL && (strtoul(at + 1, &end, 10) == 0 || *end != '\0' ||
				    strtoul(at + 1, NULL, 10) > 65535))) {
			report(ld, line, "forwarder '%s' is not ADDRESS or ADDRESS@PORT", tok);
			return -1;
		}
		if (((*list)[n++] = xstrdup(ld, tok, line)) == NULL)
			return -1;
	}
	if (n == 0) {
		report(ld, line, "no forwarder given");
		return -1;
	}
	return 0;
}

/* Seconds, possibly with a fraction ("2.5"), into milliseconds. */
static int parse_seconds(struct loader *ld, struct mx6_config *cfg, void *field,
			 const char *value, unsigned line)
{
	char *end;
	double v;

	(void)cfg;
	v = strtod(value, &end);
	if (*value == '\0' || *end != '\0' || !(v >= 0.1 && v <= 300)) {
		report(ld, line, "'%s' is not a number of seconds from 0.1 to 300", value);
		return -1;
	}
	*(unsigned *)field = (unsigned)(v * 1000 + 0.5);
	return 0;
}

static int parse_iprev(struct loader *ld, struct mx6_config *cfg, void *field,
		       const char *value, unsigned line)
{
	enum mx6_iprev_mode *v = field;

	(void)cfg;
	if (strcasecmp(value, "no") == 0)
		*v = MX6_IPREV_NO;
	else if (strcasecmp(value, "report") == 0)
		*v = MX6_IPREV_REPORT;
	else if (strcasecmp(value, "greenlist") == 0)
		*v = MX6_IPREV_GREENLIST;
	else {
		report(ld, line, "'%s' is not one of no, report, greenlist", value);
		return -1;
	}
	return 0;
}

static int parse_asn_db(struct loader *ld, struct mx6_config *cfg, void *field,
			const char *value, unsigned line)
{
	char err[1024];

	(void)field;
	if ((cfg->asn_db_path = resolve_path(ld, value, line)) == NULL)
		return -1;
	if ((cfg->asn_db = mx6_asn_db_open(cfg->asn_db_path, err, sizeof(err))) == NULL) {
		report(ld, line, "%s", err);
		return -1;
	}
	return 0;
}

static int parse_asnlist(struct loader *ld, struct mx6_config *cfg, void *field,
			 const char *value, unsigned line)
{
	char err[1024];

	(void)field;
	if ((cfg->asn_greenlist_path = resolve_path(ld, value, line)) == NULL)
		return -1;
	if ((cfg->asn_greenlist = mx6_asnlist_load(cfg->asn_greenlist_path, err, sizeof(err))) ==
	    NULL) {
		report_list_error(ld, cfg->asn_greenlist_path, err, line);
		return -1;
	}
	return 0;
}

/* Repeatable: each "dnswl = SPEC" line adds a zone. */
static int add_dnswl(struct loader *ld, struct mx6_dnswl_zone **zones, size_t *n,
		     const char *value, unsigned line)
{
	struct mx6_dnswl_zone *grown;
	char err[512];

	if ((grown = realloc(*zones, (*n + 1) * sizeof(*grown))) == NULL) {
		report(ld, line, "out of memory");
		return -1;
	}
	*zones = grown;
	if (mx6_dnswl_parse(value, &grown[*n], err, sizeof(err)) < 0) {
		report(ld, line, "%s", err);
		return -1;
	}
	(*n)++;
	return 0;
}

static int parse_dnswl(struct loader *ld, struct mx6_config *cfg, void *field,
		       const char *value, unsigned line)
{
	(void)field;
	return add_dnswl(ld, &cfg->dnswl, &cfg->ndnswl, value, line);
}

static int parse_dnswl_domain(struct loader *ld, struct mx6_config *cfg, void *field,
			      const char *value, unsigned line)
{
	(void)field;
	return add_dnswl(ld, &cfg->dnswl_domain, &cfg->ndnswl_domain, value, line);
}

static int parse_addressbook(struct loader *ld, struct mx6_config *cfg, void *field,
			     const char *value, unsigned line)
{
	(void)field;
	if (strncmp(value, "dir:", 4) != 0 || value[4] == '\0') {
		report(ld, line, "addressbook '%s' must be dir:PATH", value);
		return -1;
	}
	if (value[4] == '/' || ld->dir == NULL) {
		cfg->addressbook_spec = xstrdup(ld, value, line);
	} else {
		char *path = resolve_path(ld, value + 4, line);
		size_t len = path != NULL ? strlen(path) + 5 : 0;

		if (path != NULL && (cfg->addressbook_spec = malloc(len)) != NULL)
			snprintf(cfg->addressbook_spec, len, "dir:%s", path);
		free(path);
		if (cfg->addressbook_spec == NULL)
			report(ld, line, "out of memory");
	}
	return cfg->addressbook_spec != NULL ? 0 : -1;
}

/* noretry_list entries are addresses or prefixes, else domains. */
static int add_noretry(void *arg, const char *entry, unsigned line, char *err, size_t errlen)
{
	struct mx6_config *cfg = arg;
	int looks_like_ip = strchr(entry, ':') != NULL || strchr(entry, '/') != NULL ||
			    strspn(entry, "0123456789.") == strlen(entry);

	if (looks_like_ip)
		return mx6_iplist_add(cfg->noretry_ip.list, entry, line, err, errlen);
	return mx6_domainset_add(cfg->noretry_domain.set, entry, line, err, errlen);
}

static int parse_noretry(struct loader *ld, struct mx6_config *cfg, void *field,
			 const char *value, unsigned line)
{
	char err[1024], msg[256];
	char *path;

	(void)field;
	if ((path = resolve_path(ld, value, line)) == NULL)
		return -1;
	cfg->noretry_ip.path = path;
	cfg->noretry_domain.path = xstrdup(ld, path, line);
	cfg->noretry_ip.list = mx6_iplist_new();
	cfg->noretry_domain.set = mx6_domainset_new();
	if (cfg->noretry_domain.path == NULL || cfg->noretry_ip.list == NULL ||
	    cfg->noretry_domain.set == NULL) {
		report(ld, line, "out of memory");
		return -1;
	}
	if (mx6_listfile_read(path, "address, prefix or domain", add_noretry, cfg, err,
			      sizeof(err)) < 0) {
		report_list_error(ld, path, err, line);
		return -1;
	}
	if (mx6_iplist_finish(cfg->noretry_ip.list, msg, sizeof(msg)) < 0) {
		report(ld, line, "%s: %s", path, msg);
		return -1;
	}
	return 0;
}

/* A whole number from min to max, written in decimal. */
static int parse_uint_range(struct loader *ld, void *field, const char *value,
			    unsigned line, unsigned long min, unsigned long max,
			    const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(value, &end, 10);
	if (*value < '0' || *value > '9' || *end != '\0' || errno != 0 || v < min || v > max) {
		report(ld, line, "'%s' is not a number%s from %lu to %lu", value, what, min, max);
		return -1;
	}
	*(unsigned *)field = (unsigned)v;
	return 0;
}

static int parse_cache_entries(struct loader *ld, struct mx6_config *cfg, void *field,
			       const char *value, unsigned line)
{
	(void)cfg;
	return parse_uint_range(ld, field, value, line, 1, 10000000, "");
}

static int parse_days(struct loader *ld, struct mx6_config *cfg, void *field,
		      const char *value, unsigned line)
{
	(void)cfg;
	return parse_uint_range(ld, field, value, line, 0, 36500, " of days");
}

static int parse_count(struct loader *ld, struct mx6_config *cfg, void *field,
		       const char *value, unsigned line)
{
	(void)cfg;
	return parse_uint_range(ld, field, value, line, 1, 1000000000, "");
}

static int parse_dkim_signatures(struct loader *ld, struct mx6_config *cfg, void *field,
				 const char *value, unsigned line)
{
	(void)cfg;
	return parse_uint_range(ld, field, value, line, 1, MX6_MAX_DKIM_SIGNATURES, "");
}

/*
 * A size in bytes from min to max: decimal, optionally followed by k or m
 * (binary multiples, like Postfix's 64k-style values elsewhere).
 */
static int parse_size_range(struct loader *ld, void *field, const char *value,
			    unsigned line, unsigned long min, unsigned long max)
{
	unsigned long v, mult = 1;
	char *end;

	errno = 0;
	v = strtoul(value, &end, 10);
	if (*end == 'k' || *end == 'K')
		mult = 1024, end++;
	else if (*end == 'm' || *end == 'M')
		mult = 1024 * 1024, end++;
	if (*value < '0' || *value > '9' || *end != '\0' || errno != 0 || v > max / mult ||
	    v * mult < min) {
		report(ld, line, "'%s' is not a size from %lu to %lu bytes (k and m suffixes "
				 "allowed)",
		       value, min, max);
		return -1;
	}
	*(unsigned *)field = (unsigned)(v * mult);
	return 0;
}

static int parse_header_bytes(struct loader *ld, struct mx6_config *cfg, void *field,
			      const char *value, unsigned line)
{
	(void)cfg;
	return parse_size_range(ld, field, value, line, 1024, 64UL * 1024 * 1024);
}

static int parse_session_memory(struct loader *ld, struct mx6_config *cfg, void *field,
				const char *value, unsigned line)
{
	(void)cfg;
	return parse_size_range(ld, field, value, line, 16 * 1024, 1024UL * 1024 * 1024);
}

/* Counts of headers, recipients and sessions. */
static int parse_limit(struct loader *ld, struct mx6_config *cfg, void *field,
		       const char *value, unsigned line)
{
	(void)cfg;
	return parse_uint_range(ld, field, value, line, 1, 1000000, "");
}

static int parse_reply(struct loader *ld, struct mx6_config *cfg, void *field,
		       const char *value, unsigned line)
{
	char err[512];

	(void)cfg;
	if (mx6_reply_parse(value, field, err, sizeof(err)) < 0) {
		report(ld, line, "%s", err);
		return -1;
	}
	return 0;
}

/* A deferral must stay temporary: a 5xx here would turn IPv6 mail away for good. */
static int parse_defer_reply(struct loader *ld, struct mx6_config *cfg, void *field,
			     const char *value, unsigned line)
{
	if (parse_reply(ld, cfg, field, value, line) < 0)
		return -1;
	if (!mx6_reply_is_temporary(field)) {
		report(ld, line,
		       "a deferral must be a 4xx reply (it sends the client back to IPv4), "
		       "not %.3s",
		       value);
		return -1;
	}
	return 0;
}

static int parse_reply_authres(struct loader *ld, struct mx6_config *cfg, void *field,
			       const char *value, unsigned line)
{
	enum mx6_reply_authres *v = field;

	(void)cfg;
	if (strcasecmp(value, "mx6") == 0)
		*v = MX6_REPLY_AUTHRES_MX6;
	else if (strcasecmp(value, "all") == 0)
		*v = MX6_REPLY_AUTHRES_ALL;
	else if (strcasecmp(value, "no") == 0)
		*v = MX6_REPLY_AUTHRES_NO;
	else {
		report(ld, line, "'%s' is not one of mx6, all, no", value);
		return -1;
	}
	return 0;
}

static int parse_bool(struct loader *ld, struct mx6_config *cfg, void *field,
		      const char *value, unsigned line)
{
	(void)cfg;
	if (strcasecmp(value, "yes") == 0)
		*(int *)field = 1;
	else if (strcasecmp(value, "no") == 0)
		*(int *)field = 0;
	else {
		report(ld, line, "'%s' is not yes or no", value);
		return -1;
	}
	return 0;
}

static int parse_facility(struct loader *ld, struct mx6_config *cfg, void *field,
			  const char *value, unsigned line)
{
	int f = mx6_log_facility(value);

	(void)cfg;
	if (f < 0) {
		report(ld, line, "unknown syslog facility '%s' (mail, daemon, user, local0..local7)",
		       value);
		return -1;
	}
	*(int *)field = f;
	return 0;
}

static int parse_registrar_list(struct loader *ld, struct mx6_config *cfg, void *field,
				const char *value, unsigned line)
{
	char err[1024];

	(void)field;
	if ((cfg->registrar_greenlist_path = resolve_path(ld, value, line)) == NULL)
		return -1;
	if ((cfg->registrar_greenlist = mx6_registrar_list_load(cfg->registrar_greenlist_path,
								err, sizeof(err))) == NULL) {
		report_list_error(ld, cfg->registrar_greenlist_path, err, line);
		return -1;
	}
	return 0;
}

static int parse_whois_signal(struct loader *ld, struct mx6_config *cfg, void *field,
			      const char *value, unsigned line)
{
	unsigned *v = field;

	(void)cfg;
	if (strcasecmp(value, "domain") == 0)
		*v = MX6_WHOIS_DOMAIN;
	else if (strcasecmp(value, "network") == 0)
		*v = MX6_WHOIS_NETWORK;
	else if (strcasecmp(value, "both") == 0)
		*v = MX6_WHOIS_DOMAIN | MX6_WHOIS_NETWORK;
	else {
		report(ld, line, "'%s' is not one of domain, network, both", value);
		return -1;
	}
	return 0;
}

/* http:// is allowed (a local RDAP server, tests); operators should use https. */
static int parse_rdap_url(struct loader *ld, struct mx6_config *cfg, void *field,
			  const char *value, unsigned line)
{
	if (strncasecmp(value, "https://", 8) != 0 && strncasecmp(value, "http://", 7) != 0) {
		report(ld, line, "RDAP URL '%s' must start with https:// (or http://)", value);
		return -1;
	}
	return parse_url(ld, cfg, field, value, line);
}

static int parse_rdap_bootstrap(struct loader *ld, struct mx6_config *cfg, void *field,
				const char *value, unsigned line)
{
	int ipv6 = field == &cfg->rdap_bootstrap_ipv6;
	char **path = ipv6 ? &cfg->rdap_bootstrap_ipv6_path : &cfg->rdap_bootstrap_dns_path;
	char err[1024];

	if ((*path = resolve_path(ld, value, line)) == NULL)
		return -1;
	*(struct mx6_rdap_bootstrap **)field = mx6_rdap_bootstrap_load(
		*path, ipv6 ? MX6_RDAP_IPV6 : MX6_RDAP_DNS, err, sizeof(err));
	if (*(struct mx6_rdap_bootstrap **)field == NULL) {
		report(ld, line, "%s", err);
		return -1;
	}
	return 0;
}

/* A duration in seconds, or with a unit: 30s, 15m, 6h, 1d. */
static int parse_duration(struct loader *ld, struct mx6_config *cfg, void *field,
			  const char *value, unsigned line)
{
	unsigned long v, unit = 1;
	char *end;

	(void)cfg;
	errno = 0;
	v = strtoul(value, &end, 10);
	if (end != value && end[0] != '\0' && end[1] == '\0')
		unit = end[0] == 's' ? 1 : end[0] == 'm' ? 60 : end[0] == 'h' ? 3600
		     : end[0] == 'd' ? 86400 : 0;
	else if (end == value || end[0] != '\0')
		unit = 0;
	if (*value < '0' || *value > '9' || errno != 0 || unit == 0 || v > 365UL * 86400 / unit) {
		report(ld, line, "'%s' is not a duration like 3600, 30m, 12h or 1d (at most 365d)",
		       value);
		return -1;
	}
	*(unsigned *)field = (unsigned)(v * unit);
	return 0;
}

#define FIELD(f) offsetof(struct mx6_config, f)

static const struct key_def key_table[] = {
	{"socket", parse_socket, FIELD(socket),
	 "unix:" MX6_RUNSTATEDIR "/mx6-milter/mx6-milter.sock", 0},
	{"socket_mode", parse_octal, FIELD(socket_mode), "0660", 0},
	{"user", parse_token, FIELD(user), "mx6-milter", 0},
	{"authserv_id", parse_authserv_id, FIELD(authserv_id), "", 0},
	{"default_mode", parse_default_mode, FIELD(default_mode), "defensive", 0},
	{"listener", parse_listener, 0, NULL, 1},
	{"ip_whitelist", parse_iplist, FIELD(ip_whitelist), NULL, 0},
	{"ip_greenlist", parse_iplist, FIELD(ip_greenlist), NULL, 0},
	{"defer_reply", parse_defer_reply, FIELD(defer_reply),
	 "450 4.7.26 Not accepted over IPv6: message must pass SPF or DKIM or come from a "
	 "known sender; please retry over IPv4",
	 0},
	{"defer_reply_temperror", parse_defer_reply, FIELD(defer_reply_temperror),
	 "451 4.4.3 Temporary DNS failure checking sender over IPv6; please retry over IPv4",
	 0},
	{"mx6_reply", parse_reply, FIELD(mx6_reply),
	 "550 5.7.26 MX6: please retry this message over IPv4", 0},
	{"registration_url", parse_url, FIELD(registration_url), NULL, 0},
	{"domain_whitelist", parse_domainlist, FIELD(domain_whitelist), NULL, 0},
	{"domain_greenlist", parse_domainlist, FIELD(domain_greenlist), NULL, 0},
	{"iprev", parse_iprev, FIELD(iprev), "report", 0},
	{"max_dkim_signatures", parse_dkim_signatures, FIELD(max_dkim_signatures), "5", 0},
	{"max_header_bytes", parse_header_bytes, FIELD(max_header_bytes), "128k", 0},
	{"max_headers", parse_limit, FIELD(max_headers), "1000", 0},
	{"max_recipients", parse_limit, FIELD(max_recipients), "1000", 0},
	{"max_session_memory", parse_session_memory, FIELD(max_session_memory), "1m", 0},
	{"max_sessions", parse_limit, FIELD(max_sessions), "1000", 0},
	{"asn_db", parse_asn_db, 0, NULL, 0},
	{"asn_greenlist", parse_asnlist, 0, NULL, 0},
	{"dnswl", parse_dnswl, 0, NULL, 1},
	{"dnswl_domain", parse_dnswl_domain, 0, NULL, 1},
	{"addressbook", parse_addressbook, 0, NULL, 0},
	{"addressbook_cache", parse_cache_entries, FIELD(addressbook_cache), "1000", 0},
	{"noretry_list", parse_noretry, 0, NULL, 0},
	{"learn", parse_bool, FIELD(learn), "no", 0},
	{"state", parse_string, FIELD(state_url),
	 "lmdb:" MX6_LOCALSTATEDIR "/lib/mx6-milter/state", 0},
	{"history_min_messages", parse_count, FIELD(history_min_messages), "5", 0},
	{"history_min_days", parse_days, FIELD(history_min_days), "7", 0},
	{"history_max_age", parse_days, FIELD(history_max_age), "400", 0},
	{"registrar_greenlist", parse_registrar_list, 0, NULL, 0},
	{"whois_require_contact", parse_bool, FIELD(whois_require_contact), "no", 0},
	{"whois_signal", parse_whois_signal, FIELD(whois_signal), "domain", 0},
	{"rdap_url", parse_rdap_url, FIELD(rdap_url), "https://rdap.org/", 0},
	{"rdap_bootstrap_dns", parse_rdap_bootstrap, FIELD(rdap_bootstrap_dns), NULL, 0},
	{"rdap_bootstrap_ipv6", parse_rdap_bootstrap, FIELD(rdap_bootstrap_ipv6), NULL, 0},
	{"rdap_timeout", parse_seconds, FIELD(rdap_timeout_ms), "3", 0},
	{"rdap_cache_ttl", parse_duration, FIELD(rdap_cache_ttl), "1d", 0},
	{"rdap_negative_ttl", parse_duration, FIELD(rdap_negative_ttl), "1h", 0},
	{"dns_forwarders", parse_forwarders, FIELD(dns_forwarders), NULL, 0},
	{"dns_timeout", parse_seconds, FIELD(dns_timeout_ms), "5", 0},
	{"dns_trust_anchor", parse_file, FIELD(dns_trust_anchor), NULL, 0},
	{"dns_unbound_conf", parse_file, FIELD(dns_unbound_conf), NULL, 0},
	{"reply_authres", parse_reply_authres, FIELD(reply_authres), "mx6", 0},
	{"add_authres", parse_bool, FIELD(add_authres), "yes", 0},
	{"mail_facility", parse_facility, FIELD(mail_facility), "mail", 0},
	{"metrics_listen", parse_metrics_listen, FIELD(metrics_listen), NULL, 0},
};

#define NKEYS (sizeof(key_table) / sizeof(key_table[0]))

size_t mx6_config_key_count(void)
{
	return NKEYS;
}

const char *mx6_config_key_name(size_t index)
{
	return index < NKEYS ? key_table[index].name : NULL;
}

static const struct key_def *find_key(const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(key_table[i].name, name) == 0)
			return &key_table[i];
	return NULL;
}

/* '#' starts a comment at the start of a line or after white space. */
static void strip_comment(char *line)
{
	char *p;

	for (p = line; *p != '\0'; p++)
		if (*p == '#' && (p == line || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			return;
		}
}

struct seen {
	char *value;
	unsigned line;
};

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	if ((dir = malloc((size_t)(slash - path) + 1)) != NULL) {
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
	}
	return dir;
}

static void read_lines(struct loader *ld, FILE *fp, struct mx6_config *cfg,
		       struct seen *seen)
{
	char *buf = NULL;
	size_t bufsize = 0;
	unsigned lineno = 0;

	while (getline(&buf, &bufsize, fp) != -1) {
		char *p, *eq, *key, *value;
		const struct key_def *def;
		size_t idx;

		lineno++;
		strip_comment(buf);
		p = mx6_trim(buf);
		if (*p == '\0')
			continue;
		if ((eq = strchr(p, '=')) == NULL) {
			report(ld, lineno, "expected 'key = value', found '%.64s'", p);
			continue;
		}
		*eq = '\0';
		key = mx6_trim(p);
		value = mx6_trim(eq + 1);
		if ((def = find_key(key)) == NULL) {
			report(ld, lineno, "unknown key '%.64s'", key);
			continue;
		}
		if (strlen(value) >= MAX_VALUE) {
			report(ld, lineno, "value of %s is longer than %d bytes", key, MAX_VALUE);
			continue;
		}
		if (def->repeatable) {
			def->parse(ld, cfg, (char *)cfg + def->offset, value, lineno);
			continue;
		}
		idx = (size_t)(def - key_table);
		if (seen[idx].line != 0) {
			report(ld, lineno, "duplicate key '%s' (first set at line %u)", key,
			       seen[idx].line);
			continue;
		}
		seen[idx].line = lineno;
		if ((seen[idx].value = strdup(value)) == NULL)
			report(ld, lineno, "out of memory");
	}
	if (ferror(fp))
		report(ld, 0, "read error: %s", strerror(errno));
	free(buf);
}

/*
 * One open store per URL for the whole process: an LMDB environment must
 * not be opened twice in one process, and a reload builds its snapshot
 * while sessions still use the old one's store.
 */
static pthread_mutex_t stores_lock = PTHREAD_MUTEX_INITIALIZER;
static struct open_store {
	char *url;
	struct mx6_store *store;
	unsigned refs;
	struct open_store *next;
} *open_stores;

static struct mx6_store *store_acquire(const char *url, char *err, size_t errlen)
{
	struct open_store *o;
	struct mx6_store *store = NULL;

	pthread_mutex_lock(&stores_lock);
	for (o = open_stores; o != NULL; o = o->next)
		if (strcmp(o->url, url) == 0) {
			o->refs++;
			store = o->store;
			break;
		}
	if (store == NULL && (store = mx6_store_open(url, err, errlen)) != NULL) {
		if ((o = calloc(1, sizeof(*o))) == NULL || (o->url = strdup(url)) == NULL) {
			free(o);
			mx6_store_close(&store);
			snprintf(err, errlen, "out of memory");
		} else {
			o->store = store;
			o->refs = 1;
			o->next = open_stores;
			open_stores = o;
		}
	}
	pthread_mutex_unlock(&stores_lock);
	return store;
}

static void store_release(struct mx6_store **store)
{
	struct open_store **p, *o;

	if (*store == NULL)
		return;
	pthread_mutex_lock(&stores_lock);
	for (p = &open_stores; (o = *p) != NULL; p = &o->next)
		if (o->store == *store) {
			if (--o->refs == 0) {
				*p = o->next;
				mx6_store_close(&o->store);
				free(o->url);
				free(o);
			}
			break;
		}
	pthread_mutex_unlock(&stores_lock);
	*store = NULL;
}

static unsigned line_of(const struct seen *seen, const char *key)
{
	const struct key_def *def = find_key(key);

	return def != NULL ? seen[def - key_table].line : 0;
}

/*
 * RDAP only when a signal needs it. Its cache is the state store when
 * there is one (learn = yes) or the operator named one; the default
 * state path is not created just for a cache.
 */
static void start_rdap(struct loader *ld, struct mx6_config *cfg, const struct seen *seen,
		       unsigned flags)
{
	struct mx6_rdap_options opt;
	char err[512];

	if (cfg->registrar_greenlist == NULL && !cfg->whois_require_contact)
		return;
	if (!(flags & MX6_CONFIG_NO_STORE) && cfg->state_used &&
	    (cfg->rdap_cache = store_acquire(cfg->state_url, err, sizeof(err))) == NULL) {
		report(ld, line_of(seen, "state"), "%s", err);
		return;
	}
	memset(&opt, 0, sizeof(opt));
	opt.url = cfg->rdap_url;
	opt.bootstrap_dns = cfg->rdap_bootstrap_dns;
	opt.bootstrap_ipv6 = cfg->rdap_bootstrap_ipv6;
	opt.timeout_ms = cfg->rdap_timeout_ms;
	opt.cache = cfg->rdap_cache;
	opt.cache_ttl = cfg->rdap_cache_ttl;
	opt.negative_ttl = cfg->rdap_negative_ttl;
	if ((cfg->rdap = mx6_rdap_new(&opt, err, sizeof(err))) == NULL)
		report(ld, line_of(seen, "rdap_url"), "%s", err);
}

/*
 * The resolver and the checkers that use it belong to the snapshot: a
 * reload that changes dns_forwarders builds a new resolver beside the
 * old one, which lives on with the sessions that still use it.
 */
static void start_services(struct loader *ld, struct mx6_config *cfg,
			   const struct seen *seen, unsigned flags)
{
	struct mx6_dns_options opt;
	char err[512];

	memset(&opt, 0, sizeof(opt));
	opt.forwarders = (const char *const *)cfg->dns_forwarders;
	opt.timeout_ms = cfg->dns_timeout_ms;
	opt.unbound_conf = cfg->dns_unbound_conf;
	opt.trust_anchor = cfg->dns_trust_anchor;
	if (flags & MX6_CONFIG_NO_SERVICES)
		return;
	if ((cfg->dns = mx6_dns_new(&opt, err, sizeof(err))) == NULL) {
		report(ld, line_of(seen, cfg->dns_unbound_conf != NULL ? "dns_unbound_conf"
								     : "dns_forwarders"),
		       "resolver: %s", err);
		return;
	}
	if ((cfg->spf = mx6_spf_new(cfg->dns, cfg->authserv_id, err, sizeof(err))) == NULL) {
		report(ld, 0, "SPF: %s", err);
		return;
	}
	if ((cfg->dkim = mx6_dkim_new(cfg->dns, cfg->max_dkim_signatures, err, sizeof(err))) ==
	    NULL) {
		report(ld, line_of(seen, "max_dkim_signatures"), "DKIM: %s", err);
		return;
	}
	if (cfg->addressbook_spec != NULL &&
	    (cfg->addressbook = mx6_addressbook_open(cfg->addressbook_spec, cfg->addressbook_cache,
						     err, sizeof(err))) == NULL)
		report(ld, line_of(seen, "addressbook"), "%s", err);
	if (cfg->asn_greenlist != NULL && cfg->asn_db == NULL)
		report(ld, line_of(seen, "asn_greenlist"), "asn_greenlist needs asn_db");
	if (cfg->learn && !(flags & MX6_CONFIG_NO_STORE) &&
	    (cfg->store = store_acquire(cfg->state_url, err, sizeof(err))) == NULL)
		report(ld, line_of(seen, "state"), "%s", err);
	start_rdap(ld, cfg, seen, flags);
}

struct mx6_config *mx6_config_load(const char *path, mx6_config_report_fn report_fn,
				   void *ctx)
{
	return mx6_config_load_flags(path, 0, report_fn, ctx);
}

struct mx6_config *mx6_config_load_flags(const char *path, unsigned flags,
					 mx6_config_report_fn report_fn, void *ctx)
{
	struct loader ld = {path, NULL, report_fn, ctx, 0};
	char resolved[PATH_MAX];
	const char *path_for_dir = path;
	struct seen seen[NKEYS];
	struct mx6_config *cfg;
	FILE *fp;
	size_t i;

	memset(seen, 0, sizeof(seen));
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL) {
		report(&ld, 0, "out of memory");
		return NULL;
	}
	cfg->refcount = 1;
	/* Resolve symlinks and "." so list paths in logs and headers are absolute. */
	if (realpath(path, resolved) != NULL)
		path_for_dir = resolved;
	if ((cfg->path = strdup(path)) == NULL || (ld.dir = dir_of(path_for_dir)) == NULL) {
		report(&ld, 0, "out of memory");
		goto done;
	}
	if ((fp = fopen(path, "r")) == NULL) {
		report(&ld, 0, "cannot open: %s", strerror(errno));
		goto done;
	}
	read_lines(&ld, fp, cfg, seen);
	fclose(fp);
	for (i = 0; i < NKEYS; i++) {
		const struct key_def *def = &key_table[i];
		const char *value = seen[i].value != NULL ? seen[i].value : def->default_value;

		if (def->repeatable || value == NULL)
			continue;
		/* "key =" unsets an optional key, as in Postfix. */
		if (*value == '\0' && def->default_value == NULL)
			continue;
		def->parse(&ld, cfg, (char *)cfg + def->offset, value, seen[i].line);
	}
	cfg->state_used = cfg->learn ||
			  ((cfg->registrar_greenlist != NULL || cfg->whois_require_contact) &&
			   line_of(seen, "state") > 0);
	if (ld.errors == 0)
		start_services(&ld, cfg, seen, flags);
done:
	for (i = 0; i < NKEYS; i++)
		free(seen[i].value);
	free(ld.dir);
	if (ld.errors > 0)
		mx6_config_unref(&cfg);
	return cfg;
}

struct mx6_config *mx6_config_ref(struct mx6_config *cfg)
{
	__atomic_add_fetch(&cfg->refcount, 1, __ATOMIC_RELAXED);
	return cfg;
}

static void free_config(struct mx6_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nlisteners; i++) {
		free(cfg->listeners[i].name);
		free(cfg->listeners[i].label);
	}
	free(cfg->listeners);
	store_release(&cfg->store);
	mx6_rdap_free(&cfg->rdap);
	store_release(&cfg->rdap_cache);
	mx6_registrar_list_free(&cfg->registrar_greenlist);
	free(cfg->registrar_greenlist_path);
	free(cfg->rdap_url);
	mx6_rdap_bootstrap_free(&cfg->rdap_bootstrap_dns);
	free(cfg->rdap_bootstrap_dns_path);
	mx6_rdap_bootstrap_free(&cfg->rdap_bootstrap_ipv6);
	free(cfg->rdap_bootstrap_ipv6_path);
	free(cfg->state_url);
	mx6_addressbook_close(&cfg->addressbook);
	free(cfg->addressbook_spec);
	mx6_asn_db_close(&cfg->asn_db);
	free(cfg->asn_db_path);
	mx6_asnlist_free(&cfg->asn_greenlist);
	free(cfg->asn_greenlist_path);
	free(cfg->dnswl);
	free(cfg->dnswl_domain);
	free(cfg->noretry_ip.path);
	mx6_iplist_free(&cfg->noretry_ip.list);
	free(cfg->noretry_domain.path);
	mx6_domainset_free(&cfg->noretry_domain.set);
	mx6_dkim_free(&cfg->dkim);
	mx6_spf_free(&cfg->spf);
	mx6_dns_free(&cfg->dns);
	for (i = 0; cfg->dns_forwarders != NULL && cfg->dns_forwarders[i] != NULL; i++)
		free(cfg->dns_forwarders[i]);
	free(cfg->dns_forwarders);
	free(cfg->dns_trust_anchor);
	free(cfg->dns_unbound_conf);
	free(cfg->domain_whitelist.path);
	mx6_domainset_free(&cfg->domain_whitelist.set);
	free(cfg->domain_greenlist.path);
	mx6_domainset_free(&cfg->domain_greenlist.set);
	free(cfg->ip_whitelist.path);
	mx6_iplist_free(&cfg->ip_whitelist.list);
	free(cfg->ip_greenlist.path);
	mx6_iplist_free(&cfg->ip_greenlist.list);
	free(cfg->path);
	free(cfg->socket);
	free(cfg->user);
	free(cfg->authserv_id);
	free(cfg->registration_url);
	free(cfg->metrics_listen);
	free(cfg);
}

void mx6_config_unref(struct mx6_config **cfg)
{
	if (*cfg == NULL)
		return;
	if (__atomic_sub_fetch(&(*cfg)->refcount, 1, __ATOMIC_ACQ_REL) == 0)
		free_config(*cfg);
	*cfg = NULL;
}

enum mx6_mode mx6_config_listener(const struct mx6_config *cfg,
				  const char *daemon_name, const char *daemon_addr,
				  const char *if_addr, const char **label_r)
{
	struct mx6_addr addrs[2];
	int have[2];
	size_t i;

	if (daemon_name != NULL && *daemon_name != '\0')
		for (i = 0; i < cfg->nlisteners; i++)
			if (cfg->listeners[i].name != NULL &&
			    mx6_strcaseeq(cfg->listeners[i].name, daemon_name)) {
				*label_r = cfg->listeners[i].label;
				return cfg->listeners[i].mode;
			}
	have[0] = mx6_addr_parse(daemon_addr, &addrs[0]) == 0;
	have[1] = mx6_addr_parse(if_addr, &addrs[1]) == 0;
	for (i = 0; i < cfg->nlisteners; i++) {
		const struct mx6_listener *l = &cfg->listeners[i];

		if (l->name != NULL)
			continue;
		if ((have[0] && mx6_addr_equal(&l->addr, &addrs[0])) ||
		    (have[1] && mx6_addr_equal(&l->addr, &addrs[1]))) {
			*label_r = l->label;
			return l->mode;
		}
	}
	*label_r = "default";
	return cfg->default_mode;
}
