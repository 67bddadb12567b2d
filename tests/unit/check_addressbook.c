/*
 * NAME
 *	check_addressbook 1
 * SUMMARY
 *	unit tests for lib/addressbook.c: recipients' addressbooks
 * DESCRIPTION
 *	Each test states one behaviour of "addressbook = dir:PATH" (SPEC 3
 *	step 5, SPEC 7) as a recipient relies on it: which senders a plain
 *	file and a vCard file list, with which file and line; that broken
 *	or hostile files never match and never fail the mail; that a
 *	recipient name cannot leave the directory; that a changed file is
 *	read again and the cache answers like the files; and that lookups
 *	from many threads while a book is replaced see the old book or the
 *	new one. Fixtures live in tests/data/addressbook and are copied
 *	into a scratch directory under the recipient's name; binary and
 *	huge files are made here.
 */
#include "autoconf.h"

#include <check.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "addressbook.h"
#include "unit.h"

#define BOB   "bob@example.net"
#define CACHE 16

/* What the last lookup() said. */
static char found_file[400];
static unsigned found_line;

static char *fixture(const char *name)
{
	char *from_top = unit_strdupf("tests/data/addressbook/%s", name);
	char *path = unit_source_file(from_top), *text;

	ck_assert_msg(path != NULL, "fixture %s not found (srcdir=%s)", from_top,
		      getenv("srcdir") ? getenv("srcdir") : "(unset)");
	text = unit_read(path);
	ck_assert_msg(text != NULL, "cannot read %s", path);
	free(from_top);
	free(path);
	return text;
}

/* Copies fixture NAME into DIR as file AS. */
static void install(const char *dir, const char *name, const char *as)
{
	char *text = fixture(name);

	unit_put(dir, as, text);
	free(text);
}

static void put_bytes(const char *dir, const char *name, const char *bytes, size_t len)
{
	char *path = unit_strdupf("%s/%s", dir, name);
	FILE *fp = fopen(path, "wb");

	ck_assert_msg(fp != NULL, "cannot create %s", path);
	ck_assert_uint_eq(fwrite(bytes, 1, len, fp), len);
	ck_assert_int_eq(fclose(fp), 0);
	free(path);
}

static void set_mtime(const char *dir, const char *name, time_t when)
{
	char *path = unit_strdupf("%s/%s", dir, name);
	struct timeval tv[2] = {{when, 0}, {when, 0}};

	ck_assert_msg(utimes(path, tv) == 0, "utimes %s failed", path);
	free(path);
}

static struct mx6_addressbook *open_dir(const char *dir, unsigned cache_entries)
{
	char *spec = unit_strdupf("dir:%s", dir), err[512] = "(no message)";
	struct mx6_addressbook *ab =
		mx6_addressbook_open(spec, cache_entries, err, sizeof(err));

	ck_assert_msg(ab != NULL, "%s refused: %s", spec, err);
	free(spec);
	return ab;
}

/* A directory holding fixture NAME as RECIPIENT's file, and its addressbook. */
static struct mx6_addressbook *book_with(const char *name, const char *as)
{
	char *dir = unit_mkdir();
	struct mx6_addressbook *ab;

	install(dir, name, as);
	ab = open_dir(dir, CACHE);
	free(dir);
	return ab;
}

static int lookup(struct mx6_addressbook *ab, const char *recipient, const char *sender)
{
	strcpy(found_file, "(unset)");
	found_line = 12345;
	return mx6_addressbook_contains(ab, recipient, sender, found_file,
					sizeof(found_file), &found_line);
}

static void assert_match(struct mx6_addressbook *ab, const char *recipient,
			 const char *sender, const char *file, unsigned line)
{
	int rc = lookup(ab, recipient, sender);

	ck_assert_msg(rc == 1, "%s -> %s: %d, expected a match", recipient, sender, rc);
	ck_assert_str_eq(found_file, file);
	ck_assert_uint_eq(found_line, line);
}

static void assert_no_match(struct mx6_addressbook *ab, const char *recipient,
			    const char *sender)
{
	int rc = lookup(ab, recipient, sender);

	ck_assert_msg(rc == 0, "%s -> %s: %d, expected no match", recipient, sender, rc);
	ck_assert_str_eq(found_file, "");
	ck_assert_uint_eq(found_line, 0);
}

static char *open_error(const char *spec)
{
	static char err[512];
	struct mx6_addressbook *ab;

	strcpy(err, "(no message)");
	ab = mx6_addressbook_open(spec, CACHE, err, sizeof(err));
	ck_assert_msg(ab == NULL, "%s was accepted", spec);
	return err;
}

/* Opening */

START_TEST(open_accepts_a_readable_directory_and_close_clears_the_pointer)
{
	char *dir = unit_mkdir();
	struct mx6_addressbook *ab = open_dir(dir, CACHE);

	mx6_addressbook_close(&ab);
	ck_assert_ptr_null(ab);
	mx6_addressbook_close(&ab);
	free(dir);
}
END_TEST

START_TEST(open_names_an_unsupported_scheme)
{
	ck_assert_str_eq(
		open_error("ldap://ldap.example/ou=books"),
		"addressbook 'ldap://ldap.example/ou=books': unsupported scheme 'ldap' "
		"(only dir:PATH)");
	ck_assert_ptr_nonnull(strstr(open_error("file:/var/lib/books"), "scheme 'file'"));
}
END_TEST

START_TEST(open_without_a_scheme_is_refused)
{
	ck_assert_str_eq(open_error("/var/lib/books"),
			 "addressbook '/var/lib/books': expected dir:PATH");
	ck_assert_ptr_nonnull(strstr(open_error("dir:"), "no directory"));
}
END_TEST

START_TEST(open_refuses_a_missing_directory_or_a_file)
{
	char *dir = unit_mkdir(), *spec = unit_strdupf("dir:%s/nowhere", dir), *expect;
	char *file = unit_write(dir, "plain", "alice@example.org\n");

	expect = unit_strdupf("addressbook '%s': %s/nowhere: No such file or directory",
			      spec, dir);
	ck_assert_str_eq(open_error(spec), expect);
	free(spec);
	free(expect);
	spec = unit_strdupf("dir:%s", file);
	expect = unit_strdupf("addressbook '%s': %s: not a directory", spec, file);
	ck_assert_str_eq(open_error(spec), expect);
	free(spec);
	free(expect);
	free(file);
	free(dir);
}
END_TEST

