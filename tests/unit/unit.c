/*
 * NAME
 *	unit 3
 * SUMMARY
 *	helpers shared by the libcheck unit tests
 * SYNOPSIS
 *	See unit.h.
 */
#include "autoconf.h"

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"

/* Set before the tests fork, so every test sees it. */
static char scratch[PATH_MAX];

const char *unit_scratch(void)
{
	return scratch;
}

char *unit_strdupf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	ck_assert_msg(n >= 0, "out of memory");
	return s;
}

char *unit_mkdir(void)
{
	char *dir = unit_strdupf("%s/dir.XXXXXX", scratch);

	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp %s failed", dir);
	return dir;
}

static void write_all(int fd, const char *path, const char *text)
{
	size_t len = strlen(text), off = 0;

	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		ck_assert_msg(n > 0, "cannot write %s", path);
		off += (size_t)n;
	}
	ck_assert_msg(close(fd) == 0, "cannot close %s", path);
}

char *unit_write(const char *dir, const char *name, const char *text)
{
	char *path = unit_strdupf("%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	ck_assert_msg(fd >= 0, "cannot create %s", path);
	write_all(fd, path, text);
	return path;
}

void unit_put(const char *dir, const char *name, const char *text)
{
	free(unit_write(dir, name, text));
}

char *unit_write_temp(const char *text)
{
	char *path = unit_strdupf("%s/file.XXXXXX", scratch);
	int fd = mkstemp(path);

	ck_assert_msg(fd >= 0, "mkstemp %s failed", path);
	write_all(fd, path, text);
	return path;
}

char *unit_read(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	long size;

	if (fp == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (size = ftell(fp)) >= 0 &&
	    fseek(fp, 0, SEEK_SET) == 0 && (buf = malloc((size_t)size + 1)) != NULL) {
		len = fread(buf, 1, (size_t)size, fp);
		buf[len] = '\0';
	}
	fclose(fp);
	return buf;
}

char *unit_source_file(const char *from_top)
{
	const char *srcdir = getenv("srcdir");
	/* The top source directory, or tests/unit inside it. */
	const char *const up[] = {"", "../../"};
	size_t i;

	if (srcdir == NULL || *srcdir == '\0')
		srcdir = ".";
	for (i = 0; i < sizeof(up) / sizeof(up[0]); i++) {
		char *path = unit_strdupf("%s/%s%s", srcdir, up[i], from_top);

		if (access(path, R_OK) == 0)
			return path;
		free(path);
	}
	return NULL;
}

static int remove_entry(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

int unit_main(Suite *suite)
{
	const char *tmp = getenv("TMPDIR");
	char template[PATH_MAX];
	SRunner *runner;
	int failed;

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(template, sizeof(template), "%s/mx6-unit.XXXXXX", tmp);
	if (mkdtemp(template) == NULL || realpath(template, scratch) == NULL) {
		perror(template);
		return 1;
	}
	runner = srunner_create(suite);
	srunner_run_all(runner, CK_NORMAL);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	nftw(scratch, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return failed == 0 ? 0 : 1;
}
