/*
 * NAME
 *	dnswl 3
 * SUMMARY
 *	DNS whitelists for client addresses and authenticated domains
 * SYNOPSIS
 *	See dnswl.h.
 * DESCRIPTION
 *	Pattern syntax. Each of the four octets of a pattern is one of
 *	  N          a decimal number 0..255;
 *	  [ELEM;...] a set of one or more elements separated by ';', where an
 *	             element is a number N or an inclusive range N..M (N <= M),
 *	             so "[1..3]", "[2;4;8]" and "[1;3..5;9]" are all accepted.
 *	No white space, signs, wildcards or CIDR notation. The zone must be a
 *	valid domain name (a trailing dot is dropped) and leave room for the
 *	64 bytes of an IPv6 query's reversed nibbles: a longer zone could
 *	never be asked about an IPv6 client, the only kind this milter
 *	decides for, so it is a configuration error rather than a list that
 *	silently never matches.
 *
 *	Only A records of exactly 4 bytes count; whatever else an answer
 *	holds is ignored.
 * DIAGNOSTICS
 *	mx6_dnswl_parse() messages start with "DNSWL 'SPEC': " and name the
 *	offending part: invalid zone, zone too long, empty pattern, a pattern
 *	without four octets, an empty octet, an invalid octet, a number out of
 *	range 0..255, a range that runs backwards, an empty set.
 */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>

#include "dnswl.h"
#include "domainset.h"
#include "iprev.h"
#include "util.h"

#define MAX_NAME 253
/* "f.e.d. ... .0." : 32 nibbles, each with its dot */
#define IPV6_QUERY_PREFIX 64
#define MAX_ZONE	  (MAX_NAME - IPV6_QUERY_PREFIX)

static void octet_allow(struct mx6_dnswl_octet *octet, unsigned lo, unsigned hi)
{
	unsigned v;

	for (v = lo; v <= hi; v++)
		octet->allowed[v >> 3] |= (uint8_t)(1u << (v & 7));
}

static int octet_allows(const struct mx6_dnswl_octet *octet, unsigned v)
{
	return (octet->allowed[v >> 3] >> (v & 7)) & 1;
}

/*
 * Parses the decimal number at *p (advancing it) into *value_r. Returns 0,
 * -1 if there is no digit, -2 if the number exceeds 255.
 */
static int parse_number(const char **p, unsigned *value_r)
{
	const char *s = *p;
	unsigned v = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++)
		if (v <= 255)
			v = v * 10 + (unsigned)(*s - '0');
	*p = s;
	*value_r = v;
	return v > 255 ? -2 : 0;
}

/* The diagnostic for parse_number()'s STATUS about the number at START. */
static void number_error(int status, const char *spec, const char *start,
			 const char *octet, size_t octetlen, char *err_r, size_t errlen)
{
	if (status == -2)
		snprintf(err_r, errlen, "DNSWL '%s': %.*s is out of range 0..255", spec,
			 (int)strspn(start, "0123456789"), start);
	else
		snprintf(err_r, errlen, "DNSWL '%s': invalid octet '%.*s'", spec,
			 (int)octetlen, octet);
}

/* Parses one octet, the LEN bytes at TEXT, into OCTET (all clear). */
static int parse_octet(const char *spec, const char *text, size_t len,
		       struct mx6_dnswl_octet *octet, char *err_r, size_t errlen)
{
	const char *p = text, *end = text + len, *start;
	unsigned lo, hi;
	int status;

	if (len == 0) {
		snprintf(err_r, errlen, "DNSWL '%s': empty octet", spec);
		return -1;
	}
	if (*p != '[') {
		start = p;
		status = parse_number(&p, &lo);
		if (status == 0 && p != end)
			status = -1;
		if (status < 0) {
			number_error(status, spec, start, text, len, err_r, errlen);
			return -1;
		}
		octet_allow(octet, lo, lo);
		return 0;
	}
	if (len == 2 && p[1] == ']') {
		snprintf(err_r, errlen, "DNSWL '%s': empty set '[]'", spec);
		return -1;
	}
	p++;
	for (;;) {
		start = p;
		status = parse_number(&p, &lo);
		hi = lo;
		if (status == 0 && p + 1 < end && p[0] == '.' && p[1] == '.') {
			p += 2;
			start = p;
			status = parse_number(&p, &hi);
		}
		if (status == 0 && p >= end)
			status = -1;
		if (status < 0) {
			number_error(status, spec, start, text, len, err_r, errlen);
			return -1;
		}
		if (lo > hi) {
			snprintf(err_r, errlen, "DNSWL '%s': range %u..%u runs backwards",
				 spec, lo, hi);
			return -1;
		}
		octet_allow(octet, lo, hi);
		if (*p == ']' && p + 1 == end)
			return 0;
		if (*p != ';') {
			number_error(-1, spec, p, text, len, err_r, errlen);
			return -1;
		}
		p++;
	}
}

/*
 * Parses PATTERN into zone->octet. An octet ends at the next '.' outside
 * brackets (a range's ".." lies inside them).
 */
static int parse_pattern(const char *spec, const char *pattern,
			 struct mx6_dnswl_zone *zone, char *err_r, size_t errlen)
{
	const char *p = pattern, *end;
	int i;

