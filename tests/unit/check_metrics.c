/*
 * NAME
 *	check_metrics 1
 * SUMMARY
 *	unit tests for lib/metrics.c: counters and the Prometheus text
 * DESCRIPTION
 *	libcheck forks for every test, so each one starts from zero counters.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "metrics.h"
#include "unit.h"

static char text[1 << 17];

static const char *scrape(void)
{
	size_t len = mx6_metrics_render(NULL, text, sizeof(text));

	ck_assert_uint_lt(len, sizeof(text));
	ck_assert_uint_eq(strlen(text), len);
	return text;
}

/* The whole line that starts with SERIES followed by a space. */
static void assert_line(const char *series_and_value)
{
	const char *t = scrape();
	size_t len = strlen(series_and_value);
	const char *p;

	for (p = t; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p ? p + 1 : p)
		if (strncmp(p, series_and_value, len) == 0 && (p[len] == '\n'))
			return;
	ck_abort_msg("no line '%s' in:\n%s", series_and_value, t);
}

/* The integer part of an unlabelled series' value. */
static long value_of(const char *series)
{
	char find[256];
	const char *p;

	snprintf(find, sizeof(find), "\n%s ", series);
	p = strstr(scrape(), find);
	ck_assert_msg(p != NULL, "no series %s", series);
	return atol(p + strlen(find));
}

static void assert_no_series(const char *series)
{
	char find[512];

	snprintf(find, sizeof(find), "\n%s ", series);
	ck_assert_msg(strstr(scrape(), find) == NULL, "unexpected series %s", series);
}

START_TEST(every_family_has_help_and_type_before_its_samples)
{
	static const char *const families[][2] = {
		{"mx6_messages_total", "counter"},
		{"mx6_messages_skipped_total", "counter"},
		{"mx6_reasons_total", "counter"},
		{"mx6_decision_seconds", "histogram"},
		{"mx6_sessions", "gauge"},
		{"mx6_dns_queries_total", "counter"},
		{"mx6_dns_temperrors_total", "counter"},
		{"mx6_dns_cache_hits_total", "counter"},
		{"mx6_dns_query_duration_seconds", "histogram"},
		{"mx6_rdap_queries_total", "counter"},
		{"mx6_rdap_cache_hits_total", "counter"},
		{"mx6_rdap_errors_total", "counter"},
		{"mx6_rdap_query_duration_seconds", "histogram"},
		{"mx6_list_entries", "gauge"},
		{"mx6_config_last_reload_success_timestamp_seconds", "gauge"},
		{"mx6_config_reload_failures_total", "counter"},
		{"mx6_store_errors_total", "counter"},
		{"mx6_process_start_time_seconds", "gauge"},
	};
	const char *t = scrape();
	char help[128], type[128];
	size_t i;

	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		const char *h, *ty;

		snprintf(help, sizeof(help), "# HELP %s ", families[i][0]);
		snprintf(type, sizeof(type), "\n# TYPE %s %s\n", families[i][0], families[i][1]);
		ck_assert_msg((h = strstr(t, help)) != NULL, "no %s", help);
		ck_assert_msg((ty = strstr(t, type)) != NULL, "no %s", type);
		ck_assert_ptr_eq(strchr(h, '\n'), ty); /* TYPE right after HELP */
	}
	ck_assert_int_eq(t[strlen(t) - 1], '\n');
}
END_TEST

START_TEST(render_reports_the_length_it_needs_like_snprintf)
{
	char small[100];
	size_t full = strlen(scrape());

	ck_assert_uint_eq(mx6_metrics_render(NULL, small, sizeof(small)), full);
	ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
	ck_assert_int_eq(strncmp(small, text, sizeof(small) - 1), 0);
	ck_assert_uint_eq(mx6_metrics_render(NULL, NULL, 0), full);
}
END_TEST

START_TEST(label_values_escape_backslash_quote_and_newline)
{
	mx6_metrics_decision("a\"b\\c\nd", MX6_CLASS_GREEN, MX6_ACTION_ACCEPT, "ip_greenlist");
	assert_line("mx6_messages_total{listener=\"a\\\"b\\\\c\\nd\",class=\"green\","
		    "action=\"accept\"} 1");
}
END_TEST

