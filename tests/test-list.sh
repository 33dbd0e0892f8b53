#!/bin/sh
# test-list.sh — no test can silently not run: the list automake runs
# (tests/list.am, written by autogen.sh) names every test file under
# tests/, and every C unit test is a check program in Makefile.am.
set -u
. "$top_srcdir/tests/lib/assert.sh"
want=$(sh "$top_srcdir/scripts/list-tests.sh")
have=$(cat "$top_srcdir/tests/list.am")
[ "$want" = "$have" ] || echo "$want" | diff "$top_srcdir/tests/list.am" - | head -20
[ "$want" = "$have" ]
assert_eq "$?" 0 "tests/list.am lists every test (re-run ./autogen.sh)"
for f in "$top_srcdir"/tests/unit/test_*.c; do
  t=tests/unit/$(basename "$f" .c)
  grep -q "^check_PROGRAMS += .*$t\b" "$top_srcdir/Makefile.am"
  assert_eq "$?" 0 "$t is a check program in Makefile.am"
done
finish
