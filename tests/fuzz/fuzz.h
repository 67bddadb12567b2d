/*
 * NAME
 *	fuzz 3h
 * SUMMARY
 *	helpers shared by the libFuzzer targets under tests/fuzz/
 * DESCRIPTION
 *	fuzz_dir() returns a private scratch directory (created once per
 *	process under $TMPDIR or /tmp, removed at exit with its files).
 *	fuzz_put() writes LEN bytes to NAME in that directory and returns the
 *	full path (static buffer, valid until the next call).
 *	fuzz_strndup() returns a NUL-terminated copy of the input; the caller
 *	frees it. fuzz_split() cuts TEXT in place at the first line "----"
 *	and returns what follows, or "" when there is none.
 *	fuzz_quiet() silences the log ladder so that the fuzzer's own output
 *	stays readable and fast.
 */
#ifndef MX6_FUZZ_H
#define MX6_FUZZ_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char fuzz_dir_path[256];

static inline void fuzz_cleanup(void)
{
	DIR *d;
	struct dirent *e;
	char p[512];

	if (fuzz_dir_path[0] == 0 || (d = opendir(fuzz_dir_path)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", fuzz_dir_path, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(fuzz_dir_path);
}

static inline const char *fuzz_dir(void)
{
	if (fuzz_dir_path[0] == 0) {
		const char *tmp = getenv("TMPDIR");

		snprintf(fuzz_dir_path, sizeof(fuzz_dir_path), "%s/mx6-fuzz.XXXXXX",
			 tmp != NULL && *tmp != 0 ? tmp : "/tmp");
		if (mkdtemp(fuzz_dir_path) == NULL) {
			perror("mkdtemp");
			abort();
		}
		atexit(fuzz_cleanup);
	}
	return fuzz_dir_path;
}

static inline const char *fuzz_put(const char *name, const void *data, size_t len)
{
	static char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", fuzz_dir(), name);
	if ((fp = fopen(path, "w")) == NULL) {
		perror(path);
		abort();
	}
	if (len > 0 && fwrite(data, 1, len, fp) != len)
		abort();
	if (fclose(fp) != 0)
		abort();
	return path;
}

static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = 0;
	return s;
}

static inline char *fuzz_split(char *text)
{
	char *p = text;

	for (;;) {
		if (strncmp(p, "----\n", 5) == 0) {
			*p = 0;
			return p + 5;
		}
		if ((p = strchr(p, '\n')) == NULL)
			return text + strlen(text);
		p++;
	}
}

static inline void fuzz_quiet(void)
{
	mx6_log_open("mx6-fuzz", 0, 0, 0);
}

static inline void fuzz_ignore_report(void *ctx, const char *message)
{
	(void)ctx;
	/* Touch every byte: a report must be a proper string. */
	if (strlen(message) == (size_t)-1)
		abort();
}
#endif
