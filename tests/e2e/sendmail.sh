#!/bin/bash
# tests/e2e/sendmail.sh -- the scenarios of tests/e2e/postfix.sh behind a
# real Sendmail (E2E_MTA=sendmail; see tests/e2e/lib.sh for how Sendmail is
# fetched, unpacked and run). Needs root, m4, dpkg, apt-get and python3;
# exit 77 (skip) when setup is impossible, with the reason.
E2E_MTA=sendmail
export E2E_MTA
exec bash "$(dirname "$0")/postfix.sh" "$@"
