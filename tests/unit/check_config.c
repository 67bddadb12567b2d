/*
 * NAME
 *	check_config 1
 * SUMMARY
 *	unit tests for lib/config.c: milter.conf loading and listeners
 * DESCRIPTION
 *	Every error the loader can report has a test that asserts the exact
 *	"FILE:LINE: message" an operator sees from mx6-milter -n. Then the
 *	defaults, the comment and path rules, the reference counting that
 *	makes reloads safe, the listener selection, and a check that the
 *	manual documents every key of the key table.
 */
#include "autoconf.h"

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "unit.h"

#define MAX_REPORTS 32

struct reports {
	size_t n;
	char *message[MAX_REPORTS];
};

static struct reports reports;
static char *dir;	/* a fresh directory per test */
static char *conf_path; /* dir/milter.conf once written */

static void collect(void *ctx, const char *message)
{
	struct reports *r = ctx;

	ck_assert_msg(r->n < MAX_REPORTS, "too many reports; last: %s", message);
	r->message[r->n++] = strdup(message);
}

static void setup(void)
{
	dir = unit_mkdir();
	conf_path = NULL;
	memset(&reports, 0, sizeof(reports));
}

static void teardown(void)
{
	size_t i;

	for (i = 0; i < reports.n; i++)
		free(reports.message[i]);
	free(conf_path);
	free(dir);
}

static struct mx6_config *load(const char *text)
{
	free(conf_path);
	conf_path = unit_write(dir, "milter.conf", text);
	return mx6_config_load(conf_path, collect, &reports);
}

static struct mx6_config *load_ok(const char *text)
{
	struct mx6_config *cfg = load(text);

	ck_assert_msg(reports.n == 0, "unexpected report: %s", reports.message[0]);
	ck_assert_ptr_nonnull(cfg);
	return cfg;
}

/* TEXT is refused with exactly one message: "milter.conf:LINE: MESSAGE". */
static void refused_with(const char *text, unsigned line, const char *message)
{
	struct mx6_config *cfg = load(text);
	char *expected = unit_strdupf("%s:%u: %s", conf_path, line, message);

	ck_assert_ptr_null(cfg);
	ck_assert_msg(reports.n == 1, "%zu reports for one error; first: %s", reports.n,
		      reports.n > 0 ? reports.message[0] : "(none)");
	ck_assert_str_eq(reports.message[0], expected);
	free(expected);
}

static int reported(const char *message)
{
	size_t i;
	int n = 0;

	for (i = 0; i < reports.n; i++)
		n += strcmp(reports.message[i], message) == 0;
	return n;
}

/* Errors, one per test */

START_TEST(line_without_equals_is_a_syntax_error)
{
	refused_with("# mx6-milter\nsocket unix:/run/x.sock\n", 2,
		     "expected 'key = value', found 'socket unix:/run/x.sock'");
}
END_TEST

START_TEST(unknown_key_is_an_error)
{
	refused_with("sockett = unix:/run/x.sock\n", 1, "unknown key 'sockett'");
}
END_TEST

START_TEST(keys_are_lower_case)
{
	refused_with("Socket = unix:/run/x.sock\n", 1, "unknown key 'Socket'");
}
END_TEST

START_TEST(empty_key_is_an_error)
{
	refused_with("= defensive\n", 1, "unknown key ''");
}
END_TEST

START_TEST(duplicate_scalar_key_names_the_first_line)
{
	refused_with("user = mx6\n# again:\nuser = postfix\n", 3,
		     "duplicate key 'user' (first set at line 1)");
}
END_TEST

START_TEST(overlong_value_is_an_error)
{
	char text[5000];

	memset(text, 'x', sizeof(text));
	memcpy(text, "registration_url = ", 19);
	text[sizeof(text) - 2] = '\n';
	text[sizeof(text) - 1] = '\0';
	refused_with(text, 1, "value of registration_url is longer than 4096 bytes");
}
END_TEST

static const char *const bad_sockets[] = {
	"tcp:25", "unix:", "local:", "inet:", "inet6:", "run/mx6.sock", "",
};

START_TEST(bad_socket_is_an_error)
{
	char *text = unit_strdupf("socket = %s\n", bad_sockets[_i]);
	char *message = unit_strdupf(
		"socket '%s' must be unix:/PATH, local:/PATH, inet:PORT@HOST "
		"or inet6:PORT@HOST",
		bad_sockets[_i]);

	refused_with(text, 1, message);
	free(message);
	free(text);
}
END_TEST

static const char *const good_sockets[] = {
	"unix:/run/mx6-milter/mx6-milter.sock",
	"local:/run/mx6.sock",
	"/run/mx6.sock",
	"inet:8894@127.0.0.1",
	"inet6:8894@[::1]",
};

START_TEST(socket_forms_of_libmilter_are_accepted)
{
	char *text = unit_strdupf("socket = %s\n", good_sockets[_i]);
	struct mx6_config *cfg = load_ok(text);

	ck_assert_str_eq(cfg->socket, good_sockets[_i]);
	mx6_config_unref(&cfg);
	free(text);
}
END_TEST

static const char *const bad_modes[] = {"0999", "1777", "rw-rw----", "660x", "-1", ""};

START_TEST(bad_socket_mode_is_an_error)
{
	char *text = unit_strdupf("socket_mode = %s\n", bad_modes[_i]);
	char *message =
		unit_strdupf("'%s' is not an octal file mode like 0660", bad_modes[_i]);

	refused_with(text, 1, message);
	free(message);
	free(text);
}
END_TEST

START_TEST(bad_user_is_an_error)
{
	refused_with("user = mx6 milter\n", 1,
		     "'mx6 milter' may contain only letters, digits, '.', '-' and '_'");
}
END_TEST

START_TEST(empty_user_is_an_error)
{
	refused_with("user =\n", 1, "empty value");
}
END_TEST

START_TEST(bad_authserv_id_is_an_error)
{
	refused_with("authserv_id = mx.test;evil\n", 1,
		     "'mx.test;evil' may contain only letters, digits, '.', '-' and '_'");
}
END_TEST

