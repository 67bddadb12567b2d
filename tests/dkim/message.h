/*
 * NAME
 *	message 3h
 * SUMMARY
 *	read a test message file into header fields and body
 * SYNOPSIS
 *	#include "message.h"
 * DESCRIPTION
 *	test_message_read() reads PATH ("-" for stdin), with LF or CRLF line
 *	ends, and splits it: each header field (continuation lines included,
 *	joined with LF, no final line end) and the body (the bytes after the
 *	empty line, unchanged). Returns 0, or -1 with a message on stderr.
 *	test_message_free() releases it.
 *
 *	test_message_crlf() returns a copy of LEN bytes at TEXT with every
 *	bare LF made CRLF (length in len_r; caller frees), or NULL.
 */
#ifndef TEST_MESSAGE_H
#define TEST_MESSAGE_H

#include <stddef.h>

struct test_message {
	char *data;
	size_t len;
	char **fields; /* "Name: value\n\tmore" */
	size_t nfields;
	const char *body;
	size_t body_len;
};

int test_message_read(const char *path, struct test_message *m);
void test_message_free(struct test_message *m);
char *test_message_crlf(const char *text, size_t len, size_t *len_r);

#endif
