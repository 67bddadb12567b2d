/*
 * NAME
 *	check_session 1
 * SUMMARY
 *	unit tests for lib/session.c: the engine without libmilter
 * DESCRIPTION
 *	Each test writes a milter.conf (and its lists) into a scratch
 *	directory, plays one SMTP connection through lib/session.h the way
 *	milter/callbacks.c does, and checks what the MTA would be told: the
 *	step at each callback, the exact reply lines, the headers deleted
 *	(name and index) and added (name and value), and the decision log
 *	line.
 */
#include "autoconf.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "session.h"
#include "unit.h"

static char *dir;
static struct mx6_config *cfg;
static struct mx6_session *s;
static struct mx6_eom_actions actions;

static void setup(void)
{
	dir = unit_mkdir();
	cfg = NULL;
	s = NULL;
	memset(&actions, 0, sizeof(actions));
	/* Decision lines would clutter the test log; one test captures them. */
	mx6_log_open("check_session", LOG_MAIL, 0, 0);
}

static void teardown(void)
{
	mx6_session_free(&s);
	mx6_config_unref(&cfg);
	free(dir);
}

static void report_fail(void *ctx, const char *message)
{
	(void)ctx;
	ck_abort_msg("configuration refused: %s", message);
}

/*
 * Load TEXT as dir/milter.conf into cfg, after a base that names the
 * authserv-id, switches iprev off and gives the resolver local zones that
 * answer every name with NXDOMAIN at once: SPF, DKIM and DMARC run for
 * real and find nothing (spf=none, dkim=none, dmarc=none).
 */
static void configure(const char *text)
{
	char *full = unit_strdupf("authserv_id = mx.test\niprev = no\n"
				  "dns_unbound_conf = offline.conf\n%s",
				  text);
	char *path = unit_write(dir, "milter.conf", full);

	unit_put(dir, "offline.conf", "server:\n  local-zone: \".\" static\n");
	mx6_config_unref(&cfg);
	cfg = mx6_config_load(path, report_fail, NULL);
	ck_assert_ptr_nonnull(cfg);
	free(path);
	free(full);
}

/* A new session on cfg; CLIENT NULL for an unknown address. */
static void connect_from(const char *client, const char *daemon_name,
			 const char *daemon_addr)
{
	struct mx6_addr addr;
	struct mx6_connect_info info;

	memset(&info, 0, sizeof(info));
	if (client != NULL) {
		ck_assert_int_eq(mx6_addr_parse(client, &addr), 0);
		info.client = &addr;
	}
	info.client_name = "mail.example.org";
	info.daemon_name = daemon_name;
	info.daemon_addr = daemon_addr;
	mx6_session_free(&s);
	s = mx6_session_new(cfg);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(mx6_session_connect(s, &info), MX6_STEP_CONTINUE);
}

static void start_message(void)
{
	ck_assert_int_eq(mx6_session_helo(s, "mx.example.org"), MX6_STEP_CONTINUE);
	ck_assert_int_eq(mx6_session_mail(s, "<a@example.org>", NULL), MX6_STEP_CONTINUE);
}

static void header(const char *name, const char *value)
{
	ck_assert_int_eq(mx6_session_header(s, name, value), MX6_STEP_CONTINUE);
}

/* End of headers and the body; returns the step of end of message. */
static enum mx6_step finish_message(void)
{
	static const unsigned char body[] = "Hello.\r\n";

	ck_assert_int_eq(mx6_session_eoh(s), MX6_STEP_CONTINUE);
	ck_assert_int_eq(mx6_session_body(s, body, sizeof(body) - 1), MX6_STEP_SKIP);
	return mx6_session_eom(s, &actions);
}

/* The reply of the last refusal is CODE XCODE with exactly these lines. */
static void assert_reply(const char *code, const char *xcode, unsigned nlines, ...)
{
	const struct mx6_reply *r = mx6_session_reply(s);
	va_list ap;
	unsigned i;

	ck_assert_str_eq(r->code, code);
	ck_assert_str_eq(r->xcode, xcode);
	ck_assert_uint_eq(r->nlines, nlines);
	va_start(ap, nlines);
	for (i = 0; i < nlines; i++)
		ck_assert_str_eq(r->lines[i], va_arg(ap, const char *));
	va_end(ap);
}