START_TEST(messages_count_by_listener_class_and_action_with_logged_names)
{
	mx6_metrics_decision("mx", MX6_CLASS_UNKNOWN, MX6_ACTION_DEFER, "unlisted");
	mx6_metrics_decision("mx", MX6_CLASS_UNKNOWN, MX6_ACTION_DEFER, "unlisted");
	mx6_metrics_decision("mx", MX6_CLASS_UNKNOWN, MX6_ACTION_MX6_REJECT, "unlisted");
	mx6_metrics_decision("default", MX6_CLASS_TRUSTED, MX6_ACTION_ACCEPT, "ip_whitelist");
	assert_line("mx6_messages_total{listener=\"mx\",class=\"unknown\",action=\"defer\"} 2");
	assert_line("mx6_messages_total{listener=\"mx\",class=\"unknown\",action=\"reject\"} 1");
	assert_line("mx6_messages_total{listener=\"default\",class=\"trusted\","
		    "action=\"accept\"} 1");
	/* Combinations that never happened are left out. */
	assert_no_series("mx6_messages_total{listener=\"mx\",class=\"trusted\",action=\"accept\"}");
}
END_TEST

START_TEST(reasons_lose_their_variable_part_and_unknown_ones_count_as_other)
{
	mx6_metrics_decision("mx", MX6_CLASS_GREEN, MX6_ACTION_ACCEPT,
			     "addressbook:some,asn:AS64496,dnswl:list.dnswl.test,"
			     "history:12/30d,registrar:292");
	mx6_metrics_decision("mx", MX6_CLASS_UNKNOWN, MX6_ACTION_DEFER,
			     "unlisted,spf:pass,dkim:none,iprev:bogus,spf:bogus,nonsense,,");
	assert_line("mx6_reasons_total{reason=\"addressbook:some\"} 1");
	assert_line("mx6_reasons_total{reason=\"addressbook\"} 0");
	assert_line("mx6_reasons_total{reason=\"asn\"} 1");
	assert_line("mx6_reasons_total{reason=\"dnswl\"} 1");
	assert_line("mx6_reasons_total{reason=\"history\"} 1");
	assert_line("mx6_reasons_total{reason=\"registrar\"} 1");
	assert_line("mx6_reasons_total{reason=\"unlisted\"} 1");
	assert_line("mx6_reasons_total{reason=\"spf:pass\"} 1");
	assert_line("mx6_reasons_total{reason=\"dkim:none\"} 1");
	assert_line("mx6_reasons_total{reason=\"iprev\"} 0");
	assert_line("mx6_reasons_total{reason=\"other\"} 3");
	ck_assert_ptr_null(strstr(scrape(), "AS64496"));
	ck_assert_ptr_null(strstr(scrape(), "list.dnswl.test"));
}
END_TEST

START_TEST(listeners_beyond_the_limit_count_as_other)
{
	char name[32];
	int i;

	for (i = 0; i < MX6_METRICS_MAX_LISTENERS + 3; i++) {
		snprintf(name, sizeof(name), "l%d", i);
		mx6_metrics_decision(name, MX6_CLASS_GREEN, MX6_ACTION_ACCEPT, "");
	}
	mx6_metrics_decision("l0", MX6_CLASS_GREEN, MX6_ACTION_ACCEPT, "");
	assert_line("mx6_messages_total{listener=\"l0\",class=\"green\",action=\"accept\"} 2");
	snprintf(name, sizeof(name), "l%d", MX6_METRICS_MAX_LISTENERS - 1);
	ck_assert_ptr_nonnull(strstr(scrape(), name));
	assert_line("mx6_messages_total{listener=\"other\",class=\"green\",action=\"accept\"} 3");
	snprintf(name, sizeof(name), "\"l%d\"", MX6_METRICS_MAX_LISTENERS);
	ck_assert_ptr_null(strstr(scrape(), name));
}
END_TEST

START_TEST(skipped_messages_count_by_listener_and_reason)
{
	mx6_metrics_skipped("default", "ipv4");
	mx6_metrics_skipped("default", "ipv4");
	mx6_metrics_skipped("sub", "submission");
	mx6_metrics_skipped("sub", "whatever");
	assert_line("mx6_messages_skipped_total{listener=\"default\",reason=\"ipv4\"} 2");
	assert_line("mx6_messages_skipped_total{listener=\"sub\",reason=\"submission\"} 1");
	assert_line("mx6_messages_skipped_total{listener=\"sub\",reason=\"other\"} 1");
}
END_TEST

