#!/bin/sh
# export-gitlab-e2e.sh — the exported .gitlab-ci.yml run end to end by
# gitlab-ci-local 4.65 (tests/lib/gitlab-ci-local.sh): every job a
# separate shell process on this machine, with rp on its PATH, sharing
# nothing but the state, a bare repository served over smart HTTP with a
# token (tests/lib/git-http.py) given to the jobs as CI/CD variables.
# Two parallel stages with outputs, a stage reading both, then a deploy
# behind a signed approval gate: the pipeline up to the gate, the deploy
# stopping at it, the manual approval job (refused for a non-reviewer,
# then signed by alice with her key in a CI variable), the deploy; then
# rp history, rp runs and rp status read that one run from the state.
set -u
. "$top_srcdir/tests/lib/assert.sh"
. "$top_srcdir/tests/lib/state-lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
. "$top_srcdir/tests/lib/approval-lib.sh"
. "$top_srcdir/tests/lib/gitlab-ci-local.sh"
gcl_install
export RP_TEST_STATE=git
state_setup "$tmp" shared
state=$RP_STATE
# the jobs get the state from the file and the token from a CI variable only
unset RP_STATE RP_STATE_TOKEN RP_STATE_DIR RP_DIST CI GITHUB_ACTIONS
make_keys alice

export WORLD="$tmp/world" # what the stages write: outside every job's folder
mkdir -p "$WORLD" "$tmp/bin" "$tmp/repo"
ln -s "$RP" "$tmp/bin/rp" # the rp under test: the jobs find it, so install nothing
export PATH="$tmp/bin:$PATH"
cd "$tmp/repo" || exit 1
git init -q -b main && git config user.email bob@example.com && git config user.name bob
git remote add origin https://gitlab.example.com/shop/app.git
allow alice alice allowed_signers
# each stage notes its GitLab job and the pid of the rp that runs it
cat > pipeline.rp <<'RP'
pipeline "shop"
environment prod {
  approval { reviewers = ["alice"]  signers = "allowed_signers" }
}
on manual(v: string = "0.0.1") -> deploy
stage build_a {
  sh "echo build_a $CI_JOB_NAME $CI_JOB_ID $(ps -o ppid= -p $PPID) >> ${env.WORLD}/jobs"
  output part = "a-" + event.inputs.v
}
stage build_b {
  sh "echo build_b $CI_JOB_NAME $CI_JOB_ID $(ps -o ppid= -p $PPID) >> ${env.WORLD}/jobs"
  output part = "b-" + event.inputs.v
}
stage combine {
  needs build_a, build_b
  sh "echo combine $CI_JOB_NAME $CI_JOB_ID $(ps -o ppid= -p $PPID) >> ${env.WORLD}/jobs"
  output both = build_a.part + "+" + build_b.part
}
stage deploy {
  needs combine
  environment prod
  version event.inputs.v
  sh "echo deploy $CI_JOB_NAME $CI_JOB_ID $(ps -o ppid= -p $PPID) >> ${env.WORLD}/jobs"
  sh "echo ${version} ${combine.both} > ${env.WORLD}/prod"
}
RP
out=$("$RP" export gitlab --state "$state" -o .gitlab-ci.yml 2>&1); rc=$?
assert_eq "$rc" 0 "rp export gitlab: $out"
git add -A && git commit -qm pipeline

# gl USER ARGS...: gitlab-ci-local as GitLab runs a pipeline started (or a
# manual job played) by USER from the "Run pipeline" form, with v=1.2.3
gl() {
  user=$1
  shift
  GCL_IGNORE_PREDEFINED_VARS=CI_PIPELINE_SOURCE,GITLAB_CI,GITLAB_USER_LOGIN "$gcl" --shell-isolation --no-color \
    --variable CI_PIPELINE_SOURCE=web --variable GITLAB_CI=true --variable "GITLAB_USER_LOGIN=$user" \
    --variable "RP_STATE_TOKEN=$STATE_TOKEN" --variable RP_INPUT_v=1.2.3 \
    --variable "RP_SIGNING_KEY=$tmp/$user" "$@"
}
# shared CMD...: rp CMD with the state the jobs share (the test's own rp
# calls, from a machine that has the token)
shared() { RP_STATE_TOKEN=$STATE_TOKEN "$RP" "$@" --state "$state" < /dev/null 2>&1; }

# ---- GitLab's graph: the gated job waits for the manual approval job ----
gl bob --list-json > "$tmp/jobs.json" 2> "$tmp/gcl.err" || { cat "$tmp/gcl.err"; _fail "gitlab-ci-local --list-json"; }
assert_eq "$(python3 -c '
import json, sys
jobs = {j["name"]: j for j in json.load(open(sys.argv[1]))}
needs = lambda n: sorted(x if isinstance(x, str) else x["job"] for x in jobs[n]["needs"] or [])
print(needs("build_a"), needs("build_b"), needs("combine"), needs("approve:deploy"), needs("deploy"), jobs["approve:deploy"]["when"])
' "$tmp/jobs.json")" "[] [] ['build_a', 'build_b'] ['combine'] ['approve:deploy', 'combine'] manual" \
  "the jobs' needs mirror the stages', the approval job is manual and the deploy needs it"

