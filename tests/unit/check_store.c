/*
 * NAME
 *	check_store 1
 * SUMMARY
 *	unit tests for lib/store.c and lib/store_lmdb.c: the state store
 * DESCRIPTION
 *	Each test states one behaviour learning (SPEC 6) and the store
 *	faults of SPEC 10 rely on, against real LMDB environments in the
 *	scratch directory: which URLs are refused and with what message,
 *	how history and learned addressbooks count, expire and lower-case
 *	their keys, how export and import round-trip and report bad lines,
 *	that concurrent counting loses nothing, that data survives a
 *	reopen, and what a full map does to mail flow and to the log.
 *
 *	Redis URLs are only checked here as far as lib/store.c parses them;
 *	the Redis backend has its own tests.
 */
#include "autoconf.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "unit.h"

static char err[1024];

/* A fresh LMDB store in the scratch directory; its URL in *url_r if asked. */
static struct mx6_store *open_fresh(char **url_r)
{
	char *dir = unit_mkdir();
	char *url = unit_strdupf("lmdb:%s/state", dir);
	struct mx6_store *store = mx6_store_open(url, err, sizeof(err));

	ck_assert_msg(store != NULL, "%s", err);
	free(dir);
	if (url_r != NULL)
		*url_r = url;
	else
		free(url);
	return store;
}

static void refused(const char *url, const char *expected)
{
	struct mx6_store *store = mx6_store_open(url, err, sizeof(err));

	ck_assert_ptr_null(store);
	ck_assert_str_eq(err, expected);
}

/* The export of STORE as one string (malloc'd); its line count in *lines_r. */
static char *export_text(struct mx6_store *store, long *lines_r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	long lines;

	ck_assert_ptr_nonnull(fp);
	lines = mx6_store_export(store, fp);
	ck_assert_int_eq(fclose(fp), 0);
	if (lines_r != NULL)
		*lines_r = lines;
	ck_assert_int_ge(lines, 0);
	return text;
}

/* Imports TEXT; returns what mx6_store_import() returned. */
static long import_text(struct mx6_store *store, const char *text)
{
	FILE *fp = fmemopen((void *)text, strlen(text), "r");
	long n;

	ck_assert_ptr_nonnull(fp);
	err[0] = '\0';
	n = mx6_store_import(store, fp, err, sizeof(err));
	fclose(fp);
	return n;
}

/* Everything the test writes to stderr goes to a file; returns its path. */
static char *capture_stderr(void)
{
	char *path = unit_strdupf("%s/stderr.XXXXXX", unit_scratch());
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(dup2(fd, STDERR_FILENO), 0);
	close(fd);
	return path;
}

static int count_lines_with(const char *text, const char *needle)
{
	int n = 0;

	for (; (text = strstr(text, needle)) != NULL; text += strlen(needle))
		n++;
	return n;
}

/* URLs */

START_TEST(unknown_scheme_is_refused_naming_the_url)
{
	refused("memcached://localhost",
		"memcached://localhost: unknown state store (expected "
		"lmdb:PATH or redis://HOST:PORT/DB)");
	refused("/var/lib/mx6-milter/state",
		"/var/lib/mx6-milter/state: unknown state store "
		"(expected lmdb:PATH or redis://HOST:PORT/DB)");
	refused("rediss://localhost:6380/0?password=s3cret",
		"rediss://localhost:6380/0?password=*: TLS (rediss://) is not supported");
	refused("LMDB:state", "LMDB:state: unknown state store (expected lmdb:PATH or "
			      "redis://HOST:PORT/DB)");
}
END_TEST

START_TEST(lmdb_url_without_directory_is_refused)
{
	refused("lmdb:", "lmdb:: missing directory after lmdb:");
}
END_TEST

static const struct {
	const char *url;
	const char *message;
} bad_redis_urls[] = {
	{"redis://", "redis://: missing or invalid host"},
	{"redis://:6379/0", "redis://:6379/0: missing or invalid host"},
	{"redis://localhost:0/0", "redis://localhost:0/0: invalid port"},
	{"redis://localhost:65536/0", "redis://localhost:65536/0: invalid port"},
	{"redis://localhost:port/0", "redis://localhost:port/0: invalid port"},
	{"redis://localhost:6379/x", "redis://localhost:6379/x: invalid database number"},
	{"redis://[::1:6379/0", "redis://[::1:6379/0: IPv6 address without closing ']'"},
	{"redis://:s3cret@localhost/0",
	 "redis://*@localhost/0: credentials before the host are "
	 "not supported: use ?password=SECRET"},
	{"redis://localhost/0/1", "redis://localhost/0/1: unexpected '/'"},
	{"redis://localhost/0?password=",
	 "redis://localhost/0?password=*: empty password"},
	{"redis://localhost/0?db=1",
	 "redis://localhost/0?db=1: unknown or repeated parameter 'db'"},
	{"redis://localhost/0?password=a&password=b",
	 "redis://localhost/0?password=*&password=b: unknown or repeated parameter "
	 "'password'"},
	{"redis://localhost/0?password=bad%zzsecret",
	 "redis://localhost/0?password=*: invalid password encoding"},
};

