/*
 * NAME
 *	check_policy 1
 * SUMMARY
 *	unit tests for lib/policy.c: the decision table of SPEC 3
 * DESCRIPTION
 *	mx6_decide() is pure, so these tests hand-build the evidence a
 *	gatherer would produce and read the verdict: class, reasons, the
 *	list and line that decided, and whether a temporary error kept a
 *	better class out of reach. mx6_action_for() is checked for every
 *	mode and class.
 */
#include "autoconf.h"

#include <check.h>
#include <string.h>

#include "policy.h"
#include "unit.h"

static const struct mx6_config no_config; /* mx6_decide() reads nothing from it yet */

static const char whitelist_path[] = "/etc/mx6-milter/ip_whitelist";
static const char greenlist_path[] = "/etc/mx6-milter/ip_greenlist";

/* A native IPv6 client; every signal OFF (not configured). */
static struct mx6_evidence ipv6_client(void)
{
	struct mx6_evidence ev;

	memset(&ev, 0, sizeof(ev));
	ev.client_known = 1;
	ev.client_ipv6 = 1;
	ck_assert_int_eq(mx6_addr_parse("2001:db8::1", &ev.client), 0);
	return ev;
}

static struct mx6_signal signal_of(enum mx6_sig_state state)
{
	struct mx6_signal sig;

	memset(&sig, 0, sizeof(sig));
	sig.state = state;
	return sig;
}

static struct mx6_signal match(const char *list, unsigned line)
{
	struct mx6_signal sig;

	memset(&sig, 0, sizeof(sig));
	sig.state = MX6_SIG_YES;
	sig.list = list;
	sig.line = line;
	return sig;
}

static struct mx6_verdict decide(enum mx6_mode mode, const struct mx6_evidence *ev,
				 enum mx6_stage stage)
{
	struct mx6_verdict v;

	/* Garbage in the output must not survive. */
	memset(&v, 0x5a, sizeof(v));
	mx6_decide(&no_config, mode, ev, stage, &v);
	return v;
}

/* Action table */

static const struct {
	enum mx6_mode mode;
	enum mx6_class cls;
	enum mx6_action action;
} table[] = {
	{MX6_MODE_DEFENSIVE, MX6_CLASS_TRUSTED, MX6_ACTION_ACCEPT},
	{MX6_MODE_DEFENSIVE, MX6_CLASS_GREEN, MX6_ACTION_ACCEPT},
	{MX6_MODE_DEFENSIVE, MX6_CLASS_UNKNOWN, MX6_ACTION_DEFER},
	{MX6_MODE_DEFENSIVE, MX6_CLASS_NONE, MX6_ACTION_NONE},
	{MX6_MODE_DEFENSIVE, MX6_CLASS_PENDING, MX6_ACTION_NONE},
	{MX6_MODE_MX6, MX6_CLASS_TRUSTED, MX6_ACTION_ACCEPT},
	{MX6_MODE_MX6, MX6_CLASS_GREEN, MX6_ACTION_ACCEPT},
	{MX6_MODE_MX6, MX6_CLASS_UNKNOWN, MX6_ACTION_MX6_REJECT},
	{MX6_MODE_MX6, MX6_CLASS_NONE, MX6_ACTION_NONE},
	{MX6_MODE_MX6, MX6_CLASS_PENDING, MX6_ACTION_NONE},
	{MX6_MODE_REPORT, MX6_CLASS_TRUSTED, MX6_ACTION_ACCEPT},
	{MX6_MODE_REPORT, MX6_CLASS_GREEN, MX6_ACTION_ACCEPT},
	{MX6_MODE_REPORT, MX6_CLASS_UNKNOWN, MX6_ACTION_REPORT},
	{MX6_MODE_REPORT, MX6_CLASS_NONE, MX6_ACTION_NONE},
	{MX6_MODE_REPORT, MX6_CLASS_PENDING, MX6_ACTION_NONE},
	{MX6_MODE_SUBMISSION, MX6_CLASS_TRUSTED, MX6_ACTION_ACCEPT},
	{MX6_MODE_SUBMISSION, MX6_CLASS_GREEN, MX6_ACTION_ACCEPT},
	{MX6_MODE_SUBMISSION, MX6_CLASS_UNKNOWN, MX6_ACTION_ACCEPT},
	{MX6_MODE_SUBMISSION, MX6_CLASS_NONE, MX6_ACTION_NONE},
	{MX6_MODE_SUBMISSION, MX6_CLASS_PENDING, MX6_ACTION_NONE},
	{MX6_MODE_OFF, MX6_CLASS_TRUSTED, MX6_ACTION_NONE},
	{MX6_MODE_OFF, MX6_CLASS_GREEN, MX6_ACTION_NONE},
	{MX6_MODE_OFF, MX6_CLASS_UNKNOWN, MX6_ACTION_NONE},
	{MX6_MODE_OFF, MX6_CLASS_NONE, MX6_ACTION_NONE},
	{MX6_MODE_OFF, MX6_CLASS_PENDING, MX6_ACTION_NONE},
};

START_TEST(action_for_each_mode_and_class)
{
	ck_assert_msg(mx6_action_for(table[_i].mode, table[_i].cls) == table[_i].action,
		      "mode %s, class %s: action %s, want %s",
		      mx6_mode_name(table[_i].mode), mx6_class_name(table[_i].cls),
		      mx6_action_name(mx6_action_for(table[_i].mode, table[_i].cls)),
		      mx6_action_name(table[_i].action));
}
END_TEST

