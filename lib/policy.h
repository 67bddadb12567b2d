/*
 * NAME
 *	policy 3h
 * SUMMARY
 *	the decision: evidence in, verdict out, no I/O
 * DESCRIPTION
 *	mx6_decide() applies SPEC 3 to the evidence known at STAGE and
 *	writes the verdict. It is pure: same inputs, same verdict; it reads
 *	only the config and the evidence.
 *
 *	MX6_CLASS_PENDING means "not certain yet": a signal that is still
 *	pending could change the class at a later stage. At MX6_STAGE_EOM all
 *	evidence is in and the class is never pending.
 *	MX6_CLASS_NONE means the milter takes no decision (IPv4 client,
 *	unknown client address, listener mode off).
 *
 *	reasons is a comma-separated list of reason tokens ("ip_whitelist",
 *	"ip_greenlist", "unlisted", "temperror", "auth-fail", "bounds" for an
 *	auth_fail whose auth_fail_reason is "bounds"); source names the list and
 *	line that decided a trusted or green verdict.
 *
 *	mx6_action_for() maps (mode, class) to what the milter does, per the
 *	table in SPEC 3.
 */
#ifndef MX6_POLICY_H
#define MX6_POLICY_H

#include "config.h"
#include "evidence.h"

enum mx6_stage {
	MX6_STAGE_CONNECT = 0,
	MX6_STAGE_HELO,
	MX6_STAGE_MAIL,
	MX6_STAGE_RCPT,
	MX6_STAGE_EOM,
};

enum mx6_class {
	MX6_CLASS_PENDING = 0,
	MX6_CLASS_NONE,
	MX6_CLASS_TRUSTED,
	MX6_CLASS_GREEN,
	MX6_CLASS_UNKNOWN,
};

enum mx6_action {
	MX6_ACTION_NONE = 0,	/* step aside */
	MX6_ACTION_ACCEPT,	/* accept with verdict headers */
	MX6_ACTION_DEFER,	/* defer_reply (or defer_reply_temperror) */
	MX6_ACTION_MX6_REJECT,	/* mx6_reply after DATA */
	MX6_ACTION_REPORT,	/* accept, header says what would have happened */
};

#define MX6_REASONS_MAX 256

struct mx6_verdict {
	enum mx6_class class;
	int temperror;			/* a temporary error kept a better class out of reach */
	char reasons[MX6_REASONS_MAX];
	const char *source_list;	/* owned by the config, or NULL */
	unsigned source_line;
};

void mx6_decide(const struct mx6_config *cfg, enum mx6_mode mode,
		const struct mx6_evidence *ev, enum mx6_stage stage,
		struct mx6_verdict *verdict_r);
enum mx6_action mx6_action_for(enum mx6_mode mode, enum mx6_class cls);

/* "LIST:LINE" (or "LIST" for a source without lines, such as a DNSWL zone)
 * into buf, "" when the verdict has no source; returns buf. */
char *mx6_verdict_source(const struct mx6_verdict *v, char *buf, size_t buflen);

const char *mx6_class_name(enum mx6_class cls);
const char *mx6_action_name(enum mx6_action action);
const char *mx6_stage_name(enum mx6_stage stage);

#endif
