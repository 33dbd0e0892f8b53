#!/bin/sh
# ci-templates.sh — the GitHub action (action.yml) and the GitLab template
# (ci/rp.gitlab-ci.yml), run as their runners would (tests/lib/run-action.py,
# tests/lib/run-gitlab-job.py): each builds rp from the source at its ref,
# puts it on PATH and passes the state backend and run id on.
set -u
. "$top_srcdir/tests/lib/assert.sh"
. "$top_srcdir/tests/lib/copy-source.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export CFLAGS=-O0 # the builds below test the steps, not the optimiser
src="$tmp/src"
copy_source "$src"
proj="$tmp/project"; mkdir -p "$proj"
cp "$top_srcdir/examples/hello/pipeline.rp" "$proj/"

# ---- GitHub: action.yml ----
export RUNNER_TEMP="$tmp/runner" GITHUB_RUN_ID=4242
mkdir -p "$RUNNER_TEMP"
out=$(python3 "$top_srcdir/tests/lib/run-action.py" "$src" state=git:origin state-token=t0k3n \
  "args=check $proj/pipeline.rp" 2>&1); rc=$?
assert_eq "$rc" 0 "the action's steps run: $out"
assert_contains "$out" "PATH+=$RUNNER_TEMP/rp/bin" "rp goes on PATH"
assert_contains "$out" "steps.install.version=$("$RP" --version)" "the version is an output"
assert_contains "$out" "RP_STATE=git:origin" "the state backend reaches later steps"
assert_contains "$out" "RP_RUN_ID=4242" "the run id defaults to the workflow run's"
assert_contains "$out" "::add-mask::t0k3n" "the state token is masked"
[ -x "$RUNNER_TEMP/rp/bin/rp" ] || _fail "rp is installed under RUNNER_TEMP"
out=$(python3 "$top_srcdir/tests/lib/run-action.py" "$src" "state=x
RP_EVIL=1" 2>&1); rc=$?
assert_eq "$rc" 1 "a state with a newline is refused"
assert_not_contains "$out" "RP_EVIL" "and sets nothing"

# ---- GitLab: ci/rp.gitlab-ci.yml ----
repo="$tmp/rp.git"
git init -q "$src" && git -C "$src" add -A && git -C "$src" -c user.name=t -c user.email=t@t commit -qm rp &&
  git -C "$src" tag v-test && git clone -q --bare "$src" "$repo" || _fail "a repository of rp"
cp "$top_srcdir/ci/rp.gitlab-ci.yml" "$proj/"
cat > "$proj/.gitlab-ci.yml" <<YML
include:
  - local: rp.gitlab-ci.yml
deploy:
  extends: .rp
  variables:
    RP_REPO: file://$repo
    RP_REF: v-test
  script:
    - rp check pipeline.rp
    - echo "run id \$RP_RUN_ID"
YML
job() { python3 "$top_srcdir/tests/lib/run-gitlab-job.py" "$proj/.gitlab-ci.yml" deploy > "$tmp/job.sh" &&
  (cd "$proj" && CI_PROJECT_DIR="$proj" CI_PIPELINE_ID=777 sh -e "$tmp/job.sh"); }
out=$(job 2>&1); rc=$?
assert_eq "$rc" 0 "the job builds rp and runs it: $out"
assert_contains "$out" "$("$RP" --version)" "rp is on PATH"
assert_contains "$out" "run id 777" "RP_RUN_ID is the pipeline's id"
[ -x "$proj/.rp-tool/bin/rp" ] || _fail "rp is kept where the job's cache is"
rm -rf "$repo"
out=$(job 2>&1); rc=$?
assert_eq "$rc" 0 "the next job uses the cached rp, without the repository: $out"
rm -rf "$proj/.rp-tool"
sed -i '/RP_REPO:/d' "$proj/.gitlab-ci.yml"
out=$(job 2>&1); rc=$?
assert_eq "$rc" 1 "without RP_REPO and no cache, the job fails"
assert_contains "$out" "set RP_REPO" "and says what to set"
finish
