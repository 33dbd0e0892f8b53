#!/bin/sh
# plan-scale.sh — rp plan keeps its order and reasons (a diamond with a
# matrix and two goals), and plans a 100,000-stage needs chain without
# recursing per stage.
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/diamond.rp" <<'RP'
stage a { sh "true" }
stage b { needs a  matrix os in ["linux", "mac"]  sh "true" }
stage c { needs b, a  sh "true" }
stage d { needs c, a  sh "true" }
stage e { needs b  sh "true" }
RP
out=$(cd "$tmp" && "$RP" plan d e -f diamond.rp 2>&1); rc=$?
assert_eq "$rc" 0 "the diamond plans"
assert_eq "$(printf '%s\n' "$out" | sed -n '/^stages, in order:/,$p' | sed 's/  *$//')" "stages, in order:
   1. a                        needed by b[linux]
   2. b[linux]                 needed by c
   3. b[mac]                   needed by c
   4. c                        needed by d
   5. d                        named on the command line
   6. e                        named on the command line" "needs first, in the order written; the first unit that needs each"

awk 'BEGIN { print "stage s0 { sh \"true\" }"
  for (i = 1; i < 100000; i++) printf "stage s%d { needs s%d  sh \"true\" }\n", i, i - 1 }' > "$tmp/chain.rp"
out=$(cd "$tmp" && "$RP" plan s99999 -f chain.rp 2>&1); rc=$?
assert_eq "$rc" 0 "a 100,000-stage chain plans"
assert_eq "$(printf '%s\n' "$out" | grep -c 'needed by')" 99999 "every stage but the goal is needed by the next"
assert_contains "$out" "  1. s0                       needed by s1" "the chain starts at its far end"
assert_contains "$out" "100000. s99999" "and ends at the goal"
finish
