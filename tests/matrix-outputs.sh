#!/bin/sh
# matrix-outputs.sh — a reader gets each instance's outputs by its name,
# STAGE["INSTANCE"].NAME, beside STAGE.NAME (a list, in matrix order), in
# one run and in a job of the run on another machine (--only --run-id),
# whose outputs come from the journal in the state: a bare git repository
# served over smart HTTP (RP_TEST_STATE=dir runs it on a directory).
set -u
: "${RP_TEST_STATE:=git}"
. "$top_srcdir/tests/lib/assert.sh"
. "$top_srcdir/tests/lib/state-lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
state_setup "$tmp"
cat > pipeline.rp <<'RP'
pipeline "outs"
stage test {
  matrix os in ["linux", "macos"]
  matrix py in ["3.11", "3.12"]
  matrix { exclude = [{os: "macos", py: "3.11"}] }
  output report = "report-${os}-${py}"
  sh "echo testing"
}
stage target {
  matrix t in [{arch: "arm64"}, "x86"]
  output bin = "bin-${t}"
}
stage summary {
  needs test, target
  let one = test["linux, 3.12"].report
  sh "echo one=${one} all=${test.report} map=${target["arch=arm64"].bin} x86=${target["x86"].bin}"
}
RP
out=$("$RP" run summary 2>&1); rc=$?
assert_eq "$rc" 0 "the run succeeds"
assert_contains "$out" "one=report-linux-3.12 all=[\"report-linux-3.11\", \"report-linux-3.12\", \"report-macos-3.12\"]" \
  "one instance's output by its name, and all of them as a list in matrix order"
assert_contains "$out" "map=bin-{arch: \"arm64\"} x86=bin-x86" "an instance with a map value, by its readable name"
"$RP" run test target --run-id ci-7 >/dev/null 2>&1 || _fail "run ci-7 runs the matrices"
"$RP" run --only 'target[x86]' --run-id ci-8 >/dev/null 2>&1 || _fail "run ci-8 runs one instance"

# another machine (its own directory: nothing but the state in common)
mkdir "$tmp/B" && cp pipeline.rp "$tmp/B/" && cd "$tmp/B"
[ "$RP_TEST_STATE" = git ] && export XDG_CACHE_HOME="$tmp/B/cache"
[ "$RP_TEST_STATE" = git ] || export RP_STATE_DIR="$tmp/state"
out=$("$RP" run --only summary --run-id ci-7 2>&1); rc=$?
assert_eq "$rc" 0 "a job of the run reads the matrix's outputs from its journal"
assert_contains "$out" "joining run ci-7" "it joins the run"
assert_contains "$out" "one=report-linux-3.12 all=[\"report-linux-3.11\", \"report-linux-3.12\", \"report-macos-3.12\"]" \
  "every instance's outputs came back"
out=$("$RP" run --only summary --run-id ci-8 2>&1); rc=$?
assert_eq "$rc" 1 "a run where the instances never ran"
assert_contains "$out" "stage 'summary' reads the outputs of 'test[linux, 3.11]', which run ci-8 has not run successfully" \
  "names the instance it lacks"
cd "$tmp"

cat > bad.rp <<'RP'
pipeline "bad"
stage test {
  matrix py in ["3.11", "3.12"]
  output report = py
}
stage lone { output x = 1 }
stage summary {
  needs test, lone
  sh "echo ${test["3.13"].report} ${test["3.12"].reprt} ${lone["a"].x}"
}
stage stray { sh "echo ${test["3.12"].report}" }
RP
out=$("$RP" check bad.rp 2>&1)
assert_contains "$out" "bad.rp:9:19: error: stage 'test' has no instance 'test[3.13]'" "an instance the matrix has not, with its caret"
assert_contains "$out" "bad.rp:9:50: error: stage 'test' has no output 'reprt' (did you mean 'report'?)" "an output it has not"
assert_contains "$out" "error: stage 'lone' has no matrix: read its outputs as lone.NAME" "a stage without a matrix"
assert_contains "$out" "error: stage 'stray' reads 'test.report' but does not need 'test'" "a reader must need the stage"
finish
