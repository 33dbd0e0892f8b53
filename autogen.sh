#!/bin/sh
# autogen.sh — list the test files for automake, then generate ./configure.
set -e
cd "$(dirname "$0")"
sh scripts/list-tests.sh > tests/list.am
autoreconf -fi
