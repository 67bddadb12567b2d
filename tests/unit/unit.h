/*
 * NAME
 *	unit 3h
 * SUMMARY
 *	helpers shared by the libcheck unit tests
 * DESCRIPTION
 *	unit_main() runs a suite with CK_NORMAL output inside a private
 *	scratch directory (under $TMPDIR, else /tmp) that it removes
 *	afterwards, and returns the program's exit status: 0 when every test
 *	passed, 1 otherwise.
 *
 *	unit_scratch() is that directory, as an absolute path with symbolic
 *	links resolved, so that expected messages can spell paths exactly as
 *	the library does after realpath(3).
 *
 *	unit_mkdir() creates a fresh, empty directory inside the scratch
 *	directory and returns its path (malloc'd). unit_write() writes TEXT
 *	to DIR/NAME and returns the path (malloc'd); unit_put() does the
 *	same when the path is not needed. unit_write_temp()
 *	writes TEXT to a new file (mkstemp) in the scratch directory.
 *
 *	unit_source_file() finds a file of the source tree given its path
 *	from the top (for example "man/milter.conf.5"). Automake exports
 *	srcdir to tests; in this non-recursive build that is the top source
 *	directory, but the test also works when started from tests/unit
 *	with srcdir pointing there. Returns a malloc'd path, or NULL.
 *
 *	unit_read() returns the contents of a file (malloc'd), or NULL.
 */
#ifndef MX6_UNIT_H
#define MX6_UNIT_H

#include <check.h>

int unit_main(Suite *suite);
const char *unit_scratch(void);
char *unit_mkdir(void);
char *unit_write(const char *dir, const char *name, const char *text);
void unit_put(const char *dir, const char *name, const char *text);
char *unit_write_temp(const char *text);
char *unit_source_file(const char *from_top);
char *unit_read(const char *path);
char *unit_strdupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
