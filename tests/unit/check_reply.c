/*
 * NAME
 *	check_reply 1
 * SUMMARY
 *	unit tests for lib/reply.c: SMTP reply validation and assembly
 * DESCRIPTION
 *	A reply is validated once when the configuration is loaded, so that
 *	the daemon can never hand libmilter a reply it refuses or one that
 *	breaks the SMTP dialogue; then it is assembled with the
 *	Authentication-Results lines and the registration URL when a message
 *	is refused. These tests state each rule with the exact message.
 */
#include "autoconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reply.h"
#include "unit.h"

static struct mx6_reply parsed(const char *value)
{
	struct mx6_reply r;
	char err[512] = "";

	ck_assert_msg(mx6_reply_parse(value, &r, err, sizeof(err)) == 0,
		      "'%s' refused: %s", value, err);
	return r;
}

static const char *refusal(const char *value)
{
	static char err[512];
	struct mx6_reply r;

	strcpy(err, "(no message)");
	ck_assert_msg(mx6_reply_parse(value, &r, err, sizeof(err)) == -1,
		      "'%s' was accepted", value);
	return err;
}

/* "450 4.7.26 line\nline\n..." with N lines of TEXT. */
static char *reply_of_lines(unsigned n, const char *text)
{
	size_t len = 16 + n * (strlen(text) + 2);
	char *value = malloc(len);
	unsigned i;

	ck_assert_ptr_nonnull(value);
	strcpy(value, "450 4.7.26 ");
	for (i = 0; i < n; i++) {
		if (i > 0)
			strcat(value, "\\n");
		strcat(value, text);
	}
	return value;
}

/* Parsing */

START_TEST(reply_parses_into_code_enhanced_code_and_text)
{
	struct mx6_reply r = parsed("450 4.7.26 Not accepted over IPv6");

	ck_assert_str_eq(r.code, "450");
	ck_assert_str_eq(r.xcode, "4.7.26");
	ck_assert_uint_eq(r.nlines, 1);
	ck_assert_str_eq(r.lines[0], "Not accepted over IPv6");
}
END_TEST

START_TEST(permanent_reply_parses)
{
	struct mx6_reply r = parsed("550 5.7.1 MX6: please retry this message over IPv4");

	ck_assert_str_eq(r.code, "550");
	ck_assert_str_eq(r.xcode, "5.7.1");
	ck_assert_uint_eq(r.nlines, 1);
	ck_assert_str_eq(r.lines[0], "MX6: please retry this message over IPv4");
}
END_TEST

START_TEST(enhanced_code_parts_have_one_to_three_digits)
{
	struct mx6_reply r = parsed("451 4.100.999 Temporary");

	ck_assert_str_eq(r.xcode, "4.100.999");
	r = parsed("421 4.0.0 Closing");
	ck_assert_str_eq(r.xcode, "4.0.0");
}
END_TEST

START_TEST(backslash_n_separates_lines)
{
	struct mx6_reply r =
		parsed("450 4.7.26 Not accepted over IPv6\\nRetry over IPv4\\nThanks");

	ck_assert_uint_eq(r.nlines, 3);
	ck_assert_str_eq(r.lines[0], "Not accepted over IPv6");
	ck_assert_str_eq(r.lines[1], "Retry over IPv4");
	ck_assert_str_eq(r.lines[2], "Thanks");
}
END_TEST

START_TEST(text_keeps_inner_spaces_and_percent_signs)
{
	struct mx6_reply r = parsed("450 4.7.26 100%  sure,  (really)");

	ck_assert_str_eq(r.lines[0], "100%  sure,  (really)");
}
END_TEST

START_TEST(reply_of_32_lines_is_the_longest)
{
	char *value = reply_of_lines(32, "line");
	struct mx6_reply r = parsed(value);

	ck_assert_uint_eq(r.nlines, 32);
	ck_assert_str_eq(r.lines[31], "line");
	free(value);
}
END_TEST

START_TEST(reply_of_33_lines_is_refused)
{
	char *value = reply_of_lines(33, "line");

	ck_assert_str_eq(refusal(value), "reply has more than 32 lines");
	free(value);
}
END_TEST

START_TEST(line_of_400_bytes_is_the_longest)
{
	char text[402];
	char *value;
	struct mx6_reply r;

	memset(text, 'a', 400);
	text[400] = '\0';
	value = reply_of_lines(1, text);
	r = parsed(value);
	ck_assert_uint_eq(strlen(r.lines[0]), 400);
	free(value);

	text[400] = 'a';
	text[401] = '\0';
	value = reply_of_lines(2, text);
	/* The first line is the one too long. */
	ck_assert_str_eq(refusal(value), "reply line 1 is longer than 400 bytes");
	free(value);
}
END_TEST

