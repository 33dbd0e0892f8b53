#!/bin/sh
# check-scale.sh — rp check stays linear in the number of stages and does
# not recurse per stage: a 4x bigger pipeline (chains, fan-in, transitive
# output reads; bench/gen-pipeline.sh) may take at most ~10x the CPU time
# (quadratic would be 16x), and a 100,000-stage needs chain with a cycle at
# its far end is checked without overflowing the stack.
set -u
: "${RP:?RP must name the rp binary}"
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT INT TERM
fail=0

sh "$top_srcdir/bench/gen-pipeline.sh" 4000 > "$dir/small.rp"
sh "$top_srcdir/bench/gen-pipeline.sh" 16000 > "$dir/big.rp"
cpu() { # user+sys seconds of `rp check FILE`, best of 3
  best=
  for i in 1 2 3; do
    /usr/bin/time -f '%U %S' -o "$dir/t" "$RP" check "$1" 2> "$dir/err"
    [ $? -eq "${want_status:-0}" ] || { echo "FAIL: rp check $1:"; head "$dir/err"; fail=1; }
    t=$(tail -n 1 "$dir/t" | awk '{ printf "%.3f", $1 + $2 }') # time notes a non-zero status first
    best=$(awk -v a="$t" -v b="${best:-$t}" 'BEGIN { print (a < b ? a : b) }')
  done
  echo "$best"
}
if [ -x /usr/bin/time ]; then
  small=$(cpu "$dir/small.rp")
  big=$(cpu "$dir/big.rp")
  echo "rp check: 4000 stages ${small}s, 16000 stages ${big}s"
  awk -v s="$small" -v b="$big" 'BEGIN { exit !(b <= 10 * (s < 0.05 ? 0.05 : s)) }' ||
    { echo "FAIL: not linear: 4000 stages ${small}s, 16000 stages ${big}s"; fail=1; }
else
  "$RP" check "$dir/big.rp" || fail=1
fi

# far reads: in a chain, every stage reads the output of the first one
# (many readers, one far target), and the end of a second chain reads it
# without needing it; both at 4000 and 16000 stages, for linearity.
far() {
  awk -v n="$1" 'BEGIN {
    print "stage s0 { output tag = \"v1\" }"
    for (i = 1; i < n; i++) printf "stage s%d {\n  needs s%d\n  sh \"echo ${s0.tag}\"\n}\n", i, i - 1
    print "stage t0 { sh \"true\" }"
    for (i = 1; i < 400; i++) printf "stage t%d { needs t%d }\n", i, i - 1
    print "stage t400 {\n  needs t399\n  sh \"echo ${s0.tag}\"\n}"
  }'
}
far 4000 > "$dir/far-small.rp"
far 16000 > "$dir/far-big.rp"
for f in far-small far-big; do
  NO_COLOR=1 "$RP" check "$dir/$f.rp" 2> "$dir/err"
  [ "$(grep -c ': error: ' "$dir/err")" -eq 1 ] &&
    grep -q ": error: stage 't400' reads 's0.tag' but does not need 's0'$" "$dir/err" ||
    { echo "FAIL: far reads in $f:"; head -5 "$dir/err"; fail=1; }
done
if [ -x /usr/bin/time ]; then
  want_status=2
  small=$(cpu "$dir/far-small.rp")
  big=$(cpu "$dir/far-big.rp")
  echo "rp check, far reads: 4000 stages ${small}s, 16000 stages ${big}s"
  awk -v s="$small" -v b="$big" 'BEGIN { exit !(b <= 10 * (s < 0.05 ? 0.05 : s)) }' ||
    { echo "FAIL: far reads not linear: ${small}s, ${big}s"; fail=1; }
fi

# a deep chain: s0 <- s1 <- ... <- s99999, and a cycle hanging off its end
awk 'BEGIN {
  print "stage s0 { sh \"true\" }"
  for (i = 1; i < 100000; i++) printf "stage s%d { needs s%d }\n", i, i - 1
  print "stage loop_a { needs loop_b, s99999 }"
  print "stage loop_b { needs loop_a }"
}' > "$dir/chain.rp"
NO_COLOR=1 "$RP" check "$dir/chain.rp" 2> "$dir/err"
status=$?
[ "$status" -eq 2 ] || { echo "FAIL: exit status $status for the chain with a cycle"; fail=1; }
grep -qx "$dir/chain.rp:100002:22: error: dependency cycle: loop_a -> loop_b -> loop_a" "$dir/err" ||
  { echo "FAIL: cycle not reported as expected:"; head -5 "$dir/err"; fail=1; }
[ "$(grep -c ': error: ' "$dir/err")" -eq 1 ] || { echo "FAIL: more than one error"; head "$dir/err"; fail=1; }
exit $fail