START_TEST(bad_default_mode_is_an_error)
{
	refused_with("default_mode = paranoid\n", 1,
		     "unknown mode 'paranoid' (defensive, mx6, report, submission or off)");
}
END_TEST

START_TEST(submission_mode_is_a_listener_mode)
{
	struct mx6_config *cfg = load("listener = submission submission\n");
	const char *label;

	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(mx6_config_listener(cfg, "submission", NULL, NULL, &label),
			 MX6_MODE_SUBMISSION);
	mx6_config_unref(&cfg);
}
END_TEST

START_TEST(listener_with_one_word_is_an_error)
{
	refused_with("listener = mta-v6\n", 1,
		     "listener needs two words: NAME MODE or [ADDRESS] MODE");
}
END_TEST

START_TEST(listener_with_three_words_is_an_error)
{
	refused_with("listener = mta-v6 defensive now\n", 1,
		     "listener needs two words: NAME MODE or [ADDRESS] MODE");
}
END_TEST

START_TEST(listener_with_bad_mode_is_an_error)
{
	refused_with("listener = mta-v6 strict\n", 1,
		     "unknown mode 'strict' (defensive, mx6, report, submission or off)");
}
END_TEST

static const char *const bad_listener_addresses[] = {
	"[2001:db8::zz]", "[2001:db8::25", "[]", "[mx.example.org]", "[192.0.2.256]",
};

START_TEST(listener_with_bad_address_is_an_error)
{
	char *text = unit_strdupf("listener = %s mx6\n", bad_listener_addresses[_i]);
	char *message =
		unit_strdupf("listener address '%s' is not an [IPv4] or [IPv6] address",
			     bad_listener_addresses[_i]);

	refused_with(text, 1, message);
	free(message);
	free(text);
}
END_TEST

START_TEST(duplicate_listener_name_is_an_error_in_any_case)
{
	refused_with("listener = mta-v6 defensive\nlistener = MTA-V6 mx6\n", 2,
		     "listener 'MTA-V6' is defined twice");
}
END_TEST

START_TEST(duplicate_listener_address_is_an_error_in_any_spelling)
{
	refused_with("listener = [2001:db8::25] mx6\nlistener = [2001:DB8:0:0:0:0:0:25] "
		     "report\n",
		     2, "listener '[2001:DB8:0:0:0:0:0:25]' is defined twice");
}
END_TEST

START_TEST(missing_list_file_is_reported_at_the_config_line)
{
	char *message =
		unit_strdupf("%s/missing_list: cannot open: %s", dir, strerror(ENOENT));

	refused_with("authserv_id = mx.test\nip_whitelist = missing_list\n", 2, message);
	free(message);
}
END_TEST

START_TEST(list_that_is_a_directory_is_reported_at_the_config_line)
{
	char *lists = unit_strdupf("%s/lists", dir);
	char *message = unit_strdupf("%s: read error: %s", lists, strerror(EISDIR));

	ck_assert_int_eq(mkdir(lists, 0755), 0);
	refused_with("ip_greenlist = lists\n", 1, message);
	free(message);
	free(lists);
}
END_TEST

START_TEST(bad_list_entry_is_reported_as_list_file_and_line)
{
	char *list =
		unit_write(dir, "ip_whitelist", "# partners\n2001:db8::/32\ngarbage\n");
	char *expected =
		unit_strdupf("%s:3: invalid IP address or prefix 'garbage'", list);

	ck_assert_ptr_null(load("ip_whitelist = ip_whitelist\n"));
	ck_assert_uint_eq(reports.n, 1);
	ck_assert_str_eq(reports.message[0], expected);
	free(expected);
	free(list);
}
END_TEST

static const struct {
	const char *line;
	const char *message;
} bad_replies[] = {
	{"defer_reply = 450 5.7.26 Not accepted over IPv6",
	 "reply code 450 needs an enhanced status code 4.X.Y (RFC 3463) after it, found "
	 "'5.7.26'"},
	{"mx6_reply = 550 4.7.26 MX6: retry over IPv4",
	 "reply code 550 needs an enhanced status code 5.X.Y (RFC 3463) after it, found "
	 "'4.7.26'"},
	{"mx6_reply = 250 2.0.0 OK", "reply code 250 is not a 4xx or 5xx code"},
	{"defer_reply_temperror = 451 4.4.3", "reply 451 4.4.3 has no text"},
	{"defer_reply = 450 Not accepted",
	 "reply code 450 needs an enhanced status code 4.X.Y (RFC 3463) after it, found "
	 "'Not'"},
	{"defer_reply = 450 4.7.26 one\\n\\nthree", "reply line 2 is empty"},
	{"defer_reply = 550 5.7.26 Go away",
	 "a deferral must be a 4xx reply (it sends the client back to IPv4), not 550"},
	{"defer_reply_temperror = 554 5.4.3 DNS broken",
	 "a deferral must be a 4xx reply (it sends the client back to IPv4), not 554"},
};

START_TEST(bad_reply_is_an_error)
{
	char *text = unit_strdupf("%s\n", bad_replies[_i].line);

	refused_with(text, 1, bad_replies[_i].message);
	free(text);
}
END_TEST

START_TEST(mx6_reply_may_be_temporary)
{
	struct mx6_config *cfg = load("mx6_reply = 451 4.7.26 MX6: later, over IPv4\n");

	ck_assert_ptr_nonnull(cfg);
	ck_assert_str_eq(cfg->mx6_reply.code, "451");
	mx6_config_unref(&cfg);
}
END_TEST

START_TEST(reply_with_33_lines_is_an_error)
{
	char text[1024] = "defer_reply = 450 4.7.26 line";
	int i;

	for (i = 2; i <= 33; i++)
		strcat(text, "\\nline");
	strcat(text, "\n");
	refused_with(text, 1, "reply has more than 32 lines");
}
END_TEST

