/*
 * NAME
 *	store_lmdb 3
 * SUMMARY
 *	placeholder until the LMDB backend lands
 */
#include "autoconf.h"

#include <stdio.h>

#include "store_impl.h"

struct mx6_store_backend *mx6_store_lmdb_open(const char *path, char *err_r, size_t errlen)
{
	snprintf(err_r, errlen, "lmdb:%s: LMDB stores are not supported yet", path);
	return NULL;
}
