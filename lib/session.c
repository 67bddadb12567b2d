/*
 * NAME
 *	session 3
 * SUMMARY
 *	one SMTP connection as the milter sees it, independent of libmilter
 * SYNOPSIS
 *	See session.h.
 * DESCRIPTION
 *	Connection facts (client address, listener, IP list signals) are
 *	gathered once at connect; message facts are reset at MAIL FROM, at
 *	abort and after end of message. mx6_decide() is asked at RCPT (the
 *	first reply point: a certain "unknown" is deferred there in defensive
 *	mode, before the body is transferred) and at end of message.
 *
 *	Forged-header bookkeeping runs for every client: each X-MX6-Verdict
 *	and each Authentication-Results carrying our authserv-id is deleted at
 *	end of message, highest index first, so indices stay valid whether
 *	the MTA renumbers after a deletion or not.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <time.h>

#include "authres.h"
#include "gather.h"
#include "log.h"
#include "metrics.h"
#include "session.h"
#include "util.h"

#define VERDICT_HEADER "X-MX6-Verdict"
#define AUTHRES_HEADER "Authentication-Results"
/* More of our own headers than this in one message is not mail, it's an attack. */
#define MAX_FORGED_HEADERS 65536

struct mx6_session {
	struct mx6_config *cfg;
	enum mx6_mode mode;
	const char *listener;
	struct mx6_evidence ev;
	char client_text[MX6_ADDR_STRLEN];
	char helo[256];

	/* Per message. */
	char sender[320];
	char queue_id[64];
	unsigned nrcpt;
	int logged; /* the decision line for this message is out */
	enum mx6_stage decided_at;
	struct mx6_verdict verdict;
	enum mx6_action action;
	/*
	 * The large per-message texts are allocated when needed and freed
	 * with the message, so that a session waiting between SMTP commands
	 * (the common case with many of them open) holds none of them: the
	 * refusal (13 kB, only for a refused message) and the header values
	 * (9 kB, only at the end of a message).
	 */
	struct mx6_reply *reply; /* NULL: no refusal yet */
	unsigned verdict_headers; /* X-MX6-Verdict headers seen */
	unsigned authres_headers; /* Authentication-Results headers seen */
	unsigned *ours;		  /* indices of AR headers with our authserv-id */
	size_t nours, ours_cap;
	struct mx6_header_delete *deletes;
	struct mx6_header_add adds[2];
	struct eom_text *text; /* NULL until the end of the message */
	int failed; /* an internal error hit this message: fail safe at EOM */
	unsigned bounds_logged; /* bounds (bits) whose line for this message is out */
	int learns;		   /* IPv4 client with learn = yes (connection) */
	char submitter[320];	   /* authenticated local user's address (submission) */
	struct mx6_gather gather;
};

struct eom_text {
	char authres[MX6_AUTHRES_MAX];
	char verdict_header[MX6_REASONS_MAX + 512];
};

/* What mx6_session_reply() gives when no reply could be allocated. */
static const struct mx6_reply oom_reply = {
	"451", "4.3.0", 1, {"Internal error in mx6-milter; please retry"}};

static void reset_message(struct mx6_session *s)
{
	s->sender[0] = '\0';
	mx6_strlcpy(s->queue_id, "NOQUEUE", sizeof(s->queue_id));
	s->nrcpt = 0;
	s->logged = 0;
	s->decided_at = MX6_STAGE_CONNECT;
	memset(&s->verdict, 0, sizeof(s->verdict));
	s->action = MX6_ACTION_NONE;
	free(s->reply);
	s->reply = NULL;
	s->verdict_headers = 0;
	s->authres_headers = 0;
	s->nours = 0;
	free(s->text);
	s->text = NULL;
	s->failed = 0;
	s->bounds_logged = 0;
	mx6_gather_reset(&s->gather);
}

struct mx6_session *mx6_session_new(struct mx6_config *cfg)
{
	struct mx6_session *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->cfg = mx6_config_ref(cfg);
	s->mode = cfg->default_mode;
	s->listener = "default";
	mx6_strlcpy(s->client_text, "unknown", sizeof(s->client_text));
	reset_message(s);
	mx6_metrics_session_begin();
	return s;
}

void mx6_session_free(struct mx6_session **s)
{
	if (*s == NULL)
		return;
	mx6_metrics_session_end();
	mx6_gather_reset(&(*s)->gather);
	mx6_config_unref(&(*s)->cfg);
	free((*s)->ours);
	free((*s)->deletes);
	free((*s)->reply);
	free((*s)->text);
	free((*s)->ev.auth.dkim);
	free(*s);
	*s = NULL;
}

