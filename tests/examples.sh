#!/bin/sh
# examples/release-pipeline and examples/release-please end to end: bare
# gitops-config repositories made here, images built with podman and pushed
# to a local docker-registry, recording helm/kubectl stand-ins on PATH.
set -u
. "${top_srcdir:-.}/tests/lib/example-lib.sh"
ex_setup
world_release_pipeline

# the app repository: the example, committed
ex_app release-pipeline "feat: sample app"
ex_checks release-pipeline

# push to main: validate, publish sha-<8>, promote staging in the gitops repo
: >"$RP_STUB_LOG"
ex_run main run --event push --branch main --sha "$sha"
assert_eq "$rc" 0 "push to main runs"
tag="sha-$(printf %.8s "$sha")"
stub=$(cat "$RP_STUB_LOG")
assert_contains "$out" "STEP 1/2: FROM scratch" "podman built the image"
assert_eq "$(ex_tags sample-app)" "$tag" "image pushed with the sha tag"
assert_contains "$stub" "\"helm\", \"package\", \"helm/sample-app\", \"--version\", \"0.1.0-$tag\"" "chart packaged"
assert_contains "$stub" "oci://$REGISTRY/charts" "chart pushed to the OCI charts repository"
assert_contains "$(cat "$T/tools.log")" "npm run lint" "lint ran"
assert_eq "$(g --git-dir="$T/config.git" log -1 --format=%s main)" "deploy sample-app $tag to staging" "gitops commit message"
assert_eq "$(g --git-dir="$T/config.git" show main:environments/staging/values.yaml)" "$(printf 'image:\n  tag: %s  # updated by CI' "$tag")" "staging values.yaml"
assert_contains "$(g --git-dir="$T/config.git" show main:apps/staging/sample-app.yaml)" "targetRevision: 0.1.0-$tag  # updated by CI" "staging Application revision"
assert_eq "$(g --git-dir="$T/config.git" show main:environments/prod/values.yaml)" "$(printf 'image:\n  tag: none  # updated by CI')" "prod untouched"
assert_eq "$(g --git-dir="$T/config.git" rev-list --count main)" 2 "one commit per promotion"

# a pull request: preview-<n> namespace, pr-<n>-<sha> image
: >"$RP_STUB_LOG"
"$RP" run --event pull_request --base main --branch feature --pr 7 --sha "$sha" >"$T/pr.out" 2>&1
assert_eq "$?" 0 "pull request runs"
stub=$(cat "$RP_STUB_LOG")
assert_contains "$stub" "\"kubectl\", \"create\", \"namespace\", \"preview-7\"" "preview namespace"
assert_eq "$(ex_tags sample-app)" "pr-7-$sha $tag" "preview image pr-<n>-<sha> pushed"
assert_contains "$stub" "\"helm\", \"upgrade\", \"--install\", \"sample-app\", \"helm/sample-app\", \"--namespace\", \"preview-7\", \"--values\", \"environments/preview.yaml\", \"--set\", \"image.tag=pr-7-$sha\"" "preview deploy"

# the pull request closes: the preview goes
: >"$RP_STUB_LOG"
"$RP" run --event pull_request --pr-action closed --base main --branch feature --pr 7 --sha "$sha" >"$T/close.out" 2>&1
assert_eq "$?" 0 "closed pull request runs"
stub=$(cat "$RP_STUB_LOG")
assert_contains "$stub" "\"helm\", \"uninstall\", \"sample-app\", \"--namespace\", \"preview-7\"" "preview uninstalled"
assert_contains "$stub" "\"kubectl\", \"delete\", \"namespace\", \"preview-7\"" "preview namespace deleted"
assert_not_contains "$(cat "$T/close.out")" "STEP 1/" "nothing built for a closed pull request"

# local: dev-<sha7>-<time> tag, helm upgrade + test in dev
: >"$RP_STUB_LOG"
"$RP" run >"$T/local.out" 2>&1
assert_eq "$?" 0 "local run"
stub=$(cat "$RP_STUB_LOG")
assert_contains "$stub" "image.tag=dev-$(printf %.7s "$sha")-" "dev tag deployed"
assert_contains "$stub" "\"helm\", \"test\", \"sample-app\", \"--namespace\", \"dev\"" "helm test in dev"

# --- examples/release-please: release on main, deploy on the tag
g init -q --bare -b main "$T/rp-origin.git"
cp -r "$top_srcdir/examples/release-please" "$T/rel"
cd "$T/rel" && g init -q -b main . && g remote add origin "$T/rp-origin.git"
g add -A && g commit -qm "chore: initial" && g tag v0.2.0
g commit -q --allow-empty -m "feat(controller): add support for task cancellation"
g commit -q --allow-empty -m "fix(heal): resolve alert deduplication bug"
g commit -q --allow-empty -m "docs: usage"
g push -q origin main v0.2.0 2>/dev/null
"$RP" check pipeline.rp >/dev/null 2>&1
assert_eq "$?" 0 "rp check examples/release-please"
"$RP" run --event push --branch main >"$T/rel.out" 2>&1
assert_eq "$?" 0 "release run"
assert_eq "$(g --git-dir="$T/rp-origin.git" log -1 --format=%s main)" "chore: release 0.3.0" "release commit pushed"
assert_eq "$(g --git-dir="$T/rp-origin.git" rev-parse v0.3.0^{commit})" "$(g --git-dir="$T/rp-origin.git" rev-parse main)" "tag v0.3.0 pushed on it"
cl=$(g --git-dir="$T/rp-origin.git" show main:CHANGELOG.md)
assert_contains "$cl" "## 0.3.0 (" "changelog version"
assert_contains "$cl" "* **controller:** add support for task cancellation (" "feature entry"
assert_contains "$cl" "* **heal:** resolve alert deduplication bug (" "fix entry"
assert_not_contains "$cl" "usage" "docs left out"
assert_contains "$(g --git-dir="$T/rp-origin.git" show main:chart/Chart.yaml)" "version: 0.3.0  # x-release-please-version" "chart version bumped"
assert_contains "$(g --git-dir="$T/rp-origin.git" show main:.release-please-manifest.json)" '"0.3.0"' "manifest bumped"
# a second push with nothing new releases nothing
"$RP" run --event push --branch main >"$T/rel2.out" 2>&1
assert_eq "$?" 0 "second release run"
assert_eq "$(g --git-dir="$T/rp-origin.git" log -1 --format=%s main)" "chore: release 0.3.0" "no second release"

# the tag: image built and pushed, Application pointed at it
ex_bare apps
mkdir -p "$T/apps-work/applications"
printf 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: controller\nspec:\n  source:\n    chart: controller\n    targetRevision: 0.2.0\n' >"$T/apps-work/applications/controller.yaml"
ex_push apps
: >"$RP_STUB_LOG"
GITOPS_REPO="$T/apps.git" "$RP" run --event tag --tag v0.3.0 >"$T/tag.out" 2>&1
assert_eq "$?" 0 "tag run"
assert_eq "$(ex_tags controller)" "v0.3.0" "release image pushed"
app=$(g --git-dir="$T/apps.git" show main:applications/controller.yaml)
assert_contains "$app" "targetRevision: 0.3.0" "Application revision"
assert_contains "$app" "name: image.tag" "helm parameter name"
assert_contains "$app" "value: v0.3.0" "helm parameter value"
assert_eq "$(g --git-dir="$T/apps.git" log -1 --format=%s main)" "deploy controller v0.3.0" "gitops commit"
finish
