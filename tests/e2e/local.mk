# End-to-end tests with a real MTA (need root; skipped otherwise). Each
# script re-execs itself in a private network namespace and runs its
# scenarios against the MTA named by E2E_MTA (postfix by default); the
# *-sendmail.sh wrappers (and sendmail.sh for postfix.sh) run the same
# scenarios, same assertions, against a real Sendmail, unpacked (not
# installed: it conflicts with Postfix) from `apt-get download` packages
# cached in tests/e2e/.sendmail-cache; the cached .deb files go with
# `make clean`. See tests/e2e/lib.sh.
TESTS += tests/e2e/postfix.sh tests/e2e/sendmail.sh
EXTRA_DIST += tests/e2e/lib.sh tests/e2e/sendmail-lib.sh tests/e2e/postfix.sh tests/e2e/sendmail.sh \
	contrib/sendmail/mx6-milter.mc
CLEANFILES += tests/e2e/.sendmail-cache/*.deb tests/e2e/.sendmail-cache/.lock

# Domain authentication end to end: real Postfix, real unbound (tests/dns/server.sh)
# inside the namespace, DKIM keys made with openssl and signed with tests/dkim/dkim-sign.
TESTS += tests/e2e/auth.sh tests/e2e/auth-sendmail.sh
EXTRA_DIST += tests/e2e/auth.sh tests/e2e/auth-sendmail.sh

# Learning end to end: authenticated IPv4 mail through the real MTA
# teaches the milter (LMDB store) to accept the same domain over IPv6.
TESTS += tests/e2e/learning.sh tests/e2e/learning-sendmail.sh
EXTRA_DIST += tests/e2e/learning.sh tests/e2e/learning-sendmail.sh

# The four scenarios of the MX6 proposal end to end: tests/mx6-sender (an
# MX6-aware sender: SRV _mx6._tcp lookup, IPv6 first, IPv4 retry after the
# mx6 5xx) against the real MTA and the test DNS server.
# contrib/dns/example.zone shows the records a receiver publishes.
TESTS += tests/e2e/mx6.sh tests/e2e/mx6-sendmail.sh
EXTRA_DIST += tests/e2e/mx6.sh tests/e2e/mx6-sendmail.sh tests/mx6-sender \
	contrib/dns/example.zone

# Reload and kill -9 under load: three bounded swaks loops (IPv4, two IPv6
# clients) through the real Postfix while the milter gets SIGHUPs, then
# SIGKILL and a restart; milter_default_action (accept for IPv4, tempfail
# for IPv6) must keep IPv4 flowing and let no IPv6 message pass unjudged.
TESTS += tests/e2e/kill.sh
EXTRA_DIST += tests/e2e/kill.sh
