/*
 * NAME
 *	config 3h
 * SUMMARY
 *	milter.conf: declarative key table, loader, refcounted snapshot
 * SYNOPSIS
 *	#include "config.h"
 * DESCRIPTION
 *	mx6_config_load() parses PATH ("key = value" lines, '#' comment at the
 *	start of a line or after white space), validates every value, loads
 *	every list file it names and returns a new snapshot with refcount 1.
 *	Every problem found is passed to REPORT as "FILE:LINE: message" (or
 *	"FILE: message" for the file as a whole); the loader goes on after an
 *	error so that one run shows them all, and returns NULL if there was
 *	any. Relative list paths are taken relative to the directory of PATH.
 *
 *	A snapshot is immutable once returned. mx6_config_ref() takes a
 *	reference (thread-safe); mx6_config_unref() drops one, frees the
 *	snapshot with its lists when the last goes, and sets *cfg to NULL.
 *
 *	mx6_config_listener() maps a connection to its listener mode: first
 *	a "listener = NAME MODE" line whose NAME equals daemon_name (case
 *	insensitive), then a "listener = [ADDRESS] MODE" line matching
 *	daemon_addr or if_addr (any of the forms mx6_addr_parse() takes),
 *	else default_mode. Any argument may be NULL. The label written to
 *	*label_r names what matched ("mta-v6", "[2001:db8::25]", "default");
 *	it points into the config or a static string.
 *
 *	Once every key is valid, the loader builds the services the snapshot
 *	owns: the resolver (dns_*), the SPF and DKIM checkers on top of it,
 *	the addressbooks and the state store. A failure there is a load
 *	error too. mx6_config_load_flags() can leave them out: the daemon's
 *	first load (before it forks and drops privileges: threads do not
 *	survive fork(), and files the store creates must belong to the
 *	unprivileged user) and mx6-milter -n build no store.
 *
 *	mx6_config_key_count()/mx6_config_key_name() list the keys of the
 *	table (used to check that the manual documents each one).
 */
#ifndef MX6_CONFIG_H
#define MX6_CONFIG_H

#include <stddef.h>

#include "addressbook.h"
#include "asn.h"
#include "dkim.h"
#include "dns.h"
#include "dnswl.h"
#include "domainset.h"
#include "iplist.h"
#include "rdap.h"
#include "registrar.h"
#include "reply.h"
#include "spf.h"
#include "store.h"

enum mx6_mode {
	MX6_MODE_DEFENSIVE = 0,
	MX6_MODE_MX6,
	MX6_MODE_REPORT,
	MX6_MODE_SUBMISSION,
	MX6_MODE_OFF,
};

enum mx6_reply_authres {
	MX6_REPLY_AUTHRES_NO = 0,
	MX6_REPLY_AUTHRES_MX6,
	MX6_REPLY_AUTHRES_ALL,
};

struct mx6_listener {
	char *name;		/* NAME, or NULL for an address listener */
	char *label;		/* "NAME" or "[ADDRESS]" as written */
	struct mx6_addr addr;	/* for an address listener */
	enum mx6_mode mode;
};

/* One loaded list file: its path (for LIST:LINE sources) and contents. */
struct mx6_ip_source {
	char *path;
	struct mx6_iplist *list;
};

struct mx6_domain_source {
	char *path;
	struct mx6_domainset *set;
};

enum mx6_iprev_mode {
	MX6_IPREV_NO = 0,
	MX6_IPREV_REPORT,
	MX6_IPREV_GREENLIST,
};

/* whois_signal: which registrations are asked for a contact (bits). */
#define MX6_WHOIS_DOMAIN  0x1
#define MX6_WHOIS_NETWORK 0x2

#define MX6_MAX_DKIM_SIGNATURES 16

struct mx6_config {
	int refcount;
	char *path;

	char *socket;
	unsigned socket_mode;
	char *user;
	char *authserv_id;
	enum mx6_mode default_mode;
	struct mx6_listener *listeners;
	size_t nlisteners;

