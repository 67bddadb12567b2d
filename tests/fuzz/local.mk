# tests/fuzz/local.mk -- libFuzzer targets, included from the top
# Makefile.am (paths are relative to the top directory). Built only with
# ./configure --enable-fuzzing (clang); tests/fuzz/run builds and runs them.

FUZZ_TARGETS = \
	tests/fuzz/fuzz_config \
	tests/fuzz/fuzz_lists \
	tests/fuzz/fuzz_address \
	tests/fuzz/fuzz_authres \
	tests/fuzz/fuzz_dmarc \
	tests/fuzz/fuzz_dnswl \
	tests/fuzz/fuzz_addressbook \
	tests/fuzz/fuzz_session \
	tests/fuzz/fuzz_rdap \
	tests/fuzz/fuzz_spf

EXTRA_DIST += tests/fuzz/run tests/fuzz/README.md tests/fuzz/corpus tests/fuzz/dict

if ENABLE_FUZZING
noinst_PROGRAMS += $(FUZZ_TARGETS)
FUZZ_LINK_FLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer

tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz_config.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_config_LDADD = $(LIBMX6)
tests_fuzz_fuzz_config_LDFLAGS = $(FUZZ_LINK_FLAGS)

tests_fuzz_fuzz_lists_SOURCES = tests/fuzz/fuzz_lists.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_lists_LDADD = $(LIBMX6)
tests_fuzz_fuzz_lists_LDFLAGS = $(FUZZ_LINK_FLAGS)

tests_fuzz_fuzz_address_SOURCES = tests/fuzz/fuzz_address.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_address_LDADD = $(LIBMX6)
tests_fuzz_fuzz_address_LDFLAGS = $(FUZZ_LINK_FLAGS)

tests_fuzz_fuzz_authres_SOURCES = tests/fuzz/fuzz_authres.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_authres_LDADD = $(LIBMX6)
tests_fuzz_fuzz_authres_LDFLAGS = $(FUZZ_LINK_FLAGS)

tests_fuzz_fuzz_dmarc_SOURCES = tests/fuzz/fuzz_dmarc.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_dmarc_LDADD = $(LIBMX6)
tests_fuzz_fuzz_dmarc_LDFLAGS = $(FUZZ_LINK_FLAGS)

tests_fuzz_fuzz_dnswl_SOURCES = tests/fuzz/fuzz_dnswl.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_dnswl_LDADD = $(LIBMX6)
tests_fuzz_fuzz_dnswl_LDFLAGS = $(FUZZ_LINK_FLAGS)

tests_fuzz_fuzz_addressbook_SOURCES = tests/fuzz/fuzz_addressbook.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_addressbook_LDADD = $(LIBMX6)
tests_fuzz_fuzz_addressbook_LDFLAGS = $(FUZZ_LINK_FLAGS)

tests_fuzz_fuzz_rdap_SOURCES = tests/fuzz/fuzz_rdap.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_rdap_LDADD = $(LIBMX6)
tests_fuzz_fuzz_rdap_LDFLAGS = $(FUZZ_LINK_FLAGS)

tests_fuzz_fuzz_session_SOURCES = tests/fuzz/fuzz_session.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_session_LDADD = $(LIBMX6)
tests_fuzz_fuzz_session_LDFLAGS = $(FUZZ_LINK_FLAGS)

tests_fuzz_fuzz_spf_SOURCES = tests/fuzz/fuzz_spf.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_spf_LDADD = $(LIBMX6)
tests_fuzz_fuzz_spf_LDFLAGS = $(FUZZ_LINK_FLAGS)
endif
