#!/bin/sh
# post.sh — post blocks run once per stage: after the attempt that
# succeeded, or after the last failed attempt.
set -u
. "$top_srcdir/tests/lib/assert.sh"
f="$top_srcdir/tests/run/post.rp"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# retry 3, passing at the third attempt: success and always once, failure never
out=$(DIR=$tmp COUNTER=$tmp/count PASS_AT=3 "$RP" run flaky -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "flaky passes at its third attempt"
assert_eq "$(cat "$tmp/count")" 3 "three attempts"
assert_eq "$(cat "$tmp/success" 2>/dev/null)" 3 "success ran once, after the attempt that passed"
assert_eq "$(cat "$tmp/always" 2>/dev/null)" 3 "always ran once, after the last attempt"
[ -e "$tmp/failure" ] && _fail "failure ran after an attempt that was retried: $(cat "$tmp/failure" | tr '\n' ' ')"
rm -f "$tmp"/*

# retry 3, never passing: failure and always once, after the fourth attempt
out=$(DIR=$tmp COUNTER=$tmp/count PASS_AT=99 "$RP" run flaky -f "$f" 2>&1); rc=$?
assert_eq "$rc" 1 "flaky fails when every attempt does"
assert_contains "$out" "attempt 4 fails" "the last attempt's error is reported"
assert_eq "$(cat "$tmp/failure" 2>/dev/null)" 4 "failure ran once, after the last attempt"
assert_eq "$(cat "$tmp/always" 2>/dev/null)" 4 "always ran once, after the last attempt"
[ -e "$tmp/success" ] && _fail "success ran for a failed stage"
finish