/* End of message added exactly these headers: name, value, name, value... */
static void assert_adds(size_t n, ...)
{
	va_list ap;
	size_t i;

	ck_assert_uint_eq(actions.nadd, n);
	va_start(ap, n);
	for (i = 0; i < n; i++) {
		ck_assert_str_eq(actions.add[i].name, va_arg(ap, const char *));
		ck_assert_str_eq(actions.add[i].value, va_arg(ap, const char *));
	}
	va_end(ap);
}

/* End of message deleted exactly these headers: name, index, name, index... */
static void assert_deletes(size_t n, ...)
{
	va_list ap;
	size_t i;

	ck_assert_uint_eq(actions.ndelete, n);
	va_start(ap, n);
	for (i = 0; i < n; i++) {
		ck_assert_str_eq(actions.delete[i].name, va_arg(ap, const char *));
		ck_assert_uint_eq(actions.delete[i].index, va_arg(ap, unsigned));
	}
	va_end(ap);
}

#define DEFER_TEXT                                                                       \
	"Not accepted over IPv6: message must pass SPF or DKIM or come from a known "    \
	"sender; "                                                                       \
	"please retry over IPv4"
#define MX6_TEXT "MX6: please retry this message over IPv4"

/* What the offline resolver lets authentication find for <a@example.org>. */
#define AR_EOM                                                                          \
	"mx.test;\n\tspf=none smtp.mailfrom=example.org;\n\tdkim=none;\n\t"          \
	"dmarc=permerror (no single RFC5322.From domain)"
#define AR_LINES_EOM                                                                    \
	"Authentication-Results: mx.test;", "  spf=none smtp.mailfrom=example.org;",      \
		"  dkim=none;", "  dmarc=permerror (no single RFC5322.From domain)"
#define AR_LINES_RCPT                                                                   \
	"Authentication-Results: mx.test;", "  spf=none smtp.mailfrom=example.org"
#define REASONS_RCPT "unlisted,spf:none"
#define REASONS_EOM "unlisted,spf:none,dkim:none,dmarc:permerror"

/* Defensive mode */

START_TEST(unknown_ipv6_is_deferred_at_every_recipient)
{
	configure("");
	connect_from("2001:db8::1", NULL, NULL);
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_TEMPFAIL);
	assert_reply("450", "4.7.26", 1, DEFER_TEXT);
	ck_assert_int_eq(mx6_session_rcpt(s, "<c@mx.test>"), MX6_STEP_TEMPFAIL);
	assert_reply("450", "4.7.26", 1, DEFER_TEXT);
	ck_assert_int_eq(mx6_session_verdict(s)->class, MX6_CLASS_UNKNOWN);
	ck_assert_str_eq(mx6_session_verdict(s)->reasons, REASONS_RCPT);
	ck_assert_int_eq(mx6_session_action(s), MX6_ACTION_DEFER);
	ck_assert_int_eq(mx6_session_decided_at(s), MX6_STAGE_RCPT);
}
END_TEST

START_TEST(unknown_ipv6_is_deferred_at_rcpt_when_the_greenlist_does_not_list_it)
{
	unit_put(dir, "ip_greenlist", "2001:db8:2::/48\n");
	configure("ip_greenlist = ip_greenlist\n");
	connect_from("2001:db8::1", NULL, NULL);
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_TEMPFAIL);
	assert_reply("450", "4.7.26", 1, DEFER_TEXT);
}
END_TEST

START_TEST(whitelisted_ipv6_is_accepted_as_trusted)
{
	char *verdict;

	unit_put(dir, "ip_whitelist", "# partners\n2001:db8:1::/48\n");
	configure("ip_whitelist = ip_whitelist\n");
	connect_from("2001:db8:1::25", NULL, NULL);
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_CONTINUE);
	header("Subject", "hello");
	ck_assert_int_eq(finish_message(), MX6_STEP_ACCEPT);
	verdict = unit_strdupf("trusted; reason=ip_whitelist; source=%s/ip_whitelist:2",
			       dir);
	assert_adds(2, "Authentication-Results", AR_EOM, "X-MX6-Verdict",
		    verdict);
	assert_deletes(0);
	ck_assert_str_eq(mx6_session_verdict_header(s), verdict);
	ck_assert_str_eq(mx6_session_authres(s), AR_EOM);
	free(verdict);
}
END_TEST