START_TEST(open_accepts_a_trailing_slash)
{
	char *dir = unit_mkdir(), *slashed = unit_strdupf("%s/", dir);
	struct mx6_addressbook *ab;

	install(dir, "plain.txt", BOB);
	ab = open_dir(slashed, CACHE);
	assert_match(ab, BOB, "alice@example.org", BOB, 2);
	mx6_addressbook_close(&ab);
	free(slashed);
	free(dir);
}
END_TEST

/* Plain files */

START_TEST(plain_address_matches_with_its_file_and_line)
{
	struct mx6_addressbook *ab = book_with("plain.txt", BOB);

	assert_match(ab, BOB, "alice@example.org", BOB, 2);
	assert_no_match(ab, BOB, "mallory@example.org");
	mx6_addressbook_close(&ab);
}
END_TEST

START_TEST(plain_entries_recipients_and_senders_are_case_insensitive)
{
	struct mx6_addressbook *ab = book_with("plain.txt", BOB);

	assert_match(ab, BOB, "carol@example.com", BOB, 3);
	assert_match(ab, BOB, "CAROL@EXAMPLE.COM", BOB, 3);
	assert_match(ab, "Bob@EXAMPLE.net", "Alice@Example.Org", BOB, 2);
	mx6_addressbook_close(&ab);
}
END_TEST

START_TEST(plain_domain_entry_matches_every_address_of_that_domain_only)
{
	struct mx6_addressbook *ab = book_with("plain.txt", BOB);

	assert_match(ab, BOB, "anyone@partner.example", BOB, 5);
	assert_match(ab, BOB, "someone.else@Partner.Example", BOB, 5);
	assert_no_match(ab, BOB, "anyone@sub.partner.example");
	assert_no_match(ab, BOB, "anyone@partner.example.com");
	assert_no_match(ab, BOB, "anyone@otherpartner.example");
	mx6_addressbook_close(&ab);
}
END_TEST

START_TEST(plain_trailing_dots_are_ignored_in_entries_and_senders)
{
	struct mx6_addressbook *ab = book_with("plain.txt", BOB);

	assert_match(ab, BOB, "pal@friends.example", BOB, 6);
	assert_match(ab, BOB, "pal@friends.example.", BOB, 6);
	assert_match(ab, BOB, "alice@example.org.", BOB, 2);
	mx6_addressbook_close(&ab);
}
END_TEST

START_TEST(plain_address_entry_wins_over_a_domain_entry)
{
	struct mx6_addressbook *ab = book_with("plain.txt", BOB);

	assert_match(ab, BOB, "heidi@example.com", BOB, 16);
	assert_match(ab, BOB, "ivan@example.com", BOB, 15);
	mx6_addressbook_close(&ab);
}
END_TEST

START_TEST(plain_duplicate_entry_first_line_wins)
{
	struct mx6_addressbook *ab = book_with("plain.txt", BOB);

	assert_match(ab, BOB, "alice@example.org", BOB, 2);
	mx6_addressbook_close(&ab);
}
END_TEST

START_TEST(plain_lines_that_are_no_entry_are_ignored_and_later_lines_count)
{
	struct mx6_addressbook *ab = book_with("plain.txt", BOB);

	assert_no_match(ab, BOB, "dave@example.org");
	assert_no_match(ab, BOB, "eve@example.org");
	assert_match(ab, BOB, "frank@example.org", BOB, 12);
	assert_match(ab, BOB, "grace@example.org", BOB, 14);
	mx6_addressbook_close(&ab);
}
END_TEST

START_TEST(plain_sender_in_angle_brackets_matches)
{
	struct mx6_addressbook *ab = book_with("plain.txt", BOB);

	assert_match(ab, "<" BOB ">", "<alice@example.org>", BOB, 2);
	mx6_addressbook_close(&ab);
}
END_TEST

START_TEST(plain_crlf_lines_byte_order_mark_and_missing_last_newline)
{
	char *dir = unit_mkdir();
	struct mx6_addressbook *ab;

	unit_put(dir, BOB,
		 "\xef\xbb\xbf"
		 "alice@example.org\r\n# crlf, and a byte order mark\r\n"
		 "@partner.example\r\nlast@example.org");
	ab = open_dir(dir, CACHE);
	assert_match(ab, BOB, "alice@example.org", BOB, 1);
	assert_match(ab, BOB, "x@partner.example", BOB, 3);
	assert_match(ab, BOB, "last@example.org", BOB, 4);
	mx6_addressbook_close(&ab);
	free(dir);
}
END_TEST

START_TEST(sender_that_is_not_an_address_matches_nothing)
{
	struct mx6_addressbook *ab = book_with("plain.txt", BOB);
	const char *senders[] = {"",
				 "<>",
				 "alice",
				 "alice@",
				 "@partner.example",
				 "<@partner.example>",
				 "x@partner..example",
				 "x@partner.example\n"};
	size_t i;

	for (i = 0; i < sizeof(senders) / sizeof(senders[0]); i++)
		assert_no_match(ab, BOB, senders[i]);
	mx6_addressbook_close(&ab);
}
END_TEST

START_TEST(recipient_without_a_book_has_no_match)
{
	struct mx6_addressbook *ab = book_with("plain.txt", BOB);

	assert_no_match(ab, "nobody@example.net", "alice@example.org");
	mx6_addressbook_close(&ab);
}
END_TEST

