/*
 * NAME
 *	asn 3
 * SUMMARY
 *	the client's origin AS (MaxMind-format database) and AS lists
 * SYNOPSIS
 *	See asn.h.
 * DESCRIPTION
 *	The database is libmaxminddb's, memory-mapped. Opening checks what a
 *	lookup will rely on, so that a wrong file is refused at start rather
 *	than silently answering "no AS" for every client: the file must be
 *	a MaxMind DB, its tree must hold IPv6 (an IPv4-only tree cannot
 *	answer for IPv6 clients), and its records must carry
 *	autonomous_system_number as an unsigned integer. For the last check
 *	the first record of the tree stands in as the sample: found by a
 *	short depth-first walk, it exists in every database that maps
 *	anything, real or test, whichever addresses it covers.
 *
 *	An IPv4-mapped address is looked up as AF_INET, which libmaxminddb
 *	answers from the IPv4 subtree (::a.b.c.d) whether or not the
 *	database also aliases ::ffff:0:0/96 there.
 *
 *	An AS list is a sorted array of (AS number, line), duplicates
 *	keeping their first line; a lookup is one binary search.
 * DIAGNOSTICS
 *	Open and load errors name the file ("FILE: message",
 *	"FILE:LINE: message"); a lookup reports a corrupt database as -1.
 */
#include "autoconf.h"

#include <errno.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "asn.h"
#include "listfile.h"

#define ASN_KEY "autonomous_system_number"

/*
 * Bounds on the walk for a sample record: a tree is at most 128 levels
 * deep, and a real database reaches its first record within a few
 * hundred nodes; a corrupt tree with a cycle stops at the budget.
 */
#define SAMPLE_MAX_DEPTH 128
#define SAMPLE_MAX_NODES 65536

struct mx6_asn_db {
	MMDB_s mmdb;
};

struct asn_entry {
	uint32_t asn;
	unsigned line;
};

struct mx6_asnlist {
	struct asn_entry *entries;
	size_t count, cap;
};

/* Database */

/*
 * The AS number in DATA: 1 and *asn_r, 0 for none (AS 0 is "not
 * routed"), -1 when the value is not an unsigned integer that fits.
 */
static int asn_from_data(const MMDB_entry_data_s *data, uint32_t *asn_r)
{
	uint64_t value;

	if (!data->has_data)
		return 0;
	switch (data->type) {
	case MMDB_DATA_TYPE_UINT16:
		value = data->uint16;
		break;
	case MMDB_DATA_TYPE_UINT32:
		value = data->uint32;
		break;
	case MMDB_DATA_TYPE_UINT64:
		value = data->uint64;
		break;
	default:
		return -1;
	}
	if (value > UINT32_MAX)
		return -1;
	if (value == 0)
		return 0;
	*asn_r = (uint32_t)value;
	return 1;
}

/*
 * Depth-first, left first, for the first data record below NODE: 1 and
 * the entry, 0 when there is none within the budget, -1 when the tree
 * is corrupt.
 */
static int first_record(const MMDB_s *mmdb, uint32_t node, unsigned depth,
			unsigned *budget, MMDB_entry_s *entry_r)
{
	MMDB_search_node_s n;
	int side;

	if (depth >= SAMPLE_MAX_DEPTH || *budget == 0)
		return 0;
	(*budget)--;
	if (MMDB_read_node(mmdb, node, &n) != MMDB_SUCCESS)
		return -1;
	for (side = 0; side < 2; side++) {
		uint8_t type = side == 0 ? n.left_record_type : n.right_record_type;
		uint64_t record = side == 0 ? n.left_record : n.right_record;
		int rc;

		switch (type) {
		case MMDB_RECORD_TYPE_DATA:
			*entry_r = side == 0 ? n.left_record_entry : n.right_record_entry;
			return 1;
		case MMDB_RECORD_TYPE_SEARCH_NODE:
			rc = first_record(mmdb, (uint32_t)record, depth + 1, budget,
					  entry_r);
			if (rc != 0)
				return rc;
			break;
		case MMDB_RECORD_TYPE_EMPTY:
			break;
		default:
			return -1;
		}
	}
	return 0;
}