START_TEST(greenlisted_ipv6_is_accepted_as_green)
{
	char *verdict;

	unit_put(dir, "ip_greenlist", "2001:db8:9::/48\n\n2001:db8:2::/48\n");
	configure("ip_greenlist = ip_greenlist\n");
	connect_from("2001:db8:2::25", NULL, NULL);
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_CONTINUE);
	ck_assert_int_eq(finish_message(), MX6_STEP_ACCEPT);
	verdict =
		unit_strdupf("green; reason=ip_greenlist; source=%s/ip_greenlist:3", dir);
	assert_adds(2, "Authentication-Results", AR_EOM, "X-MX6-Verdict",
		    verdict);
	free(verdict);
}
END_TEST

START_TEST(whitelist_wins_over_greenlist)
{
	char *verdict;

	unit_put(dir, "wl", "2001:db8::/32\n");
	unit_put(dir, "gl", "2001:db8::/32\n");
	configure("ip_whitelist = wl\nip_greenlist = gl\n");
	connect_from("2001:db8::1", NULL, NULL);
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_CONTINUE);
	ck_assert_int_eq(finish_message(), MX6_STEP_ACCEPT);
	verdict = unit_strdupf("trusted; reason=ip_whitelist; source=%s/wl:1", dir);
	assert_adds(2, "Authentication-Results", AR_EOM, "X-MX6-Verdict",
		    verdict);
	free(verdict);
}
END_TEST

START_TEST(add_authres_no_adds_only_the_verdict)
{
	char *verdict;

	unit_put(dir, "wl", "2001:db8::/32\n");
	configure("ip_whitelist = wl\nadd_authres = no\n");
	connect_from("2001:db8::1", NULL, NULL);
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_CONTINUE);
	ck_assert_int_eq(finish_message(), MX6_STEP_ACCEPT);
	verdict = unit_strdupf("trusted; reason=ip_whitelist; source=%s/wl:1", dir);
	assert_adds(1, "X-MX6-Verdict", verdict);
	free(verdict);
}
END_TEST

START_TEST(custom_defer_reply_is_sent)
{
	configure("defer_reply = 451 4.7.1 Not over IPv6 here\\nPlease use IPv4, 100% "
		  "sure\n");
	connect_from("2001:db8::1", NULL, NULL);
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_TEMPFAIL);
	assert_reply("451", "4.7.1", 2, "Not over IPv6 here",
		     "Please use IPv4, 100% sure");
}
END_TEST

START_TEST(reply_authres_all_adds_the_authres_line_to_deferrals)
{
	configure("reply_authres = all\n");
	connect_from("2001:db8::1", NULL, NULL);
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_TEMPFAIL);
	assert_reply("450", "4.7.26", 3, DEFER_TEXT, AR_LINES_RCPT);
}
END_TEST

START_TEST(registration_url_ends_a_deferral_too)
{
	configure("registration_url = https://mx.test/register\n");
	connect_from("2001:db8::1", NULL, NULL);
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_TEMPFAIL);
	assert_reply("450", "4.7.26", 2, DEFER_TEXT, "See https://mx.test/register");
}
END_TEST

/* MX6 mode */

START_TEST(mx6_mode_rejects_unknown_ipv6_after_data)
{
	configure("default_mode = mx6\nregistration_url = https://mx.test/register\n");
	connect_from("2001:db8::1", NULL, NULL);
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_CONTINUE);
	header("Subject", "hello");
	ck_assert_int_eq(finish_message(), MX6_STEP_REJECT);
	assert_reply("550", "5.7.26", 6, MX6_TEXT, AR_LINES_EOM,
		     "See https://mx.test/register");
	assert_adds(0);
	ck_assert_int_eq(mx6_session_action(s), MX6_ACTION_MX6_REJECT);
	ck_assert_int_eq(mx6_session_decided_at(s), MX6_STAGE_EOM);
}
END_TEST

START_TEST(mx6_mode_reply_without_url_has_the_authres_line)
{
	configure("default_mode = mx6\n");
	connect_from("2001:db8::1", NULL, NULL);
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_CONTINUE);
	ck_assert_int_eq(finish_message(), MX6_STEP_REJECT);
	assert_reply("550", "5.7.26", 5, MX6_TEXT, AR_LINES_EOM);
}
END_TEST