	if (*p == '\0') {
		snprintf(err_r, errlen, "DNSWL '%s': empty pattern", spec);
		return -1;
	}
	for (i = 0; i < 4; i++) {
		if (i > 0) {
			if (*p != '.')
				break;
			p++;
		}
		end = p;
		if (*end == '[') {
			end = strchr(p, ']');
			end = end != NULL ? end + 1 : p + strlen(p);
		}
		end += strcspn(end, ".");
		if (parse_octet(spec, p, (size_t)(end - p), &zone->octet[i], err_r,
				errlen) < 0)
			return -1;
		p = end;
	}
	if (i < 4 || *p != '\0') {
		snprintf(err_r, errlen, "DNSWL '%s': pattern needs four octets", spec);
		return -1;
	}
	return 0;
}

int mx6_dnswl_parse(const char *spec, struct mx6_dnswl_zone *zone_r, char *err_r,
		    size_t errlen)
{
	const char *eq = strchr(spec, '=');
	size_t zonelen = eq != NULL ? (size_t)(eq - spec) : strlen(spec);

	memset(zone_r, 0, sizeof(*zone_r));
	if (*spec == '\0') {
		snprintf(err_r, errlen, "empty DNSWL specification");
		return -1;
	}
	if (strlen(spec) >= sizeof(zone_r->spec)) {
		snprintf(err_r, errlen, "DNSWL specification longer than %zu bytes",
			 sizeof(zone_r->spec) - 1);
		return -1;
	}
	mx6_strlcpy(zone_r->spec, spec, sizeof(zone_r->spec));
	if (zonelen >= sizeof(zone_r->zone)) {
		snprintf(err_r, errlen, "DNSWL '%s': invalid zone '%.*s'", spec,
			 (int)zonelen, spec);
		return -1;
	}
	memcpy(zone_r->zone, spec, zonelen);
	zone_r->zone[zonelen] = '\0';
	if (!mx6_domain_valid(zone_r->zone)) {
		snprintf(err_r, errlen, "DNSWL '%s': invalid zone '%s'", spec,
			 zone_r->zone);
		return -1;
	}
	if (zone_r->zone[zonelen - 1] == '.')
		zone_r->zone[--zonelen] = '\0';
	if (zonelen > MAX_ZONE) {
		snprintf(err_r, errlen,
			 "DNSWL '%s': zone longer than %d bytes leaves no room for IPv6 "
			 "queries",
			 spec, MAX_ZONE);
		return -1;
	}
	if (eq == NULL) {
		octet_allow(&zone_r->octet[0], 127, 127);
		octet_allow(&zone_r->octet[1], 0, 255);
		octet_allow(&zone_r->octet[2], 0, 255);
		octet_allow(&zone_r->octet[3], 0, 255);
		return 0;
	}
	return parse_pattern(spec, eq + 1, zone_r, err_r, errlen);
}

/* Asks NAME/A and matches each answer against ZONE's pattern. */
static int lookup(struct mx6_dns *dns, const struct mx6_dnswl_zone *zone,
		  const char *name, char *answer_r, size_t answerlen)
{
	struct mx6_dns_result r;
	const unsigned char *a;
	unsigned i;
	int k;

	switch (mx6_dns_lookup(dns, name, MX6_RR_A, &r)) {
	case MX6_DNS_TEMPFAIL:
		return -1;
	case MX6_DNS_NXDOMAIN:
	case MX6_DNS_NODATA:
		return 0;
	case MX6_DNS_OK:
		break;
	}
	for (i = 0; i < r.count; i++) {
		if (r.rrlen[i] != 4)
			continue;
		a = (const unsigned char *)r.rr[i];
		for (k = 0; k < 4 && octet_allows(&zone->octet[k], a[k]); k++)
			;
		if (k == 4) {
			if (answerlen > 0)
				snprintf(answer_r, answerlen, "%u.%u.%u.%u", a[0], a[1],
					 a[2], a[3]);
			mx6_dns_result_free(&r);
			return 1;
		}
	}
	mx6_dns_result_free(&r);
	return 0;
}

int mx6_dnswl_check_ip(struct mx6_dns *dns, const struct mx6_dnswl_zone *zone,
		       const struct mx6_addr *addr, char *answer_r, size_t answerlen)
{
	/* the reversed part, then the zone in place of ip6.arpa / in-addr.arpa */
	char name[IPV6_QUERY_PREFIX + sizeof(zone->zone)];
	size_t len;

	if (answerlen > 0)
		answer_r[0] = '\0';
	mx6_reverse_name(addr, name, sizeof(name));
	len = strlen(name) - strlen(mx6_addr_is_ipv4(addr) ? "in-addr.arpa" : "ip6.arpa");
	mx6_strlcpy(name + len, zone->zone, sizeof(name) - len);
	return lookup(dns, zone, name, answer_r, answerlen);
}

int mx6_dnswl_check_domain(struct mx6_dns *dns, const struct mx6_dnswl_zone *zone,
			   const char *domain, char *answer_r, size_t answerlen)
{
	char name[MAX_NAME + 1];
	size_t len;

	if (answerlen > 0)
		answer_r[0] = '\0';
	if (!mx6_domain_valid(domain))
		return 0;
	len = strlen(domain);
	if (domain[len - 1] == '.')
		len--;
	/* A name that cannot exist cannot be listed. */
	if (len + 1 + strlen(zone->zone) > MAX_NAME)
		return 0;
	memcpy(name, domain, len);
	name[len] = '.';
	mx6_strlcpy(name + len + 1, zone->zone, sizeof(name) - len - 1);
	return lookup(dns, zone, name, answer_r, answerlen);
}
