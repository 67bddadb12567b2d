# End-to-end test with a real Postfix (needs root; skipped otherwise).
# The script re-execs itself in a private network namespace; see tests/e2e/lib.sh.
TESTS += tests/e2e/postfix.sh
EXTRA_DIST += tests/e2e/lib.sh tests/e2e/postfix.sh
