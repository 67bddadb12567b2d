/*
 * NAME
 *	check_iplist 1
 * SUMMARY
 *	unit tests for lib/iplist.c: address and prefix sets
 * DESCRIPTION
 *	Each test states one behaviour of an IP list as an operator or the
 *	milter relies on it: which addresses a prefix covers, which line
 *	answers when prefixes nest, how list files are read and how their
 *	errors are reported, and how the MTA's address forms are parsed.
 *	The last test compares lookups in lists of random prefixes with a
 *	brute-force reference, which catches mistakes in the flattening of
 *	nested prefixes that hand-written cases miss.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iplist.h"
#include "unit.h"

/* The lists built here number their lines from 1, so 0 means "not covered". */
#define NO_MATCH 0u

static struct mx6_iplist *build(const char *entry, ...)
{
	struct mx6_iplist *list = mx6_iplist_new();
	char err[256];
	unsigned line = 0;
	va_list ap;

	ck_assert_ptr_nonnull(list);
	va_start(ap, entry);
	for (; entry != NULL; entry = va_arg(ap, const char *)) {
		line++;
		ck_assert_msg(mx6_iplist_add(list, entry, line, err, sizeof(err)) == 0,
			      "entry '%s' refused: %s", entry, err);
	}
	va_end(ap);
	ck_assert_int_eq(mx6_iplist_finish(list, err, sizeof(err)), 0);
	return list;
}

static struct mx6_addr addr(const char *text)
{
	struct mx6_addr a;

	ck_assert_msg(mx6_addr_parse(text, &a) == 0, "cannot parse address '%s'", text);
	return a;
}

static unsigned line_for(const struct mx6_iplist *list, const char *text)
{
	struct mx6_addr a = addr(text);
	unsigned line = NO_MATCH;

	if (mx6_iplist_lookup(list, &a, &line) != 1)
		return NO_MATCH;
	ck_assert_msg(line != NO_MATCH, "'%s' matched an entry without a line", text);
	return line;
}

/* The message of a refused entry (and that it was refused). */
static const char *add_error(const char *entry)
{
	static char err[256];
	struct mx6_iplist *list = mx6_iplist_new();

	ck_assert_ptr_nonnull(list);
	strcpy(err, "(no message)");
	ck_assert_msg(mx6_iplist_add(list, entry, 1, err, sizeof(err)) == -1,
		      "entry '%s' was accepted", entry);
	mx6_iplist_free(&list);
	return err;
}

static char load_err[1024];

static struct mx6_iplist *load_text(const char *text, char **path_r)
{
	*path_r = unit_write_temp(text);
	strcpy(load_err, "(no message)");
	return mx6_iplist_load(*path_r, load_err, sizeof(load_err));
}

/* Addresses and prefixes */

START_TEST(ipv4_address_covers_only_itself)
{
	struct mx6_iplist *list = build("192.0.2.1", NULL);

	ck_assert_uint_eq(line_for(list, "192.0.2.1"), 1);
	ck_assert_uint_eq(line_for(list, "192.0.2.0"), NO_MATCH);
	ck_assert_uint_eq(line_for(list, "192.0.2.2"), NO_MATCH);
	mx6_iplist_free(&list);
}
END_TEST

START_TEST(ipv4_prefix_covers_its_first_to_last_address)
{
	struct mx6_iplist *list = build("192.0.2.0/24", NULL);

	ck_assert_uint_eq(line_for(list, "192.0.2.0"), 1);
	ck_assert_uint_eq(line_for(list, "192.0.2.77"), 1);
	ck_assert_uint_eq(line_for(list, "192.0.2.255"), 1);
	ck_assert_uint_eq(line_for(list, "192.0.1.255"), NO_MATCH);
	ck_assert_uint_eq(line_for(list, "192.0.3.0"), NO_MATCH);
	mx6_iplist_free(&list);
}
END_TEST

START_TEST(ipv4_slash32_is_one_address)
{
	struct mx6_iplist *list = build("198.51.100.7/32", NULL);

	ck_assert_uint_eq(line_for(list, "198.51.100.7"), 1);
	ck_assert_uint_eq(line_for(list, "198.51.100.6"), NO_MATCH);
	ck_assert_uint_eq(line_for(list, "198.51.100.8"), NO_MATCH);
	mx6_iplist_free(&list);
}
END_TEST

START_TEST(ipv6_address_covers_only_itself)
{
	struct mx6_iplist *list = build("2001:db8::1", NULL);

	ck_assert_uint_eq(line_for(list, "2001:db8::1"), 1);
	ck_assert_uint_eq(line_for(list, "2001:db8::"), NO_MATCH);
	ck_assert_uint_eq(line_for(list, "2001:db8::2"), NO_MATCH);
	mx6_iplist_free(&list);
}
END_TEST

