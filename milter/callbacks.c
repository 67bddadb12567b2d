/*
 * NAME
 *	callbacks 3
 * SUMMARY
 *	libmilter callbacks: translate between libmilter and the session
 * SYNOPSIS
 *	See callbacks.h.
 * DESCRIPTION
 *	This is the only file that speaks libmilter's per-message API. Each
 *	callback copies what the MTA said into the session (lib/session.c)
 *	and turns the step it returns into an SMFIS_* code, setting the reply
 *	text in the same callback that returns TEMPFAIL/REJECT (libmilter keeps
 *	a stored reply on the connection until such a return uses it).
 *
 *	Negotiation asks the MTA not to wait for our answer at connect, HELO,
 *	headers and end of headers (we never refuse there: Sendmail drops
 *	reply text given at connect, and replies belong to RCPT or end of
 *	message), for SMFIS_SKIP so the body is not transferred when no
 *	evidence needs it, and for header values with their leading white
 *	space (SMFIP_HDR_LEADSPC), which DKIM "simple" canonicalization
 *	needs. Flags are only requested when the MTA offers them.
 *
 *	If anything fails inside a callback, IPv6 mail is deferred and
 *	anything else accepted (SPEC 10).
 *
 *	max_sessions bounds the connections inspected at once (an atomic
 *	count of connections holding a session). Beyond it a connection gets
 *	no session: an IPv6 client is deferred at MAIL (451 4.3.2), anything
 *	else is accepted at connect without inspection (not even forged
 *	headers are removed). This is logged at most once a second, with the
 *	number of connections deferred and accepted since the last such line
 *	(at a refusal, or at a close while refusals are unreported).
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "callbacks.h"
#include "log.h"
#include "metrics.h"
#include "session.h"

struct conn {
	struct mx6_session *session;
	unsigned long protocol; /* SMFIP_* flags in force */
	int failed_ipv6;	/* no session could be made for an IPv6 client */
	int over_limit;		/* refused a session by max_sessions */
	int counted;		/* counts in active_sessions */
};

/* Connections holding a session, and max_sessions refusals not yet logged. */
static atomic_uint active_sessions;
static atomic_ulong refused_ipv6, skipped_other;
static atomic_llong last_refusal_log;
static atomic_uint refusal_limit; /* max_sessions at the last refusal */

static pthread_mutex_t config_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mx6_config *current_config;

void mx6_milter_set_config(struct mx6_config *cfg)
{
	struct mx6_config *old;

	pthread_mutex_lock(&config_lock);
	old = current_config;
	current_config = cfg;
	pthread_mutex_unlock(&config_lock);
	mx6_config_unref(&old);
}

struct mx6_config *mx6_milter_get_config(void)
{
	struct mx6_config *cfg = NULL;

	pthread_mutex_lock(&config_lock);
	if (current_config != NULL)
		cfg = mx6_config_ref(current_config);
	pthread_mutex_unlock(&config_lock);
	return cfg;
}

static struct conn *get_conn(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c == NULL && (c = calloc(1, sizeof(*c))) != NULL)
		smfi_setpriv(ctx, c);
	return c;
}

static const char *macro(SMFICTX *ctx, const char *name)
{
	char *v = smfi_getsymval(ctx, (char *)name);

	return v != NULL && *v != '\0' ? v : NULL;
}