static const struct {
	const char *value;
	const char *message;
} refused[] = {
	/* The class digits must agree: 4xx with 4.x.x, 5xx with 5.x.x. */
	{"450 5.7.26 Not accepted",
	 "reply code 450 needs an enhanced status code 4.X.Y (RFC 3463) after it, found "
	 "'5.7.26'"},
	{"550 4.7.26 Rejected",
	 "reply code 550 needs an enhanced status code 5.X.Y (RFC 3463) after it, found "
	 "'4.7.26'"},
	/* Only 4xx and 5xx codes refuse anything; the second digit is 0 to 5. */
	{"250 2.0.0 OK", "reply code 250 is not a 4xx or 5xx code"},
	{"600 6.0.0 Huh", "reply code 600 is not a 4xx or 5xx code"},
	{"399 3.0.0 Huh", "reply code 399 is not a 4xx or 5xx code"},
	{"460 4.7.1 Huh", "reply code 460 is not a 4xx or 5xx code"},
	/* The code is three digits and a space. */
	{"45 4.7.26 Short",
	 "reply must start with a three-digit code and a space: '45 4.7.26 Short'"},
	{"4500 4.7.26 Long",
	 "reply must start with a three-digit code and a space: '4500 4.7.26 Long'"},
	{"450-4.7.26 Dash",
	 "reply must start with a three-digit code and a space: '450-4.7.26 Dash'"},
	{"450", "reply must start with a three-digit code and a space: '450'"},
	{"", "reply must start with a three-digit code and a space: ''"},
	/* The enhanced status code is required and well-formed. */
	{"450 Not accepted", "reply code 450 needs an enhanced status code 4.X.Y (RFC "
			     "3463) after it, found 'Not'"},
	{"450 4.7 Short", "reply code 450 needs an enhanced status code 4.X.Y (RFC 3463) "
			  "after it, found '4.7'"},
	{"450 4.7.1234 Long",
	 "reply code 450 needs an enhanced status code 4.X.Y (RFC 3463) after it, found "
	 "'4.7.1234'"},
	{"450 4.1234.1 Long",
	 "reply code 450 needs an enhanced status code 4.X.Y (RFC 3463) after it, found "
	 "'4.1234.1'"},
	{"450 4..1 Empty", "reply code 450 needs an enhanced status code 4.X.Y (RFC "
			   "3463) after it, found '4..1'"},
	{"450 x.7.1 Letter", "reply code 450 needs an enhanced status code 4.X.Y (RFC "
			     "3463) after it, found 'x.7.1'"},
	{"450 4.7.1. Dot",
	 "reply code 450 needs an enhanced status code 4.X.Y (RFC 3463) after it, found "
	 "'4.7.1.'"},
	{"450 4.7.x Letter",
	 "reply code 450 needs an enhanced status code 4.X.Y (RFC 3463) after it, found "
	 "'4.7.x'"},
	{"450  4.7.26 Two spaces", "reply code 450 needs an enhanced status code 4.X.Y "
				   "(RFC 3463) after it, found ''"},
	/* There is text, on every line. */
	{"450 4.7.26", "reply 450 4.7.26 has no text"},
	{"450 4.7.26   ", "reply 450 4.7.26 has no text"},
	{"450 4.7.26 one\\n\\nthree", "reply line 2 is empty"},
	{"450 4.7.26 one\\n", "reply line 2 is empty"},
	{"450 4.7.26 \\nline", "reply line 1 is empty"},
	/* Printable ASCII only. */
	{"450 4.7.26 tab\there", "reply contains a control or non-ASCII byte 0x09"},
	{"450 4.7.26 cr\rlf\n", "reply contains a control or non-ASCII byte 0x0d"},
	{"450 4.7.26 del\x7f", "reply contains a control or non-ASCII byte 0x7f"},
	{"450 4.7.26 caf\xc3\xa9", "reply contains a control or non-ASCII byte 0xc3"},
	{"450 4.7.26 fine\\nbell\a", "reply contains a control or non-ASCII byte 0x07"},
};

START_TEST(bad_reply_is_refused_with_its_message)
{
	ck_assert_str_eq(refusal(refused[_i].value), refused[_i].message);
}
END_TEST

/* Assembly */

