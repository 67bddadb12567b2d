/*
 * NAME
 *	message 3
 * SUMMARY
 *	read a test message file into header fields and body
 * SYNOPSIS
 *	See message.h.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"

static char *read_all(const char *path, size_t *len_r)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t cap = 8192, len = 0, n;
	char *buf;

	if (fp == NULL) {
		perror(path);
		return NULL;
	}
	if ((buf = malloc(cap + 1)) == NULL)
		return NULL;
	while ((n = fread(buf + len, 1, cap - len, fp)) > 0) {
		len += n;
		if (len == cap) {
			char *nb = realloc(buf, 2 * cap + 1);

			if (nb == NULL) {
				free(buf);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
	}
	if (fp != stdin)
		fclose(fp);
	buf[len] = '\0';
	*len_r = len;
	return buf;
}

int test_message_read(const char *path, struct test_message *m)
{
	char *p, *end, *line_end, *field = NULL;
	size_t cap = 0;

	memset(m, 0, sizeof(*m));
	if ((m->data = read_all(path, &m->len)) == NULL)
		return -1;
	p = m->data;
	end = m->data + m->len;
	m->body = end;
	while (p < end) {
		char *next;
		size_t l;

		line_end = memchr(p, '\n', (size_t)(end - p));
		next = line_end != NULL ? line_end + 1 : end;
		if (line_end == NULL)
			line_end = end;
		l = (size_t)(line_end - p);
		if (l > 0 && p[l - 1] == '\r')
			l--;
		if (l == 0) { /* the empty line */
			m->body = next;
			break;
		}
		if ((*p == ' ' || *p == '\t') && field != NULL) {
			size_t fl = strlen(field);
			char *nf = realloc(field, fl + 1 + l + 1);

			if (nf == NULL)
				return -1;
			field = nf;
			field[fl] = '\n';
			memcpy(field + fl + 1, p, l);
			field[fl + 1 + l] = '\0';
		} else {
			if (field != NULL) {
				m->fields[m->nfields++] = field;
				field = NULL;
			}
			if (m->nfields + 1 >= cap) {
				char **nfs =
					realloc(m->fields, (cap = cap ? cap * 2 : 64) *
								   sizeof(char *));

				if (nfs == NULL)
					return -1;
				m->fields = nfs;
			}
			if ((field = malloc(l + 1)) == NULL)
				return -1;
			memcpy(field, p, l);
			field[l] = '\0';
		}
		p = next;
	}
	if (field != NULL) {
		if (m->fields == NULL && (m->fields = malloc(sizeof(char *))) == NULL)
			return -1;
		m->fields[m->nfields++] = field;
	}
	m->body_len = (size_t)(end - m->body);
	return 0;
}

void test_message_free(struct test_message *m)
{
	size_t i;

	for (i = 0; i < m->nfields; i++)
		free(m->fields[i]);
	free(m->fields);
	free(m->data);
	memset(m, 0, sizeof(*m));
}

char *test_message_crlf(const char *text, size_t len, size_t *len_r)
{
	char *out = malloc(2 * len + 1);
	size_t i, o = 0;

	if (out == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r'))
			out[o++] = '\r';
		out[o++] = text[i];
	}
	out[o] = '\0';
	*len_r = o;
	return out;
}