static sfsistat no_reply(const struct conn *c, unsigned long nr_flag)
{
	return (c->protocol & nr_flag) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat send_reply(SMFICTX *ctx, const struct mx6_reply *r, sfsistat status)
{
	char esc[MX6_REPLY_MAX_LINES + 1][2 * MX6_REPLY_LINE_MAX + 2];
	char *l[MX6_REPLY_MAX_LINES + 1];
	unsigned i;
	int rc;

	for (i = 0; i <= MX6_REPLY_MAX_LINES; i++)
		l[i] = i < r->nlines ? mx6_reply_escape(r->lines[i], esc[i], sizeof(esc[i]))
				     : NULL;
	if (r->nlines <= 1)
		rc = smfi_setreply(ctx, (char *)r->code, (char *)r->xcode, l[0]);
	else
		/* Variadic: the first NULL ends the list, the rest are never read. */
		rc = smfi_setmlreply(ctx, r->code, r->xcode, l[0], l[1], l[2], l[3], l[4],
				     l[5], l[6], l[7], l[8], l[9], l[10], l[11], l[12], l[13],
				     l[14], l[15], l[16], l[17], l[18], l[19], l[20], l[21],
				     l[22], l[23], l[24], l[25], l[26], l[27], l[28], l[29],
				     l[30], l[31], (char *)NULL);
	if (rc != MI_SUCCESS)
		mx6_msg_warn("could not set the SMTP reply %s %s; the MTA sends its default",
			     r->code, r->xcode);
	return status;
}

static sfsistat to_smfis(SMFICTX *ctx, struct conn *c, enum mx6_step step)
{
	switch (step) {
	case MX6_STEP_CONTINUE:
		return SMFIS_CONTINUE;
	case MX6_STEP_TEMPFAIL:
		return send_reply(ctx, mx6_session_reply(c->session), SMFIS_TEMPFAIL);
	case MX6_STEP_REJECT:
		return send_reply(ctx, mx6_session_reply(c->session), SMFIS_REJECT);
	case MX6_STEP_SKIP:
		return (c->protocol & SMFIP_SKIP) ? SMFIS_SKIP : SMFIS_CONTINUE;
	case MX6_STEP_ACCEPT:
		return SMFIS_ACCEPT;
	}
	return SMFIS_CONTINUE;
}

/* No session: defer IPv6 (at a step that can reply), accept the rest. */
static sfsistat no_session(SMFICTX *ctx, struct conn *c)
{
	if (c == NULL || !c->failed_ipv6)
		return SMFIS_ACCEPT;
	if (c->over_limit &&
	    smfi_setreply(ctx, "451", "4.3.2",
			  "Too many connections to mx6-milter; please retry over IPv4") !=
		    MI_SUCCESS)
		mx6_msg_warn("could not set the SMTP reply 451 4.3.2; the MTA sends its default");
	return SMFIS_TEMPFAIL;
}

/*
 * Connect without a session. With SMFIP_NR_CONN the MTA expects no reply
 * (libmilter would log any other answer as a protocol lie and drop it):
 * no_session() answers at MAIL. Otherwise IPv4 is accepted at once.
 */
static sfsistat no_session_at_connect(const struct conn *c)
{
	if (c->protocol & SMFIP_NR_CONN)
		return SMFIS_NOREPLY;
	return c->failed_ipv6 ? SMFIS_CONTINUE : SMFIS_ACCEPT;
}

/*
 * Take a place among max_sessions; 0 if none is free. Counted first and
 * taken back on refusal, so concurrent connects can never overshoot.
 */
static int take_session_slot(struct conn *c, unsigned max_sessions)
{
	if (atomic_fetch_add(&active_sessions, 1) >= max_sessions) {
		atomic_fetch_sub(&active_sessions, 1);
		return 0;
	}
	c->counted = 1;
	return 1;
}

/*
 * At most one line a second, counting every refusal since the last line.
 * Called at each refusal and, while refusals are unreported, whenever a
 * connection closes, so the last ones of a burst are reported too.
 */
static void report_refusals(void)
{
	long long now = (long long)time(NULL), last = atomic_load(&last_refusal_log);

	if (now <= last || !atomic_compare_exchange_strong(&last_refusal_log, &last, now))
		return;
	mx6_msg_warn("bound=max_sessions limit=%u ipv6_deferred=%lu other_accepted_uninspected=%lu",
		     atomic_load(&refusal_limit), atomic_exchange(&refused_ipv6, 0),
		     atomic_exchange(&skipped_other, 0));
}

static void count_refusal(int ipv6, unsigned max_sessions)
{
	atomic_store(&refusal_limit, max_sessions);
	atomic_fetch_add(ipv6 ? &refused_ipv6 : &skipped_other, 1);
	report_refusals();
}

static sfsistat cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
			     unsigned long f2, unsigned long f3, unsigned long *pf0,
			     unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	const unsigned long wanted = SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_HDR |
				     SMFIP_NR_EOH | SMFIP_SKIP | SMFIP_NOUNKNOWN |
				     SMFIP_NODATA | SMFIP_HDR_LEADSPC;
	struct conn *c = get_conn(ctx);

	(void)f2;
	(void)f3;
	if (c == NULL)
		return SMFIS_ALL_OPTS;
	*pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_SETSYMLIST);
	/* *pf1 arrives holding what libmilter derived from our callbacks. */
	*pf1 |= f1 & wanted;
	*pf2 = 0;
	*pf3 = 0;
	c->protocol = *pf1;
	if (f0 & SMFIF_SETSYMLIST) {
		smfi_setsymlist(ctx, SMFIM_CONNECT,
				"{daemon_name} {daemon_addr} {if_addr} {client_addr} j");
		smfi_setsymlist(ctx, SMFIM_ENVFROM, "i {auth_authen}");
		smfi_setsymlist(ctx, SMFIM_ENVRCPT, "i");
		smfi_setsymlist(ctx, SMFIM_EOM, "i");
	}
	return SMFIS_CONTINUE;
}

