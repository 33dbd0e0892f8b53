#!/bin/sh
# run.sh — rp run: evaluation, stage order, outputs, failure propagation,
# post blocks, and sh templates that cannot be used for injection.
set -u
. "$top_srcdir/tests/lib/assert.sh"
dir="$top_srcdir/tests/run"

# injection: a hostile value is one word in every quoting context
out=$("$RP" run a -f "$dir/injection.rp" 2>&1); rc=$?
assert_eq "$rc" 0 "injection.rp exit code"
assert_not_contains "$out" "
[a] INJECTED" "no injected command ran"
assert_contains "$out" "[a] single: x'; echo INJECTED" "value stays inside single quotes"
assert_contains "$out" "[a] double: x'; echo INJECTED; echo '\" \$(echo INJECTED)" "value stays inside double quotes"
assert_contains "$out" "[a] raw-ok" "raw() splices text"

# evaluation, outputs, failure skipping dependents, post blocks
out=$(USER=tester "$RP" run c -f "$dir/basics.rp" 2>&1); rc=$?
assert_eq "$rc" 1 "a failing stage exits 1"
assert_contains "$out" "[a] hello tester 2,4,6" "lazy globals, functions with defaults, lambdas, methods"
assert_contains "$out" "[a] tagged" "regex match"
assert_contains "$out" "[b] total 13" "outputs flow to dependents"
assert_contains "$out" "[b] key a.b" "for over a map gives its keys"
assert_contains "$out" "[b] cleaning up" "post failure runs"
assert_contains "$out" "[b] always" "post always runs"
assert_contains "$out" "--- c: skipped" "dependents of a failed stage are skipped"
assert_contains "$out" "--- b: FAILED" "the failed stage is reported"
assert_contains "$out" "basics.rp:17:3: error: stage 'b': stop here: {k: 3, \"a.b\": [1, 2]}" "fail names file:line:col and stage"
assert_not_contains "$out" "[c] never" "skipped stage did not run"

out=$("$RP" run methods -f "$dir/basics.rp" 2>&1)
assert_contains "$out" "[methods] sorted a,bb,ccc" "named arguments to methods"

# --dry-run prints the exact command and runs nothing
out=$("$RP" run a --dry-run -f "$dir/injection.rp" 2>&1)
assert_contains "$out" "[a] [dry-run] sh: printf '%s\\n' 'x'\\''; echo INJECTED" "dry run shows the quoted command"
assert_not_contains "$out" "[a] x'; echo INJECTED" "dry run did not run it"

# imports: a local module with its own variables and functions
out=$("$RP" run a -f "$dir/imports.rp" 2>&1)
assert_contains "$out" "[a] lib: hello x" "imported function and module variable"

# a pipeline with check errors does not run
cp "$dir/check_error.rp.txt" "${TMPDIR:-/tmp}/rp-check-error.$$.rp"
out=$("$RP" run a -f "${TMPDIR:-/tmp}/rp-check-error.$$.rp" 2>&1); rc=$?
rm -f "${TMPDIR:-/tmp}/rp-check-error.$$.rp"
assert_eq "$rc" 2 "check errors stop the run"
assert_contains "$out" "needs unknown stage 'biuld' (did you mean 'build'?)" "the check error is shown"

# usage errors
out=$("$RP" run -f "$dir/basics.rp" --event push --branch main 2>&1); rc=$?
assert_eq "$rc" 0 "no trigger: nothing to do is success"
assert_contains "$out" "no trigger starts a stage for this event (push to main" "says that nothing was triggered"
"$RP" run nosuch -f "$dir/basics.rp" >/dev/null 2>&1; assert_eq $? 2 "unknown stage: usage error"
finish
