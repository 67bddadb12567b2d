/*
 * NAME
 *	mtproto 3h
 * SUMMARY
 *	the MTA side of the milter protocol: what mtclient and
 *	bench/milter-load share
 * SYNOPSIS
 *	#include "mtproto.h"
 * DESCRIPTION
 *	Protocol constants, as in libmilter's mfdef.h (not included on
 *	purpose: libmilter only implements the filter side), and the few
 *	pieces of framing both clients need.
 *
 *	mt_get32() and mt_put32() read and write a 32-bit value in network
 *	order. mt_header() writes the 5-byte header of a packet carrying
 *	command CMD and LEN bytes of data into hdr.
 *
 *	mt_unix_connect() connects to "unix:PATH", "local:PATH" or a bare
 *	PATH; returns the descriptor (blocking), or -1 with a message in
 *	err.
 *
 *	mt_connect_family() is the family letter Postfix sends in the
 *	connect step for ADDR: '4', '6' (an IPv6 address, or anything with
 *	an "IPv6:" prefix or a colon), 'U' for "unknown", and '4' for
 *	anything else (malformed on purpose: the filter judges).
 */
#ifndef MT_PROTO_H
#define MT_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define MT_PROT_VERSION 6
#define MT_CURR_ACTS 0x000001FFu
#define MT_CURR_PROT 0x001FFFFFu
#define MT_CHUNK_SIZE 65535
#define MT_MAX_PACKET (16u * 1024u * 1024u)

#define SMFIP_NOCONNECT 0x00000001u
#define SMFIP_NOHELO 0x00000002u
#define SMFIP_NOMAIL 0x00000004u
#define SMFIP_NORCPT 0x00000008u
#define SMFIP_NOBODY 0x00000010u
#define SMFIP_NOHDRS 0x00000020u
#define SMFIP_NOEOH 0x00000040u
#define SMFIP_NR_HDR 0x00000080u
#define SMFIP_NOUNKNOWN 0x00000100u
#define SMFIP_NODATA 0x00000200u
#define SMFIP_SKIP 0x00000400u
#define SMFIP_NR_CONN 0x00001000u
#define SMFIP_NR_HELO 0x00002000u
#define SMFIP_NR_MAIL 0x00004000u
#define SMFIP_NR_RCPT 0x00008000u
#define SMFIP_NR_DATA 0x00010000u
#define SMFIP_NR_UNKN 0x00020000u
#define SMFIP_NR_EOH 0x00040000u
#define SMFIP_NR_BODY 0x00080000u
#define SMFIP_HDR_LEADSPC 0x00100000u

uint32_t mt_get32(const unsigned char *p);
void mt_put32(unsigned char *p, uint32_t v);
void mt_header(unsigned char hdr[5], char cmd, size_t len);
int mt_unix_connect(const char *spec, char *err, size_t errlen);
char mt_connect_family(const char *addr);

#endif
