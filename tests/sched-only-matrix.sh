#!/bin/sh
# sched-only-matrix.sh — `--only 'STAGE[VALUE]'` runs one instance of a
# matrix stage, named as in a whole run; a value that is not one of the
# stage's is refused with the values it has. An exported matrix job runs
# each instance this way (doc/ci.md).
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/pipeline.rp" <<'RP'
pipeline "instances"
stage build {
  matrix os in ["linux", "mac os", "a'b\"c]$(x)", 3]
  output bin = "app-${os}"
  sh "echo building for ${os}"
}
stage steps {
  needs build
  matrix n in [1, 2, 3] sequential
  sh "echo step ${n}"
}
stage ship { needs steps  sh "echo shipping" }
RP
cd "$tmp"
export RP_STATE_DIR="$tmp/state"

out=$("$RP" run --only 'build[mac os]' --junit j.xml 2>&1); rc=$?
assert_eq "$rc" 0 "one instance runs"
assert_contains "$out" "[build[mac os]] building for mac os" "its value is the matrix variable"
assert_not_contains "$out" "building for linux" "the other instances do not run"
assert_contains "$(cat j.xml)" 'name="build[mac os]"' "junit names the instance as a whole run does"
assert_contains "$(cat state/runs/*/journal.ndjson)" '"goals":["build[mac os]"],"only":true' \
  "the journal's plan keeps the instance, so a resume runs the same one"

# a hostile value is data: named as the instance shows it, it runs that one
out=$("$RP" run --only "build[a'b\"c]\$(x)]" --json 2>&1); rc=$?
assert_eq "$rc" 0 "an instance whose value holds brackets and quotes runs"
assert_contains "$out" '"stage":"build[a'"'"'b\"c]$(x)]","stream":"stdout","text":"building for a'"'"'b\"c]$(x)"' \
  "--json names the instance and runs its value"
out=$("$RP" run --only 'build[3]' 2>&1); rc=$?
assert_eq "$rc" 0 "a number value is named as it is shown"
assert_contains "$out" "building for 3" "the number instance ran"

# several instances, and a sequential matrix: the picked ones chain in order
out=$("$RP" plan --only 'steps[3]' --only 'steps[1]' 2>&1)
assert_contains "$out" "1. steps[1]" "rp plan shows the instances in matrix order"
assert_contains "$out" "2. steps[3]" "rp plan shows the second instance"
assert_not_contains "$out" "steps[2]" "and no other"
out=$("$RP" plan 'steps[2]' 2>&1)
assert_contains "$out" "build[linux]" "without --only, the instance's needs are planned"
assert_contains "$out" "5. steps[2]" "then the instance"

out=$("$RP" run --only 'build[windows]' 2>&1); rc=$?
assert_eq "$rc" 2 "a value the matrix does not have is a usage error"
assert_contains "$out" "stage 'build' has no matrix value 'windows': its values are 'linux', 'mac os'" \
  "the error names the stage's values"
out=$("$RP" plan --only 'ship[1]' 2>&1); rc=$?
assert_eq "$rc" 2 "an instance of a stage without a matrix is refused"
assert_contains "$out" "stage 'ship' has no matrix: name it without [1]" "the error says so"
out=$("$RP" run --only 'shipp[1]' 2>&1)
assert_contains "$out" "no stage named 'shipp' in pipeline.rp (did you mean 'ship'?)" "an unknown stage is named without the value"

# the whole stage named beside one instance runs every instance
out=$("$RP" run --only 'build[linux]' --only build 2>&1)
assert_contains "$out" "building for mac os" "naming the stage runs all its instances"
finish