/* 0 when the records can carry an AS number, else -1 and why in err_r. */
static int check_records(const MMDB_s *mmdb, const char *path, char *err_r, size_t errlen)
{
	unsigned budget = SAMPLE_MAX_NODES;
	MMDB_entry_s entry;
	MMDB_entry_data_s data;
	uint32_t asn;
	int rc;

	rc = first_record(mmdb, 0, 0, &budget, &entry);
	if (rc == 0)
		return 0; /* nothing mapped (yet): every lookup will say "no AS" */
	if (rc < 0) {
		snprintf(err_r, errlen, "%s: corrupt search tree", path);
		return -1;
	}
	rc = MMDB_get_value(&entry, &data, ASN_KEY, NULL);
	if (rc != MMDB_SUCCESS && rc != MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR) {
		snprintf(err_r, errlen, "%s: %s", path, MMDB_strerror(rc));
		return -1;
	}
	if (rc != MMDB_SUCCESS || !data.has_data) {
		snprintf(err_r, errlen, "%s: records have no %s: not an ASN database",
			 path, ASN_KEY);
		return -1;
	}
	if (asn_from_data(&data, &asn) < 0) {
		snprintf(err_r, errlen, "%s: %s is not a 32-bit unsigned integer", path,
			 ASN_KEY);
		return -1;
	}
	return 0;
}

struct mx6_asn_db *mx6_asn_db_open(const char *path, char *err_r, size_t errlen)
{
	struct mx6_asn_db *db = calloc(1, sizeof(*db));
	int rc;

	if (db == NULL) {
		snprintf(err_r, errlen, "%s: out of memory", path);
		return NULL;
	}
	errno = 0;
	rc = MMDB_open(path, MMDB_MODE_MMAP, &db->mmdb);
	if (rc != MMDB_SUCCESS) {
		/* An empty file or a directory fails in mmap: MMDB_IO_ERROR. */
		if (rc == MMDB_FILE_OPEN_ERROR && errno != 0)
			snprintf(err_r, errlen, "%s: cannot open: %s", path,
				 strerror(errno));
		else if (rc == MMDB_IO_ERROR && errno != 0)
			snprintf(err_r, errlen, "%s: not a valid MaxMind DB: %s (%s)",
				 path, MMDB_strerror(rc), strerror(errno));
		else
			snprintf(err_r, errlen, "%s: not a valid MaxMind DB: %s", path,
				 MMDB_strerror(rc));
		free(db);
		return NULL;
	}
	if (db->mmdb.metadata.ip_version != 6) {
		snprintf(err_r, errlen,
			 "%s: IPv%u-only database cannot look up IPv6 clients", path,
			 (unsigned)db->mmdb.metadata.ip_version);
		mx6_asn_db_close(&db);
		return NULL;
	}
	if (check_records(&db->mmdb, path, err_r, errlen) < 0)
		mx6_asn_db_close(&db);
	return db;
}

void mx6_asn_db_close(struct mx6_asn_db **db)
{
	if (*db == NULL)
		return;
	MMDB_close(&(*db)->mmdb);
	free(*db);
	*db = NULL;
}

int mx6_asn_lookup(const struct mx6_asn_db *db, const struct mx6_addr *addr,
		   uint32_t *asn_r)
{
	struct sockaddr_storage ss;
	MMDB_lookup_result_s result;
	MMDB_entry_data_s data;
	int mmdb_error, rc;

	if (db == NULL || addr == NULL)
		return 0;
	memset(&ss, 0, sizeof(ss));
	if (mx6_addr_is_ipv4(addr)) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, addr->bytes + 12, 4);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, addr->bytes, 16);
	}
	result = MMDB_lookup_sockaddr(&db->mmdb, (const struct sockaddr *)&ss,
				      &mmdb_error);
	if (mmdb_error != MMDB_SUCCESS)
		return -1;
	if (!result.found_entry)
		return 0;
	rc = MMDB_get_value(&result.entry, &data, ASN_KEY, NULL);
	if (rc != MMDB_SUCCESS)
		return -1;
	return asn_from_data(&data, asn_r);
}