START_TEST(bad_reply_authres_is_an_error)
{
	refused_with("reply_authres = sometimes\n", 1,
		     "'sometimes' is not one of mx6, all, no");
}
END_TEST

START_TEST(bad_add_authres_is_an_error)
{
	refused_with("add_authres = maybe\n", 1, "'maybe' is not yes or no");
}
END_TEST

START_TEST(bad_mail_facility_is_an_error)
{
	refused_with(
		"mail_facility = kern\n", 1,
		"unknown syslog facility 'kern' (mail, daemon, user, local0..local7)");
}
END_TEST

START_TEST(registration_url_with_a_space_is_an_error)
{
	refused_with("registration_url = https://mx.test/ipv6 senders\n", 1,
		     "URL 'https://mx.test/ipv6 senders' contains white space or a "
		     "non-ASCII byte");
}
END_TEST

START_TEST(registration_url_with_non_ascii_is_an_error)
{
	refused_with("registration_url = https://mx.test/\xc3\xa9\n", 1,
		     "URL 'https://mx.test/\xc3\xa9' contains white space or a non-ASCII "
		     "byte");
}
END_TEST

START_TEST(registration_url_of_396_bytes_is_the_longest)
{
	char url[400], *text;
	struct mx6_config *cfg;

	memset(url, 'a', sizeof(url));
	memcpy(url, "https://mx.test/", 16);
	url[396] = '\0';
	text = unit_strdupf("registration_url = %s\n", url);
	cfg = load_ok(text);
	ck_assert_str_eq(cfg->registration_url, url);
	mx6_config_unref(&cfg);
	free(text);

	url[396] = 'a';
	url[397] = '\0';
	text = unit_strdupf("registration_url = %s\n", url);
	refused_with(text, 1, "URL longer than 396 bytes");
	free(text);
}
END_TEST

START_TEST(empty_registration_url_means_unset)
{
	/* As in Postfix, "key =" with nothing after it switches the feature off
	 * rather than adding a bare "See " line to every reply. */
	struct mx6_config *cfg = load_ok("registration_url =\n");

	ck_assert_ptr_null(cfg->registration_url);
	mx6_config_unref(&cfg);
}
END_TEST

START_TEST(every_error_in_a_file_is_reported)
{
	struct mx6_config *cfg = load("socket = tcp:25\n"
				      "this is not a key value\n"
				      "colour = blue\n"
				      "listener = mta-v6\n"
				      "user = a\n"
				      "user = b\n"
				      "add_authres = maybe\n");
	const char *const messages[] = {
		"1: socket 'tcp:25' must be unix:/PATH, local:/PATH, inet:PORT@HOST or "
		"inet6:PORT@HOST",
		"2: expected 'key = value', found 'this is not a key value'",
		"3: unknown key 'colour'",
		"4: listener needs two words: NAME MODE or [ADDRESS] MODE",
		"6: duplicate key 'user' (first set at line 5)",
		"7: 'maybe' is not yes or no",
	};
	size_t i;

	ck_assert_ptr_null(cfg);
	ck_assert_uint_eq(reports.n, sizeof(messages) / sizeof(messages[0]));
	for (i = 0; i < sizeof(messages) / sizeof(messages[0]); i++) {
		char *expected = unit_strdupf("%s:%s", conf_path, messages[i]);

		ck_assert_msg(reported(expected) == 1, "not reported once: %s", expected);
		free(expected);
	}
}
END_TEST

START_TEST(missing_config_file_is_reported_without_a_line)
{
	char *path = unit_strdupf("%s/no-such.conf", dir);
	char *expected = unit_strdupf("%s: cannot open: %s", path, strerror(ENOENT));

	ck_assert_ptr_null(mx6_config_load(path, collect, &reports));
	ck_assert_uint_eq(reports.n, 1);
	ck_assert_str_eq(reports.message[0], expected);
	free(expected);
	free(path);
}
END_TEST

START_TEST(errors_without_a_report_callback_still_refuse)
{
	conf_path = unit_write(dir, "milter.conf", "colour = blue\n");
	ck_assert_ptr_null(mx6_config_load(conf_path, NULL, NULL));
}
END_TEST

/* Defaults */

START_TEST(empty_file_is_a_valid_configuration)
{
	struct mx6_config *cfg = load_ok("");

	ck_assert_int_eq(cfg->refcount, 1);
	ck_assert_str_eq(cfg->path, conf_path);
	ck_assert_uint_eq(cfg->nlisteners, 0);
	ck_assert_ptr_null(cfg->ip_whitelist.list);
	ck_assert_ptr_null(cfg->ip_greenlist.list);
	ck_assert_ptr_null(cfg->registration_url);
	mx6_config_unref(&cfg);
}
END_TEST

START_TEST(default_socket_is_mx6_milter_sock_in_the_run_directory)
{
	struct mx6_config *cfg = load_ok("");

	ck_assert_str_eq(cfg->socket,
			 "unix:" MX6_RUNSTATEDIR "/mx6-milter/mx6-milter.sock");
	mx6_config_unref(&cfg);
}
END_TEST

START_TEST(default_process_settings)
{
	struct mx6_config *cfg = load_ok("");

	ck_assert_uint_eq(cfg->socket_mode, 0660);
	ck_assert_str_eq(cfg->user, "mx6-milter");
	ck_assert_int_eq(cfg->mail_facility, LOG_MAIL);
	mx6_config_unref(&cfg);
}
END_TEST

START_TEST(default_decision_settings)
{
	struct mx6_config *cfg = load_ok("");

	ck_assert_int_eq(cfg->default_mode, MX6_MODE_DEFENSIVE);
	ck_assert_int_eq(cfg->reply_authres, MX6_REPLY_AUTHRES_MX6);
	ck_assert_int_eq(cfg->add_authres, 1);
	mx6_config_unref(&cfg);
}
END_TEST

