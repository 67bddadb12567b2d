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
	struct mx6_signal sig = {state, NULL, 0};

	return sig;
}

static struct mx6_signal match(const char *list, unsigned line)
{
	struct mx6_signal sig = {MX6_SIG_YES, list, line};

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
	return s;
}

int main(void)
{
	return unit_main(policy_suite());
}
