/*
 * NAME
 *	check_domainset 1
 * SUMMARY
 *	unit tests for lib/domainset.c: domain sets with parent entries
 * DESCRIPTION
 *	Each test states one behaviour of a domain list (SPEC 7) as an
 *	operator relies on it: which names an exact and a ".parent" entry
 *	match, which line answers when several entries could, how list
 *	files are read and how their errors are reported, and which names
 *	are valid at all. The last tests load 100,000 random names and
 *	look every one of them up, and as many names that are not listed.
 */
#include "autoconf.h"

#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domainset.h"
#include "unit.h"

/* The sets built here number their lines from 1, so 0 means "no match". */
#define NO_MATCH 0u

/* A set of ENTRY..., NULL, entry N on line N. */
static struct mx6_domainset *build(const char *entry, ...)
{
	struct mx6_domainset *set = mx6_domainset_new();
	char err[256];
	unsigned line = 0;
	va_list ap;

	ck_assert_ptr_nonnull(set);
	va_start(ap, entry);
	for (; entry != NULL; entry = va_arg(ap, const char *)) {
		line++;
		ck_assert_msg(mx6_domainset_add(set, entry, line, err, sizeof(err)) == 0,
			      "entry '%s' refused: %s", entry, err);
	}
	va_end(ap);
	return set;
}

/* The line of the entry that matches NAME, or NO_MATCH. */
static unsigned line_for(const struct mx6_domainset *set, const char *name)
{
	unsigned line = NO_MATCH;

	if (mx6_domainset_lookup(set, name, &line) != 1)
		return NO_MATCH;
	ck_assert_msg(line != NO_MATCH, "'%s' matched an entry without a line", name);
	return line;
}

/* The message of a refused entry (and that it was refused). */
static const char *add_error(const char *entry)
{
	static char err[512];
	struct mx6_domainset *set = mx6_domainset_new();

	ck_assert_ptr_nonnull(set);
	strcpy(err, "(no message)");
	ck_assert_msg(mx6_domainset_add(set, entry, 1, err, sizeof(err)) == -1,
		      "entry '%s' was accepted", entry);
	ck_assert_uint_eq(mx6_domainset_count(set), 0);
	mx6_domainset_free(&set);
	return err;
}

static char load_err[2048];

static struct mx6_domainset *load_text(const char *text, char **path_r)
{
	*path_r = unit_write_temp(text);
	strcpy(load_err, "(no message)");
	return mx6_domainset_load(*path_r, load_err, sizeof(load_err));
}

/* A name of COUNT copies of C. */
static char *repeat(char c, size_t count)
{
	char *s = malloc(count + 1);

	ck_assert_ptr_nonnull(s);
	memset(s, c, count);
	s[count] = '\0';
	return s;
}

/* A name of exactly LEN bytes: labels of 63 'a's joined by dots. */
static char *name_of_length(size_t len)
{
	char *s = repeat('a', len);
	size_t i;

	for (i = 63; i < len; i += 64)
		s[i] = '.';
	if (s[len - 1] == '.')
		s[len - 1] = 'b';
	return s;
}

/* Exact entries */

START_TEST(exact_entry_matches_only_that_name)
{
	struct mx6_domainset *set = build("example.org", NULL);

	ck_assert_uint_eq(line_for(set, "example.org"), 1);
	ck_assert_uint_eq(line_for(set, "mail.example.org"), NO_MATCH);
	ck_assert_uint_eq(line_for(set, "badexample.org"), NO_MATCH);
	ck_assert_uint_eq(line_for(set, "example.org.uk"), NO_MATCH);
	ck_assert_uint_eq(line_for(set, "org"), NO_MATCH);
	mx6_domainset_free(&set);
}
END_TEST

START_TEST(each_exact_entry_answers_with_its_own_line)
{
	struct mx6_domainset *set = build("example.org", "example.net", "mail.example.com",
					  NULL);

	ck_assert_uint_eq(line_for(set, "example.org"), 1);
	ck_assert_uint_eq(line_for(set, "example.net"), 2);
	ck_assert_uint_eq(line_for(set, "mail.example.com"), 3);
	ck_assert_uint_eq(line_for(set, "example.com"), NO_MATCH);
	mx6_domainset_free(&set);
}
END_TEST

/* Parent entries */

