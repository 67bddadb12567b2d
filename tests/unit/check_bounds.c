/*
 * NAME
 *	check_bounds 1
 * SUMMARY
 *	unit tests for the resource bounds (SPEC 10): max_headers,
 *	max_header_bytes, max_recipients, max_session_memory
 * DESCRIPTION
 *	Each bound is tested at its edge: exactly at the bound everything is
 *	inspected, one more field, byte or recipient is not, and evidence that
 *	depended on what was not inspected counts as missing (no From, so no
 *	authenticated domain; no DKIM), never as good. The gatherers are
 *	driven directly for the accounting, the session for what the MTA is
 *	told. The configuration keys' syntax and ranges are tested too.
 */
#include "autoconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "address.h"
#include "gather.h"
#include "log.h"
#include "session.h"
#include "unit.h"

static char *dir;
static struct mx6_config *cfg;
static struct mx6_evidence ev;
static struct mx6_gather g;
static char *last_error;

static void setup(void)
{
	dir = unit_mkdir();
	cfg = NULL;
	last_error = NULL;
	memset(&ev, 0, sizeof(ev));
	memset(&g, 0, sizeof(g));
	mx6_log_open("check_bounds", LOG_MAIL, 0, 0);
}

static void teardown(void)
{
	mx6_gather_reset(&g);
	free(ev.auth.dkim);
	mx6_config_unref(&cfg);
	free(last_error);
	free(dir);
}

static void keep_error(void *ctx, const char *message)
{
	(void)ctx;
	free(last_error);
	last_error = strdup(message);
}

/* Load TEXT after an offline base (every name NXDOMAIN at once); NULL if refused. */
static struct mx6_config *load(const char *text)
{
	char *full = unit_strdupf("authserv_id = mx.test\niprev = no\n"
				  "dns_unbound_conf = offline.conf\n%s",
				  text);
	char *path = unit_write(dir, "milter.conf", full);
	struct mx6_config *c;

	unit_put(dir, "offline.conf", "server:\n  local-zone: \".\" static\n");
	c = mx6_config_load(path, keep_error, NULL);
	free(path);
	free(full);
	return c;
}

static void configure(const char *text)
{
	cfg = load(text);
	ck_assert_msg(cfg != NULL, "configuration refused: %s", last_error);
}

/* An IPv6 client in defensive mode, MAIL FROM:<a@example.org>. */
static void start(void)
{
	ck_assert_int_eq(mx6_addr_parse("2001:db8::1", &ev.client), 0);
	ev.client_known = ev.client_ipv6 = 1;
	mx6_gather_connect(cfg, 1, 0, &ev);
	mx6_gather_mail(cfg, &ev, &g, "mx.example.org", "a@example.org");
	ck_assert_int_eq(g.active, 1);
}

/* A header field whose name and value take exactly BYTES bytes. */
static void filler(size_t bytes)
{
	char *value;

	ck_assert_uint_ge(bytes, 8);
	value = malloc(bytes - 6 + 1);
	ck_assert_ptr_nonnull(value);
	memset(value, 'x', bytes - 6);
	value[bytes - 6] = '\0';
	mx6_gather_header(cfg, &ev, &g, "X-Fill", value); /* name: 6 bytes */
	free(value);
}

#define FROM_VALUE "<a@example.org>" /* with "From": 19 bytes */

static void from_header(void)
{
	mx6_gather_header(cfg, &ev, &g, "From", FROM_VALUE);
}

static void end(void)
{
	mx6_gather_eoh(&g);
	mx6_gather_eom(cfg, &ev, &g);
}

START_TEST(defaults_are_sane)
{
	configure("");
	ck_assert_uint_eq(cfg->max_header_bytes, 128 * 1024);
	ck_assert_uint_eq(cfg->max_headers, 1000);
	ck_assert_uint_eq(cfg->max_recipients, 1000);
	ck_assert_uint_eq(cfg->max_session_memory, 1024 * 1024);
	ck_assert_uint_eq(cfg->max_sessions, 1000);
	ck_assert_uint_eq(cfg->max_dkim_signatures, 5);
}
END_TEST