START_TEST(names_used_in_logs_and_headers)
{
	ck_assert_str_eq(mx6_class_name(MX6_CLASS_PENDING), "pending");
	ck_assert_str_eq(mx6_class_name(MX6_CLASS_NONE), "none");
	ck_assert_str_eq(mx6_class_name(MX6_CLASS_TRUSTED), "trusted");
	ck_assert_str_eq(mx6_class_name(MX6_CLASS_GREEN), "green");
	ck_assert_str_eq(mx6_class_name(MX6_CLASS_UNKNOWN), "unknown");
	ck_assert_str_eq(mx6_action_name(MX6_ACTION_NONE), "none");
	ck_assert_str_eq(mx6_action_name(MX6_ACTION_ACCEPT), "accept");
	ck_assert_str_eq(mx6_action_name(MX6_ACTION_DEFER), "defer");
	ck_assert_str_eq(mx6_action_name(MX6_ACTION_MX6_REJECT), "reject");
	ck_assert_str_eq(mx6_action_name(MX6_ACTION_REPORT), "report");
	ck_assert_str_eq(mx6_stage_name(MX6_STAGE_CONNECT), "connect");
	ck_assert_str_eq(mx6_stage_name(MX6_STAGE_HELO), "helo");
	ck_assert_str_eq(mx6_stage_name(MX6_STAGE_MAIL), "mail");
	ck_assert_str_eq(mx6_stage_name(MX6_STAGE_RCPT), "rcpt");
	ck_assert_str_eq(mx6_stage_name(MX6_STAGE_EOM), "eom");
	ck_assert_str_eq(mx6_green_signal_reason(MX6_GREEN_IP), "ip_greenlist");
}
END_TEST

/* Step 1: no decision */

START_TEST(ipv4_client_gets_no_decision)
{
	struct mx6_evidence ev = ipv6_client();
	struct mx6_verdict v;

	ck_assert_int_eq(mx6_addr_parse("192.0.2.1", &ev.client), 0);
	ev.client_ipv6 = 0;
	ev.ip_whitelist = match(whitelist_path, 1);
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_EOM);
	ck_assert_int_eq(v.class, MX6_CLASS_NONE);
	ck_assert_str_eq(v.reasons, "ipv4");
	ck_assert_int_eq(v.temperror, 0);
	ck_assert_ptr_null(v.source_list);
}
END_TEST

START_TEST(unknown_client_address_gets_no_decision)
{
	struct mx6_evidence ev;
	struct mx6_verdict v;

	memset(&ev, 0, sizeof(ev));
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_RCPT);
	ck_assert_int_eq(v.class, MX6_CLASS_NONE);
	ck_assert_str_eq(v.reasons, "no-client-address");
	ck_assert_ptr_null(v.source_list);
}
END_TEST

START_TEST(mode_off_gets_no_decision)
{
	struct mx6_evidence ev = ipv6_client();
	struct mx6_verdict v;

	ev.ip_whitelist = signal_of(MX6_SIG_NO);
	ev.green[MX6_GREEN_IP] = signal_of(MX6_SIG_NO);
	v = decide(MX6_MODE_OFF, &ev, MX6_STAGE_EOM);
	ck_assert_int_eq(v.class, MX6_CLASS_NONE);
	ck_assert_str_eq(v.reasons, "mode-off");
	ck_assert_ptr_null(v.source_list);
}
END_TEST

/* Step 2: IP whitelist */

START_TEST(whitelisted_client_is_trusted_with_its_source)
{
	struct mx6_evidence ev = ipv6_client();
	struct mx6_verdict v;

	ev.ip_whitelist = match(whitelist_path, 12);
	ev.green[MX6_GREEN_IP] = signal_of(MX6_SIG_NO);
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_CONNECT);
	ck_assert_int_eq(v.class, MX6_CLASS_TRUSTED);
	ck_assert_str_eq(v.reasons, "ip_whitelist");
	ck_assert_int_eq(v.temperror, 0);
	ck_assert_ptr_eq(v.source_list, whitelist_path);
	ck_assert_uint_eq(v.source_line, 12);
}
END_TEST

START_TEST(whitelist_beats_greenlist)
{
	struct mx6_evidence ev = ipv6_client();
	struct mx6_verdict v;

	ev.ip_whitelist = match(whitelist_path, 3);
	ev.green[MX6_GREEN_IP] = match(greenlist_path, 7);
	v = decide(MX6_MODE_MX6, &ev, MX6_STAGE_EOM);
	ck_assert_int_eq(v.class, MX6_CLASS_TRUSTED);
	ck_assert_str_eq(v.reasons, "ip_whitelist");
	ck_assert_ptr_eq(v.source_list, whitelist_path);
	ck_assert_uint_eq(v.source_line, 3);
}
END_TEST

START_TEST(whitelist_decides_even_while_greenlist_is_pending)
{
	struct mx6_evidence ev = ipv6_client();
	struct mx6_verdict v;

	ev.ip_whitelist = match(whitelist_path, 3);
	ev.green[MX6_GREEN_IP] = signal_of(MX6_SIG_PENDING);
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_CONNECT);
	ck_assert_int_eq(v.class, MX6_CLASS_TRUSTED);
}
END_TEST

/* Step 6: greenlists */

