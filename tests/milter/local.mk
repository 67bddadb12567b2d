# tests/milter/local.mk -- milter protocol tests, included from the top
# Makefile.am (paths are relative to the top directory).
#
# mtclient plays the MTA (milter protocol v6, the way Postfix speaks it) and
# each script starts milter/mx6-milter on a private unix socket, drives it
# with mtclient and checks replies, header changes and log lines.
# A script exits 77 (skip) when milter/mx6-milter has not been built.

check_PROGRAMS += tests/milter/mtclient
tests_milter_mtclient_SOURCES = tests/milter/mtclient.c tests/milter/mtproto.c tests/milter/mtproto.h

MILTER_TESTS = \
	tests/milter/modes.sh \
	tests/milter/headers.sh \
	tests/milter/replies.sh \
	tests/milter/robustness.sh \
	tests/milter/reload.sh \
	tests/milter/reputation.sh \
	tests/milter/reload-load.sh \
	tests/milter/learning.sh \
	tests/milter/learning-shared.sh \
	tests/milter/bounds.sh \
	tests/milter/privileges.sh \
	tests/milter/systemd-unit.sh \
	tests/milter/metrics.sh

TESTS += $(MILTER_TESTS)
EXTRA_DIST += tests/milter/lib.sh $(MILTER_TESTS)
