/*
 * NAME
 *	dkim 3h
 * SUMMARY
 *	DKIM verification (RFC 6376) through libopendkim, keys fetched
 *	through the project's resolver
 * SYNOPSIS
 *	#include "dkim.h"
 * DESCRIPTION
 *	mx6_dkim_new() initialises libopendkim for verification with key
 *	lookups through DNS (mx6_dns_lookup()), checking at most
 *	max_signatures signatures per message (the first ones in header
 *	order). Returns NULL with a message in err_r.
 *
 *	Per message: mx6_dkim_verify_new() starts a verification (NULL on
 *	failure); feed every header with mx6_dkim_verify_header() (name and
 *	value as the MTA passes them), then mx6_dkim_verify_eoh(), the body
 *	with mx6_dkim_verify_body(), then mx6_dkim_verify_eom(), which
 *	writes one entry per signature examined into sigs (at most max) and
 *	returns how many. Feeding functions return 0, or -1 when the message
 *	cannot be verified any more (bounds exceeded, library error): the
 *	caller stops feeding and treats the evidence as missing. A message
 *	without signatures gives 0 entries (dkim=none).
 *
 *	Each entry gives d=, s=, the key size and the result: pass, fail
 *	(signature or body hash mismatch, key revoked), neutral (signature
 *	syntax not verifiable), policy (e.g. key too short, expired
 *	signature), temperror (key lookup timed out or SERVFAIL),
 *	permerror (no key record, malformed key or signature). reason is a
 *	short text for logs and Authentication-Results comments.
 *
 *	Header values are taken as the MTA passes them without the white
 *	space after the colon (libmilter's default), and verified as
 *	"Name: value". After mx6_dkim_verify_raw_values() (before the first
 *	header) values are everything after the colon, white space included
 *	(the milter negotiated SMFIP_HDR_LEADSPC, or the header was read
 *	from a file), and verified exactly as "Name:value".
 *
 *	mx6_dkim_verify_free() discards a verification and sets *v NULL.
 *	Verifications of one mx6_dkim may run in parallel threads.
 */
#ifndef MX6_DKIM_H
#define MX6_DKIM_H

#include <stddef.h>

#include "auth.h"
#include "dns.h"

struct mx6_dkim_sig {
	enum mx6_auth result;
	char domain[256];
	char selector[64];
	unsigned key_bits;
	char reason[96];
};

struct mx6_dkim;
struct mx6_dkim_verify;

struct mx6_dkim *mx6_dkim_new(struct mx6_dns *dns, unsigned max_signatures,
			      char *err_r, size_t errlen);
void mx6_dkim_free(struct mx6_dkim **dkim);

struct mx6_dkim_verify *mx6_dkim_verify_new(struct mx6_dkim *dkim);
void mx6_dkim_verify_raw_values(struct mx6_dkim_verify *v);
int mx6_dkim_verify_header(struct mx6_dkim_verify *v, const char *name,
			   const char *value);
int mx6_dkim_verify_eoh(struct mx6_dkim_verify *v);
int mx6_dkim_verify_body(struct mx6_dkim_verify *v, const unsigned char *chunk,
			 size_t len);
size_t mx6_dkim_verify_eom(struct mx6_dkim_verify *v, struct mx6_dkim_sig *sigs,
			   size_t max);
void mx6_dkim_verify_free(struct mx6_dkim_verify **v);

#endif
