/*
 * NAME
 *	dkim-verify 1
 * SUMMARY
 *	verify a test message's DKIM signatures through lib/dkim.c
 * SYNOPSIS
 *	dkim-verify [-s 127.0.0.1@PORT]... [-t TIMEOUT_MS] [-n MAX_SIGNATURES]
 *		[-b CHUNK] [-L] [-r REPEAT] FILE
 * DESCRIPTION
 *	Feeds the message in FILE ("-": stdin) through mx6_dkim_verify_*()
 *	as an MTA's milter would: each header field as name and value (the
 *	blank after the colon removed, continuation lines joined with LF),
 *	end of headers, the body in CRLF form in chunks of CHUNK bytes
 *	(default 65535, libmilter's), end of message. Key lookups go to the
 *	-s servers through lib/dns.c (default timeout 5000 ms); -n is the
 *	max_signatures given to mx6_dkim_new() (default 5). -L feeds the
 *	body as it is in the file (LF line ends).
 *
 *	Prints one line per signature entry:
 *	    RESULT d=DOMAIN s=SELECTOR bits=N reason=REASON
 *	nothing for an unsigned message, and "unverifiable" when a feeding
 *	function gave up (-1). With -r, verifies the message REPEAT times and
 *	prints the CPU time per verification on stderr
 *	("cpu_us_per_message=N").
 * DIAGNOSTICS
 *	Exit 0 when the message was fed (whatever the results), 1 on setup
 *	errors, 2 on usage errors.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "dkim.h"
#include "dns.h"
#include "message.h"

#define MAX_SERVERS 8
#define MAX_ENTRIES 64

static void usage(void)
{
	fprintf(stderr, "usage: dkim-verify [-s 127.0.0.1@PORT]... [-t TIMEOUT_MS] "
			"[-n MAX_SIGNATURES] [-b CHUNK] [-L] [-r REPEAT] FILE\n");
	exit(2);
}

/* Returns the number of entries, or -1 when the message was unverifiable. */
static long verify(struct mx6_dkim *dkim, const struct test_message *msg,
		   const char *body, size_t body_len, size_t chunk,
		   struct mx6_dkim_sig *sigs)
{
	struct mx6_dkim_verify *v = mx6_dkim_verify_new(dkim);
	long n = -1;
	size_t i, off;

	if (v == NULL) {
		fprintf(stderr, "dkim-verify: mx6_dkim_verify_new failed\n");
		exit(1);
	}
	for (i = 0; i < msg->nfields; i++) {
		char *name = strdup(msg->fields[i]), *value;

		if (name == NULL)
			exit(1);
		if ((value = strchr(name, ':')) == NULL) {
			value = name + strlen(name);
		} else {
			*value++ = '\0';
			if (*value == ' ')
				value++; /* as Sendmail and Postfix pass it */
		}
		if (mx6_dkim_verify_header(v, name, value) < 0) {
			free(name);
			goto out;
		}
		free(name);
	}
	if (mx6_dkim_verify_eoh(v) < 0)
		goto out;
	for (off = 0; off < body_len; off += chunk)
		if (mx6_dkim_verify_body(v, (const unsigned char *)body + off,
					 body_len - off < chunk ? body_len - off
								: chunk) < 0)
			goto out;
	n = (long)mx6_dkim_verify_eom(v, sigs, MAX_ENTRIES);
out:
	mx6_dkim_verify_free(&v);
	return n;
}

int main(int argc, char **argv)
{
	const char *servers[MAX_SERVERS + 1];
	struct mx6_dkim_sig sigs[MAX_ENTRIES];
	struct mx6_dns_options opt;
	struct test_message msg;
	struct mx6_dns *dns;
	struct mx6_dkim *dkim;
	size_t nservers = 0, chunk = 65535, body_len;
	unsigned max_signatures = 5;
	long n = 0, i, repeat = 0;
	int c, raw = 0;
	char err[256], *body;

	memset(&opt, 0, sizeof(opt));
	opt.timeout_ms = 5000;
	while ((c = getopt(argc, argv, "s:t:n:b:Lr:")) != -1) {
		switch (c) {
		case 's':
			if (nservers == MAX_SERVERS)
				usage();
			servers[nservers++] = optarg;
			break;
		case 't':
			opt.timeout_ms = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'n':
			max_signatures = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'b':
			if ((chunk = strtoul(optarg, NULL, 10)) == 0)
				usage();
			break;
		case 'L':
			raw = 1;
			break;
		case 'r':
			repeat = strtol(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	servers[nservers] = NULL;
	if (nservers > 0)
		opt.forwarders = servers;
	if (test_message_read(argv[optind], &msg) < 0)
		return 1;
	if (raw) {
		body = (char *)msg.body;
		body_len = msg.body_len;
	} else if ((body = test_message_crlf(msg.body, msg.body_len, &body_len)) ==
		   NULL) {
		return 1;
	}
	if ((dns = mx6_dns_new(&opt, err, sizeof(err))) == NULL ||
	    (dkim = mx6_dkim_new(dns, max_signatures, err, sizeof(err))) == NULL) {
		fprintf(stderr, "dkim-verify: %s\n", err);
		return 1;
	}

	n = verify(dkim, &msg, body, body_len, chunk, sigs);
	if (n < 0)
		printf("unverifiable\n");
	for (i = 0; i < n; i++)
		printf("%s d=%s s=%s bits=%u reason=%s\n", mx6_auth_name(sigs[i].result),
		       sigs[i].domain, sigs[i].selector, sigs[i].key_bits,
		       sigs[i].reason);
	fflush(stdout);

	if (repeat > 0) {
		clock_t t0 = clock();

		for (i = 0; i < repeat; i++)
			verify(dkim, &msg, body, body_len, chunk, sigs);
		fprintf(stderr, "cpu_us_per_message=%.0f\n",
			(double)(clock() - t0) * 1e6 / CLOCKS_PER_SEC / (double)repeat);
	}

	mx6_dkim_free(&dkim);
	mx6_dns_free(&dns);
	if (!raw)
		free(body);
	test_message_free(&msg);
	return 0;
}