START_TEST(greenlisted_client_is_green_with_its_source)
{
	struct mx6_evidence ev = ipv6_client();
	struct mx6_verdict v;

	ev.ip_whitelist = signal_of(MX6_SIG_NO);
	ev.green[MX6_GREEN_IP] = match(greenlist_path, 7);
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_RCPT);
	ck_assert_int_eq(v.class, MX6_CLASS_GREEN);
	ck_assert_str_eq(v.reasons, "ip_greenlist");
	ck_assert_int_eq(v.temperror, 0);
	ck_assert_ptr_eq(v.source_list, greenlist_path);
	ck_assert_uint_eq(v.source_line, 7);
}
END_TEST

START_TEST(greenlist_match_is_not_spoilt_by_a_whitelist_temperror)
{
	struct mx6_evidence ev = ipv6_client();
	struct mx6_verdict v;

	ev.ip_whitelist = signal_of(MX6_SIG_TEMPERR);
	ev.green[MX6_GREEN_IP] = match(greenlist_path, 7);
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_EOM);
	ck_assert_int_eq(v.class, MX6_CLASS_GREEN);
	ck_assert_str_eq(v.reasons, "ip_greenlist");
}
END_TEST

/* Step 7: unknown */

START_TEST(client_on_no_list_is_unknown_unlisted)
{
	struct mx6_evidence ev = ipv6_client();
	struct mx6_verdict v;

	ev.ip_whitelist = signal_of(MX6_SIG_NO);
	ev.green[MX6_GREEN_IP] = signal_of(MX6_SIG_NO);
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_RCPT);
	ck_assert_int_eq(v.class, MX6_CLASS_UNKNOWN);
	ck_assert_str_eq(v.reasons, "unlisted");
	ck_assert_int_eq(v.temperror, 0);
	ck_assert_ptr_null(v.source_list);
	ck_assert_uint_eq(v.source_line, 0);
}
END_TEST

START_TEST(nothing_configured_is_unknown_unlisted_at_the_first_stage)
{
	struct mx6_evidence ev = ipv6_client();
	struct mx6_verdict v;

	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_CONNECT);
	ck_assert_int_eq(v.class, MX6_CLASS_UNKNOWN);
	ck_assert_str_eq(v.reasons, "unlisted");
	ck_assert_int_eq(v.temperror, 0);
}
END_TEST

START_TEST(greenlist_temperror_is_unknown_temperror)
{
	struct mx6_evidence ev = ipv6_client();
	struct mx6_verdict v;

	ev.ip_whitelist = signal_of(MX6_SIG_NO);
	ev.green[MX6_GREEN_IP] = signal_of(MX6_SIG_TEMPERR);
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_RCPT);
	ck_assert_int_eq(v.class, MX6_CLASS_UNKNOWN);
	ck_assert_int_eq(v.temperror, 1);
	ck_assert_str_eq(v.reasons, "temperror");
	ck_assert_ptr_null(v.source_list);
}
END_TEST

START_TEST(whitelist_temperror_is_unknown_temperror)
{
	struct mx6_evidence ev = ipv6_client();
	struct mx6_verdict v;

	ev.ip_whitelist = signal_of(MX6_SIG_TEMPERR);
	ev.green[MX6_GREEN_IP] = signal_of(MX6_SIG_NO);
	v = decide(MX6_MODE_MX6, &ev, MX6_STAGE_EOM);
	ck_assert_int_eq(v.class, MX6_CLASS_UNKNOWN);
	ck_assert_int_eq(v.temperror, 1);
	ck_assert_str_eq(v.reasons, "temperror");
}
END_TEST

/* Pending evidence */

START_TEST(pending_greenlist_before_eom_is_pending)
{
	struct mx6_evidence ev = ipv6_client();
	struct mx6_verdict v;

	ev.ip_whitelist = signal_of(MX6_SIG_NO);
	ev.green[MX6_GREEN_IP] = signal_of(MX6_SIG_PENDING);
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_RCPT);
	ck_assert_int_eq(v.class, MX6_CLASS_PENDING);
	ck_assert_int_eq(mx6_action_for(MX6_MODE_DEFENSIVE, v.class), MX6_ACTION_NONE);
}
END_TEST

START_TEST(pending_whitelist_before_eom_is_pending_even_with_a_green_match)
{
	struct mx6_evidence ev = ipv6_client();
	struct mx6_verdict v;

	/* The whitelist could still make it trusted. */
	ev.ip_whitelist = signal_of(MX6_SIG_PENDING);
	ev.green[MX6_GREEN_IP] = match(greenlist_path, 7);
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_MAIL);
	ck_assert_int_eq(v.class, MX6_CLASS_PENDING);
}
END_TEST

START_TEST(pending_signal_at_eom_counts_as_no_match)
{
	struct mx6_evidence ev = ipv6_client();
	struct mx6_verdict v;

	ev.ip_whitelist = signal_of(MX6_SIG_PENDING);
	ev.green[MX6_GREEN_IP] = signal_of(MX6_SIG_PENDING);
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_EOM);
	ck_assert_int_eq(v.class, MX6_CLASS_UNKNOWN);
	ck_assert_str_eq(v.reasons, "unlisted");
	ck_assert_int_eq(v.temperror, 0);
	ck_assert_int_eq(mx6_action_for(MX6_MODE_DEFENSIVE, v.class), MX6_ACTION_DEFER);
}
END_TEST

START_TEST(pending_whitelist_at_eom_leaves_the_green_match)
{
	struct mx6_evidence ev = ipv6_client();
	struct mx6_verdict v;

	ev.ip_whitelist = signal_of(MX6_SIG_PENDING);
	ev.green[MX6_GREEN_IP] = match(greenlist_path, 7);
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_EOM);
	ck_assert_int_eq(v.class, MX6_CLASS_GREEN);
	ck_assert_str_eq(v.reasons, "ip_greenlist");
}
END_TEST

