#!/bin/sh
# examples/eks-release end to end: images built with podman and pushed to a
# local docker-registry, recording helm/kubectl stand-ins, an npm stand-in.
# A push to main (lint, test, chart-lint, build, dev, staging, the prod
# gate), a second release and rp rollback, a manual redeploy of one
# environment, failures that stop the chain, helm rollback, a local Kind run.
set -u
. "${top_srcdir:-.}/tests/lib/example-lib.sh"
ex_setup
charts="oci://$REGISTRY/charts/sample-app"
# the exact helm upgrade of ENV (release sample-app-ENV) with TAG
upgrade() {
  printf '["helm", "upgrade", "--install", "sample-app-%s", "%s", "--namespace", "%s", "--create-namespace", "--version", "0.1.0-%s", "--values", "environments/eks-%s.yaml", "--set", "image.repository=%s/sample-app", "--set", "image.tag=%s", "--wait", "--timeout", "120s"]' \
    "$1" "$charts" "$1" "$2" "$1" "$REGISTRY" "$2"
}
helmtest() { printf '["helm", "test", "sample-app-%s", "--namespace", "%s", "--timeout", "120s"]' "$1" "$1"; }
line_of() { grep -nF "$1" "$RP_STUB_LOG" | head -1 | cut -d: -f1; }
approve_resume() {
  id=$(ex_approve_id)
  "$RP" approve "$id" prod --as release-team >/dev/null 2>&1 && "$RP" resume "$id" >"$T/resume.out" 2>&1
  rc=$?
  out=$(cat "$T/resume.out")
}

ex_app eks-release
world_eks_release
tag=$(g rev-parse --short=7 HEAD)
ex_checks eks-release

# push to main: lint, test, chart-lint, build once, dev then staging; prod waits
: >"$RP_STUB_LOG"
ex_run main run --event push --branch main --sha "$sha"
assert_eq "$rc" 3 "push to main pauses at the prod gate"
stub=$(cat "$RP_STUB_LOG")
tools=$(cat "$T/tools.log")
assert_contains "$tools" "npm run lint" "lint ran"
assert_contains "$tools" "npm test" "tests ran"
for f in eks-dev eks-prod eks-staging kind; do
  assert_contains "$stub" "[\"helm\", \"lint\", \"helm/sample-app\", \"--values\", \"environments/$f.yaml\"]" "chart linted with $f.yaml"
done
assert_contains "$out" "STEP 1/2: FROM scratch" "podman built the image"
assert_eq "$(ex_tags sample-app)" "$tag" "image pushed with the short commit"
assert_contains "$stub" "[\"helm\", \"package\", \"helm/sample-app\", \"--version\", \"0.1.0-$tag\", \"--app-version\", \"$tag\"]" "chart packaged once"
assert_contains "$stub" "[\"helm\", \"push\", \"--\", \"$T/app/sample-app-0.1.0-$tag.tgz\", \"oci://$REGISTRY/charts\"]" "chart pushed as OCI"
assert_contains "$stub" "$(upgrade dev "$tag")" "dev deploy"
assert_contains "$stub" "$(helmtest dev)" "dev helm test"
assert_contains "$stub" "$(upgrade staging "$tag")" "staging deploy"
assert_contains "$stub" "$(helmtest staging)" "staging helm test"
assert_contains "$stub" '["kubectl", "get", "ingress", "--namespace", "staging", "--output", "json"]' "ALB looked up"
assert_contains "$out" "sample-app-dev: ALB not provisioned yet" "ALB hostname reported"
assert_eq "$(($(line_of "$(helmtest dev)") < $(line_of "$(upgrade staging "$tag")")))" 1 "dev tested before staging deploys"
assert_not_contains "$stub" "sample-app-prod" "prod waits for approval"
"$RP" approve "$(ex_approve_id)" prod --as mallory >/dev/null 2>&1
assert_eq "$?" 2 "only reviewers of production approve"
: >"$RP_STUB_LOG"
approve_resume
assert_eq "$rc" 0 "approved prod deploys"
stub=$(cat "$RP_STUB_LOG")
assert_contains "$stub" "$(upgrade prod "$tag")" "prod deploy with the same image and chart"
assert_contains "$stub" "$(helmtest prod)" "prod helm test"
assert_not_contains "$stub" "sample-app-dev" "resume does not redeploy dev"
assert_not_contains "$stub" "\"package\"" "resume builds nothing"
assert_contains "$("$RP" history prod)" "$tag" "prod history"

# a second release, IMAGE_TAG=v1.2.0, all the way to prod
echo change >"$T/app/CHANGELOG.md" && g add -A && g commit -qm "fix: change"
: >"$RP_STUB_LOG"
IMAGE_TAG=v1.2.0 ex_run v12 run --event push --branch main
assert_eq "$rc" 3 "v1.2.0 pauses at the gate"
approve_resume
assert_eq "$rc" 0 "v1.2.0 reaches prod"
assert_eq "$(ex_tags sample-app)" "$tag v1.2.0" "IMAGE_TAG names the image"
assert_contains "$(cat "$RP_STUB_LOG")" "$(upgrade prod v1.2.0)" "v1.2.0 in prod"

