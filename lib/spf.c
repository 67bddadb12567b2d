/*
 * NAME
 *	spf 3
 * SUMMARY
 *	SPF (RFC 7208) through libspf2 -- placeholder until the adapter lands
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "spf.h"

struct mx6_spf {
	struct mx6_dns *dns;
};

struct mx6_spf *mx6_spf_new(struct mx6_dns *dns, const char *receiving_host,
			    char *err_r, size_t errlen)
{
	struct mx6_spf *spf = calloc(1, sizeof(*spf));

	(void)receiving_host;
	(void)err_r;
	(void)errlen;
	if (spf != NULL)
		spf->dns = dns;
	return spf;
}

void mx6_spf_free(struct mx6_spf **spf)
{
	free(*spf);
	*spf = NULL;
}

enum mx6_auth mx6_spf_check(struct mx6_spf *spf, const struct mx6_addr *client,
			    const char *helo, const char *sender,
			    enum mx6_spf_identity identity, char *problem_r,
			    size_t problemlen)
{
	(void)spf;
	(void)client;
	(void)helo;
	(void)sender;
	(void)identity;
	if (problem_r != NULL && problemlen > 0)
		problem_r[0] = '\0';
	return MX6_AUTH_NONE;
}
