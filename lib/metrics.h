/*
 * NAME
 *	metrics 3h
 * SUMMARY
 *	process-wide counters and histograms, Prometheus text exposition
 * SYNOPSIS
 *	#include "metrics.h"
 * DESCRIPTION
 *	Every counter lives in static storage and is updated with C11
 *	atomics (relaxed order: each value is exact, a scrape is not a
 *	consistent snapshot across counters): recording never takes a lock
 *	and never fails. Label values come from fixed sets (classes,
 *	actions, stages, query types, reason names) or from the
 *	configuration (listener labels, at most MX6_METRICS_MAX_LISTENERS;
 *	more are counted under listener="other"), so the number of series
 *	is bounded whatever the mail says.
 *
 *	mx6_metrics_clock() is a monotonic time in nanoseconds, the START
 *	argument of the functions that observe a duration.
 *
 *	mx6_metrics_decision() counts one decision, exactly where the
 *	decision line is logged (lib/session.c): LISTENER, class and action
 *	into mx6_messages_total and each reason of REASONS (the logged,
 *	comma-separated list) into mx6_reasons_total under its name without
 *	the variable part ("asn:AS64496" counts as "asn", "spf:pass" as
 *	itself, anything not in the fixed set as "other").
 *	mx6_metrics_skipped() counts a message the milter stepped aside for
 *	(IPv4, listener off or submission: no decision line), by REASON
 *	("ipv4", "mode-off", "submission", "no-client-address", else
 *	"other").
 *
 *	mx6_metrics_dns_query() counts one lookup of RRTYPE (every lookup a
 *	check makes, answered from a cache or not), whether it ended in a
 *	temporary error, and its duration. mx6_metrics_dns_cache_hit() counts
 *	a lookup answered from mx6-milter's own answer cache.
 *	mx6_metrics_rdap_query() counts one RDAP lookup: CACHED (answered
 *	from the state store, its duration is not observed), OK (0 for any
 *	failure: timeout, HTTP error, malformed JSON) and its duration.
 *
 *	mx6_metrics_stage() observes how long the milter took to answer at
 *	STAGE. mx6_metrics_session_begin()/_end() track sessions in
 *	progress. mx6_metrics_store_error() counts a failed state store
 *	operation. mx6_metrics_reload() records a configuration load: OK
 *	sets the last-success timestamp to now, else failures are counted.
 *	mx6_metrics_init() records the process start time (once).
 *
 *	mx6_metrics_render() writes every family in the text exposition
 *	format 0.0.4 into BUF (always NUL-terminated when SIZE > 0) and
 *	returns the length of the whole text; a result >= SIZE means BUF was
 *	too small (like snprintf). LISTS (may be NULL) gives the list sizes
 *	for mx6_list_entries, normally from the configuration snapshot in
 *	force (mx6_metrics_config_lists()).
 *
 *	mx6_metrics_parse_listen() parses "ADDR:PORT" ("127.0.0.1:9706",
 *	"[::1]:9706"; literal addresses only, port 1-65535) into *SS and
 *	*LEN_R; returns 0, or -1 with a message in err_r.
 */
#ifndef MX6_METRICS_H
#define MX6_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "policy.h"

#define MX6_METRICS_MAX_LISTENERS 64
#define MX6_METRICS_MAX_LISTS 16

enum mx6_metrics_stage {
	MX6_METRICS_STAGE_CONNECT = 0,
	MX6_METRICS_STAGE_HELO,
	MX6_METRICS_STAGE_MAIL,
	MX6_METRICS_STAGE_RCPT,
	MX6_METRICS_STAGE_EOH,
	MX6_METRICS_STAGE_BODY, /* one observation per body chunk */
	MX6_METRICS_STAGE_EOM,
	MX6_METRICS_STAGE_COUNT
};

struct mx6_metrics_list {
	const char *name; /* "ip_whitelist", ... (a label value) */
	size_t entries;
};

struct mx6_metrics_lists {
	size_t n;
	struct mx6_metrics_list list[MX6_METRICS_MAX_LISTS];
};

void mx6_metrics_init(void);
uint64_t mx6_metrics_clock(void);

void mx6_metrics_decision(const char *listener, enum mx6_class cls,
			  enum mx6_action action, const char *reasons);
void mx6_metrics_skipped(const char *listener, const char *reason);
void mx6_metrics_stage(enum mx6_metrics_stage stage, uint64_t start);
void mx6_metrics_session_begin(void);
void mx6_metrics_session_end(void);

void mx6_metrics_dns_query(int rrtype, int temperror, uint64_t start);
void mx6_metrics_dns_cache_hit(void);
void mx6_metrics_rdap_query(int cached, int ok, double seconds);
void mx6_metrics_store_error(void);
void mx6_metrics_reload(int ok);

void mx6_metrics_config_lists(const struct mx6_config *cfg,
			      struct mx6_metrics_lists *lists_r);
size_t mx6_metrics_render(const struct mx6_metrics_lists *lists, char *buf,
			  size_t size);

int mx6_metrics_parse_listen(const char *spec, struct sockaddr_storage *ss,
			     socklen_t *len_r, char *err_r, size_t errlen);

#endif