static sfsistat cb_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	struct conn *c = get_conn(ctx);
	struct mx6_connect_info info;
	struct mx6_addr addr;
	struct mx6_config *cfg;
	uint64_t start = mx6_metrics_clock();
	int have_addr = 0;

	if (hostaddr != NULL && hostaddr->sa_family == AF_INET6) {
		mx6_addr_from_in6(&((struct sockaddr_in6 *)(void *)hostaddr)->sin6_addr, &addr);
		have_addr = 1;
	} else if (hostaddr != NULL && hostaddr->sa_family == AF_INET) {
		mx6_addr_from_in(&((struct sockaddr_in *)(void *)hostaddr)->sin_addr, &addr);
		have_addr = 1;
	} else if (mx6_addr_parse(macro(ctx, "{client_addr}"), &addr) == 0) {
		have_addr = 1;
	}
	if (c == NULL) /* negotiation fell back to all options: connect can reply */
		return have_addr && !mx6_addr_is_ipv4(&addr) ? SMFIS_TEMPFAIL : SMFIS_ACCEPT;
	if ((cfg = mx6_milter_get_config()) != NULL &&
	    !take_session_slot(c, cfg->max_sessions)) {
		c->failed_ipv6 = have_addr && !mx6_addr_is_ipv4(&addr);
		c->over_limit = 1;
		count_refusal(c->failed_ipv6, cfg->max_sessions);
		mx6_config_unref(&cfg);
		return no_session_at_connect(c);
	}
	if (cfg == NULL || (c->session = mx6_session_new(cfg)) == NULL) {
		c->failed_ipv6 = have_addr && !mx6_addr_is_ipv4(&addr);
		mx6_msg_error("cannot create a session: out of memory");
		mx6_config_unref(&cfg);
		return no_session_at_connect(c);
	}
	mx6_config_unref(&cfg);
	memset(&info, 0, sizeof(info));
	info.client = have_addr ? &addr : NULL;
	info.client_name = hostname;
	info.daemon_name = macro(ctx, "{daemon_name}");
	info.daemon_addr = macro(ctx, "{daemon_addr}");
	info.if_addr = macro(ctx, "{if_addr}");
	/* DKIM "simple" canonicalization needs the header exactly as sent. */
	info.raw_header_values = (c->protocol & SMFIP_HDR_LEADSPC) != 0;
	mx6_session_connect(c->session, &info);
	mx6_metrics_stage(MX6_METRICS_STAGE_CONNECT, start);
	return no_reply(c, SMFIP_NR_CONN);
}

static sfsistat cb_helo(SMFICTX *ctx, char *helo)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c == NULL)
		return SMFIS_CONTINUE;
	if (c->session != NULL) {
		uint64_t start = mx6_metrics_clock();

		mx6_session_helo(c->session, helo);
		mx6_metrics_stage(MX6_METRICS_STAGE_HELO, start);
	}
	return no_reply(c, SMFIP_NR_HELO);
}

static sfsistat cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn *c = smfi_getpriv(ctx);
	uint64_t start = mx6_metrics_clock();
	enum mx6_step step;

	if (c == NULL || c->session == NULL)
		return no_session(ctx, c);
	mx6_session_set_queue_id(c->session, macro(ctx, "i"));
	step = mx6_session_mail(c->session, argv[0], macro(ctx, "{auth_authen}"));
	mx6_metrics_stage(MX6_METRICS_STAGE_MAIL, start);
	return to_smfis(ctx, c, step);
}

static sfsistat cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn *c = smfi_getpriv(ctx);
	uint64_t start = mx6_metrics_clock();
	enum mx6_step step;

	if (c == NULL || c->session == NULL)
		return no_session(ctx, c);
	mx6_session_set_queue_id(c->session, macro(ctx, "i"));
	step = mx6_session_rcpt(c->session, argv[0]);
	mx6_metrics_stage(MX6_METRICS_STAGE_RCPT, start);
	return to_smfis(ctx, c, step);
}

