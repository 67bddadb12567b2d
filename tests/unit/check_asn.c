/*
 * NAME
 *	check_asn 1
 * SUMMARY
 *	unit tests for lib/asn.c: origin AS lookups and AS lists
 * DESCRIPTION
 *	Each test states one behaviour the asn_greenlist signal (SPEC 3
 *	step 6, SPEC 7) relies on: which AS a client address gets from a
 *	MaxMind-format database, which files are refused at start and with
 *	what message, how a corrupt database answers, and how AS list files
 *	are read, reported and looked up.
 *
 *	The databases are written before the tests run by
 *	tests/data/asn/make-test-mmdb.pl (Perl's MaxMind::DB::Writer), whose
 *	tables are the expected answers below. Without perl or that module
 *	the program says why and exits 77, which automake reports as SKIP.
 *	Corrupt databases are made here by overwriting one tree record or
 *	one data byte of a copy, found through libmaxminddb's own reader.
 */
#include "autoconf.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <maxminddb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "asn.h"
#include "unit.h"

#define GENERATOR "tests/data/asn/make-test-mmdb.pl"

/* The databases' directory; set before the tests fork. */
static char mmdb_dir[PATH_MAX];

static char open_err[2048];

/* The path of one of the generated databases (malloc'd). */
static char *db_path(const char *name)
{
	return unit_strdupf("%s/%s", mmdb_dir, name);
}

static struct mx6_asn_db *open_db(const char *name)
{
	char *path = db_path(name);
	struct mx6_asn_db *db = mx6_asn_db_open(path, open_err, sizeof(open_err));

	ck_assert_msg(db != NULL, "%s", open_err);
	free(path);
	return db;
}

static struct mx6_addr addr(const char *text)
{
	struct mx6_addr a;

	ck_assert_msg(mx6_addr_parse(text, &a) == 0, "cannot parse address '%s'", text);
	return a;
}

/* The lookup's return value; the AS number in *asn_r (0 when none). */
static int lookup(const struct mx6_asn_db *db, const char *text, uint32_t *asn_r)
{
	struct mx6_addr a = addr(text);

	*asn_r = 0;
	return mx6_asn_lookup(db, &a, asn_r);
}

/* The AS of TEXT, or 0 when the lookup answers "none" (and asserts it did). */
static uint32_t asn_of(const struct mx6_asn_db *db, const char *text)
{
	uint32_t asn;
	int rc = lookup(db, text, &asn);

	ck_assert_msg(rc == 0 || rc == 1, "lookup of %s returned %d", text, rc);
	ck_assert_msg(rc == 1 || asn == 0, "lookup of %s said none but set %u", text,
		      (unsigned)asn);
	return asn;
}

/* The message of a refused open of PATH (and that it was refused). */
static const char *open_error(const char *path)
{
	struct mx6_asn_db *db;

	strcpy(open_err, "(no message)");
	db = mx6_asn_db_open(path, open_err, sizeof(open_err));
	ck_assert_msg(db == NULL, "%s was accepted", path);
	return open_err;
}

/* Whole files, binary */

static unsigned char *read_bytes(const char *path, size_t *len_r)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *buf;
	long size;

	ck_assert_msg(fp != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(fp, 0, SEEK_END), 0);
	size = ftell(fp);
	ck_assert_int_ge(size, 1);
	rewind(fp);
	buf = malloc((size_t)size);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)size, fp), (size_t)size);
	fclose(fp);
	*len_r = (size_t)size;
	return buf;
}

/* LEN bytes of BUF to a new file in the scratch directory (malloc'd path). */
static char *write_bytes(const char *name, const unsigned char *buf, size_t len)
{
	char *path = unit_strdupf("%s/%s", unit_scratch(), name);
	FILE *fp = fopen(path, "wb");

	ck_assert_msg(fp != NULL, "cannot create %s", path);
	ck_assert_uint_eq(fwrite(buf, 1, len, fp), len);
	ck_assert_int_eq(fclose(fp), 0);
	return path;
}

/*
 * The file offset of the tree record that ends the lookup of TEXT in
 * the database at PATH: the record that points at TEXT's data. Bits are
 * walked from node 0, so "::192.0.2.9" reaches the IPv4 subtree.
 */