START_TEST(reply_authres_no_keeps_the_mx6_reply_bare)
{
	configure("default_mode = mx6\nreply_authres = no\n");
	connect_from("2001:db8::1", NULL, NULL);
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_CONTINUE);
	ck_assert_int_eq(finish_message(), MX6_STEP_REJECT);
	assert_reply("550", "5.7.26", 1, MX6_TEXT);
}
END_TEST

START_TEST(mx6_reply_of_32_lines_keeps_the_url_as_the_32nd)
{
	char text[1024] = "default_mode = mx6\nregistration_url = https://mx.test/r\n"
			  "mx6_reply = 550 5.7.26 line";
	const struct mx6_reply *r;
	int i;

	for (i = 2; i <= 32; i++)
		strcat(text, "\\nline");
	strcat(text, "\n");
	configure(text);
	connect_from("2001:db8::1", NULL, NULL);
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_CONTINUE);
	ck_assert_int_eq(finish_message(), MX6_STEP_REJECT);
	r = mx6_session_reply(s);
	ck_assert_uint_eq(r->nlines, 32);
	ck_assert_str_eq(r->lines[30], "line");
	ck_assert_str_eq(r->lines[31], "See https://mx.test/r");
}
END_TEST

START_TEST(mx6_mode_accepts_whitelisted_ipv6)
{
	char *verdict;

	unit_put(dir, "wl", "2001:db8::/32\n");
	configure("default_mode = mx6\nip_whitelist = wl\n");
	connect_from("2001:db8::1", NULL, NULL);
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_CONTINUE);
	ck_assert_int_eq(finish_message(), MX6_STEP_ACCEPT);
	verdict = unit_strdupf("trusted; reason=ip_whitelist; source=%s/wl:1", dir);
	assert_adds(2, "Authentication-Results", AR_EOM, "X-MX6-Verdict",
		    verdict);
	free(verdict);
}
END_TEST

/* Report mode */

START_TEST(report_mode_accepts_unknown_ipv6_and_says_what_would_have_happened)
{
	configure("default_mode = report\n");
	connect_from("2001:db8::1", NULL, NULL);
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_CONTINUE);
	ck_assert_int_eq(finish_message(), MX6_STEP_ACCEPT);
	assert_adds(2, "Authentication-Results", AR_EOM, "X-MX6-Verdict",
		    "unknown would-defer; reason=" REASONS_EOM);
	ck_assert_int_eq(mx6_session_action(s), MX6_ACTION_REPORT);
}
END_TEST

/* No decision: IPv4, unknown address, mode off */

START_TEST(ipv4_client_is_never_refused_and_gets_no_headers)
{
	configure("");
	connect_from("192.0.2.1", NULL, NULL);
	ck_assert_int_eq(mx6_session_is_ipv6(s), 0);
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_CONTINUE);
	ck_assert_int_eq(mx6_session_rcpt(s, "<c@mx.test>"), MX6_STEP_CONTINUE);
	ck_assert_int_eq(finish_message(), MX6_STEP_ACCEPT);
	assert_adds(0);
	assert_deletes(0);
	ck_assert_int_eq(mx6_session_verdict(s)->class, MX6_CLASS_NONE);
	ck_assert_str_eq(mx6_session_verdict(s)->reasons, "ipv4");
}
END_TEST

START_TEST(ipv4_client_is_never_refused_in_mx6_mode)
{
	configure("default_mode = mx6\n");
	connect_from("192.0.2.1", NULL, NULL);
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_CONTINUE);
	ck_assert_int_eq(finish_message(), MX6_STEP_ACCEPT);
	assert_adds(0);
}
END_TEST

START_TEST(ipv4_mapped_client_is_treated_as_ipv4)
{
	configure("");
	connect_from("::ffff:192.0.2.1", NULL, NULL);
	ck_assert_int_eq(mx6_session_is_ipv6(s), 0);
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_CONTINUE);
	ck_assert_int_eq(finish_message(), MX6_STEP_ACCEPT);
	assert_adds(0);
	assert_deletes(0);
}
END_TEST

START_TEST(unknown_client_address_is_never_refused)
{
	configure("default_mode = mx6\n");
	connect_from(NULL, NULL, NULL);
	ck_assert_int_eq(mx6_session_is_ipv6(s), 0);
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_CONTINUE);
	ck_assert_int_eq(finish_message(), MX6_STEP_ACCEPT);
	assert_adds(0);
}
END_TEST

