# tests/dkim/local.mk -- DKIM verification (lib/dkim.c) end to end, included
# from the top Makefile.am (paths are relative to the top directory).
#
# verify.sh generates RSA keys with openssl, publishes them in a zone for
# tests/dns/server.sh, signs messages with dkim-sign (libopendkim) and
# checks what dkim-verify (lib/dkim.c, keys through lib/dns.c) reports for
# each signature. It exits 77 (skip) when unbound, python3 or openssl is
# missing.

check_PROGRAMS += tests/dkim/dkim-sign tests/dkim/dkim-verify
tests_dkim_dkim_sign_SOURCES = tests/dkim/dkim-sign.c tests/dkim/message.c tests/dkim/message.h
tests_dkim_dkim_sign_LDADD = $(LIBMX6)
tests_dkim_dkim_verify_SOURCES = tests/dkim/dkim-verify.c tests/dkim/message.c tests/dkim/message.h
tests_dkim_dkim_verify_LDADD = $(LIBMX6)

DKIM_TESTS = tests/dkim/verify.sh
TESTS += $(DKIM_TESTS)
EXTRA_DIST += $(DKIM_TESTS)
