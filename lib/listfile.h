/*
 * NAME
 *	listfile 3h
 * SUMMARY
 *	the line format shared by every list file
 * SYNOPSIS
 *	#include "listfile.h"
 * DESCRIPTION
 *	mx6_listfile_read() reads PATH: one entry per line, '#' starts a
 *	comment, white space around an entry and blank lines are ignored.
 *	Each entry goes to ADD with its line number; ADD returns 0, or -1
 *	with a message in its err buffer. An entry with white space inside is
 *	an error ("one WHAT per line"). Returns 0, or -1 with
 *	"PATH:LINE: message" (or "PATH: message") in err_r at the first
 *	error.
 */
#ifndef MX6_LISTFILE_H
#define MX6_LISTFILE_H

#include <stddef.h>

typedef int (*mx6_listfile_add_fn)(void *ctx, const char *entry, unsigned line,
				   char *err, size_t errlen);

int mx6_listfile_read(const char *path, const char *what, mx6_listfile_add_fn add,
		      void *ctx, char *err_r, size_t errlen);

#endif