START_TEST(parent_entry_matches_the_domain_itself)
{
	struct mx6_domainset *set = build(".example.org", NULL);

	ck_assert_uint_eq(line_for(set, "example.org"), 1);
	mx6_domainset_free(&set);
}
END_TEST

START_TEST(parent_entry_matches_names_at_any_depth_below)
{
	struct mx6_domainset *set = build(".example.org", NULL);

	ck_assert_uint_eq(line_for(set, "mail.example.org"), 1);
	ck_assert_uint_eq(line_for(set, "a.b.example.org"), 1);
	ck_assert_uint_eq(line_for(set, "x.y.z.mail.example.org"), 1);
	mx6_domainset_free(&set);
}
END_TEST

START_TEST(parent_entry_does_not_match_a_name_that_only_ends_like_it)
{
	struct mx6_domainset *set = build(".example.org", NULL);

	ck_assert_uint_eq(line_for(set, "badexample.org"), NO_MATCH);
	ck_assert_uint_eq(line_for(set, "mail.badexample.org"), NO_MATCH);
	ck_assert_uint_eq(line_for(set, "example.org.evil.net"), NO_MATCH);
	ck_assert_uint_eq(line_for(set, "org"), NO_MATCH);
	ck_assert_uint_eq(line_for(set, "xample.org"), NO_MATCH);
	mx6_domainset_free(&set);
}
END_TEST

START_TEST(exact_entry_wins_over_a_parent_entry)
{
	/* Whatever the order in the file. */
	struct mx6_domainset *set = build(".example.org", "mail.example.org",
					  "example.org", NULL);

	ck_assert_uint_eq(line_for(set, "mail.example.org"), 2);
	ck_assert_uint_eq(line_for(set, "example.org"), 3);
	ck_assert_uint_eq(line_for(set, "www.example.org"), 1);
	mx6_domainset_free(&set);
}
END_TEST

START_TEST(nearer_parent_wins_over_a_farther_one)
{
	struct mx6_domainset *set = build(".org", ".example.org", ".mail.example.org",
					  NULL);

	ck_assert_uint_eq(line_for(set, "a.mail.example.org"), 3);
	ck_assert_uint_eq(line_for(set, "mail.example.org"), 3);
	ck_assert_uint_eq(line_for(set, "www.example.org"), 2);
	ck_assert_uint_eq(line_for(set, "example.org"), 2);
	ck_assert_uint_eq(line_for(set, "example2.org"), 1);
	mx6_domainset_free(&set);
}
END_TEST

START_TEST(nearer_parent_wins_whatever_the_order_of_lines)
{
	struct mx6_domainset *set = build(".mail.example.org", ".example.org", NULL);

	ck_assert_uint_eq(line_for(set, "a.mail.example.org"), 1);
	ck_assert_uint_eq(line_for(set, "a.www.example.org"), 2);
	mx6_domainset_free(&set);
}
END_TEST

START_TEST(exact_entry_does_not_cover_names_below_it)
{
	struct mx6_domainset *set = build("example.org", ".example.net", NULL);

	ck_assert_uint_eq(line_for(set, "www.example.org"), NO_MATCH);
	ck_assert_uint_eq(line_for(set, "www.example.net"), 2);
	mx6_domainset_free(&set);
}
END_TEST

/* Spelling */

START_TEST(lookup_is_case_insensitive)
{
	struct mx6_domainset *set = build("Example.ORG", ".Partner.Example.NET", NULL);

	ck_assert_uint_eq(line_for(set, "example.org"), 1);
	ck_assert_uint_eq(line_for(set, "EXAMPLE.ORG"), 1);
	ck_assert_uint_eq(line_for(set, "eXaMpLe.OrG"), 1);
	ck_assert_uint_eq(line_for(set, "MAIL.PARTNER.EXAMPLE.NET"), 2);
	ck_assert_uint_eq(line_for(set, "partner.example.net"), 2);
	mx6_domainset_free(&set);
}
END_TEST

START_TEST(trailing_dot_is_ignored_in_entries_and_lookups)
{
	struct mx6_domainset *set = build("example.org.", ".example.net.", NULL);

	ck_assert_uint_eq(line_for(set, "example.org"), 1);
	ck_assert_uint_eq(line_for(set, "example.org."), 1);
	ck_assert_uint_eq(line_for(set, "mail.example.net"), 2);
	ck_assert_uint_eq(line_for(set, "mail.example.net."), 2);
	ck_assert_uint_eq(line_for(set, "example.net."), 2);
	mx6_domainset_free(&set);
}
END_TEST

