/*
 * NAME
 *	auth 3h
 * SUMMARY
 *	authentication results shared by SPF, DKIM, DMARC and iprev
 * DESCRIPTION
 *	The result values of RFC 8601 2.7. mx6_auth_name() returns the
 *	lower-case token used in Authentication-Results ("pass",
 *	"temperror", ...).
 */
#ifndef MX6_AUTH_H
#define MX6_AUTH_H

enum mx6_auth {
	MX6_AUTH_NONE = 0,
	MX6_AUTH_PASS,
	MX6_AUTH_FAIL,
	MX6_AUTH_SOFTFAIL,
	MX6_AUTH_NEUTRAL,
	MX6_AUTH_POLICY,
	MX6_AUTH_TEMPERROR,
	MX6_AUTH_PERMERROR,
};

const char *mx6_auth_name(enum mx6_auth result);

#endif