START_TEST(default_authserv_id_is_the_host_name)
{
	struct mx6_config *cfg = load_ok("");
	char host[256];

	ck_assert_int_eq(gethostname(host, sizeof(host)), 0);
	ck_assert_str_eq(cfg->authserv_id, host);
	mx6_config_unref(&cfg);
}
END_TEST

static void assert_reply(const struct mx6_reply *r, const char *code, const char *xcode,
			 const char *text)
{
	ck_assert_str_eq(r->code, code);
	ck_assert_str_eq(r->xcode, xcode);
	ck_assert_uint_eq(r->nlines, 1);
	ck_assert_str_eq(r->lines[0], text);
}

START_TEST(default_replies_are_the_spec_texts)
{
	struct mx6_config *cfg = load_ok("");

	assert_reply(&cfg->defer_reply, "450", "4.7.26",
		     "Not accepted over IPv6: message must pass SPF or DKIM or come from "
		     "a known "
		     "sender; please retry over IPv4");
	assert_reply(&cfg->defer_reply_temperror, "451", "4.4.3",
		     "Temporary DNS failure checking sender over IPv6; please retry over "
		     "IPv4");
	assert_reply(&cfg->mx6_reply, "550", "5.7.26",
		     "MX6: please retry this message over IPv4");
	mx6_config_unref(&cfg);
}
END_TEST

START_TEST(every_setting_is_read)
{
	struct mx6_config *cfg;

	unit_put(dir, "wl", "2001:db8:1::/48\n");
	unit_put(dir, "gl", "2001:db8:2::/48\n");
	cfg = load_ok("socket = inet:8894@127.0.0.1\n"
		      "socket_mode = 0666\n"
		      "user = postfix\n"
		      "authserv_id = mx.test\n"
		      "default_mode = mx6\n"
		      "listener = mta-v6 defensive\n"
		      "listener = [2001:db8::25] report\n"
		      "ip_whitelist = wl\n"
		      "ip_greenlist = gl\n"
		      "defer_reply = 451 4.7.1 Try\\nIPv4\n"
		      "defer_reply_temperror = 451 4.4.3 DNS\n"
		      "mx6_reply = 550 5.7.1 MX6\n"
		      "registration_url = https://mx.test/register\n"
		      "reply_authres = all\n"
		      "add_authres = no\n"
		      "mail_facility = local3\n");

	ck_assert_str_eq(cfg->socket, "inet:8894@127.0.0.1");
	ck_assert_uint_eq(cfg->socket_mode, 0666);
	ck_assert_str_eq(cfg->user, "postfix");
	ck_assert_str_eq(cfg->authserv_id, "mx.test");
	ck_assert_int_eq(cfg->default_mode, MX6_MODE_MX6);
	ck_assert_uint_eq(cfg->nlisteners, 2);
	ck_assert_str_eq(cfg->listeners[0].label, "mta-v6");
	ck_assert_int_eq(cfg->listeners[0].mode, MX6_MODE_DEFENSIVE);
	ck_assert_str_eq(cfg->listeners[1].label, "[2001:db8::25]");
	ck_assert_int_eq(cfg->listeners[1].mode, MX6_MODE_REPORT);
	ck_assert_ptr_nonnull(cfg->ip_whitelist.list);
	ck_assert_ptr_nonnull(cfg->ip_greenlist.list);
	ck_assert_str_eq(cfg->defer_reply.code, "451");
	ck_assert_str_eq(cfg->defer_reply.xcode, "4.7.1");
	ck_assert_uint_eq(cfg->defer_reply.nlines, 2);
	ck_assert_str_eq(cfg->defer_reply.lines[0], "Try");
	ck_assert_str_eq(cfg->defer_reply.lines[1], "IPv4");
	assert_reply(&cfg->defer_reply_temperror, "451", "4.4.3", "DNS");
	assert_reply(&cfg->mx6_reply, "550", "5.7.1", "MX6");
	ck_assert_str_eq(cfg->registration_url, "https://mx.test/register");
	ck_assert_int_eq(cfg->reply_authres, MX6_REPLY_AUTHRES_ALL);
	ck_assert_int_eq(cfg->add_authres, 0);
	ck_assert_int_eq(cfg->mail_facility, LOG_LOCAL3);
	mx6_config_unref(&cfg);
}
END_TEST

START_TEST(word_values_may_be_written_in_any_case)
{
	struct mx6_config *cfg = load_ok("default_mode = Report\n"
					 "listener = mta-v6 DEFENSIVE\n"
					 "reply_authres = No\n"
					 "add_authres = YES\n"
					 "mail_facility = Daemon\n");

	ck_assert_int_eq(cfg->default_mode, MX6_MODE_REPORT);
	ck_assert_int_eq(cfg->listeners[0].mode, MX6_MODE_DEFENSIVE);
	ck_assert_int_eq(cfg->reply_authres, MX6_REPLY_AUTHRES_NO);
	ck_assert_int_eq(cfg->add_authres, 1);
	ck_assert_int_eq(cfg->mail_facility, LOG_DAEMON);
	mx6_config_unref(&cfg);
}
END_TEST

/* Syntax */

START_TEST(comment_lines_and_blank_lines_are_ignored)
{
	struct mx6_config *cfg = load_ok("# mx6-milter\n"
					 "   # indented comment\n"
					 "\n"
					 "\t\n"
					 "user = postfix\n");

	ck_assert_str_eq(cfg->user, "postfix");
	mx6_config_unref(&cfg);
}
END_TEST

START_TEST(comment_after_white_space_ends_the_value)
{
	struct mx6_config *cfg = load_ok("user = postfix # the MTA's user\n"
					 "authserv_id = mx.test\t# tab before\n");

	ck_assert_str_eq(cfg->user, "postfix");
	ck_assert_str_eq(cfg->authserv_id, "mx.test");
	mx6_config_unref(&cfg);
}
END_TEST

START_TEST(hash_inside_a_value_stays)
{
	struct mx6_config *cfg = load_ok("registration_url = https://x/#a\n");

	ck_assert_str_eq(cfg->registration_url, "https://x/#a");
	mx6_config_unref(&cfg);
}
END_TEST