START_TEST(plain_entries_beyond_the_limit_are_ignored)
{
	char *dir = unit_mkdir(), *path = unit_strdupf("%s/%s", dir, BOB);
	FILE *fp = fopen(path, "w");
	struct mx6_addressbook *ab;
	unsigned i;

	ck_assert_ptr_nonnull(fp);
	for (i = 1; i <= 100001; i++)
		fprintf(fp, "user%u@example.org\n", i);
	ck_assert_int_eq(fclose(fp), 0);
	ab = open_dir(dir, CACHE);
	assert_match(ab, BOB, "user1@example.org", BOB, 1);
	assert_match(ab, BOB, "user100000@example.org", BOB, 100000);
	assert_no_match(ab, BOB, "user100001@example.org");
	mx6_addressbook_close(&ab);
	free(path);
	free(dir);
}
END_TEST

/* vCards */

#define CAROL	  "carol@example.net"
#define CAROL_VCF CAROL ".vcf"

START_TEST(vcard3_grouped_email_with_type_parameters_matches_with_line_0)
{
	struct mx6_addressbook *ab = book_with("vcard3.vcf", CAROL_VCF);

	assert_match(ab, CAROL, "alice@example.org", CAROL_VCF, 0);
	mx6_addressbook_close(&ab);
}
END_TEST

START_TEST(vcard3_folded_email_line_is_unfolded)
{
	struct mx6_addressbook *ab = book_with("vcard3.vcf", CAROL_VCF);

	assert_match(ab, CAROL, "bartholomew.longname@very-long-subdomain.example.com",
		     CAROL_VCF, 0);
	assert_match(ab, CAROL, "folded@example.com", CAROL_VCF, 0);
	mx6_addressbook_close(&ab);
}
END_TEST

START_TEST(vcard_every_card_of_a_file_counts_whatever_its_case)
{
	struct mx6_addressbook *ab = book_with("vcard3.vcf", CAROL_VCF);

	assert_match(ab, CAROL, "alice@example.org", CAROL_VCF, 0);
	assert_match(ab, CAROL, "lower@example.net", CAROL_VCF, 0);
	assert_match(ab, "Carol@Example.Net", "LOWER@example.NET", CAROL_VCF, 0);
	mx6_addressbook_close(&ab);
}
END_TEST

START_TEST(vcard_only_email_properties_count_and_only_as_addresses)
{
	struct mx6_addressbook *ab = book_with("vcard3.vcf", CAROL_VCF);

	assert_no_match(ab, CAROL, "note@example.org");
	assert_no_match(ab, CAROL, "x-email@example.org");
	assert_no_match(ab, CAROL, "someone.else@example.org");
	mx6_addressbook_close(&ab);
}
END_TEST

#define DAVE	 "dave@example.net"
#define DAVE_VCF DAVE ".vcf"

START_TEST(vcard4_mailto_uri_is_stripped)
{
	struct mx6_addressbook *ab = book_with("vcard4-crlf.vcf", DAVE_VCF);

	assert_match(ab, DAVE, "zoe@example.org", DAVE_VCF, 0);
	assert_match(ab, DAVE, "zoe.home@example.org", DAVE_VCF, 0);
	mx6_addressbook_close(&ab);
}
END_TEST

START_TEST(vcard4_crlf_lines_folded_with_a_tab)
{
	struct mx6_addressbook *ab = book_with("vcard4-crlf.vcf", DAVE_VCF);

	assert_match(ab, DAVE, "folded.tab@example.org", DAVE_VCF, 0);
	assert_match(ab, DAVE, "second@example.org", DAVE_VCF, 0);
	mx6_addressbook_close(&ab);
}
END_TEST

START_TEST(vcard4_quoted_parameter_may_hold_colon_and_semicolon)
{
	struct mx6_addressbook *ab = book_with("vcard4-crlf.vcf", DAVE_VCF);

	assert_match(ab, DAVE, "office@example.org", DAVE_VCF, 0);
	mx6_addressbook_close(&ab);
}
END_TEST

START_TEST(vcard_byte_order_mark_is_skipped)
{
	char *dir = unit_mkdir();
	struct mx6_addressbook *ab;

	unit_put(dir, CAROL_VCF,
		 "\xef\xbb\xbf"
		 "BEGIN:VCARD\nVERSION:4.0\nEMAIL:bom@example.org\n"
		 "END:VCARD\n");
	ab = open_dir(dir, CACHE);
	assert_match(ab, CAROL, "bom@example.org", CAROL_VCF, 0);
	mx6_addressbook_close(&ab);
	free(dir);
}
END_TEST

#define ERIN	 "erin@example.net"
#define ERIN_VCF ERIN ".vcf"

START_TEST(vcard_encoded_email_values_are_ignored)
{
	struct mx6_addressbook *ab = book_with("nasty.vcf", ERIN_VCF);

	assert_no_match(ab, ERIN, "qp@example.org");
	assert_no_match(ab, ERIN, "a=b@example.org");
	assert_no_match(ab, ERIN, "a=3db@example.org");
	assert_no_match(ab, ERIN, "alice@example.org");
	assert_no_match(ab, ERIN, "qp.bare@example.org");
	mx6_addressbook_close(&ab);
}
END_TEST

START_TEST(vcard_email_values_that_are_not_one_address_are_ignored)
{
	struct mx6_addressbook *ab = book_with("nasty.vcf", ERIN_VCF);
	const char *senders[] = {"display@example.org", "at@example.org",
				 "two@at@example.org",	"escaped,comma@example.org",
				 "comma@example.org",	"two.addresses@example.org",
				 "another@example.org", "nobody@example.org"};
	size_t i;

	for (i = 0; i < sizeof(senders) / sizeof(senders[0]); i++)
		assert_no_match(ab, ERIN, senders[i]);
	mx6_addressbook_close(&ab);
}
END_TEST

START_TEST(vcard_card_with_ignored_values_still_counts_its_good_ones)
{
	struct mx6_addressbook *ab = book_with("nasty.vcf", ERIN_VCF);

	assert_match(ab, ERIN, "good.in.odd.card@example.org", ERIN_VCF, 0);
	mx6_addressbook_close(&ab);
}
END_TEST

START_TEST(vcard_card_with_a_line_that_is_no_content_line_is_dropped)
{
	struct mx6_addressbook *ab = book_with("nasty.vcf", ERIN_VCF);

	assert_no_match(ab, ERIN, "garbage.card@example.org");
	assert_no_match(ab, ERIN, "space.before.colon@example.org");
	assert_no_match(ab, ERIN, "unterminated.quote@example.org");
	mx6_addressbook_close(&ab);
}
END_TEST

