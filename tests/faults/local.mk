# tests/faults/local.mk -- fault tests, included from the top Makefile.am
# (paths are relative to the top directory).
#
# dns-faults.sh drives milter/mx6-milter over the milter protocol while
# its DNS fails: time-outs, SERVFAIL, REFUSED, CNAME loops, truncated
# answers, huge TXT records, 100 SPF includes, 16 KB DKIM keys. The zone
# comes from mkzone.py and tests/dns/server.sh; faultdns.py is the
# misbehaving forwarder for truncation and answer loops. It exits 77
# (skip) when unbound, python3 or openssl is missing.

FAULT_TESTS = tests/faults/dns-faults.sh
TESTS += $(FAULT_TESTS)
EXTRA_DIST += tests/faults/faultdns.py tests/faults/mkzone.py $(FAULT_TESTS)
