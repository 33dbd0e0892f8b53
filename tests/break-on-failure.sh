#!/bin/sh
# break-on-failure.sh — rp run --break-on-failure opens a session at the
# failed statement, in the stage's scope: :retry after fixing the cause
# finishes the run, :continue skips the statement, :quit fails the stage.
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export RP_STATE_DIR="$tmp/state" DIR="$tmp"
f="$tmp/pipeline.rp"
cat > "$f" <<'RP'
stage prep { output greeting = "hi" }
stage flaky {
  needs prep
  let marker = "${env.DIR}/ready"
  let probe = try(fn() => sh("test -e ${marker}"))
  if !probe.ok { print("not ready yet") }
  sh "test -e ${marker}"
  print("${prep.greeting}: passed")
}
stage after { needs flaky  print("after ran") }
RP
out=$(printf ':vars\nsh "touch ${marker}"\n:retry\n' | "$RP" run after --break-on-failure -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 ":retry after the fix finishes the run"
assert_contains "$out" "rp: stopped at the failed statement of stage 'flaky' (line 7)" "stops at the failing statement, not at the one try() recovers from"
assert_contains "$out" "{marker: \"$tmp/ready\", probe: {ok: false, value: null, error: \"command failed with exit code 1: test -e '$tmp/ready'\"}}" "the stage's variables are in scope"
assert_contains "$out" "[flaky] hi: passed" "the stage goes on after the retried statement"
assert_contains "$out" "[after] after ran" "and the run carries on"
rm -f "$tmp/ready"
out=$(printf ':continue\n' | "$RP" run after --break-on-failure -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 ":continue skips the statement"
assert_contains "$out" "[flaky] hi: passed" "the rest of the stage ran"
out=$(printf ':quit\n' | "$RP" run after --break-on-failure -f "$f" 2>&1); rc=$?
assert_eq "$rc" 1 ":quit fails the run"
assert_contains "$out" "--- after: skipped" "its dependents are skipped"
assert_not_contains "$out" "hi: passed" "the stage stopped"
out=$("$RP" run after --break-on-failure -f "$f" < /dev/null 2>&1); rc=$?
assert_eq "$rc" 1 "no input: the failure stands"
finish