static size_t record_offset(const char *path, const char *text)
{
	struct mx6_addr a = addr(text);
	uint32_t node = 0;
	MMDB_s mmdb;
	unsigned bit;

	ck_assert_int_eq(MMDB_open(path, MMDB_MODE_MMAP, &mmdb), MMDB_SUCCESS);
	ck_assert_uint_eq(mmdb.metadata.record_size, 24);
	for (bit = 0; bit < 128; bit++) {
		int right = (a.bytes[bit / 8] >> (7 - bit % 8)) & 1;
		MMDB_search_node_s n;
		uint8_t type;

		ck_assert_int_eq(MMDB_read_node(&mmdb, node, &n), MMDB_SUCCESS);
		type = right ? n.right_record_type : n.left_record_type;
		if (type == MMDB_RECORD_TYPE_DATA) {
			MMDB_close(&mmdb);
			/* 24-bit records: a node is 6 bytes, left record first. */
			return (size_t)node * 6 + (right ? 3 : 0);
		}
		ck_assert_msg(type == MMDB_RECORD_TYPE_SEARCH_NODE,
			      "%s has no data in %s (bit %u)", text, path, bit);
		node = (uint32_t)(right ? n.right_record : n.left_record);
	}
	ck_abort_msg("%s: no data record for %s", path, text);
	return 0;
}

/* The file offset of the data (a map) that the lookup of TEXT finds. */
static size_t data_offset(const char *path, const char *text)
{
	MMDB_lookup_result_s result;
	int gai_error, mmdb_error;
	MMDB_s mmdb;
	size_t offset;

	ck_assert_int_eq(MMDB_open(path, MMDB_MODE_MMAP, &mmdb), MMDB_SUCCESS);
	result = MMDB_lookup_string(&mmdb, text, &gai_error, &mmdb_error);
	ck_assert_int_eq(gai_error, 0);
	ck_assert_int_eq(mmdb_error, MMDB_SUCCESS);
	ck_assert(result.found_entry);
	/* The data section follows the tree and 16 bytes of zeros. */
	offset = (size_t)mmdb.metadata.node_count * 6 + 16 + result.entry.offset;
	MMDB_close(&mmdb);
	return offset;
}

/* A copy of asn.mmdb named NAME with the tree record for TEXT pointing past the end. */
static char *copy_with_broken_record(const char *name, const char *text)
{
	char *orig = db_path("asn.mmdb"), *path;
	size_t len, at = record_offset(orig, text);
	unsigned char *buf = read_bytes(orig, &len);

	ck_assert_uint_lt(at + 3, len);
	memset(buf + at, 0xff, 3);
	path = write_bytes(name, buf, len);
	free(buf);
	free(orig);
	return path;
}

/* Lookups */

START_TEST(ipv6_client_in_each_prefix_gets_its_as)
{
	struct mx6_asn_db *db = open_db("asn.mmdb");

	ck_assert_uint_eq(asn_of(db, "2001:db8:1::5"), 64496);
	ck_assert_uint_eq(asn_of(db, "2001:db8:1::"), 64496);
	ck_assert_uint_eq(asn_of(db, "2001:db8:1:ffff:ffff:ffff:ffff:ffff"), 64496);
	ck_assert_uint_eq(asn_of(db, "2001:db8:2::25"), 64497);
	ck_assert_uint_eq(asn_of(db, "2001:db8:2:abcd::1"), 64497);
	mx6_asn_db_close(&db);
}
END_TEST

START_TEST(lookup_answers_1_with_the_as)
{
	struct mx6_asn_db *db = open_db("asn.mmdb");
	uint32_t asn;

	ck_assert_int_eq(lookup(db, "2001:db8:2::25", &asn), 1);
	ck_assert_uint_eq(asn, 64497);
	mx6_asn_db_close(&db);
}
END_TEST

START_TEST(ipv4_mapped_client_is_looked_up_as_ipv4)
{
	struct mx6_asn_db *db = open_db("asn.mmdb");

	ck_assert_uint_eq(asn_of(db, "::ffff:192.0.2.9"), 64498);
	ck_assert_uint_eq(asn_of(db, "192.0.2.0"), 64498);
	ck_assert_uint_eq(asn_of(db, "192.0.2.255"), 64498);
	ck_assert_uint_eq(asn_of(db, "192.0.3.0"), 0);
	ck_assert_uint_eq(asn_of(db, "192.0.1.255"), 0);
	mx6_asn_db_close(&db);
}
END_TEST

START_TEST(ipv4_mapped_client_is_found_without_the_databases_alias)
{
	/* This file maps 192.0.2.0/24 only at ::192.0.2.0, not at ::ffff:192.0.2.0. */
	struct mx6_asn_db *db = open_db("asn-no-alias.mmdb");

	ck_assert_uint_eq(asn_of(db, "::ffff:192.0.2.9"), 64498);
	ck_assert_uint_eq(asn_of(db, "2002:c000:209::1"), 0);
	mx6_asn_db_close(&db);
}
END_TEST

