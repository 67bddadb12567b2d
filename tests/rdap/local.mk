# tests/rdap/local.mk -- RDAP signals (SPEC 8a) against a local RDAP server,
# included from the top Makefile.am (paths are relative to the top
# directory). server.py serves the fixtures of tests/data/rdap on a free
# loopback port; rdap.sh drives the daemon over the milter protocol and
# mx6-check. Skips (77) without unbound or python3.

RDAP_TESTS = tests/rdap/rdap.sh
TESTS += $(RDAP_TESTS)
EXTRA_DIST += $(RDAP_TESTS) tests/rdap/server.py