START_TEST(build_appends_extra_lines_then_the_url)
{
	struct mx6_reply base =
		parsed("550 5.7.26 MX6: please retry this message over IPv4");
	const char *const extra[] = {"Authentication-Results: mx.test;", "  spf=pass"};
	struct mx6_reply out;

	mx6_reply_build(&base, extra, 2, "https://mx.test/register", &out);
	ck_assert_str_eq(out.code, "550");
	ck_assert_str_eq(out.xcode, "5.7.26");
	ck_assert_uint_eq(out.nlines, 4);
	ck_assert_str_eq(out.lines[0], "MX6: please retry this message over IPv4");
	ck_assert_str_eq(out.lines[1], "Authentication-Results: mx.test;");
	ck_assert_str_eq(out.lines[2], "  spf=pass");
	ck_assert_str_eq(out.lines[3], "See https://mx.test/register");
}
END_TEST

START_TEST(build_without_extra_or_url_is_the_configured_reply)
{
	struct mx6_reply base = parsed("450 4.7.26 one\\ntwo");
	struct mx6_reply out;

	mx6_reply_build(&base, NULL, 0, NULL, &out);
	ck_assert_str_eq(out.code, "450");
	ck_assert_str_eq(out.xcode, "4.7.26");
	ck_assert_uint_eq(out.nlines, 2);
	ck_assert_str_eq(out.lines[0], "one");
	ck_assert_str_eq(out.lines[1], "two");
}
END_TEST

static const char *const forty_extra[40] = {
	"x0",  "x1",  "x2",  "x3",  "x4",  "x5",  "x6",	 "x7",	"x8",  "x9",
	"x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17", "x18", "x19",
	"x20", "x21", "x22", "x23", "x24", "x25", "x26", "x27", "x28", "x29",
	"x30", "x31", "x32", "x33", "x34", "x35", "x36", "x37", "x38", "x39",
};

START_TEST(build_drops_extra_lines_that_do_not_fit_and_keeps_the_url_last)
{
	struct mx6_reply base = parsed("550 5.7.26 one\\ntwo");
	struct mx6_reply out;
	unsigned i;

	mx6_reply_build(&base, forty_extra, 40, "https://mx.test/", &out);
	ck_assert_uint_eq(out.nlines, 32);
	ck_assert_str_eq(out.lines[0], "one");
	ck_assert_str_eq(out.lines[1], "two");
	for (i = 2; i < 31; i++) {
		char want[8];

		snprintf(want, sizeof(want), "x%u", i - 2);
		ck_assert_str_eq(out.lines[i], want);
	}
	ck_assert_str_eq(out.lines[31], "See https://mx.test/");
}
END_TEST

START_TEST(build_without_url_fills_all_32_lines_with_extra)
{
	struct mx6_reply base = parsed("550 5.7.26 one");
	struct mx6_reply out;

	mx6_reply_build(&base, forty_extra, 40, NULL, &out);
	ck_assert_uint_eq(out.nlines, 32);
	ck_assert_str_eq(out.lines[1], "x0");
	ck_assert_str_eq(out.lines[31], "x30");
}
END_TEST

/*
 * The output sits in front of a guard area, so that a build writing past
 * MX6_REPLY_MAX_LINES shows up as a wrong line count instead of a crash.
 */
struct guarded_reply {
	struct mx6_reply reply;
	char guard[4 * (MX6_REPLY_LINE_MAX + 1)];
};

START_TEST(build_keeps_the_url_last_when_the_configured_reply_has_32_lines)
{
	char *value = reply_of_lines(32, "line");
	struct mx6_reply base = parsed(value);
	const char *const extra[] = {"Authentication-Results: mx.test; none"};
	struct guarded_reply out;
	unsigned i;

	memset(&out, 0, sizeof(out));
	mx6_reply_build(&base, extra, 1, "https://mx.test/", &out.reply);
	ck_assert_uint_eq(out.reply.nlines, 32);
	for (i = 0; i < 31; i++)
		ck_assert_str_eq(out.reply.lines[i], "line");
	ck_assert_str_eq(out.reply.lines[31], "See https://mx.test/");
	for (i = 0; i < sizeof(out.guard); i++)
		ck_assert_int_eq(out.guard[i], 0);
	free(value);
}
END_TEST

START_TEST(build_keeps_the_url_last_when_the_configured_reply_has_31_lines)
{
	char *value = reply_of_lines(31, "line");
	struct mx6_reply base = parsed(value);
	const char *const extra[] = {"Authentication-Results: mx.test; none"};
	struct mx6_reply out;

	mx6_reply_build(&base, extra, 1, "https://mx.test/", &out);
	ck_assert_uint_eq(out.nlines, 32);
	ck_assert_str_eq(out.lines[30], "line");
	ck_assert_str_eq(out.lines[31], "See https://mx.test/");
	free(value);
}
END_TEST

