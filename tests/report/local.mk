# tests/report/local.mk -- mx6-report on decision logs recorded from the
# e2e and milter tests (tests/data/report/README), included from the top
# Makefile.am. The expected figures are derived from the fixtures by the
# script itself (awk, GNU date), not stored.
TESTS += tests/report/report.sh
EXTRA_DIST += tests/report/report.sh tests/data/report/README \
	tests/data/report/e2e.log tests/data/report/mail.log \
	tests/data/report/rsyslog.log tests/data/report/junk.log