START_TEST(sizes_take_k_and_m_suffixes)
{
	configure("max_header_bytes = 64k\nmax_session_memory = 2M\n");
	ck_assert_uint_eq(cfg->max_header_bytes, 65536);
	ck_assert_uint_eq(cfg->max_session_memory, 2 * 1024 * 1024);
	mx6_config_unref(&cfg);
	configure("max_header_bytes = 1024\nmax_session_memory = 16k\n");
	ck_assert_uint_eq(cfg->max_header_bytes, 1024);
	ck_assert_uint_eq(cfg->max_session_memory, 16384);
}
END_TEST

START_TEST(out_of_range_bounds_are_refused_with_file_and_line)
{
	static const char *const bad[] = {
		"max_header_bytes = 1023\n", "max_header_bytes = 65m\n",
		"max_header_bytes = 12x\n",  "max_header_bytes = k\n",
		"max_session_memory = 15k\n", "max_session_memory = 2048m\n",
		"max_headers = 0\n",	     "max_recipients = 1000001\n",
		"max_sessions = -1\n",	     "max_dkim_signatures = 17\n",
		"max_dkim_signatures = 0\n",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(load(bad[i]) == NULL, "accepted: %s", bad[i]);
		ck_assert_ptr_nonnull(last_error);
		ck_assert_msg(strstr(last_error, "milter.conf:4: ") != NULL, "%s", last_error);
	}
	configure("max_dkim_signatures = 16\nmax_headers = 1000000\nmax_sessions = 1\n");
	ck_assert_uint_eq(cfg->max_dkim_signatures, 16);
}
END_TEST

START_TEST(from_as_last_header_within_max_headers_is_seen)
{
	configure("max_headers = 3\n");
	start();
	filler(10);
	filler(10);
	from_header();
	end();
	ck_assert_int_eq(g.headers_truncated, 0);
	ck_assert_uint_eq(g.headers, 3);
	ck_assert_int_eq(ev.auth.from_ok, 1);
	ck_assert_str_eq(ev.auth.from_address, "a@example.org");
	ck_assert_int_eq(ev.auth.dmarc, MX6_AUTH_NONE);
	ck_assert_int_eq(ev.auth_fail.state, MX6_SIG_NO);
}
END_TEST

START_TEST(from_beyond_max_headers_is_missing)
{
	configure("max_headers = 3\n");
	start();
	filler(10);
	filler(10);
	filler(10);
	from_header();
	end();
	ck_assert_int_eq(g.headers_truncated, 1);
	ck_assert_uint_eq(g.headers, 3);
	ck_assert_int_eq(ev.auth.from_ok, 0);
	ck_assert_str_eq(ev.auth.from_address, "");
	ck_assert_int_eq(ev.auth.dmarc, MX6_AUTH_PERMERROR);
	ck_assert_str_eq(ev.auth.domain, "");
	/* It cannot be shown not to fail DMARC: no greenlist outweighs it. */
	ck_assert_int_eq(ev.auth_fail.state, MX6_SIG_YES);
	ck_assert_str_eq(ev.auth_fail_reason, "bounds");
}
END_TEST

/* A second From past the bound would make the first one worthless. */
START_TEST(first_from_does_not_count_when_later_headers_are_unseen)
{
	configure("max_headers = 2\n");
	start();
	from_header();
	filler(10);
	filler(10);
	end();
	ck_assert_int_eq(g.headers_truncated, 1);
	ck_assert_int_eq(ev.auth.from_ok, 0);
	ck_assert_str_eq(ev.auth.from_address, "");
	ck_assert_uint_eq(ev.auth.ndkim, 0);
	/* Nothing is kept for DKIM once inspection has stopped. */
	ck_assert_ptr_null(g.dkim);
}
END_TEST

