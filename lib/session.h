/*
 * NAME
 *	session 3h
 * SUMMARY
 *	one SMTP connection as the milter sees it, independent of libmilter
 * DESCRIPTION
 *	The session is the engine shared by mx6-milter (milter/callbacks.c
 *	translates libmilter callbacks into these calls and the returned steps
 *	into SMFIS_* codes), mx6-check and the fuzz harness. It copies what the
 *	MTA says, runs the evidence gatherers, asks mx6_decide() at every
 *	reply point and turns the verdict into a step, a reply and header
 *	edits. It logs one line per decision.
 *
 *	mx6_session_new() takes a reference on CFG for the lifetime of the
 *	session (a reload does not affect sessions in flight). Returns NULL
 *	on allocation failure. mx6_session_free() drops it and sets *s NULL.
 *
 *	Each event function returns the step to take:
 *	MX6_STEP_CONTINUE  go on (the milter returns SMFIS_CONTINUE);
 *	MX6_STEP_TEMPFAIL  refuse with the 4xx of mx6_session_reply();
 *	MX6_STEP_REJECT    refuse with the 5xx of mx6_session_reply();
 *	MX6_STEP_SKIP      (body only) no more body is needed;
 *	MX6_STEP_ACCEPT    (eom only) accept after applying the header edits.
 *	An internal error yields TEMPFAIL with "451 4.3.0" for an IPv6 client
 *	and CONTINUE/ACCEPT for anything else (SPEC 10): IPv4 mail is never
 *	refused. Likewise a message whose evidence did not fit in
 *	max_session_memory (gather.h) gets TEMPFAIL with "451 4.3.4" at end
 *	of message from an IPv6 client on a defensive or mx6 listener. Each
 *	bound that stops inspection is logged once per message
 *	("bound=KEY limit=N ...").
 *
 *	mx6_session_abort() forgets the current message (SMTP RSET or the
 *	MTA's abort); connection facts stay.
 *
 *	mx6_session_eom() fills ACTIONS with the header deletions to apply
 *	(in order, each by name and 1-based index among headers of that
 *	name) and the headers to insert at the top (in order). The pointers
 *	stay valid until the next call on the session.
 */
#ifndef MX6_SESSION_H
#define MX6_SESSION_H

#include <stddef.h>

#include "config.h"
#include "policy.h"
#include "reply.h"

enum mx6_step {
	MX6_STEP_CONTINUE = 0,
	MX6_STEP_TEMPFAIL,
	MX6_STEP_REJECT,
	MX6_STEP_SKIP,
	MX6_STEP_ACCEPT,
};

struct mx6_connect_info {
	const struct mx6_addr *client; /* NULL: unknown (local pipe, etc.) */
	const char *client_name;       /* MTA's idea of the host name, or NULL */
	const char *daemon_name;       /* {daemon_name} */
	const char *daemon_addr;       /* {daemon_addr} */
	const char *if_addr;	       /* {if_addr} */
	int raw_header_values;	       /* header values keep their leading white space */
};

struct mx6_header_delete {
	const char *name;
	unsigned index;
};

struct mx6_header_add {
	const char *name;
	const char *value;
};

struct mx6_eom_actions {
	size_t ndelete;
	const struct mx6_header_delete *delete;
	size_t nadd;
	const struct mx6_header_add *add;
};

struct mx6_session;

struct mx6_session *mx6_session_new(struct mx6_config *cfg);
void mx6_session_free(struct mx6_session **s);

enum mx6_step mx6_session_connect(struct mx6_session *s,
				  const struct mx6_connect_info *info);
enum mx6_step mx6_session_helo(struct mx6_session *s, const char *helo);
enum mx6_step mx6_session_mail(struct mx6_session *s, const char *sender,
			       const char *auth_authen);
enum mx6_step mx6_session_rcpt(struct mx6_session *s, const char *rcpt);
enum mx6_step mx6_session_header(struct mx6_session *s, const char *name,
				 const char *value);
enum mx6_step mx6_session_eoh(struct mx6_session *s);
enum mx6_step mx6_session_body(struct mx6_session *s, const unsigned char *chunk,
			       size_t len);
enum mx6_step mx6_session_eom(struct mx6_session *s,
			      struct mx6_eom_actions *actions_r);
void mx6_session_abort(struct mx6_session *s);

/* Queue id for log lines ("NOQUEUE" until set); NULL or "" is ignored. */
void mx6_session_set_queue_id(struct mx6_session *s, const char *queue_id);

/* The reply for the last TEMPFAIL/REJECT step (until the next message). */
const struct mx6_reply *mx6_session_reply(const struct mx6_session *s);

/* 1 when the client is native IPv6 (decisions apply), else 0. */
int mx6_session_is_ipv6(const struct mx6_session *s);

/* Explanation for mx6-check: last verdict, action, listener, AR value. */
const struct mx6_verdict *mx6_session_verdict(const struct mx6_session *s);
enum mx6_action mx6_session_action(const struct mx6_session *s);
enum mx6_stage mx6_session_decided_at(const struct mx6_session *s);
enum mx6_mode mx6_session_mode(const struct mx6_session *s);
const char *mx6_session_listener(const struct mx6_session *s);
/* Our Authentication-Results value for the message (computed if needed). */
const char *mx6_session_authres(struct mx6_session *s);
const char *mx6_session_verdict_header(const struct mx6_session *s);

#endif