START_TEST(bad_redis_url_is_refused_naming_url_and_reason)
{
	refused(bad_redis_urls[_i].url, bad_redis_urls[_i].message);
}
END_TEST

START_TEST(password_never_appears_in_an_error)
{
	refused("redis://localhost:99999/0?password=s3cret",
		"redis://localhost:99999/0?password=*: invalid port");
	ck_assert_ptr_null(strstr(err, "s3cret"));
}
END_TEST

START_TEST(lmdb_relative_path_is_taken_as_given)
{
	char *dir = unit_mkdir(), *data;
	struct mx6_store *store;
	struct stat st;

	ck_assert_int_eq(chdir(dir), 0);
	store = mx6_store_open("lmdb:state", err, sizeof(err));
	ck_assert_msg(store != NULL, "%s", err);
	ck_assert_str_eq(mx6_store_url(store), "lmdb:state");
	data = unit_strdupf("%s/state/data.mdb", dir);
	ck_assert_int_eq(stat(data, &st), 0);
	mx6_store_close(&store);
	free(data);
	free(dir);
}
END_TEST

START_TEST(lmdb_directory_is_created_0750_and_files_0600)
{
	char *dir = unit_mkdir(), *state = unit_strdupf("%s/state", dir);
	char *url = unit_strdupf("lmdb:%s", state);
	char *data = unit_strdupf("%s/data.mdb", state),
	     *lock = unit_strdupf("%s/lock.mdb", state);
	struct mx6_store *store;
	struct stat st;

	umask(022);
	store = mx6_store_open(url, err, sizeof(err));
	ck_assert_msg(store != NULL, "%s", err);
	ck_assert_int_eq(stat(state, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0750);
	ck_assert_int_eq(stat(data, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(stat(lock, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	mx6_store_close(&store);
	ck_assert_ptr_null(store);
	free(dir);
	free(state);
	free(url);
	free(data);
	free(lock);
}
END_TEST

START_TEST(lmdb_path_through_a_file_is_refused_with_the_reason)
{
	char *file = unit_write_temp("not a directory\n");
	char *url = unit_strdupf("lmdb:%s/state", file);
	char *expected = unit_strdupf(
		"lmdb:%s/state: cannot create directory: Not a directory", file);

	refused(url, expected);
	free(url);
	free(expected);
	url = unit_strdupf("lmdb:%s", file);
	expected = unit_strdupf("lmdb:%s: not a directory", file);
	refused(url, expected);
	free(url);
	free(expected);
	free(file);
}
END_TEST

/*
 * Root writes anywhere, so as root the test gives up its privileges
 * first (each test runs in a process of its own).
 */
START_TEST(lmdb_unwritable_directory_is_refused_with_the_reason)
{
	char *dir = unit_mkdir();
	char *url = unit_strdupf("lmdb:%s", dir), *expected;
	char *sub_url = unit_strdupf("lmdb:%s/state", dir);

	ck_assert_int_eq(chmod(dir, 0555), 0);
	if (geteuid() == 0) {
		const char *fork_mode = getenv("CK_FORK");

		ck_assert_msg(fork_mode == NULL || strcmp(fork_mode, "no") != 0,
			      "as root this test needs CK_FORK (it drops privileges)");
		ck_assert_int_eq(chmod(unit_scratch(), 0711), 0);
		ck_assert_int_eq(setgid(65534), 0);
		ck_assert_int_eq(setuid(65534), 0);
	}
	ck_assert_int_eq(access(dir, W_OK), -1);
	expected = unit_strdupf("%s: Permission denied", url);
	refused(url, expected);
	free(expected);
	expected =
		unit_strdupf("%s: cannot create directory: Permission denied", sub_url);
	refused(sub_url, expected);
	free(expected);
	free(url);
	free(sub_url);
	free(dir);
}
END_TEST

START_TEST(close_sets_the_pointer_to_null_and_accepts_null)
{
	struct mx6_store *store = open_fresh(NULL);

	mx6_store_close(&store);
	ck_assert_ptr_null(store);
	mx6_store_close(&store);
	ck_assert_ptr_null(store);
}
END_TEST

/* History */

START_TEST(history_counts_messages_with_first_and_last_seen)
{
	struct mx6_store *store = open_fresh(NULL);
	struct mx6_history h;

	ck_assert_int_eq(mx6_store_history_add(store, "example.org", 1000), 0);
	ck_assert_int_eq(mx6_store_history_add(store, "example.org", 2000), 0);
	ck_assert_int_eq(mx6_store_history_add(store, "example.org", 3000), 0);
	ck_assert_int_eq(mx6_store_history_get(store, "example.org", 3000, 0, &h), 1);
	ck_assert_uint_eq(h.count, 3);
	ck_assert_int_eq(h.first_seen, 1000);
	ck_assert_int_eq(h.last_seen, 3000);
	mx6_store_close(&store);
}
END_TEST

START_TEST(history_of_unknown_domain_is_0_and_leaves_h_alone)
{
	struct mx6_store *store = open_fresh(NULL);
	struct mx6_history h = {42, 43, 44};

	ck_assert_int_eq(mx6_store_history_add(store, "example.org", 1000), 0);
	ck_assert_int_eq(mx6_store_history_get(store, "example.net", 1000, 0, &h), 0);
	ck_assert_int_eq(mx6_store_history_get(store, "sub.example.org", 1000, 0, &h), 0);
	ck_assert_uint_eq(h.count, 42);
	mx6_store_close(&store);
}
END_TEST

START_TEST(history_older_than_max_age_counts_as_unknown)
{
	struct mx6_store *store = open_fresh(NULL);
	struct mx6_history h;

	ck_assert_int_eq(mx6_store_history_add(store, "example.org", 1000), 0);
	ck_assert_int_eq(mx6_store_history_get(store, "example.org", 1100, 100, &h), 1);
	ck_assert_int_eq(mx6_store_history_get(store, "example.org", 1101, 100, &h), 0);
	/* max_age 0: no expiry */
	ck_assert_int_eq(mx6_store_history_get(store, "example.org", 99999999, 0, &h), 1);
	/* A new message revives it, keeping first-seen. */
	ck_assert_int_eq(mx6_store_history_add(store, "example.org", 5000), 0);
	ck_assert_int_eq(mx6_store_history_get(store, "example.org", 5050, 100, &h), 1);
	ck_assert_uint_eq(h.count, 2);
	ck_assert_int_eq(h.first_seen, 1000);
	mx6_store_close(&store);
}
END_TEST

START_TEST(history_domain_is_lower_cased)
{
	struct mx6_store *store = open_fresh(NULL);
	struct mx6_history h;
	char *text;

	ck_assert_int_eq(mx6_store_history_add(store, "Example.ORG", 1000), 0);
	ck_assert_int_eq(mx6_store_history_add(store, "example.org", 2000), 0);
	ck_assert_int_eq(mx6_store_history_get(store, "EXAMPLE.org", 2000, 0, &h), 1);
	ck_assert_uint_eq(h.count, 2);
	text = export_text(store, NULL);
	ck_assert_str_eq(text, "mx6:v1:history:example.org 2 1000 2000\n");
	free(text);
	mx6_store_close(&store);
}
END_TEST

static char long_domain[600];

static const char *const bad_names[] = {
	"",
	"exa mple.org",
	"example.org\n",
	"exa\tmple.org",
	"exam\x7fple.org",
	"example.org:25",
	long_domain,
};

START_TEST(bad_domain_never_reaches_the_store)
{
	struct mx6_store *store = open_fresh(NULL);
	struct mx6_history h;
	long lines;
	char *text;

	memset(long_domain, 'a', 497); /* "mx6:v1:history:" + 497 = 512 bytes */
	long_domain[497] = '\0';
	ck_assert_int_eq(mx6_store_history_add(store, bad_names[_i], 1000), -1);
	ck_assert_int_eq(mx6_store_history_get(store, bad_names[_i], 1000, 0, &h), 0);
	text = export_text(store, &lines);
	ck_assert_int_eq(lines, 0);
	ck_assert_str_eq(text, "");
	free(text);
	mx6_store_close(&store);
}
END_TEST

START_TEST(longest_key_fits)
{
	struct mx6_store *store = open_fresh(NULL);
	struct mx6_history h;

	memset(long_domain, 'a', 496); /* "mx6:v1:history:" + 496 = 511 bytes */
	long_domain[496] = '\0';
	ck_assert_int_eq(mx6_store_history_add(store, long_domain, 1000), 0);
	ck_assert_int_eq(mx6_store_history_get(store, long_domain, 1000, 0, &h), 1);
	mx6_store_close(&store);
}
END_TEST

START_TEST(utf8_domain_is_kept_as_it_is)
{
	struct mx6_store *store = open_fresh(NULL);
	struct mx6_history h;

	ck_assert_int_eq(mx6_store_history_add(store,
					       "b\xc3\xbc"
					       "cher.DE",
					       1000),
			 0);
	ck_assert_int_eq(mx6_store_history_get(store,
					       "b\xc3\xbc"
					       "cher.de",
					       1000, 0, &h),
			 1);
	mx6_store_close(&store);
}
END_TEST

struct counter {
	struct mx6_store *store;
	int failures;
};

static void *count_thousand(void *arg)
{
	struct counter *c = arg;
	int i;

	for (i = 0; i < 1000; i++)
		if (mx6_store_history_add(c->store, "example.org", 1000 + i) != 0)
			c->failures++;
	return NULL;
}

START_TEST(eight_threads_counting_one_domain_lose_nothing)
{
	struct mx6_store *store = open_fresh(NULL);
	struct counter counters[8];
	pthread_t threads[8];
	struct mx6_history h;
	int i;

	for (i = 0; i < 8; i++) {
		counters[i].store = store;
		counters[i].failures = 0;
		ck_assert_int_eq(
			pthread_create(&threads[i], NULL, count_thousand, &counters[i]),
			0);
	}
	for (i = 0; i < 8; i++) {
		ck_assert_int_eq(pthread_join(threads[i], NULL), 0);
		ck_assert_int_eq(counters[i].failures, 0);
	}
	ck_assert_int_eq(mx6_store_history_get(store, "example.org", 2000, 0, &h), 1);
	ck_assert_uint_eq(h.count, 8000);
	ck_assert_int_eq(h.first_seen, 1000);
	ck_assert_int_ge(h.last_seen, 1000);
	ck_assert_int_le(h.last_seen, 1999);
	mx6_store_close(&store);
}
END_TEST

/* Addressbooks */

START_TEST(addressbook_has_what_was_added_for_that_user_only)
{
	struct mx6_store *store = open_fresh(NULL);

	ck_assert_int_eq(mx6_store_addressbook_add(store, "ann@example.net",
						   "bob@example.org", 1000),
			 0);
	ck_assert_int_eq(mx6_store_addressbook_has(store, "ann@example.net",
						   "bob@example.org", 1000, 0),
			 1);
	ck_assert_int_eq(mx6_store_addressbook_has(store, "ann@example.net",
						   "eve@example.org", 1000, 0),
			 0);
	ck_assert_int_eq(mx6_store_addressbook_has(store, "cat@example.net",
						   "bob@example.org", 1000, 0),
			 0);
	mx6_store_close(&store);
}
END_TEST

START_TEST(addressbook_entry_older_than_max_age_is_not_there)
{
	struct mx6_store *store = open_fresh(NULL);
	const char *ann = "ann@example.net", *bob = "bob@example.org";

	ck_assert_int_eq(mx6_store_addressbook_add(store, ann, bob, 1000), 0);
	ck_assert_int_eq(mx6_store_addressbook_has(store, ann, bob, 1500, 500), 1);
	ck_assert_int_eq(mx6_store_addressbook_has(store, ann, bob, 1501, 500), 0);
	ck_assert_int_eq(mx6_store_addressbook_has(store, ann, bob, 99999999, 0), 1);
	/* Writing again refreshes last-seen. */
	ck_assert_int_eq(mx6_store_addressbook_add(store, ann, bob, 1400), 0);
	ck_assert_int_eq(mx6_store_addressbook_has(store, ann, bob, 1501, 500), 1);
	mx6_store_close(&store);
}
END_TEST

START_TEST(addressbook_user_and_correspondent_are_lower_cased)
{
	struct mx6_store *store = open_fresh(NULL);
	char *text;

	ck_assert_int_eq(mx6_store_addressbook_add(store, "Ann@Example.NET",
						   "Bob@Example.ORG", 1000),
			 0);
	ck_assert_int_eq(mx6_store_addressbook_has(store, "ann@example.net",
						   "bob@example.org", 1000, 0),
			 1);
	ck_assert_int_eq(mx6_store_addressbook_has(store, "ANN@EXAMPLE.NET",
						   "BOB@EXAMPLE.ORG", 1000, 0),
			 1);
	text = export_text(store, NULL);
	ck_assert_str_eq(text, "mx6:v1:ab:ann@example.net:bob@example.org 1000\n");
	free(text);
	mx6_store_close(&store);
}
END_TEST

struct seen {
	char text[1024];
	size_t len;
};

static void remember(void *ctx, const char *correspondent, int64_t last_seen)
{
	struct seen *s = ctx;

	s->len += (size_t)snprintf(s->text + s->len, sizeof(s->text) - s->len, "%s=%lld;",
				   correspondent, (long long)last_seen);
}

static void remember_nothing(void *ctx, const char *correspondent, int64_t last_seen)
{
	(void)ctx;
	(void)correspondent;
	(void)last_seen;
}

START_TEST(addressbook_list_gives_each_correspondent_of_that_user)
{
	struct mx6_store *store = open_fresh(NULL);
	struct seen seen = {"", 0};

	ck_assert_int_eq(mx6_store_addressbook_add(store, "ann", "bob@example.org", 1000),
			 0);
	ck_assert_int_eq(mx6_store_addressbook_add(store, "ann", "@example.com", 2000),
			 0);
	ck_assert_int_eq(
		mx6_store_addressbook_add(store, "ann2", "eve@example.org", 3000), 0);
	ck_assert_int_eq(mx6_store_addressbook_add(store, "an", "eve@example.org", 3000),
			 0);
	ck_assert_int_eq(mx6_store_history_add(store, "ann", 3000), 0);
	ck_assert_int_eq(mx6_store_addressbook_list(store, "Ann", remember, &seen), 2);
	/* LMDB lists in key order; Redis would not. */
	ck_assert_str_eq(seen.text, "@example.com=2000;bob@example.org=1000;");
	ck_assert_int_eq(mx6_store_addressbook_list(store, "nobody", remember, &seen), 0);
	mx6_store_close(&store);
}
END_TEST

START_TEST(addressbook_user_with_colon_is_refused)
{
	struct mx6_store *store = open_fresh(NULL);
	struct seen seen = {"", 0};

	/* "ann:bob" would otherwise list as user "ann" with "bob:..." entries. */
	ck_assert_int_eq(
		mx6_store_addressbook_add(store, "ann:bob", "eve@example.org", 1000), -1);
	ck_assert_int_eq(
		mx6_store_addressbook_has(store, "ann:bob", "eve@example.org", 1000, 0),
		0);
	ck_assert_int_eq(mx6_store_addressbook_list(store, "ann:bob", remember, &seen),
			 0);
	ck_assert_int_eq(
		mx6_store_addressbook_add(store, "ann", "eve:x@example.org", 1000), 0);
	ck_assert_int_eq(mx6_store_addressbook_list(store, "ann", remember, &seen), 1);
	ck_assert_str_eq(seen.text, "eve:x@example.org=1000;");
	mx6_store_close(&store);
}
END_TEST

START_TEST(addressbook_bad_names_never_reach_the_store)
{
	struct mx6_store *store = open_fresh(NULL);
	long lines;
	char *text;

	ck_assert_int_eq(mx6_store_addressbook_add(store, "", "bob@example.org", 1000),
			 -1);
	ck_assert_int_eq(mx6_store_addressbook_add(store, "ann", "", 1000), -1);
	ck_assert_int_eq(
		mx6_store_addressbook_add(store, "ann", "bob @example.org", 1000), -1);
	ck_assert_int_eq(
		mx6_store_addressbook_add(store, "ann", "bob\r@example.org", 1000), -1);
	ck_assert_int_eq(mx6_store_addressbook_add(store, "ann", "bob@example.org", -1),
			 -1);
	ck_assert_int_eq(
		mx6_store_addressbook_has(store, "ann", "bob @example.org", 1000, 0), 0);
	text = export_text(store, &lines);
	ck_assert_int_eq(lines, 0);
	free(text);
	mx6_store_close(&store);
}
END_TEST

/* Persistence, export and import */

START_TEST(reopened_store_keeps_its_data)
{
	char *url;
	struct mx6_store *store = open_fresh(&url);
	struct mx6_history h;

	ck_assert_int_eq(mx6_store_history_add(store, "example.org", 1000), 0);
	ck_assert_int_eq(mx6_store_addressbook_add(store, "ann", "bob@example.org", 1000),
			 0);
	mx6_store_close(&store);
	store = mx6_store_open(url, err, sizeof(err));
	ck_assert_msg(store != NULL, "%s", err);
	ck_assert_int_eq(mx6_store_history_get(store, "example.org", 1000, 0, &h), 1);
	ck_assert_uint_eq(h.count, 1);
	ck_assert_int_eq(
		mx6_store_addressbook_has(store, "ann", "bob@example.org", 1000, 0), 1);
	mx6_store_close(&store);
	free(url);
}
END_TEST

START_TEST(two_spellings_of_one_directory_share_the_environment)
{
	char *url;
	struct mx6_store *a = open_fresh(&url), *b;
	char *other = unit_strdupf("%s/.", url);
	struct mx6_history h;

	b = mx6_store_open(other, err, sizeof(err));
	ck_assert_msg(b != NULL, "%s", err);
	ck_assert_int_eq(mx6_store_history_add(a, "example.org", 1000), 0);
	ck_assert_int_eq(mx6_store_history_get(b, "example.org", 1000, 0, &h), 1);
	/* Closing one leaves the other working. */
	mx6_store_close(&a);
	ck_assert_int_eq(mx6_store_history_add(b, "example.org", 2000), 0);
	ck_assert_int_eq(mx6_store_history_get(b, "example.org", 2000, 0, &h), 1);
	ck_assert_uint_eq(h.count, 2);
	mx6_store_close(&b);
	free(url);
	free(other);
}
END_TEST

START_TEST(export_imports_into_another_store_identically)
{
	struct mx6_store *a = open_fresh(NULL), *b = open_fresh(NULL);
	char *first, *second;
	long lines;

	ck_assert_int_eq(mx6_store_history_add(a, "example.org", 1000), 0);
	ck_assert_int_eq(mx6_store_history_add(a, "example.org", 1700000000), 0);
	ck_assert_int_eq(mx6_store_history_add(a, "example.net", 5), 0);
	ck_assert_int_eq(mx6_store_addressbook_add(a, "ann", "bob@example.org", 1000), 0);
	ck_assert_int_eq(mx6_store_addressbook_add(a, "ann", "@example.com", 0), 0);
	ck_assert_int_eq(mx6_store_addressbook_add(a, "cat", "dan@example.org", 3), 0);
	first = export_text(a, &lines);
	ck_assert_int_eq(lines, 5);
	ck_assert_str_eq(first, "mx6:v1:ab:ann:@example.com 0\n"
				"mx6:v1:ab:ann:bob@example.org 1000\n"
				"mx6:v1:ab:cat:dan@example.org 3\n"
				"mx6:v1:history:example.net 1 5 5\n"
				"mx6:v1:history:example.org 2 1000 1700000000\n");
	ck_assert_int_eq(import_text(b, first), 5);
	second = export_text(b, &lines);
	ck_assert_int_eq(lines, 5);
	ck_assert_str_eq(second, first);
	free(first);
	free(second);
	mx6_store_close(&a);
	mx6_store_close(&b);
}
END_TEST

START_TEST(import_replaces_entries_skips_comments_and_accepts_crlf)
{
	struct mx6_store *store = open_fresh(NULL);
	struct mx6_history h;

	ck_assert_int_eq(mx6_store_history_add(store, "example.org", 1000), 0);
	ck_assert_int_eq(mx6_store_history_add(store, "example.org", 2000), 0);
	ck_assert_int_eq(import_text(store, "# backup\r\n"
					    "\n"
					    "MX6:V1:HISTORY:Example.ORG 7 10 20\r\n"
					    "mx6:v1:ab:ann:bob@example.org 30"),
			 2);
	ck_assert_int_eq(mx6_store_history_get(store, "example.org", 20, 0, &h), 1);
	ck_assert_uint_eq(h.count, 7);
	ck_assert_int_eq(h.first_seen, 10);
	ck_assert_int_eq(h.last_seen, 20);
	ck_assert_int_eq(
		mx6_store_addressbook_has(store, "ann", "bob@example.org", 30, 0), 1);
	/* Counting goes on from the imported value. */
	ck_assert_int_eq(mx6_store_history_add(store, "example.org", 40), 0);
	ck_assert_int_eq(mx6_store_history_get(store, "example.org", 40, 0, &h), 1);
	ck_assert_uint_eq(h.count, 8);
	ck_assert_int_eq(h.first_seen, 10);
	mx6_store_close(&store);
}
END_TEST

static char long_line[700];

static const struct {
	const char *text;
	const char *message;
} bad_imports[] = {
	{"mx6:v1:history:example.org 1 2 3\nno-value\n", "2: expected \"KEY VALUE\""},
	{"foo:bar 1\n", "1: unknown key 'foo:bar' (expected mx6:v1:history:DOMAIN or "
			"mx6:v1:ab:USER:CORRESPONDENT)"},
	{"mx6:v1:rdap:example.org x\n",
	 "1: unknown key 'mx6:v1:rdap:example.org' (expected "
	 "mx6:v1:history:DOMAIN or mx6:v1:ab:USER:CORRESPONDENT)"},
	{"mx6:v1:history:example.org 0 1 2\n",
	 "1: mx6:v1:history:example.org: value '0 1 2' is not \"COUNT FIRST LAST\" "
	 "(COUNT >= 1)"},
	{"mx6:v1:history:example.org 1 2\n", "1: mx6:v1:history:example.org: value '1 2' "
					     "is not \"COUNT FIRST LAST\" (COUNT >= 1)"},
	{"mx6:v1:history:example.org 1 2 3 \n",
	 "1: mx6:v1:history:example.org: value '1 2 3 ' is not \"COUNT FIRST LAST\" "
	 "(COUNT >= "
	 "1)"},
	{"mx6:v1:history:example.org 1 -2 3\n",
	 "1: mx6:v1:history:example.org: value '1 -2 3' is not \"COUNT FIRST LAST\" "
	 "(COUNT >= "
	 "1)"},
	{"mx6:v1:history:example.org 1 2 99999999999999999999\n",
	 "1: mx6:v1:history:example.org: value '1 2 99999999999999999999' is not \"COUNT "
	 "FIRST "
	 "LAST\" (COUNT >= 1)"},
	{"mx6:v1:history: 1 2 3\n", "1: invalid domain in key 'mx6:v1:history:'"},
	{"mx6:v1:history:a\tb 1 2 3\n", "1: invalid domain in key 'mx6:v1:history:a?b'"},
	{"mx6:v1:ab:ann 5\n",
	 "1: key 'mx6:v1:ab:ann' is not \"mx6:v1:ab:USER:CORRESPONDENT\""},
	{"mx6:v1:ab::bob 5\n",
	 "1: key 'mx6:v1:ab::bob' is not \"mx6:v1:ab:USER:CORRESPONDENT\""},
	{"mx6:v1:ab:ann: 5\n",
	 "1: key 'mx6:v1:ab:ann:' is not \"mx6:v1:ab:USER:CORRESPONDENT\""},
	{"mx6:v1:ab:ann:bob 5 6\n",
	 "1: mx6:v1:ab:ann:bob: value '5 6' is not a time in unix seconds"},
	{"mx6:v1:ab:ann:bob -5\n",
	 "1: mx6:v1:ab:ann:bob: value '-5' is not a time in unix seconds"},
	{long_line, "1: line longer than 576 bytes"},
};

START_TEST(import_error_names_the_line)
{
	struct mx6_store *store = open_fresh(NULL);

	memset(long_line, 'a', 600);
	memcpy(long_line, "mx6:v1:history:", 15);
	strcpy(long_line + 600, " 1 2 3\n");
	ck_assert_int_eq(import_text(store, bad_imports[_i].text), -1);
	ck_assert_str_eq(err, bad_imports[_i].message);
	mx6_store_close(&store);
}
END_TEST

START_TEST(import_overlong_key_is_refused)
{
	struct mx6_store *store = open_fresh(NULL);
	char line[600];

	memset(line, 'a', 512);
	memcpy(line, "mx6:v1:history:", 15);
	strcpy(line + 512, " 1 2 3\n");
	ck_assert_int_eq(import_text(store, line), -1);
	ck_assert_str_eq(err, "1: key longer than 511 bytes");
	mx6_store_close(&store);
}
END_TEST

START_TEST(import_keeps_the_lines_before_a_bad_one)
{
	struct mx6_store *store = open_fresh(NULL);
	struct mx6_history h;

	ck_assert_int_eq(import_text(store, "mx6:v1:history:example.org 1 2 3\n"
					    "mx6:v1:history:example.net 4 5 6\n"
					    "mx6:v1:history:example.com x\n"),
			 -1);
	ck_assert_str_eq(err,
			 "3: mx6:v1:history:example.com: value 'x' is not \"COUNT FIRST "
			 "LAST\" (COUNT >= 1)");
	ck_assert_int_eq(mx6_store_history_get(store, "example.net", 6, 0, &h), 1);
	ck_assert_uint_eq(h.count, 4);
	mx6_store_close(&store);
}
END_TEST

START_TEST(export_to_a_full_disk_fails)
{
	struct mx6_store *store = open_fresh(NULL);
	FILE *fp = fopen("/dev/full", "w");

	ck_assert_msg(fp != NULL, "/dev/full: %s", strerror(errno));
	ck_assert_int_eq(mx6_store_history_add(store, "example.org", 1000), 0);
	ck_assert_int_eq(mx6_store_export(store, fp), -1);
	fclose(fp);
	mx6_store_close(&store);
}
END_TEST

/* A full map */

/*
 * A map of 64 KiB fills after a few dozen long keys. New keys then fail
 * (a few may still fit where a page has room), reads still answer,
 * nothing already stored is lost, and the log says so once rather than
 * once per message.
 */
START_TEST(full_map_fails_writes_keeps_reads_and_logs_once)
{
	char *log_path = capture_stderr(), *log;
	struct mx6_store *store;
	char correspondent[400];
	int i, stored = 0, failed = 0;

	ck_assert_int_eq(setenv("MX6_LMDB_MAP_SIZE", "65536", 1), 0);
	store = open_fresh(NULL);
	memset(correspondent, 'x', sizeof(correspondent) - 1);
	correspondent[sizeof(correspondent) - 1] = '\0';
	for (i = 0; i < 26 * 26; i++) {
		correspondent[0] = (char)('a' + i % 26);
		correspondent[1] = (char)('a' + i / 26);
		if (mx6_store_addressbook_add(store, "ann", correspondent, 1000 + i) == 0)
			stored++;
		else
			failed++;
	}
	ck_assert_int_gt(stored, 10);
	ck_assert_int_gt(failed, 26 * 26 / 2);
	/* Reads answer, and see everything that was stored. */
	correspondent[0] = 'a';
	correspondent[1] = 'a';
	ck_assert_int_eq(mx6_store_addressbook_has(store, "ann", correspondent, 1000, 0),
			 1);
	ck_assert_int_eq(mx6_store_addressbook_list(store, "ann", remember_nothing, NULL),
			 stored);
	mx6_store_close(&store);
	log = unit_read(log_path);
	ck_assert_ptr_nonnull(log);
	ck_assert_int_eq(count_lines_with(log, "state store lmdb:"), 2);
	ck_assert_int_eq(count_lines_with(log,
					  "/state unavailable: learning paused, history "
					  "counts as no signal\n"),
			 1);
	ck_assert_int_eq(count_lines_with(log, "/state available again\n"), 1);
	ck_assert_int_eq(count_lines_with(log, ": MDB_MAP_FULL: "), 1);
	ck_assert_int_eq(count_lines_with(log, "\n"), 3);
	free(log);
	free(log_path);
}
END_TEST

static Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc;

	tc = tcase_create("URLs and opening");
	tcase_add_test(tc, unknown_scheme_is_refused_naming_the_url);
	tcase_add_test(tc, lmdb_url_without_directory_is_refused);
	tcase_add_loop_test(tc, bad_redis_url_is_refused_naming_url_and_reason, 0,
			    (int)(sizeof(bad_redis_urls) / sizeof(bad_redis_urls[0])));
	tcase_add_test(tc, password_never_appears_in_an_error);
	tcase_add_test(tc, lmdb_relative_path_is_taken_as_given);
	tcase_add_test(tc, lmdb_directory_is_created_0750_and_files_0600);
	tcase_add_test(tc, lmdb_path_through_a_file_is_refused_with_the_reason);
	tcase_add_test(tc, lmdb_unwritable_directory_is_refused_with_the_reason);
	tcase_add_test(tc, close_sets_the_pointer_to_null_and_accepts_null);
	suite_add_tcase(s, tc);

	tc = tcase_create("history");
	tcase_add_test(tc, history_counts_messages_with_first_and_last_seen);
	tcase_add_test(tc, history_of_unknown_domain_is_0_and_leaves_h_alone);
	tcase_add_test(tc, history_older_than_max_age_counts_as_unknown);
	tcase_add_test(tc, history_domain_is_lower_cased);
	tcase_add_loop_test(tc, bad_domain_never_reaches_the_store, 0,
			    (int)(sizeof(bad_names) / sizeof(bad_names[0])));
	tcase_add_test(tc, longest_key_fits);
	tcase_add_test(tc, utf8_domain_is_kept_as_it_is);
	suite_add_tcase(s, tc);

	tc = tcase_create("concurrency");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, eight_threads_counting_one_domain_lose_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("addressbooks");
	tcase_add_test(tc, addressbook_has_what_was_added_for_that_user_only);
	tcase_add_test(tc, addressbook_entry_older_than_max_age_is_not_there);
	tcase_add_test(tc, addressbook_user_and_correspondent_are_lower_cased);
	tcase_add_test(tc, addressbook_list_gives_each_correspondent_of_that_user);
	tcase_add_test(tc, addressbook_user_with_colon_is_refused);
	tcase_add_test(tc, addressbook_bad_names_never_reach_the_store);
	suite_add_tcase(s, tc);

	tc = tcase_create("persistence, export and import");
	tcase_add_test(tc, reopened_store_keeps_its_data);
	tcase_add_test(tc, two_spellings_of_one_directory_share_the_environment);
	tcase_add_test(tc, export_imports_into_another_store_identically);
	tcase_add_test(tc, import_replaces_entries_skips_comments_and_accepts_crlf);
	tcase_add_loop_test(tc, import_error_names_the_line, 0,
			    (int)(sizeof(bad_imports) / sizeof(bad_imports[0])));
	tcase_add_test(tc, import_overlong_key_is_refused);
	tcase_add_test(tc, import_keeps_the_lines_before_a_bad_one);
	tcase_add_test(tc, export_to_a_full_disk_fails);
	suite_add_tcase(s, tc);

	tc = tcase_create("faults");
	tcase_add_test(tc, full_map_fails_writes_keeps_reads_and_logs_once);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_main(store_suite());
}
