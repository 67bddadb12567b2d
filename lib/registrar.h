/*
 * NAME
 *	registrar 3h
 * SUMMARY
 *	registrar_greenlist: registrars by IANA ID or name
 * SYNOPSIS
 *	#include "registrar.h"
 * DESCRIPTION
 *	mx6_registrar_list_load() reads PATH in the list format of
 *	listfile(3): each entry is an IANA Registrar ID (digits, "292") or
 *	a registrar name. A name cannot hold white space in a list file, so
 *	names are compared ignoring case and everything but letters and
 *	digits: "MarkMonitor_Inc." matches "MarkMonitor Inc.". Returns the
 *	list, or NULL with "PATH:LINE: message" in err_r.
 *
 *	mx6_registrar_list_lookup() returns 1 and the line of the first
 *	entry matching ID (when not "") or NAME (when not ""), else 0.
 *	mx6_registrar_list_free() frees the list and sets *list NULL.
 */
#ifndef MX6_REGISTRAR_H
#define MX6_REGISTRAR_H

#include <stddef.h>

struct mx6_registrar_list;

struct mx6_registrar_list *mx6_registrar_list_load(const char *path, char *err_r,
						   size_t errlen);
int mx6_registrar_list_lookup(const struct mx6_registrar_list *list, const char *id,
			      const char *name, unsigned *line_r);
size_t mx6_registrar_list_count(const struct mx6_registrar_list *list);
void mx6_registrar_list_free(struct mx6_registrar_list **list);

#endif