/* Log-safe copy: printable ASCII, no spaces or quotes to break key=value. */
static void copy_field(char *dst, size_t len, const char *src)
{
	char *p;

	mx6_printable(dst, len, src != NULL ? src : "");
	for (p = dst; *p != '\0'; p++)
		if (*p == ' ' || *p == '"')
			*p = '?';
}

enum mx6_step mx6_session_connect(struct mx6_session *s,
				  const struct mx6_connect_info *info)
{
	free(s->ev.auth.dkim); /* a session connected again (mx6-check, tests) */
	memset(&s->ev, 0, sizeof(s->ev));
	s->mode = mx6_config_listener(s->cfg, info->daemon_name, info->daemon_addr,
				      info->if_addr, &s->listener);
	if (info->client != NULL) {
		s->ev.client_known = 1;
		s->ev.client = *info->client;
		s->ev.client_ipv6 = !mx6_addr_is_ipv4(info->client);
		mx6_addr_format(info->client, s->client_text);
	}
	s->gather.raw_values = info->raw_header_values;
	s->learns = s->cfg->learn && s->ev.client_known && !s->ev.client_ipv6 &&
		    s->mode != MX6_MODE_SUBMISSION;
	mx6_gather_connect(s->cfg,
			   s->ev.client_ipv6 && s->mode != MX6_MODE_OFF &&
				   s->mode != MX6_MODE_SUBMISSION,
			   s->learns, &s->ev);
	return MX6_STEP_CONTINUE;
}

enum mx6_step mx6_session_helo(struct mx6_session *s, const char *helo)
{
	copy_field(s->helo, sizeof(s->helo), helo);
	mx6_gather_helo(s->cfg, &s->ev, s->helo);
	return MX6_STEP_CONTINUE;
}

enum mx6_step mx6_session_mail(struct mx6_session *s, const char *sender,
			       const char *auth_authen)
{
	char bare[sizeof(s->sender)];
	size_t len;

	reset_message(s);
	copy_field(s->sender, sizeof(s->sender), sender);
	/* The MTA passes "<a@example.org>"; SPF wants the address itself. */
	mx6_strlcpy(bare, s->sender[0] == '<' ? s->sender + 1 : s->sender, sizeof(bare));
	len = strlen(bare);
	if (len > 0 && bare[len - 1] == '>')
		bare[len - 1] = '\0';
	mx6_gather_mail(s->cfg, &s->ev, &s->gather, s->helo, bare);
	/* Only a user the MTA authenticated teaches us whom they write to. */
	s->submitter[0] = '\0';
	if (s->mode == MX6_MODE_SUBMISSION && auth_authen != NULL && *auth_authen != '\0') {
		size_t i;

		mx6_strlcpy(s->submitter, bare, sizeof(s->submitter));
		for (i = 0; s->submitter[i] != '\0'; i++)
			s->submitter[i] = (char)tolower((unsigned char)s->submitter[i]);
	}
	return MX6_STEP_CONTINUE;
}

void mx6_session_set_queue_id(struct mx6_session *s, const char *queue_id)
{
	if (queue_id != NULL && *queue_id != '\0')
		copy_field(s->queue_id, sizeof(s->queue_id), queue_id);
}

int mx6_session_is_ipv6(const struct mx6_session *s)
{
	return s->ev.client_ipv6;
}

static void log_decision(struct mx6_session *s)
{
	char source[600] = "", reply[64] = "", sender[340];

	if (s->logged)
		return;
	s->logged = 1;
	/* Counted where it is logged: the metrics equal the decision lines. */
	mx6_metrics_decision(s->listener, s->verdict.class, s->action, s->verdict.reasons);
	if (s->verdict.source_list != NULL) {
		char src[sizeof(source) - 16];

		snprintf(source, sizeof(source), " source=%s",
			 mx6_verdict_source(&s->verdict, src, sizeof(src)));
	}
	if (s->reply != NULL && s->reply->nlines > 0) {
		char summary[32];

		snprintf(reply, sizeof(reply), " reply=\"%s\"",
			 mx6_reply_summary(s->reply, summary, sizeof(summary)));
	}
	/* Strip the angle brackets the MTA may pass, then add our own. */
	mx6_strlcpy(sender, s->sender[0] == '<' ? s->sender + 1 : s->sender, sizeof(sender));
	if (sender[0] != '\0' && sender[strlen(sender) - 1] == '>')
		sender[strlen(sender) - 1] = '\0';
	mx6_msg_info("%s: client=[%s] helo=%s from=<%s> listener=%s mode=%s class=%s "
		     "action=%s reasons=%s%s%s",
		     s->queue_id, s->client_text, s->helo, sender, s->listener,
		     mx6_mode_name(s->mode), mx6_class_name(s->verdict.class),
		     mx6_action_name(s->action), s->verdict.reasons, source, reply);
}

