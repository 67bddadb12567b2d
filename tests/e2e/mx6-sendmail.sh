#!/bin/bash
# tests/e2e/mx6-sendmail.sh -- the four MX6 scenarios of tests/e2e/mx6.sh
# behind a real Sendmail (E2E_MTA=sendmail; see tests/e2e/lib.sh for how
# Sendmail is fetched, unpacked and run).
E2E_MTA=sendmail
export E2E_MTA
exec bash "$(dirname "$0")/mx6.sh" "$@"
