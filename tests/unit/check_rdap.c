/*
 * NAME
 *	check_rdap 1
 * SUMMARY
 *	unit tests for lib/rdap_parse.c, lib/rdap.c and lib/registrar.c
 * DESCRIPTION
 *	Responses are the fixtures of tests/data/rdap (the same files the
 *	milter test's RDAP server serves): registrar ID and name, registrant
 *	contacts redacted by value, by RFC 9537 "redacted" entries, or not
 *	at all. Bootstrap files are matched label-wise (domains) and by the
 *	longest prefix (IPv6). Lookups against a port that refuses and one
 *	that never answers end as errors within the timeout. The state
 *	store's cache operation keeps values until they expire.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rdap.h"
#include "registrar.h"
#include "store.h"
#include "unit.h"

/* The fixture tests/data/rdap/NAME parsed; fails the test if it does not parse. */
static struct mx6_rdap_info fixture(const char *name)
{
	char *path = unit_strdupf("tests/data/rdap/%s", name), *full, *text;
	struct mx6_rdap_info info;

	ck_assert_msg((full = unit_source_file(path)) != NULL, "no fixture %s", path);
	ck_assert((text = unit_read(full)) != NULL);
	ck_assert_msg(mx6_rdap_parse(text, strlen(text), &info) == 0, "%s does not parse", name);
	free(text);
	free(full);
	free(path);
	return info;
}

static int parses(const char *text)
{
	struct mx6_rdap_info info;

	return mx6_rdap_parse(text, strlen(text), &info) == 0;
}

START_TEST(registrar_id_and_name_come_from_the_registrar_entity)
{
	struct mx6_rdap_info info = fixture("listed.json");

	ck_assert_str_eq(info.registrar_id, "292");
	ck_assert_str_eq(info.registrar_name, "Stringent Registrar, Inc.");
}
END_TEST

START_TEST(registrar_without_iana_id_has_only_a_name)
{
	struct mx6_rdap_info info = fixture("named.json");

	ck_assert_str_eq(info.registrar_id, "");
	ck_assert_str_eq(info.registrar_name, "Careful Names, Ltd.");
	ck_assert_int_eq(info.contact, 0);
}
END_TEST

START_TEST(redacted_for_privacy_values_are_no_contact)
{
	ck_assert_int_eq(fixture("listed.json").contact, 0);
	ck_assert_int_eq(fixture("offlist.json").contact, 0);
	ck_assert_int_eq(fixture("redacted.json").contact, 0);
}
END_TEST

START_TEST(rfc9537_redacted_paths_hide_real_looking_values)
{
	ck_assert_int_eq(fixture("rfc9537.json").contact, 0);
}
END_TEST

START_TEST(rfc9537_redacted_names_alone_hide_values)
{
	const char *json =
		"{\"entities\":[{\"roles\":[\"registrant\"],\"vcardArray\":[\"vcard\",["
		"[\"fn\",{},\"text\",\"J. Doe\"],[\"email\",{},\"text\",\"jd@example.test\"]]]}],"
		"\"redacted\":[{\"name\":{\"type\":\"Registrant Email\"},\"method\":\"removal\"}]}";
	struct mx6_rdap_info info;

	ck_assert_int_eq(mx6_rdap_parse(json, strlen(json), &info), 0);
	ck_assert_int_eq(info.contact, 0);
}
END_TEST

START_TEST(redaction_of_another_property_leaves_the_contact)
{
	/* Fax redacted, name and email given: still a contact. */
	const char *json =
		"{\"entities\":[{\"roles\":[\"registrant\"],\"vcardArray\":[\"vcard\",["
		"[\"fn\",{},\"text\",\"J. Doe\"],[\"email\",{},\"text\",\"jd@example.test\"]]]}],"
		"\"redacted\":[{\"name\":{\"type\":\"Registrant Fax\"},\"prePath\":"
		"\"$.entities[?(@.roles[0]=='registrant')].vcardArray[1][?(@[1].type=='fax')]\"}]}";
	struct mx6_rdap_info info;

	ck_assert_int_eq(mx6_rdap_parse(json, strlen(json), &info), 0);
	ck_assert_int_eq(info.contact, 1);
}
END_TEST

