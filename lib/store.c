/*
 * NAME
 *	store 3
 * SUMMARY
 *	placeholder until the store lands; see store.h
 */
#include "autoconf.h"

#include <stdio.h>

#include "store.h"

struct mx6_store *mx6_store_open(const char *url, char *err_r, size_t errlen)
{
	snprintf(err_r, errlen, "%s: state stores are not supported yet", url);
	return NULL;
}

void mx6_store_close(struct mx6_store **store)
{
	*store = NULL;
}

const char *mx6_store_url(const struct mx6_store *store)
{
	(void)store;
	return "";
}

int mx6_store_history_add(struct mx6_store *store, const char *domain, int64_t now)
{
	(void)store;
	(void)domain;
	(void)now;
	return -1;
}

int mx6_store_history_get(struct mx6_store *store, const char *domain, int64_t now,
			  int64_t max_age, struct mx6_history *h)
{
	(void)store;
	(void)domain;
	(void)now;
	(void)max_age;
	(void)h;
	return -1;
}

int mx6_store_addressbook_add(struct mx6_store *store, const char *user,
			      const char *correspondent, int64_t now)
{
	(void)store;
	(void)user;
	(void)correspondent;
	(void)now;
	return -1;
}

int mx6_store_addressbook_has(struct mx6_store *store, const char *user,
			      const char *correspondent, int64_t now, int64_t max_age)
{
	(void)store;
	(void)user;
	(void)correspondent;
	(void)now;
	(void)max_age;
	return -1;
}

int mx6_store_addressbook_list(struct mx6_store *store, const char *user,
			       mx6_store_entry_fn fn, void *ctx)
{
	(void)store;
	(void)user;
	(void)fn;
	(void)ctx;
	return -1;
}

long mx6_store_export(struct mx6_store *store, FILE *fp)
{
	(void)store;
	(void)fp;
	return -1;
}

long mx6_store_import(struct mx6_store *store, FILE *fp, char *err_r, size_t errlen)
{
	(void)store;
	(void)fp;
	snprintf(err_r, errlen, "not supported yet");
	return -1;
}
