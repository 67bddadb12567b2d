/*
 * NAME
 *	listfile 3
 * SUMMARY
 *	the line format shared by every list file
 * SYNOPSIS
 *	See listfile.h.
 */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listfile.h"
#include "util.h"

int mx6_listfile_read(const char *path, const char *what, mx6_listfile_add_fn add,
		      void *ctx, char *err_r, size_t errlen)
{
	FILE *fp;
	char *buf = NULL, msg[512];
	size_t bufsize = 0;
	unsigned lineno = 0;
	int rc = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err_r, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && getline(&buf, &bufsize, fp) != -1) {
		char *p, *hash;

		lineno++;
		if ((hash = strchr(buf, '#')) != NULL)
			*hash = '\0';
		p = mx6_trim(buf);
		if (*p == '\0')
			continue;
		if (strpbrk(p, " \t") != NULL) {
			snprintf(err_r, errlen, "%s:%u: one %s per line: '%s'", path, lineno, what, p);
			rc = -1;
		} else if (add(ctx, p, lineno, msg, sizeof(msg)) < 0) {
			snprintf(err_r, errlen, "%s:%u: %s", path, lineno, msg);
			rc = -1;
		}
	}
	if (rc == 0 && ferror(fp)) {
		snprintf(err_r, errlen, "%s: read error: %s", path, strerror(errno));
		rc = -1;
	}
	free(buf);
	fclose(fp);
	return rc;
}
