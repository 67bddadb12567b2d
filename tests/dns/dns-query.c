/*
 * NAME
 *	dns-query 1
 * SUMMARY
 *	ask the project's resolver (lib/dns.c) from the command line
 * SYNOPSIS
 *	dns-query [-s 127.0.0.1@PORT]... [-t TIMEOUT_MS] [-c UNBOUND_CONF]
 *		NAME TYPE [NAME TYPE]...
 * DESCRIPTION
 *	Resolves each NAME/TYPE with mx6_dns_lookup() through one resolver
 *	(mx6_dns_new() forwarding to the -s servers, else resolv.conf), the
 *	same code path every check of the milter uses, and prints one line
 *	per query on stdout:
 *
 *	    STATUS RCODE COUNT [RECORD]...
 *
 *	STATUS is OK, NODATA, NXDOMAIN or TEMPFAIL, RCODE the DNS rcode of
 *	the answer (0 when there was none, e.g. after a timeout), COUNT the
 *	number of records. Records are sorted and printed as: A and AAAA
 *	addresses; TXT as one double-quoted string per record, its
 *	character-strings joined (RFC 7208 3.3; '"' and '\' escaped with
 *	'\'); PTR, CNAME and NS as names with a trailing dot; MX as
 *	"PREF NAME."; anything else as hex. TYPE is one of A, AAAA, TXT,
 *	PTR, MX, CNAME, NS or a number. For PTR, NAME may be an IPv4 or IPv6
 *	address (it is turned into its in-addr.arpa/ip6.arpa name).
 *
 *	On stderr, one line per query: "NAME TYPE elapsed_ms=N".
 *
 *	Used by tests/dns/resolver.sh and by other suites that need to see
 *	what the milter's resolver sees from tests/dns/server.sh.
 * DIAGNOSTICS
 *	Exit 0 when every query was made (whatever its status), 1 when the
 *	resolver cannot be created, 2 on usage errors.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "dns.h"

#define MAX_SERVERS 8

static const struct {
	const char *name;
	int type;
} types[] = {
	{"A", MX6_RR_A},     {"AAAA", MX6_RR_AAAA}, {"TXT", MX6_RR_TXT},
	{"PTR", MX6_RR_PTR}, {"MX", MX6_RR_MX},	    {"CNAME", MX6_RR_CNAME},
	{"NS", 2},
};

static void usage(void)
{
	fprintf(stderr, "usage: dns-query [-s 127.0.0.1@PORT]... [-t TIMEOUT_MS] "
			"[-c UNBOUND_CONF] NAME TYPE [NAME TYPE]...\n");
	exit(2);
}

static int parse_type(const char *s)
{
	size_t i;
	char *end;
	long n;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(s, types[i].name) == 0)
			return types[i].type;
	n = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || n <= 0 || n > 65535)
		return -1;
	return (int)n;
}

/* NAME as an address: its reverse-lookup name in out; else NAME itself. */
static void ptr_name(const char *name, char *out, size_t outlen)
{
	unsigned char a[16];
	size_t off = 0;
	int i;

	if (inet_pton(AF_INET, name, a) == 1) {
		snprintf(out, outlen, "%u.%u.%u.%u.in-addr.arpa", a[3], a[2], a[1], a[0]);
	} else if (inet_pton(AF_INET6, name, a) == 1 && outlen > 73) {
		for (i = 15; i >= 0; i--)
			off += (size_t)snprintf(out + off, outlen - off, "%x.%x.",
						a[i] & 0xf, a[i] >> 4);
		snprintf(out + off, outlen - off, "ip6.arpa");
	} else {
		snprintf(out, outlen, "%s", name);
	}
}

/* Uncompressed wire-format name at p (len bytes) as text with a final dot. */
static int name_text(const unsigned char *p, int len, char *out, size_t outlen)
{
	size_t o = 0;
	int i = 0;

	if (outlen < 2)
		return -1;
	while (i < len && p[i] != 0) {
		int n = p[i++];

		if (n > 63 || i + n > len || o + (size_t)n + 2 > outlen)
			return -1;
		memcpy(out + o, p + i, (size_t)n);
		o += (size_t)n;
		out[o++] = '.';
		i += n;
	}
	if (o == 0)
		out[o++] = '.';
	out[o] = '\0';
	return 0;
}

