/*
 * NAME
 *	iplist-load 1
 * SUMMARY
 *	measure loading and querying a large IP list
 * SYNOPSIS
 *	bench/iplist-load [ENTRIES [LOOKUPS]]
 * DESCRIPTION
 *	Writes ENTRIES (default 1000000) random IPv4 and IPv6 addresses and
 *	prefixes to a temporary list file, loads it with mx6_iplist_load()
 *	as the daemon does, then runs LOOKUPS (default 10000000) lookups of
 *	random addresses, half of them listed. Prints load time, lookups per
 *	second, ns per lookup and the process's peak RSS. Deterministic
 *	(fixed seed); figures are for comparison on one machine, not
 *	absolutes.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "iplist.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	/* xorshift64*: fast, deterministic, good enough for test data. */
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

int main(int argc, char **argv)
{
	unsigned long entries = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	unsigned long lookups = argc > 2 ? strtoul(argv[2], NULL, 10) : 10000000;
	char path[] = "/tmp/mx6-bench-iplist.XXXXXX";
	struct mx6_addr *probes;
	struct mx6_iplist *list;
	struct rusage ru;
	char err[512];
	unsigned long i, hits = 0;
	double t0, t1;
	FILE *fp;
	int fd;

	if ((fd = mkstemp(path)) < 0 || (fp = fdopen(fd, "w")) == NULL) {
		perror("mkstemp");
		return 1;
	}
	probes = calloc(1024, sizeof(*probes));
	for (i = 0; i < entries; i++) {
		uint64_t r = rng();

		if (i % 2 == 0) {
			unsigned plen = 16 + (unsigned)(r % 17); /* /16../32 */
			uint32_t a = (uint32_t)(r >> 32) & (plen == 32 ? 0xffffffffu
								       : ~(0xffffffffu >> plen));
			fprintf(fp, "%u.%u.%u.%u/%u\n", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
				a & 255, plen);
		} else {
			uint64_t hi = rng();
			unsigned plen = 32 + (unsigned)(r % 33); /* /32../64 */
			hi &= plen == 64 ? UINT64_MAX : ~(UINT64_MAX >> plen);
			fprintf(fp, "%x:%x:%x:%x::/%u\n", (unsigned)(hi >> 48),
				(unsigned)(hi >> 32) & 0xffff, (unsigned)(hi >> 16) & 0xffff,
				(unsigned)hi & 0xffff, plen);
			if (i < 1024) {
				/* Remember a listed address to probe. */
				struct mx6_addr *p = &probes[i / 2];
				int b;

				for (b = 0; b < 8; b++)
					p->bytes[b] = (uint8_t)(hi >> (56 - 8 * b));
				p->bytes[15] = 1;
			}
		}
	}
	fclose(fp);
	for (i = 512; i < 1024; i++) {
		uint64_t a = rng(), b = rng();
		int k;

		for (k = 0; k < 8; k++) {
			probes[i].bytes[k] = (uint8_t)(a >> (8 * k));
			probes[i].bytes[8 + k] = (uint8_t)(b >> (8 * k));
		}
	}

	t0 = now();
	list = mx6_iplist_load(path, err, sizeof(err));
	t1 = now();
	unlink(path);
	if (list == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	printf("entries:      %zu\n", mx6_iplist_count(list));
	printf("load:         %.3f s\n", t1 - t0);

	t0 = now();
	for (i = 0; i < lookups; i++)
		hits += (unsigned long)mx6_iplist_lookup(list, &probes[i & 1023], NULL);
	t1 = now();
	printf("lookups:      %lu (%lu hits)\n", lookups, hits);
	printf("lookup rate:  %.1f M/s, %.0f ns each\n", (double)lookups / (t1 - t0) / 1e6,
	       (t1 - t0) / (double)lookups * 1e9);
	getrusage(RUSAGE_SELF, &ru);
	printf("peak RSS:     %.1f MiB\n", (double)ru.ru_maxrss / 1024.0);
	mx6_iplist_free(&list);
	free(probes);
	return 0;
}