START_TEST(non_redacted_registrant_is_a_contact)
{
	struct mx6_rdap_info info = fixture("contact.json");

	ck_assert_int_eq(info.contact, 1);
	ck_assert_str_eq(info.registrar_id, "9999");
}
END_TEST

START_TEST(name_without_email_tel_or_address_is_no_contact)
{
	const char *json = "{\"entities\":[{\"roles\":[\"registrant\"],\"vcardArray\":[\"vcard\",["
			   "[\"fn\",{},\"text\",\"J. Doe\"]]]}]}";
	struct mx6_rdap_info info;

	ck_assert_int_eq(mx6_rdap_parse(json, strlen(json), &info), 0);
	ck_assert_int_eq(info.contact, 0);
}
END_TEST

START_TEST(network_registrant_with_address_label_is_a_contact)
{
	ck_assert_int_eq(fixture("network-contact.json").contact, 1);
	ck_assert_int_eq(fixture("network-nocontact.json").contact, 0);
}
END_TEST

START_TEST(nested_entities_do_not_count)
{
	/* The registrar's abuse contact is not the registrant. */
	const char *json = "{\"entities\":[{\"roles\":[\"registrar\"],\"entities\":[{\"roles\":"
			   "[\"registrant\"],\"vcardArray\":[\"vcard\",[[\"fn\",{},\"text\",\"X\"],"
			   "[\"email\",{},\"text\",\"x@example.test\"]]]}]}]}";
	struct mx6_rdap_info info;

	ck_assert_int_eq(mx6_rdap_parse(json, strlen(json), &info), 0);
	ck_assert_int_eq(info.contact, 0);
}
END_TEST

START_TEST(malformed_json_is_an_error)
{
	char *full = unit_source_file("tests/data/rdap/malformed.json"), *text;
	struct mx6_rdap_info info;

	ck_assert(full != NULL && (text = unit_read(full)) != NULL);
	ck_assert_int_eq(mx6_rdap_parse(text, strlen(text), &info), -1);
	ck_assert_int_eq(parses("[1, 2]"), 0);
	ck_assert_int_eq(parses("\"text\""), 0);
	ck_assert_int_eq(parses("{} trailing"), 0);
	ck_assert_int_eq(parses(""), 0);
	free(text);
	free(full);
}
END_TEST

START_TEST(odd_shapes_are_no_signal_not_a_crash)
{
	struct mx6_rdap_info info;
	static const char *const shapes[] = {
		"{\"entities\":5}",
		"{\"entities\":[5,null,{\"roles\":\"registrar\"}]}",
		"{\"entities\":[{\"roles\":[\"registrar\"],\"publicIds\":[{\"type\":\"IANA Registrar "
		"ID\",\"identifier\":\"12ab\"}],\"vcardArray\":[\"vcard\"]}]}",
		"{\"entities\":[{\"roles\":[\"registrant\"],\"vcardArray\":[\"vcard\",[[\"fn\"],"
		"[\"fn\",{},\"text\",7],[\"adr\",{},\"text\",[[],[null]]]]]}]}",
		"{\"redacted\":[1,{\"name\":5,\"prePath\":7}]}",
	};
	size_t i;

	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		ck_assert_int_eq(mx6_rdap_parse(shapes[i], strlen(shapes[i]), &info), 0);
		ck_assert_str_eq(info.registrar_id, "");
		ck_assert_int_eq(info.contact, 0);
	}
}
END_TEST

/* Bootstrap */

static struct mx6_rdap_bootstrap *bootstrap(const char *name, enum mx6_rdap_kind kind)
{
	char *path = unit_strdupf("tests/data/rdap/%s", name), *full = unit_source_file(path);
	struct mx6_rdap_bootstrap *b;
	char err[512] = "";

