/*
 * NAME
 *	check_report 1
 * SUMMARY
 *	unit tests for lib/logline.c and lib/tally.c (mx6-report)
 * DESCRIPTION
 *	The decision line parser on every form the daemon's lines take
 *	(stderr, traditional syslog, RFC 3339 syslog), on the look-alike
 *	lines next to them and on broken ones; the timestamp reader and its
 *	year inference; the bounded counter. Run with TZ=UTC so that local
 *	time is known.
 */
#include "autoconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logline.h"
#include "tally.h"
#include "unit.h"

/* 2026-11-30T12:00:00Z */
#define NOW ((time_t)1796040000)

#define DECISION                                                                         \
	"4dKQ2x0Zm5z9sW: client=[2001:db8::66] helo=mx.example.org "                     \
	"from=<a@example.org> "                                                          \
	"listener=mta-v6 mode=defensive class=unknown action=defer "                     \
	"reasons=unlisted,spf:none,iprev:fail reply=\"450 4.7.26\""

static int parse(const char *text, struct mx6_logline *l, char *buf, size_t len)
{
	snprintf(buf, len, "%s", text);
	return mx6_logline_parse(buf, NOW, 0, l);
}

START_TEST(stderr_form)
{
	char buf[1024];
	struct mx6_logline l;

	ck_assert_int_eq(parse(DECISION "\n", &l, buf, sizeof(buf)),
			 MX6_LOGLINE_DECISION);
	ck_assert_int_eq(l.has_time, 0);
	ck_assert_str_eq(l.queue_id, "4dKQ2x0Zm5z9sW");
	ck_assert_str_eq(l.client, "2001:db8::66");
	ck_assert_int_eq(l.ipv4, 0);
	ck_assert_str_eq(l.helo, "mx.example.org");
	ck_assert_str_eq(l.from, "a@example.org");
	ck_assert_str_eq(l.listener, "mta-v6");
	ck_assert_str_eq(l.mode, "defensive");
	ck_assert_str_eq(l.class_name, "unknown");
	ck_assert_str_eq(l.action, "defer");
	ck_assert_str_eq(l.reasons, "unlisted,spf:none,iprev:fail");
	ck_assert_ptr_null(l.source);
	ck_assert_str_eq(l.reply, "450 4.7.26");
}
END_TEST

START_TEST(syslog_form)
{
	char buf[1024];
	struct mx6_logline l;

	ck_assert_int_eq(parse("Nov 30 11:22:33 mx mx6-milter[4242]: " DECISION, &l, buf,
			       sizeof(buf)),
			 MX6_LOGLINE_DECISION);
	ck_assert_int_eq(l.has_time, 1);
	ck_assert_int_eq((long)l.when, (long)(NOW - 3600 + 22 * 60 + 33));
	ck_assert_str_eq(l.queue_id, "4dKQ2x0Zm5z9sW");
	ck_assert_str_eq(l.class_name, "unknown");
	/* A space-padded day. */
	ck_assert_int_eq(parse("Nov  3 00:00:00 mx mx6-milter[1]: " DECISION, &l, buf,
			       sizeof(buf)),
			 MX6_LOGLINE_DECISION);
	ck_assert_int_eq((long)l.when, (long)(NOW - 27 * 86400 - 12 * 3600));
}
END_TEST

START_TEST(rfc3339_form)
{
	char buf[1024];
	struct mx6_logline l;

	ck_assert_int_eq(
		parse("2026-11-30T13:00:00.123456+01:00 mx mx6-milter[1]: " DECISION, &l,
		      buf, sizeof(buf)),
		MX6_LOGLINE_DECISION);
	ck_assert_int_eq(l.has_time, 1);
	ck_assert_int_eq((long)l.when, (long)NOW);
	ck_assert_int_eq(parse("2026-11-30T07:00:00-0500 mx mx6-milter[1]: " DECISION, &l,
			       buf, sizeof(buf)),
			 MX6_LOGLINE_DECISION);
	ck_assert_int_eq((long)l.when, (long)NOW);
	ck_assert_int_eq(parse("2026-11-30T12:00:00Z mx mx6-milter[1]: " DECISION, &l,
			       buf, sizeof(buf)),
			 MX6_LOGLINE_DECISION);
	ck_assert_int_eq((long)l.when, (long)NOW);
}
END_TEST

