#!/bin/sh
# doc-tables.sh GENERATOR DOC [--check] — replaces the lines of DOC from its
# `<!-- BEGIN ... -->` marker to its `<!-- END ... -->` marker with what
# GENERATOR prints (markers included). With --check, changes nothing and
# fails with a diff when DOC is not what it would be.
set -eu
gen=$1 doc=$2
new=$(mktemp) table=$(mktemp)
trap 'rm -f "$new" "$table"' EXIT
"$gen" > "$table"
awk -v table="$table" '
  /^<!-- BEGIN / { while ((getline line < table) > 0) print line; skip = 1; found = 1; next }
  /^<!-- END / && skip { skip = 0; next }
  !skip { print }
  END { if (!found) { print "no <!-- BEGIN --> marker" > "/dev/stderr"; exit 1 } }
' "$doc" > "$new"
if [ "${3:-}" = --check ]; then
  diff -u "$doc" "$new" || { echo "$doc is stale: run make doc-tables" >&2; exit 1; }
else
  cmp -s "$doc" "$new" || cp "$new" "$doc"
fi
