#!/bin/sh
# readme.sh — the pipeline shown in README.md passes rp check and is in
# canonical layout, so the first thing a reader sees is true.
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
awk '/^```$/ { n++; next } n == 1' "$top_srcdir/README.md" > "$tmp/readme.rp"
[ -s "$tmp/readme.rp" ] || _fail "README.md has no pipeline block"
out=$("$RP" check "$tmp/readme.rp" 2>&1); assert_eq "$?" 0 "rp check on the README pipeline: $out"
out=$("$RP" fmt --check "$tmp/readme.rp" 2>&1); assert_eq "$?" 0 "rp fmt --check on the README pipeline"
finish