START_TEST(optional_fields)
{
	char buf[1024];
	struct mx6_logline l;

	ck_assert_int_eq(
		parse("Q1: client=[2001:db8::77] helo=h from=<> listener=mx mode=report "
		      "class=trusted action=accept reasons=ip_whitelist "
		      "source=/etc/mx6-milter/ip_whitelist:2 rdap=future",
		      &l, buf, sizeof(buf)),
		MX6_LOGLINE_DECISION);
	ck_assert_str_eq(l.from, "");
	ck_assert_str_eq(l.source, "/etc/mx6-milter/ip_whitelist:2");
	ck_assert_ptr_null(l.reply);
	ck_assert_int_eq(
		parse("Q2: client=[192.0.2.1] helo=h from=<a@b.test> listener=v4 "
		      "mode=defensive class=none action=none reasons=ipv4",
		      &l, buf, sizeof(buf)),
		MX6_LOGLINE_DECISION);
	ck_assert_int_eq(l.ipv4, 1);
	ck_assert_int_eq(
		parse("Q3: client=[::ffff:192.0.2.1] helo=h from=<a@b.test> listener=v4 "
		      "mode=defensive class=none action=none reasons=ipv4",
		      &l, buf, sizeof(buf)),
		MX6_LOGLINE_DECISION);
	ck_assert_int_eq(l.ipv4, 1);
}
END_TEST

START_TEST(other_lines)
{
	static const char *const others[] = {
		"",
		"Nov 30 11:22:33 mx postfix/smtpd[1]: 4F1A2B: "
		"client=unknown[2001:db8::1]",
		"Nov 30 11:22:33 mx postfix/smtpd[1]: NOQUEUE: milter-reject: RCPT from "
		"unknown[2001:db8::66]: 450 4.7.26 Try IPv4; from=<a@example.org> "
		"helo=<h>",
		"7AAF3A8205C: client=[2001:db8::77] removing 2 forged header(s): "
		"X-MX6-Verdict=1",
		"mx6-milter 0.1.0 started: socket=unix:/run/mx6-milter/mx6-milter.sock",
		"warning: store lmdb:/var/lib/mx6-milter/state: cannot open",
		"\001\002\377 binary",
	};
	char buf[1024];
	struct mx6_logline l;
	size_t i;

	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		ck_assert_msg(parse(others[i], &l, buf, sizeof(buf)) == MX6_LOGLINE_OTHER,
			      "not other: %s", others[i]);
}
END_TEST

START_TEST(malformed_lines)
{
	static const char *const bad[] = {
		/* truncated */
		"Q1: client=[2001:db8::66] helo=h from=<a@example.org> listener=mx "
		"mode=defen",
		/* not an address */
		"Q2: client=[mx.example] helo=h from=<a@b.test> listener=mx mode=report "
		"class=unknown action=report reasons=unlisted",
		/* unterminated reply */
		"Q3: client=[2001:db8::66] helo=h from=<a@b.test> listener=mx "
		"mode=defensive "
		"class=unknown action=defer reasons=unlisted reply=\"450 4.7.26",
		/* no queue ID */
		": client=[2001:db8::66] helo=h from=<a@b.test> listener=mx mode=report "
		"class=unknown action=report reasons=unlisted",
		/* sender without brackets */
		"Q4: client=[2001:db8::66] helo=h from=a@b.test listener=mx mode=report "
		"class=unknown action=report reasons=unlisted",
		/* empty listener */
		"Q5: client=[2001:db8::66] helo=h from=<a@b.test> listener= mode=report "
		"class=unknown action=report reasons=unlisted",
	};
	char buf[1024];
	struct mx6_logline l;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse(bad[i], &l, buf, sizeof(buf)) ==
				      MX6_LOGLINE_MALFORMED,
			      "not malformed: %s", bad[i]);
}
END_TEST

START_TEST(untimed_prefix)
{
	char buf[1024];
	struct mx6_logline l;

	/* A prefix that is no timestamp (journalctl -o cat with an ident). */
	ck_assert_int_eq(parse("mx6-milter[12]: " DECISION, &l, buf, sizeof(buf)),
			 MX6_LOGLINE_DECISION);
	ck_assert_int_eq(l.has_time, 0);
	ck_assert_int_eq(parse("Foo 30 11:22:33 mx mx6-milter[1]: " DECISION, &l, buf,
			       sizeof(buf)),
			 MX6_LOGLINE_DECISION);
	ck_assert_int_eq(l.has_time, 0);
}
END_TEST

