/*
 * NAME
 *	addressbook 3h
 * SUMMARY
 *	recipients' addressbooks: who they correspond with
 * SYNOPSIS
 *	#include "addressbook.h"
 * DESCRIPTION
 *	An addressbook source "dir:PATH" holds, for each local recipient, a
 *	file named after the recipient's address in lower case
 *	("PATH/bob@example.net") with one correspondent per line: an address
 *	("alice@example.org") or a whole domain ("@example.org"), '#'
 *	comments, blank lines ignored, case-insensitive; and/or a vCard file
 *	"PATH/bob@example.net.vcf" whose EMAIL properties count as addresses
 *	(vCard 3.0 and 4.0: folded lines, grouped properties such as
 *	"item1.EMAIL", parameters such as ";TYPE=work", several cards per
 *	file). A recipient address that could escape PATH ('/', a leading
 *	'.', NUL, control characters) has no addressbook.
 *
 *	mx6_addressbook_open() checks that PATH is a readable directory and
 *	returns a source whose files are read lazily, kept in a cache of at
 *	most cache_entries recipients (least recently used out) and read
 *	again when their mtime or size changes. Returns NULL with a message
 *	in err_r. mx6_addressbook_close() frees it and sets *ab NULL.
 *
 *	mx6_addressbook_contains() returns 1 when RECIPIENT's addressbook
 *	lists SENDER (the address, or its domain as "@domain"), writing the
 *	file and line of the entry into file_r/line_r (the file name only,
 *	without PATH; line 0 for a vCard match); 0 when it does not, or the
 *	recipient has no addressbook; -1 when the file exists but cannot be
 *	read. A broken vCard never matches and never fails the lookup. Safe
 *	to call from any number of threads at once.
 */
#ifndef MX6_ADDRESSBOOK_H
#define MX6_ADDRESSBOOK_H

#include <stddef.h>

struct mx6_addressbook;

struct mx6_addressbook *mx6_addressbook_open(const char *spec, unsigned cache_entries,
					     char *err_r, size_t errlen);
void mx6_addressbook_close(struct mx6_addressbook **ab);
int mx6_addressbook_contains(struct mx6_addressbook *ab, const char *recipient,
			     const char *sender, char *file_r, size_t filelen,
			     unsigned *line_r);

#endif
