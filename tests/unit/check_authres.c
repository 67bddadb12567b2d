/*
 * NAME
 *	check_authres 1
 * SUMMARY
 *	unit tests for lib/authres.c: our Authentication-Results and forgeries
 * DESCRIPTION
 *	An arriving Authentication-Results header that carries our
 *	authserv-id is a forgery and is removed (SPEC 5); one from another
 *	host must be left alone. RFC 8601 lets the id be preceded by
 *	comments and white space, be quoted and be followed by a version, so
 *	each of those forms has a test, as do the look-alikes that must not
 *	match.
 */
#include "autoconf.h"

#include <check.h>
#include <string.h>

#include "authres.h"
#include "unit.h"

static const struct {
	const char *value;
	int ours;
} values[] = {
	/* Ours, in every form RFC 8601 allows. */
	{"mx.test; spf=pass smtp.mailfrom=example.org", 1},
	{"MX.TEST; none", 1},
	{"  (comment) mx.test 1; none", 1},
	{"\"mx.test\"; none", 1},
	{"mx.test;none", 1},
	{"mx.test(comment); none", 1},
	{"(outer (nested) comment)\tmx.test; none", 1},
	{"\r\n mx.test; none", 1},
	/* Not ours. */
	{"mx.test.evil; none", 0},
	{"evil.mx.test; none", 0},
	{"mx.tes; none", 0},
	{"other; mx.test", 0},
	{"other; spf=pass smtp.mailfrom=mx.test", 0},
	{"(unterminated mx.test", 0},
	{"(mx.test) other; none", 0},
	{"\"mx.test.evil\"; none", 0},
	{"", 0},
	{"   ", 0},
	{"; none", 0},
};

START_TEST(authserv_id_recognition)
{
	ck_assert_msg(mx6_authres_is_ours(values[_i].value, "mx.test") == values[_i].ours,
		      "'%s' should %sbe ours", values[_i].value,
		      values[_i].ours ? "" : "not ");
}
END_TEST

START_TEST(value_without_methods_is_id_none)
{
	struct mx6_evidence ev;
	char buf[MX6_AUTHRES_MAX];

	memset(&ev, 0, sizeof(ev));
	ck_assert_int_eq(mx6_authres_value("mx.test", &ev, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "mx.test; none");
}
END_TEST

START_TEST(value_is_truncated_to_the_buffer)
{
	struct mx6_evidence ev;
	char buf[8];

	memset(&ev, 0, sizeof(ev));
	ck_assert_int_eq(mx6_authres_value("mx.test", &ev, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "mx.test");
}
END_TEST

START_TEST(reply_lines_without_methods_are_one_header_line)
{
	struct mx6_evidence ev;
	char lines[4][MX6_AUTHRES_LINE_MAX];

	memset(&ev, 0, sizeof(ev));
	ck_assert_uint_eq(mx6_authres_lines("mx.test", &ev, lines, 4), 1);
	ck_assert_str_eq(lines[0], "Authentication-Results: mx.test; none");
}
END_TEST

START_TEST(reply_lines_respect_max)
{
	struct mx6_evidence ev;
	char lines[1][MX6_AUTHRES_LINE_MAX];

	memset(&ev, 0, sizeof(ev));
	strcpy(lines[0], "untouched");
	ck_assert_uint_eq(mx6_authres_lines("mx.test", &ev, lines, 0), 0);
	ck_assert_str_eq(lines[0], "untouched");
}
END_TEST

START_TEST(our_own_header_is_recognised_as_ours)
{
	struct mx6_evidence ev;
	char buf[MX6_AUTHRES_MAX];

	memset(&ev, 0, sizeof(ev));
	mx6_authres_value("mx.test", &ev, buf, sizeof(buf));
	ck_assert_int_eq(mx6_authres_is_ours(buf, "mx.test"), 1);
	ck_assert_int_eq(mx6_authres_is_ours(buf, "mx.other"), 0);
}
END_TEST

static Suite *authres_suite(void)
{
	Suite *s = suite_create("authres");
	TCase *tc;

	tc = tcase_create("forgeries");
	tcase_add_loop_test(tc, authserv_id_recognition, 0,
			    (int)(sizeof(values) / sizeof(values[0])));
	tcase_add_test(tc, our_own_header_is_recognised_as_ours);
	suite_add_tcase(s, tc);

	tc = tcase_create("ours");
	tcase_add_test(tc, value_without_methods_is_id_none);
	tcase_add_test(tc, value_is_truncated_to_the_buffer);
	tcase_add_test(tc, reply_lines_without_methods_are_one_header_line);
	tcase_add_test(tc, reply_lines_respect_max);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_main(authres_suite());
}
