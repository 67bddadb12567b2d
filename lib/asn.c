/*
 * NAME
 *	asn 3
 * SUMMARY
 *	placeholder until the module lands; see asn.h
 */
#include "autoconf.h"

#include "asn.h"

#include <stdio.h>

struct mx6_asn_db *mx6_asn_db_open(const char *path, char *err_r, size_t errlen)
{
	snprintf(err_r, errlen, "%s: ASN databases are not supported yet", path);
	return NULL;
}

void mx6_asn_db_close(struct mx6_asn_db **db)
{
	*db = NULL;
}

int mx6_asn_lookup(const struct mx6_asn_db *db, const struct mx6_addr *addr, uint32_t *asn_r)
{
	(void)db;
	(void)addr;
	(void)asn_r;
	return 0;
}

struct mx6_asnlist *mx6_asnlist_load(const char *path, char *err_r, size_t errlen)
{
	snprintf(err_r, errlen, "%s: AS lists are not supported yet", path);
	return NULL;
}

void mx6_asnlist_free(struct mx6_asnlist **list)
{
	*list = NULL;
}

int mx6_asnlist_lookup(const struct mx6_asnlist *list, uint32_t asn, unsigned *line_r)
{
	(void)list;
	(void)asn;
	(void)line_r;
	return 0;
}

size_t mx6_asnlist_count(const struct mx6_asnlist *list)
{
	(void)list;
	return 0;
}