START_TEST(vcard_card_interrupted_by_begin_is_dropped_the_inner_one_counts)
{
	struct mx6_addressbook *ab = book_with("nasty.vcf", ERIN_VCF);

	assert_no_match(ab, ERIN, "interrupted@example.org");
	assert_match(ab, ERIN, "survivor@example.org", ERIN_VCF, 0);
	mx6_addressbook_close(&ab);
}
END_TEST

START_TEST(vcard_text_outside_cards_is_ignored)
{
	struct mx6_addressbook *ab = book_with("nasty.vcf", ERIN_VCF);

	assert_no_match(ab, ERIN, "outside@example.org");
	assert_match(ab, ERIN, "after.junk@example.org", ERIN_VCF, 0);
	mx6_addressbook_close(&ab);
}
END_TEST

START_TEST(vcard_card_without_end_is_dropped)
{
	struct mx6_addressbook *ab = book_with("nasty.vcf", ERIN_VCF);

	assert_no_match(ab, ERIN, "truncated@example.org");
	mx6_addressbook_close(&ab);
}
END_TEST

/*
 * A card cut at any byte counts only once its END:VCARD line is whole;
 * before that no prefix of the address may match either.
 */
START_TEST(vcard_cut_at_every_byte_counts_only_when_complete)
{
	static const char card[] = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Cut\r\n"
				   "item1.EMAIL;TYPE=INTERNET:cut.short@example.org\r\n"
				   "NOTE:folded\r\n  note\r\nEND:VCARD\r\n";
	size_t end = strstr(card, "END:VCARD") - card + strlen("END:VCARD"), len;
	char *dir = unit_mkdir();
	struct mx6_addressbook *ab = open_dir(dir, 0);

	for (len = 0; len <= strlen(card); len++) {
		int rc;

		put_bytes(dir, CAROL_VCF, card, len);
		rc = lookup(ab, CAROL, "cut.short@example.org");
		ck_assert_msg(rc == (len >= end), "cut at %zu: %d", len, rc);
		ck_assert_int_eq(lookup(ab, CAROL, "cut.short@example.or"), 0);
		ck_assert_int_eq(lookup(ab, CAROL, "cut.short@example.o"), 0);
		ck_assert_int_eq(lookup(ab, CAROL, "cut.short@example"), 0);
	}
	mx6_addressbook_close(&ab);
	free(dir);
}
END_TEST

START_TEST(vcard_card_with_a_nul_or_control_byte_is_dropped_the_next_counts)
{
	static const char text[] =
		"BEGIN:VCARD\nVERSION:3.0\nEMAIL:nul@example.org\n"
		"NOTE:a\0b\nEND:VCARD\n"
		"BEGIN:VCARD\nVERSION:3.0\nEMAIL:esc@example.org\n"
		"NOTE:\x1b[31mred\nEND:VCARD\n"
		"BEGIN:VCARD\nVERSION:3.0\nEMAIL:nul.in.value@example.org\0x\n"
		"END:VCARD\n"
		"BEGIN:VCARD\nVERSION:3.0\nEMAIL:next@example.org\nEND:VCARD\n";
	char *dir = unit_mkdir();
	struct mx6_addressbook *ab;

	put_bytes(dir, CAROL_VCF, text, sizeof(text) - 1);
	ab = open_dir(dir, CACHE);
	assert_no_match(ab, CAROL, "nul@example.org");
	assert_no_match(ab, CAROL, "esc@example.org");
	assert_no_match(ab, CAROL, "nul.in.value@example.org");
	assert_match(ab, CAROL, "next@example.org", CAROL_VCF, 0);
	mx6_addressbook_close(&ab);
	free(dir);
}
END_TEST

/* Deterministic junk: a linear congruential generator. */
static void fill_junk(char *buf, size_t len, unsigned seed)
{
	size_t i;

	for (i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = (char)(seed >> 16);
	}
}

START_TEST(vcard_binary_junk_matches_nothing_and_a_clean_card_after_it_counts)
{
	static const char begin[] = "\nBEGIN:VCARD\nEMAIL:junk@example.org\n";
	static const char clean[] =
		"\nBEGIN:VCARD\nVERSION:4.0\nEMAIL:clean@example.org\n"
		"END:VCARD\n";
	size_t junk = 64 * 1024, len = 0;
	char *dir = unit_mkdir(), *buf = malloc(3 * junk + sizeof(begin) + sizeof(clean));
	struct mx6_addressbook *ab = open_dir(dir, 0);
	unsigned seed;

	ck_assert_ptr_nonnull(buf);
	for (seed = 1; seed <= 20; seed++) {
		fill_junk(buf, junk, seed);
		put_bytes(dir, CAROL_VCF, buf, junk);
		assert_no_match(ab, CAROL, "junk@example.org");
	}
	fill_junk(buf, junk, 99);
	len = junk;
	memcpy(buf + len, begin, sizeof(begin) - 1);
	len += sizeof(begin) - 1;
	fill_junk(buf + len, junk, 100);
	len += junk;
	memcpy(buf + len, clean, sizeof(clean) - 1);
	len += sizeof(clean) - 1;
	put_bytes(dir, CAROL_VCF, buf, len);
	assert_no_match(ab, CAROL, "junk@example.org");
	assert_match(ab, CAROL, "clean@example.org", CAROL_VCF, 0);
	mx6_addressbook_close(&ab);
	free(buf);
	free(dir);
}
END_TEST

/* A vCard file of HEAD, COUNT bytes of FILL (folded when FOLD), TAIL. */
static void put_big_card(const char *dir, const char *head, size_t count, char fill,
			 int fold, const char *tail)
{
	size_t hl = strlen(head), tl = strlen(tail), len = hl, i;
	char *buf = malloc(hl + count * 2 + tl + 1);

	ck_assert_ptr_nonnull(buf);
	memcpy(buf, head, hl);
	for (i = 0; i < count; i++) {
		if (fold && i > 0 && i % 74 == 0) {
			buf[len++] = '\n';
			buf[len++] = ' ';
		}
		buf[len++] = fill;
	}
	memcpy(buf + len, tail, tl);
	put_bytes(dir, CAROL_VCF, buf, len + tl);
	free(buf);
}

