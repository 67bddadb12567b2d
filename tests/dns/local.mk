# tests/dns/local.mk -- a test DNS server and the resolver checked against
# it, included from the top Makefile.am (paths are relative to the top
# directory).
#
# server.sh starts a real unbound on a loopback port (PORT 0: a free one)
# serving zone files plus built-in SERVFAIL, REFUSED and time-out zones;
# blackhole.py is its never-answering (and its SERVFAIL) upstream.
# dns-query prints what lib/dns.c resolves. Other suites (DKIM, DMARC,
# iprev, SPF, end-to-end) reuse all three; see the header of server.sh.
# resolver.sh exits 77 (skip) when unbound or python3 is missing.

check_PROGRAMS += tests/dns/dns-query
tests_dns_dns_query_SOURCES = tests/dns/dns-query.c
tests_dns_dns_query_LDADD = $(LIBMX6)

DNS_TESTS = tests/dns/resolver.sh
TESTS += $(DNS_TESTS)
EXTRA_DIST += tests/dns/server.sh tests/dns/blackhole.py $(DNS_TESTS)