START_TEST(white_space_around_key_and_value_is_ignored)
{
	struct mx6_config *cfg = load_ok("user=postfix\n"
					 "\t authserv_id \t=\t mx.test \t\r\n"
					 "defer_reply =   450 4.7.26   Go away  \n");

	ck_assert_str_eq(cfg->user, "postfix");
	ck_assert_str_eq(cfg->authserv_id, "mx.test");
	ck_assert_str_eq(cfg->defer_reply.lines[0], "Go away");
	mx6_config_unref(&cfg);
}
END_TEST

START_TEST(value_may_contain_equals_signs)
{
	struct mx6_config *cfg = load_ok("registration_url = https://mx.test/?a=b&c=d\n");

	ck_assert_str_eq(cfg->registration_url, "https://mx.test/?a=b&c=d");
	mx6_config_unref(&cfg);
}
END_TEST

/* List paths */

START_TEST(relative_list_path_is_relative_to_the_config_directory)
{
	struct mx6_config *cfg;
	char *expected = unit_strdupf("%s/wl", dir);
	struct mx6_addr a;
	unsigned line = 0;

	unit_put(dir, "wl", "# partner\n2001:db8:1::/48\n");
	/* The current directory is elsewhere: the test runs from the build tree. */
	cfg = load_ok("ip_whitelist = wl\n");
	ck_assert_str_eq(cfg->ip_whitelist.path, expected);
	ck_assert_int_eq(mx6_addr_parse("2001:db8:1::25", &a), 0);
	ck_assert_int_eq(mx6_iplist_lookup(cfg->ip_whitelist.list, &a, &line), 1);
	ck_assert_uint_eq(line, 2);
	mx6_config_unref(&cfg);
	free(expected);
}
END_TEST

START_TEST(absolute_list_path_is_kept)
{
	char *other = unit_mkdir();
	char *list = unit_write(other, "gl", "2001:db8:2::/48\n");
	char *text = unit_strdupf("ip_greenlist = %s\n", list);
	struct mx6_config *cfg = load_ok(text);

	ck_assert_str_eq(cfg->ip_greenlist.path, list);
	mx6_config_unref(&cfg);
	free(text);
	free(list);
	free(other);
}
END_TEST

START_TEST(relative_list_path_follows_a_symlinked_config)
{
	char *real_dir = unit_mkdir();
	char *real_conf = unit_write(real_dir, "milter.conf", "ip_whitelist = wl\n");
	char *link = unit_strdupf("%s/milter.conf", dir);
	char *expected = unit_strdupf("%s/wl", real_dir);
	struct mx6_config *cfg;

	unit_put(real_dir, "wl", "2001:db8::/32\n");
	ck_assert_int_eq(symlink(real_conf, link), 0);
	cfg = mx6_config_load(link, collect, &reports);
	ck_assert_uint_eq(reports.n, 0);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_str_eq(cfg->ip_whitelist.path, expected);
	mx6_config_unref(&cfg);
	free(expected);
	free(link);
	free(real_conf);
	free(real_dir);
}
END_TEST

START_TEST(list_path_is_absolute_when_the_config_path_is_relative)
{
	char cwd[PATH_MAX];
	char *expected = unit_strdupf("%s/wl", dir);
	struct mx6_config *cfg;

	unit_put(dir, "wl", "2001:db8::/32\n");
	conf_path = unit_write(dir, "milter.conf", "ip_whitelist = wl\n");
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(dir), 0);
	cfg = mx6_config_load("milter.conf", collect, &reports);
	ck_assert_int_eq(chdir(cwd), 0);
	ck_assert_uint_eq(reports.n, 0);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_str_eq(cfg->ip_whitelist.path, expected);
	ck_assert_str_eq(cfg->path, "milter.conf");
	mx6_config_unref(&cfg);
	free(expected);
}
END_TEST

/* Reference counting */

START_TEST(ref_shares_the_snapshot_and_unref_clears_the_pointer)
{
	struct mx6_config *cfg = load_ok("user = postfix\n");
	struct mx6_config *session_ref = mx6_config_ref(cfg);

	ck_assert_ptr_eq(session_ref, cfg);
	ck_assert_int_eq(cfg->refcount, 2);
	/* A reload drops the daemon's reference; the session's stays valid. */
	mx6_config_unref(&cfg);
	ck_assert_ptr_null(cfg);
	ck_assert_int_eq(session_ref->refcount, 1);
	ck_assert_str_eq(session_ref->user, "postfix");
	mx6_config_unref(&session_ref);
	ck_assert_ptr_null(session_ref);
}
END_TEST

START_TEST(unref_of_null_does_nothing)
{
	struct mx6_config *cfg = NULL;

	mx6_config_unref(&cfg);
	ck_assert_ptr_null(cfg);
}
END_TEST

/* Listeners */

static struct mx6_config *listeners_config(void)
{
	return load_ok("default_mode = report\n"
		       "listener = [2001:db8:0:0:0:0:0:25] mx6\n"
		       "listener = mta-v6 defensive\n"
		       "listener = [192.0.2.25] off\n");
}

START_TEST(listener_name_matches_in_any_case)
{
	struct mx6_config *cfg = listeners_config();
	const char *label = NULL;

	ck_assert_int_eq(mx6_config_listener(cfg, "MTA-V6", NULL, NULL, &label),
			 MX6_MODE_DEFENSIVE);
	ck_assert_str_eq(label, "mta-v6");
	mx6_config_unref(&cfg);
}
END_TEST

START_TEST(listener_address_matches_postfix_compressed_daemon_addr)
{
	struct mx6_config *cfg = listeners_config();
	const char *label = NULL;

	ck_assert_int_eq(mx6_config_listener(cfg, NULL, "2001:db8::25", NULL, &label),
			 MX6_MODE_MX6);
	ck_assert_str_eq(label, "[2001:db8:0:0:0:0:0:25]");
	mx6_config_unref(&cfg);
}
END_TEST