/* AS lists */

/* "AS15169", "as15169" or "15169" as a number from 1 to 4294967295. */
static int parse_asn(const char *entry, uint32_t *asn_r, char *err_r, size_t errlen)
{
	const char *p = entry;
	uint64_t value = 0;

	if ((p[0] == 'A' || p[0] == 'a') && (p[1] == 'S' || p[1] == 's'))
		p += 2;
	if (*p == '\0') {
		snprintf(err_r, errlen, "invalid AS number '%s'", entry);
		return -1;
	}
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9') {
			snprintf(err_r, errlen, "invalid AS number '%s'", entry);
			return -1;
		}
		/* Saturate above the range so long digit strings cannot wrap. */
		if (value <= UINT32_MAX)
			value = value * 10 + (uint64_t)(*p - '0');
	}
	if (value == 0 || value > UINT32_MAX) {
		snprintf(err_r, errlen, "AS number out of range (1 to 4294967295): '%s'",
			 entry);
		return -1;
	}
	*asn_r = (uint32_t)value;
	return 0;
}

static int add_entry(void *ctx, const char *entry, unsigned line, char *err_r,
		     size_t errlen)
{
	struct mx6_asnlist *list = ctx;
	uint32_t asn;

	if (parse_asn(entry, &asn, err_r, errlen) < 0)
		return -1;
	if (list->count == list->cap) {
		size_t ncap = list->cap ? list->cap * 2 : 256;
		struct asn_entry *n = realloc(list->entries, ncap * sizeof(*n));

		if (n == NULL) {
			snprintf(err_r, errlen, "out of memory");
			return -1;
		}
		list->entries = n;
		list->cap = ncap;
	}
	list->entries[list->count].asn = asn;
	list->entries[list->count].line = line;
	list->count++;
	return 0;
}

/* By AS number, then by line, so the first line of a duplicate comes first. */
static int compare_entries(const void *a, const void *b)
{
	const struct asn_entry *x = a, *y = b;

	if (x->asn != y->asn)
		return x->asn < y->asn ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static void sort_and_dedup(struct mx6_asnlist *list)
{
	size_t i, kept = 0;

	if (list->count == 0)
		return; /* entries is NULL: not even qsort may see it */
	qsort(list->entries, list->count, sizeof(list->entries[0]), compare_entries);
	for (i = 0; i < list->count; i++) {
		if (kept > 0 && list->entries[kept - 1].asn == list->entries[i].asn)
			continue;
		list->entries[kept++] = list->entries[i];
	}
	list->count = kept;
}

struct mx6_asnlist *mx6_asnlist_load(const char *path, char *err_r, size_t errlen)
{
	struct mx6_asnlist *list = calloc(1, sizeof(*list));

	if (list == NULL) {
		snprintf(err_r, errlen, "%s: out of memory", path);
		return NULL;
	}
	if (mx6_listfile_read(path, "AS number", add_entry, list, err_r, errlen) < 0) {
		mx6_asnlist_free(&list);
		return NULL;
	}
	sort_and_dedup(list);
	return list;
}

void mx6_asnlist_free(struct mx6_asnlist **list)
{
	if (*list == NULL)
		return;
	free((*list)->entries);
	free(*list);
	*list = NULL;
}

int mx6_asnlist_lookup(const struct mx6_asnlist *list, uint32_t asn, unsigned *line_r)
{
	size_t lo = 0, hi;

	if (list == NULL)
		return 0;
	hi = list->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (list->entries[mid].asn < asn) {
			lo = mid + 1;
		} else if (list->entries[mid].asn > asn) {
			hi = mid;
		} else {
			if (line_r != NULL)
				*line_r = list->entries[mid].line;
			return 1;
		}
	}
	return 0;
}

size_t mx6_asnlist_count(const struct mx6_asnlist *list)
{
	return list != NULL ? list->count : 0;
}
