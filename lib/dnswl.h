/*
 * NAME
 *	dnswl 3h
 * SUMMARY
 *	DNS whitelists for client addresses and authenticated domains
 * SYNOPSIS
 *	#include "dnswl.h"
 * DESCRIPTION
 *	mx6_dnswl_parse() parses a list specification as in Postfix's
 *	reject_rbl_client and rspamd: "ZONE", or "ZONE=PATTERN" where PATTERN
 *	is a dotted quad whose each octet is a number, "[a..b]" (a range) or
 *	"[a;b;c]" (a set), e.g. "list.dnswl.example=127.0.[0..255].[1..3]".
 *	Without a pattern any answer in 127.0.0.0/8 counts. Returns 0, or -1
 *	with a message in err_r. The parsed zone owns no heap memory.
 *
 *	mx6_dnswl_check_ip() asks ZONE about ADDR: the reversed nibbles of an
 *	IPv6 address (RFC 5782 2.4) or the reversed octets of an IPv4(-mapped)
 *	one, then ZONE; mx6_dnswl_check_domain() asks DOMAIN.ZONE (RFC 5782
 *	2.2). Both return 1 when an A record of the answer matches the
 *	pattern (the first matching answer is written to answer_r as a dotted
 *	quad), 0 when the name does not exist or no answer matches, -1 on a
 *	temporary DNS error. Thread-safe.
 */
#ifndef MX6_DNSWL_H
#define MX6_DNSWL_H

#include <stddef.h>
#include <stdint.h>

#include "dns.h"
#include "iplist.h"

struct mx6_dnswl_octet {
	uint8_t allowed[32]; /* bitmap of the 256 values */
};

struct mx6_dnswl_zone {
	char zone[256];
	char spec[320]; /* as written, for logs and sources */
	struct mx6_dnswl_octet octet[4];
};

int mx6_dnswl_parse(const char *spec, struct mx6_dnswl_zone *zone_r, char *err_r,
		    size_t errlen);
int mx6_dnswl_check_ip(struct mx6_dns *dns, const struct mx6_dnswl_zone *zone,
		       const struct mx6_addr *addr, char *answer_r, size_t answerlen);
int mx6_dnswl_check_domain(struct mx6_dns *dns, const struct mx6_dnswl_zone *zone,
			   const char *domain, char *answer_r, size_t answerlen);

#endif
