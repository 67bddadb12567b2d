/*
 * NAME
 *	dnswl 3
 * SUMMARY
 *	placeholder until the module lands; see dnswl.h
 */
#include "autoconf.h"

#include "dnswl.h"

#include <stdio.h>

int mx6_dnswl_parse(const char *spec, struct mx6_dnswl_zone *zone_r, char *err_r,
		    size_t errlen)
{
	(void)zone_r;
	snprintf(err_r, errlen, "%s: DNS whitelists are not supported yet", spec);
	return -1;
}

int mx6_dnswl_check_ip(struct mx6_dns *dns, const struct mx6_dnswl_zone *zone,
		       const struct mx6_addr *addr, char *answer_r, size_t answerlen)
{
	(void)dns;
	(void)zone;
	(void)addr;
	(void)answer_r;
	(void)answerlen;
	return 0;
}

int mx6_dnswl_check_domain(struct mx6_dns *dns, const struct mx6_dnswl_zone *zone,
			   const char *domain, char *answer_r, size_t answerlen)
{
	(void)dns;
	(void)zone;
	(void)domain;
	(void)answer_r;
	(void)answerlen;
	return 0;
}