START_TEST(vcard_megabyte_email_value_matches_nothing)
{
	char *dir = unit_mkdir();
	struct mx6_addressbook *ab;

	put_big_card(dir, "BEGIN:VCARD\nVERSION:3.0\nEMAIL:", 1024 * 1024, 'a', 0,
		     "@example.org\nEND:VCARD\n"
		     "BEGIN:VCARD\nVERSION:3.0\nEMAIL:after@example.org\nEND:VCARD\n");
	ab = open_dir(dir, CACHE);
	assert_no_match(ab, CAROL, "a@example.org");
	assert_match(ab, CAROL, "after@example.org", CAROL_VCF, 0);
	mx6_addressbook_close(&ab);
	free(dir);
}
END_TEST

START_TEST(vcard_line_over_a_mebibyte_drops_its_card_only)
{
	char *dir = unit_mkdir();
	struct mx6_addressbook *ab;

	put_big_card(dir, "BEGIN:VCARD\nVERSION:3.0\nEMAIL:huge.card@example.org\nNOTE:",
		     1024 * 1024 + 1, 'x', 1,
		     "\nEND:VCARD\n"
		     "BEGIN:VCARD\nVERSION:3.0\nEMAIL:after@example.org\nEND:VCARD\n");
	ab = open_dir(dir, CACHE);
	assert_no_match(ab, CAROL, "huge.card@example.org");
	assert_match(ab, CAROL, "after@example.org", CAROL_VCF, 0);
	mx6_addressbook_close(&ab);
	free(dir);
}
END_TEST

START_TEST(vcard_with_a_large_folded_photo_still_counts)
{
	char *dir = unit_mkdir();
	struct mx6_addressbook *ab;

	put_big_card(dir,
		     "BEGIN:VCARD\nVERSION:3.0\nEMAIL:photo@example.org\n"
		     "PHOTO;ENCODING=b;TYPE=JPEG:",
		     512 * 1024, 'Q', 1, "\nEND:VCARD\n");
	ab = open_dir(dir, CACHE);
	assert_match(ab, CAROL, "photo@example.org", CAROL_VCF, 0);
	mx6_addressbook_close(&ab);
	free(dir);
}
END_TEST

/* Plain and vCard together, unreadable files */

START_TEST(plain_file_answers_before_the_vcard)
{
	char *dir = unit_mkdir();
	struct mx6_addressbook *ab;

	unit_put(dir, BOB, "# frank's plain book\n@example.org\n");
	unit_put(dir, BOB ".vcf",
		 "BEGIN:VCARD\nEMAIL:alice@example.org\nEMAIL:zed@example.com\n"
		 "END:VCARD\n");
	ab = open_dir(dir, CACHE);
	assert_match(ab, BOB, "alice@example.org", BOB, 2);
	assert_match(ab, BOB, "zed@example.com", BOB ".vcf", 0);
	assert_no_match(ab, BOB, "other@example.com");
	mx6_addressbook_close(&ab);
	free(dir);
}
END_TEST

/* Runs lookups with stderr going to a file; returns what they logged. */
static char *logged_by_lookups(struct mx6_addressbook *ab, const char *recipient,
			       const char *sender, int times, int expect)
{
	char *path = unit_strdupf("%s/stderr.%d", unit_scratch(), (int)getpid()), *text;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600), saved = dup(2), i;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_ge(dup2(fd, 2), 0);
	for (i = 0; i < times; i++) {
		int rc = lookup(ab, recipient, sender);

		if (rc != expect) {
			dup2(saved, 2);
			ck_abort_msg("lookup %d: %d, expected %d", i, rc, expect);
		}
	}
	ck_assert_int_ge(dup2(saved, 2), 0);
	close(saved);
	close(fd);
	text = unit_read(path);
	ck_assert_ptr_nonnull(text);
	unlink(path);
	free(path);
	return text;
}

static unsigned occurrences(const char *text, const char *what)
{
	unsigned n = 0;

	for (; (text = strstr(text, what)) != NULL; text++)
		n++;
	return n;
}

START_TEST(file_over_4_mib_is_unreadable_and_said_once)
{
	char *dir = unit_mkdir(), *path = unit_strdupf("%s/%s", dir, BOB), *log;
	struct mx6_addressbook *ab;
	int fd;

	unit_put(dir, BOB, "alice@example.org\n");
	fd = open(path, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 4 * 1024 * 1024 + 1), 0);
	close(fd);
	ab = open_dir(dir, CACHE);
	log = logged_by_lookups(ab, BOB, "alice@example.org", 3, -1);
	ck_assert_msg(occurrences(log, "larger than 4194304 bytes") == 1, "logged: %s",
		      log);
	ck_assert_ptr_nonnull(strstr(log, BOB));
	free(log);
	mx6_addressbook_close(&ab);
	free(path);
	free(dir);
}
END_TEST

START_TEST(file_of_exactly_4_mib_is_read)
{
	char *dir = unit_mkdir();
	size_t len = 4 * 1024 * 1024;
	char *buf = malloc(len);
	struct mx6_addressbook *ab;

	ck_assert_ptr_nonnull(buf);
	memset(buf, '\n', len);
	memcpy(buf, "alice@example.org", strlen("alice@example.org"));
	memcpy(buf + len - strlen("omega@example.org"), "omega@example.org",
	       strlen("omega@example.org"));
	put_bytes(dir, BOB, buf, len);
	ab = open_dir(dir, CACHE);
	assert_match(ab, BOB, "alice@example.org", BOB, 1);
	/* Line 1 is alice, then a newline for each byte up to omega's line. */
	assert_match(ab, BOB, "omega@example.org", BOB, (unsigned)(len - 2 * 17 + 1));
	mx6_addressbook_close(&ab);
	free(buf);
	free(dir);
}
END_TEST

