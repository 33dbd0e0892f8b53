#!/bin/sh
# examples/release-pipeline end to end: a bare gitops-config repository,
# images built with podman and pushed to a local docker-registry, recording
# helm/kubectl stand-ins on PATH. Push, pull request, close and local runs.
set -u
. "${top_srcdir:-.}/tests/lib/example-lib.sh"
ex_setup
ex_app release-pipeline "feat: sample app"
world_release_pipeline
ex_checks release-pipeline

# push to main: validate, publish sha-<8>, promote staging in the gitops repo
: >"$RP_STUB_LOG"
ex_run main run --event push --branch main --sha "$sha"
assert_eq "$rc" 0 "push to main runs"
tag="sha-$(printf %.8s "$sha")"
stub=$(cat "$RP_STUB_LOG")
assert_contains "$out" "STEP 1/3: FROM scratch" "podman built the image"
assert_contains "$(skopeo inspect --tls-verify=false --format "{{.Labels}}" "docker://$REGISTRY/sample-app:$tag")" "org.opencontainers.image.revision:$sha" "labelled with its commit"
assert_eq "$(ex_tags sample-app)" "$tag" "image pushed with the sha tag"
assert_contains "$stub" "\"helm\", \"package\", \"helm/sample-app\", \"--version\", \"0.1.0-$tag\"" "chart packaged"
assert_contains "$stub" "oci://$REGISTRY/charts" "chart pushed to the OCI charts repository"
assert_contains "$(cat "$T/tools.log")" "npm run lint" "lint ran"
assert_eq "$(grep -c '^npm test' "$T/tools.log")" 3 "the test matrix ran its three instances"
assert_contains "$(cat "$T/tools.log")" "npm test -- --suite=integration --node=22" "the integration suite on node 22"
assert_not_contains "$(cat "$T/tools.log")" "--suite=integration --node=20" "not on node 20 (excluded)"
assert_eq "$(g --git-dir="$T/config.git" log -1 --format=%s main)" "deploy sample-app $tag to staging" "gitops commit message"
assert_eq "$(g --git-dir="$T/config.git" show main:environments/staging/values.yaml)" "$(printf 'image:\n  tag: %s  # updated by CI' "$tag")" "staging values.yaml"
assert_contains "$(g --git-dir="$T/config.git" show main:apps/staging/sample-app.yaml)" "targetRevision: 0.1.0-$tag  # updated by CI" "staging Application revision"
assert_eq "$(g --git-dir="$T/config.git" show main:environments/prod/values.yaml)" "$(printf 'image:\n  tag: none  # updated by CI')" "prod untouched"
assert_eq "$(g --git-dir="$T/config.git" rev-list --count main)" 2 "one commit per promotion"

# a pull request: preview-<n> namespace, pr-<n>-<sha> image, and (as in
# GitHub Actions) a comment with the preview's URL on the pull request
: >"$RP_STUB_LOG"
reg_serve_python F forge-server.py "$T/forge.log" ghs_example0123456789 || { echo "FAIL: forge server"; exit 1; }
GITHUB_TOKEN=ghs_example0123456789 GITHUB_API_URL=http://127.0.0.1:$F GITHUB_REPOSITORY=acme/sample-app \
  "$RP" run --event pull_request --base main --branch feature --pr 7 --sha "$sha" >"$T/pr.out" 2>&1
assert_eq "$?" 0 "pull request runs"
assert_contains "$(cat "$T/forge.log")" '"path": "/repos/acme/sample-app/issues/7/comments"' "comment posted on the pull request"
assert_contains "$(cat "$T/forge.log")" "Preview of \`pr-7-$sha\`: https://pr-7.preview.example.com" "with the preview's URL"
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
finish
