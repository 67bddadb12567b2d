/*
 * NAME
 *	dkim-sign 1
 * SUMMARY
 *	sign a test message with libopendkim
 * SYNOPSIS
 *	dkim-sign -d DOMAIN -s SELECTOR -k KEYFILE [-c HDR/BODY] [-a ALG]
 *		[-t TIME] [-x TTL] [-O] [FILE]
 * DESCRIPTION
 *	Signs the message in FILE (default stdin; LF or CRLF line ends) with
 *	the PEM private key in KEYFILE and writes it to stdout with the new
 *	DKIM-Signature field on top (LF line ends). -c picks the
 *	canonicalization (relaxed/relaxed by default; simple, relaxed,
 *	simple/relaxed, ...), -a the algorithm (rsa-sha256 by default, or
 *	rsa-sha1), -t the signing time t= (seconds since the epoch, default
 *	now), -x adds x= that many seconds after t=, -O oversigns From (h=
 *	names it once more than the message has it). The default list of
 *	signed header fields is libopendkim's (From, Subject, Date, To, ...).
 *	Keys down to 512 bits are accepted, so tests can sign with weak ones.
 * DIAGNOSTICS
 *	Exit 0 on success, 1 on failure, 2 on usage errors.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <opendkim/dkim.h>

#include "message.h"

static void usage(void)
{
	fprintf(stderr, "usage: dkim-sign -d DOMAIN -s SELECTOR -k KEYFILE [-c HDR/BODY] "
			"[-a rsa-sha256|rsa-sha1] [-t TIME] [-x TTL] [-O] [FILE]\n");
	exit(2);
}

static int canon(const char *name)
{
	if (strcmp(name, "simple") == 0)
		return DKIM_CANON_SIMPLE;
	if (strcmp(name, "relaxed") == 0)
		return DKIM_CANON_RELAXED;
	usage();
	return -1;
}

static int die(const char *what, DKIM *dkim, DKIM_STAT status)
{
	const char *detail = dkim != NULL ? dkim_geterror(dkim) : NULL;

	fprintf(stderr, "dkim-sign: %s: %s%s%s\n", what, dkim_getresultstr(status),
		detail != NULL ? ": " : "", detail != NULL ? detail : "");
	return 1;
}

int main(int argc, char **argv)
{
	const char *domain = NULL, *selector = NULL, *keyfile = NULL;
	char canons[64] = "relaxed/relaxed", *slash;
	dkim_alg_t alg = DKIM_SIGN_RSASHA256;
	uint64_t when = 0, ttl = 0;
	struct test_message key, msg;
	DKIM_LIB *lib;
	DKIM *dkim;
	DKIM_STAT status;
	unsigned char *sig;
	size_t siglen, i, len;
	char *crlf;
	unsigned int minbits = 512;
	int c, hc, bc, oversign = 0;

	while ((c = getopt(argc, argv, "d:s:k:c:a:t:x:O")) != -1) {
		switch (c) {
		case 'd':
			domain = optarg;
			break;
		case 's':
			selector = optarg;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'c':
			snprintf(canons, sizeof(canons), "%s", optarg);
			break;
		case 'a':
			if (strcmp(optarg, "rsa-sha256") == 0)
				alg = DKIM_SIGN_RSASHA256;
			else if (strcmp(optarg, "rsa-sha1") == 0)
				alg = DKIM_SIGN_RSASHA1;
			else
				usage();
			break;
		case 't':
			when = strtoull(optarg, NULL, 10);
			break;
		case 'x':
			ttl = strtoull(optarg, NULL, 10);
			break;
		case 'O':
			oversign = 1;
			break;
		default:
			usage();
		}
	}
	if (domain == NULL || selector == NULL || keyfile == NULL || argc - optind > 1)
		usage();
	if ((slash = strchr(canons, '/')) != NULL)
		*slash++ = '\0';
	hc = canon(canons);
	bc = canon(slash != NULL ? slash : "simple");

	/* The key file is read like a message: it is all "body" text. */
	if (test_message_read(keyfile, &key) < 0 ||
	    test_message_read(optind < argc ? argv[optind] : "-", &msg) < 0)
		return 1;
	if ((lib = dkim_init(NULL, NULL)) == NULL)
		return die("dkim_init", NULL, DKIM_STAT_INTERNAL);
	/* Tests sign with deliberately weak keys too. */
	if ((status = dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_MINKEYBITS, &minbits,
				   sizeof(minbits))) != DKIM_STAT_OK)
		return die("minimum key size", NULL, status);
	if (when != 0 && (status = dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FIXEDTIME,
						&when, sizeof(when))) != DKIM_STAT_OK)
		return die("fixed time", NULL, status);
	if (ttl != 0 &&
	    (status = dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_SIGNATURETTL, &ttl,
				   sizeof(ttl))) != DKIM_STAT_OK)
		return die("signature TTL", NULL, status);
	if (oversign) {
		const char *from[] = {"from", NULL};

		/* libopendkim takes the array itself, sized as a pointer */
		if ((status = dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_OVERSIGNHDRS,
					   from, sizeof(char **))) != DKIM_STAT_OK)
			return die("oversign", NULL, status);
	}
	dkim = dkim_sign(lib, (const unsigned char *)"test", NULL,
			 (dkim_sigkey_t)key.data, (const unsigned char *)selector,
			 (const unsigned char *)domain, hc, bc, alg, -1, &status);
	if (dkim == NULL)
		return die("dkim_sign", NULL, status);
	for (i = 0; i < msg.nfields; i++) {
		if ((crlf = test_message_crlf(msg.fields[i], strlen(msg.fields[i]),
					      &len)) == NULL)
			return 1;
		status = dkim_header(dkim, (unsigned char *)crlf, len);
		free(crlf);
		if (status != DKIM_STAT_OK)
			return die("dkim_header", dkim, status);
	}
	if ((status = dkim_eoh(dkim)) != DKIM_STAT_OK)
		return die("dkim_eoh", dkim, status);
	if ((crlf = test_message_crlf(msg.body, msg.body_len, &len)) == NULL)
		return 1;
	if (len > 0 &&
	    (status = dkim_body(dkim, (unsigned char *)crlf, len)) != DKIM_STAT_OK)
		return die("dkim_body", dkim, status);
	free(crlf);
	if ((status = dkim_eom(dkim, NULL)) != DKIM_STAT_OK)
		return die("dkim_eom", dkim, status);
	if ((status = dkim_getsighdr_d(dkim, strlen("DKIM-Signature: "), &sig,
				       &siglen)) != DKIM_STAT_OK)
		return die("dkim_getsighdr_d", dkim, status);

	printf("DKIM-Signature: ");
	for (i = 0; i < siglen; i++)
		if (sig[i] != '\r')
			putchar(sig[i]);
	putchar('\n');
	fwrite(msg.data, 1, msg.len, stdout);
	dkim_free(dkim);
	dkim_close(lib);
	test_message_free(&msg);
	test_message_free(&key);
	return fflush(stdout) == 0 ? 0 : 1;
}
