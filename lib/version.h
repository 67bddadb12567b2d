/*
 * NAME
 *	version 3h
 * SUMMARY
 *	versions of the libraries linked into libmx6
 * DESCRIPTION
 *	mx6_print_library_versions() writes one line per library
 *	("libunbound 1.17.1") to FP, as mx6-milter -V shows them: the
 *	version the running library reports where it can, else the one it
 *	was built against.
 */
#ifndef MX6_VERSION_H
#define MX6_VERSION_H

#include <stdio.h>

void mx6_print_library_versions(FILE *fp);

#endif