START_TEST(directory_or_fifo_named_like_the_recipient_is_unreadable)
{
	char *dir = unit_mkdir(), *sub = unit_strdupf("%s/%s", dir, BOB);
	char *fifo = unit_strdupf("%s/%s", dir, CAROL_VCF);
	struct mx6_addressbook *ab = open_dir(dir, CACHE);

	ck_assert_int_eq(mkdir(sub, 0755), 0);
	ck_assert_int_eq(mkfifo(fifo, 0644), 0);
	ck_assert_int_eq(lookup(ab, BOB, "alice@example.org"), -1);
	ck_assert_int_eq(lookup(ab, CAROL, "alice@example.org"), -1);
	ck_assert_str_eq(found_file, "");
	mx6_addressbook_close(&ab);
	free(fifo);
	free(sub);
	free(dir);
}
END_TEST

START_TEST(unreadable_plain_file_still_lets_the_vcard_match)
{
	char *dir = unit_mkdir(), *sub = unit_strdupf("%s/%s", dir, BOB);
	struct mx6_addressbook *ab = open_dir(dir, CACHE);

	ck_assert_int_eq(mkdir(sub, 0755), 0);
	unit_put(dir, BOB ".vcf", "BEGIN:VCARD\nEMAIL:alice@example.org\nEND:VCARD\n");
	assert_match(ab, BOB, "alice@example.org", BOB ".vcf", 0);
	ck_assert_int_eq(lookup(ab, BOB, "other@example.org"), -1);
	mx6_addressbook_close(&ab);
	free(sub);
	free(dir);
}
END_TEST

/* Recipient names */

START_TEST(recipient_that_could_leave_the_directory_has_no_book)
{
	const char *recipients[] = {"../etc/passwd",
				    "<../etc/passwd>",
				    "a/b@x",
				    ".hidden",
				    "<.hidden>",
				    "..",
				    ".",
				    "/etc/passwd",
				    BOB "/",
				    "./" BOB,
				    "bob\n@example.net",
				    "bob\t@example.net",
				    "bob\x7f@x",
				    "",
				    "<>"};
	char *dir = unit_mkdir(), *etc = unit_strdupf("%s/etc", unit_scratch());
	char *a = unit_strdupf("%s/a", dir);
	struct mx6_addressbook *ab;
	size_t i;

	/* Each of these would list the sender if a recipient name reached it. */
	mkdir(etc, 0755);
	unit_put(etc, "passwd", "alice@example.org\n");
	ck_assert_int_eq(mkdir(a, 0755), 0);
	unit_put(a, "b@x", "alice@example.org\n");
	unit_put(dir, ".hidden", "alice@example.org\n");
	unit_put(dir, BOB, "alice@example.org\n");
	ab = open_dir(dir, CACHE);
	for (i = 0; i < sizeof(recipients) / sizeof(recipients[0]); i++)
		assert_no_match(ab, recipients[i], "alice@example.org");
	assert_match(ab, BOB, "alice@example.org", BOB, 1);
	mx6_addressbook_close(&ab);
	free(a);
	free(etc);
	free(dir);
}
END_TEST

START_TEST(recipient_too_long_for_a_file_name_or_an_address_has_no_book)
{
	char *dir = unit_mkdir(), local[300], *longest, *too_long;
	struct mx6_addressbook *ab = open_dir(dir, CACHE);

	memset(local, 'x', sizeof(local) - 1);
	local[sizeof(local) - 1] = '\0';
	longest = unit_strdupf("%s@example.net", local);
	too_long = unit_strdupf("%s@mail.example.example.net", local);
	ck_assert_uint_le(strlen(longest), 320);
	ck_assert_uint_gt(strlen(too_long), 320);
	assert_no_match(ab, longest, "alice@example.org");
	assert_no_match(ab, too_long, "alice@example.org");
	mx6_addressbook_close(&ab);
	free(too_long);
	free(longest);
	free(dir);
}
END_TEST

/* The cache */

/* Far enough in the past that the library trusts the timestamps. */
static time_t past(int offset)
{
	return time(NULL) - 3600 + offset;
}

START_TEST(file_rewritten_in_place_with_the_same_size_is_read_again)
{
	char *dir = unit_mkdir();
	struct mx6_addressbook *ab = open_dir(dir, CACHE);

	unit_put(dir, BOB, "alice@example.org\n");
	set_mtime(dir, BOB, past(0));
	assert_match(ab, BOB, "alice@example.org", BOB, 1);
	assert_match(ab, BOB, "alice@example.org", BOB, 1);
	unit_put(dir, BOB, "alicx@example.org\n");
	set_mtime(dir, BOB, past(1));
	assert_no_match(ab, BOB, "alice@example.org");
	assert_match(ab, BOB, "alicx@example.org", BOB, 1);
	mx6_addressbook_close(&ab);
	free(dir);
}
END_TEST

START_TEST(file_replaced_by_rename_is_read_again)
{
	char *dir = unit_mkdir(), *tmp = unit_strdupf("%s/.new", dir);
	char *path = unit_strdupf("%s/%s", dir, BOB);
	struct mx6_addressbook *ab = open_dir(dir, CACHE);

	unit_put(dir, BOB, "alice@example.org\n");
	set_mtime(dir, BOB, past(0));
	assert_match(ab, BOB, "alice@example.org", BOB, 1);
	unit_put(dir, ".new", "# new\nalice@example.org\n");
	set_mtime(dir, ".new", past(0));
	ck_assert_int_eq(rename(tmp, path), 0);
	assert_match(ab, BOB, "alice@example.org", BOB, 2);
	mx6_addressbook_close(&ab);
	free(path);
	free(tmp);
	free(dir);
}
END_TEST