START_TEST(histogram_buckets_are_cumulative_with_inf_sum_and_count)
{
	mx6_metrics_rdap_query(0, 1, 0.0004);
	mx6_metrics_rdap_query(0, 1, 0.003);
	mx6_metrics_rdap_query(0, 1, 0.5); /* on a bound: le means <= */
	mx6_metrics_rdap_query(0, 0, 20);  /* above every bound */
	assert_line("mx6_rdap_query_duration_seconds_bucket{le=\"0.0005\"} 1");
	assert_line("mx6_rdap_query_duration_seconds_bucket{le=\"0.0025\"} 1");
	assert_line("mx6_rdap_query_duration_seconds_bucket{le=\"0.005\"} 2");
	assert_line("mx6_rdap_query_duration_seconds_bucket{le=\"0.25\"} 2");
	assert_line("mx6_rdap_query_duration_seconds_bucket{le=\"0.5\"} 3");
	assert_line("mx6_rdap_query_duration_seconds_bucket{le=\"10\"} 3");
	assert_line("mx6_rdap_query_duration_seconds_bucket{le=\"+Inf\"} 4");
	assert_line("mx6_rdap_query_duration_seconds_sum 20.503400000");
	assert_line("mx6_rdap_query_duration_seconds_count 4");
	assert_line("mx6_rdap_queries_total 4");
	assert_line("mx6_rdap_errors_total 1");
	assert_line("mx6_rdap_cache_hits_total 0");
}
END_TEST

START_TEST(rdap_cache_hits_are_counted_but_not_timed)
{
	mx6_metrics_rdap_query(1, 1, 0.2);
	assert_line("mx6_rdap_queries_total 1");
	assert_line("mx6_rdap_cache_hits_total 1");
	assert_line("mx6_rdap_query_duration_seconds_count 0");
}
END_TEST

START_TEST(labelled_histograms_put_le_last_and_suffix_before_the_labels)
{
	mx6_metrics_stage(MX6_METRICS_STAGE_EOH, mx6_metrics_clock());
	assert_line("mx6_decision_seconds_bucket{stage=\"eoh\",le=\"+Inf\"} 1");
	assert_line("mx6_decision_seconds_count{stage=\"eoh\"} 1");
	assert_line("mx6_decision_seconds_count{stage=\"body\"} 0");
	assert_line("mx6_decision_seconds_count{stage=\"eom\"} 0");
	ck_assert_ptr_nonnull(strstr(scrape(), "\nmx6_decision_seconds_sum{stage=\"eoh\"} 0."));
}
END_TEST

START_TEST(decision_histogram_has_microsecond_buckets)
{
	/* 300 ms ago: above 0.25 s whatever the scheduler adds, below 0.5 s. */
	mx6_metrics_stage(MX6_METRICS_STAGE_MAIL, mx6_metrics_clock() - 300000000u);
	assert_line("mx6_decision_seconds_bucket{stage=\"mail\",le=\"1e-05\"} 0");
	assert_line("mx6_decision_seconds_bucket{stage=\"mail\",le=\"7.5e-05\"} 0");
	assert_line("mx6_decision_seconds_bucket{stage=\"mail\",le=\"0.00015\"} 0");
	assert_line("mx6_decision_seconds_bucket{stage=\"mail\",le=\"0.25\"} 0");
	assert_line("mx6_decision_seconds_bucket{stage=\"mail\",le=\"0.5\"} 1");
	assert_line("mx6_decision_seconds_bucket{stage=\"mail\",le=\"5\"} 1");
	assert_line("mx6_decision_seconds_bucket{stage=\"mail\",le=\"+Inf\"} 1");
	/* 5 s is the last bound of this histogram; 10 s only the remote ones'. */
	ck_assert_ptr_null(strstr(scrape(), "mx6_decision_seconds_bucket{stage=\"mail\",le=\"10\"}"));
	assert_line("mx6_dns_query_duration_seconds_bucket{type=\"A\",le=\"10\"} 0");
	ck_assert_ptr_null(strstr(scrape(), "mx6_dns_query_duration_seconds_bucket{type=\"A\",le=\"1e-05\"}"));
}
END_TEST

START_TEST(dns_queries_temperrors_and_cache_hits_by_type)
{
	uint64_t start = mx6_metrics_clock();

	mx6_metrics_dns_query(MX6_RR_TXT, 0, start);
	mx6_metrics_dns_query(MX6_RR_TXT, 1, start);
	mx6_metrics_dns_query(MX6_RR_AAAA, 0, start);
	mx6_metrics_dns_query(99, 1, start);
	mx6_metrics_dns_cache_hit();
	assert_line("mx6_dns_queries_total{type=\"TXT\"} 2");
	assert_line("mx6_dns_temperrors_total{type=\"TXT\"} 1");
	assert_line("mx6_dns_queries_total{type=\"AAAA\"} 1");
	assert_line("mx6_dns_temperrors_total{type=\"AAAA\"} 0");
	assert_line("mx6_dns_queries_total{type=\"other\"} 1");
	assert_line("mx6_dns_temperrors_total{type=\"other\"} 1");
	assert_line("mx6_dns_query_duration_seconds_count{type=\"TXT\"} 2");
	assert_line("mx6_dns_cache_hits_total 1");
}
END_TEST

