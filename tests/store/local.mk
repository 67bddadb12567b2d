# tests/store/local.mk -- the state store backends, included from the top
# Makefile.am (paths are relative to the top directory).
#
# store-cli drives one backend (lib/store_redis.c) through the operations
# table of lib/store_impl.h from a small command script; redis.sh runs it
# against a private redis-server on a free loopback port and exits 77
# (skip) when redis-server is missing.

check_PROGRAMS += tests/store/store-cli
tests_store_store_cli_SOURCES = tests/store/store-cli.c
tests_store_store_cli_LDADD = $(LIBMX6)

STORE_TESTS = tests/store/redis.sh
TESTS += $(STORE_TESTS)
EXTRA_DIST += $(STORE_TESTS)
