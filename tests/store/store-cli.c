/*
 * NAME
 *	store-cli 1
 * SUMMARY
 *	drive a store backend (lib/store_redis.c) through its operations
 * SYNOPSIS
 *	store-cli [-a PASSWORD] [-d DB] HOST PORT < SCRIPT
 * DESCRIPTION
 *	Opens the Redis backend with mx6_store_redis_open() (through the
 *	backend table of store_impl.h, below lib/store.c) and runs the
 *	commands of SCRIPT, one per line, words separated by blanks, on that
 *	one backend. Each command prints one line on stdout ending in
 *	"ms=N", its wall-clock time:
 *
 *	get KEY                  get rc=RC [value=VALUE] ms=N
 *	put KEY VALUE...         put rc=RC ms=N (VALUE: the rest of the line)
 *	putn KEY SIZE            put rc=RC ms=N, VALUE SIZE times "x"
 *	incr KEY NOW             incr rc=RC ms=N
 *	scan PREFIX              one "entry KEY VALUE" line per entry,
 *	                         sorted, then scan rc=RC count=N ms=N
 *	stress THREADS N KEY NOW THREADS threads each run N history_incr;
 *	                         stress ok=N failed=N ms=N
 *	sleep MS                 sleep ms=N
 *	signal FILE              creates FILE; signal ms=N
 *	wait FILE                waits (up to 60 s) until FILE exists;
 *	                         wait rc=0|-1 ms=N
 *
 *	Empty lines and lines starting with '#' are ignored.
 * DIAGNOSTICS
 *	Exit 0 when the script ran, 1 when the backend cannot be opened
 *	(the message on stderr, "open failed: MESSAGE" on stdout), 2 on usage
 *	errors.
 */
#include "autoconf.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store_impl.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

struct entries {
	char **lines;
	size_t n, cap;
};

static int collect(void *ctx, const char *key, const char *value)
{
	struct entries *e = ctx;
	size_t len = strlen(key) + strlen(value) + 8;

	if (e->n == e->cap) {
		size_t cap = e->cap ? 2 * e->cap : 64;
		char **lines = realloc(e->lines, cap * sizeof(*lines));

		if (lines == NULL)
			return 1;
		e->lines = lines;
		e->cap = cap;
	}
	e->lines[e->n] = malloc(len);
	if (e->lines[e->n] == NULL)
		return 1;
	snprintf(e->lines[e->n], len, "entry %s %s", key, value);
	e->n++;
	return 0;
}

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct stress {
	struct mx6_store_backend *b;
	const char *key;
	long n;
	int64_t now;
	long ok, failed;
};

static void *stress_thread(void *arg)
{
	struct stress *s = arg;
	long i;

	for (i = 0; i < s->n; i++) {
		if (s->b->ops->history_incr(s->b, s->key, s->now) == 0)
			s->ok++;
		else
			s->failed++;
	}
	return NULL;
}

static void run_stress(struct mx6_store_backend *b, long threads, long n, const char *key,
		       int64_t now, int64_t start)
{
	struct stress *s = calloc((size_t)threads, sizeof(*s));
	pthread_t *tids = calloc((size_t)threads, sizeof(*tids));
	long i, ok = 0, failed = 0;

	if (s == NULL || tids == NULL) {
		fprintf(stderr, "store-cli: out of memory\n");
		exit(1);
	}
	for (i = 0; i < threads; i++) {
		s[i].b = b;
		s[i].key = key;
		s[i].n = n;
		s[i].now = now;
		if (pthread_create(&tids[i], NULL, stress_thread, &s[i]) != 0) {
			fprintf(stderr, "store-cli: pthread_create failed\n");
			exit(1);
		}
	}
	for (i = 0; i < threads; i++) {
		pthread_join(tids[i], NULL);
		ok += s[i].ok;
		failed += s[i].failed;
	}
	printf("stress ok=%ld failed=%ld ms=%lld\n", ok, failed,
	       (long long)(now_ms() - start));
	free(s);
	free(tids);
}