START_TEST(listener_address_matches_sendmail_ipv6_tagged_form)
{
	struct mx6_config *cfg = listeners_config();
	const char *label = NULL;

	ck_assert_int_eq(mx6_config_listener(cfg, NULL, "IPv6:2001:db8:0:0:0:0:0:25",
					     NULL, &label),
			 MX6_MODE_MX6);
	ck_assert_str_eq(label, "[2001:db8:0:0:0:0:0:25]");
	mx6_config_unref(&cfg);
}
END_TEST

START_TEST(listener_address_matches_if_addr)
{
	struct mx6_config *cfg = listeners_config();
	const char *label = NULL;

	ck_assert_int_eq(
		mx6_config_listener(cfg, NULL, NULL, "IPv6:2001:db8::25", &label),
		MX6_MODE_MX6);
	ck_assert_str_eq(label, "[2001:db8:0:0:0:0:0:25]");
	label = NULL;
	ck_assert_int_eq(
		mx6_config_listener(cfg, "smtpd", "2001:db8::26", "2001:db8::25", &label),
		MX6_MODE_MX6);
	ck_assert_str_eq(label, "[2001:db8:0:0:0:0:0:25]");
	mx6_config_unref(&cfg);
}
END_TEST

START_TEST(listener_ipv4_address_matches)
{
	struct mx6_config *cfg = listeners_config();
	const char *label = NULL;

	ck_assert_int_eq(mx6_config_listener(cfg, NULL, "192.0.2.25", NULL, &label),
			 MX6_MODE_OFF);
	ck_assert_str_eq(label, "[192.0.2.25]");
	mx6_config_unref(&cfg);
}
END_TEST

START_TEST(listener_name_match_is_preferred_over_address_match)
{
	struct mx6_config *cfg = listeners_config();
	const char *label = NULL;

	ck_assert_int_eq(mx6_config_listener(cfg, "mta-v6", "2001:db8::25",
					     "2001:db8::25", &label),
			 MX6_MODE_DEFENSIVE);
	ck_assert_str_eq(label, "mta-v6");
	mx6_config_unref(&cfg);
}
END_TEST

START_TEST(no_listener_match_gives_default_mode)
{
	struct mx6_config *cfg = listeners_config();
	const char *label = NULL;

	ck_assert_int_eq(mx6_config_listener(cfg, "mta-v4", "2001:db8::26",
					     "198.51.100.1", &label),
			 MX6_MODE_REPORT);
	ck_assert_str_eq(label, "default");
	label = NULL;
	ck_assert_int_eq(mx6_config_listener(cfg, NULL, NULL, NULL, &label),
			 MX6_MODE_REPORT);
	ck_assert_str_eq(label, "default");
	label = NULL;
	ck_assert_int_eq(mx6_config_listener(cfg, "", "", "", &label), MX6_MODE_REPORT);
	ck_assert_str_eq(label, "default");
	mx6_config_unref(&cfg);
}
END_TEST

START_TEST(mode_names_round_trip)
{
	static const enum mx6_mode modes[] = {MX6_MODE_DEFENSIVE, MX6_MODE_MX6,
					      MX6_MODE_REPORT, MX6_MODE_SUBMISSION,
					      MX6_MODE_OFF};
	static const char *const names[] = {"defensive", "mx6", "report", "submission",
					    "off"};
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		enum mx6_mode m = MX6_MODE_OFF;

		ck_assert_str_eq(mx6_mode_name(modes[i]), names[i]);
		ck_assert_int_eq(mx6_mode_parse(names[i], &m), 0);
		ck_assert_int_eq(m, modes[i]);
	}
	{
		enum mx6_mode m = MX6_MODE_MX6;

		ck_assert_int_eq(mx6_mode_parse("strict", &m), -1);
	}
}
END_TEST

/* The manual */

/*
 * The first word of a font-macro line (".B key", ".BI key \" = \" VALUE"),
 * with troff escapes for '-' and font changes removed.
 */
static void tag_word(const char *line, char *word, size_t len)
{
	const char *p = line;
	size_t n = 0;

	while (*p != '\0' && *p != ' ')
		p++;
	while (*p == ' ' || *p == '"')
		p++;
	while (*p != '\0' && *p != ' ' && *p != '"' && *p != '\n' && n + 1 < len) {
		if (p[0] == '\\' && p[1] == 'f' && p[2] != '\0') {
			p += 3;
			continue;
		}
		if (p[0] == '\\' && (p[1] == '-' || p[1] == '&')) {
			if (p[1] == '-')
				word[n++] = '-';
			p += 2;
			continue;
		}
		word[n++] = *p++;
	}
	word[n] = '\0';
}

static int is_font_macro(const char *line)
{
	static const char *const macros[] = {".B ", ".BI ", ".BR ",
					     ".I ", ".IB ", ".IR "};
	size_t i;

	for (i = 0; i < sizeof(macros) / sizeof(macros[0]); i++)
		if (strncmp(line, macros[i], strlen(macros[i])) == 0)
			return 1;
	return 0;
}

/* 1 when a .TP/.TQ entry of the page is tagged with KEY. */
static int documents_key(const char *page, const char *key)
{
	const char *p = page;

	while ((p = strchr(p, '.')) != NULL) {
		int at_line_start = p == page || p[-1] == '\n';

		if (at_line_start &&
		    (strncmp(p, ".TP\n", 4) == 0 || strncmp(p, ".TQ\n", 4) == 0)) {
			const char *tag = p + 4;
			char word[128];

			if (is_font_macro(tag)) {
				tag_word(tag, word, sizeof(word));
				if (strcmp(word, key) == 0)
					return 1;
			}
		}
		p++;
	}
	return 0;
}