START_TEST(mode_off_steps_aside_for_ipv6)
{
	unit_put(dir, "wl", "2001:db8::/32\n");
	configure("ip_whitelist = wl\nlistener = mta-v4 off\n");
	connect_from("2001:db8:5::1", "mta-v4", NULL);
	ck_assert_int_eq(mx6_session_is_ipv6(s), 1);
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_CONTINUE);
	ck_assert_int_eq(finish_message(), MX6_STEP_ACCEPT);
	assert_adds(0);
	ck_assert_str_eq(mx6_session_verdict(s)->reasons, "mode-off");
	/* A whitelisted client in mode off gets no verdict header either. */
	connect_from("2001:db8::1", "mta-v4", NULL);
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_CONTINUE);
	ck_assert_int_eq(finish_message(), MX6_STEP_ACCEPT);
	assert_adds(0);
}
END_TEST

/* Forged headers */

START_TEST(forged_verdict_headers_are_deleted_highest_index_first)
{
	unit_put(dir, "wl", "2001:db8::/32\n");
	configure("ip_whitelist = wl\n");
	connect_from("2001:db8::1", NULL, NULL);
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_CONTINUE);
	header("X-MX6-Verdict", "trusted; reason=ip_whitelist");
	header("Subject", "hello");
	header("X-MX6-Verdict", "trusted");
	header("X-MX6-Verdict", "green");
	ck_assert_int_eq(finish_message(), MX6_STEP_ACCEPT);
	assert_deletes(3, "X-MX6-Verdict", 3u, "X-MX6-Verdict", 2u, "X-MX6-Verdict", 1u);
}
END_TEST

START_TEST(only_authres_headers_with_our_id_are_deleted)
{
	unit_put(dir, "wl", "2001:db8::/32\n");
	configure("ip_whitelist = wl\n");
	connect_from("2001:db8::1", NULL, NULL);
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_CONTINUE);
	header("Authentication-Results", "mx.test; spf=pass smtp.mailfrom=example.org");
	header("Authentication-Results", "relay.example.org; spf=pass");
	header("Authentication-Results", "(forged) MX.TEST; dkim=pass");
	header("Authentication-Results", "mx.test.example.org; none");
	ck_assert_int_eq(finish_message(), MX6_STEP_ACCEPT);
	assert_deletes(2, "Authentication-Results", 3u, "Authentication-Results", 1u);
}
END_TEST

START_TEST(forged_header_names_match_in_any_case)
{
	configure("default_mode = report\n");
	connect_from("2001:db8::1", NULL, NULL);
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_CONTINUE);
	header("x-mx6-verdict", "trusted");
	header("AUTHENTICATION-RESULTS", "mx.test; none");
	ck_assert_int_eq(finish_message(), MX6_STEP_ACCEPT);
	assert_deletes(2, "X-MX6-Verdict", 1u, "Authentication-Results", 1u);
}
END_TEST

START_TEST(forged_headers_are_deleted_from_ipv4_mail_too)
{
	configure("");
	connect_from("192.0.2.1", NULL, NULL);
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_CONTINUE);
	header("X-MX6-Verdict", "trusted");
	header("Authentication-Results", "other.example; none");
	header("Authentication-Results", "mx.test; spf=pass");
	ck_assert_int_eq(finish_message(), MX6_STEP_ACCEPT);
	assert_deletes(2, "X-MX6-Verdict", 1u, "Authentication-Results", 2u);
	assert_adds(0);
}
END_TEST

START_TEST(forged_headers_are_deleted_from_refused_mail_too)
{
	configure("default_mode = mx6\n");
	connect_from("2001:db8::1", NULL, NULL);
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_CONTINUE);
	header("X-MX6-Verdict", "trusted");
	ck_assert_int_eq(finish_message(), MX6_STEP_REJECT);
	assert_deletes(1, "X-MX6-Verdict", 1u);
}
END_TEST

START_TEST(too_many_forged_headers_defer_ipv6_with_an_internal_error)
{
	unsigned i;

	unit_put(dir, "wl", "2001:db8::/32\n");
	configure("ip_whitelist = wl\n");
	connect_from("2001:db8::1", NULL, NULL);
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_CONTINUE);
	for (i = 0; i < 65537; i++)
		header("X-MX6-Verdict", "trusted");
	ck_assert_int_eq(finish_message(), MX6_STEP_TEMPFAIL);
	assert_reply("451", "4.3.0", 1, "Internal error in mx6-milter; please retry");
	assert_adds(0);
	assert_deletes(0);
}
END_TEST