/*
 * The message's reply, allocated on first use; NULL when out of memory
 * (mx6_session_reply() then gives the 451 4.3.0 of an internal error).
 */
static struct mx6_reply *reply_slot(struct mx6_session *s)
{
	if (s->reply == NULL && (s->reply = calloc(1, sizeof(*s->reply))) == NULL)
		mx6_msg_error("cannot allocate an SMTP reply: out of memory");
	return s->reply;
}

/* Build the refusal for ACTION into s->reply; returns the step that sends it. */
static enum mx6_step refuse(struct mx6_session *s)
{
	const struct mx6_config *cfg = s->cfg;
	const struct mx6_reply *base;
	char ar[MX6_REPLY_MAX_LINES][MX6_AUTHRES_LINE_MAX];
	const char *extra[MX6_REPLY_MAX_LINES];
	size_t nextra = 0, i;
	int with_ar;

	if (s->action == MX6_ACTION_MX6_REJECT) {
		base = &cfg->mx6_reply;
		with_ar = cfg->reply_authres != MX6_REPLY_AUTHRES_NO;
	} else {
		base = s->verdict.temperror ? &cfg->defer_reply_temperror : &cfg->defer_reply;
		with_ar = cfg->reply_authres == MX6_REPLY_AUTHRES_ALL;
	}
	if (with_ar) {
		nextra = mx6_authres_lines(cfg->authserv_id, &s->ev, ar, MX6_REPLY_MAX_LINES);
		for (i = 0; i < nextra; i++)
			extra[i] = ar[i];
	}
	if (reply_slot(s) == NULL)
		return MX6_STEP_TEMPFAIL;
	mx6_reply_build(base, extra, nextra, cfg->registration_url, s->reply);
	return mx6_reply_is_temporary(s->reply) ? MX6_STEP_TEMPFAIL : MX6_STEP_REJECT;
}

/* SPEC 10: an internal error defers IPv6 and never touches anything else. */
static enum mx6_step failsafe(struct mx6_session *s, enum mx6_step otherwise)
{
	char err[128];

	if (!s->ev.client_ipv6)
		return otherwise;
	if (reply_slot(s) != NULL)
		mx6_reply_parse("451 4.3.0 Internal error in mx6-milter; please retry", s->reply,
				err, sizeof(err));
	return MX6_STEP_TEMPFAIL;
}

/*
 * One line per message and bound when a bound stops inspection (SPEC 10),
 * so an operator can tell "no evidence" from "evidence not looked at".
 */
static void log_bound(struct mx6_session *s, unsigned bit, const char *bound,
		      unsigned limit)
{
	const struct mx6_gather *g = &s->gather;

	if (s->bounds_logged & bit)
		return;
	s->bounds_logged |= bit;
	mx6_msg_warn("%s: client=[%s] bound=%s limit=%u headers=%u header_bytes=%zu "
		     "recipients=%zu memory=%zu",
		     s->queue_id, s->client_text, bound, limit, g->headers, g->header_bytes,
		     g->rcpts_total, g->memory);
}

static void log_bounds(struct mx6_session *s)
{
	const struct mx6_gather *g = &s->gather;
	const struct mx6_config *cfg = s->cfg;

	if (g->over_memory)
		log_bound(s, 1, "max_session_memory", cfg->max_session_memory);
	else if (g->headers_truncated && g->headers >= cfg->max_headers)
		log_bound(s, 2, "max_headers", cfg->max_headers);
	else if (g->headers_truncated)
		log_bound(s, 4, "max_header_bytes", cfg->max_header_bytes);
	if (g->rcpts_total > cfg->max_recipients)
		log_bound(s, 8, "max_recipients", cfg->max_recipients);
}

/*
 * Evidence that did not fit in max_session_memory is missing: where the
 * session decides for IPv6 (defensive, mx6), it defers with a 4xx of its
 * own, whatever the rest says, so such a message is retried over IPv4.
 */
static int over_memory(struct mx6_session *s)
{
	char err[128];

	if (!s->gather.over_memory || !s->ev.client_ipv6 ||
	    (s->mode != MX6_MODE_DEFENSIVE && s->mode != MX6_MODE_MX6))
		return 0;
	if (reply_slot(s) != NULL)
		mx6_reply_parse("451 4.3.4 Message too large for mx6-milter to inspect over IPv6; "
				"please retry over IPv4",
				s->reply, err, sizeof(err));
	return 1;
}