static void usage(void)
{
	fprintf(stderr, "usage: store-cli [-a PASSWORD] [-d DB] HOST PORT < SCRIPT\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct mx6_store_backend *b;
	const char *password = NULL;
	char err[512], line[4096];
	unsigned db = 0;
	int opt;

	while ((opt = getopt(argc, argv, "a:d:")) != -1) {
		switch (opt) {
		case 'a':
			password = optarg;
			break;
		case 'd':
			db = (unsigned)strtoul(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2)
		usage();

	b = mx6_store_redis_open(argv[optind],
				 (unsigned)strtoul(argv[optind + 1], NULL, 10), db,
				 password, err, sizeof(err));
	if (b == NULL) {
		fprintf(stderr, "store-cli: %s\n", err);
		printf("open failed: %s\n", err);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	while (fgets(line, sizeof(line), stdin) != NULL) {
		char *cmd, *a1, *a2, *a3, *a4, *save = NULL;
		int64_t start = now_ms();
		char value[4096];
		int rc;

		line[strcspn(line, "\n")] = '\0';
		cmd = strtok_r(line, " \t", &save);
		if (cmd == NULL || cmd[0] == '#')
			continue;
		if (strcmp(cmd, "get") == 0) {
			a1 = strtok_r(NULL, " \t", &save);
			if (a1 == NULL)
				usage();
			rc = b->ops->get(b, a1, value, sizeof(value));
			if (rc == 1)
				printf("get rc=1 value=%s ms=%lld\n", value,
				       (long long)(now_ms() - start));
			else
				printf("get rc=%d ms=%lld\n", rc,
				       (long long)(now_ms() - start));
		} else if (strcmp(cmd, "put") == 0) {
			a1 = strtok_r(NULL, " \t", &save);
			a2 = strtok_r(NULL, "", &save);
			if (a1 == NULL || a2 == NULL)
				usage();
			rc = b->ops->put(b, a1, a2);
			printf("put rc=%d ms=%lld\n", rc, (long long)(now_ms() - start));
		} else if (strcmp(cmd, "putn") == 0) {
			char *big;
			long size;

			a1 = strtok_r(NULL, " \t", &save);
			a2 = strtok_r(NULL, " \t", &save);
			if (a1 == NULL || a2 == NULL || (size = atol(a2)) < 0 ||
			    (big = malloc((size_t)size + 1)) == NULL)
				usage();
			memset(big, 'x', (size_t)size);
			big[size] = '\0';
			rc = b->ops->put(b, a1, big);
			free(big);
			printf("put rc=%d ms=%lld\n", rc, (long long)(now_ms() - start));
		} else if (strcmp(cmd, "incr") == 0) {
			a1 = strtok_r(NULL, " \t", &save);
			a2 = strtok_r(NULL, " \t", &save);
			if (a1 == NULL || a2 == NULL)
				usage();
			rc = b->ops->history_incr(b, a1, strtoll(a2, NULL, 10));
			printf("incr rc=%d ms=%lld\n", rc, (long long)(now_ms() - start));
		} else if (strcmp(cmd, "scan") == 0) {
			struct entries e = {NULL, 0, 0};
			size_t i;

			a1 = strtok_r(NULL, " \t", &save);
			rc = b->ops->scan(b, a1 != NULL ? a1 : "", collect, &e);
			if (e.n > 0)
				qsort(e.lines, e.n, sizeof(*e.lines), cmp_lines);
			for (i = 0; i < e.n; i++) {
				printf("%s\n", e.lines[i]);
				free(e.lines[i]);
			}
			free(e.lines);
			printf("scan rc=%d count=%zu ms=%lld\n", rc, e.n,
			       (long long)(now_ms() - start));
		} else if (strcmp(cmd, "stress") == 0) {
			a1 = strtok_r(NULL, " \t", &save);
			a2 = strtok_r(NULL, " \t", &save);
			a3 = strtok_r(NULL, " \t", &save);
			a4 = strtok_r(NULL, " \t", &save);
			if (a1 == NULL || a2 == NULL || a3 == NULL || a4 == NULL ||
			    atol(a1) < 1)
				usage();
			run_stress(b, atol(a1), atol(a2), a3, strtoll(a4, NULL, 10),
				   start);
		} else if (strcmp(cmd, "sleep") == 0) {
			a1 = strtok_r(NULL, " \t", &save);
			if (a1 == NULL)
				usage();
			sleep_ms(atol(a1));
			printf("sleep ms=%lld\n", (long long)(now_ms() - start));
		} else if (strcmp(cmd, "signal") == 0) {
			FILE *fp;

			a1 = strtok_r(NULL, " \t", &save);
			if (a1 == NULL || (fp = fopen(a1, "w")) == NULL)
				usage();
			fclose(fp);
			printf("signal ms=%lld\n", (long long)(now_ms() - start));
		} else if (strcmp(cmd, "wait") == 0) {
			a1 = strtok_r(NULL, " \t", &save);
			if (a1 == NULL)
				usage();
			rc = -1;
			while (now_ms() - start < 60000) {
				if (access(a1, F_OK) == 0) {
					rc = 0;
					break;
				}
				sleep_ms(20);
			}
			printf("wait rc=%d ms=%lld\n", rc, (long long)(now_ms() - start));
		} else {
			fprintf(stderr, "store-cli: unknown command %s\n", cmd);
			return 2;
		}
	}
	b->ops->close(b);
	return 0;
}