START_TEST(too_many_forged_headers_never_refuse_ipv4)
{
	unsigned i;

	configure("");
	connect_from("192.0.2.1", NULL, NULL);
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_CONTINUE);
	for (i = 0; i < 65537; i++)
		header("X-MX6-Verdict", "trusted");
	ck_assert_int_eq(finish_message(), MX6_STEP_ACCEPT);
	assert_adds(0);
	assert_deletes(0);
}
END_TEST

/* Several messages in one session */

START_TEST(abort_forgets_the_message)
{
	configure("default_mode = report\n");
	connect_from("2001:db8::1", NULL, NULL);
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_CONTINUE);
	header("Authentication-Results", "other.example; none");
	header("Authentication-Results", "mx.test; none");
	header("X-MX6-Verdict", "trusted");
	mx6_session_abort(s);

	/* Whatever the MTA sends next is counted from scratch. */
	header("Authentication-Results", "mx.test; none");
	ck_assert_int_eq(finish_message(), MX6_STEP_ACCEPT);
	assert_deletes(1, "Authentication-Results", 1u);
}
END_TEST

START_TEST(second_message_is_decided_on_its_own)
{
	configure("default_mode = report\n");
	connect_from("2001:db8::1", NULL, NULL);
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_CONTINUE);
	header("X-MX6-Verdict", "trusted");
	header("X-MX6-Verdict", "trusted");
	ck_assert_int_eq(finish_message(), MX6_STEP_ACCEPT);
	assert_deletes(2, "X-MX6-Verdict", 2u, "X-MX6-Verdict", 1u);

	ck_assert_int_eq(mx6_session_mail(s, "<c@example.org>", NULL), MX6_STEP_CONTINUE);
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_CONTINUE);
	header("Subject", "second");
	ck_assert_int_eq(finish_message(), MX6_STEP_ACCEPT);
	assert_deletes(0);
	assert_adds(2, "Authentication-Results", AR_EOM, "X-MX6-Verdict",
		    "unknown would-defer; reason=" REASONS_EOM);
}
END_TEST

START_TEST(message_after_an_aborted_one_is_deferred_again)
{
	configure("");
	connect_from("2001:db8::1", NULL, NULL);
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_TEMPFAIL);
	mx6_session_abort(s);
	ck_assert_int_eq(mx6_session_mail(s, "<c@example.org>", NULL), MX6_STEP_CONTINUE);
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_TEMPFAIL);
	assert_reply("450", "4.7.26", 1, DEFER_TEXT);
}
END_TEST

/* Listeners */

static void configure_listeners(void)
{
	configure("default_mode = report\n"
		  "listener = mta-v6 defensive\n"
		  "listener = [2001:db8::25] mx6\n");
}

START_TEST(listener_is_chosen_by_daemon_name)
{
	configure_listeners();
	connect_from("2001:db8::1", "MTA-v6", NULL);
	ck_assert_int_eq(mx6_session_mode(s), MX6_MODE_DEFENSIVE);
	ck_assert_str_eq(mx6_session_listener(s), "mta-v6");
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_TEMPFAIL);
}
END_TEST

START_TEST(listener_is_chosen_by_daemon_addr)
{
	configure_listeners();
	connect_from("2001:db8::1", "smtpd", "2001:db8:0:0:0:0:0:25");
	ck_assert_int_eq(mx6_session_mode(s), MX6_MODE_MX6);
	ck_assert_str_eq(mx6_session_listener(s), "[2001:db8::25]");
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_CONTINUE);
	ck_assert_int_eq(finish_message(), MX6_STEP_REJECT);
}
END_TEST

START_TEST(no_listener_match_takes_default_mode)
{
	configure_listeners();
	connect_from("2001:db8::1", "smtpd", "2001:db8::26");
	ck_assert_int_eq(mx6_session_mode(s), MX6_MODE_REPORT);
	ck_assert_str_eq(mx6_session_listener(s), "default");
}
END_TEST

/* Configuration lifetime */

