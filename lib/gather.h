/*
 * NAME
 *	gather 3h
 * SUMMARY
 *	evidence gatherers: turn what the MTA says into signals
 * SYNOPSIS
 *	#include "gather.h"
 * DESCRIPTION
 *	The session calls one gatherer per SMTP stage; each looks things up
 *	(lists, DNS through the snapshot's resolver) and writes facts and
 *	signal states into the evidence. Gatherers never decide: that is
 *	mx6_decide()'s job.
 *
 *	mx6_gather_connect() sets the connection facts for an IPv6 client in
 *	a mode that decides (DECIDES): IP lists, iprev (iprev != no), and the
 *	initial state (off or pending) of every other signal. For a client
 *	that only LEARNS (IPv4 with learn = yes) it only switches
 *	authentication on. It does nothing for other clients.
 *
 *	mx6_gather_learn() records an authenticated, not auth-failing
 *	message's domain in the IPv4 history (SPEC 6) after mx6_gather_eom();
 *	mx6_gather_learn_outbound() adds each recipient to USER's learned
 *	addressbook (submission listeners). Both do nothing without a store,
 *	and a store that is down only costs the lesson. mx6_gather_helo() settles the iprev greenlist signal
 *	(the confirmed name must equal HELO). mx6_gather_mail() forgets the
 *	previous message's authentication, checks SPF for the MAIL FROM
 *	identity (HELO for the null sender) and sets auth_fail for an SPF
 *	fail. mx6_gather_rcpt() remembers a recipient for the addressbooks
 *	(the first max_recipients; a message with more recipients can be
 *	green by addressbook, never trusted). mx6_gather_header()/_eoh()/
 *	_body() feed DKIM and pick the From
 *	header; _body() returns 1 while the body is still needed, 0 when
 *	the rest can be skipped. mx6_gather_eom() finishes DKIM, evaluates
 *	DMARC, determines the authenticated domain and settles the domain
 *	signals and auth_fail.
 *
 *	Bounds (SPEC 10): mx6_gather_header() inspects at most max_headers
 *	header fields and max_header_bytes of their names and values. From
 *	the first field beyond either bound on, nothing more is inspected,
 *	and the message has no header evidence at all: no From address (so
 *	no DMARC result and no authenticated domain) and no DKIM result,
 *	because a field left unseen (a second From, a header a signer
 *	oversigned) could have made it worthless. Nor can such a message be
 *	shown not to fail DMARC, so it counts as an authentication failure
 *	(auth_fail, reason "bounds"): only ip_whitelist still makes it
 *	trusted, no greenlist green. headers_truncated says so.
 *
 *	memory counts the bytes this code copies and holds for the message:
 *	each inspected header field's name and value (libopendkim keeps a
 *	copy of each until the end of the message) and each recipient slot
 *	allocated (MX6_ADDRESS_MAX bytes). It does not count fixed-size
 *	buffers of the session and evidence, libopendkim's per-signature
 *	hashing state (bounded by max_dkim_signatures) or the session's
 *	forged-header bookkeeping (bounded on its own). Whatever would take
 *	it beyond max_session_memory is not kept: the header field ends
 *	inspection as above, the recipient is not remembered; over_memory
 *	says so, and the session defers such IPv6 mail (session.c).
 *
 *	All per-message state other than the evidence lives in a struct
 *	mx6_gather, zeroed by the caller at first; mx6_gather_reset() frees
 *	what it holds and zeroes it again (at MAIL, abort, end of session).
 */
#ifndef MX6_GATHER_H
#define MX6_GATHER_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "dkim.h"
#include "evidence.h"

struct mx6_gather {
	int active;		     /* authentication runs for this message */
	struct mx6_dkim_verify *dkim; /* NULL until the first header */
	int dkim_broken;	     /* verification gave up: no DKIM evidence */
	unsigned dkim_signatures;    /* DKIM-Signature headers seen */
	unsigned from_headers;
	int raw_values; /* header values keep the white space after the colon */
	/* Recipients, for the addressbooks: the first max_recipients. */
	char (*rcpts)[MX6_ADDRESS_MAX];
	size_t nrcpts;	    /* stored */
	size_t rcpts_cap;   /* allocated (grows: most mail has one recipient) */
	size_t rcpts_total; /* given */
	/* Bounds (max_headers, max_header_bytes, max_session_memory). */
	unsigned headers;      /* header fields inspected */
	size_t header_bytes;   /* their names and values */
	size_t memory;	       /* bytes copied and held for this message */
	int headers_truncated; /* a header field was left uninspected */
	int over_memory;       /* something was not kept: max_session_memory */
};

void mx6_gather_connect(const struct mx6_config *cfg, int decides, int learns,
			struct mx6_evidence *ev);
void mx6_gather_learn(const struct mx6_config *cfg, const struct mx6_evidence *ev,
		      int64_t now);
void mx6_gather_learn_outbound(const struct mx6_config *cfg, const struct mx6_gather *g,
			       const char *user, int64_t now);
void mx6_gather_helo(const struct mx6_config *cfg, struct mx6_evidence *ev, const char *helo);
void mx6_gather_mail(const struct mx6_config *cfg, struct mx6_evidence *ev,
		     struct mx6_gather *g, const char *helo, const char *sender);
void mx6_gather_rcpt(const struct mx6_config *cfg, struct mx6_gather *g, const char *rcpt);
void mx6_gather_header(const struct mx6_config *cfg, struct mx6_evidence *ev,
		       struct mx6_gather *g, const char *name, const char *value);
void mx6_gather_eoh(struct mx6_gather *g);
int mx6_gather_body(struct mx6_gather *g, const unsigned char *chunk, size_t len);
void mx6_gather_eom(const struct mx6_config *cfg, struct mx6_evidence *ev,
		    struct mx6_gather *g);
void mx6_gather_reset(struct mx6_gather *g);

#endif