/* Purity */

START_TEST(same_evidence_gives_the_same_verdict)
{
	struct mx6_evidence ev = ipv6_client();
	struct mx6_verdict a, b;

	ev.ip_whitelist = signal_of(MX6_SIG_NO);
	ev.green[MX6_GREEN_IP] = match(greenlist_path, 7);
	a = decide(MX6_MODE_REPORT, &ev, MX6_STAGE_EOM);
	b = decide(MX6_MODE_REPORT, &ev, MX6_STAGE_EOM);
	ck_assert_int_eq(a.class, b.class);
	ck_assert_str_eq(a.reasons, b.reasons);
	ck_assert_ptr_eq(a.source_list, b.source_list);
	ck_assert_uint_eq(a.source_line, b.source_line);
	ck_assert_int_eq(a.temperror, b.temperror);
}
END_TEST

/* Steps 3 and 4: authentication failure and the domain whitelist */

static const char domain_whitelist_path[] = "/etc/mx6-milter/domain_whitelist";
static const char domain_greenlist_path[] = "/etc/mx6-milter/domain_greenlist";

/* The evidence of an IPv6 client on no IP list. */
static struct mx6_evidence unlisted_client(void)
{
	struct mx6_evidence ev = ipv6_client();

	ev.ip_whitelist = signal_of(MX6_SIG_NO);
	ev.green[MX6_GREEN_IP] = signal_of(MX6_SIG_NO);
	return ev;
}

/* The DKIM results of the evidence built here (the gatherer allocates them). */
static struct mx6_dkim_sig sigs[MX6_MAX_DKIM_SIGS];

static struct mx6_dkim_sig dkim_sig(const char *domain, enum mx6_auth result)
{
	struct mx6_dkim_sig sig;

	memset(&sig, 0, sizeof(sig));
	sig.result = result;
	strcpy(sig.domain, domain);
	strcpy(sig.selector, "sel");
	return sig;
}

START_TEST(auth_fail_is_unknown_whatever_the_lists_say)
{
	struct mx6_evidence ev = unlisted_client();
	struct mx6_verdict v;

	ev.auth_fail = signal_of(MX6_SIG_YES);
	ev.auth_fail_reason = "dmarc";
	ev.domain_whitelist = match(domain_whitelist_path, 4);
	ev.green[MX6_GREEN_IP] = match(greenlist_path, 7);
	ev.green[MX6_GREEN_DOMAIN] = match(domain_greenlist_path, 9);
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_EOM);
	ck_assert_int_eq(v.class, MX6_CLASS_UNKNOWN);
	ck_assert_str_eq(v.reasons, "auth-fail");
	ck_assert_int_eq(v.temperror, 0);
	ck_assert_ptr_null(v.source_list);
	ck_assert_uint_eq(v.source_line, 0);
}
END_TEST

START_TEST(auth_fail_reasons_start_with_auth_fail_then_the_facts)
{
	struct mx6_evidence ev = unlisted_client();
	struct mx6_verdict v;

	ev.auth_fail = signal_of(MX6_SIG_YES);
	ev.auth_fail_reason = "spf";
	ev.auth.spf_done = 1;
	ev.auth.spf = MX6_AUTH_FAIL;
	ev.auth.dkim_done = 1;
	v = decide(MX6_MODE_MX6, &ev, MX6_STAGE_EOM);
	ck_assert_int_eq(v.class, MX6_CLASS_UNKNOWN);
	ck_assert_str_eq(v.reasons, "auth-fail,spf:fail,dkim:none");
}
END_TEST

START_TEST(auth_fail_is_certain_before_eom_while_greenlists_are_pending)
{
	struct mx6_evidence ev = unlisted_client();
	struct mx6_verdict v;

	ev.auth_fail = signal_of(MX6_SIG_YES);
	ev.auth_fail_reason = "spf";
	ev.domain_whitelist = signal_of(MX6_SIG_PENDING);
	ev.green[MX6_GREEN_DOMAIN] = signal_of(MX6_SIG_PENDING);
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_MAIL);
	ck_assert_int_eq(v.class, MX6_CLASS_UNKNOWN);
	ck_assert_str_eq(v.reasons, "auth-fail");
}
END_TEST

START_TEST(ip_whitelist_beats_auth_fail)
{
	struct mx6_evidence ev = unlisted_client();
	struct mx6_verdict v;

	ev.ip_whitelist = match(whitelist_path, 5);
	ev.auth_fail = signal_of(MX6_SIG_YES);
	ev.auth_fail_reason = "spf";
	ev.auth.spf_done = 1;
	ev.auth.spf = MX6_AUTH_FAIL;
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_EOM);
	ck_assert_int_eq(v.class, MX6_CLASS_TRUSTED);
	ck_assert_str_eq(v.reasons, "ip_whitelist");
	ck_assert_ptr_eq(v.source_list, whitelist_path);
	ck_assert_uint_eq(v.source_line, 5);
}
END_TEST

START_TEST(whitelisted_domain_is_trusted_with_its_source)
{
	struct mx6_evidence ev = unlisted_client();
	struct mx6_verdict v;

	ev.auth_fail = signal_of(MX6_SIG_NO);
	ev.domain_whitelist = match(domain_whitelist_path, 4);
	v = decide(MX6_MODE_MX6, &ev, MX6_STAGE_EOM);
	ck_assert_int_eq(v.class, MX6_CLASS_TRUSTED);
	ck_assert_str_eq(v.reasons, "domain_whitelist");
	ck_assert_int_eq(v.temperror, 0);
	ck_assert_ptr_eq(v.source_list, domain_whitelist_path);
	ck_assert_uint_eq(v.source_line, 4);
}
END_TEST