START_TEST(session_keeps_its_config_after_the_caller_drops_it)
{
	char *verdict;

	unit_put(dir, "wl", "2001:db8::/32\n");
	configure("ip_whitelist = wl\n");
	s = mx6_session_new(cfg);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(cfg->refcount, 2);
	/* A reload swaps the daemon's pointer and drops its reference. */
	mx6_config_unref(&cfg);
	ck_assert_ptr_null(cfg);
	{
		struct mx6_addr addr;
		struct mx6_connect_info info;

		memset(&info, 0, sizeof(info));
		ck_assert_int_eq(mx6_addr_parse("2001:db8::1", &addr), 0);
		info.client = &addr;
		ck_assert_int_eq(mx6_session_connect(s, &info), MX6_STEP_CONTINUE);
	}
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_CONTINUE);
	ck_assert_int_eq(finish_message(), MX6_STEP_ACCEPT);
	verdict = unit_strdupf("trusted; reason=ip_whitelist; source=%s/wl:1", dir);
	assert_adds(2, "Authentication-Results", AR_EOM, "X-MX6-Verdict",
		    verdict);
	free(verdict);
}
END_TEST

START_TEST(session_free_releases_the_config_and_clears_the_pointer)
{
	configure("");
	s = mx6_session_new(cfg);
	ck_assert_int_eq(cfg->refcount, 2);
	mx6_session_free(&s);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(cfg->refcount, 1);
}
END_TEST

/* Logging */

static int saved_stderr = -1;
static char *log_path;

static void capture_log(void)
{
	int fd;

	log_path = unit_strdupf("%s/log.XXXXXX", unit_scratch());
	fd = mkstemp(log_path);
	ck_assert_int_ge(fd, 0);
	saved_stderr = dup(STDERR_FILENO);
	ck_assert_int_ge(saved_stderr, 0);
	ck_assert_int_ge(dup2(fd, STDERR_FILENO), 0);
	close(fd);
	mx6_log_open("check_session", LOG_MAIL, 1, 0);
}

static char *captured_log(void)
{
	char *text;

	mx6_log_open("check_session", LOG_MAIL, 0, 0);
	ck_assert_int_ge(dup2(saved_stderr, STDERR_FILENO), 0);
	close(saved_stderr);
	text = unit_read(log_path);
	ck_assert_ptr_nonnull(text);
	free(log_path);
	return text;
}

START_TEST(deferral_is_logged_once_per_message)
{
	char *log;

	configure("");
	connect_from("2001:db8::1", NULL, NULL);
	capture_log();
	start_message();
	mx6_session_set_queue_id(s, "4AB12C3");
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_TEMPFAIL);
	ck_assert_int_eq(mx6_session_rcpt(s, "<c@mx.test>"), MX6_STEP_TEMPFAIL);
	log = captured_log();
	ck_assert_str_eq(
		log, "4AB12C3: client=[2001:db8::1] helo=mx.example.org "
		     "from=<a@example.org> listener=default mode=defensive class=unknown "
		     "action=defer reasons=" REASONS_RCPT " reply=\"450 4.7.26\"\n");
	free(log);
}
END_TEST

START_TEST(acceptance_is_logged_with_its_source)
{
	char *log, *expected;

	unit_put(dir, "wl", "\n2001:db8::/32\n");
	configure("ip_whitelist = wl\nlistener = mta-v6 defensive\n");
	connect_from("2001:db8::1", "mta-v6", NULL);
	capture_log();
	start_message();
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_CONTINUE);
	ck_assert_int_eq(finish_message(), MX6_STEP_ACCEPT);
	log = captured_log();
	expected = unit_strdupf("NOQUEUE: client=[2001:db8::1] helo=mx.example.org "
				"from=<a@example.org> listener=mta-v6 mode=defensive "
				"class=trusted action=accept reasons=ip_whitelist "
				"source=%s/wl:2\n",
				dir);
	ck_assert_str_eq(log, expected);
	free(expected);
	free(log);
}
END_TEST