static void format_rr(int type, const char *rdata, int len, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)rdata;
	char buf[4096];
	size_t o = 0;
	int i, n;

	out[0] = '\0';
	if ((type == MX6_RR_A && len == 4) || (type == MX6_RR_AAAA && len == 16)) {
		inet_ntop(type == MX6_RR_A ? AF_INET : AF_INET6, p, out,
			  (socklen_t)outlen);
	} else if (type == MX6_RR_TXT &&
		   (n = mx6_dns_txt_join(rdata, len, buf, sizeof(buf))) >= 0) {
		out[o++] = '"';
		for (i = 0; i < n && o + 4 < outlen; i++) {
			if (buf[i] == '"' || buf[i] == '\\')
				out[o++] = '\\';
			out[o++] = buf[i];
		}
		out[o++] = '"';
		out[o] = '\0';
	} else if ((type == MX6_RR_PTR || type == MX6_RR_CNAME || type == 2) &&
		   name_text(p, len, out, outlen) == 0) {
		/* done */
	} else if (type == MX6_RR_MX && len > 2 &&
		   name_text(p + 2, len - 2, buf, sizeof(buf)) == 0) {
		snprintf(out, outlen, "%u %s", (unsigned)(p[0] << 8 | p[1]), buf);
	} else {
		for (i = 0; i < len && o + 3 < outlen; i++)
			o += (size_t)snprintf(out + o, outlen - o, "%02x", p[i]);
		if (len == 0)
			snprintf(out, outlen, "-");
	}
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *status_word(enum mx6_dns_status status)
{
	switch (status) {
	case MX6_DNS_OK:
		return "OK";
	case MX6_DNS_NODATA:
		return "NODATA";
	case MX6_DNS_NXDOMAIN:
		return "NXDOMAIN";
	case MX6_DNS_TEMPFAIL:
		return "TEMPFAIL";
	}
	return "?";
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000L + (t1.tv_nsec - t0->tv_nsec) / 1000000L;
}

static void query(struct mx6_dns *dns, const char *arg, int type, const char *type_arg)
{
	struct mx6_dns_result r;
	struct timespec t0;
	char name[1100];
	char **lines;
	unsigned i;

	if (type == MX6_RR_PTR)
		ptr_name(arg, name, sizeof(name));
	else
		snprintf(name, sizeof(name), "%s", arg);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	mx6_dns_lookup(dns, name, type, &r);
	fprintf(stderr, "%s %s elapsed_ms=%ld\n", name, type_arg, elapsed_ms(&t0));

	printf("%s %d %u", status_word(r.status), r.rcode, r.count);
	if (r.count > 0 && (lines = calloc(r.count, sizeof(char *))) != NULL) {
		for (i = 0; i < r.count; i++) {
			char text[8192];

			format_rr(type, r.rr[i], r.rrlen[i], text, sizeof(text));
			lines[i] = strdup(text);
		}
		qsort(lines, r.count, sizeof(char *), compare_strings);
		for (i = 0; i < r.count; i++) {
			printf(" %s", lines[i] != NULL ? lines[i] : "?");
			free(lines[i]);
		}
		free(lines);
	}
	printf("\n");
	fflush(stdout);
	mx6_dns_result_free(&r);
}

int main(int argc, char **argv)
{
	const char *servers[MAX_SERVERS + 1];
	struct mx6_dns_options opt;
	struct mx6_dns *dns;
	char err[256];
	size_t nservers = 0;
	int c, i;

	memset(&opt, 0, sizeof(opt));
	opt.timeout_ms = 5000;
	while ((c = getopt(argc, argv, "s:t:c:")) != -1) {
		switch (c) {
		case 's':
			if (nservers == MAX_SERVERS)
				usage();
			servers[nservers++] = optarg;
			break;
		case 't':
			opt.timeout_ms = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'c':
			opt.unbound_conf = optarg;
			break;
		default:
			usage();
		}
	}
	servers[nservers] = NULL;
	if (nservers > 0)
		opt.forwarders = servers;
	argc -= optind;
	argv += optind;
	if (argc == 0 || argc % 2 != 0)
		usage();
	for (i = 0; i < argc; i += 2)
		if (parse_type(argv[i + 1]) < 0)
			usage();

	if ((dns = mx6_dns_new(&opt, err, sizeof(err))) == NULL) {
		fprintf(stderr, "dns-query: %s\n", err);
		return 1;
	}
	for (i = 0; i < argc; i += 2)
		query(dns, argv[i], parse_type(argv[i + 1]), argv[i + 1]);
	mx6_dns_free(&dns);
	return 0;
}
