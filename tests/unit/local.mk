# tests/unit/local.mk -- unit tests (libcheck) for libmx6, included from the
# top Makefile.am (paths are relative to the top directory).
#
# One program per library module; each test states one behaviour. Tests
# write their scratch files under $TMPDIR (or /tmp) and find files of the
# source tree through $srcdir, so they run from a VPATH build and under
# make distcheck.

UNIT_COMMON = tests/unit/unit.c tests/unit/unit.h
UNIT_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
UNIT_LDADD = $(LIBMX6) $(CHECK_LIBS)

if HAVE_CHECK
UNIT_TESTS = \
	tests/unit/check_iplist \
	tests/unit/check_config \
	tests/unit/check_reply \
	tests/unit/check_policy \
	tests/unit/check_authres \
	tests/unit/check_session \
	tests/unit/check_spf \
	tests/unit/check_domainset \
	tests/unit/check_address \
	tests/unit/check_dmarc \
	tests/unit/check_iprev \
	tests/unit/check_dkim \
	tests/unit/check_dnswl \
	tests/unit/check_bounds \
	tests/unit/check_dnscache

check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
else
# Say so in the test summary rather than skipping the unit tests silently.
TESTS += tests/unit/check-missing.sh
endif
EXTRA_DIST += tests/unit/check-missing.sh

tests_unit_check_iplist_SOURCES = tests/unit/check_iplist.c $(UNIT_COMMON)
tests_unit_check_iplist_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_iplist_LDADD = $(UNIT_LDADD)

tests_unit_check_config_SOURCES = tests/unit/check_config.c $(UNIT_COMMON)
tests_unit_check_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_config_LDADD = $(UNIT_LDADD)

tests_unit_check_reply_SOURCES = tests/unit/check_reply.c $(UNIT_COMMON)
tests_unit_check_reply_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_reply_LDADD = $(UNIT_LDADD)

tests_unit_check_policy_SOURCES = tests/unit/check_policy.c $(UNIT_COMMON)
tests_unit_check_policy_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_policy_LDADD = $(UNIT_LDADD)

tests_unit_check_authres_SOURCES = tests/unit/check_authres.c $(UNIT_COMMON)
tests_unit_check_authres_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_authres_LDADD = $(UNIT_LDADD)

tests_unit_check_session_SOURCES = tests/unit/check_session.c $(UNIT_COMMON)
tests_unit_check_session_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_session_LDADD = $(UNIT_LDADD)

tests_unit_check_spf_SOURCES = tests/unit/check_spf.c $(UNIT_COMMON)
tests_unit_check_spf_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_spf_LDADD = $(UNIT_LDADD)

tests_unit_check_domainset_SOURCES = tests/unit/check_domainset.c $(UNIT_COMMON)
tests_unit_check_domainset_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_domainset_LDADD = $(UNIT_LDADD)

tests_unit_check_address_SOURCES = tests/unit/check_address.c $(UNIT_COMMON)
tests_unit_check_address_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_address_LDADD = $(UNIT_LDADD)

tests_unit_check_dmarc_SOURCES = tests/unit/check_dmarc.c $(UNIT_COMMON)
tests_unit_check_dmarc_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_dmarc_LDADD = $(UNIT_LDADD)

tests_unit_check_iprev_SOURCES = tests/unit/check_iprev.c $(UNIT_COMMON)
tests_unit_check_iprev_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_iprev_LDADD = $(UNIT_LDADD)

tests_unit_check_dkim_SOURCES = tests/unit/check_dkim.c $(UNIT_COMMON)
tests_unit_check_dkim_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_dkim_LDADD = $(UNIT_LDADD)

tests_unit_check_dnswl_SOURCES = tests/unit/check_dnswl.c $(UNIT_COMMON)
tests_unit_check_dnswl_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_dnswl_LDADD = $(UNIT_LDADD)

if HAVE_CHECK
UNIT_TESTS += tests/unit/check_asn
endif
# check_asn writes its test databases at run time with this script.
EXTRA_DIST += tests/data/asn/make-test-mmdb.pl

tests_unit_check_asn_SOURCES = tests/unit/check_asn.c $(UNIT_COMMON)
tests_unit_check_asn_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_asn_LDADD = $(UNIT_LDADD)

if HAVE_CHECK
UNIT_TESTS += tests/unit/check_addressbook
endif
# Fixtures: check_addressbook copies them under recipients' names.
EXTRA_DIST += tests/data/addressbook/plain.txt tests/data/addressbook/vcard3.vcf \
	tests/data/addressbook/vcard4-crlf.vcf tests/data/addressbook/nasty.vcf

tests_unit_check_addressbook_SOURCES = tests/unit/check_addressbook.c $(UNIT_COMMON)
tests_unit_check_addressbook_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_addressbook_LDADD = $(UNIT_LDADD)

if HAVE_CHECK
UNIT_TESTS += tests/unit/check_store
endif

tests_unit_check_store_SOURCES = tests/unit/check_store.c $(UNIT_COMMON)
tests_unit_check_store_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_store_LDADD = $(UNIT_LDADD)

tests_unit_check_bounds_SOURCES = tests/unit/check_bounds.c $(UNIT_COMMON)
tests_unit_check_bounds_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_bounds_LDADD = $(UNIT_LDADD)
if HAVE_CHECK
UNIT_TESTS += tests/unit/check_metrics
endif

tests_unit_check_metrics_SOURCES = tests/unit/check_metrics.c $(UNIT_COMMON)
tests_unit_check_metrics_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_metrics_LDADD = $(UNIT_LDADD)

if HAVE_CHECK
UNIT_TESTS += tests/unit/check_rdap
endif
# Fixtures: the responses and bootstrap files tests/rdap/server.py serves too.
EXTRA_DIST += tests/data/rdap/listed.json tests/data/rdap/offlist.json \
	tests/data/rdap/named.json tests/data/rdap/redacted.json \
	tests/data/rdap/rfc9537.json tests/data/rdap/contact.json \
	tests/data/rdap/malformed.json tests/data/rdap/network-contact.json \
	tests/data/rdap/network-nocontact.json tests/data/rdap/bootstrap-dns.json \
	tests/data/rdap/bootstrap-ipv6.json

tests_unit_check_rdap_SOURCES = tests/unit/check_rdap.c $(UNIT_COMMON)
tests_unit_check_rdap_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_rdap_LDADD = $(UNIT_LDADD)

if HAVE_CHECK
UNIT_TESTS += tests/unit/check_report
endif

tests_unit_check_report_SOURCES = tests/unit/check_report.c $(UNIT_COMMON)
tests_unit_check_report_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_report_LDADD = $(UNIT_LDADD)

tests_unit_check_dnscache_SOURCES = tests/unit/check_dnscache.c $(UNIT_COMMON)
tests_unit_check_dnscache_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_dnscache_LDADD = $(UNIT_LDADD)