START_TEST(year_inference)
{
	time_t t;

	/* A day ahead is still this year; more is last year's. */
	ck_assert_uint_eq(mx6_logtime_parse("Dec  1 11:00:00", NOW, 0, &t), 15);
	ck_assert_int_eq((long)t, (long)(NOW + 86400 - 3600));
	ck_assert_uint_eq(mx6_logtime_parse("Dec  2 12:00:00", NOW, 0, &t), 15);
	ck_assert_int_eq((long)t, (long)(NOW + 2 * 86400 - 365 * 86400));
	ck_assert_uint_eq(mx6_logtime_parse("Jan  1 00:00:00", NOW, 0, &t), 15);
	ck_assert_int_eq((long)t, 1767225600L); /* 2026-01-01 */
	/* An explicit year wins. */
	ck_assert_uint_eq(mx6_logtime_parse("Jan  1 00:00:00", NOW, 2020, &t), 15);
	ck_assert_int_eq((long)t, 1577836800L);
}
END_TEST

START_TEST(dates)
{
	time_t t;

	ck_assert_uint_eq(mx6_logtime_parse("2026-11-30", NOW, 0, &t), 10);
	ck_assert_int_eq((long)t, (long)(NOW - 12 * 3600));
	ck_assert_uint_eq(mx6_logtime_parse("2026-11-30 12:00", NOW, 0, &t), 16);
	ck_assert_int_eq((long)t, (long)NOW);
	ck_assert_uint_eq(mx6_logtime_parse("2026-11-30T12:00:00", NOW, 0, &t), 19);
	ck_assert_int_eq((long)t, (long)NOW);
	ck_assert_uint_eq(mx6_logtime_parse("2026-13-01", NOW, 0, &t), 0);
	ck_assert_uint_eq(mx6_logtime_parse("2026-11-30T25:00:00", NOW, 0, &t), 0);
	ck_assert_uint_eq(mx6_logtime_parse("yesterday", NOW, 0, &t), 0);
	ck_assert_uint_eq(mx6_logtime_parse("Nov 30 1:2:3", NOW, 0, &t), 0);
	ck_assert_uint_eq(mx6_logtime_parse("2026-11-30T12:00:00+99:00", NOW, 0, &t), 0);
}
END_TEST

START_TEST(tally_top_and_cap)
{
	struct mx6_tally *t = mx6_tally_new(3);
	struct mx6_tally_entry top[5];
	char key[32];
	int i;

	ck_assert_ptr_nonnull(t);
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(mx6_tally_add(t, "b.test"), 0);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(mx6_tally_add(t, "a.test"), 0);
	ck_assert_int_eq(mx6_tally_add(t, "c.test"), 0);
	ck_assert_int_eq(mx6_tally_add(t, "d.test"), 0); /* over the cap */
	ck_assert_int_eq(mx6_tally_add(t, "d.test"), 0);
	ck_assert_int_eq(mx6_tally_add(t, "c.test"), 0); /* tracked: counted */
	ck_assert_uint_eq(mx6_tally_distinct(t), 3);
	ck_assert_uint_eq(mx6_tally_untracked(t), 2);
	ck_assert_uint_eq(mx6_tally_top(t, top, 5), 3);
	ck_assert_str_eq(top[0].key, "b.test");
	ck_assert_uint_eq(top[0].count, 5);
	/* Ties by key. */
	ck_assert_str_eq(top[1].key, "a.test");
	ck_assert_str_eq(top[2].key, "c.test");
	ck_assert_uint_eq(mx6_tally_top(t, top, 1), 1);
	mx6_tally_free(&t);
	ck_assert_ptr_null(t);

	/* Growth keeps every key. */
	t = mx6_tally_new(10000);
	for (i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "k%d", i % 5000);
		ck_assert_int_eq(mx6_tally_add(t, key), 0);
	}
	ck_assert_uint_eq(mx6_tally_distinct(t), 5000);
	ck_assert_uint_eq(mx6_tally_untracked(t), 0);
	ck_assert_uint_eq(mx6_tally_top(t, top, 1), 1);
	ck_assert_uint_eq(top[0].count, 4);
	mx6_tally_free(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("logline");

	setenv("TZ", "UTC", 1);
	tzset();
	tcase_add_test(tc, stderr_form);
	tcase_add_test(tc, syslog_form);
	tcase_add_test(tc, rfc3339_form);
	tcase_add_test(tc, optional_fields);
	tcase_add_test(tc, other_lines);
	tcase_add_test(tc, malformed_lines);
	tcase_add_test(tc, untimed_prefix);
	tcase_add_test(tc, year_inference);
	tcase_add_test(tc, dates);
	tcase_add_test(tc, tally_top_and_cap);
	suite_add_tcase(s, tc);
	return unit_main(s);
}