START_TEST(build_turns_non_printable_bytes_of_extra_lines_into_question_marks)
{
	struct mx6_reply base = parsed("550 5.7.26 MX6");
	const char *const extra[] = {"smtp.mailfrom=a\r\nb\tc\x7f\xc3\xa9@example.org"};
	struct mx6_reply out;

	mx6_reply_build(&base, extra, 1, NULL, &out);
	ck_assert_uint_eq(out.nlines, 2);
	ck_assert_str_eq(out.lines[1], "smtp.mailfrom=a??b?c???@example.org");
}
END_TEST

START_TEST(build_truncates_long_extra_lines)
{
	struct mx6_reply base = parsed("550 5.7.26 MX6");
	char long_line[1000];
	const char *const extra[] = {long_line};
	struct mx6_reply out;

	memset(long_line, 'y', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = '\0';
	mx6_reply_build(&base, extra, 1, NULL, &out);
	ck_assert_uint_eq(out.nlines, 2);
	ck_assert_uint_eq(strlen(out.lines[1]), MX6_REPLY_LINE_MAX);
}
END_TEST

/* Sending */

START_TEST(escape_doubles_percent_signs_for_libmilter)
{
	char buf[64];

	ck_assert_str_eq(mx6_reply_escape("100% sure", buf, sizeof(buf)), "100%% sure");
	ck_assert_str_eq(mx6_reply_escape("%%s %d", buf, sizeof(buf)), "%%%%s %%d");
	ck_assert_str_eq(mx6_reply_escape("no percent", buf, sizeof(buf)), "no percent");
	ck_assert_str_eq(mx6_reply_escape("", buf, sizeof(buf)), "");
	ck_assert_ptr_eq(mx6_reply_escape("x", buf, sizeof(buf)), buf);
}
END_TEST

START_TEST(escape_truncates_without_splitting_a_doubled_percent)
{
	char buf[4];

	ck_assert_str_eq(mx6_reply_escape("a%b", buf, sizeof(buf)), "a%%");
	ck_assert_str_eq(mx6_reply_escape("ab%", buf, sizeof(buf)), "ab");
	ck_assert_str_eq(mx6_reply_escape("abcdef", buf, sizeof(buf)), "ab");
}
END_TEST

START_TEST(four_hundred_codes_are_temporary)
{
	struct mx6_reply r = parsed("450 4.7.26 Deferred");

	ck_assert_int_eq(mx6_reply_is_temporary(&r), 1);
	r = parsed("550 5.7.26 Rejected");
	ck_assert_int_eq(mx6_reply_is_temporary(&r), 0);
}
END_TEST

START_TEST(summary_is_code_and_enhanced_code)
{
	struct mx6_reply r = parsed("450 4.7.26 Deferred\\nsecond line");
	char buf[32];

	ck_assert_str_eq(mx6_reply_summary(&r, buf, sizeof(buf)), "450 4.7.26");
}
END_TEST

static Suite *reply_suite(void)
{
	Suite *s = suite_create("reply");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, reply_parses_into_code_enhanced_code_and_text);
	tcase_add_test(tc, permanent_reply_parses);
	tcase_add_test(tc, enhanced_code_parts_have_one_to_three_digits);
	tcase_add_test(tc, backslash_n_separates_lines);
	tcase_add_test(tc, text_keeps_inner_spaces_and_percent_signs);
	tcase_add_test(tc, reply_of_32_lines_is_the_longest);
	tcase_add_test(tc, reply_of_33_lines_is_refused);
	tcase_add_test(tc, line_of_400_bytes_is_the_longest);
	tcase_add_loop_test(tc, bad_reply_is_refused_with_its_message, 0,
			    (int)(sizeof(refused) / sizeof(refused[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("build");
	tcase_add_test(tc, build_appends_extra_lines_then_the_url);
	tcase_add_test(tc, build_without_extra_or_url_is_the_configured_reply);
	tcase_add_test(tc,
		       build_drops_extra_lines_that_do_not_fit_and_keeps_the_url_last);
	tcase_add_test(tc, build_without_url_fills_all_32_lines_with_extra);
	tcase_add_test(tc,
		       build_keeps_the_url_last_when_the_configured_reply_has_32_lines);
	tcase_add_test(tc,
		       build_keeps_the_url_last_when_the_configured_reply_has_31_lines);
	tcase_add_test(
		tc, build_turns_non_printable_bytes_of_extra_lines_into_question_marks);
	tcase_add_test(tc, build_truncates_long_extra_lines);
	suite_add_tcase(s, tc);

	tc = tcase_create("send");
	tcase_add_test(tc, escape_doubles_percent_signs_for_libmilter);
	tcase_add_test(tc, escape_truncates_without_splitting_a_doubled_percent);
	tcase_add_test(tc, four_hundred_codes_are_temporary);
	tcase_add_test(tc, summary_is_code_and_enhanced_code);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_main(reply_suite());
}
