#!/bin/sh
# needs-optional.sh — `needs? x`: a stage waits for x only when x is in the
# run (its trigger, goals or --only put it there); otherwise the edge is
# ignored and x's outputs read as null. Plan, run, graph and both exports.
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
f="$tmp/pipeline.rp"
cat > "$f" <<'RP'
on push "main" -> deploy, notify
on pull_request "main" -> lint, deploy
stage build { output v = "1.0.${event.kind.len()}" }
stage lint {
  sh "touch ${env.MARK}"
  output report = "clean"
}
stage deploy {
  needs build
  needs? lint
  let seen = lint.report ?? "no lint"
  sh "echo deploy ${build.v} lint=${seen}"
}
stage notify {
  needs deploy
  sh "echo notified"
}
RP
pr="--event pull_request --base main --branch feat --pr 7"

out=$("$RP" plan -f "$f" --event push --branch main 2>&1); rc=$?
assert_eq "$rc" 0 "plan exits 0 without the optional need"
assert_contains "$out" " 1. build                    needed by deploy" "the plain need is planned"
assert_contains "$out" "deploy                   on push \"main\" matched branch main; needs? lint: not in this run, ignored" \
  "plan says the optional edge does not apply"
assert_not_contains "$out" ". lint" "an optional need pulls nothing in"

out=$("$RP" plan -f "$f" $pr 2>&1)
assert_contains "$out" " 1. lint " "lint is in the pull request run"
assert_contains "$out" " 3. deploy                   on pull_request \"main\" matched target branch main; needs? lint: in this run, waits for it" \
  "plan says the optional edge applies"

# -j 2: without the edge deploy could start beside lint; with it, it waits
out=$(MARK="$tmp/linted" "$RP" run -f "$f" -j 2 $pr 2>&1); rc=$?
assert_eq "$rc" 0 "the pull request run passes"
assert_contains "$out" "[deploy] deploy 1.0.12 lint=clean" "deploy read lint's output"
[ -e "$tmp/linted" ] || _fail "lint did not run"
first=$(printf '%s\n' "$out" | grep -n '^--- lint: ok' | head -1 | cut -d: -f1)
dep=$(printf '%s\n' "$out" | grep -n '^--- deploy$' | head -1 | cut -d: -f1)
[ -n "$first" ] && [ -n "$dep" ] && [ "$first" -lt "$dep" ] || _fail "deploy did not wait for lint: $out"

rm -f "$tmp/linted"
out=$(MARK="$tmp/linted" "$RP" run -f "$f" --event push --branch main 2>&1); rc=$?
assert_eq "$rc" 0 "the push run passes without lint"
assert_contains "$out" "[deploy] deploy 1.0.4 lint=no lint" "an absent optional need's output is null"
[ -e "$tmp/linted" ] && _fail "lint ran although only optionally needed"

# naming lint on the command line puts it in the run
out=$(MARK="$tmp/linted" "$RP" plan -f "$f" --event push --branch main deploy lint 2>&1)
assert_contains "$out" "needs? lint: in this run, waits for it" "a named goal makes the edge apply"

out=$("$RP" graph -f "$f" --format dot 2>&1)
assert_contains "$out" "stage_lint -> stage_deploy [style=dashed];" "dot draws the optional edge dashed"
assert_contains "$out" "stage_build -> stage_deploy;" "and the plain one solid"
out=$("$RP" graph -f "$f" --format mermaid 2>&1)
assert_contains "$out" "stage_lint -.-> stage_deploy" "mermaid draws it dotted"

"$RP" export gitlab -f "$f" --state git:origin -o "$tmp/gl.yml" || _fail "gitlab export"
assert_contains "$(cat "$tmp/gl.yml")" "needs: [build, {job: lint, optional: true}]" "GitLab: an optional need"
"$RP" export github -f "$f" --state git:origin -o "$tmp/gh.yml" || _fail "github export"
out=$(cat "$tmp/gh.yml")
assert_contains "$out" "needs: [rp-plan, build, lint]" "GitHub: the job needs lint"
assert_contains "$out" "if: \${{ !cancelled() && !failure() && contains(fromJSON(needs.rp-plan.outputs.plan).stages, 'deploy') }}" \
  "GitHub: a skipped lint does not skip deploy"
assert_contains "$out" "if: \${{ !cancelled() && !failure() && contains(fromJSON(needs.rp-plan.outputs.plan).stages, 'notify') }}" \
  "GitHub: nor the jobs below deploy"
assert_contains "$out" "if: contains(fromJSON(needs.rp-plan.outputs.plan).stages, 'build')" "other jobs keep the plain if"
finish
