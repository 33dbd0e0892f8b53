#!/bin/sh
# plan.sh — rp plan and rp run choose stages from the event: flags, GitHub
# Actions and GitLab CI environments, manual inputs; plan runs nothing.
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/pipeline.rp" <<'RP'
environment prod {
  approval { reviewers = ["alice"]  wait = 1m }
}
on push "main" -> deploy
on pull_request "main" { types = ["opened", "labeled"]  labels = ["preview"] } -> preview
on tag re"^v\d+\.\d+\.\d+$" -> release
on manual(version: string, dry: bool = false) -> promote
stage test { sh "touch ${env.MARK}" }
stage deploy { needs test  when event.branch == "main"  sh "echo deploying ${event.sha}" }
stage preview {
  needs test
  sh "echo preview for pr ${event.pr.number}: ${event.pr.title}"
}
stage release { sh "echo releasing ${event.tag}" }
stage promote {
  environment prod
  version event.inputs.version
  sh "echo promoting ${version} dry=${event.inputs.dry}"
}
RP
f="$tmp/pipeline.rp"
out=$(MARK="$tmp/ran" "$RP" plan -f "$f" --event push --branch main --sha abc1234 2>&1); rc=$?
assert_eq "$rc" 0 "plan exits 0"
assert_contains "$out" "on push \"main\" matched branch main" "plan says which trigger matched"
assert_contains "$out" " 1. test                     needed by deploy" "needed stages come first, with why"
assert_contains "$out" " 2. deploy                   on push \"main\" matched branch main; when is true" "goal and when"
[ -e "$tmp/ran" ] && _fail "plan ran a stage"

out=$("$RP" plan -f "$f" --event manual --input version=1.2.3 2>&1)
assert_contains "$out" "environment prod (approval by alice; wait 1m)" "plan shows the gate"

out=$("$RP" plan -f "$f" --event manual 2>&1); rc=$?
assert_eq "$rc" 2 "a missing manual input is an error before anything runs"
assert_contains "$out" "version" "the error names the input"

# run: the event decides the stages
out=$(MARK="$tmp/ran" "$RP" run -f "$f" --event push --branch main --sha abc1234 2>&1); rc=$?
assert_eq "$rc" 0 "push run"
assert_contains "$out" "[deploy] deploying abc1234" "push runs deploy with the event"
out=$("$RP" run -f "$f" --tag v1.2.3 2>&1)
assert_contains "$out" "[release] releasing v1.2.3" "regex tag trigger"
out=$("$RP" run -f "$f" --tag v1.2 2>&1)
assert_contains "$out" "no trigger starts a stage for this event" "non-matching tag runs nothing"
out=$("$RP" run -f "$f" --event manual --input version=2.0.0 --input dry=true 2>&1); rc=$?
assert_eq "$rc" 3 "the manual deploy stops at prod's gate"
assert_contains "$out" "waiting for approval to deploy 2.0.0 to prod" "typed manual input is the version"

# schedules: plan shows the next three times each fires (UTC)
cat > "$tmp/sched.rp" <<'RP'
on schedule "0 3 * * *" -> nightly
on schedule "30 */6 * * MON" -> nightly
stage nightly { sh "true" }
RP
now=$(date -u +%s)
out=$("$RP" plan -f "$tmp/sched.rp" --event schedule 2>&1); rc=$?
assert_eq "$rc" 0 "plan a schedule event"
d1=$(date -u -d "@$now" +%Y-%m-%d)
[ "$(date -u -d "@$now" +%H%M)" -ge 0300 ] && d1=$(date -u -d "$d1 + 1 day" +%Y-%m-%d)
d2=$(date -u -d "$d1 + 1 day" +%Y-%m-%d); d3=$(date -u -d "$d1 + 2 days" +%Y-%m-%d)
assert_contains "$out" "next: $d1 03:00 $(date -u -d "$d1" +%a), $d2 03:00 $(date -u -d "$d2" +%a), $d3 03:00 $(date -u -d "$d3" +%a) (UTC)" "the next three nightly runs"
mon=$(date -u -d "@$now" +%Y-%m-%d)
while [ "$(date -u -d "$mon" +%u)" != 1 ] || [ "$(date -u -d "$mon 18:30" +%s)" -le "$now" ]; do mon=$(date -u -d "$mon + 1 day" +%Y-%m-%d); done
case $out in *"next: $mon "??":30 Mon, "*) ;; *) _fail "the Monday schedule fires next on $mon: $out" ;; esac

