/*
 * NAME
 *	spf-driver 1
 * SUMMARY
 *	runs SPF checks of lib/spf.c against zone data read from stdin
 * SYNOPSIS
 *	spf-driver <COMMANDS
 * DESCRIPTION
 *	The C half of tests/conformance/spf-suite, which translates a test
 *	suite into a simple line protocol. Each line is one command, its
 *	fields separated by single spaces; free-form fields (names, rdata,
 *	HELO, sender, problem) are hex-encoded, "-" standing for the empty
 *	string:
 *
 *	reset
 *		starts a new scenario: an empty static resolver
 *		(mx6_dns_new_static()) and a new checker (mx6_spf_new()).
 *	rr NAME TYPE RDATA
 *		adds a record: TYPE is the numeric RR type, RDATA its wire
 *		format (mx6_dns_static_add()).
 *	timeout NAME TYPE
 *		makes lookups of NAME and TYPE (0: any type) time out
 *		(mx6_dns_static_fail(..., MX6_DNS_TEMPFAIL)).
 *	check ID IDENTITY CLIENT HELO SENDER
 *		runs mx6_spf_check() for IDENTITY "mailfrom" or "helo" and
 *		prints "ID RESULT PROBLEM", RESULT as in Authentication-Results.
 * DIAGNOSTICS
 *	Exit status 0, or 2 with a message on stderr for a malformed line.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "dns.h"
#include "iplist.h"
#include "spf.h"

#define RECEIVING_HOST "receiver.example.net"

static void die(unsigned long lineno, const char *what)
{
	fprintf(stderr, "spf-driver: line %lu: %s\n", lineno, what);
	exit(2);
}

/* Decodes hex (or "-") in place; returns the length, or -1. */
static long unhex(char *s)
{
	size_t i, n = strlen(s);

	if (strcmp(s, "-") == 0) {
		s[0] = '\0';
		return 0;
	}
	if (n % 2 != 0)
		return -1;
	for (i = 0; i < n; i += 2) {
		unsigned v;

		if (sscanf(s + i, "%2x", &v) != 1)
			return -1;
		s[i / 2] = (char)v;
	}
	s[n / 2] = '\0';
	return (long)(n / 2);
}

static void hex_print(const char *s)
{
	if (*s == '\0')
		fputs("-", stdout);
	for (; *s != '\0'; s++)
		printf("%02x", (unsigned char)*s);
}

/* Splits line into at most max fields; returns how many. */
static int split(char *line, char **field, int max)
{
	int n = 0;
	char *save = NULL, *tok;

	for (tok = strtok_r(line, " \n", &save); tok != NULL && n < max;
	     tok = strtok_r(NULL, " \n", &save))
		field[n++] = tok;
	return n;
}

int main(void)
{
	struct mx6_dns *dns = NULL;
	struct mx6_spf *spf = NULL;
	char *line = NULL, *f[8];
	size_t cap = 0;
	unsigned long lineno = 0;
	char err[256];

	while (getline(&line, &cap, stdin) > 0) {
		int n = split(line, f, 8);

		lineno++;
		if (n == 0)
			continue;
		if (strcmp(f[0], "reset") == 0) {
			mx6_spf_free(&spf);
			if (dns != NULL)
				mx6_dns_free(&dns);
			if ((dns = mx6_dns_new_static(1000)) == NULL)
				die(lineno, "out of memory");
			if ((spf = mx6_spf_new(dns, RECEIVING_HOST, err, sizeof(err))) ==
			    NULL)
				die(lineno, err);
		} else if (dns == NULL) {
			die(lineno, "no reset before the first command");
		} else if (strcmp(f[0], "rr") == 0 && n == 4) {
			long len;

			if (unhex(f[1]) < 0 || (len = unhex(f[3])) < 0)
				die(lineno, "bad hex");
			if (mx6_dns_static_add(dns, f[1], atoi(f[2]), f[3], (size_t)len) <
			    0)
				die(lineno, "out of memory");
		} else if (strcmp(f[0], "timeout") == 0 && n == 3) {
			if (unhex(f[1]) < 0)
				die(lineno, "bad hex");
			if (mx6_dns_static_fail(dns, f[1], atoi(f[2]), MX6_DNS_TEMPFAIL) <
			    0)
				die(lineno, "out of memory");
		} else if (strcmp(f[0], "check") == 0 && n == 6) {
			struct mx6_addr client;
			enum mx6_spf_identity identity;
			enum mx6_auth result;
			char problem[256];

			if (strcmp(f[2], "mailfrom") == 0)
				identity = MX6_SPF_MAILFROM;
			else if (strcmp(f[2], "helo") == 0)
				identity = MX6_SPF_HELO;
			else
				die(lineno, "unknown identity");
			if (mx6_addr_parse(f[3], &client) < 0)
				die(lineno, "bad client address");
			if (unhex(f[4]) < 0 || unhex(f[5]) < 0)
				die(lineno, "bad hex");
			result = mx6_spf_check(spf, &client, f[4], f[5], identity,
					       problem, sizeof(problem));
			printf("%s %s ", f[1], mx6_auth_name(result));
			hex_print(problem);
			putchar('\n');
		} else {
			die(lineno, "unknown command or wrong number of fields");
		}
	}
	free(line);
	mx6_spf_free(&spf);
	if (dns != NULL)
		mx6_dns_free(&dns);
	return 0;
}