static void decide(struct mx6_session *s, enum mx6_stage stage)
{
	mx6_decide(s->cfg, s->mode, &s->ev, stage, &s->verdict);
	s->action = mx6_action_for(s->mode, s->verdict.class);
	s->decided_at = stage;
}

enum mx6_step mx6_session_rcpt(struct mx6_session *s, const char *rcpt)
{
	enum mx6_step step;

	s->nrcpt++;
	mx6_gather_rcpt(s->cfg, &s->gather, rcpt);
	log_bounds(s);
	if (!s->ev.client_ipv6 || s->mode != MX6_MODE_DEFENSIVE)
		return MX6_STEP_CONTINUE;
	decide(s, MX6_STAGE_RCPT);
	if (s->action != MX6_ACTION_DEFER)
		return MX6_STEP_CONTINUE;
	step = refuse(s);
	log_decision(s);
	return step;
}

static int remember_ours(struct mx6_session *s, unsigned index)
{
	if (s->nours == s->ours_cap) {
		size_t ncap = s->ours_cap ? s->ours_cap * 2 : 8;
		unsigned *n;

		if (ncap > MAX_FORGED_HEADERS)
			return -1;
		if ((n = realloc(s->ours, ncap * sizeof(*n))) == NULL)
			return -1;
		s->ours = n;
		s->ours_cap = ncap;
	}
	s->ours[s->nours++] = index;
	return 0;
}

enum mx6_step mx6_session_header(struct mx6_session *s, const char *name,
				 const char *value)
{
	/* Header steps never reply (the milter asks for SMFIP_NR_HDR): a
	 * failure here is acted upon at end of message. */
	if (strcasecmp(name, VERDICT_HEADER) == 0) {
		if (s->verdict_headers >= MAX_FORGED_HEADERS)
			s->failed = 1;
		else
			s->verdict_headers++;
	} else if (strcasecmp(name, AUTHRES_HEADER) == 0) {
		s->authres_headers++;
		if (mx6_authres_is_ours(value != NULL ? value : "", s->cfg->authserv_id) &&
		    remember_ours(s, s->authres_headers) < 0)
			s->failed = 1;
	}
	mx6_gather_header(s->cfg, &s->ev, &s->gather, name, value);
	log_bounds(s);
	return MX6_STEP_CONTINUE;
}

enum mx6_step mx6_session_eoh(struct mx6_session *s)
{
	mx6_gather_eoh(&s->gather);
	return MX6_STEP_CONTINUE;
}

enum mx6_step mx6_session_body(struct mx6_session *s, const unsigned char *chunk,
			       size_t len)
{
	return mx6_gather_body(&s->gather, chunk, len) ? MX6_STEP_CONTINUE : MX6_STEP_SKIP;
}

/* Deletions for forged headers, highest index first within each name. */
static int plan_deletions(struct mx6_session *s, struct mx6_eom_actions *a)
{
	size_t n = s->verdict_headers + s->nours, i, k = 0;
	struct mx6_header_delete *d;

	a->ndelete = 0;
	a->delete = NULL;
	if (n == 0)
		return 0;
	if ((d = realloc(s->deletes, n * sizeof(*d))) == NULL)
		return -1;
	s->deletes = d;
	for (i = s->verdict_headers; i > 0; i--) {
		d[k].name = VERDICT_HEADER;
		d[k++].index = (unsigned)i;
	}
	for (i = s->nours; i > 0; i--) {
		d[k].name = AUTHRES_HEADER;
		d[k++].index = s->ours[i - 1];
	}
	a->ndelete = k;
	a->delete = d;
	return 0;
}

/* The message's header texts, allocated empty on first use; NULL: no memory. */
static struct eom_text *text_slot(struct mx6_session *s)
{
	if (s->text == NULL && (s->text = malloc(sizeof(*s->text))) != NULL) {
		s->text->authres[0] = '\0';
		s->text->verdict_header[0] = '\0';
	}
	return s->text;
}

