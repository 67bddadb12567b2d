/*
 * NAME
 *	util 3h
 * SUMMARY
 *	small string helpers shared by the parsers
 * DESCRIPTION
 *	mx6_strlcpy() copies at most size-1 bytes and always terminates;
 *	returns strlen(src) like BSD strlcpy.
 *	mx6_trim() strips leading and trailing white space in place and
 *	returns a pointer into the same buffer.
 *	mx6_printable() copies SRC into DST replacing every byte that is not
 *	printable ASCII with '?', truncating to dstlen-1; returns dst. Used
 *	for everything from message data that reaches a log or reply line.
 *	mx6_strcaseeq() compares ASCII case-insensitively; NULL equals only
 *	NULL.
 *	mx6_json_string() writes S to FP as a JSON string (quotes, escapes,
 *	every byte outside printable ASCII as \u00XX); NULL is "".
 */
#ifndef MX6_UTIL_H
#define MX6_UTIL_H

#include <stddef.h>
#include <stdio.h>

size_t mx6_strlcpy(char *dst, const char *src, size_t size);
char *mx6_trim(char *s);
char *mx6_printable(char *dst, size_t dstlen, const char *src);
int mx6_strcaseeq(const char *a, const char *b);
void mx6_json_string(FILE *fp, const char *s);

#endif
