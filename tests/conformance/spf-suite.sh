#!/bin/sh
# spf-suite.sh -- the RFC 7208 test suite against lib/spf.c (see spf-suite).
# Run by make check from the top build directory; $srcdir is the top source
# directory.
srcdir=${srcdir:-.}
if ! python3 -c 'import yaml' 2>/dev/null; then
	echo "spf-suite.sh: skipped: needs python3 with PyYAML (python3-yaml)"
	exit 77
fi
exec python3 "$srcdir/tests/conformance/spf-suite" --driver tests/conformance/spf-driver \
	"$srcdir/tests/conformance/spf/rfc7208-tests.yml"