START_TEST(duplicate_entry_first_line_wins)
{
	struct mx6_domainset *set = build("example.org", ".example.net", "EXAMPLE.org.",
					  ".example.NET", NULL);

	ck_assert_uint_eq(line_for(set, "example.org"), 1);
	ck_assert_uint_eq(line_for(set, "www.example.net"), 2);
	ck_assert_uint_eq(mx6_domainset_count(set), 2);
	mx6_domainset_free(&set);
}
END_TEST

START_TEST(exact_and_parent_entry_of_one_name_are_two_entries)
{
	struct mx6_domainset *set = build(".example.org", "example.org", NULL);

	ck_assert_uint_eq(mx6_domainset_count(set), 2);
	ck_assert_uint_eq(line_for(set, "example.org"), 2);
	ck_assert_uint_eq(line_for(set, "www.example.org"), 1);
	mx6_domainset_free(&set);
}
END_TEST

START_TEST(lookup_without_line_pointer_still_answers)
{
	struct mx6_domainset *set = build(".example.org", NULL);

	ck_assert_int_eq(mx6_domainset_lookup(set, "www.example.org", NULL), 1);
	ck_assert_int_eq(mx6_domainset_lookup(set, "example.net", NULL), 0);
	mx6_domainset_free(&set);
}
END_TEST

START_TEST(lookup_of_empty_or_overlong_names_finds_nothing)
{
	struct mx6_domainset *set = build(".org", NULL);
	char *long_name = name_of_length(300);

	long_name[296] = '.';
	memcpy(long_name + 297, "org", 3);
	ck_assert_uint_eq(line_for(set, ""), NO_MATCH);
	ck_assert_uint_eq(line_for(set, "."), NO_MATCH);
	ck_assert_uint_eq(line_for(set, long_name), NO_MATCH);
	ck_assert_int_eq(mx6_domainset_lookup(set, NULL, NULL), 0);
	ck_assert_int_eq(mx6_domainset_lookup(NULL, "example.org", NULL), 0);
	free(long_name);
	mx6_domainset_free(&set);
}
END_TEST

START_TEST(empty_set_matches_nothing)
{
	struct mx6_domainset *set = mx6_domainset_new();

	ck_assert_ptr_nonnull(set);
	ck_assert_uint_eq(mx6_domainset_count(set), 0);
	ck_assert_uint_eq(line_for(set, "example.org"), NO_MATCH);
	mx6_domainset_free(&set);
}
END_TEST

START_TEST(free_sets_the_pointer_to_null)
{
	struct mx6_domainset *set = build("example.org", NULL);

	mx6_domainset_free(&set);
	ck_assert_ptr_null(set);
	mx6_domainset_free(&set);
	ck_assert_ptr_null(set);
	ck_assert_uint_eq(mx6_domainset_count(NULL), 0);
}
END_TEST

/* Invalid entries */

static const struct {
	const char *entry;
	const char *message;
} bad_entries[] = {
	{"", "invalid domain name ''"},
	{".", "invalid domain name '.'"},
	{"example..org", "invalid domain name 'example..org'"},
	{"..example.org", "invalid domain name '..example.org'"},
	{"example.org..", "invalid domain name 'example.org..'"},
	{"exa mple.org", "invalid domain name 'exa mple.org'"},
	{"user@example.org", "invalid domain name 'user@example.org'"},
	{"*.example.org", "invalid domain name '*.example.org'"},
	{"example.org/24", "invalid domain name 'example.org/24'"},
	{"[192.0.2.1]", "invalid domain name '[192.0.2.1]'"},
	{"ex\xc3\xa4mple.org", "invalid domain name 'ex\xc3\xa4mple.org'"},
};

START_TEST(bad_entry_is_refused_with_its_message)
{
	ck_assert_str_eq(add_error(bad_entries[_i].entry), bad_entries[_i].message);
}
END_TEST

START_TEST(label_of_64_bytes_is_refused)
{
	char *label = repeat('a', 64);
	char *entry = unit_strdupf("%s.example.org", label);
	char *expected = unit_strdupf("invalid domain name '%s'", entry);

	ck_assert_str_eq(add_error(entry), expected);
	free(expected);
	free(entry);
	free(label);
}
END_TEST