START_TEST(file_created_or_deleted_after_a_lookup_is_seen)
{
	char *dir = unit_mkdir(), *path = unit_strdupf("%s/%s", dir, BOB);
	struct mx6_addressbook *ab = open_dir(dir, CACHE);

	assert_no_match(ab, BOB, "alice@example.org");
	unit_put(dir, BOB, "alice@example.org\n");
	assert_match(ab, BOB, "alice@example.org", BOB, 1);
	unit_put(dir, BOB ".vcf", "BEGIN:VCARD\nEMAIL:zed@example.org\nEND:VCARD\n");
	assert_match(ab, BOB, "zed@example.org", BOB ".vcf", 0);
	ck_assert_int_eq(unlink(path), 0);
	assert_no_match(ab, BOB, "alice@example.org");
	assert_match(ab, BOB, "zed@example.org", BOB ".vcf", 0);
	mx6_addressbook_close(&ab);
	free(path);
	free(dir);
}
END_TEST

static void three_recipients(const char *dir)
{
	static const char *const names[] = {"a@example.net", "b@example.net",
					    "c@example.net"};
	size_t i;

	for (i = 0; i < 3; i++) {
		char *text = unit_strdupf("# book of %s\nfriend.%c@example.org\n",
					  names[i], (int)('a' + i));

		unit_put(dir, names[i], text);
		set_mtime(dir, names[i], past((int)i));
		free(text);
	}
}

static void check_three_recipients(struct mx6_addressbook *ab, int rounds)
{
	static const char *const names[] = {"a@example.net", "b@example.net",
					    "c@example.net"};
	int r;
	size_t i, j;

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < 3; i++) {
			for (j = 0; j < 3; j++) {
				char *sender = unit_strdupf("friend.%c@example.org",
							    (int)('a' + j));

				if (i == j)
					assert_match(ab, names[i], sender, names[i], 2);
				else
					assert_no_match(ab, names[i], sender);
				free(sender);
			}
		}
	}
}

START_TEST(cache_of_two_answers_for_three_recipients)
{
	char *dir = unit_mkdir();
	struct mx6_addressbook *ab = open_dir(dir, 2);

	three_recipients(dir);
	check_three_recipients(ab, 5);
	mx6_addressbook_close(&ab);
	free(dir);
}
END_TEST

START_TEST(evicted_book_that_changed_is_read_again)
{
	char *dir = unit_mkdir();
	struct mx6_addressbook *ab = open_dir(dir, 2);

	three_recipients(dir);
	check_three_recipients(ab, 1);
	unit_put(dir, "a@example.net", "friend.z@example.org\n");
	set_mtime(dir, "a@example.net", past(10));
	assert_match(ab, "a@example.net", "friend.z@example.org", "a@example.net", 1);
	assert_no_match(ab, "a@example.net", "friend.a@example.org");
	mx6_addressbook_close(&ab);
	free(dir);
}
END_TEST

START_TEST(cache_of_zero_reads_the_files_every_time)
{
	char *dir = unit_mkdir();
	struct mx6_addressbook *ab = open_dir(dir, 0);

	three_recipients(dir);
	check_three_recipients(ab, 2);
	mx6_addressbook_close(&ab);
	free(dir);
}
END_TEST

/* Many threads */

#define READERS	       8
#define READER_LOOKUPS 3000

struct race {
	struct mx6_addressbook *ab;
	const char *dir;
	int done; /* atomic */
	unsigned rewrites;
	unsigned bad[READERS];
	char why[READERS][600];
};

struct reader {
	struct race *race;
	int index;
};

static void *race_reader(void *arg)
{
	struct reader *rd = arg;
	struct race *race = rd->race;
	int i;

	for (i = 0; i < READER_LOOKUPS; i++) {
		char file[400];
		unsigned line = 0;
		int rc = mx6_addressbook_contains(race->ab, "race@example.net",
						  "alice@example.org", file, sizeof(file),
						  &line);
		/* Old, new, or -1 ("changed while being read" three times in a row,
		 * possible when the writer renames thousands of times a second on a
		 * loaded machine): no signal, never a wrong answer. */
		int ok = (rc == 1 && strcmp(file, "race@example.net") == 0 &&
			  (line == 1 || line == 3)) ||
			 rc == -1;

		if (ok && rc == 1) {
			rc = mx6_addressbook_contains(race->ab, "still@example.net",
						      "bob@example.org", file,
						      sizeof(file), &line);
			ok = rc == 1 && strcmp(file, "still@example.net.vcf") == 0 &&
			     line == 0;
		}
		if (ok) {
			rc = mx6_addressbook_contains(race->ab, "race@example.net",
						      "new@example.org", file,
						      sizeof(file), &line);
			ok = rc == 0 || rc == -1 || (rc == 1 && line == 4);
		}
		if (!ok && race->bad[rd->index]++ == 0)
			snprintf(race->why[rd->index], sizeof(race->why[0]),
				 "lookup %d: rc %d file %s line %u", i, rc, file, line);
	}
	return NULL;
}

static void *race_writer(void *arg)
{
	struct race *race = arg;
	char *tmp = unit_strdupf("%s/.race.tmp", race->dir);
	char *path = unit_strdupf("%s/race@example.net", race->dir);
	int i;

	for (i = 0; !__atomic_load_n(&race->done, __ATOMIC_ACQUIRE); i = (i + 1) % 1000) {
		struct timeval tv[2] = {{past(i), 0}, {past(i), 0}};
		FILE *fp = fopen(tmp, "w");

		if (fp == NULL)
			break;
		fputs(i % 2 ? "# new\n\nalice@example.org\nnew@example.org\n"
			    : "alice@example.org\n",
		      fp);
		fclose(fp);
		utimes(tmp, tv);
		rename(tmp, path);
		race->rewrites++;
	}
	free(path);
	free(tmp);
	return NULL;
}