START_TEST(manual_documents_every_key)
{
	char *path = unit_source_file("man/milter.conf.5");
	char *page, missing[1024] = "";
	size_t i;

	ck_assert_msg(path != NULL, "man/milter.conf.5 not found from srcdir=%s",
		      getenv("srcdir") != NULL ? getenv("srcdir") : "(unset)");
	page = unit_read(path);
	ck_assert_ptr_nonnull(page);
	ck_assert_uint_gt(mx6_config_key_count(), 0);
	for (i = 0; i < mx6_config_key_count(); i++) {
		const char *key = mx6_config_key_name(i);

		ck_assert_ptr_nonnull(key);
		if (!documents_key(page, key)) {
			strncat(missing, " ", sizeof(missing) - strlen(missing) - 1);
			strncat(missing, key, sizeof(missing) - strlen(missing) - 1);
		}
	}
	ck_assert_msg(missing[0] == '\0', "%s has no .TP entry for:%s", path, missing);
	ck_assert_ptr_null(mx6_config_key_name(mx6_config_key_count()));
	free(page);
	free(path);
}
END_TEST

START_TEST(manual_check_finds_only_tagged_entries)
{
	const char *page = ".TP\n.BI socket \" = \" SPEC\n"
			   ".TP\n.B mx6\\-reply\n"
			   ".TQ\n.BI reply_authres \" = \" WHEN\n"
			   ".PP\nuser is mentioned here only\n";

	ck_assert_int_eq(documents_key(page, "socket"), 1);
	ck_assert_int_eq(documents_key(page, "mx6-reply"), 1);
	ck_assert_int_eq(documents_key(page, "reply_authres"), 1);
	ck_assert_int_eq(documents_key(page, "user"), 0);
	ck_assert_int_eq(documents_key(page, "sock"), 0);
}
END_TEST

/* RDAP keys (SPEC 8a) */

START_TEST(rdap_defaults_and_no_client_without_a_signal)
{
	struct mx6_config *cfg = load_ok("");

	ck_assert_ptr_null(cfg->rdap);
	ck_assert_ptr_null(cfg->registrar_greenlist);
	ck_assert_int_eq(cfg->whois_require_contact, 0);
	ck_assert_uint_eq(cfg->whois_signal, MX6_WHOIS_DOMAIN);
	ck_assert_str_eq(cfg->rdap_url, "https://rdap.org/");
	ck_assert_uint_eq(cfg->rdap_timeout_ms, 3000);
	ck_assert_uint_eq(cfg->rdap_cache_ttl, 86400);
	ck_assert_uint_eq(cfg->rdap_negative_ttl, 3600);
	mx6_config_unref(&cfg);
}
END_TEST

START_TEST(rdap_client_is_built_for_a_signal)
{
	struct mx6_config *cfg;

	unit_put(dir, "registrars", "292\n");
	cfg = load_ok("registrar_greenlist = registrars\nwhois_require_contact = yes\n"
		      "whois_signal = both\nrdap_timeout = 1.5\nrdap_cache_ttl = 12h\n"
		      "rdap_negative_ttl = 90\nrdap_url = http://127.0.0.1:8080\n");
	ck_assert_ptr_nonnull(cfg->rdap);
	ck_assert_ptr_nonnull(cfg->registrar_greenlist);
	ck_assert_ptr_null(cfg->rdap_cache); /* neither learn nor state: no cache */
	ck_assert_uint_eq(cfg->whois_signal, MX6_WHOIS_DOMAIN | MX6_WHOIS_NETWORK);
	ck_assert_uint_eq(cfg->rdap_timeout_ms, 1500);
	ck_assert_uint_eq(cfg->rdap_cache_ttl, 12 * 3600);
	ck_assert_uint_eq(cfg->rdap_negative_ttl, 90);
	mx6_config_unref(&cfg);
}
END_TEST

START_TEST(rdap_cache_uses_a_state_store_that_is_named)
{
	char *text = unit_strdupf("whois_require_contact = yes\nstate = lmdb:%s/state\n", dir);
	struct mx6_config *cfg = load_ok(text);

	ck_assert_ptr_nonnull(cfg->rdap);
	ck_assert_ptr_nonnull(cfg->rdap_cache);
	ck_assert_ptr_null(cfg->store); /* learn = no: no history */
	mx6_config_unref(&cfg);
	free(text);
}
END_TEST

START_TEST(bad_rdap_values_are_errors)
{
	refused_with("whois_signal = sometimes\n", 1,
		     "'sometimes' is not one of domain, network, both");
	teardown();
	setup();
	refused_with("\nrdap_url = ftp://rdap.example/\n", 2,
		     "RDAP URL 'ftp://rdap.example/' must start with https:// (or http://)");
	teardown();
	setup();
	refused_with("rdap_cache_ttl = 2 days\n", 1,
		     "'2 days' is not a duration like 3600, 30m, 12h or 1d (at most 365d)");
	teardown();
	setup();
	refused_with("rdap_negative_ttl = 366d\n", 1,
		     "'366d' is not a duration like 3600, 30m, 12h or 1d (at most 365d)");
	teardown();
	setup();
	refused_with("rdap_timeout = 0\n", 1, "'0' is not a number of seconds from 0.1 to 300");
}
END_TEST

START_TEST(registrar_list_error_names_its_file_and_line)
{
	char *path, *expected;
	struct mx6_config *cfg;

	path = unit_write(dir, "registrars", "292\nMark Monitor\n");
	cfg = load("registrar_greenlist = registrars\n");
	expected = unit_strdupf("%s:2: one registrar ID or name per line: 'Mark Monitor'", path);
	ck_assert_ptr_null(cfg);
	ck_assert_int_eq(reported(expected), 1);
	free(expected);
	free(path);
}
END_TEST