	ck_assert(full != NULL);
	b = mx6_rdap_bootstrap_load(full, kind, err, sizeof(err));
	ck_assert_msg(b != NULL, "%s", err);
	free(full);
	free(path);
	return b;
}

START_TEST(domain_bootstrap_takes_the_longest_suffix_by_labels)
{
	struct mx6_rdap_bootstrap *b = bootstrap("bootstrap-dns.json", MX6_RDAP_DNS);

	ck_assert_str_eq(mx6_rdap_bootstrap_domain(b, "example.com"),
			 "https://rdap.verisign.example/com/v1/");
	ck_assert_str_eq(mx6_rdap_bootstrap_domain(b, "EXAMPLE.NET"),
			 "https://rdap.verisign.example/com/v1/");
	ck_assert_str_eq(mx6_rdap_bootstrap_domain(b, "contact.test"),
			 "https://contact-registry.example/rdap/");
	ck_assert_str_eq(mx6_rdap_bootstrap_domain(b, "listed.test"), "https://rdap.test.example/");
	/* Label-wise: "xcontact.test" does not end in the label "contact.test". */
	ck_assert_str_eq(mx6_rdap_bootstrap_domain(b, "xcontact.test"),
			 "https://rdap.test.example/");
	ck_assert_str_eq(mx6_rdap_bootstrap_domain(b, "example.org"), "http://only-http.example/");
	ck_assert_ptr_null(mx6_rdap_bootstrap_domain(b, "example.de"));
	ck_assert_ptr_null(mx6_rdap_bootstrap_domain(b, "a.xn--nothing"));
	ck_assert_ptr_null(mx6_rdap_bootstrap_domain(b, "comx"));
	mx6_rdap_bootstrap_free(&b);
	ck_assert_ptr_null(b);
}
END_TEST

static const char *ipv6_base(const struct mx6_rdap_bootstrap *b, const char *text)
{
	struct mx6_addr a;

	ck_assert_int_eq(mx6_addr_parse(text, &a), 0);
	return mx6_rdap_bootstrap_ipv6(b, &a);
}

START_TEST(ipv6_bootstrap_takes_the_longest_prefix)
{
	struct mx6_rdap_bootstrap *b = bootstrap("bootstrap-ipv6.json", MX6_RDAP_IPV6);

	ck_assert_str_eq(ipv6_base(b, "2001:db8:a::25"), "https://rdap.narrow.example/");
	ck_assert_str_eq(ipv6_base(b, "2001:db8:b::25"), "https://rdap.doc.example/");
	ck_assert_str_eq(ipv6_base(b, "2001:201::1"), "https://rdap.apnic.example/");
	ck_assert_str_eq(ipv6_base(b, "2001:3ff::1"), "https://rdap.apnic.example/");
	ck_assert_ptr_null(ipv6_base(b, "2001:400::1")); /* just outside 2001:200::/23 */
	ck_assert_str_eq(ipv6_base(b, "2a0f:ffff::1"), "https://rdap.db.ripe.example/");
	ck_assert_ptr_null(ipv6_base(b, "2c0f::1"));
	mx6_rdap_bootstrap_free(&b);
}
END_TEST

START_TEST(bootstrap_errors_name_the_file)
{
	char *dir = unit_mkdir(), *path;
	char err[512] = "";

	path = unit_write(dir, "bad.json", "{\"services\": [[[\"2001:db8::/129\"], [\"https://x/\"]]]}");
	ck_assert_ptr_null(mx6_rdap_bootstrap_load(path, MX6_RDAP_IPV6, err, sizeof(err)));
	ck_assert_msg(strstr(err, "bad.json: '2001:db8::/129' is not an IPv6 prefix") != NULL, "%s",
		      err);
	free(path);
	path = unit_write(dir, "none.json", "{\"version\": \"1.0\"}");
	ck_assert_ptr_null(mx6_rdap_bootstrap_load(path, MX6_RDAP_DNS, err, sizeof(err)));
	ck_assert_msg(strstr(err, "none.json: no \"services\" array") != NULL, "%s", err);
	free(path);
	path = unit_write(dir, "broken.json", "{\"services\": [");
	ck_assert_ptr_null(mx6_rdap_bootstrap_load(path, MX6_RDAP_DNS, err, sizeof(err)));
	ck_assert_msg(strstr(err, "broken.json: not valid JSON") != NULL, "%s", err);
	free(path);
	free(dir);
}
END_TEST

