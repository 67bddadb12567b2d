/*
 * NAME
 *	addressbook 3
 * SUMMARY
 *	placeholder until the module lands; see addressbook.h
 */
#include "autoconf.h"

#include "addressbook.h"

#include <stdio.h>

struct mx6_addressbook *mx6_addressbook_open(const char *spec, unsigned cache_entries,
					     char *err_r, size_t errlen)
{
	(void)cache_entries;
	snprintf(err_r, errlen, "%s: addressbooks are not supported yet", spec);
	return NULL;
}

void mx6_addressbook_close(struct mx6_addressbook **ab)
{
	*ab = NULL;
}

int mx6_addressbook_contains(struct mx6_addressbook *ab, const char *recipient,
			     const char *sender, char *file_r, size_t filelen,
			     unsigned *line_r)
{
	(void)ab;
	(void)recipient;
	(void)sender;
	(void)file_r;
	(void)filelen;
	(void)line_r;
	return 0;
}