START_TEST(gauges_sessions_reload_store_and_lists)
{
	struct mx6_metrics_lists lists = {2, {{"ip_whitelist", 3}, {"dnswl", 1}}};

	mx6_metrics_session_begin();
	mx6_metrics_session_begin();
	mx6_metrics_session_end();
	mx6_metrics_store_error();
	mx6_metrics_reload(0);
	mx6_metrics_reload(0);
	assert_line("mx6_sessions 1");
	assert_line("mx6_store_errors_total 1");
	assert_line("mx6_config_reload_failures_total 2");
	assert_line("mx6_config_last_reload_success_timestamp_seconds 0.000");
	mx6_metrics_reload(1);
	mx6_metrics_init();
	ck_assert_int_gt(value_of("mx6_config_last_reload_success_timestamp_seconds"),
			 1500000000);
	ck_assert_int_gt(value_of("mx6_process_start_time_seconds"), 1500000000);
	mx6_metrics_render(&lists, text, sizeof(text));
	ck_assert_ptr_nonnull(strstr(text, "\nmx6_list_entries{list=\"ip_whitelist\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nmx6_list_entries{list=\"dnswl\"} 1\n"));
}
END_TEST

START_TEST(listen_address_forms)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char err[256];

	ck_assert_int_eq(mx6_metrics_parse_listen("127.0.0.1:9706", &ss, &len, err, sizeof(err)), 0);
	ck_assert_int_eq(ss.ss_family, AF_INET);
	ck_assert_uint_eq(ntohs(((struct sockaddr_in *)&ss)->sin_port), 9706);
	ck_assert_int_eq(mx6_metrics_parse_listen("[::1]:65535", &ss, &len, err, sizeof(err)), 0);
	ck_assert_int_eq(ss.ss_family, AF_INET6);
	ck_assert_uint_eq(len, sizeof(struct sockaddr_in6));
	ck_assert_uint_eq(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), 65535);
}
END_TEST

START_TEST(listen_address_refusals)
{
	static const char *const bad[] = {
		"", ":9706", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
		"127.0.0.1:97x6", "127.0.0.1:-1", "localhost:9706", "::1:9706", "[::1]9706",
		"[::1]:", "[127.0.0.1]:9706", "[]:9706", "2001:db8::1:9706", "[::1:9706",
	};
	struct sockaddr_storage ss;
	socklen_t len;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(mx6_metrics_parse_listen(bad[i], &ss, &len, err, sizeof(err)) == -1,
			      "'%s' accepted", bad[i]);
		ck_assert_ptr_nonnull(strstr(err, "is not ADDRESS:PORT"));
	}
}
END_TEST

static Suite *metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("render");

	tcase_add_test(tc, every_family_has_help_and_type_before_its_samples);
	tcase_add_test(tc, render_reports_the_length_it_needs_like_snprintf);
	tcase_add_test(tc, label_values_escape_backslash_quote_and_newline);
	tcase_add_test(tc, histogram_buckets_are_cumulative_with_inf_sum_and_count);
	tcase_add_test(tc, decision_histogram_has_microsecond_buckets);
	tcase_add_test(tc, labelled_histograms_put_le_last_and_suffix_before_the_labels);
	suite_add_tcase(s, tc);

	tc = tcase_create("counters");
	tcase_add_test(tc, messages_count_by_listener_class_and_action_with_logged_names);
	tcase_add_test(tc, reasons_lose_their_variable_part_and_unknown_ones_count_as_other);
	tcase_add_test(tc, listeners_beyond_the_limit_count_as_other);
	tcase_add_test(tc, skipped_messages_count_by_listener_and_reason);
	tcase_add_test(tc, rdap_cache_hits_are_counted_but_not_timed);
	tcase_add_test(tc, dns_queries_temperrors_and_cache_hits_by_type);
	tcase_add_test(tc, gauges_sessions_reload_store_and_lists);
	suite_add_tcase(s, tc);

	tc = tcase_create("metrics_listen");
	tcase_add_test(tc, listen_address_forms);
	tcase_add_test(tc, listen_address_refusals);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_main(metrics_suite());
}
