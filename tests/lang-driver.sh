#!/bin/sh
# lang-driver.sh — the golden-test driver (tests/lib/lang-test.sh) itself
# fails when it should: a missing diagnostic, an unexpected one, a wrong
# pinned column, a different message; and passes an exact match.
set -u
: "${RP:?RP must name the rp binary}"
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
driver="$top_srcdir/tests/lib/lang-test.sh"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT INT TERM
fail=0
expect() { # expect pass|fail NAME  (file content on stdin)
  cat > "$dir/$2.rp"
  if sh "$driver" "$dir/$2.rp" > "$dir/out" 2>&1; then got=pass; else got=fail; fi
  [ "$got" = "$1" ] || { echo "FAIL: driver said $got for $2, want $1"; cat "$dir/out"; fail=1; }
}
expect pass exact <<'RP'
stage a { needs b }  # error@17: stage 'a' needs unknown stage 'b'
RP
expect fail missing <<'RP'
stage a { needs b }
stage c { }  # error: stage 'c' needs unknown stage 'd'
RP
expect fail unexpected <<'RP'
stage a { needs b }
RP
expect fail wrong_column <<'RP'
stage a { needs b }  # error@16: stage 'a' needs unknown stage 'b'
RP
expect fail wrong_message <<'RP'
stage a { needs b }  # error: stage 'a' needs unknown stage 'B'
RP
expect fail wrong_level <<'RP'
stage a { let x = 1 }  # error: unused variable 'x'
RP
expect pass warning_only <<'RP'
stage a { let x = 1 }  # warning: unused variable 'x'
RP
expect pass clean <<'RP'
stage a { sh "true" }
RP
exit $fail