START_TEST(address_outside_every_prefix_has_no_as)
{
	struct mx6_asn_db *db = open_db("asn.mmdb");
	uint32_t asn;

	ck_assert_int_eq(lookup(db, "2001:db8:3::1", &asn), 0);
	/* Right before, between and right after the two /48s. */
	ck_assert_uint_eq(asn_of(db, "2001:db8:0:ffff:ffff:ffff:ffff:ffff"), 0);
	ck_assert_uint_eq(asn_of(db, "2001:db8:3::"), 0);
	ck_assert_uint_eq(asn_of(db, "2001:db8::1"), 0);
	ck_assert_uint_eq(asn_of(db, "2001:db9::1"), 0);
	ck_assert_uint_eq(asn_of(db, "::"), 0);
	ck_assert_uint_eq(asn_of(db, "::1"), 0);
	ck_assert_uint_eq(asn_of(db, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 0);
	mx6_asn_db_close(&db);
}
END_TEST

START_TEST(six_to_four_client_gets_the_as_the_database_aliases_it_to)
{
	/* MaxMind-style files alias 2002::/16 to the IPv4 tree; we follow the file. */
	struct mx6_asn_db *db = open_db("asn.mmdb");

	ck_assert_uint_eq(asn_of(db, "2002:c000:209::1"), 64498);
	ck_assert_uint_eq(asn_of(db, "2002:c000:309::1"), 0);
	mx6_asn_db_close(&db);
}
END_TEST

START_TEST(as_number_stored_as_uint16_is_read)
{
	struct mx6_asn_db *db = open_db("asn-uint16.mmdb");

	ck_assert_uint_eq(asn_of(db, "2001:db8:1::5"), 64496);
	ck_assert_uint_eq(asn_of(db, "2001:db8:2::5"), 0);
	mx6_asn_db_close(&db);
}
END_TEST

START_TEST(as_number_stored_as_uint64_is_read_up_to_32_bits)
{
	struct mx6_asn_db *db = open_db("asn-uint64.mmdb");
	uint32_t asn;

	ck_assert_uint_eq(asn_of(db, "2001:db8:1::5"), 64496);
	ck_assert_uint_eq(asn_of(db, "2001:db8:2::5"), 4294967295u);
	/* 4294967296 is no AS number: the data is wrong, not absent. */
	ck_assert_int_eq(lookup(db, "2001:db8:3::5", &asn), -1);
	mx6_asn_db_close(&db);
}
END_TEST

START_TEST(lookup_in_no_database_finds_nothing)
{
	struct mx6_addr a = addr("2001:db8:1::5");
	uint32_t asn = 0;

	ck_assert_int_eq(mx6_asn_lookup(NULL, &a, &asn), 0);
	ck_assert_uint_eq(asn, 0);
}
END_TEST

START_TEST(close_sets_the_pointer_to_null)
{
	struct mx6_asn_db *db = open_db("asn.mmdb");

	mx6_asn_db_close(&db);
	ck_assert_ptr_null(db);
	mx6_asn_db_close(&db);
	ck_assert_ptr_null(db);
}
END_TEST

/* Corrupt databases */

START_TEST(corrupt_tree_record_makes_that_lookup_fail_and_no_other)
{
	char *path = copy_with_broken_record("broken-record.mmdb", "2001:db8:1::5");
	struct mx6_asn_db *db = mx6_asn_db_open(path, open_err, sizeof(open_err));
	uint32_t asn;

	/* The first record, which opening samples, is the intact IPv4 one. */
	ck_assert_msg(db != NULL, "%s", open_err);
	ck_assert_int_eq(lookup(db, "2001:db8:1::5", &asn), -1);
	ck_assert_uint_eq(asn_of(db, "2001:db8:2::5"), 64497);
	ck_assert_uint_eq(asn_of(db, "::ffff:192.0.2.9"), 64498);
	mx6_asn_db_close(&db);
	free(path);
}
END_TEST

START_TEST(corrupt_data_makes_that_lookup_fail_and_no_other)
{
	char *orig = db_path("asn.mmdb"), *path;
	size_t len, at = data_offset(orig, "2001:db8:1::5");
	unsigned char *buf = read_bytes(orig, &len);
	struct mx6_asn_db *db;
	uint32_t asn;

	/* Type 0 is "extended": with the next byte it names no valid type. */
	ck_assert_uint_lt(at, len);
	buf[at] = 0x00;
	path = write_bytes("broken-data.mmdb", buf, len);
	db = mx6_asn_db_open(path, open_err, sizeof(open_err));
	ck_assert_msg(db != NULL, "%s", open_err);
	ck_assert_int_eq(lookup(db, "2001:db8:1::5", &asn), -1);
	ck_assert_uint_eq(asn_of(db, "2001:db8:2::5"), 64497);
	ck_assert_uint_eq(asn_of(db, "::ffff:192.0.2.9"), 64498);
	mx6_asn_db_close(&db);
	free(path);
	free(buf);
	free(orig);
}
END_TEST

START_TEST(corrupt_first_record_is_refused_at_open)
{
	char *path = copy_with_broken_record("broken-first.mmdb", "::192.0.2.9");
	char *expected = unit_strdupf("%s: corrupt search tree", path);

	ck_assert_str_eq(open_error(path), expected);
	free(expected);
	free(path);
}
END_TEST

/* Files refused at open */

START_TEST(missing_file_is_refused_naming_file_and_reason)
{
	char *path = unit_strdupf("%s/no-such.mmdb", unit_scratch());
	char *expected = unit_strdupf("%s: cannot open: %s", path, strerror(ENOENT));

	ck_assert_str_eq(open_error(path), expected);
	free(expected);
	free(path);
}
END_TEST

START_TEST(text_file_is_refused_as_not_a_maxmind_db)
{
	char *path = unit_write_temp("AS64496\n2001:db8::/32\n");
	char *expected = unit_strdupf("%s: not a valid MaxMind DB: %s", path,
				      MMDB_strerror(MMDB_INVALID_METADATA_ERROR));

	ck_assert_str_eq(open_error(path), expected);
	free(expected);
	free(path);
}
END_TEST

START_TEST(empty_file_is_refused_as_not_a_maxmind_db)
{
	char *path = unit_write_temp("");
	char *prefix = unit_strdupf("%s: not a valid MaxMind DB: ", path);

	ck_assert_msg(strncmp(open_error(path), prefix, strlen(prefix)) == 0,
		      "message '%s' does not start with '%s'", open_err, prefix);
	free(prefix);
	free(path);
}
END_TEST

START_TEST(truncated_database_is_refused_naming_the_file)
{
	char *orig = db_path("asn.mmdb"), *path, *expected;
	size_t len;
	unsigned char *buf = read_bytes(orig, &len);

	/* The metadata sits at the end, so a cut file has none. */
	path = write_bytes("truncated.mmdb", buf, len / 2);
	expected = unit_strdupf("%s: not a valid MaxMind DB: %s", path,
				MMDB_strerror(MMDB_INVALID_METADATA_ERROR));
	ck_assert_str_eq(open_error(path), expected);
	free(expected);
	free(path);
	free(buf);
	free(orig);
}
END_TEST

START_TEST(database_cut_by_one_byte_is_refused_naming_the_file)
{
	char *orig = db_path("asn.mmdb"), *path, *prefix;
	size_t len;
	unsigned char *buf = read_bytes(orig, &len);

	path = write_bytes("short.mmdb", buf, len - 1);
	prefix = unit_strdupf("%s: not a valid MaxMind DB: ", path);
	ck_assert_msg(strncmp(open_error(path), prefix, strlen(prefix)) == 0,
		      "message '%s' does not start with '%s'", open_err, prefix);
	free(prefix);
	free(path);
	free(buf);
	free(orig);
}
END_TEST

START_TEST(ipv4_only_database_is_refused)
{
	char *path = db_path("asn-ipv4-only.mmdb");
	char *expected =
		unit_strdupf("%s: IPv4-only database cannot look up IPv6 clients", path);

	ck_assert_str_eq(open_error(path), expected);
	free(expected);
	free(path);
}
END_TEST

START_TEST(database_without_as_numbers_is_refused)
{
	char *path = db_path("country.mmdb");
	char *expected = unit_strdupf(
		"%s: records have no autonomous_system_number: not an ASN database",
		path);

	ck_assert_str_eq(open_error(path), expected);
	free(expected);
	free(path);
}
END_TEST

START_TEST(database_with_as_numbers_as_strings_is_refused)
{
	char *path = db_path("asn-string.mmdb");
	char *expected = unit_strdupf(
		"%s: autonomous_system_number is not a 32-bit unsigned integer", path);

	ck_assert_str_eq(open_error(path), expected);
	free(expected);
	free(path);
}
END_TEST

/* AS lists */

/* The lists loaded here number their lines from 1, so 0 means "not listed". */
#define NOT_LISTED 0u

static char load_err[1024];

static struct mx6_asnlist *load_text(const char *text, char **path_r)
{
	*path_r = unit_write_temp(text);
	strcpy(load_err, "(no message)");
	return mx6_asnlist_load(*path_r, load_err, sizeof(load_err));
}

static unsigned line_for(const struct mx6_asnlist *list, uint32_t asn)
{
	unsigned line = NOT_LISTED;

	if (mx6_asnlist_lookup(list, asn, &line) != 1)
		return NOT_LISTED;
	ck_assert_msg(line != NOT_LISTED, "AS%u matched without a line", (unsigned)asn);
	return line;
}

START_TEST(list_accepts_as_prefix_in_any_case_and_bare_numbers)
{
	char *path;
	struct mx6_asnlist *list =
		load_text("AS15169\nas64496\naS64497\nAs64498\n64499\n", &path);

	ck_assert_msg(list != NULL, "%s", load_err);
	ck_assert_uint_eq(mx6_asnlist_count(list), 5);
	ck_assert_uint_eq(line_for(list, 15169), 1);
	ck_assert_uint_eq(line_for(list, 64496), 2);
	ck_assert_uint_eq(line_for(list, 64497), 3);
	ck_assert_uint_eq(line_for(list, 64498), 4);
	ck_assert_uint_eq(line_for(list, 64499), 5);
	mx6_asnlist_free(&list);
	free(path);
}
END_TEST

START_TEST(list_accepts_the_whole_32_bit_range)
{
	char *path;
	struct mx6_asnlist *list = load_text("1\nAS4294967295\nAS4200000000\n", &path);

	ck_assert_msg(list != NULL, "%s", load_err);
	ck_assert_uint_eq(line_for(list, 1), 1);
	ck_assert_uint_eq(line_for(list, 4294967295u), 2);
	ck_assert_uint_eq(line_for(list, 4200000000u), 3);
	ck_assert_uint_eq(line_for(list, 0), NOT_LISTED);
	ck_assert_uint_eq(line_for(list, 2), NOT_LISTED);
	ck_assert_uint_eq(line_for(list, 4294967294u), NOT_LISTED);
	mx6_asnlist_free(&list);
	free(path);
}
END_TEST

START_TEST(list_leading_zeros_are_the_same_number)
{
	char *path;
	struct mx6_asnlist *list = load_text("AS064496\n00064497\n", &path);

	ck_assert_msg(list != NULL, "%s", load_err);
	ck_assert_uint_eq(line_for(list, 64496), 1);
	ck_assert_uint_eq(line_for(list, 64497), 2);
	mx6_asnlist_free(&list);
	free(path);
}
END_TEST

START_TEST(list_skips_comments_and_blank_lines_and_counts_them_as_lines)
{
	char *path;
	struct mx6_asnlist *list = load_text("# transit partners\n"
					     "\n"
					     "  \t \n"
					     "AS64496   # since 2024\n"
					     "\t64497\n"
					     "#AS64498\n"
					     "AS64499#no space before the comment\n",
					     &path);

	ck_assert_msg(list != NULL, "%s", load_err);
	ck_assert_uint_eq(mx6_asnlist_count(list), 3);
	ck_assert_uint_eq(line_for(list, 64496), 4);
	ck_assert_uint_eq(line_for(list, 64497), 5);
	ck_assert_uint_eq(line_for(list, 64498), NOT_LISTED);
	ck_assert_uint_eq(line_for(list, 64499), 7);
	mx6_asnlist_free(&list);
	free(path);
}
END_TEST

START_TEST(list_accepts_crlf_line_ends_and_a_missing_last_newline)
{
	char *path;
	struct mx6_asnlist *list = load_text("AS64496\r\nAS64497", &path);

	ck_assert_msg(list != NULL, "%s", load_err);
	ck_assert_uint_eq(line_for(list, 64496), 1);
	ck_assert_uint_eq(line_for(list, 64497), 2);
	mx6_asnlist_free(&list);
	free(path);
}
END_TEST

START_TEST(list_duplicate_first_line_wins_in_any_spelling)
{
	char *path;
	struct mx6_asnlist *list =
		load_text("AS64497\n64496\nas64496\nAS064496\nAS64497\n", &path);

	ck_assert_msg(list != NULL, "%s", load_err);
	ck_assert_uint_eq(mx6_asnlist_count(list), 2);
	ck_assert_uint_eq(line_for(list, 64496), 2);
	ck_assert_uint_eq(line_for(list, 64497), 1);
	mx6_asnlist_free(&list);
	free(path);
}
END_TEST

START_TEST(list_lookup_misses_neighbours_of_entries)
{
	char *path;
	struct mx6_asnlist *list = load_text("AS64496\nAS64500\n", &path);

	ck_assert_msg(list != NULL, "%s", load_err);
	ck_assert_uint_eq(line_for(list, 64495), NOT_LISTED);
	ck_assert_uint_eq(line_for(list, 64497), NOT_LISTED);
	ck_assert_uint_eq(line_for(list, 64499), NOT_LISTED);
	ck_assert_uint_eq(line_for(list, 64501), NOT_LISTED);
	ck_assert_uint_eq(line_for(list, 0), NOT_LISTED);
	ck_assert_uint_eq(line_for(list, UINT32_MAX), NOT_LISTED);
	mx6_asnlist_free(&list);
	free(path);
}
END_TEST

START_TEST(list_lookup_without_line_pointer_still_answers)
{
	char *path;
	struct mx6_asnlist *list = load_text("AS64496\n", &path);

	ck_assert_msg(list != NULL, "%s", load_err);
	ck_assert_int_eq(mx6_asnlist_lookup(list, 64496, NULL), 1);
	ck_assert_int_eq(mx6_asnlist_lookup(list, 64497, NULL), 0);
	mx6_asnlist_free(&list);
	free(path);
}
END_TEST

START_TEST(list_empty_file_lists_nothing)
{
	char *path;
	struct mx6_asnlist *list = load_text("# nothing yet\n\n", &path);

	ck_assert_msg(list != NULL, "%s", load_err);
	ck_assert_uint_eq(mx6_asnlist_count(list), 0);
	ck_assert_uint_eq(line_for(list, 64496), NOT_LISTED);
	mx6_asnlist_free(&list);
	free(path);
}
END_TEST

START_TEST(list_free_sets_the_pointer_to_null_and_no_list_lists_nothing)
{
	char *path;
	struct mx6_asnlist *list = load_text("AS64496\n", &path);

	ck_assert_msg(list != NULL, "%s", load_err);
	mx6_asnlist_free(&list);
	ck_assert_ptr_null(list);
	mx6_asnlist_free(&list);
	ck_assert_ptr_null(list);
	ck_assert_int_eq(mx6_asnlist_lookup(NULL, 64496, NULL), 0);
	ck_assert_uint_eq(mx6_asnlist_count(NULL), 0);
	free(path);
}
END_TEST

/* Bad entries: the line after "# list" and a good entry, i.e. line 3. */
static const struct {
	const char *entry;
	const char *message;
} bad_entries[] = {
	{"AS", "invalid AS number 'AS'"},
	{"as", "invalid AS number 'as'"},
	{"ASN64496", "invalid AS number 'ASN64496'"},
	{"AS-64496", "invalid AS number 'AS-64496'"},
	{"-1", "invalid AS number '-1'"},
	{"+64496", "invalid AS number '+64496'"},
	{"64496x", "invalid AS number '64496x'"},
	{"0x10", "invalid AS number '0x10'"},
	{"AS1.10", "invalid AS number 'AS1.10'"},
	{"AS64496,AS64497", "invalid AS number 'AS64496,AS64497'"},
	{"ASAS64496", "invalid AS number 'ASAS64496'"},
	{"\xef\xbc\x96\xef\xbc\x94", "invalid AS number '\xef\xbc\x96\xef\xbc\x94'"},
	{"0", "AS number out of range (1 to 4294967295): '0'"},
	{"AS0", "AS number out of range (1 to 4294967295): 'AS0'"},
	{"as000", "AS number out of range (1 to 4294967295): 'as000'"},
	{"4294967296", "AS number out of range (1 to 4294967295): '4294967296'"},
	{"AS4294967296", "AS number out of range (1 to 4294967295): 'AS4294967296'"},
	{"AS99999999999999999999999",
	 "AS number out of range (1 to 4294967295): 'AS99999999999999999999999'"},
	{"18446744073709551617",
	 "AS number out of range (1 to 4294967295): '18446744073709551617'"},
	{"AS 64496", "one AS number per line: 'AS 64496'"},
	{"64496\t64497", "one AS number per line: '64496\t64497'"},
};

START_TEST(list_bad_entry_error_names_file_line_and_entry)
{
	char *text = unit_strdupf("# list\nAS64496\n%s   # bad\nAS64497\n",
				  bad_entries[_i].entry);
	char *path, *expected;
	struct mx6_asnlist *list = load_text(text, &path);

	ck_assert_msg(list == NULL, "'%s' was accepted", bad_entries[_i].entry);
	expected = unit_strdupf("%s:3: %s", path, bad_entries[_i].message);
	ck_assert_str_eq(load_err, expected);
	free(expected);
	free(path);
	free(text);
}
END_TEST

START_TEST(list_missing_file_names_file_and_reason)
{
	char *path = unit_strdupf("%s/no-such-list", unit_scratch());
	char *expected = unit_strdupf("%s: cannot open: %s", path, strerror(ENOENT));

	ck_assert_ptr_null(mx6_asnlist_load(path, load_err, sizeof(load_err)));
	ck_assert_str_eq(load_err, expected);
	free(expected);
	free(path);
}
END_TEST

/* A million entries */

#define MILLION 1000000u

/*
 * Line J (from 0) lists 4 * (J * 7919 % MILLION + 1): every multiple of
 * 4 from 4 to 4,000,000 once, in scrambled order (7919 is prime to a
 * million), spelt "AS", "as" or bare in turn.
 */
static uint32_t million_asn(unsigned j)
{
	return 4 * (uint32_t)((uint64_t)j * 7919 % MILLION + 1);
}

START_TEST(million_entry_list_loads_and_finds_every_entry)
{
	static const char *const forms[] = {"AS", "as", ""};
	char *text = malloc((size_t)MILLION * 14 + 1), *path;
	struct mx6_asnlist *list;
	struct timespec t0, t1;
	size_t len = 0;
	unsigned j;

	ck_assert_ptr_nonnull(text);
	for (j = 0; j < MILLION; j++)
		len += (size_t)sprintf(text + len, "%s%u\n", forms[j % 3],
				       (unsigned)million_asn(j));
	path = unit_write_temp(text);
	free(text);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	list = mx6_asnlist_load(path, load_err, sizeof(load_err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_msg(list != NULL, "%s", load_err);
	printf("check_asn: %u-entry AS list loaded in %.3f s\n", MILLION,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	fflush(stdout);
	ck_assert_uint_eq(mx6_asnlist_count(list), MILLION);
	/* Plain checks in the loop: a libcheck assertion costs a message each. */
	for (j = 0; j < MILLION; j++) {
		uint32_t asn = million_asn(j);
		unsigned line = NOT_LISTED;

		if (mx6_asnlist_lookup(list, asn, &line) != 1 || line != j + 1)
			ck_abort_msg("AS%u found at line %u, want %u", (unsigned)asn,
				     line, j + 1);
		if (mx6_asnlist_lookup(list, asn + 1, NULL) != 0)
			ck_abort_msg("AS%u found", (unsigned)asn + 1);
	}
	ck_assert_uint_eq(line_for(list, 4 * MILLION + 4), NOT_LISTED);
	ck_assert_uint_eq(line_for(list, 3), NOT_LISTED);
	mx6_asnlist_free(&list);
	free(path);
}
END_TEST

static Suite *asn_suite(void)
{
	Suite *s = suite_create("asn");
	TCase *tc;

	tc = tcase_create("lookups");
	tcase_add_test(tc, ipv6_client_in_each_prefix_gets_its_as);
	tcase_add_test(tc, lookup_answers_1_with_the_as);
	tcase_add_test(tc, ipv4_mapped_client_is_looked_up_as_ipv4);
	tcase_add_test(tc, ipv4_mapped_client_is_found_without_the_databases_alias);
	tcase_add_test(tc, address_outside_every_prefix_has_no_as);
	tcase_add_test(tc, six_to_four_client_gets_the_as_the_database_aliases_it_to);
	tcase_add_test(tc, as_number_stored_as_uint16_is_read);
	tcase_add_test(tc, as_number_stored_as_uint64_is_read_up_to_32_bits);
	tcase_add_test(tc, lookup_in_no_database_finds_nothing);
	tcase_add_test(tc, close_sets_the_pointer_to_null);
	suite_add_tcase(s, tc);

	tc = tcase_create("corrupt databases");
	tcase_add_test(tc, corrupt_tree_record_makes_that_lookup_fail_and_no_other);
	tcase_add_test(tc, corrupt_data_makes_that_lookup_fail_and_no_other);
	tcase_add_test(tc, corrupt_first_record_is_refused_at_open);
	suite_add_tcase(s, tc);

	tc = tcase_create("refused databases");
	tcase_add_test(tc, missing_file_is_refused_naming_file_and_reason);
	tcase_add_test(tc, text_file_is_refused_as_not_a_maxmind_db);
	tcase_add_test(tc, empty_file_is_refused_as_not_a_maxmind_db);
	tcase_add_test(tc, truncated_database_is_refused_naming_the_file);
	tcase_add_test(tc, database_cut_by_one_byte_is_refused_naming_the_file);
	tcase_add_test(tc, ipv4_only_database_is_refused);
	tcase_add_test(tc, database_without_as_numbers_is_refused);
	tcase_add_test(tc, database_with_as_numbers_as_strings_is_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("AS lists");
	tcase_add_test(tc, list_accepts_as_prefix_in_any_case_and_bare_numbers);
	tcase_add_test(tc, list_accepts_the_whole_32_bit_range);
	tcase_add_test(tc, list_leading_zeros_are_the_same_number);
	tcase_add_test(tc, list_skips_comments_and_blank_lines_and_counts_them_as_lines);
	tcase_add_test(tc, list_accepts_crlf_line_ends_and_a_missing_last_newline);
	tcase_add_test(tc, list_duplicate_first_line_wins_in_any_spelling);
	tcase_add_test(tc, list_lookup_misses_neighbours_of_entries);
	tcase_add_test(tc, list_lookup_without_line_pointer_still_answers);
	tcase_add_test(tc, list_empty_file_lists_nothing);
	tcase_add_test(tc, list_free_sets_the_pointer_to_null_and_no_list_lists_nothing);
	tcase_add_loop_test(tc, list_bad_entry_error_names_file_line_and_entry, 0,
			    (int)(sizeof(bad_entries) / sizeof(bad_entries[0])));
	tcase_add_test(tc, list_missing_file_names_file_and_reason);
	suite_add_tcase(s, tc);

	tc = tcase_create("a million entries");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, million_entry_list_loads_and_finds_every_entry);
	suite_add_tcase(s, tc);
	return s;
}

/* Runs ARGV (searched in PATH); returns its exit status, 127 if it cannot start. */
static int run(char *const argv[])
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return 127;
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return 127;
	return WEXITSTATUS(status);
}

static int remove_entry(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

/*
 * The generator script's path (malloc'd), or NULL. Like
 * unit_source_file(), which cannot run here: libcheck's assertions
 * only work inside a test.
 */
static char *generator_path(void)
{
	const char *srcdir = getenv("srcdir");
	const char *const up[] = {"", "../../"};
	size_t i;

	if (srcdir == NULL || *srcdir == '\0')
		srcdir = ".";
	for (i = 0; i < sizeof(up) / sizeof(up[0]); i++) {
		char *path;

		if (asprintf(&path, "%s/%s%s", srcdir, up[i], GENERATOR) < 0)
			return NULL;
		if (access(path, R_OK) == 0)
			return path;
		free(path);
	}
	return NULL;
}

/*
 * Writes the databases into a directory of their own, or says why it
 * cannot: 0, 77 (skip: no perl or no MaxMind::DB::Writer), or 1.
 * Decided before the suite runs, so that a skip is a skip of the whole
 * program rather than a run of failures.
 */
static int make_databases(void)
{
	const char *tmp = getenv("TMPDIR");
	char *script = generator_path();
	char *probe[] = {"perl", "-MMaxMind::DB::Writer::Tree", "-e1", NULL};
	char *generate[] = {"perl", script, mmdb_dir, NULL};
	int rc;

	if (script == NULL) {
		fprintf(stderr, "check_asn: %s not found (srcdir=%s)\n", GENERATOR,
			getenv("srcdir") ? getenv("srcdir") : "(unset)");
		return 1;
	}
	if (run(probe) != 0) {
		printf("check_asn: SKIP: needs perl with MaxMind::DB::Writer::Tree "
		       "(Debian: libmaxmind-db-writer-perl) to write test databases\n");
		free(script);
		return 77;
	}
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(mmdb_dir, sizeof(mmdb_dir), "%s/mx6-asn.XXXXXX", tmp);
	if (mkdtemp(mmdb_dir) == NULL) {
		perror(mmdb_dir);
		free(script);
		return 1;
	}
	rc = run(generate);
	free(script);
	if (rc != 0) {
		fprintf(stderr, "check_asn: %s failed (exit %d)\n", GENERATOR, rc);
		nftw(mmdb_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
		return rc == 77 ? 77 : 1;
	}
	return 0;
}

int main(void)
{
	int rc = make_databases();

	if (rc != 0)
		return rc;
	rc = unit_main(asn_suite());
	nftw(mmdb_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
