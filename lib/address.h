/*
 * NAME
 *	address 3h
 * SUMMARY
 *	the identities of a message: RFC5322.From and RFC5321.MailFrom
 * SYNOPSIS
 *	#include "address.h"
 * DESCRIPTION
 *	mx6_address_from_header() extracts the author's mailbox from a From
 *	header VALUE (RFC 5322 3.4: display names, quoted strings, comments,
 *	angle brackets, folding). It returns 0 and writes the address and
 *	its lower-case domain when the header holds exactly one mailbox with
 *	a valid domain name; it returns -1 for none, several (DMARC cannot
 *	pick an author), a group, a domain literal or anything malformed:
 *	missing evidence, never good evidence.
 *
 *	mx6_address_domain() writes the lower-case domain of an envelope
 *	address ("<a@Example.ORG>", "a@example.org") into domain_r and
 *	returns 0, or returns -1 for the null sender, an address without a
 *	valid domain, or one that does not fit.
 *
 *	Buffers of MX6_ADDRESS_MAX and MX6_DOMAIN_MAX bytes hold any valid
 *	result.
 */
#ifndef MX6_ADDRESS_H
#define MX6_ADDRESS_H

#include <stddef.h>

#define MX6_ADDRESS_MAX 320
#define MX6_DOMAIN_MAX 256

int mx6_address_from_header(const char *value, char *addr_r, size_t addrlen,
			    char *domain_r, size_t domainlen);
int mx6_address_domain(const char *address, char *domain_r, size_t domainlen);

#endif
