#!/bin/sh
# doc-tables.sh — doc/primitives.md's reference table is the one the
# families' tables generate (scripts/primitives-table): a primitive added,
# renamed or documented differently in src/eval/prim_*.c without
# `make doc-tables` fails here, with the diff.
set -u
. "$top_srcdir/tests/lib/assert.sh"
gen=$(dirname "$RP")/scripts/primitives-table
[ -x "$gen" ] || _fail "no $gen: build it first (make)"
out=$(sh "$top_srcdir/scripts/doc-tables.sh" "$gen" "$top_srcdir/doc/primitives.md" --check 2>&1)
assert_eq "$?" 0 "doc/primitives.md is as generated: $out"
# the check does see a difference
tmp=$(mktemp); trap 'rm -f "$tmp"' EXIT
sed 's/^| `git.sha(rev:)` |/| `git.sha()` |/' "$top_srcdir/doc/primitives.md" > "$tmp"
out=$(sh "$top_srcdir/scripts/doc-tables.sh" "$gen" "$tmp" --check 2>&1)
assert_eq "$?" 1 "a stale table fails"
assert_contains "$out" '+| `git.sha(rev:)` |' "with a diff"
finish
