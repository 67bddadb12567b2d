/*
 * NAME
 *	asn 3h
 * SUMMARY
 *	the client's origin AS (MaxMind-format database) and AS lists
 * SYNOPSIS
 *	#include "asn.h"
 * DESCRIPTION
 *	mx6_asn_db_open() opens a MaxMind DB file (GeoLite2-ASN, DB-IP ASN
 *	lite, or any .mmdb whose records carry autonomous_system_number)
 *	with libmaxminddb, memory-mapped. It checks that the file is a valid
 *	database and that its records can carry an AS number. Returns NULL
 *	with "FILE: message" in err_r. The database is only read after
 *	that, so any number of threads may look up concurrently.
 *	mx6_asn_db_close() unmaps it and sets *db NULL.
 *
 *	mx6_asn_lookup() finds the origin AS of ADDR (IPv6, or IPv4-mapped
 *	looked up as IPv4): 1 and the number in *asn_r, 0 when the database
 *	has no AS for it, -1 when the database is corrupt at that place.
 *
 *	An AS list holds AS numbers, one per line as "AS15169" or "15169"
 *	(case-insensitive), '#' comments, blank lines ignored, 1 to
 *	4294967295. mx6_asnlist_load() returns a new list or NULL with
 *	"FILE:LINE: message" in err_r; mx6_asnlist_lookup() returns 1 and
 *	the entry's line in *line_r when ASN is listed, else 0, with no
 *	allocation (binary search). mx6_asnlist_free() frees it and sets
 *	*list NULL.
 */
#ifndef MX6_ASN_H
#define MX6_ASN_H

#include <stddef.h>
#include <stdint.h>

#include "iplist.h"

struct mx6_asn_db;
struct mx6_asnlist;

struct mx6_asn_db *mx6_asn_db_open(const char *path, char *err_r, size_t errlen);
void mx6_asn_db_close(struct mx6_asn_db **db);
int mx6_asn_lookup(const struct mx6_asn_db *db, const struct mx6_addr *addr,
		   uint32_t *asn_r);

struct mx6_asnlist *mx6_asnlist_load(const char *path, char *err_r, size_t errlen);
void mx6_asnlist_free(struct mx6_asnlist **list);
int mx6_asnlist_lookup(const struct mx6_asnlist *list, uint32_t asn, unsigned *line_r);
size_t mx6_asnlist_count(const struct mx6_asnlist *list);

#endif