START_TEST(log_fields_from_the_client_cannot_break_the_line)
{
	char *log;

	configure("");
	connect_from("2001:db8::1", NULL, NULL);
	capture_log();
	ck_assert_int_eq(mx6_session_helo(s, "evil \"host\"\r\nfake=1"),
			 MX6_STEP_CONTINUE);
	ck_assert_int_eq(mx6_session_mail(s, "<a b@example.org>", NULL),
			 MX6_STEP_CONTINUE);
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@mx.test>"), MX6_STEP_TEMPFAIL);
	log = captured_log();
	ck_assert_str_eq(
		log,
		"NOQUEUE: client=[2001:db8::1] helo=evil??host???fake=1 "
		"from=<a?b@example.org> listener=default mode=defensive "
		"class=unknown action=defer reasons=" REASONS_RCPT " reply=\"450 4.7.26\"\n");
	free(log);
}
END_TEST

static Suite *session_suite(void)
{
	Suite *s_ = suite_create("session");
	TCase *tc;

	tc = tcase_create("defensive");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, unknown_ipv6_is_deferred_at_every_recipient);
	tcase_add_test(
		tc, unknown_ipv6_is_deferred_at_rcpt_when_the_greenlist_does_not_list_it);
	tcase_add_test(tc, whitelisted_ipv6_is_accepted_as_trusted);
	tcase_add_test(tc, greenlisted_ipv6_is_accepted_as_green);
	tcase_add_test(tc, whitelist_wins_over_greenlist);
	tcase_add_test(tc, add_authres_no_adds_only_the_verdict);
	tcase_add_test(tc, custom_defer_reply_is_sent);
	tcase_add_test(tc, reply_authres_all_adds_the_authres_line_to_deferrals);
	tcase_add_test(tc, registration_url_ends_a_deferral_too);
	suite_add_tcase(s_, tc);

	tc = tcase_create("mx6 and report");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, mx6_mode_rejects_unknown_ipv6_after_data);
	tcase_add_test(tc, mx6_mode_reply_without_url_has_the_authres_line);
	tcase_add_test(tc, reply_authres_no_keeps_the_mx6_reply_bare);
	tcase_add_test(tc, mx6_reply_of_32_lines_keeps_the_url_as_the_32nd);
	tcase_add_test(tc, mx6_mode_accepts_whitelisted_ipv6);
	tcase_add_test(
		tc, report_mode_accepts_unknown_ipv6_and_says_what_would_have_happened);
	suite_add_tcase(s_, tc);

	tc = tcase_create("no decision");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ipv4_client_is_never_refused_and_gets_no_headers);
	tcase_add_test(tc, ipv4_client_is_never_refused_in_mx6_mode);
	tcase_add_test(tc, ipv4_mapped_client_is_treated_as_ipv4);
	tcase_add_test(tc, unknown_client_address_is_never_refused);
	tcase_add_test(tc, mode_off_steps_aside_for_ipv6);
	suite_add_tcase(s_, tc);

	tc = tcase_create("forged headers");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, forged_verdict_headers_are_deleted_highest_index_first);
	tcase_add_test(tc, only_authres_headers_with_our_id_are_deleted);
	tcase_add_test(tc, forged_header_names_match_in_any_case);
	tcase_add_test(tc, forged_headers_are_deleted_from_ipv4_mail_too);
	tcase_add_test(tc, forged_headers_are_deleted_from_refused_mail_too);
	tcase_add_test(tc, too_many_forged_headers_defer_ipv6_with_an_internal_error);
	tcase_add_test(tc, too_many_forged_headers_never_refuse_ipv4);
	suite_add_tcase(s_, tc);

	tc = tcase_create("messages");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, abort_forgets_the_message);
	tcase_add_test(tc, second_message_is_decided_on_its_own);
	tcase_add_test(tc, message_after_an_aborted_one_is_deferred_again);
	suite_add_tcase(s_, tc);

	tc = tcase_create("listeners and config");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, listener_is_chosen_by_daemon_name);
	tcase_add_test(tc, listener_is_chosen_by_daemon_addr);
	tcase_add_test(tc, no_listener_match_takes_default_mode);
	tcase_add_test(tc, session_keeps_its_config_after_the_caller_drops_it);
	tcase_add_test(tc, session_free_releases_the_config_and_clears_the_pointer);
	suite_add_tcase(s_, tc);

	tc = tcase_create("logging");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, deferral_is_logged_once_per_message);
	tcase_add_test(tc, acceptance_is_logged_with_its_source);
	tcase_add_test(tc, log_fields_from_the_client_cannot_break_the_line);
	suite_add_tcase(s_, tc);
	return s_;
}

int main(void)
{
	return unit_main(session_suite());
}