START_TEST(name_of_254_bytes_is_refused)
{
	char *entry = name_of_length(254);
	char *expected = unit_strdupf("invalid domain name '%s'", entry);

	ck_assert_str_eq(add_error(entry), expected);
	free(expected);
	free(entry);
}
END_TEST

START_TEST(longest_valid_name_and_label_are_accepted)
{
	char *name = name_of_length(253);
	char *label = repeat('a', 63);
	char *parent = unit_strdupf(".%s.example.org", label);
	struct mx6_domainset *set = build(name, parent, NULL);

	ck_assert_uint_eq(line_for(set, name), 1);
	ck_assert_uint_eq(line_for(set, parent + 1), 2);
	free(parent);
	free(label);
	free(name);
	mx6_domainset_free(&set);
}
END_TEST

/* List files */

START_TEST(load_skips_comments_and_blank_lines_and_counts_them_as_lines)
{
	char *path;
	struct mx6_domainset *set = load_text("# partners\n"
					      "\n"
					      "   \t \n"
					      "example.org   # since 2024\n"
					      "\t.example.net\n"
					      "#example.com\n",
					      &path);

	ck_assert_msg(set != NULL, "%s", load_err);
	ck_assert_uint_eq(mx6_domainset_count(set), 2);
	ck_assert_uint_eq(line_for(set, "example.org"), 4);
	ck_assert_uint_eq(line_for(set, "mail.example.net"), 5);
	ck_assert_uint_eq(line_for(set, "example.com"), NO_MATCH);
	mx6_domainset_free(&set);
	free(path);
}
END_TEST

START_TEST(load_comment_needs_no_space_before_it)
{
	char *path;
	struct mx6_domainset *set = load_text(".example.org#partner\n", &path);

	ck_assert_msg(set != NULL, "%s", load_err);
	ck_assert_uint_eq(line_for(set, "www.example.org"), 1);
	mx6_domainset_free(&set);
	free(path);
}
END_TEST

START_TEST(load_accepts_crlf_line_ends_and_a_missing_last_newline)
{
	char *path;
	struct mx6_domainset *set = load_text("example.org\r\nexample.net", &path);

	ck_assert_msg(set != NULL, "%s", load_err);
	ck_assert_uint_eq(line_for(set, "example.org"), 1);
	ck_assert_uint_eq(line_for(set, "example.net"), 2);
	mx6_domainset_free(&set);
	free(path);
}
END_TEST

START_TEST(load_entries_are_case_insensitive)
{
	char *path;
	struct mx6_domainset *set = load_text(".EXAMPLE.Org\n", &path);

	ck_assert_msg(set != NULL, "%s", load_err);
	ck_assert_uint_eq(line_for(set, "mail.example.org"), 1);
	mx6_domainset_free(&set);
	free(path);
}
END_TEST

START_TEST(load_duplicate_first_line_wins)
{
	char *path;
	struct mx6_domainset *set = load_text("example.org\n# again\nExample.Org\n", &path);

	ck_assert_msg(set != NULL, "%s", load_err);
	ck_assert_uint_eq(mx6_domainset_count(set), 1);
	ck_assert_uint_eq(line_for(set, "example.org"), 1);
	mx6_domainset_free(&set);
	free(path);
}
END_TEST

START_TEST(load_empty_file_is_an_empty_set)
{
	char *path;
	struct mx6_domainset *set = load_text("# nothing yet\n\n", &path);

	ck_assert_msg(set != NULL, "%s", load_err);
	ck_assert_uint_eq(mx6_domainset_count(set), 0);
	ck_assert_uint_eq(line_for(set, "example.org"), NO_MATCH);
	mx6_domainset_free(&set);
	free(path);
}
END_TEST

START_TEST(load_empty_label_error_names_file_and_line)
{
	char *path, *expected;
	struct mx6_domainset *set = load_text("# list\nexample.org\nmail..example.net\n",
					      &path);

	ck_assert_ptr_null(set);
	expected = unit_strdupf("%s:3: invalid domain name 'mail..example.net'", path);
	ck_assert_str_eq(load_err, expected);
	free(expected);
	free(path);
}
END_TEST