/* Registrar lists */

START_TEST(registrar_list_matches_ids_and_names)
{
	char *dir = unit_mkdir(), *path;
	struct mx6_registrar_list *list;
	char err[512] = "";
	unsigned line = 0;

	path = unit_write(dir, "registrars", "# IDs and names\n292\n\nCareful_Names_Ltd.\n");
	ck_assert_msg((list = mx6_registrar_list_load(path, err, sizeof(err))) != NULL, "%s", err);
	ck_assert_int_eq(mx6_registrar_list_count(list), 2);
	ck_assert_int_eq(mx6_registrar_list_lookup(list, "292", "Whatever", &line), 1);
	ck_assert_uint_eq(line, 2);
	ck_assert_int_eq(mx6_registrar_list_lookup(list, "", "Careful Names, Ltd.", &line), 1);
	ck_assert_uint_eq(line, 4);
	ck_assert_int_eq(mx6_registrar_list_lookup(list, "2920", "Lax", &line), 0);
	ck_assert_int_eq(mx6_registrar_list_lookup(list, "", "", &line), 0);
	mx6_registrar_list_free(&list);
	ck_assert_ptr_null(list);
	free(path);
	path = unit_write(dir, "bad", "292\n---\n");
	ck_assert_ptr_null(mx6_registrar_list_load(path, err, sizeof(err)));
	ck_assert_msg(strstr(err, "bad:2: '---' is neither") != NULL, "%s", err);
	free(path);
	free(dir);
}
END_TEST

/* Lookups without a server */

static struct mx6_rdap *client(const char *url, unsigned timeout_ms, struct mx6_store *cache)
{
	struct mx6_rdap_options opt;
	struct mx6_rdap *r;
	char err[256];