START_TEST(lookups_from_many_threads_while_a_book_is_replaced_see_old_or_new)
{
	char *dir = unit_mkdir();
	struct race race;
	struct reader readers[READERS];
	pthread_t threads[READERS], writer;
	int i;

	memset(&race, 0, sizeof(race));
	race.dir = dir;
	unit_put(dir, "race@example.net", "alice@example.org\n");
	unit_put(dir, "still@example.net.vcf",
		 "BEGIN:VCARD\nEMAIL:bob@example.org\nEND:VCARD\n");
	set_mtime(dir, "still@example.net.vcf", past(0));
	/* A cache of one entry makes the two recipients evict each other. */
	race.ab = open_dir(dir, 1);
	ck_assert_int_eq(pthread_create(&writer, NULL, race_writer, &race), 0);
	for (i = 0; i < READERS; i++) {
		readers[i].race = &race;
		readers[i].index = i;
		ck_assert_int_eq(
			pthread_create(&threads[i], NULL, race_reader, &readers[i]), 0);
	}
	for (i = 0; i < READERS; i++)
		pthread_join(threads[i], NULL);
	__atomic_store_n(&race.done, 1, __ATOMIC_RELEASE);
	pthread_join(writer, NULL);
	ck_assert_uint_ge(race.rewrites, 2);
	for (i = 0; i < READERS; i++)
		ck_assert_msg(race.bad[i] == 0, "reader %d: %u bad answers, first %s", i,
			      race.bad[i], race.why[i]);
	mx6_addressbook_close(&race.ab);
	free(dir);
}
END_TEST

static Suite *addressbook_suite(void)
{
	Suite *s = suite_create("addressbook");
	TCase *tc;

	tc = tcase_create("opening");
	tcase_add_test(tc,
		       open_accepts_a_readable_directory_and_close_clears_the_pointer);
	tcase_add_test(tc, open_names_an_unsupported_scheme);
	tcase_add_test(tc, open_without_a_scheme_is_refused);
	tcase_add_test(tc, open_refuses_a_missing_directory_or_a_file);
	tcase_add_test(tc, open_accepts_a_trailing_slash);
	suite_add_tcase(s, tc);

	tc = tcase_create("plain files");
	tcase_add_test(tc, plain_address_matches_with_its_file_and_line);
	tcase_add_test(tc, plain_entries_recipients_and_senders_are_case_insensitive);
	tcase_add_test(tc, plain_domain_entry_matches_every_address_of_that_domain_only);
	tcase_add_test(tc, plain_trailing_dots_are_ignored_in_entries_and_senders);
	tcase_add_test(tc, plain_address_entry_wins_over_a_domain_entry);
	tcase_add_test(tc, plain_duplicate_entry_first_line_wins);
	tcase_add_test(tc,
		       plain_lines_that_are_no_entry_are_ignored_and_later_lines_count);
	tcase_add_test(tc, plain_sender_in_angle_brackets_matches);
	tcase_add_test(tc, plain_crlf_lines_byte_order_mark_and_missing_last_newline);
	tcase_add_test(tc, sender_that_is_not_an_address_matches_nothing);
	tcase_add_test(tc, recipient_without_a_book_has_no_match);
	tcase_add_test(tc, plain_file_answers_before_the_vcard);
	suite_add_tcase(s, tc);

	tc = tcase_create("vCards");
	tcase_add_test(tc, vcard3_grouped_email_with_type_parameters_matches_with_line_0);
	tcase_add_test(tc, vcard3_folded_email_line_is_unfolded);
	tcase_add_test(tc, vcard_every_card_of_a_file_counts_whatever_its_case);
	tcase_add_test(tc, vcard_only_email_properties_count_and_only_as_addresses);
	tcase_add_test(tc, vcard4_mailto_uri_is_stripped);
	tcase_add_test(tc, vcard4_crlf_lines_folded_with_a_tab);
	tcase_add_test(tc, vcard4_quoted_parameter_may_hold_colon_and_semicolon);
	tcase_add_test(tc, vcard_byte_order_mark_is_skipped);
	suite_add_tcase(s, tc);

	tc = tcase_create("broken vCards");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, vcard_encoded_email_values_are_ignored);
	tcase_add_test(tc, vcard_email_values_that_are_not_one_address_are_ignored);
	tcase_add_test(tc, vcard_card_with_ignored_values_still_counts_its_good_ones);
	tcase_add_test(tc, vcard_card_with_a_line_that_is_no_content_line_is_dropped);
	tcase_add_test(tc,
		       vcard_card_interrupted_by_begin_is_dropped_the_inner_one_counts);
	tcase_add_test(tc, vcard_text_outside_cards_is_ignored);
	tcase_add_test(tc, vcard_card_without_end_is_dropped);
	tcase_add_test(tc, vcard_cut_at_every_byte_counts_only_when_complete);
	tcase_add_test(tc,
		       vcard_card_with_a_nul_or_control_byte_is_dropped_the_next_counts);
	tcase_add_test(
		tc, vcard_binary_junk_matches_nothing_and_a_clean_card_after_it_counts);
	tcase_add_test(tc, vcard_megabyte_email_value_matches_nothing);
	tcase_add_test(tc, vcard_line_over_a_mebibyte_drops_its_card_only);
	tcase_add_test(tc, vcard_with_a_large_folded_photo_still_counts);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits and unreadable files");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, plain_entries_beyond_the_limit_are_ignored);
	tcase_add_test(tc, file_over_4_mib_is_unreadable_and_said_once);
	tcase_add_test(tc, file_of_exactly_4_mib_is_read);
	tcase_add_test(tc, directory_or_fifo_named_like_the_recipient_is_unreadable);
	tcase_add_test(tc, unreadable_plain_file_still_lets_the_vcard_match);
	suite_add_tcase(s, tc);

	tc = tcase_create("recipient names");
	tcase_add_test(tc, recipient_that_could_leave_the_directory_has_no_book);
	tcase_add_test(tc, recipient_too_long_for_a_file_name_or_an_address_has_no_book);
	suite_add_tcase(s, tc);

	tc = tcase_create("cache");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, file_rewritten_in_place_with_the_same_size_is_read_again);
	tcase_add_test(tc, file_replaced_by_rename_is_read_again);
	tcase_add_test(tc, file_created_or_deleted_after_a_lookup_is_seen);
	tcase_add_test(tc, cache_of_two_answers_for_three_recipients);
	tcase_add_test(tc, evicted_book_that_changed_is_read_again);
	tcase_add_test(tc, cache_of_zero_reads_the_files_every_time);
	tcase_add_test(tc,
		       lookups_from_many_threads_while_a_book_is_replaced_see_old_or_new);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_main(addressbook_suite());
}