START_TEST(load_double_leading_dot_error_names_file_and_line)
{
	char *path, *expected;
	struct mx6_domainset *set = load_text("..example.org\n", &path);

	ck_assert_ptr_null(set);
	expected = unit_strdupf("%s:1: invalid domain name '..example.org'", path);
	ck_assert_str_eq(load_err, expected);
	free(expected);
	free(path);
}
END_TEST

START_TEST(load_long_label_error_names_file_and_line)
{
	char *label = repeat('x', 64);
	char *text = unit_strdupf("example.org\n\n.%s.example.net\n", label);
	char *path, *expected;
	struct mx6_domainset *set = load_text(text, &path);

	ck_assert_ptr_null(set);
	expected = unit_strdupf("%s:3: invalid domain name '.%s.example.net'", path, label);
	ck_assert_str_eq(load_err, expected);
	free(expected);
	free(path);
	free(text);
	free(label);
}
END_TEST

START_TEST(load_long_name_error_names_file_and_line)
{
	char *name = name_of_length(254);
	char *text = unit_strdupf("%s\n", name);
	char *path, *expected;
	struct mx6_domainset *set = load_text(text, &path);

	ck_assert_ptr_null(set);
	expected = unit_strdupf("%s:1: invalid domain name '%s'", path, name);
	ck_assert_str_eq(load_err, expected);
	free(expected);
	free(path);
	free(text);
	free(name);
}
END_TEST

START_TEST(load_bad_character_error_names_file_and_line)
{
	char *path, *expected;
	struct mx6_domainset *set = load_text("example.org\npostmaster@example.net\n", &path);

	ck_assert_ptr_null(set);
	expected =
		unit_strdupf("%s:2: invalid domain name 'postmaster@example.net'", path);
	ck_assert_str_eq(load_err, expected);
	free(expected);
	free(path);
}
END_TEST

START_TEST(load_two_names_on_one_line_is_an_error)
{
	char *path, *expected;
	struct mx6_domainset *set =
		load_text("example.org\nexample.net\texample.com  # two\n", &path);

	ck_assert_ptr_null(set);
	expected = unit_strdupf("%s:2: one domain per line: 'example.net\texample.com'",
				path);
	ck_assert_str_eq(load_err, expected);
	free(expected);
	free(path);
}
END_TEST

START_TEST(load_missing_file_names_file_and_reason)
{
	char *path = unit_strdupf("%s/no-such-list", unit_scratch());
	char *expected = unit_strdupf("%s: cannot open: %s", path, strerror(ENOENT));

	ck_assert_ptr_null(mx6_domainset_load(path, load_err, sizeof(load_err)));
	ck_assert_str_eq(load_err, expected);
	free(expected);
	free(path);
}
END_TEST

/* mx6_domain_valid */

static const struct {
	const char *name;
	int valid;
} names[] = {
	{"example.org", 1},
	{"example.org.", 1},
	{"localhost", 1},
	{"a", 1},
	{"123.example", 1},
	{"xn--bcher-kva.example", 1},
	{"_dmarc.example.org", 1},
	{"mail-1.example.org", 1},
	{"EXAMPLE.ORG", 1},
	{"", 0},
	{".", 0},
	{"..", 0},
	{".example.org", 0},
	{"example..org", 0},
	{"example.org..", 0},
	{"exa mple.org", 0},
	{"example.org ", 0},
	{"a@example.org", 0},
	{"*.example.org", 0},
	{"example.org/", 0},
	{"[192.0.2.1]", 0},
	{"ex\xc3\xa4mple.org", 0},
	{"example.org\n", 0},
};

START_TEST(domain_valid_edge_cases)
{
	ck_assert_msg(mx6_domain_valid(names[_i].name) == names[_i].valid,
		      "'%s': valid says %d, want %d", names[_i].name,
		      mx6_domain_valid(names[_i].name), names[_i].valid);
}
END_TEST

START_TEST(domain_valid_limits_labels_to_63_bytes)
{
	char *label63 = repeat('a', 63), *label64 = repeat('a', 64);
	char *ok = unit_strdupf("%s.example.org", label63);
	char *bad = unit_strdupf("%s.example.org", label64);
	char *bad_last = unit_strdupf("example.%s", label64);

	ck_assert_int_eq(mx6_domain_valid(label63), 1);
	ck_assert_int_eq(mx6_domain_valid(label64), 0);
	ck_assert_int_eq(mx6_domain_valid(ok), 1);
	ck_assert_int_eq(mx6_domain_valid(bad), 0);
	ck_assert_int_eq(mx6_domain_valid(bad_last), 0);
	free(bad_last);
	free(bad);
	free(ok);
	free(label64);
	free(label63);
}
END_TEST

