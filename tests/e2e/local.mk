# End-to-end test with a real Postfix (needs root; skipped otherwise).
# The script re-execs itself in a private network namespace; see tests/e2e/lib.sh.
TESTS += tests/e2e/postfix.sh
EXTRA_DIST += tests/e2e/lib.sh tests/e2e/postfix.sh

# Domain authentication end to end: real Postfix, real unbound (tests/dns/server.sh)
# inside the namespace, DKIM keys made with openssl and signed with tests/dkim/dkim-sign.
TESTS += tests/e2e/auth.sh
EXTRA_DIST += tests/e2e/auth.sh

# Learning end to end: authenticated IPv4 mail through the real Postfix
# teaches the milter (LMDB store) to accept the same domain over IPv6.
TESTS += tests/e2e/learning.sh
EXTRA_DIST += tests/e2e/learning.sh