START_TEST(max_header_bytes_is_inclusive)
{
	configure("max_header_bytes = 1024\n");
	start();
	filler(1024 - 19);
	from_header();
	end();
	ck_assert_int_eq(g.headers_truncated, 0);
	ck_assert_uint_eq(g.header_bytes, 1024);
	ck_assert_int_eq(ev.auth.from_ok, 1);

	mx6_gather_reset(&g);
	memset(&ev, 0, sizeof(ev));
	start();
	filler(1024 - 19 + 1);
	from_header();
	end();
	ck_assert_int_eq(g.headers_truncated, 1);
	ck_assert_uint_eq(g.header_bytes, 1024 - 19 + 1);
	ck_assert_int_eq(ev.auth.from_ok, 0);
}
END_TEST

START_TEST(recipients_beyond_max_recipients_are_counted_not_kept)
{
	configure("max_recipients = 2\n");
	start();
	mx6_gather_rcpt(cfg, &g, "<b@example.net>");
	mx6_gather_rcpt(cfg, &g, "<c@example.net>");
	ck_assert_uint_eq(g.nrcpts, 2);
	mx6_gather_rcpt(cfg, &g, "<d@example.net>");
	ck_assert_uint_eq(g.nrcpts, 2);
	ck_assert_uint_eq(g.rcpts_total, 3);
	ck_assert_str_eq(g.rcpts[1], "c@example.net");
	ck_assert_int_eq(g.over_memory, 0);
}
END_TEST

/* Recipient slots are charged as allocated: 2, 4, 8, 16, 32 slots fit in
 * 16 KB (32 * 320 bytes), growing to 64 would not. */
START_TEST(recipient_slots_count_against_max_session_memory)
{
	size_t i;

	configure("max_session_memory = 16k\n");
	start();
	for (i = 0; i < 32; i++)
		mx6_gather_rcpt(cfg, &g, "<b@example.net>");
	ck_assert_uint_eq(g.nrcpts, 32);
	ck_assert_uint_eq(g.memory, 32 * MX6_ADDRESS_MAX);
	ck_assert_int_eq(g.over_memory, 0);
	mx6_gather_rcpt(cfg, &g, "<c@example.net>");
	ck_assert_uint_eq(g.nrcpts, 32);
	ck_assert_uint_eq(g.rcpts_total, 33);
	ck_assert_int_eq(g.over_memory, 1);
	ck_assert_uint_eq(g.memory, 32 * MX6_ADDRESS_MAX);
	/* A new message starts from nothing. */
	mx6_gather_mail(cfg, &ev, &g, "mx.example.org", "a@example.org");
	ck_assert_uint_eq(g.memory, 0);
	ck_assert_int_eq(g.over_memory, 0);
}
END_TEST

START_TEST(header_bytes_count_against_max_session_memory)
{
	configure("max_header_bytes = 64k\nmax_session_memory = 16k\n");
	start();
	filler(16384 - 19);
	from_header();
	ck_assert_int_eq(g.over_memory, 0);
	ck_assert_uint_eq(g.memory, 16384);
	filler(8);
	end();
	ck_assert_int_eq(g.over_memory, 1);
	ck_assert_int_eq(g.headers_truncated, 1);
	ck_assert_uint_eq(g.memory, 16384);
	ck_assert_int_eq(ev.auth.from_ok, 0);
}
END_TEST

/* The session: IPv6 over max_session_memory is deferred with 451 4.3.4
 * (even if it would be trusted), IPv4 accepted. */
static enum mx6_step session_over_memory(const char *client, struct mx6_session **s_r)
{
	struct mx6_connect_info info;
	struct mx6_eom_actions actions;
	struct mx6_addr addr;
	struct mx6_session *s;
	size_t i;