START_TEST(domain_valid_limits_names_to_253_bytes_without_the_trailing_dot)
{
	char *n253 = name_of_length(253), *n254 = name_of_length(254);
	char *n253_dot = unit_strdupf("%s.", n253);

	ck_assert_uint_eq(strlen(n253), 253);
	ck_assert_int_eq(mx6_domain_valid(n253), 1);
	ck_assert_int_eq(mx6_domain_valid(n253_dot), 1);
	ck_assert_int_eq(mx6_domain_valid(n254), 0);
	free(n253_dot);
	free(n254);
	free(n253);
}
END_TEST

/* Many names */

#define MANY 100000

static uint64_t rng_state;

/* xorshift64*: the same names on every run. */
static uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static unsigned rng_below(unsigned n)
{
	return (unsigned)(rng_next() % n);
}

/*
 * A random name of 2 to 4 labels, like "q7xk2m0a.ab9fjz31.org". With
 * labels of at least 8 characters, two names (or a name and a parent of
 * another) coincide with a probability far below 1e-6.
 */
static void random_name(char *buf, size_t buflen)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	static const char *const tlds[] = {"org", "net", "com", "de", "example"};
	unsigned labels = 1 + rng_below(3), i;
	size_t o = 0;

	for (i = 0; i < labels; i++) {
		unsigned len = 8 + rng_below(8), j;

		for (j = 0; j < len && o + 2 < buflen; j++)
			buf[o++] = chars[rng_below(sizeof(chars) - 1)];
		buf[o++] = '.';
	}
	snprintf(buf + o, buflen - o, "%s", tlds[rng_below(5)]);
}

struct many {
	struct mx6_domainset *set;
	char (*name)[64];
};

/* MANY names, every tenth a parent entry, written to a list file and loaded. */
static struct many load_many(uint64_t seed)
{
	struct many m;
	size_t i, len = 0;
	char *text, *path;

	rng_state = seed;
	m.name = calloc(MANY, sizeof(*m.name));
	text = malloc((size_t)MANY * 66 + 1);
	ck_assert_ptr_nonnull(m.name);
	ck_assert_ptr_nonnull(text);
	for (i = 0; i < MANY; i++) {
		random_name(m.name[i], sizeof(m.name[i]));
		len += (size_t)sprintf(text + len, "%s%s\n", i % 10 == 0 ? "." : "",
				       m.name[i]);
	}
	path = unit_write_temp(text);
	m.set = mx6_domainset_load(path, load_err, sizeof(load_err));
	ck_assert_msg(m.set != NULL, "%s", load_err);
	free(path);
	free(text);
	return m;
}

START_TEST(hundred_thousand_random_names_are_all_found_with_their_lines)
{
	struct many m = load_many(0x9e3779b97f4a7c15ULL);
	char buf[80];
	size_t i;

	ck_assert_uint_eq(mx6_domainset_count(m.set), MANY);
	for (i = 0; i < MANY; i++) {
		unsigned line = line_for(m.set, m.name[i]);

		ck_assert_msg(line != NO_MATCH, "'%s' (line %zu) not found", m.name[i],
			      i + 1);
		ck_assert_msg(line == i + 1, "'%s' (line %zu) found at line %u",
			      m.name[i], i + 1, line);
		if (i % 10 == 0) {
			snprintf(buf, sizeof(buf), "sub.%s", m.name[i]);
			ck_assert_msg(line_for(m.set, buf) == i + 1,
				      "'%s' not found under the parent entry of line %zu",
				      buf, i + 1);
		}
	}
	mx6_domainset_free(&m.set);
	free(m.name);
}
END_TEST

