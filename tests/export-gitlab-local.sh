#!/bin/sh
# export-gitlab-local.sh — GitLab's side of rp export, read by
# gitlab-ci-local 4.65 (npm; installed by this test into $RP_TEST_NPM,
# default ~/.cache/rp-test-npm; a failed install fails the test). For the
# release-pipeline example and tests/export/hostile.rp, and for each
# event, the jobs the exported `rules:` start are exactly the stages
# `rp plan` runs for that event (an approval job `approve:STAGE` beside
# each gated stage; a matrix stage's jobs are its instances, NAME[value],
# for tests/export/matrix.rp and matrix-full.rp), and every job's needs are in the pipeline.
set -u
: "${RP:?RP must name the rp binary}"
top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0 n=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
unset RP_DIST RP_STATE

. "$top/tests/lib/gitlab-ci-local.sh"
gcl_install

# a repository on branch main holding the pipeline and its export
repo() {
  rm -rf "$tmp/repo" && mkdir "$tmp/repo" && cd "$tmp/repo" || exit 1
  git init -q -b main && git config user.email ci@example.com && git config user.name ci
  cp "$1" pipeline.rp
  "$RP" export gitlab --state git:origin -o .gitlab-ci.yml || fail "rp export gitlab $1"
  git add -A && git commit -qm export
}

# gitlab_ci_local VARS ARGS...: gitlab-ci-local with each line of VARS,
# NAME=VALUE (a --variable) or -NAME (an --unset-variable)
gitlab_ci_local() {
  vars=$1
  shift
  set -f
  old_ifs=$IFS IFS='
'
  for v in $vars; do
    case $v in -*) set -- "$@" --unset-variable "${v#-}" ;; *) set -- "$@" --variable "$v" ;; esac
  done
  IFS=$old_ifs
  set +f
  GCL_IGNORE_PREDEFINED_VARS=CI_PIPELINE_SOURCE,CI_COMMIT_BRANCH,CI_COMMIT_TAG "$gcl" "$@"
}

# same DESCRIPTION VARS RP-PLAN-ARGS...: the jobs GitLab starts are the
# stages rp plan runs, each gated one with its manual approval job
same() {
  what=$1 vars=$2
  shift 2
  n=$((n + 1))
  gitlab_ci_local "$vars" --list-json > "$tmp/jobs.json" 2> "$tmp/gcl.err" ||
    { fail "$what: gitlab-ci-local --list-json"; cat "$tmp/gcl.err"; return; }
  "$RP" plan --json "$@" > "$tmp/plan.json" || { fail "$what: rp plan $*"; return; }
  python3 - "$tmp/jobs.json" "$tmp/plan.json" "$what" <<'PY' || fails=$((fails + 1))
import json, re, sys
jobs = [j for j in json.load(open(sys.argv[1])) if j["when"] != "never"]
units = json.load(open(sys.argv[2]))["units"]
# a parallel: matrix: job is one job per value, named "NAME: [VALUE]" (its
# `$` written `$$`): rp plan's unit NAME[VALUE]; a job without one runs
# every unit of its stage
def base(name): return re.sub(r": \[.*\]$", "", name, flags=re.S)
stage_jobs = [j["name"] for j in jobs if not j["name"].startswith("approve:")]
names, ran = [], []
for job in stage_jobs:
    m = re.fullmatch(r"([^:\[]+): \[(.*)\]", job.removeprefix("stage:"), re.S)
    if m: ran.append(f"{m[1]}[{m[2].replace('$$', '$')}]")
    else: ran += [u for u in units if u.split("[")[0] == job.removeprefix("stage:")] or [job.removeprefix("stage:")]
    names.append(base(job).removeprefix("stage:"))
gates = [j["name"] for j in jobs if j["name"].startswith("approve:")]
bad = []
if sorted(ran) != sorted(units): bad.append(f"GitLab starts {sorted(ran)}, rp plan runs {sorted(units)}")
for j in jobs:
    if j["name"].startswith("approve:") and j["when"] != "manual": bad.append(f"{j['name']} is not manual")
for g in gates:
    if g.removeprefix("approve:") not in names: bad.append(f"{g}, for a stage that does not run")
active = {base(j["name"]) for j in jobs}
for j in jobs:
    for need in j.get("needs") or []:
        need = need if isinstance(need, str) else need["job"]
        if need not in active: bad.append(f"{j['name']} needs {need}, which is not in the pipeline")
if bad:
    print(f"FAIL: {sys.argv[3]}: " + "; ".join(bad)); sys.exit(1)
PY
}

repo "$top/examples/release-pipeline/pipeline.rp"
nl='
'
same "release-pipeline, push to main" "" --event push --branch main
same "release-pipeline, push to dev" "CI_COMMIT_BRANCH=dev" --event push --branch dev
same "release-pipeline, merge request to main" \
  "CI_PIPELINE_SOURCE=merge_request_event${nl}CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main${nl}CI_MERGE_REQUEST_IID=7" \
  --event pull_request --base main --pr 7 --pr-action opened
same "release-pipeline, tag v1.2.0-rc.1" "CI_COMMIT_TAG=v1.2.0-rc.1${nl}-CI_COMMIT_BRANCH" --tag v1.2.0-rc.1
same "release-pipeline, tag v1.2.0" "CI_COMMIT_TAG=v1.2.0${nl}-CI_COMMIT_BRANCH" --tag v1.2.0
same "release-pipeline, run by hand" "CI_PIPELINE_SOURCE=web" --event manual --input release_tag=v1.2.0
same "release-pipeline, schedule" "CI_PIPELINE_SOURCE=schedule" --event schedule --schedule "0 3 * * *"

repo "$top/tests/export/hostile.rp"
for branch in main "feat/abc: x" "feat/a/b: x" "a'b\"c" r/z r/a/b/z rz bc "[ab]c"; do
  same "hostile, push to $branch" "CI_COMMIT_BRANCH=$branch" --event push --branch "$branch"
done
same "hostile, tag v/12" "CI_COMMIT_TAG=v/12${nl}-CI_COMMIT_BRANCH" --tag v/12
same "hostile, tag v12" "CI_COMMIT_TAG=v12${nl}-CI_COMMIT_BRANCH" --tag v12
same "hostile, merge request labelled a,b and x\$y" \
  "CI_PIPELINE_SOURCE=merge_request_event${nl}CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main${nl}CI_MERGE_REQUEST_LABELS=x\$y,a,b" \
  --event pull_request --base main --pr 7 --pr-action opened --label 'x$y' --label a --label b
same "hostile, run by hand" "CI_PIPELINE_SOURCE=web" --event manual
same "hostile, schedule" "CI_PIPELINE_SOURCE=schedule" --event schedule --schedule "0 3 * * *"

repo "$top/tests/export/matrix.rp"
same "matrix, push to main" "" --event push --branch main
same "matrix, run by hand (computed values: one job)" "CI_PIPELINE_SOURCE=web" --event manual
repo "$top/tests/export/matrix-full.rp"
same "full matrix (axes, exclude, include), push to main" "" --event push --branch main

[ $fails -eq 0 ] && echo "gitlab-ci-local: $n events, GitLab's jobs are rp plan's stages"
[ $fails -eq 0 ]