	ck_assert_int_eq(mx6_addr_parse(client, &addr), 0);
	memset(&info, 0, sizeof(info));
	info.client = &addr;
	s = mx6_session_new(cfg);
	ck_assert_ptr_nonnull(s);
	mx6_session_connect(s, &info);
	mx6_session_helo(s, "mx.example.org");
	mx6_session_mail(s, "<a@example.org>", NULL);
	ck_assert_int_eq(mx6_session_rcpt(s, "<b@example.net>"), MX6_STEP_CONTINUE);
	for (i = 0; i < 20; i++)
		mx6_session_header(s, "X-Fill", "0123456789012345678901234567890123456789"
						  "0123456789012345678901234567890123456789"
						  "0123456789012345678901234567890123456789"
						  "0123456789012345678901234567890123456789"
						  "0123456789012345678901234567890123456789"
						  "0123456789012345678901234567890123456789"
						  "0123456789012345678901234567890123456789"
						  "0123456789012345678901234567890123456789"
						  "0123456789012345678901234567890123456789"
						  "0123456789012345678901234567890123456789"
						  "0123456789012345678901234567890123456789"
						  "0123456789012345678901234567890123456789"
						  "0123456789012345678901234567890123456789"
						  "0123456789012345678901234567890123456789"
						  "0123456789012345678901234567890123456789"
						  "0123456789012345678901234567890123456789"
						  "0123456789012345678901234567890123456789"
						  "0123456789012345678901234567890123456789"
						  "0123456789012345678901234567890123456789"
						  "0123456789012345678901234567890123456789"
						  "0123456789012345678901234567890123456789"
						  "0123456789012345678901234567890123456789"
						  "0123456789012345678901234567890123456789"
						  "0123456789012345678901234567890123456789"
						  "0123456789012345678901234567890123456789");
	mx6_session_eoh(s);
	*s_r = s;
	return mx6_session_eom(s, &actions);
}

START_TEST(session_over_memory_defers_ipv6_and_accepts_ipv4)
{
	struct mx6_session *s;
	const struct mx6_reply *r;

	/* 20 fields of 1006 bytes: more than 16 KB. The client is whitelisted
	 * by address: even "trusted" mail is deferred when its evidence did
	 * not fit, so that it comes back over IPv4. */
	unit_put(dir, "wl", "2001:db8::1\n");
	configure("max_session_memory = 16k\nip_whitelist = wl\n");
	ck_assert_int_eq(session_over_memory("2001:db8::1", &s), MX6_STEP_TEMPFAIL);
	r = mx6_session_reply(s);
	ck_assert_str_eq(r->code, "451");
	ck_assert_str_eq(r->xcode, "4.3.4");
	ck_assert_int_eq(mx6_session_action(s), MX6_ACTION_DEFER);
	ck_assert_msg(strstr(mx6_session_verdict(s)->reasons, "max_session_memory") != NULL,
		      "%s", mx6_session_verdict(s)->reasons);
	mx6_session_free(&s);
	ck_assert_int_eq(session_over_memory("192.0.2.1", &s), MX6_STEP_ACCEPT);
	mx6_session_free(&s);
	/* Within the bound the same whitelisted message is accepted. */
	mx6_config_unref(&cfg);
	configure("max_session_memory = 32k\nip_whitelist = wl\n");
	ck_assert_int_eq(session_over_memory("2001:db8::1", &s), MX6_STEP_ACCEPT);
	ck_assert_int_eq(mx6_session_verdict(s)->class, MX6_CLASS_TRUSTED);
	mx6_session_free(&s);
}
END_TEST

static Suite *bounds_suite(void)
{
	Suite *s = suite_create("bounds");
	TCase *tc = tcase_create("bounds");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, defaults_are_sane);
	tcase_add_test(tc, sizes_take_k_and_m_suffixes);
	tcase_add_test(tc, out_of_range_bounds_are_refused_with_file_and_line);
	tcase_add_test(tc, from_as_last_header_within_max_headers_is_seen);
	tcase_add_test(tc, from_beyond_max_headers_is_missing);
	tcase_add_test(tc, first_from_does_not_count_when_later_headers_are_unseen);
	tcase_add_test(tc, max_header_bytes_is_inclusive);
	tcase_add_test(tc, recipients_beyond_max_recipients_are_counted_not_kept);
	tcase_add_test(tc, recipient_slots_count_against_max_session_memory);
	tcase_add_test(tc, header_bytes_count_against_max_session_memory);
	tcase_add_test(tc, session_over_memory_defers_ipv6_and_accepts_ipv4);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_main(bounds_suite());
}