# rp rollback staging: the previous image and chart, nothing rebuilt
: >"$RP_STUB_LOG"
ex_run rbs rollback staging
assert_eq "$rc" 0 "rollback staging"
assert_contains "$out" "rolling back staging to $tag" "back to the previous staging tag"
assert_contains "$(cat "$RP_STUB_LOG")" "$(upgrade staging "$tag")" "staging redeployed with the old tag"
assert_not_contains "$out" "STEP 1/" "rollback builds nothing"
assert_eq "$(tail -1 "$RP_STATE_DIR/history/staging.ndjson" | grep -c '"rollback":true')" 1 "history marks the rollback"
# rp rollback prod goes through the production gate
: >"$RP_STUB_LOG"
ex_run rbp rollback prod
assert_eq "$rc" 3 "prod rollback waits for approval"
assert_contains "$out" "rolling back prod to $tag" "back to the previous prod tag"
approve_resume
assert_eq "$rc" 0 "approved prod rollback"
assert_contains "$(cat "$RP_STUB_LOG")" "$(upgrade prod "$tag")" "prod redeployed with the old tag"

# manual: one environment, a tag already in the registry, nothing else runs
: >"$RP_STUB_LOG"; : >"$T/tools.log"
ex_run man run --only deploy_dev --event manual --input image_tag=v1.2.0
assert_eq "$rc" 0 "manual deploy of dev"
assert_eq "$(grep -c '"upgrade"' "$RP_STUB_LOG")" 1 "one environment only"
assert_contains "$(cat "$RP_STUB_LOG")" "$(upgrade dev v1.2.0)" "dev gets v1.2.0"
assert_eq "$(cat "$T/tools.log")" "" "no lint or tests"
# manual of a tag never built: refused before any deploy, nothing pushed
: >"$RP_STUB_LOG"
ex_run man2 run --event manual --input image_tag=v9.9.9
assert_eq "$rc" 1 "unknown tag fails"
assert_contains "$out" "$REGISTRY/sample-app:v9.9.9 was never built" "says why"
assert_not_contains "$(cat "$RP_STUB_LOG")" "upgrade" "no deploy"
assert_eq "$(ex_tags sample-app)" "$tag v1.2.0" "nothing pushed"

# failures stop the chain; what deployed stays
: >"$RP_STUB_LOG"
RP_STUB_FAIL="helm upgrade" ex_run f1 run --event push --branch main
assert_eq "$rc" 1 "a failed dev deploy fails the run"
assert_contains "$out" "timed out waiting for the condition" "helm's error shown"
assert_contains "$(cat "$RP_STUB_LOG")" "$(upgrade dev "$(g rev-parse --short=7 HEAD)")" "dev was attempted"
assert_not_contains "$(cat "$RP_STUB_LOG")" "sample-app-staging" "staging not attempted"
assert_not_contains "$(cat "$RP_STUB_LOG")" "\"test\"" "no helm test after a failed upgrade"
assert_eq "$(tail -1 "$RP_STATE_DIR/history/dev.ndjson" | grep -c '"result":"failed"')" 1 "failed dev deploy recorded"
: >"$RP_STUB_LOG"
RP_STUB_FAIL="helm test" ex_run f2 run --event push --branch main
assert_eq "$rc" 1 "a failed helm test fails the run"
assert_contains "$(cat "$RP_STUB_LOG")" "$(helmtest dev)" "dev tested"
assert_not_contains "$(cat "$RP_STUB_LOG")" "sample-app-staging" "staging not deployed after a failed test"
assert_eq "$(tail -1 "$RP_STATE_DIR/history/staging.ndjson" | grep -c "\"version\":\"$tag\",.*\"rollback\":true")" 1 "staging keeps what it had"

# helm rollback: to a revision, or the previous one
: >"$RP_STUB_LOG"
DEPLOY_ENV=prod REVISION=3 ex_run hr run helm_rollback
assert_eq "$rc" 0 "helm rollback prod 3"
stub=$(cat "$RP_STUB_LOG")
assert_contains "$stub" '["helm", "rollback", "sample-app-prod", "3", "--namespace", "prod", "--wait"]' "helm rollback to revision 3"
assert_contains "$stub" '["kubectl", "rollout", "status", "deployment/sample-app", "--namespace", "prod", "--timeout", "120s"]' "rollout verified"
assert_not_contains "$stub" "upgrade" "helm rollback deploys nothing else"
: >"$RP_STUB_LOG"
DEPLOY_ENV=staging ex_run hr2 run helm_rollback
assert_contains "$(cat "$RP_STUB_LOG")" '["helm", "rollback", "sample-app-staging", "--namespace", "staging", "--wait"]' "helm rollback to the previous revision"

# local: the Kind cluster, no EKS environment
: >"$RP_STUB_LOG"
ex_run local run
assert_eq "$rc" 0 "local run"
stub=$(cat "$RP_STUB_LOG")
assert_contains "$stub" "[\"helm\", \"upgrade\", \"--install\", \"sample-app\", \"$charts\", \"--namespace\", \"default\", \"--create-namespace\"" "Kind deploy"
assert_contains "$stub" "\"--values\", \"environments/kind.yaml\"" "Kind values"
assert_contains "$stub" '["helm", "test", "sample-app", "--namespace", "default", "--timeout", "120s"]' "Kind helm test"
assert_not_contains "$stub" "sample-app-dev" "no EKS deploy locally"
finish
