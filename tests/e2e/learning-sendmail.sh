#!/bin/bash
# tests/e2e/learning-sendmail.sh -- the learning scenarios of
# tests/e2e/learning.sh behind a real Sendmail (E2E_MTA=sendmail; see
# tests/e2e/lib.sh for how Sendmail is fetched, unpacked and run).
E2E_MTA=sendmail
export E2E_MTA
exec bash "$(dirname "$0")/learning.sh" "$@"