START_TEST(domain_whitelist_beats_greenlists)
{
	struct mx6_evidence ev = unlisted_client();
	struct mx6_verdict v;

	ev.auth_fail = signal_of(MX6_SIG_NO);
	ev.domain_whitelist = match(domain_whitelist_path, 4);
	ev.green[MX6_GREEN_IP] = match(greenlist_path, 7);
	ev.green[MX6_GREEN_DOMAIN] = match(domain_greenlist_path, 9);
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_EOM);
	ck_assert_int_eq(v.class, MX6_CLASS_TRUSTED);
	ck_assert_str_eq(v.reasons, "domain_whitelist");
	ck_assert_ptr_eq(v.source_list, domain_whitelist_path);
	ck_assert_uint_eq(v.source_line, 4);
}
END_TEST

START_TEST(whitelisted_domain_waits_for_a_pending_auth_fail_before_eom)
{
	struct mx6_evidence ev = unlisted_client();
	struct mx6_verdict v;

	/* DMARC could still turn out to fail with p=reject. */
	ev.auth_fail = signal_of(MX6_SIG_PENDING);
	ev.domain_whitelist = match(domain_whitelist_path, 4);
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_RCPT);
	ck_assert_int_eq(v.class, MX6_CLASS_PENDING);
	ck_assert_str_eq(v.reasons, "");
	ck_assert_ptr_null(v.source_list);
	ck_assert_int_eq(mx6_action_for(MX6_MODE_DEFENSIVE, v.class), MX6_ACTION_NONE);
}
END_TEST

START_TEST(whitelisted_domain_is_trusted_at_eom_when_auth_fail_never_came)
{
	struct mx6_evidence ev = unlisted_client();
	struct mx6_verdict v;

	ev.auth_fail = signal_of(MX6_SIG_PENDING);
	ev.domain_whitelist = match(domain_whitelist_path, 4);
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_EOM);
	ck_assert_int_eq(v.class, MX6_CLASS_TRUSTED);
	ck_assert_str_eq(v.reasons, "domain_whitelist");
}
END_TEST

START_TEST(green_match_waits_for_a_pending_domain_whitelist_before_eom)
{
	struct mx6_evidence ev = unlisted_client();
	struct mx6_verdict v;

	/* The domain whitelist could still make it trusted. */
	ev.auth_fail = signal_of(MX6_SIG_NO);
	ev.domain_whitelist = signal_of(MX6_SIG_PENDING);
	ev.green[MX6_GREEN_IP] = match(greenlist_path, 7);
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_RCPT);
	ck_assert_int_eq(v.class, MX6_CLASS_PENDING);
	ck_assert_str_eq(v.reasons, "");
	ck_assert_ptr_null(v.source_list);
	ck_assert_uint_eq(v.source_line, 0);
}
END_TEST

START_TEST(green_match_waits_for_a_pending_auth_fail_before_eom)
{
	struct mx6_evidence ev = unlisted_client();
	struct mx6_verdict v;

	ev.auth_fail = signal_of(MX6_SIG_PENDING);
	ev.domain_whitelist = signal_of(MX6_SIG_NO);
	ev.green[MX6_GREEN_IP] = match(greenlist_path, 7);
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_MAIL);
	ck_assert_int_eq(v.class, MX6_CLASS_PENDING);
	ck_assert_str_eq(v.reasons, "");
	ck_assert_ptr_null(v.source_list);
}
END_TEST

START_TEST(domain_whitelist_temperror_alone_is_unknown_temperror)
{
	struct mx6_evidence ev = unlisted_client();
	struct mx6_verdict v;

	ev.auth_fail = signal_of(MX6_SIG_NO);
	ev.domain_whitelist = signal_of(MX6_SIG_TEMPERR);
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_EOM);
	ck_assert_int_eq(v.class, MX6_CLASS_UNKNOWN);
	ck_assert_int_eq(v.temperror, 1);
	ck_assert_str_eq(v.reasons, "temperror");
	ck_assert_ptr_null(v.source_list);
}
END_TEST

START_TEST(green_match_is_not_spoilt_by_a_domain_whitelist_temperror)
{
	struct mx6_evidence ev = unlisted_client();
	struct mx6_verdict v;

	ev.auth_fail = signal_of(MX6_SIG_NO);
	ev.domain_whitelist = signal_of(MX6_SIG_TEMPERR);
	ev.green[MX6_GREEN_IP] = match(greenlist_path, 7);
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_EOM);
	ck_assert_int_eq(v.class, MX6_CLASS_GREEN);
	ck_assert_int_eq(v.temperror, 0);
	ck_assert_str_eq(v.reasons, "ip_greenlist");
}
END_TEST

/* Authentication facts in the reasons of an unknown verdict */

START_TEST(auth_facts_follow_the_reason_in_the_order_spf_dkim_dmarc_iprev)
{
	struct mx6_evidence ev = unlisted_client();
	struct mx6_verdict v;

	ev.auth_fail = signal_of(MX6_SIG_NO);
	ev.auth.iprev_done = 1;
	ev.auth.iprev = MX6_AUTH_FAIL;
	ev.auth.dmarc_done = 1;
	ev.auth.dmarc = MX6_AUTH_FAIL;
	ev.auth.dkim_done = 1;
	ev.auth.dkim = sigs;
	ev.auth.ndkim = 2;
	ev.auth.dkim[0] = dkim_sig("esp.example", MX6_AUTH_FAIL);
	ev.auth.dkim[1] = dkim_sig("esp.example", MX6_AUTH_PASS);
	ev.auth.spf_done = 1;
	ev.auth.spf = MX6_AUTH_NONE;
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_EOM);
	ck_assert_int_eq(v.class, MX6_CLASS_UNKNOWN);
	ck_assert_str_eq(v.reasons, "unlisted,spf:none,dkim:pass,dmarc:fail,iprev:fail");
	ck_assert_int_eq(v.temperror, 0);
}
END_TEST