/* The header fields to add; -1 when out of memory. */
static int plan_headers(struct mx6_session *s, struct mx6_eom_actions *a)
{
	const struct mx6_config *cfg = s->cfg;
	struct eom_text *t;
	size_t len;

	a->nadd = 0;
	a->add = s->adds;
	if ((t = text_slot(s)) == NULL)
		return -1;
	mx6_authres_value(cfg->authserv_id, &s->ev, t->authres, sizeof(t->authres));
	if (cfg->add_authres) {
		s->adds[a->nadd].name = AUTHRES_HEADER;
		s->adds[a->nadd++].value = t->authres;
	}
	snprintf(t->verdict_header, sizeof(t->verdict_header), "%s%s; reason=%s",
		 mx6_class_name(s->verdict.class),
		 s->action == MX6_ACTION_REPORT ? " would-defer" : "", s->verdict.reasons);
	if (s->verdict.source_list != NULL) {
		char src[600];

		len = strlen(t->verdict_header);
		snprintf(t->verdict_header + len, sizeof(t->verdict_header) - len,
			 "; source=%s", mx6_verdict_source(&s->verdict, src, sizeof(src)));
	}
	s->adds[a->nadd].name = VERDICT_HEADER;
	s->adds[a->nadd++].value = t->verdict_header;
	return 0;
}

enum mx6_step mx6_session_eom(struct mx6_session *s, struct mx6_eom_actions *actions_r)
{
	enum mx6_step step = MX6_STEP_ACCEPT;

	memset(actions_r, 0, sizeof(*actions_r));
	if (s->failed || plan_deletions(s, actions_r) < 0) {
		mx6_msg_warn("%s: client=[%s] internal error (too many forged headers or "
			     "out of memory): %s",
			     s->queue_id, s->client_text,
			     s->ev.client_ipv6 ? "deferring" : "accepting unchanged");
		memset(actions_r, 0, sizeof(*actions_r));
		return failsafe(s, MX6_STEP_ACCEPT);
	}
	if (actions_r->ndelete > 0)
		mx6_msg_info("%s: client=[%s] removing %zu forged header(s): "
			     "X-MX6-Verdict=%u Authentication-Results=%zu",
			     s->queue_id, s->client_text, actions_r->ndelete,
			     s->verdict_headers, s->nours);
	mx6_gather_eom(s->cfg, &s->ev, &s->gather);
	if (s->learns)
		mx6_gather_learn(s->cfg, &s->ev, (int64_t)time(NULL));
	if (s->submitter[0] != '\0')
		mx6_gather_learn_outbound(s->cfg, &s->gather, s->submitter, (int64_t)time(NULL));
	decide(s, MX6_STAGE_EOM);
	if (s->verdict.class == MX6_CLASS_NONE) {
		mx6_metrics_skipped(s->listener, s->verdict.reasons);
		return MX6_STEP_ACCEPT;
	}
	if (over_memory(s)) {
		size_t len = strlen(s->verdict.reasons);

		snprintf(s->verdict.reasons + len, sizeof(s->verdict.reasons) - len,
			 "%smax_session_memory", len > 0 ? "," : "");
		s->action = MX6_ACTION_DEFER;
		log_decision(s);
		return MX6_STEP_TEMPFAIL;
	}
	switch (s->action) {
	case MX6_ACTION_ACCEPT:
	case MX6_ACTION_REPORT:
		if (plan_headers(s, actions_r) < 0) {
			mx6_msg_error("%s: client=[%s] cannot build the header fields: out of "
				      "memory: %s",
				      s->queue_id, s->client_text,
				      s->ev.client_ipv6 ? "deferring" : "accepting unchanged");
			memset(actions_r, 0, sizeof(*actions_r));
			step = failsafe(s, MX6_STEP_ACCEPT);
		}
		break;
	case MX6_ACTION_DEFER:
	case MX6_ACTION_MX6_REJECT:
		step = refuse(s);
		break;
	case MX6_ACTION_NONE:
		break;
	}
	log_decision(s);
	return step;
}

void mx6_session_abort(struct mx6_session *s)
{
	reset_message(s);
}

const struct mx6_reply *mx6_session_reply(const struct mx6_session *s)
{
	return s->reply != NULL ? s->reply : &oom_reply;
}

enum mx6_stage mx6_session_decided_at(const struct mx6_session *s)
{
	return s->decided_at;
}

const struct mx6_verdict *mx6_session_verdict(const struct mx6_session *s)
{
	return &s->verdict;
}

enum mx6_action mx6_session_action(const struct mx6_session *s)
{
	return s->action;
}

enum mx6_mode mx6_session_mode(const struct mx6_session *s)
{
	return s->mode;
}

const char *mx6_session_listener(const struct mx6_session *s)
{
	return s->listener;
}

const char *mx6_session_authres(struct mx6_session *s)
{
	struct eom_text *t = text_slot(s);

	if (t == NULL)
		return "";
	if (t->authres[0] == '\0')
		mx6_authres_value(s->cfg->authserv_id, &s->ev, t->authres, sizeof(t->authres));
	return t->authres;
}

const char *mx6_session_verdict_header(const struct mx6_session *s)
{
	return s->text != NULL ? s->text->verdict_header : "";
}
