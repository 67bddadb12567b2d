/*
 * NAME
 *	store_redis 3
 * SUMMARY
 *	placeholder until the Redis backend lands
 */
#include "autoconf.h"

#include <stdio.h>

#include "store_impl.h"

struct mx6_store_backend *mx6_store_redis_open(const char *host, unsigned port, unsigned db,
					       const char *password, char *err_r,
					       size_t errlen)
{
	(void)port;
	(void)db;
	(void)password;
	snprintf(err_r, errlen, "redis://%s: Redis stores are not supported yet", host);
	return NULL;
}