# pull requests from forks: the documented guard skips the stage that reads secrets
cat > "$tmp/fork.rp" <<'RP'
on pull_request -> preview
stage preview {
  when event.pr == null || event.pr.fork == false
  sh "deploy --token ${secret("DEPLOY_TOKEN")}"
}
RP
out=$("$RP" plan -f "$tmp/fork.rp" --pr 7 --pr-fork true 2>&1)
assert_contains "$out" "SKIPPED: when is false" "a fork's pull request skips the secrets stage"
out=$("$RP" plan -f "$tmp/fork.rp" --pr 7 2>&1)
assert_contains "$out" "SKIPPED: when is false" "an unknown origin is refused too"
out=$("$RP" plan -f "$tmp/fork.rp" --pr 7 --pr-fork false 2>&1)
assert_contains "$out" "preview                  on pull_request matched; when is true" "a same-repository pull request runs it"
out=$(env -i PATH="$PATH" HOME="$tmp" GITHUB_ACTIONS=true GITHUB_EVENT_NAME=pull_request_target GITHUB_REF=refs/heads/main \
  GITHUB_SHA=0123456789abcdef GITHUB_ACTOR=mallory GITHUB_HEAD_REF=main GITHUB_BASE_REF=main \
  GITHUB_EVENT_PATH="$top_srcdir/tests/fixtures/events/github-pr-fork.json" "$RP" plan -f "$tmp/fork.rp" 2>&1)
assert_contains "$out" "SKIPPED: when is false" "pull_request_target from a fork: the payload says fork"

# manual inputs: choice and environment, filled and checked also for a named stage
cat > "$tmp/inputs.rp" <<'RP'
environment staging { namespace = "staging" }
environment prod { namespace = "prod" }
on manual(version: string, level: choice("debug", "info") = "info", target: environment = "staging") -> promote
stage promote { sh "echo promote ${event.inputs.version} ${event.inputs.level} ${event.inputs.target}" }
stage notes { sh "echo notes level=${event.inputs.level} target=${event.inputs.target}" }
RP
out=$("$RP" plan -f "$tmp/inputs.rp" --event manual --input version=1.0 --input target=prod 2>&1); rc=$?
assert_eq "$rc" 0 "plan a manual run"
assert_contains "$out" 'level: choice("debug", "info") = "info"; this run: info' "plan lists a choice input and its value"
assert_contains "$out" 'target: environment = "staging"; this run: prod' "plan lists an environment input"
assert_contains "$out" "version: string (required); this run: 1.0" "plan lists a required input"
out=$("$RP" plan -f "$tmp/inputs.rp" --event push 2>&1)
assert_contains "$out" "version: string (required)" "plan lists the inputs for any event"
out=$("$RP" run notes -f "$tmp/inputs.rp" --event manual --input version=1 2>&1); rc=$?
assert_eq "$rc" 0 "a named stage in a manual run"
assert_contains "$out" "[notes] notes level=info target=staging" "defaults fill a named stage's manual run"
out=$("$RP" run notes -f "$tmp/inputs.rp" --event manual --input version=1 --input level=trace 2>&1); rc=$?
assert_eq "$rc" 2 "a wrong choice stops a named stage's manual run"
assert_contains "$out" "input 'level' wants one of its options: debug, info; not 'trace'" "the error lists the options"
out=$("$RP" run notes -f "$tmp/inputs.rp" --event manual --input version=1 --input target=qa 2>&1); rc=$?
assert_eq "$rc" 2 "an unknown environment is refused before anything runs"
assert_contains "$out" "input 'target' wants an environment: staging, prod; not 'qa'" "the error lists the environments"
assert_not_contains "$out" "[notes]" "nothing ran"
out=$("$RP" run notes -f "$tmp/inputs.rp" --event manual 2>&1); rc=$?
assert_contains "$out" "missing required input 'version'" "a required input is required for a named stage too"

# GitHub Actions: a labelled pull request from the payload
cat > "$tmp/payload.json" <<'JSON'
{"action": "labeled", "number": 42,
 "pull_request": {"number": 42, "title": "x\"; echo INJECTED; \"",
   "labels": [{"name": "preview"}], "base": {"ref": "main"}, "head": {"ref": "feature/x"}}}
JSON
out=$(env -i PATH="$PATH" HOME="$tmp" MARK="$tmp/ran2" GITHUB_ACTIONS=true GITHUB_EVENT_NAME=pull_request \
  GITHUB_REF=refs/pull/42/merge GITHUB_SHA=0123456789abcdef GITHUB_ACTOR=carol GITHUB_HEAD_REF=feature/x \
  GITHUB_BASE_REF=main GITHUB_EVENT_PATH="$tmp/payload.json" "$RP" run -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "GitHub pull request run"
assert_contains "$out" "::group::preview" "stages are log groups in GitHub Actions"
assert_contains "$out" "preview for pr 42" "PR number from the payload"
assert_contains "$out" 'preview for pr 42: x"; echo INJECTED; "' "a hostile PR title is printed as text"
assert_not_contains "$out" "
INJECTED" "the PR title ran nothing"

# GitLab CI: a push to main
out=$(env -i PATH="$PATH" HOME="$tmp" MARK="$tmp/ran3" GITLAB_CI=true CI_PIPELINE_SOURCE=push \
  CI_COMMIT_BRANCH=main CI_COMMIT_SHA=feedbeef GITLAB_USER_LOGIN=dave "$RP" run -f "$f" 2>&1)
assert_contains "$out" "[0Kdeploy
deploying feedbeef" "GitLab push (the line in the stage's section)"
finish