static sfsistat cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c == NULL)
		return SMFIS_CONTINUE;
	if (c->session != NULL)
		mx6_session_header(c->session, name, value);
	return no_reply(c, SMFIP_NR_HDR);
}

static sfsistat cb_eoh(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c == NULL)
		return SMFIS_CONTINUE;
	if (c->session != NULL) {
		uint64_t start = mx6_metrics_clock();

		mx6_session_eoh(c->session);
		mx6_metrics_stage(MX6_METRICS_STAGE_EOH, start);
	}
	return no_reply(c, SMFIP_NR_EOH);
}

static sfsistat cb_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	struct conn *c = smfi_getpriv(ctx);
	uint64_t start;
	enum mx6_step step;

	if (c == NULL || c->session == NULL)
		return SMFIS_CONTINUE;
	start = mx6_metrics_clock();
	step = mx6_session_body(c->session, chunk, len);
	mx6_metrics_stage(MX6_METRICS_STAGE_BODY, start);
	return to_smfis(ctx, c, step);
}

/* With SMFIP_HDR_LEADSPC the MTA takes our values raw too: add the space. */
static int insert_header(SMFICTX *ctx, const struct conn *c, const char *name,
			 const char *value)
{
	char *spaced;
	int rc;

	if (!(c->protocol & SMFIP_HDR_LEADSPC))
		return smfi_insheader(ctx, 0, (char *)name, (char *)value);
	if ((spaced = malloc(strlen(value) + 2)) == NULL)
		return MI_FAILURE;
	spaced[0] = ' ';
	strcpy(spaced + 1, value);
	rc = smfi_insheader(ctx, 0, (char *)name, spaced);
	free(spaced);
	return rc;
}

static sfsistat cb_eom(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);
	struct mx6_eom_actions a;
	uint64_t start = mx6_metrics_clock();
	enum mx6_step step;
	size_t i;
	int ok = 1;

	if (c == NULL || c->session == NULL)
		return no_session(ctx, c);
	mx6_session_set_queue_id(c->session, macro(ctx, "i"));
	step = mx6_session_eom(c->session, &a);
	for (i = 0; i < a.ndelete; i++)
		if (smfi_chgheader(ctx, (char *)a.delete[i].name, (int)a.delete[i].index,
				   NULL) != MI_SUCCESS)
			ok = 0;
	if (step == MX6_STEP_ACCEPT)
		for (i = 0; i < a.nadd; i++)
			if (insert_header(ctx, c, a.add[i].name, a.add[i].value) != MI_SUCCESS)
				ok = 0;
	mx6_metrics_stage(MX6_METRICS_STAGE_EOM, start);
	if (!ok) {
		mx6_msg_warn("the MTA refused a header change");
		if (mx6_session_is_ipv6(c->session))
			return SMFIS_TEMPFAIL;
	}
	return to_smfis(ctx, c, step);
}

static sfsistat cb_abort(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c != NULL && c->session != NULL)
		mx6_session_abort(c->session);
	return SMFIS_CONTINUE;
}

static sfsistat cb_close(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c != NULL) {
		if (c->counted)
			atomic_fetch_sub(&active_sessions, 1);
		if (atomic_load(&refused_ipv6) > 0 || atomic_load(&skipped_other) > 0)
			report_refusals();
		mx6_session_free(&c->session);
		free(c);
		smfi_setpriv(ctx, NULL);
	}
	return SMFIS_CONTINUE;
}

struct smfiDesc mx6_milter_desc = {
	.xxfi_name = "mx6-milter",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS,
	.xxfi_connect = cb_connect,
	.xxfi_helo = cb_helo,
	.xxfi_envfrom = cb_envfrom,
	.xxfi_envrcpt = cb_envrcpt,
	.xxfi_header = cb_header,
	.xxfi_eoh = cb_eoh,
	.xxfi_body = cb_body,
	.xxfi_eom = cb_eom,
	.xxfi_abort = cb_abort,
	.xxfi_close = cb_close,
	.xxfi_unknown = NULL,
	.xxfi_data = NULL,
	.xxfi_negotiate = cb_negotiate,
};