	struct mx6_ip_source ip_whitelist;
	struct mx6_ip_source ip_greenlist;
	struct mx6_domain_source domain_whitelist;
	struct mx6_domain_source domain_greenlist;
	enum mx6_iprev_mode iprev;
	unsigned max_dkim_signatures;
	/* Bounds on what one session inspects and holds (SPEC 10). */
	unsigned max_header_bytes;   /* header names and values inspected per message */
	unsigned max_headers;	     /* header fields inspected per message */
	unsigned max_recipients;     /* recipients remembered per message */
	unsigned max_session_memory; /* bytes a session copies and holds (gather.h) */
	unsigned max_sessions;	     /* concurrent inspected connections (milter) */

	char *asn_db_path;
	struct mx6_asn_db *asn_db;
	char *asn_greenlist_path;
	struct mx6_asnlist *asn_greenlist;
	struct mx6_dnswl_zone *dnswl; /* client address lists */
	size_t ndnswl;
	struct mx6_dnswl_zone *dnswl_domain; /* authenticated domain lists */
	size_t ndnswl_domain;
	char *addressbook_spec;
	struct mx6_addressbook *addressbook;
	unsigned addressbook_cache;
	/* noretry_list: one file, addresses and domains. */
	struct mx6_ip_source noretry_ip;
	struct mx6_domain_source noretry_domain;

	int learn;
	char *state_url;
	/* The state store is opened: for learning, or as the RDAP cache
	 * (state set explicitly and an RDAP signal configured). */
	int state_used;
	unsigned history_min_messages;
	unsigned history_min_days;
	unsigned history_max_age; /* days */

	/* RDAP (SPEC 8a): registrar and registrant contact signals. */
	char *registrar_greenlist_path;
	struct mx6_registrar_list *registrar_greenlist;
	int whois_require_contact;
	unsigned whois_signal; /* MX6_WHOIS_* */
	char *rdap_url;
	char *rdap_bootstrap_dns_path;
	struct mx6_rdap_bootstrap *rdap_bootstrap_dns;
	char *rdap_bootstrap_ipv6_path;
	struct mx6_rdap_bootstrap *rdap_bootstrap_ipv6;
	unsigned rdap_timeout_ms;
	unsigned rdap_cache_ttl;    /* seconds */
	unsigned rdap_negative_ttl; /* seconds */

	char **dns_forwarders; /* NULL-terminated, or NULL: resolv.conf */
	unsigned dns_timeout_ms;
	char *dns_trust_anchor;
	char *dns_unbound_conf;

	struct mx6_reply defer_reply;
	struct mx6_reply defer_reply_temperror;
	struct mx6_reply mx6_reply;
	char *registration_url;
	enum mx6_reply_authres reply_authres;
	int add_authres;
	int mail_facility;
	char *metrics_listen; /* "ADDR:PORT" for Prometheus, or NULL */

	/* Services built from the keys above, owned by the snapshot. */
	struct mx6_dns *dns;
	struct mx6_spf *spf;
	struct mx6_dkim *dkim;
	struct mx6_store *store; /* with learn = yes; shared by snapshots of one URL */
	struct mx6_rdap *rdap;	      /* when an RDAP signal is on */
	struct mx6_store *rdap_cache; /* the state store, when learn = yes or state is set */
};

typedef void (*mx6_config_report_fn)(void *ctx, const char *message);

struct mx6_config *mx6_config_load(const char *path, mx6_config_report_fn report,
				   void *ctx);

/* Flags of mx6_config_load_flags(): what not to build. */
#define MX6_CONFIG_NO_SERVICES 0x1 /* no resolver, checkers or store: validation only */
#define MX6_CONFIG_NO_STORE 0x2	   /* everything but the state store */
struct mx6_config *mx6_config_load_flags(const char *path, unsigned flags,
					 mx6_config_report_fn report, void *ctx);
struct mx6_config *mx6_config_ref(struct mx6_config *cfg);
void mx6_config_unref(struct mx6_config **cfg);

enum mx6_mode mx6_config_listener(const struct mx6_config *cfg,
				  const char *daemon_name, const char *daemon_addr,
				  const char *if_addr, const char **label_r);

const char *mx6_mode_name(enum mx6_mode mode);
int mx6_mode_parse(const char *name, enum mx6_mode *mode_r);

size_t mx6_config_key_count(void);
const char *mx6_config_key_name(size_t index);

#endif