START_TEST(bad_bootstrap_file_is_an_error)
{
	struct mx6_config *cfg;

	unit_put(dir, "dns.json", "{\"services\": 5}");
	cfg = load("rdap_bootstrap_dns = dns.json\n");
	ck_assert_ptr_null(cfg);
	ck_assert_int_eq((int)reports.n, 1);
	ck_assert_msg(strstr(reports.message[0], "milter.conf:1: ") != NULL &&
			      strstr(reports.message[0], "dns.json: no \"services\" array") != NULL,
		      "%s", reports.message[0]);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc;

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, line_without_equals_is_a_syntax_error);
	tcase_add_test(tc, unknown_key_is_an_error);
	tcase_add_test(tc, keys_are_lower_case);
	tcase_add_test(tc, empty_key_is_an_error);
	tcase_add_test(tc, duplicate_scalar_key_names_the_first_line);
	tcase_add_test(tc, overlong_value_is_an_error);
	tcase_add_loop_test(tc, bad_socket_is_an_error, 0,
			    (int)(sizeof(bad_sockets) / sizeof(bad_sockets[0])));
	tcase_add_loop_test(tc, socket_forms_of_libmilter_are_accepted, 0,
			    (int)(sizeof(good_sockets) / sizeof(good_sockets[0])));
	tcase_add_loop_test(tc, bad_socket_mode_is_an_error, 0,
			    (int)(sizeof(bad_modes) / sizeof(bad_modes[0])));
	tcase_add_test(tc, bad_user_is_an_error);
	tcase_add_test(tc, empty_user_is_an_error);
	tcase_add_test(tc, bad_authserv_id_is_an_error);
	tcase_add_test(tc, bad_default_mode_is_an_error);
	tcase_add_test(tc, submission_mode_is_a_listener_mode);
	tcase_add_test(tc, listener_with_one_word_is_an_error);
	tcase_add_test(tc, listener_with_three_words_is_an_error);
	tcase_add_test(tc, listener_with_bad_mode_is_an_error);
	tcase_add_loop_test(tc, listener_with_bad_address_is_an_error, 0,
			    (int)(sizeof(bad_listener_addresses) /
				  sizeof(bad_listener_addresses[0])));
	tcase_add_test(tc, duplicate_listener_name_is_an_error_in_any_case);
	tcase_add_test(tc, duplicate_listener_address_is_an_error_in_any_spelling);
	tcase_add_test(tc, missing_list_file_is_reported_at_the_config_line);
	tcase_add_test(tc, list_that_is_a_directory_is_reported_at_the_config_line);
	tcase_add_test(tc, bad_list_entry_is_reported_as_list_file_and_line);
	tcase_add_loop_test(tc, bad_reply_is_an_error, 0,
			    (int)(sizeof(bad_replies) / sizeof(bad_replies[0])));
	tcase_add_test(tc, reply_with_33_lines_is_an_error);
	tcase_add_test(tc, mx6_reply_may_be_temporary);
	tcase_add_test(tc, bad_reply_authres_is_an_error);
	tcase_add_test(tc, bad_add_authres_is_an_error);
	tcase_add_test(tc, bad_mail_facility_is_an_error);
	tcase_add_test(tc, registration_url_with_a_space_is_an_error);
	tcase_add_test(tc, registration_url_with_non_ascii_is_an_error);
	tcase_add_test(tc, registration_url_of_396_bytes_is_the_longest);
	tcase_add_test(tc, every_error_in_a_file_is_reported);
	tcase_add_test(tc, missing_config_file_is_reported_without_a_line);
	tcase_add_test(tc, errors_without_a_report_callback_still_refuse);
	suite_add_tcase(s, tc);

	tc = tcase_create("values");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, empty_file_is_a_valid_configuration);
	tcase_add_test(tc, default_socket_is_mx6_milter_sock_in_the_run_directory);
	tcase_add_test(tc, default_process_settings);
	tcase_add_test(tc, default_decision_settings);
	tcase_add_test(tc, default_authserv_id_is_the_host_name);
	tcase_add_test(tc, default_replies_are_the_spec_texts);
	tcase_add_test(tc, every_setting_is_read);
	tcase_add_test(tc, word_values_may_be_written_in_any_case);
	tcase_add_test(tc, comment_lines_and_blank_lines_are_ignored);
	tcase_add_test(tc, comment_after_white_space_ends_the_value);
	tcase_add_test(tc, empty_registration_url_means_unset);
	tcase_add_test(tc, hash_inside_a_value_stays);
	tcase_add_test(tc, white_space_around_key_and_value_is_ignored);
	tcase_add_test(tc, value_may_contain_equals_signs);
	tcase_add_test(tc, relative_list_path_is_relative_to_the_config_directory);
	tcase_add_test(tc, absolute_list_path_is_kept);
	tcase_add_test(tc, relative_list_path_follows_a_symlinked_config);
	tcase_add_test(tc, list_path_is_absolute_when_the_config_path_is_relative);
	tcase_add_test(tc, ref_shares_the_snapshot_and_unref_clears_the_pointer);
	tcase_add_test(tc, unref_of_null_does_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("rdap");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rdap_defaults_and_no_client_without_a_signal);
	tcase_add_test(tc, rdap_client_is_built_for_a_signal);
	tcase_add_test(tc, rdap_cache_uses_a_state_store_that_is_named);
	tcase_add_test(tc, bad_rdap_values_are_errors);
	tcase_add_test(tc, registrar_list_error_names_its_file_and_line);
	tcase_add_test(tc, bad_bootstrap_file_is_an_error);
	suite_add_tcase(s, tc);

	tc = tcase_create("listeners");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, listener_name_matches_in_any_case);
	tcase_add_test(tc, listener_address_matches_postfix_compressed_daemon_addr);
	tcase_add_test(tc, listener_address_matches_sendmail_ipv6_tagged_form);
	tcase_add_test(tc, listener_address_matches_if_addr);
	tcase_add_test(tc, listener_ipv4_address_matches);
	tcase_add_test(tc, listener_name_match_is_preferred_over_address_match);
	tcase_add_test(tc, no_listener_match_gives_default_mode);
	tcase_add_test(tc, mode_names_round_trip);
	suite_add_tcase(s, tc);

	tc = tcase_create("manual");
	tcase_add_test(tc, manual_documents_every_key);
	tcase_add_test(tc, manual_check_finds_only_tagged_entries);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_main(config_suite());
}
