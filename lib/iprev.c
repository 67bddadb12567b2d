/*
 * NAME
 *	iprev 3
 * SUMMARY
 *	forward-confirmed reverse DNS (RFC 8601 3)
 * SYNOPSIS
 *	See iprev.h.
 * DESCRIPTION
 *	The number of PTR names examined is bounded (a hostile reverse zone
 *	can return hundreds), and a temporary failure is only reported when
 *	it may have hidden a pass.
 */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>

#include "iprev.h"
#include "util.h"

char *mx6_reverse_name(const struct mx6_addr *addr, char *buf, size_t buflen)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	int i;

	if (mx6_addr_is_ipv4(addr)) {
		snprintf(buf, buflen, "%u.%u.%u.%u.in-addr.arpa", addr->bytes[15],
			 addr->bytes[14], addr->bytes[13], addr->bytes[12]);
		return buf;
	}
	for (i = 15; i >= 0 && o + 4 < buflen; i--) {
		buf[o++] = hex[addr->bytes[i] & 15];
		buf[o++] = '.';
		buf[o++] = hex[addr->bytes[i] >> 4];
		buf[o++] = '.';
	}
	buf[o] = '\0';
	mx6_strlcpy(buf + o, "ip6.arpa", buflen - o);
	return buf;
}

/* 1: NAME has an address equal to CLIENT; 0: it has not; -1: temporary error. */
static int confirms(struct mx6_dns *dns, const char *name, const struct mx6_addr *client)
{
	int v4 = mx6_addr_is_ipv4(client);
	const unsigned char *want = v4 ? client->bytes + 12 : client->bytes;
	int wantlen = v4 ? 4 : 16, found = 0;
	struct mx6_dns_result r;
	unsigned i;

	switch (mx6_dns_lookup(dns, name, v4 ? MX6_RR_A : MX6_RR_AAAA, &r)) {
	case MX6_DNS_TEMPFAIL:
		return -1;
	case MX6_DNS_NXDOMAIN:
	case MX6_DNS_NODATA:
		return 0;
	case MX6_DNS_OK:
		break;
	}
	for (i = 0; i < r.count && !found; i++)
		found = r.rrlen[i] == wantlen && memcmp(r.rr[i], want, (size_t)wantlen) == 0;
	mx6_dns_result_free(&r);
	return found;
}

enum mx6_auth mx6_iprev_check(struct mx6_dns *dns, const struct mx6_addr *client,
			      unsigned max_names, char *name_r, size_t namelen)
{
	struct mx6_dns_result r;
	char rev[80], name[256];
	int temporary = 0;
	unsigned i;

	if (namelen > 0)
		name_r[0] = '\0';
	mx6_reverse_name(client, rev, sizeof(rev));
	switch (mx6_dns_lookup(dns, rev, MX6_RR_PTR, &r)) {
	case MX6_DNS_TEMPFAIL:
		return MX6_AUTH_TEMPERROR;
	case MX6_DNS_NXDOMAIN:
	case MX6_DNS_NODATA:
		return MX6_AUTH_FAIL;
	case MX6_DNS_OK:
		break;
	}
	for (i = 0; i < r.count && i < max_names; i++) {
		int c;

		if (mx6_dns_name_from_wire(r.rr[i], r.rrlen[i], name, sizeof(name)) < 0)
			continue;
		c = confirms(dns, name, client);
		if (c > 0) {
			mx6_strlcpy(name_r, name, namelen);
			mx6_dns_result_free(&r);
			return MX6_AUTH_PASS;
		}
		if (c < 0)
			temporary = 1;
	}
	mx6_dns_result_free(&r);
	return temporary ? MX6_AUTH_TEMPERROR : MX6_AUTH_FAIL;
}