START_TEST(hundred_thousand_random_non_members_are_not_found)
{
	struct many m = load_many(0x2545f4914f6cdd1dULL);
	char buf[80];
	size_t i;

	for (i = 0; i < MANY; i++) {
		/* A name of another top-level domain cannot be listed. */
		snprintf(buf, sizeof(buf), "%s.invalid", m.name[i]);
		ck_assert_msg(line_for(m.set, buf) == NO_MATCH, "'%s' found", buf);
		/* Nor can a name that only ends like an entry. */
		snprintf(buf, sizeof(buf), "zz%s", m.name[i]);
		ck_assert_msg(line_for(m.set, buf) == NO_MATCH, "'%s' found", buf);
		/* Nor one below an exact entry. */
		if (i % 10 != 0) {
			snprintf(buf, sizeof(buf), "sub.%s", m.name[i]);
			ck_assert_msg(line_for(m.set, buf) == NO_MATCH, "'%s' found", buf);
		}
	}
	mx6_domainset_free(&m.set);
	free(m.name);
}
END_TEST

static Suite *domainset_suite(void)
{
	Suite *s = suite_create("domainset");
	TCase *tc;

	tc = tcase_create("entries");
	tcase_add_test(tc, exact_entry_matches_only_that_name);
	tcase_add_test(tc, each_exact_entry_answers_with_its_own_line);
	tcase_add_test(tc, parent_entry_matches_the_domain_itself);
	tcase_add_test(tc, parent_entry_matches_names_at_any_depth_below);
	tcase_add_test(tc, parent_entry_does_not_match_a_name_that_only_ends_like_it);
	tcase_add_test(tc, exact_entry_wins_over_a_parent_entry);
	tcase_add_test(tc, nearer_parent_wins_over_a_farther_one);
	tcase_add_test(tc, nearer_parent_wins_whatever_the_order_of_lines);
	tcase_add_test(tc, exact_entry_does_not_cover_names_below_it);
	tcase_add_test(tc, lookup_is_case_insensitive);
	tcase_add_test(tc, trailing_dot_is_ignored_in_entries_and_lookups);
	tcase_add_test(tc, duplicate_entry_first_line_wins);
	tcase_add_test(tc, exact_and_parent_entry_of_one_name_are_two_entries);
	tcase_add_test(tc, lookup_without_line_pointer_still_answers);
	tcase_add_test(tc, lookup_of_empty_or_overlong_names_finds_nothing);
	tcase_add_test(tc, empty_set_matches_nothing);
	tcase_add_test(tc, free_sets_the_pointer_to_null);
	suite_add_tcase(s, tc);

	tc = tcase_create("invalid entries");
	tcase_add_loop_test(tc, bad_entry_is_refused_with_its_message, 0,
			    (int)(sizeof(bad_entries) / sizeof(bad_entries[0])));
	tcase_add_test(tc, label_of_64_bytes_is_refused);
	tcase_add_test(tc, name_of_254_bytes_is_refused);
	tcase_add_test(tc, longest_valid_name_and_label_are_accepted);
	suite_add_tcase(s, tc);

	tc = tcase_create("list files");
	tcase_add_test(tc, load_skips_comments_and_blank_lines_and_counts_them_as_lines);
	tcase_add_test(tc, load_comment_needs_no_space_before_it);
	tcase_add_test(tc, load_accepts_crlf_line_ends_and_a_missing_last_newline);
	tcase_add_test(tc, load_entries_are_case_insensitive);
	tcase_add_test(tc, load_duplicate_first_line_wins);
	tcase_add_test(tc, load_empty_file_is_an_empty_set);
	tcase_add_test(tc, load_empty_label_error_names_file_and_line);
	tcase_add_test(tc, load_double_leading_dot_error_names_file_and_line);
	tcase_add_test(tc, load_long_label_error_names_file_and_line);
	tcase_add_test(tc, load_long_name_error_names_file_and_line);
	tcase_add_test(tc, load_bad_character_error_names_file_and_line);
	tcase_add_test(tc, load_two_names_on_one_line_is_an_error);
	tcase_add_test(tc, load_missing_file_names_file_and_reason);
	suite_add_tcase(s, tc);

	tc = tcase_create("valid names");
	tcase_add_loop_test(tc, domain_valid_edge_cases, 0,
			    (int)(sizeof(names) / sizeof(names[0])));
	tcase_add_test(tc, domain_valid_limits_labels_to_63_bytes);
	tcase_add_test(tc, domain_valid_limits_names_to_253_bytes_without_the_trailing_dot);
	suite_add_tcase(s, tc);

	tc = tcase_create("many names");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, hundred_thousand_random_names_are_all_found_with_their_lines);
	tcase_add_test(tc, hundred_thousand_random_non_members_are_not_found);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_main(domainset_suite());
}
