#!/bin/sh
# sched-order.sh — the scheduler's queues start and skip stages in plan
# order: a failure skips what needs it at once, `when` false skips its
# dependents, and the rest runs; and a fan of 2,000 stages ready at once
# runs each stage exactly once at -j2.
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export RP_STATE_DIR="$tmp/state"

cat > "$tmp/order.rp" <<'RP'
stage a { sh "echo a" }
stage b { sh "exit 1" }
stage c { needs b  sh "echo c" }
stage d { needs a  sh "echo d" }
stage e { needs c, d  sh "echo e" }
stage f { needs a  sh "echo f" }
stage g { needs f  when false  sh "echo g" }
stage h { needs g  sh "echo h" }
RP
out=$("$RP" run e h -j1 -f "$tmp/order.rp" 2>&1); rc=$?
assert_eq "$rc" 1 "a failed stage fails the run"
assert_eq "$(printf '%s\n' "$out" | grep '^--- ' | sed 's/ (.*//')" "--- b
--- b: FAILED
--- c: skipped
--- a
--- e: skipped
--- a: ok
--- d
--- d: ok
--- f
--- f: ok
--- g: skipped
--- h: skipped" "started, finished and skipped in plan order"

awk 'BEGIN { for (i = 0; i < 2000; i++) printf "stage s%d { sh \"echo s%d >> $OUT\" }\n", i, i
  printf "stage all { needs s0"; for (i = 1; i < 2000; i++) printf ", s%d", i; print "  sh \"echo all >> $OUT\" }" }' > "$tmp/fan.rp"
OUT="$tmp/ran" "$RP" run all -j2 -f "$tmp/fan.rp" > "$tmp/fan.out" 2>&1; rc=$?
assert_eq "$rc" 0 "a fan of 2,000 stages runs"
assert_eq "$(sort "$tmp/ran" | uniq | wc -l | tr -d ' ')" 2001 "every stage ran"
assert_eq "$(wc -l < "$tmp/ran" | tr -d ' ')" 2001 "each once"
assert_eq "$(tail -n 1 "$tmp/ran")" "all" "the stage that needs them all ran last"
finish
