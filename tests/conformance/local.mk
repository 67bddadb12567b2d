# tests/conformance/local.mk -- external conformance suites, included from
# the top Makefile.am (paths are relative to the top directory).
#
# spf-suite translates the RFC 7208 test suite (the openspf YAML, with its
# licence and changelog) into the line protocol of spf-driver, which runs
# each test through lib/spf.c against a static resolver: no network.

check_PROGRAMS += tests/conformance/spf-driver
tests_conformance_spf_driver_SOURCES = tests/conformance/spf-driver.c
tests_conformance_spf_driver_LDADD = $(LIBMX6)

TESTS += tests/conformance/spf-suite.sh
EXTRA_DIST += tests/conformance/spf-suite tests/conformance/spf-suite.sh \
	tests/conformance/spf/rfc7208-tests.yml \
	tests/conformance/spf/rfc7208-tests.LICENSE \
	tests/conformance/spf/rfc7208-tests.CHANGES
