#!/bin/sh
# junit.sh — rp run --junit FILE: valid against the JUnit schema Jenkins,
# Surefire and GitLab read (tests/schema/junit.xsd, with xmllint); the
# suite is named after the pipeline; a failure carries its type, the error
# where it happened and the log's tail as text; stderr is in system-err.
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
command -v xmllint >/dev/null || { echo "FAIL: xmllint is not installed (Debian: libxml2-utils)"; exit 1; }
xsd="$top_srcdir/tests/schema/junit.xsd"
cd "$tmp" && git init -q || exit 1
unset GITHUB_ACTIONS GITLAB_CI
export RP_STATE_DIR="$tmp/state"
cat > pipeline.rp <<'EOF2'
pipeline "shop <&> \"web\""
environment prod { approval { reviewers = ["alice"] } }
stage ok { sh "echo fine; echo a warning >&2" }
stage broken {
  needs ok
  sh "for i in $(seq 1 100); do echo line $i; done; echo it broke >&2; exit 3"
}
stage bad_expr { let x = 1 + "a" }
stage later { needs broken }
stage deploy {
  environment prod
  version "1"
  sh "echo deploying"
}
EOF2
"$RP" run later bad_expr deploy --junit j1.xml >/dev/null 2>&1 </dev/null; assert_eq "$?" 1 "the run fails"
"$RP" run ok --junit j2.xml >/dev/null 2>&1; assert_eq "$?" 0 "the second run"
for f in j1.xml j2.xml; do
  out=$(xmllint --noout --schema "$xsd" "$f" 2>&1) || _fail "$f is not valid JUnit: $out"
done
x() { xmllint --xpath "$1" j1.xml 2>/dev/null; }
# the suite: named after the pipeline in both runs, counted, stamped
name='shop <&> "web"'
assert_eq "$(x 'string(/testsuites/testsuite/@name)')" "$name" "the suite is the pipeline's name"
assert_eq "$(xmllint --xpath 'string(/testsuites/testsuite/@name)' j2.xml)" "$name" "the same in every run"
assert_eq "$(x 'string(/testsuites/testsuite/@tests)')" 5 "tests"
assert_eq "$(x 'string(/testsuites/testsuite/@failures)')" 2 "failures"
assert_eq "$(x 'string(/testsuites/testsuite/@errors)')" 0 "errors"
assert_eq "$(x 'string(/testsuites/testsuite/@skipped)')" 2 "skipped: the stage after a failure, the one at the gate"
assert_eq "$(x 'string(/testsuites/testsuite/@hostname)')" "$(hostname)" "hostname"
stamp=$(x 'string(/testsuites/testsuite/@timestamp)')
case $stamp in "$(date -u +%Y-%m-%d)"T??:??:??|"$(date -u -d '1 minute ago' +%Y-%m-%d)"T??:??:??) ;;
  *) _fail "timestamp is today in UTC: $stamp" ;; esac
# a failure: its type, the error with its place, and the log's tail
assert_eq "$(x 'string(//testcase[@name="broken"]/failure/@type)')" "StageFailure" "failure@type"
text=$(x 'string(//testcase[@name="broken"]/failure)')
assert_contains "$text" "pipeline.rp:6:3: command failed with exit code 3" "the failure's text starts with the error"
assert_contains "$text" "line 100" "and shows the log's last lines"
assert_contains "$text" "it broke" "stderr included"
assert_not_contains "$text" "line 50
" "only the tail"
assert_contains "$(x 'string(//testcase[@name="bad_expr"]/failure)')" "pipeline.rp:8:26: cannot apply '+' to int and string" \
  "an evaluation error with its place"
# the streams apart
assert_eq "$(x 'string(//testcase[@name="ok"]/system-out)')" "fine" "stdout in system-out"
assert_eq "$(x 'string(//testcase[@name="ok"]/system-err)')" "a warning" "stderr in system-err"
assert_contains "$(x 'string(//testcase[@name="deploy"]/skipped/@message)')" "waits at an approval gate" "a gate is a skip"
# the schema is a real check: without a timestamp, or with a failure
# without its type, a report is rejected
sed 's/ timestamp="[^"]*"//' j1.xml > bad1.xml
sed 's/ type="StageFailure"//' j1.xml > bad2.xml
for f in bad1.xml bad2.xml; do
  xmllint --noout --schema "$xsd" "$f" >/dev/null 2>&1 && _fail "$f passes the schema"
done
finish
