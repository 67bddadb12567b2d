/*
 * NAME
 *	registrar 3
 * SUMMARY
 *	registrar_greenlist: registrars by IANA ID or name
 * SYNOPSIS
 *	See registrar.h.
 * DESCRIPTION
 *	Lists are short (a few hundred registrars exist that matter), so a
 *	linear search over normalized entries is enough.
 */
#include "autoconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listfile.h"
#include "registrar.h"

#define KEY_MAX 128

struct registrar_entry {
	char key[KEY_MAX]; /* digits (an ID) or a normalized name */
	int is_id;
	unsigned line;
};

struct mx6_registrar_list {
	struct registrar_entry *entries;
	size_t n;
};

/* Letters and digits, lower case. */
static void normalize(const char *s, char *buf, size_t buflen)
{
	size_t n = 0;

	for (; *s != '\0' && n + 1 < buflen; s++)
		if (isalnum((unsigned char)*s))
			buf[n++] = (char)tolower((unsigned char)*s);
	buf[n] = '\0';
}

static int is_number(const char *s)
{
	return *s != '\0' && strspn(s, "0123456789") == strlen(s);
}

static int add_entry(void *ctx, const char *entry, unsigned line, char *err, size_t errlen)
{
	struct mx6_registrar_list *list = ctx;
	struct registrar_entry e, *grown;

	memset(&e, 0, sizeof(e));
	e.is_id = is_number(entry);
	if (e.is_id && strlen(entry) > 15) {
		snprintf(err, errlen, "IANA registrar ID '%.32s' is too long", entry);
		return -1;
	}
	normalize(entry, e.key, sizeof(e.key));
	if (e.key[0] == '\0') {
		snprintf(err, errlen, "'%.64s' is neither an IANA registrar ID nor a name", entry);
		return -1;
	}
	e.line = line;
	if ((grown = realloc(list->entries, (list->n + 1) * sizeof(*grown))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	list->entries = grown;
	list->entries[list->n++] = e;
	return 0;
}

struct mx6_registrar_list *mx6_registrar_list_load(const char *path, char *err_r,
						   size_t errlen)
{
	struct mx6_registrar_list *list = calloc(1, sizeof(*list));

	if (list == NULL) {
		snprintf(err_r, errlen, "%s: out of memory", path);
		return NULL;
	}
	if (mx6_listfile_read(path, "registrar ID or name", add_entry, list, err_r, errlen) < 0)
		mx6_registrar_list_free(&list);
	return list;
}

int mx6_registrar_list_lookup(const struct mx6_registrar_list *list, const char *id,
			      const char *name, unsigned *line_r)
{
	char key[KEY_MAX];
	size_t i;

	normalize(name != NULL ? name : "", key, sizeof(key));
	for (i = 0; i < list->n; i++) {
		const struct registrar_entry *e = &list->entries[i];

		if (e->is_id ? id != NULL && *id != '\0' && strcmp(e->key, id) == 0
			     : key[0] != '\0' && strcmp(e->key, key) == 0) {
			*line_r = e->line;
			return 1;
		}
	}
	return 0;
}

size_t mx6_registrar_list_count(const struct mx6_registrar_list *list)
{
	return list != NULL ? list->n : 0;
}

void mx6_registrar_list_free(struct mx6_registrar_list **list)
{
	if (*list == NULL)
		return;
	free((*list)->entries);
	free(*list);
	*list = NULL;
}