START_TEST(ipv6_prefix_covers_its_first_to_last_address)
{
	struct mx6_iplist *list = build("2001:db8::/32", NULL);

	ck_assert_uint_eq(line_for(list, "2001:db8::"), 1);
	ck_assert_uint_eq(line_for(list, "2001:db8:1234::5"), 1);
	ck_assert_uint_eq(line_for(list, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"), 1);
	ck_assert_uint_eq(line_for(list, "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff"),
			  NO_MATCH);
	ck_assert_uint_eq(line_for(list, "2001:db9::"), NO_MATCH);
	mx6_iplist_free(&list);
}
END_TEST

START_TEST(ipv6_slash128_is_one_address)
{
	struct mx6_iplist *list = build("2001:db8::25/128", NULL);

	ck_assert_uint_eq(line_for(list, "2001:db8::25"), 1);
	ck_assert_uint_eq(line_for(list, "2001:db8::24"), NO_MATCH);
	ck_assert_uint_eq(line_for(list, "2001:db8::26"), NO_MATCH);
	mx6_iplist_free(&list);
}
END_TEST

START_TEST(ipv4_slash0_covers_all_ipv4_and_no_native_ipv6)
{
	struct mx6_iplist *list = build("0.0.0.0/0", NULL);

	ck_assert_uint_eq(line_for(list, "0.0.0.0"), 1);
	ck_assert_uint_eq(line_for(list, "192.0.2.1"), 1);
	ck_assert_uint_eq(line_for(list, "255.255.255.255"), 1);
	ck_assert_uint_eq(line_for(list, "::ffff:192.0.2.1"), 1);
	ck_assert_uint_eq(line_for(list, "2001:db8::1"), NO_MATCH);
	ck_assert_uint_eq(line_for(list, "::"), NO_MATCH);
	ck_assert_uint_eq(line_for(list, "::1"), NO_MATCH);
	/* The neighbours of ::ffff:0.0.0.0/96 are native IPv6. */
	ck_assert_uint_eq(line_for(list, "::fffe:ffff:ffff"), NO_MATCH);
	ck_assert_uint_eq(line_for(list, "0:0:0:1::"), NO_MATCH);
	mx6_iplist_free(&list);
}
END_TEST

START_TEST(ipv6_slash0_covers_everything)
{
	struct mx6_iplist *list = build("::/0", NULL);

	ck_assert_uint_eq(line_for(list, "::"), 1);
	ck_assert_uint_eq(line_for(list, "2001:db8::1"), 1);
	ck_assert_uint_eq(line_for(list, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 1);
	ck_assert_uint_eq(line_for(list, "192.0.2.1"), 1);
	ck_assert_uint_eq(line_for(list, "::ffff:192.0.2.1"), 1);
	mx6_iplist_free(&list);
}
END_TEST

START_TEST(ipv4_mapped_client_matches_ipv4_prefix)
{
	struct mx6_iplist *list = build("192.0.2.0/24", NULL);

	ck_assert_uint_eq(line_for(list, "::ffff:192.0.2.1"), 1);
	ck_assert_uint_eq(line_for(list, "::ffff:192.0.3.1"), NO_MATCH);
	mx6_iplist_free(&list);
}
END_TEST

START_TEST(ipv4_mapped_prefix_is_the_ipv4_prefix)
{
	struct mx6_iplist *list = build("::ffff:192.0.2.0/120", NULL);

	ck_assert_uint_eq(line_for(list, "192.0.2.9"), 1);
	ck_assert_uint_eq(line_for(list, "192.0.3.0"), NO_MATCH);
	mx6_iplist_free(&list);
}
END_TEST

START_TEST(zero_address_slash128_is_one_address)
{
	struct mx6_iplist *list = build("::/128", NULL);

	ck_assert_uint_eq(line_for(list, "::"), 1);
	ck_assert_uint_eq(line_for(list, "::1"), NO_MATCH);
	mx6_iplist_free(&list);
}
END_TEST

START_TEST(all_ones_slash128_covers_the_highest_address)
{
	struct mx6_iplist *list =
		build("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", NULL);

	ck_assert_uint_eq(line_for(list, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 1);
	ck_assert_uint_eq(line_for(list, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"),
			  NO_MATCH);
	ck_assert_uint_eq(line_for(list, "::"), NO_MATCH);
	mx6_iplist_free(&list);
}
END_TEST

/* Several entries */

START_TEST(adjacent_prefixes_keep_their_own_lines)
{
	struct mx6_iplist *list = build("2001:db8::/33", "2001:db8:8000::/33", NULL);

	ck_assert_uint_eq(line_for(list, "2001:db8::"), 1);
	ck_assert_uint_eq(line_for(list, "2001:db8:7fff:ffff:ffff:ffff:ffff:ffff"), 1);
	ck_assert_uint_eq(line_for(list, "2001:db8:8000::"), 2);
	ck_assert_uint_eq(line_for(list, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"), 2);
	ck_assert_uint_eq(line_for(list, "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff"),
			  NO_MATCH);
	ck_assert_uint_eq(line_for(list, "2001:db9::"), NO_MATCH);
	mx6_iplist_free(&list);
}
END_TEST

START_TEST(most_specific_entry_answers_inside_a_nested_prefix)
{
	struct mx6_iplist *list = build("2001:db8::/32", "2001:db8:1::/48", NULL);

	ck_assert_uint_eq(line_for(list, "2001:db8:1::5"), 2);
	ck_assert_uint_eq(line_for(list, "2001:db8:2::5"), 1);
	/* Right before, at, at the end of and right after the /48. */
	ck_assert_uint_eq(line_for(list, "2001:db8:0:ffff:ffff:ffff:ffff:ffff"), 1);
	ck_assert_uint_eq(line_for(list, "2001:db8:1::"), 2);
	ck_assert_uint_eq(line_for(list, "2001:db8:1:ffff:ffff:ffff:ffff:ffff"), 2);
	ck_assert_uint_eq(line_for(list, "2001:db8:2::"), 1);
	/* The outer prefix still ends where it ends. */
	ck_assert_uint_eq(line_for(list, "2001:db8::"), 1);
	ck_assert_uint_eq(line_for(list, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"), 1);
	ck_assert_uint_eq(line_for(list, "2001:db9::"), NO_MATCH);
	mx6_iplist_free(&list);
}
END_TEST

START_TEST(most_specific_entry_answers_whatever_the_order_of_lines)
{
	struct mx6_iplist *list = build("2001:db8:1::/48", "2001:db8::/32", NULL);

	ck_assert_uint_eq(line_for(list, "2001:db8:1::5"), 1);
	ck_assert_uint_eq(line_for(list, "2001:db8:2::5"), 2);
	ck_assert_uint_eq(line_for(list, "2001:db8:0:ffff:ffff:ffff:ffff:ffff"), 2);
	ck_assert_uint_eq(line_for(list, "2001:db8:2::"), 2);
	mx6_iplist_free(&list);
}
END_TEST

START_TEST(nested_prefix_may_start_at_the_outer_prefix_start)
{
	struct mx6_iplist *list = build("2001:db8::/32", "2001:db8::/48", NULL);

	ck_assert_uint_eq(line_for(list, "2001:db8::"), 2);
	ck_assert_uint_eq(line_for(list, "2001:db8:0:ffff:ffff:ffff:ffff:ffff"), 2);
	ck_assert_uint_eq(line_for(list, "2001:db8:1::"), 1);
	mx6_iplist_free(&list);
}
END_TEST

START_TEST(nested_prefix_may_end_at_the_outer_prefix_end)
{
	struct mx6_iplist *list = build("2001:db8::/32", "2001:db8:ffff::/48", NULL);

	ck_assert_uint_eq(line_for(list, "2001:db8:fffe:ffff:ffff:ffff:ffff:ffff"), 1);
	ck_assert_uint_eq(line_for(list, "2001:db8:ffff::"), 2);
	ck_assert_uint_eq(line_for(list, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"), 2);
	ck_assert_uint_eq(line_for(list, "2001:db9::"), NO_MATCH);
	mx6_iplist_free(&list);
}
END_TEST

START_TEST(three_levels_and_siblings_each_answer_for_their_range)
{
	struct mx6_iplist *list =
		build("2001:db8::/32", "2001:db8:1::/48", "2001:db8:1:2::/64",
		      "2001:db8:3::/48", "2001:db8:1:2::25", NULL);

	ck_assert_uint_eq(line_for(list, "2001:db8::1"), 1);
	ck_assert_uint_eq(line_for(list, "2001:db8:1::1"), 2);
	ck_assert_uint_eq(line_for(list, "2001:db8:1:1:ffff:ffff:ffff:ffff"), 2);
	ck_assert_uint_eq(line_for(list, "2001:db8:1:2::"), 3);
	ck_assert_uint_eq(line_for(list, "2001:db8:1:2::24"), 3);
	ck_assert_uint_eq(line_for(list, "2001:db8:1:2::25"), 5);
	ck_assert_uint_eq(line_for(list, "2001:db8:1:2::26"), 3);
	ck_assert_uint_eq(line_for(list, "2001:db8:1:2:ffff:ffff:ffff:ffff"), 3);
	ck_assert_uint_eq(line_for(list, "2001:db8:1:3::"), 2);
	ck_assert_uint_eq(line_for(list, "2001:db8:2::1"), 1);
	ck_assert_uint_eq(line_for(list, "2001:db8:3::1"), 4);
	ck_assert_uint_eq(line_for(list, "2001:db8:4::"), 1);
	mx6_iplist_free(&list);
}
END_TEST

START_TEST(nested_prefixes_up_to_the_highest_address)
{
	struct mx6_iplist *list =
		build("8000::/1", "ffff::/16",
		      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", NULL);

	ck_assert_uint_eq(line_for(list, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 3);
	ck_assert_uint_eq(line_for(list, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"), 2);
	ck_assert_uint_eq(line_for(list, "ffff::"), 2);
	ck_assert_uint_eq(line_for(list, "fffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 1);
	ck_assert_uint_eq(line_for(list, "8000::"), 1);
	ck_assert_uint_eq(line_for(list, "7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
			  NO_MATCH);
	mx6_iplist_free(&list);
}
END_TEST

START_TEST(everything_prefix_with_nested_entries)
{
	struct mx6_iplist *list = build("::/0", "2001:db8::/32", "0.0.0.0/0", NULL);

	ck_assert_uint_eq(line_for(list, "::"), 1);
	ck_assert_uint_eq(line_for(list, "2001:db8::1"), 2);
	ck_assert_uint_eq(line_for(list, "2001:db9::"), 1);
	ck_assert_uint_eq(line_for(list, "192.0.2.1"), 3);
	ck_assert_uint_eq(line_for(list, "::fffe:ffff:ffff"), 1);
	ck_assert_uint_eq(line_for(list, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 1);
	mx6_iplist_free(&list);
}
END_TEST

START_TEST(duplicate_entry_first_line_wins)
{
	struct mx6_iplist *list = build("2001:db8::/32", "2001:db8::/32", NULL);

	ck_assert_uint_eq(line_for(list, "2001:db8::1"), 1);
	mx6_iplist_free(&list);
}
END_TEST

START_TEST(duplicate_entry_first_line_wins_around_a_nested_entry)
{
	struct mx6_iplist *list = build("2001:db8:1::/48", "2001:db8::/32",
					"2001:db8:1::/48", "2001:db8::/32", NULL);

	ck_assert_uint_eq(line_for(list, "2001:db8:1::1"), 1);
	ck_assert_uint_eq(line_for(list, "2001:db8::1"), 2);
	ck_assert_uint_eq(line_for(list, "2001:db8:2::1"), 2);
	mx6_iplist_free(&list);
}
END_TEST

START_TEST(duplicate_in_another_spelling_is_still_a_duplicate)
{
	struct mx6_iplist *list = build("2001:db8::/32", "2001:DB8:0:0::/32",
					"192.0.2.0/24", "::ffff:192.0.2.0/120", NULL);

	ck_assert_uint_eq(line_for(list, "2001:db8::1"), 1);
	ck_assert_uint_eq(line_for(list, "192.0.2.1"), 3);
	mx6_iplist_free(&list);
}
END_TEST

START_TEST(entry_added_without_a_line_reports_line_0)
{
	struct mx6_iplist *list = mx6_iplist_new();
	struct mx6_addr a = addr("2001:db8::1");
	char err[256];
	unsigned line = 99;

	ck_assert_int_eq(mx6_iplist_add(list, "2001:db8::/32", 0, err, sizeof(err)), 0);
	ck_assert_int_eq(mx6_iplist_finish(list, err, sizeof(err)), 0);
	ck_assert_int_eq(mx6_iplist_lookup(list, &a, &line), 1);
	ck_assert_uint_eq(line, 0);
	mx6_iplist_free(&list);
}
END_TEST

START_TEST(empty_list_covers_nothing)
{
	struct mx6_iplist *list = build(NULL);

	ck_assert_uint_eq(line_for(list, "::"), NO_MATCH);
	ck_assert_uint_eq(line_for(list, "2001:db8::1"), NO_MATCH);
	ck_assert_uint_eq(line_for(list, "192.0.2.1"), NO_MATCH);
	ck_assert_uint_eq(mx6_iplist_count(list), 0);
	mx6_iplist_free(&list);
}
END_TEST

START_TEST(count_is_the_number_of_entries_as_listed)
{
	struct mx6_iplist *list = build("2001:db8::/32", "2001:db8:1::/48", "192.0.2.1",
					"2001:db8::/32", NULL);

	ck_assert_uint_eq(mx6_iplist_count(list), 4);
	mx6_iplist_free(&list);
}
END_TEST

START_TEST(free_sets_the_pointer_to_null)
{
	struct mx6_iplist *list = build("2001:db8::/32", NULL);

	mx6_iplist_free(&list);
	ck_assert_ptr_null(list);
	mx6_iplist_free(&list);
	ck_assert_ptr_null(list);
}
END_TEST

/* Entries that are refused */

START_TEST(host_bits_set_is_an_error)
{
	ck_assert_str_eq(add_error("192.0.2.1/24"),
			 "host bits set in '192.0.2.1/24': the address must be the first "
			 "of its prefix");
	ck_assert_str_eq(
		add_error("2001:db8::1/64"),
		"host bits set in '2001:db8::1/64': the address must be the first of its "
		"prefix");
	ck_assert_str_eq(
		add_error("2001:db8:8000::/32"),
		"host bits set in '2001:db8:8000::/32': the address must be the first of "
		"its prefix");
	ck_assert_str_eq(add_error("0.0.0.1/0"),
			 "host bits set in '0.0.0.1/0': the address must be the first of "
			 "its prefix");
}
END_TEST

static const struct {
	const char *entry;
	const char *message;
} bad_entries[] = {
	/* Prefix lengths: 0 to 32 for IPv4, 0 to 128 for IPv6, digits only. */
	{"192.0.2.0/33", "invalid prefix length in '192.0.2.0/33' (0 to 32)"},
	{"2001:db8::/129", "invalid prefix length in '2001:db8::/129' (0 to 128)"},
	{"2001:db8::/", "invalid prefix length in '2001:db8::/' (0 to 128)"},
	{"2001:db8::/x", "invalid prefix length in '2001:db8::/x' (0 to 128)"},
	{"2001:db8::/-1", "invalid prefix length in '2001:db8::/-1' (0 to 128)"},
	{"192.0.2.0/+24", "invalid prefix length in '192.0.2.0/+24' (0 to 32)"},
	{"192.0.2.0/24x", "invalid prefix length in '192.0.2.0/24x' (0 to 32)"},
	{"192.0.2.0/24/25", "invalid prefix length in '192.0.2.0/24/25' (0 to 32)"},
	{"192.0.2.0/99999999999999999999999",
	 "invalid prefix length in '192.0.2.0/99999999999999999999999' (0 to 32)"},
	/* No address at all. */
	{"/", "invalid IP address or prefix '/'"},
	{"/24", "invalid IP address or prefix '/24'"},
	{"-1", "invalid IP address or prefix '-1'"},
	{"", "invalid IP address or prefix ''"},
	/* Garbage. */
	{"example.com", "invalid IP address or prefix 'example.com'"},
	{"192.0.2.256", "invalid IP address or prefix '192.0.2.256'"},
	{"192.0.2", "invalid IP address or prefix '192.0.2'"},
	{"2001:db8::g", "invalid IP address or prefix '2001:db8::g'"},
	{"2001:db8::1::2", "invalid IP address or prefix '2001:db8::1::2'"},
	{"[2001:db8::1]", "invalid IP address or prefix '[2001:db8::1]'"},
	{"2001:db8:0:0:0:0:0:0:1",
	 "invalid IP address or prefix '2001:db8:0:0:0:0:0:0:1'"},
};

START_TEST(bad_entry_is_refused_with_its_message)
{
	ck_assert_str_eq(add_error(bad_entries[_i].entry), bad_entries[_i].message);
}
END_TEST

/* List files */

START_TEST(load_skips_comments_and_blank_lines_and_counts_them_as_lines)
{
	char *path;
	struct mx6_iplist *list = load_text("# trusted senders\n"
					    "\n"
					    "   \t \n"
					    "2001:db8::/32   # our partner\n"
					    "\t192.0.2.0/24\n"
					    "#2001:db8:1::/48\n",
					    &path);

	ck_assert_msg(list != NULL, "%s", load_err);
	ck_assert_uint_eq(mx6_iplist_count(list), 2);
	ck_assert_uint_eq(line_for(list, "2001:db8::1"), 4);
	ck_assert_uint_eq(line_for(list, "192.0.2.1"), 5);
	mx6_iplist_free(&list);
	free(path);
}
END_TEST

START_TEST(load_comment_needs_no_space_before_it)
{
	char *path;
	struct mx6_iplist *list = load_text("2001:db8::/32#partner\n", &path);

	ck_assert_msg(list != NULL, "%s", load_err);
	ck_assert_uint_eq(line_for(list, "2001:db8::1"), 1);
	mx6_iplist_free(&list);
	free(path);
}
END_TEST

START_TEST(load_entries_are_case_insensitive)
{
	char *path;
	struct mx6_iplist *list = load_text("2001:DB8:ABCD::/48\n", &path);

	ck_assert_msg(list != NULL, "%s", load_err);
	ck_assert_uint_eq(line_for(list, "2001:db8:abcd::1"), 1);
	mx6_iplist_free(&list);
	free(path);
}
END_TEST

START_TEST(load_accepts_crlf_line_ends_and_a_missing_last_newline)
{
	char *path;
	struct mx6_iplist *list = load_text("2001:db8::/32\r\n192.0.2.1", &path);

	ck_assert_msg(list != NULL, "%s", load_err);
	ck_assert_uint_eq(line_for(list, "2001:db8::1"), 1);
	ck_assert_uint_eq(line_for(list, "192.0.2.1"), 2);
	mx6_iplist_free(&list);
	free(path);
}
END_TEST

START_TEST(load_empty_file_is_an_empty_list)
{
	char *path;
	struct mx6_iplist *list = load_text("", &path);

	ck_assert_msg(list != NULL, "%s", load_err);
	ck_assert_uint_eq(mx6_iplist_count(list), 0);
	ck_assert_uint_eq(line_for(list, "2001:db8::1"), NO_MATCH);
	mx6_iplist_free(&list);
	free(path);
}
END_TEST

START_TEST(load_error_names_file_and_line)
{
	char *path, *expected;
	struct mx6_iplist *list =
		load_text("# list\n2001:db8::/32\nmail.example.org\n", &path);

	ck_assert_ptr_null(list);
	expected = unit_strdupf("%s:3: invalid IP address or prefix 'mail.example.org'",
				path);
	ck_assert_str_eq(load_err, expected);
	free(expected);
	free(path);
}
END_TEST

START_TEST(load_host_bits_error_names_file_and_line)
{
	char *path, *expected;
	struct mx6_iplist *list = load_text("\n2001:db8::1/64\n", &path);

	ck_assert_ptr_null(list);
	expected = unit_strdupf(
		"%s:2: host bits set in '2001:db8::1/64': the address must be "
		"the first of its prefix",
		path);
	ck_assert_str_eq(load_err, expected);
	free(expected);
	free(path);
}
END_TEST

START_TEST(load_bad_prefix_length_error_names_file_and_line)
{
	char *path, *expected;
	struct mx6_iplist *list = load_text("192.0.2.0/33\n", &path);

	ck_assert_ptr_null(list);
	expected = unit_strdupf("%s:1: invalid prefix length in '192.0.2.0/33' (0 to 32)",
				path);
	ck_assert_str_eq(load_err, expected);
	free(expected);
	free(path);
}
END_TEST

START_TEST(load_two_entries_on_one_line_is_an_error)
{
	char *path, *expected;
	struct mx6_iplist *list =
		load_text("2001:db8::/32\n192.0.2.1 192.0.2.2  # two\n", &path);

	ck_assert_ptr_null(list);
	expected = unit_strdupf(
		"%s:2: one address or prefix per line: '192.0.2.1 192.0.2.2'", path);
	ck_assert_str_eq(load_err, expected);
	free(expected);
	free(path);
}
END_TEST

START_TEST(load_missing_file_names_file_and_reason)
{
	char *path = unit_strdupf("%s/no-such-list", unit_scratch());
	char *expected = unit_strdupf("%s: cannot open: %s", path, strerror(ENOENT));

	ck_assert_ptr_null(mx6_iplist_load(path, load_err, sizeof(load_err)));
	ck_assert_str_eq(load_err, expected);
	free(expected);
	free(path);
}
END_TEST

/* Addresses as the MTAs send them */

static const struct {
	const char *text;
	const char *same_as; /* the same address in inet_pton(AF_INET6) form */
} address_forms[] = {
	{"2001:db8::25", "2001:db8::25"},
	{"2001:db8:0:0:0:0:0:25", "2001:db8::25"},
	{"IPv6:2001:db8:0:0:0:0:0:25", "2001:db8::25"},
	{"IPv6:2001:db8::25", "2001:db8::25"},
	{"[2001:db8::25]", "2001:db8::25"},
	{"192.0.2.1", "::ffff:192.0.2.1"},
	{"[192.0.2.1]", "::ffff:192.0.2.1"},
	{"::ffff:192.0.2.1", "::ffff:c000:201"},
};

START_TEST(address_forms_of_postfix_and_sendmail_parse)
{
	struct mx6_addr got, want;

	ck_assert_int_eq(mx6_addr_parse(address_forms[_i].text, &got), 0);
	ck_assert_int_eq(inet_pton(AF_INET6, address_forms[_i].same_as, want.bytes), 1);
	ck_assert_mem_eq(got.bytes, want.bytes, 16);
}
END_TEST

START_TEST(ipv4_and_ipv4_mapped_addresses_are_ipv4)
{
	struct mx6_addr a;

	a = addr("192.0.2.1");
	ck_assert_int_eq(mx6_addr_is_ipv4(&a), 1);
	a = addr("::ffff:192.0.2.1");
	ck_assert_int_eq(mx6_addr_is_ipv4(&a), 1);
	a = addr("2001:db8::1");
	ck_assert_int_eq(mx6_addr_is_ipv4(&a), 0);
	/* IPv4-compatible (deprecated) and NAT64 forms are native IPv6. */
	a = addr("::192.0.2.1");
	ck_assert_int_eq(mx6_addr_is_ipv4(&a), 0);
	a = addr("64:ff9b::192.0.2.1");
	ck_assert_int_eq(mx6_addr_is_ipv4(&a), 0);
}
END_TEST

static const char *const not_addresses[] = {
	"",
	"garbage",
	"[]",
	"IPv6:",
	"192.0.2",
	"192.0.2.1/24",
	"2001:db8::/32",
	"2001:db8::g",
	"2001:db8::1::2",
	" 2001:db8::1",
	"2001:db8::1 ",
	"localhost",
};

START_TEST(garbage_is_not_an_address)
{
	struct mx6_addr a;

	ck_assert_msg(mx6_addr_parse(not_addresses[_i], &a) == -1,
		      "'%s' parsed as an address", not_addresses[_i]);
}
END_TEST

START_TEST(null_is_not_an_address)
{
	struct mx6_addr a;

	ck_assert_int_eq(mx6_addr_parse(NULL, &a), -1);
}
END_TEST

START_TEST(format_writes_the_conventional_forms)
{
	char buf[MX6_ADDR_STRLEN];
	struct mx6_addr a;

	a = addr("IPv6:2001:db8:0:0:0:0:0:25");
	ck_assert_str_eq(mx6_addr_format(&a, buf), "2001:db8::25");
	a = addr("::ffff:192.0.2.1");
	ck_assert_str_eq(mx6_addr_format(&a, buf), "192.0.2.1");
	a = addr("192.0.2.1");
	ck_assert_str_eq(mx6_addr_format(&a, buf), "192.0.2.1");
	a = addr("::");
	ck_assert_str_eq(mx6_addr_format(&a, buf), "::");
	a = addr("FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF");
	ck_assert_str_eq(mx6_addr_format(&a, buf),
			 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	ck_assert_ptr_eq(mx6_addr_format(&a, buf), buf);
}
END_TEST

START_TEST(socket_addresses_convert_to_the_128_bit_form)
{
	struct in_addr in;
	struct in6_addr in6;
	struct mx6_addr got, want;

	ck_assert_int_eq(inet_pton(AF_INET, "192.0.2.1", &in), 1);
	mx6_addr_from_in(&in, &got);
	want = addr("::ffff:192.0.2.1");
	ck_assert_int_eq(mx6_addr_equal(&got, &want), 1);

	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8::25", &in6), 1);
	mx6_addr_from_in6(&in6, &got);
	want = addr("2001:db8::25");
	ck_assert_int_eq(mx6_addr_equal(&got, &want), 1);
	want = addr("2001:db8::26");
	ck_assert_int_eq(mx6_addr_equal(&got, &want), 0);
}
END_TEST

/*
 * Random lists against a brute-force reference.
 *
 * Prefixes are drawn from a few crowded regions (2001:db8::/32 with only a
 * handful of distinct values per 16-bit group, the IPv4-mapped space, both
 * ends of the address space) so that they nest, repeat and touch often.
 * Each prefix is written in the notation an operator would use (IPv4
 * dotted quad for most IPv4-mapped prefixes). Every lookup must give the
 * line of the longest covering prefix, the lowest line among duplicates.
 */

struct prefix {
	struct mx6_addr first;
	struct mx6_addr last;
	unsigned plen; /* in the 128-bit space */
	unsigned line;
};

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* xorshift64*: deterministic on every platform. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static unsigned rng_below(unsigned n)
{
	return (unsigned)(rng() % n);
}

static void random_address(struct mx6_addr *a)
{
	static const uint16_t group_values[] = {0, 1, 2, 0x7fff, 0x8000, 0xfffe, 0xffff};
	unsigned i, region = rng_below(4);

	for (i = 0; i < 8; i++) {
		uint16_t g = rng_below(3) == 0
				     ? (uint16_t)rng()
				     : group_values[rng_below(sizeof(group_values) /
							      sizeof(group_values[0]))];

		a->bytes[2 * i] = (uint8_t)(g >> 8);
		a->bytes[2 * i + 1] = (uint8_t)g;
	}
	switch (region) {
	case 0: /* 2001:db8::/32 */
		a->bytes[0] = 0x20, a->bytes[1] = 0x01, a->bytes[2] = 0x0d,
		a->bytes[3] = 0xb8;
		break;
	case 1: /* ::ffff:0:0/96 */
		memset(a->bytes, 0, 10);
		a->bytes[10] = a->bytes[11] = 0xff;
		break;
	case 2: /* low end of the space */
		memset(a->bytes, 0, 8);
		break;
	default: /* high end of the space */
		memset(a->bytes, 0xff, 6);
		break;
	}
}

static unsigned random_plen(const struct mx6_addr *a)
{
	unsigned r = rng_below(100);

	if (mx6_addr_is_ipv4(a) && r < 70)
		return 96 + rng_below(33);
	if (r < 5)
		return rng_below(9);
	if (r < 35)
		return 9 + rng_below(56);
	return 65 + rng_below(64);
}

static void set_bits_from(struct mx6_addr *a, unsigned plen, int value)
{
	unsigned bit;

	for (bit = plen; bit < 128; bit++) {
		uint8_t mask = (uint8_t)(0x80 >> (bit % 8));

		if (value)
			a->bytes[bit / 8] |= mask;
		else
			a->bytes[bit / 8] &= (uint8_t)~mask;
	}
}

static int addr_cmp(const struct mx6_addr *a, const struct mx6_addr *b)
{
	return memcmp(a->bytes, b->bytes, 16);
}

/* a + delta (delta is +1 or -1); returns 0 when that leaves the space. */
static int addr_step(struct mx6_addr *a, int delta)
{
	int i;

	for (i = 15; i >= 0; i--) {
		if (delta > 0 ? a->bytes[i]++ != 0xff : a->bytes[i]-- != 0x00)
			return 1;
	}
	return 0;
}

static void prefix_text(const struct prefix *p, char *buf, size_t len)
{
	char text[MX6_ADDR_STRLEN];

	if (mx6_addr_is_ipv4(&p->first) && p->plen >= 96 && rng_below(4) != 0) {
		inet_ntop(AF_INET, p->first.bytes + 12, text, sizeof(text));
		snprintf(buf, len, "%s/%u", text, p->plen - 96);
	} else {
		inet_ntop(AF_INET6, p->first.bytes, text, sizeof(text));
		snprintf(buf, len, "%s/%u", text, p->plen);
	}
}

static const struct prefix *reference_lookup(const struct prefix *p, size_t n,
					     const struct mx6_addr *a)
{
	const struct prefix *best = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		if (addr_cmp(a, &p[i].first) < 0 || addr_cmp(a, &p[i].last) > 0)
			continue;
		if (best == NULL || p[i].plen > best->plen ||
		    (p[i].plen == best->plen && p[i].line < best->line))
			best = &p[i];
	}
	return best;
}

static void check_lookup(const struct mx6_iplist *list, const struct prefix *p, size_t n,
			 const struct mx6_addr *a, uint64_t seed)
{
	const struct prefix *want = reference_lookup(p, n, a);
	unsigned line = 0;
	int found = mx6_iplist_lookup(list, a, &line);
	char text[MX6_ADDR_STRLEN];

	inet_ntop(AF_INET6, a->bytes, text, sizeof(text));
	ck_assert_msg(found == (want != NULL),
		      "seed %#llx: %s: lookup says %s, reference says %s (line %u)",
		      (unsigned long long)seed, text, found ? "covered" : "not covered",
		      want != NULL ? "covered" : "not covered",
		      want != NULL ? want->line : 0);
	if (want != NULL)
		ck_assert_msg(line == want->line,
			      "seed %#llx: %s: lookup gives line %u, want %u",
			      (unsigned long long)seed, text, line, want->line);
}

START_TEST(lookup_agrees_with_brute_force_on_random_lists)
{
	const uint64_t seed = 0x9e3779b97f4a7c15ULL * (uint64_t)(_i + 1);
	size_t n, i;
	struct prefix *p;
	struct mx6_iplist *list = mx6_iplist_new();
	char err[256], text[64];

	rng_state = seed;
	n = 1 + rng_below(_i < 10 ? 8 : 400);
	p = calloc(n, sizeof(*p));
	ck_assert_ptr_nonnull(p);
	for (i = 0; i < n; i++) {
		random_address(&p[i].first);
		p[i].plen = random_plen(&p[i].first);
		set_bits_from(&p[i].first, p[i].plen, 0);
		p[i].last = p[i].first;
		set_bits_from(&p[i].last, p[i].plen, 1);
		p[i].line = (unsigned)i + 1;
		/* Repeat an earlier prefix now and then. */
		if (i > 0 && rng_below(10) == 0) {
			unsigned line = p[i].line;

			p[i] = p[rng_below((unsigned)i)];
			p[i].line = line;
		}
		prefix_text(&p[i], text, sizeof(text));
		ck_assert_msg(mx6_iplist_add(list, text, p[i].line, err, sizeof(err)) ==
				      0,
			      "seed %#llx: '%s' refused: %s", (unsigned long long)seed,
			      text, err);
	}
	ck_assert_int_eq(mx6_iplist_finish(list, err, sizeof(err)), 0);
	ck_assert_uint_eq(mx6_iplist_count(list), n);

	for (i = 0; i < n; i++) {
		struct mx6_addr a;

		check_lookup(list, p, n, &p[i].first, seed);
		check_lookup(list, p, n, &p[i].last, seed);
		a = p[i].first;
		if (addr_step(&a, -1))
			check_lookup(list, p, n, &a, seed);
		a = p[i].last;
		if (addr_step(&a, +1))
			check_lookup(list, p, n, &a, seed);
	}
	for (i = 0; i < 2000; i++) {
		struct mx6_addr a;

		random_address(&a);
		check_lookup(list, p, n, &a, seed);
	}
	mx6_iplist_free(&list);
	free(p);
}
END_TEST

static Suite *iplist_suite(void)
{
	Suite *s = suite_create("iplist");
	TCase *tc;

	tc = tcase_create("prefixes");
	tcase_add_test(tc, ipv4_address_covers_only_itself);
	tcase_add_test(tc, ipv4_prefix_covers_its_first_to_last_address);
	tcase_add_test(tc, ipv4_slash32_is_one_address);
	tcase_add_test(tc, ipv6_address_covers_only_itself);
	tcase_add_test(tc, ipv6_prefix_covers_its_first_to_last_address);
	tcase_add_test(tc, ipv6_slash128_is_one_address);
	tcase_add_test(tc, ipv4_slash0_covers_all_ipv4_and_no_native_ipv6);
	tcase_add_test(tc, ipv6_slash0_covers_everything);
	tcase_add_test(tc, ipv4_mapped_client_matches_ipv4_prefix);
	tcase_add_test(tc, ipv4_mapped_prefix_is_the_ipv4_prefix);
	tcase_add_test(tc, zero_address_slash128_is_one_address);
	tcase_add_test(tc, all_ones_slash128_covers_the_highest_address);
	suite_add_tcase(s, tc);

	tc = tcase_create("several entries");
	tcase_add_test(tc, adjacent_prefixes_keep_their_own_lines);
	tcase_add_test(tc, most_specific_entry_answers_inside_a_nested_prefix);
	tcase_add_test(tc, most_specific_entry_answers_whatever_the_order_of_lines);
	tcase_add_test(tc, nested_prefix_may_start_at_the_outer_prefix_start);
	tcase_add_test(tc, nested_prefix_may_end_at_the_outer_prefix_end);
	tcase_add_test(tc, three_levels_and_siblings_each_answer_for_their_range);
	tcase_add_test(tc, nested_prefixes_up_to_the_highest_address);
	tcase_add_test(tc, everything_prefix_with_nested_entries);
	tcase_add_test(tc, duplicate_entry_first_line_wins);
	tcase_add_test(tc, duplicate_entry_first_line_wins_around_a_nested_entry);
	tcase_add_test(tc, duplicate_in_another_spelling_is_still_a_duplicate);
	tcase_add_test(tc, entry_added_without_a_line_reports_line_0);
	tcase_add_test(tc, empty_list_covers_nothing);
	tcase_add_test(tc, count_is_the_number_of_entries_as_listed);
	tcase_add_test(tc, free_sets_the_pointer_to_null);
	suite_add_tcase(s, tc);

	tc = tcase_create("refused entries");
	tcase_add_test(tc, host_bits_set_is_an_error);
	tcase_add_loop_test(tc, bad_entry_is_refused_with_its_message, 0,
			    (int)(sizeof(bad_entries) / sizeof(bad_entries[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("list files");
	tcase_add_test(tc, load_skips_comments_and_blank_lines_and_counts_them_as_lines);
	tcase_add_test(tc, load_comment_needs_no_space_before_it);
	tcase_add_test(tc, load_entries_are_case_insensitive);
	tcase_add_test(tc, load_accepts_crlf_line_ends_and_a_missing_last_newline);
	tcase_add_test(tc, load_empty_file_is_an_empty_list);
	tcase_add_test(tc, load_error_names_file_and_line);
	tcase_add_test(tc, load_host_bits_error_names_file_and_line);
	tcase_add_test(tc, load_bad_prefix_length_error_names_file_and_line);
	tcase_add_test(tc, load_two_entries_on_one_line_is_an_error);
	tcase_add_test(tc, load_missing_file_names_file_and_reason);
	suite_add_tcase(s, tc);

	tc = tcase_create("addresses");
	tcase_add_loop_test(tc, address_forms_of_postfix_and_sendmail_parse, 0,
			    (int)(sizeof(address_forms) / sizeof(address_forms[0])));
	tcase_add_test(tc, ipv4_and_ipv4_mapped_addresses_are_ipv4);
	tcase_add_loop_test(tc, garbage_is_not_an_address, 0,
			    (int)(sizeof(not_addresses) / sizeof(not_addresses[0])));
	tcase_add_test(tc, null_is_not_an_address);
	tcase_add_test(tc, format_writes_the_conventional_forms);
	tcase_add_test(tc, socket_addresses_convert_to_the_128_bit_form);
	suite_add_tcase(s, tc);

	tc = tcase_create("random lists");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, lookup_agrees_with_brute_force_on_random_lists, 0, 60);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_main(iplist_suite());
}
