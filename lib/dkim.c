/*
 * NAME
 *	dkim 3
 * SUMMARY
 *	DKIM verification -- placeholder until the libopendkim adapter lands
 */
#include "autoconf.h"

#include <stdlib.h>

#include "dkim.h"

struct mx6_dkim {
	struct mx6_dns *dns;
};

struct mx6_dkim_verify {
	int unused;
};

struct mx6_dkim *mx6_dkim_new(struct mx6_dns *dns, unsigned max_signatures,
			      char *err_r, size_t errlen)
{
	struct mx6_dkim *d = calloc(1, sizeof(*d));

	(void)max_signatures;
	(void)err_r;
	(void)errlen;
	if (d != NULL)
		d->dns = dns;
	return d;
}

void mx6_dkim_free(struct mx6_dkim **dkim)
{
	free(*dkim);
	*dkim = NULL;
}

struct mx6_dkim_verify *mx6_dkim_verify_new(struct mx6_dkim *dkim)
{
	(void)dkim;
	return calloc(1, sizeof(struct mx6_dkim_verify));
}

int mx6_dkim_verify_header(struct mx6_dkim_verify *v, const char *name, const char *value)
{
	(void)v;
	(void)name;
	(void)value;
	return 0;
}

int mx6_dkim_verify_eoh(struct mx6_dkim_verify *v)
{
	(void)v;
	return 0;
}

int mx6_dkim_verify_body(struct mx6_dkim_verify *v, const unsigned char *chunk, size_t len)
{
	(void)v;
	(void)chunk;
	(void)len;
	return 0;
}

size_t mx6_dkim_verify_eom(struct mx6_dkim_verify *v, struct mx6_dkim_sig *sigs, size_t max)
{
	(void)v;
	(void)sigs;
	(void)max;
	return 0;
}

void mx6_dkim_verify_free(struct mx6_dkim_verify **v)
{
	free(*v);
	*v = NULL;
}