START_TEST(dkim_fact_is_the_first_result_when_no_signature_passed)
{
	struct mx6_evidence ev = unlisted_client();
	struct mx6_verdict v;

	ev.auth.dkim_done = 1;
	ev.auth.dkim = sigs;
	ev.auth.ndkim = 3;
	ev.auth.dkim[0] = dkim_sig("example.org", MX6_AUTH_PERMERROR);
	ev.auth.dkim[1] = dkim_sig("example.org", MX6_AUTH_FAIL);
	ev.auth.dkim[2] = dkim_sig("example.org", MX6_AUTH_TEMPERROR);
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_EOM);
	ck_assert_str_eq(v.reasons, "unlisted,dkim:permerror");
}
END_TEST

START_TEST(dkim_fact_is_none_without_signatures)
{
	struct mx6_evidence ev = unlisted_client();
	struct mx6_verdict v;

	ev.auth.dkim_done = 1;
	ev.auth.ndkim = 0;
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_EOM);
	ck_assert_str_eq(v.reasons, "unlisted,dkim:none");
}
END_TEST

START_TEST(only_checks_that_ran_give_facts)
{
	struct mx6_evidence ev = unlisted_client();
	struct mx6_verdict v;

	/* Results without their *_done flag are not facts yet. */
	ev.auth.spf = MX6_AUTH_FAIL;
	ev.auth.dmarc = MX6_AUTH_PASS;
	ev.auth.dkim = sigs;
	ev.auth.ndkim = 1;
	ev.auth.dkim[0] = dkim_sig("example.org", MX6_AUTH_PASS);
	ev.auth.iprev_done = 1;
	ev.auth.iprev = MX6_AUTH_PASS;
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_RCPT);
	ck_assert_int_eq(v.class, MX6_CLASS_UNKNOWN);
	ck_assert_str_eq(v.reasons, "unlisted,iprev:pass");
}
END_TEST

START_TEST(temperror_reason_is_followed_by_the_facts)
{
	struct mx6_evidence ev = unlisted_client();
	struct mx6_verdict v;

	ev.auth_fail = signal_of(MX6_SIG_NO);
	ev.domain_whitelist = signal_of(MX6_SIG_TEMPERR);
	ev.auth.spf_done = 1;
	ev.auth.spf = MX6_AUTH_TEMPERROR;
	ev.auth.dmarc_done = 1;
	ev.auth.dmarc = MX6_AUTH_TEMPERROR;
	v = decide(MX6_MODE_MX6, &ev, MX6_STAGE_EOM);
	ck_assert_int_eq(v.class, MX6_CLASS_UNKNOWN);
	ck_assert_int_eq(v.temperror, 1);
	ck_assert_str_eq(v.reasons, "temperror,spf:temperror,dmarc:temperror");
}
END_TEST

START_TEST(trusted_and_green_verdicts_carry_no_auth_facts)
{
	struct mx6_evidence ev = unlisted_client();
	struct mx6_verdict v;

	ev.auth.spf_done = 1;
	ev.auth.spf = MX6_AUTH_PASS;
	ev.auth.iprev_done = 1;
	ev.auth.iprev = MX6_AUTH_PASS;
	ev.green[MX6_GREEN_IPREV] = signal_of(MX6_SIG_YES);
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_EOM);
	ck_assert_int_eq(v.class, MX6_CLASS_GREEN);
	ck_assert_str_eq(v.reasons, "iprev");
	ev.domain_whitelist = match(domain_whitelist_path, 4);
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_EOM);
	ck_assert_int_eq(v.class, MX6_CLASS_TRUSTED);
	ck_assert_str_eq(v.reasons, "domain_whitelist");
}
END_TEST

/* Step 6: the other greenlist signals */

START_TEST(forward_confirmed_reverse_dns_is_green_with_reason_iprev)
{
	struct mx6_evidence ev = unlisted_client();
	struct mx6_verdict v;

	ev.green[MX6_GREEN_IPREV] = signal_of(MX6_SIG_YES);
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_EOM);
	ck_assert_int_eq(v.class, MX6_CLASS_GREEN);
	ck_assert_str_eq(v.reasons, "iprev");
	ck_assert_int_eq(v.temperror, 0);
	ck_assert_ptr_null(v.source_list);
	ck_assert_uint_eq(v.source_line, 0);
}
END_TEST

START_TEST(greenlisted_domain_is_green_with_its_source)
{
	struct mx6_evidence ev = unlisted_client();
	struct mx6_verdict v;

	ev.auth_fail = signal_of(MX6_SIG_NO);
	ev.domain_whitelist = signal_of(MX6_SIG_NO);
	ev.green[MX6_GREEN_DOMAIN] = match(domain_greenlist_path, 9);
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_EOM);
	ck_assert_int_eq(v.class, MX6_CLASS_GREEN);
	ck_assert_str_eq(v.reasons, "domain_greenlist");
	ck_assert_ptr_eq(v.source_list, domain_greenlist_path);
	ck_assert_uint_eq(v.source_line, 9);
}
END_TEST

