#!/bin/sh
# sched.sh — parallel stages, timeouts, retries, matrix, when, --json,
# --junit and secret masking through the child processes.
set -u
. "$top_srcdir/tests/lib/assert.sh"
f="$top_srcdir/tests/run/sched.rp"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# two independent stages with -j2 run at the same time (each sees the
# other running), with -j1 one after the other (neither ever does)
export D="$tmp"
out=$(MEET=300 "$RP" run both -j2 -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "parallel run succeeds"
assert_contains "$out" "[both] both" "dependent ran after both"
assert_contains "$out" "[slow_a] a saw b" "-j2: slow_b ran while slow_a did"
assert_contains "$out" "[slow_b] b saw a" "-j2: slow_a ran while slow_b did"
out=$("$RP" run both -j1 -f "$f" 2>&1)
assert_contains "$out" "[both] both" "-j1 runs them all"
assert_not_contains "$out" " saw " "-j1: one at a time"

# a timeout kills the stage's whole process group
mark="30.$$"  # unique, so other test runs on the machine do not interfere
out=$(SLEEP_FOR=$mark "$RP" run hang -f "$f" 2>&1); rc=$?
assert_eq "$rc" 1 "timed-out stage fails"
assert_contains "$out" "timed out after 1s" "timeout reported"
sleep 0.2
pgrep -f "sleep $mark" >/dev/null && _fail "the stage's children survived its timeout"

# SIGTERM to rp (a cancelled CI job) stops its stages too
mark2="31.$$"
SLEEP_FOR=$mark2 "$RP" run hang -f "$f" > "$tmp/cancel.out" 2>&1 &
rp=$!
sleep 0.5
kill -TERM $rp
wait $rp; rc=$?
assert_eq "$rc" 1 "a cancelled run fails"
assert_contains "$(cat "$tmp/cancel.out")" "cancelled (signal 15)" "the stage is reported cancelled"
sleep 0.2
pgrep -f "sleep $mark2" >/dev/null && _fail "the stage's processes survived SIGTERM to rp"

# retry: fails twice, succeeds on the third attempt; outputs flow on
out=$(COUNTER="$tmp/count" "$RP" run after_flaky -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "retry eventually succeeds"
assert_contains "$out" "[after_flaky] attempts=3" "three attempts made"
rm -f "$tmp/count"
out=$(COUNTER="$tmp/count" "$RP" run after_flaky --only flaky -f "$f" 2>&1)
assert_contains "$out" "--- after_flaky" "named stages still run with --only"

# matrix: one stage per value; outputs are lists in matrix order
out=$("$RP" run ship -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "matrix run succeeds"
assert_contains "$out" "[build[linux]] building for linux" "matrix instance linux"
assert_contains "$out" "[build[mac]] building for mac" "matrix instance mac"
assert_contains "$out" "[ship] shipping app-linux+app-mac" "matrix outputs in order"
out=$("$RP" run steps -j4 -f "$f" 2>&1)
order=$(printf '%s\n' "$out" | sed -n 's/^\[steps\[.\]\] step //p' | tr -d '\n')
assert_eq "$order" "123" "sequential matrix runs in order"

# when
out=$(GO=no "$RP" run guarded -f "$f" 2>&1)
assert_contains "$out" "--- guarded: skipped" "when false skips"
out=$(GO=yes "$RP" run guarded -f "$f" 2>&1)
assert_contains "$out" "[guarded] guarded ran" "when true runs"
# each matrix instance decides `when` with the globals in reach, also
# once an earlier instance has evaluated them
cat > "$tmp/when.rp" <<'EOF'
let wanted = "a"

stage s {
  matrix arch in ["a", "b"]
  when arch == wanted
  print("ran ${arch}")
}
EOF
out=$("$RP" run s -f "$tmp/when.rp" 2>&1); rc=$?
assert_eq "$rc" 0 "matrix when reads a global: $out"
assert_contains "$out" "--- s[b]: skipped" "the other instance is skipped"
# a `when` failing at run time fails its own stage only: the global it
# read first stays defined for the stages after it, matrix instances too
cat > "$tmp/when-fails.rp" <<'EOF'
let base = "x"

stage a {
  when base.to_int() > 1
  print("a ran")
}
stage b { print("b sees ${base}") }
stage c {
  matrix n in [1, 2]
  when base == "x"
  print("c${n} sees ${base}")
}
EOF
out=$("$RP" run a b c -j1 -f "$tmp/when-fails.rp" 2>&1); rc=$?
assert_eq "$rc" 1 "the failing when fails the run"
assert_contains "$out" "stage 'a': to_int: \"x\" is not an integer" "a failed on its when"
assert_contains "$out" "[b] b sees x" "a later stage still reads the global"
assert_contains "$out" "c1 sees x" "matrix instance 1 decides its when with the global"
assert_contains "$out" "c2 sees x" "matrix instance 2 too"
assert_not_contains "$out" "a ran" "the stage whose when failed did not run"

# secrets: masked in child output, in errors, in --json and in junit
printf 'FROM_FILE=filesecret-123\n# a comment\n' > "$tmp/secrets.env"
out=$(API_TOKEN=s3cr3t-value MULTI="$(printf 'line-one-xyz\nline-two-xyz')" "$RP" run leak --json --junit "$tmp/j.xml" \
  --secrets "$tmp/secrets.env" -f "$f" 2>&1); rc=$?
assert_eq "$rc" 1 "leak stage fails"
assert_not_contains "$out" "s3cr3t-value" "secret never printed"
assert_contains "$out" "token is ***" "secret masked in sh output"
assert_contains "$out" "via env: ***" "secret masked through env"
assert_contains "$out" "bad token ***" "secret masked in the error"
assert_not_contains "$out" "line-one-xyz" "multi-line secret: first line masked"
assert_not_contains "$out" "line-two-xyz" "multi-line secret: second line masked"
assert_contains "$out" "multi: ***" "multi-line secret masked line by line"
assert_contains "$out" "from file: ***" "a --secrets file secret is masked"
assert_not_contains "$out" "filesecret-123" "secrets file value never printed"
assert_contains "$out" '"kind":"run_started"' "json run_started"
assert_contains "$out" '"kind":"stage_finished"' "json stage_finished"
assert_contains "$out" '"status":"failed"' "json status"
assert_contains "$out" '"kind":"run_finished"' "json run_finished"
junit=$(cat "$tmp/j.xml")
assert_contains "$junit" '<testcase classname="rp" name="leak"' "junit testcase"
assert_contains "$junit" '<failure message="bad token ***"' "junit failure, masked"
assert_not_contains "$junit" "s3cr3t-value" "junit masked"
finish