# ---- the pipeline up to the gate: one run, outputs across jobs ----
t0=$(date +%s%N)
out=$(gl bob --needs combine 2>&1); rc=$?
t1=$(date +%s%N)
assert_eq "$rc" 0 "gitlab-ci-local runs build_a, build_b and combine"
assert_contains "$out" "PASS  combine" "combine passes"
id=$(printf '%s\n' "$out" | sed -n 's/.*> run \(gitlab-[0-9]*\)$/\1/p' | head -1)
[ -n "$id" ] || _fail "no run id in gitlab-ci-local's log: $out"
assert_not_contains "$out" "no rp on this runner" "the jobs use the rp on PATH"
assert_eq "$(find . -path '*/.rp-bin/bin/rp')" "" "no job built rp"
assert_contains "$(cat "$WORLD/jobs")" "combine combine" "combine ran in its own job"
st=$(shared status "$id")
assert_contains "$st" "run $id: succeeded" "the run is done as far as it went"
assert_contains "$st" "event     manual on main at $(git rev-parse --short HEAD) by bob" "as a manual run started by bob"

# ---- the deploy's job, before any approval, stops at the gate ----
out=$(gl bob deploy 2>&1); rc=$?
assert_eq "$rc" 1 "the deploy job fails at the gate"
assert_contains "$out" "waiting for approval to deploy 1.2.3 to prod" "it says why"
[ -e "$WORLD/prod" ] && _fail "prod deployed before the approval"
assert_contains "$(shared status "$id")" "run $id: waiting" "the run waits at the gate"

# ---- the manual approval job: a non-reviewer's play is refused ----
out=$(gl mallory approve:deploy 2>&1); rc=$?
assert_eq "$rc" 1 "mallory's approval job fails"
assert_contains "$out" "mallory is not a reviewer of 'prod'" "refused: not a reviewer"
out=$(gl mallory deploy 2>&1); rc=$?
assert_eq "$rc" 1 "the deploy still waits"
[ -e "$WORLD/prod" ] && _fail "prod deployed on mallory's play"

# ---- alice plays it, signing with her key; then the deploy ----
t2=$(date +%s%N)
out=$(gl alice approve:deploy 2>&1); rc=$?
assert_eq "$rc" 0 "alice's approval job passes"
assert_contains "$out" "approved: run $id may deploy 1.2.3 to prod" "it approves the version the run waits with"
# played again once approved, it does not deploy inside itself
out=$(gl alice approve:deploy 2>&1); rc=$?
assert_eq "$rc" 0 "alice's approval job, played again, passes"
assert_contains "$out" "--to-gate stops here" "its first step stops at the open gate"
[ -e "$WORLD/prod" ] && _fail "the approval job deployed prod itself"
out=$(gl bob deploy 2>&1); rc=$?
t3=$(date +%s%N)
assert_eq "$rc" 0 "the deploy job passes"
assert_eq "$(cat "$WORLD/prod" 2>&1)" "1.2.3 a-1.2.3+b-1.2.3" "prod got the version, with outputs of three earlier jobs"

# ---- each stage ran once, in its own job, under its own rp process ----
jobs=$(cat "$WORLD/jobs")
assert_eq "$(cut -d' ' -f1 "$WORLD/jobs" | sort | tr '\n' ' ')" "build_a build_b combine deploy " "every stage ran once"
assert_eq "$(awk '$1 != $2' "$WORLD/jobs")" "" "each in the GitLab job of its name: $jobs"
assert_eq "$(cut -d' ' -f3 "$WORLD/jobs" | sort -u | wc -l)" 4 "four jobs: $jobs"
assert_eq "$(awk '{print $4}' "$WORLD/jobs" | sort -u | wc -l)" 4 "four rp processes: $jobs"

# ---- the state has it all: one run, the deploy, the approver ----
h=$(shared history prod --json)
assert_contains "$h" '"version":"1.2.3","run":"'"$id"'"' "rp history shows the deploy of the run"
assert_contains "$h" '"actor":"bob","approvers":["alice"]' "started by bob, approved by alice"
assert_contains "$(shared history prod)" "prod  1.2.3" "and says so as text"
runs=$(shared runs)
assert_eq "$(printf '%s\n' "$runs" | grep -c '^gitlab-')" 1 "rp runs lists one run: $runs"
assert_contains "$runs" "$id  manual  succeeded" "it succeeded"
st=$(shared status "$id")
for stage in build_a build_b combine deploy; do
  assert_contains "$st" "
$stage " "rp status shows $stage"
done
assert_eq "$(printf '%s\n' "$st" | grep -cE '^(build_a|build_b|combine|deploy) +ok +1 ')" 4 "each ok, on the first attempt: $st"
assert_contains "$(git --git-dir="$(state_bare)" cat-file blob "refs/rp/runs/$id:log.ndjson")" '"kind":"approved"' \
  "the approval is in the journal"
assert_contains "$(git --git-dir="$(state_bare)" cat-file blob "refs/rp/runs/$id:log.ndjson")" '"signature":"-----BEGIN SSH SIGNATURE' \
  "signed"
logs=$(cat .gitlab-ci-local/output/*.log 2>/dev/null)
[ -n "$logs" ] || _fail "gitlab-ci-local kept no job logs"
assert_not_contains "$logs" "$STATE_TOKEN" "the token is in no job's log"

# the same pipeline run locally by rp, against the same state, for the
# wall times (printed, not asserted)
t4=$(date +%s%N)
out=$(shared run deploy --event manual --input v=1.2.4 --actor bob)
local_id=$(printf '%s\n' "$out" | sed -n 's/^run \([0-9a-f-]*\)$/\1/p' | head -1)
shared approve "$local_id" prod --as alice --key "$tmp/alice" > /dev/null
out=$(shared resume "$local_id"); rc=$?
t5=$(date +%s%N)
assert_eq "$rc" 0 "the same pipeline runs locally: $out"
echo "wall time, to the gate then approved and deployed: gitlab-ci-local $(((t1 - t0 + t3 - t2) / 1000000)) ms," \
  "rp run + approve + resume $(((t5 - t4) / 1000000)) ms"
finish
