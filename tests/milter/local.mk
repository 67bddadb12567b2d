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

# make check-valgrind: the same suites with every daemon they start under
# valgrind's memcheck (MX6_MILTER_WRAPPER, see lib.sh). A definite or
# indirect leak or any memory error makes valgrind print a non-zero
# "ERROR SUMMARY", which fails the script (t_reports), and exit with
# status 97. tests/valgrind.supp hides only third-party one-time
# initialisation (each entry says why). Valgrind runs the daemon some 20
# times slower: MX6_TEST_SLOW stretches the timing bounds of lib.sh and the
# scripts that are there for a daemon at full speed, only under it.
VALGRIND = valgrind
VALGRIND_FLAGS = --tool=memcheck --leak-check=full \
	--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
	--error-exitcode=97 --num-callers=40 --track-fds=no \
	--suppressions=$(abs_top_srcdir)/tests/valgrind.supp
VALGRIND_SLOW = 10
# Not reload.sh and reload-load.sh: valgrind routes signals itself and may
# hand a process-directed SIGHUP to libmilter's signal thread (it sits in
# sigwait() for SIGHUP), which stops the filter; the kernel gives it to the
# daemon's main thread, which has it unblocked (see milter/main.c). Those
# two run under ASan+UBSan in tests/run-all instead.
VALGRIND_TESTS = \
	tests/milter/modes.sh \
	tests/milter/headers.sh \
	tests/milter/replies.sh \
	tests/milter/robustness.sh \
	tests/milter/reputation.sh \
	tests/milter/learning.sh \
	tests/milter/learning-shared.sh
EXTRA_DIST += tests/valgrind.supp

check-valgrind:
	@if test -n "$(SAN_CFLAGS)$(FUZZ_CFLAGS)"; then \
		echo "check-valgrind: valgrind cannot run sanitizer builds; configure without --enable-sanitizers/--enable-fuzzing" >&2; \
		exit 1; \
	fi
	@command -v $(VALGRIND) >/dev/null 2>&1 || { echo "check-valgrind: $(VALGRIND) not found (apt-get install valgrind)" >&2; exit 1; }
	MX6_MILTER_WRAPPER='$(VALGRIND) $(VALGRIND_FLAGS)' MX6_TEST_SLOW=$(VALGRIND_SLOW) \
		$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(VALGRIND_TESTS)'
.PHONY: check-valgrind