START_TEST(every_green_match_is_reported_and_the_first_list_is_the_source)
{
	struct mx6_evidence ev = unlisted_client();
	struct mx6_verdict v;

	ev.green[MX6_GREEN_IPREV] = signal_of(MX6_SIG_YES);
	ev.green[MX6_GREEN_DOMAIN] = match(domain_greenlist_path, 9);
	ev.green[MX6_GREEN_IP] = match(greenlist_path, 7);
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_EOM);
	ck_assert_int_eq(v.class, MX6_CLASS_GREEN);
	ck_assert_str_eq(v.reasons, "ip_greenlist,domain_greenlist,iprev");
	ck_assert_ptr_eq(v.source_list, greenlist_path);
	ck_assert_uint_eq(v.source_line, 7);
}
END_TEST

START_TEST(source_comes_from_the_first_match_that_has_a_list)
{
	struct mx6_evidence ev = unlisted_client();
	struct mx6_verdict v;

	ev.green[MX6_GREEN_IPREV] = signal_of(MX6_SIG_YES);
	ev.green[MX6_GREEN_DOMAIN] = match(domain_greenlist_path, 9);
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_EOM);
	ck_assert_str_eq(v.reasons, "domain_greenlist,iprev");
	ck_assert_ptr_eq(v.source_list, domain_greenlist_path);
	ck_assert_uint_eq(v.source_line, 9);
}
END_TEST

START_TEST(new_green_signal_reasons)
{
	ck_assert_str_eq(mx6_green_signal_reason(MX6_GREEN_DOMAIN), "domain_greenlist");
	ck_assert_str_eq(mx6_green_signal_reason(MX6_GREEN_IPREV), "iprev");
}
END_TEST

/* At end of message */

START_TEST(pending_steps_at_eom_count_as_no_match)
{
	struct mx6_evidence ev = unlisted_client();
	struct mx6_verdict v;

	ev.auth_fail = signal_of(MX6_SIG_PENDING);
	ev.domain_whitelist = signal_of(MX6_SIG_PENDING);
	ev.green[MX6_GREEN_IP] = signal_of(MX6_SIG_PENDING);
	ev.green[MX6_GREEN_DOMAIN] = signal_of(MX6_SIG_PENDING);
	ev.green[MX6_GREEN_IPREV] = signal_of(MX6_SIG_PENDING);
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_EOM);
	ck_assert_int_eq(v.class, MX6_CLASS_UNKNOWN);
	ck_assert_str_eq(v.reasons, "unlisted");
	ck_assert_int_eq(v.temperror, 0);
	ck_assert_ptr_null(v.source_list);
}
END_TEST

START_TEST(pending_steps_at_eom_leave_a_green_match)
{
	struct mx6_evidence ev = unlisted_client();
	struct mx6_verdict v;

	ev.auth_fail = signal_of(MX6_SIG_PENDING);
	ev.domain_whitelist = signal_of(MX6_SIG_PENDING);
	ev.green[MX6_GREEN_DOMAIN] = match(domain_greenlist_path, 9);
	ev.green[MX6_GREEN_IPREV] = signal_of(MX6_SIG_PENDING);
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_EOM);
	ck_assert_int_eq(v.class, MX6_CLASS_GREEN);
	ck_assert_str_eq(v.reasons, "domain_greenlist");
	ck_assert_ptr_eq(v.source_list, domain_greenlist_path);
}
END_TEST

/* RDAP signals (SPEC 8a): a registration vouches only for an authenticated domain. */

static struct mx6_signal rdap_match(const char *list, unsigned line, const char *detail)
{
	struct mx6_signal sig = match(list, line);

	snprintf(sig.detail, sizeof(sig.detail), "%s", detail);
	return sig;
}

START_TEST(listed_registrar_of_an_authenticated_domain_is_green)
{
	struct mx6_evidence ev = unlisted_client();
	struct mx6_verdict v;
	char src[128];

	ev.auth_fail = signal_of(MX6_SIG_NO);
	snprintf(ev.auth.domain, sizeof(ev.auth.domain), "example.org");
	ev.green[MX6_GREEN_REGISTRAR] = rdap_match("/etc/mx6-milter/registrars", 4, "292");
	ev.green[MX6_GREEN_WHOIS_DOMAIN] = rdap_match(NULL, 0, "domain");
	ev.green[MX6_GREEN_WHOIS_NETWORK] = rdap_match(NULL, 0, "network");
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_EOM);
	ck_assert_int_eq(v.class, MX6_CLASS_GREEN);
	ck_assert_str_eq(v.reasons, "registrar:292,whois:domain,whois:network");
	ck_assert_str_eq(mx6_verdict_source(&v, src, sizeof(src)), "/etc/mx6-milter/registrars:4");
}
END_TEST

START_TEST(rdap_signals_without_an_authenticated_domain_count_for_nothing)
{
	struct mx6_evidence ev = unlisted_client();
	struct mx6_verdict v;

	ev.auth_fail = signal_of(MX6_SIG_NO);
	ev.green[MX6_GREEN_REGISTRAR] = rdap_match("/etc/mx6-milter/registrars", 4, "292");
	ev.green[MX6_GREEN_WHOIS_DOMAIN] = rdap_match(NULL, 0, "domain");
	ev.green[MX6_GREEN_WHOIS_NETWORK] = rdap_match(NULL, 0, "network");
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_EOM);
	ck_assert_int_eq(v.class, MX6_CLASS_UNKNOWN);
	ck_assert_int_eq(v.temperror, 0);
	ck_assert_str_eq(v.reasons, "unlisted");
	ck_assert_int_eq(mx6_green_signal_needs_domain(MX6_GREEN_REGISTRAR), 1);
	ck_assert_int_eq(mx6_green_signal_needs_domain(MX6_GREEN_DOMAIN), 0);
}
END_TEST

