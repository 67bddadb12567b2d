/*
 * NAME
 *	lists-load 1
 * SUMMARY
 *	measure loading and querying large domain and AS lists
 * SYNOPSIS
 *	bench/lists-load [ENTRIES [LOOKUPS]]
 * DESCRIPTION
 *	The companion of bench/iplist-load for the other list kinds: writes
 *	ENTRIES (default 1000000) random domain names (half of them
 *	".parent" entries) and ENTRIES random AS numbers to temporary list
 *	files, loads each as the daemon does, then runs LOOKUPS (default
 *	2000000) lookups of each kind, half of them listed (for domains:
 *	names below listed parents, or listed names). Prints load time,
 *	lookups per second and ns per lookup, and the peak RSS after each
 *	list. Deterministic (fixed seed).
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "asn.h"
#include "domainset.h"

static uint64_t rng_state = 0x243f6a8885a308d3ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double peak_rss_mib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_maxrss / 1024.0;
}

/* A name made of the number N: "d<hex>.<tld>". */
static void domain_name(uint64_t n, char *buf, size_t len)
{
	static const char *const tlds[] = {"test", "example", "org", "net"};

	snprintf(buf, len, "d%llx.%s", (unsigned long long)(n >> 2), tlds[n & 3]);
}

static FILE *temp_list(char *path)
{
	int fd = mkstemp(path);

	return fd < 0 ? NULL : fdopen(fd, "w");
}

static int bench_domains(unsigned long entries, unsigned long lookups)
{
	char path[] = "/tmp/mx6-bench-domains.XXXXXX", name[64], probe[64];
	char (*probes)[96] = calloc(1024, sizeof(*probes));
	struct mx6_domainset *set;
	unsigned long i, hits = 0;
	char err[512];
	double t0, t1;
	FILE *fp = temp_list(path);

	if (fp == NULL || probes == NULL) {
		perror("domains");
		return 1;
	}
	for (i = 0; i < entries; i++) {
		uint64_t n = rng();

		domain_name(n, name, sizeof(name));
		fprintf(fp, "%s%s\n", i % 2 ? "." : "", name);
		if (i < 1024) /* listed: the name itself, or a child of a parent entry */
			snprintf(probes[i / 2], sizeof(probes[0]), "%s%s", i % 2 ? "mail." : "", name);
	}
	fclose(fp);
	for (i = 512; i < 1024; i++) {
		domain_name(rng(), probe, sizeof(probe));
		snprintf(probes[i], sizeof(probes[0]), "www.%s", probe);
	}
	t0 = now();
	set = mx6_domainset_load(path, err, sizeof(err));
	t1 = now();
	unlink(path);
	if (set == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	printf("domains:      %zu entries, load %.3f s, peak RSS %.1f MiB\n",
	       mx6_domainset_count(set), t1 - t0, peak_rss_mib());
	t0 = now();
	for (i = 0; i < lookups; i++)
		hits += (unsigned long)mx6_domainset_lookup(set, probes[i & 1023], NULL);
	t1 = now();
	printf("              %lu lookups (%lu hits): %.1f M/s, %.0f ns each\n", lookups, hits,
	       (double)lookups / (t1 - t0) / 1e6, (t1 - t0) / (double)lookups * 1e9);
	mx6_domainset_free(&set);
	free(probes);
	return 0;
}

static int bench_asns(unsigned long entries, unsigned long lookups)
{
	char path[] = "/tmp/mx6-bench-asns.XXXXXX", err[512];
	uint32_t *probes = calloc(1024, sizeof(*probes));
	struct mx6_asnlist *list;
	unsigned long i, hits = 0;
	double t0, t1;
	FILE *fp = temp_list(path);

	if (fp == NULL || probes == NULL) {
		perror("asns");
		return 1;
	}
	for (i = 0; i < entries; i++) {
		uint32_t asn = (uint32_t)(rng() % 4294967294u) + 1;

		fprintf(fp, "%s%lu\n", i % 2 ? "AS" : "", (unsigned long)asn);
		if (i < 512)
			probes[i] = asn;
	}
	fclose(fp);
	for (i = 512; i < 1024; i++)
		probes[i] = (uint32_t)(rng() % 4294967294u) + 1;
	t0 = now();
	list = mx6_asnlist_load(path, err, sizeof(err));
	t1 = now();
	unlink(path);
	if (list == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	printf("AS numbers:   %zu entries, load %.3f s, peak RSS %.1f MiB\n",
	       mx6_asnlist_count(list), t1 - t0, peak_rss_mib());
	t0 = now();
	for (i = 0; i < lookups; i++)
		hits += (unsigned long)mx6_asnlist_lookup(list, probes[i & 1023], NULL);
	t1 = now();
	printf("              %lu lookups (%lu hits): %.1f M/s, %.0f ns each\n", lookups, hits,
	       (double)lookups / (t1 - t0) / 1e6, (t1 - t0) / (double)lookups * 1e9);
	mx6_asnlist_free(&list);
	free(probes);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long entries = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	unsigned long lookups = argc > 2 ? strtoul(argv[2], NULL, 10) : 2000000;

	if (bench_domains(entries, lookups) != 0)
		return 1;
	return bench_asns(entries, lookups);
}
