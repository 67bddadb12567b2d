/*
 * NAME
 *	version 3
 * SUMMARY
 *	versions of the libraries linked into libmx6
 * SYNOPSIS
 *	See version.h.
 */
#include "autoconf.h"

#include <stdint.h>
#include <netinet/in.h>

#include <curl/curl.h>
#include <hiredis/hiredis.h>
#include <json-c/json_c_version.h>
#include <libpsl.h>
#include <lmdb.h>
#include <maxminddb.h>
#include <opendkim/dkim.h>
#include <spf2/spf.h>
#include <unbound.h>

#include "version.h"

void mx6_print_library_versions(FILE *fp)
{
	uint32_t dkim = dkim_libversion();

	fprintf(fp, "libunbound %s\n", ub_version());
	fprintf(fp, "libspf2 %d.%d.%d (built against)\n", SPF_LIB_VERSION_MAJOR,
		SPF_LIB_VERSION_MINOR, SPF_LIB_VERSION_PATCH);
	fprintf(fp, "libopendkim %u.%u.%u\n", (unsigned)(dkim >> 24), (unsigned)((dkim >> 16) & 0xff),
		(unsigned)((dkim >> 8) & 0xff));
	fprintf(fp, "libpsl %s\n", psl_get_version());
	fprintf(fp, "libmaxminddb %s\n", MMDB_lib_version());
	fprintf(fp, "%s\n", mdb_version(NULL, NULL, NULL));
	fprintf(fp, "hiredis %d.%d.%d (built against)\n", HIREDIS_MAJOR, HIREDIS_MINOR,
		HIREDIS_PATCH);
	fprintf(fp, "libcurl %s\n", curl_version_info(CURLVERSION_NOW)->version);
	fprintf(fp, "json-c %s\n", json_c_version());
}