START_TEST(pending_rdap_signal_keeps_the_verdict_open_until_eom)
{
	struct mx6_evidence ev = unlisted_client();
	struct mx6_verdict v;

	ev.auth_fail = signal_of(MX6_SIG_PENDING);
	ev.green[MX6_GREEN_REGISTRAR] = signal_of(MX6_SIG_PENDING);
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_RCPT);
	ck_assert_int_eq(v.class, MX6_CLASS_PENDING);
	v = decide(MX6_MODE_DEFENSIVE, &ev, MX6_STAGE_EOM);
	ck_assert_int_eq(v.class, MX6_CLASS_UNKNOWN);
	ck_assert_str_eq(v.reasons, "unlisted");
}
END_TEST

static Suite *policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc;

	tc = tcase_create("actions");
	tcase_add_loop_test(tc, action_for_each_mode_and_class, 0,
			    (int)(sizeof(table) / sizeof(table[0])));
	tcase_add_test(tc, names_used_in_logs_and_headers);
	suite_add_tcase(s, tc);

	tc = tcase_create("decide");
	tcase_add_test(tc, ipv4_client_gets_no_decision);
	tcase_add_test(tc, unknown_client_address_gets_no_decision);
	tcase_add_test(tc, mode_off_gets_no_decision);
	tcase_add_test(tc, whitelisted_client_is_trusted_with_its_source);
	tcase_add_test(tc, whitelist_beats_greenlist);
	tcase_add_test(tc, whitelist_decides_even_while_greenlist_is_pending);
	tcase_add_test(tc, greenlisted_client_is_green_with_its_source);
	tcase_add_test(tc, greenlist_match_is_not_spoilt_by_a_whitelist_temperror);
	tcase_add_test(tc, client_on_no_list_is_unknown_unlisted);
	tcase_add_test(tc, nothing_configured_is_unknown_unlisted_at_the_first_stage);
	tcase_add_test(tc, greenlist_temperror_is_unknown_temperror);
	tcase_add_test(tc, whitelist_temperror_is_unknown_temperror);
	tcase_add_test(tc, pending_greenlist_before_eom_is_pending);
	tcase_add_test(tc,
		       pending_whitelist_before_eom_is_pending_even_with_a_green_match);
	tcase_add_test(tc, pending_signal_at_eom_counts_as_no_match);
	tcase_add_test(tc, pending_whitelist_at_eom_leaves_the_green_match);
	tcase_add_test(tc, same_evidence_gives_the_same_verdict);
	suite_add_tcase(s, tc);

	tc = tcase_create("authentication and domain steps");
	tcase_add_test(tc, auth_fail_is_unknown_whatever_the_lists_say);
	tcase_add_test(tc, auth_fail_reasons_start_with_auth_fail_then_the_facts);
	tcase_add_test(tc, auth_fail_is_certain_before_eom_while_greenlists_are_pending);
	tcase_add_test(tc, ip_whitelist_beats_auth_fail);
	tcase_add_test(tc, whitelisted_domain_is_trusted_with_its_source);
	tcase_add_test(tc, domain_whitelist_beats_greenlists);
	tcase_add_test(tc, whitelisted_domain_waits_for_a_pending_auth_fail_before_eom);
	tcase_add_test(tc, whitelisted_domain_is_trusted_at_eom_when_auth_fail_never_came);
	tcase_add_test(tc, green_match_waits_for_a_pending_domain_whitelist_before_eom);
	tcase_add_test(tc, green_match_waits_for_a_pending_auth_fail_before_eom);
	tcase_add_test(tc, domain_whitelist_temperror_alone_is_unknown_temperror);
	tcase_add_test(tc, green_match_is_not_spoilt_by_a_domain_whitelist_temperror);
	tcase_add_test(tc, auth_facts_follow_the_reason_in_the_order_spf_dkim_dmarc_iprev);
	tcase_add_test(tc, dkim_fact_is_the_first_result_when_no_signature_passed);
	tcase_add_test(tc, dkim_fact_is_none_without_signatures);
	tcase_add_test(tc, only_checks_that_ran_give_facts);
	tcase_add_test(tc, temperror_reason_is_followed_by_the_facts);
	tcase_add_test(tc, trusted_and_green_verdicts_carry_no_auth_facts);
	tcase_add_test(tc, forward_confirmed_reverse_dns_is_green_with_reason_iprev);
	tcase_add_test(tc, greenlisted_domain_is_green_with_its_source);
	tcase_add_test(tc, every_green_match_is_reported_and_the_first_list_is_the_source);
	tcase_add_test(tc, source_comes_from_the_first_match_that_has_a_list);
	tcase_add_test(tc, new_green_signal_reasons);
	tcase_add_test(tc, listed_registrar_of_an_authenticated_domain_is_green);
	tcase_add_test(tc, rdap_signals_without_an_authenticated_domain_count_for_nothing);
	tcase_add_test(tc, pending_rdap_signal_keeps_the_verdict_open_until_eom);
	tcase_add_test(tc, pending_steps_at_eom_count_as_no_match);
	tcase_add_test(tc, pending_steps_at_eom_leave_a_green_match);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_main(policy_suite());
}