	memset(&opt, 0, sizeof(opt));
	opt.url = url;
	opt.timeout_ms = timeout_ms;
	opt.cache = cache;
	opt.cache_ttl = 86400;
	opt.negative_ttl = 3600;
	ck_assert_msg((r = mx6_rdap_new(&opt, err, sizeof(err))) != NULL, "%s", err);
	return r;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(refused_connection_is_an_error)
{
	struct mx6_rdap *r = client("http://127.0.0.1:1", 2000, NULL);
	struct mx6_rdap_lookup *l = mx6_rdap_start_domain(r, "Example.TEST");
	struct mx6_rdap_info info;

	ck_assert_ptr_nonnull(l);
	ck_assert_str_eq(mx6_rdap_lookup_name(l), "example.test");
	ck_assert_int_eq(mx6_rdap_wait(r, l, &info), MX6_RDAP_ERROR);
	mx6_rdap_lookup_free(&l);
	ck_assert_ptr_null(l);
	mx6_rdap_free(&r);
}
END_TEST

START_TEST(silent_server_times_out_within_the_budget)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct mx6_rdap_lookup *l;
	struct mx6_rdap_info info;
	struct mx6_rdap *r;
	char url[64];
	double t0, waited;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	/* Listening, never accepting: the connection completes, no answer comes. */
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert(fd >= 0 && bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	ck_assert(listen(fd, 8) == 0 && getsockname(fd, (struct sockaddr *)&sin, &len) == 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/", (unsigned)ntohs(sin.sin_port));
	r = client(url, 500, NULL);
	t0 = now_s();
	l = mx6_rdap_start_domain(r, "slow.test");
	ck_assert_int_eq(mx6_rdap_wait(r, l, &info), MX6_RDAP_ERROR);
	waited = now_s() - t0;
	ck_assert_msg(waited >= 0.45 && waited < 1.5, "waited %.3f s for a 0.5 s timeout", waited);
	/* Abandoned while the thread may still run: it frees the lookup itself. */
	mx6_rdap_lookup_free(&l);
	mx6_rdap_free(&r);
	sleep(1);
	close(fd);
}
END_TEST

START_TEST(lookups_in_flight_are_bounded)
{
	struct mx6_rdap_lookup *l[MX6_RDAP_MAX_IN_FLIGHT + 1];
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct mx6_rdap_info info;
	struct mx6_rdap *r;
	char url[64], name[32];
	double t0, waited;
	int fd = socket(AF_INET, SOCK_STREAM, 0), i;

	/* A server that never answers holds every lookup until its timeout. */
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert(fd >= 0 && bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	ck_assert(listen(fd, 8) == 0 && getsockname(fd, (struct sockaddr *)&sin, &len) == 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/", (unsigned)ntohs(sin.sin_port));
	r = client(url, 1000, NULL);
	for (i = 0; i < MX6_RDAP_MAX_IN_FLIGHT + 1; i++) {
		snprintf(name, sizeof(name), "n%d.test", i);
		ck_assert_ptr_nonnull(l[i] = mx6_rdap_start_domain(r, name));
	}
	/* The one beyond the bound started no thread: an error at once. */
	t0 = now_s();
	ck_assert_int_eq(mx6_rdap_wait(r, l[MX6_RDAP_MAX_IN_FLIGHT], &info), MX6_RDAP_ERROR);
	waited = now_s() - t0;
	ck_assert_msg(waited < 0.2, "waited %.3f s for a lookup beyond the bound", waited);
	for (i = 0; i < MX6_RDAP_MAX_IN_FLIGHT + 1; i++)
		mx6_rdap_lookup_free(&l[i]);
	mx6_rdap_free(&r);
	sleep(2); /* the threads time out and free their lookups */
	close(fd);
}
END_TEST

START_TEST(names_that_cannot_be_asked_start_nothing)
{
	struct mx6_rdap *r = client("http://127.0.0.1:1/", 500, NULL);
	struct mx6_addr v4;

	ck_assert_ptr_null(mx6_rdap_start_domain(r, ""));
	ck_assert_ptr_null(mx6_rdap_start_domain(r, "a/b.test"));
	ck_assert_ptr_null(mx6_rdap_start_domain(r, "a b.test"));
	ck_assert_int_eq(mx6_addr_parse("::ffff:192.0.2.1", &v4), 0);
	ck_assert_ptr_null(mx6_rdap_start_network(r, &v4));
	ck_assert_ptr_null(mx6_rdap_start_domain(NULL, "example.test"));
	mx6_rdap_free(&r);
}
END_TEST

/* Cache */

START_TEST(cached_answer_needs_no_server)
{
	char *dir = unit_mkdir(), *url = unit_strdupf("lmdb:%s/state", dir);
	char err[256] = "", value[256];
	struct mx6_store *store = mx6_store_open(url, err, sizeof(err));
	struct mx6_rdap_lookup *l;
	struct mx6_rdap_info info;
	struct mx6_rdap *r;
	struct mx6_addr a;
	int64_t now = (int64_t)time(NULL);

	ck_assert_msg(store != NULL, "%s", err);
	ck_assert_int_eq(mx6_store_cache_put(store, "rdap-domain", "cached.test",
					     "found 292 1 Stringent Registrar, Inc.", now + 60), 0);
	ck_assert_int_eq(mx6_store_cache_put(store, "rdap-domain", "gone.test", "notfound", now + 60), 0);
	ck_assert_int_eq(mx6_store_cache_put(store, "rdap-domain", "old.test", "notfound", now - 1), 0);
	ck_assert_int_eq(mx6_store_cache_put(store, "rdap-net", "2001:db8:a::/64", "found - 1 ", now + 60), 0);
	ck_assert_int_eq(mx6_store_cache_get(store, "rdap-domain", "old.test", now, value, sizeof(value)), 0);
	ck_assert_int_eq(mx6_store_cache_get(store, "rdap-domain", "gone.test", now, value, sizeof(value)), 1);
	ck_assert_str_eq(value, "notfound");

	/* Port 1 refuses: only the cache can answer. */
	r = client("http://127.0.0.1:1/", 500, store);
	l = mx6_rdap_start_domain(r, "cached.test");
	ck_assert_int_eq(mx6_rdap_wait(r, l, &info), MX6_RDAP_FOUND);
	ck_assert_str_eq(info.registrar_id, "292");
	ck_assert_str_eq(info.registrar_name, "Stringent Registrar, Inc.");
	ck_assert_int_eq(info.contact, 1);
	mx6_rdap_lookup_free(&l);
	l = mx6_rdap_start_domain(r, "gone.test");
	ck_assert_int_eq(mx6_rdap_wait(r, l, &info), MX6_RDAP_NOT_FOUND);
	mx6_rdap_lookup_free(&l);
	l = mx6_rdap_start_domain(r, "old.test");
	ck_assert_int_eq(mx6_rdap_wait(r, l, &info), MX6_RDAP_ERROR);
	mx6_rdap_lookup_free(&l);
	ck_assert_int_eq(mx6_addr_parse("2001:db8:a::25", &a), 0);
	l = mx6_rdap_start_network(r, &a);
	ck_assert_str_eq(mx6_rdap_lookup_name(l), "2001:db8:a::/64");
	ck_assert_int_eq(mx6_rdap_wait(r, l, &info), MX6_RDAP_FOUND);
	ck_assert_int_eq(info.contact, 1);
	ck_assert_str_eq(info.registrar_id, "");
	mx6_rdap_lookup_free(&l);
	/* Errors are not cached: old.test is still not there. */
	ck_assert_int_eq(mx6_store_cache_get(store, "rdap-domain", "old.test", now, value, sizeof(value)), 0);
	mx6_rdap_free(&r);
	mx6_store_close(&store);
	free(url);
	free(dir);
}
END_TEST

static Suite *rdap_suite(void)
{
	Suite *s = suite_create("rdap");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, registrar_id_and_name_come_from_the_registrar_entity);
	tcase_add_test(tc, registrar_without_iana_id_has_only_a_name);
	tcase_add_test(tc, redacted_for_privacy_values_are_no_contact);
	tcase_add_test(tc, rfc9537_redacted_paths_hide_real_looking_values);
	tcase_add_test(tc, rfc9537_redacted_names_alone_hide_values);
	tcase_add_test(tc, redaction_of_another_property_leaves_the_contact);
	tcase_add_test(tc, non_redacted_registrant_is_a_contact);
	tcase_add_test(tc, name_without_email_tel_or_address_is_no_contact);
	tcase_add_test(tc, network_registrant_with_address_label_is_a_contact);
	tcase_add_test(tc, nested_entities_do_not_count);
	tcase_add_test(tc, malformed_json_is_an_error);
	tcase_add_test(tc, odd_shapes_are_no_signal_not_a_crash);
	suite_add_tcase(s, tc);

	tc = tcase_create("bootstrap");
	tcase_add_test(tc, domain_bootstrap_takes_the_longest_suffix_by_labels);
	tcase_add_test(tc, ipv6_bootstrap_takes_the_longest_prefix);
	tcase_add_test(tc, bootstrap_errors_name_the_file);
	tcase_add_test(tc, registrar_list_matches_ids_and_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("lookups");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, refused_connection_is_an_error);
	tcase_add_test(tc, silent_server_times_out_within_the_budget);
	tcase_add_test(tc, lookups_in_flight_are_bounded);
	tcase_add_test(tc, names_that_cannot_be_asked_start_nothing);
	tcase_add_test(tc, cached_answer_needs_no_server);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_main(rdap_suite());
}
