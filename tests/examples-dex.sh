#!/bin/sh
# examples/dex end to end: a bare gitops repository holding the Argo CD
# kustomize overlays, recording helm/kubectl/container stand-ins on PATH,
# stand-ins for uv and trivy. Pushes to dev and main, a labelled preview and
# its cleanup, the prod approval gate, a manual promotion and a rollback.
set -u
: "${RP:=./rp}" "${top_srcdir:=.}"
RP=$(cd "$(dirname "$RP")" && pwd)/$(basename "$RP")
top_srcdir=$(cd "$top_srcdir" && pwd)
. "$top_srcdir/tests/lib/assert.sh"
command -v git >/dev/null || { echo "SKIP: git is not installed"; exit 77; }
T=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
export PATH="$T/bin:$top_srcdir/tests/lib/stubs:$PATH" RP_STUB_LOG="$T/stub.log"
export RP_CONTAINER_CLI=container-cli RP_STATE_DIR="$T/state"
mkdir "$T/bin"
for t in uv trivy; do
  printf '#!/bin/sh\necho "%s $*" >>"%s/tools.log"\n' "$t" "$T" >"$T/bin/$t" && chmod +x "$T/bin/$t"
done
g() { git -c user.name=t -c user.email=t@example.com "$@"; }
cfg() { g --git-dir="$T/config.git" "$@"; }
overlay() { printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: dex-%s\nresources:\n  - ../../base\nimages:\n  - name: data-literate/dex\n    newTag: %s  # updated by CD\n' "$1" "$2"; }

# the gitops repository: infra/argocd/overlays/{dev,stage,prod}
g init -q --bare -b main "$T/config.git"
g clone -q "$T/config.git" "$T/seed" 2>/dev/null
for e in dev stage prod; do
  mkdir -p "$T/seed/infra/argocd/overlays/$e"
  overlay "$e" sha-00000000 >"$T/seed/infra/argocd/overlays/$e/kustomization.yaml"
done
g -C "$T/seed" add -A && g -C "$T/seed" commit -qm init && g -C "$T/seed" push -q origin main

cp -r "$top_srcdir/examples/dex" "$T/app"
cd "$T/app" && g init -q -b main . && g add -A && g commit -qm "feat: dex"
sha=$(g rev-parse HEAD)
tag="sha-$(printf %.8s "$sha")"
export GITOPS_REPO="$T/config.git" REGISTRY=127.0.0.1:5999

"$RP" check pipeline.rp >/dev/null 2>&1
assert_eq "$?" 0 "rp check examples/dex"
"$RP" fmt --check pipeline.rp >/dev/null 2>&1
assert_eq "$?" 0 "rp fmt --check"

# push to dev: lint, test, sha-<8> image, trivy, the dev overlay only
: >"$RP_STUB_LOG"
"$RP" run --event push --branch dev --sha "$sha" >"$T/dev.out" 2>&1
assert_eq "$?" 0 "push to dev runs"
stub=$(cat "$RP_STUB_LOG")
assert_contains "$stub" "\"container-cli\", \"build\", \"--tag\", \"127.0.0.1:5999/dex:$tag\", \".\"" "dev image: the sha tag alone"
assert_contains "$stub" "\"container-cli\", \"push\", \"127.0.0.1:5999/dex:$tag\"" "sha image pushed"
assert_not_contains "$stub" "dex:latest" "no latest from dev"
tools=$(cat "$T/tools.log")
assert_contains "$tools" "uv run poe lint" "lint ran"
assert_contains "$tools" "uv run poe test-cov" "tests ran"
assert_contains "$tools" "trivy image --exit-code 1 --severity CRITICAL 127.0.0.1:5999/dex:$tag" "trivy blocks on CRITICAL"
assert_eq "$(cfg log -1 --format=%s main)" "chore: update dev image to $tag" "dev gitops commit"
assert_eq "$(cfg show main:infra/argocd/overlays/dev/kustomization.yaml)" "$(overlay dev "$tag")" "dev overlay newTag"
assert_eq "$(cfg show main:infra/argocd/overlays/stage/kustomization.yaml)" "$(overlay stage sha-00000000)" "stage untouched by dev"
assert_eq "$(cfg rev-list --count main)" 2 "one commit for dev"

# push to main: latest too; stage updated; prod waits for approval (exit 3)
: >"$RP_STUB_LOG"
out=$("$RP" run --event push --branch main --sha "$sha" 2>&1); rc=$?
assert_eq "$rc" 3 "main pauses at the prod gate"
stub=$(cat "$RP_STUB_LOG")
assert_contains "$stub" "\"--tag\", \"127.0.0.1:5999/dex:$tag\", \"--tag\", \"127.0.0.1:5999/dex:latest\"" "main image: sha and latest"
assert_contains "$stub" "\"container-cli\", \"push\", \"127.0.0.1:5999/dex:latest\"" "latest pushed"
assert_eq "$(cfg log -1 --format=%s main)" "chore: update stage image to $tag" "stage gitops commit"
assert_eq "$(cfg show main:infra/argocd/overlays/stage/kustomization.yaml)" "$(overlay stage "$tag")" "stage overlay newTag"
assert_eq "$(cfg show main:infra/argocd/overlays/prod/kustomization.yaml)" "$(overlay prod sha-00000000)" "prod untouched before approval"
id=$(printf '%s\n' "$out" | sed -n 's/.*rp approve \([^ ]*\) prod.*/\1/p' | head -1)
assert_contains "$id" "-" "the run id is printed"
"$RP" approve "$id" prod --as mallory >/dev/null 2>&1
assert_eq "$?" 2 "only listed reviewers approve"
"$RP" approve "$id" prod --as release-team >/dev/null 2>&1
assert_eq "$?" 0 "release-team approves"
"$RP" resume "$id" >"$T/resume.out" 2>&1
assert_eq "$?" 0 "resume promotes prod"
assert_eq "$(cfg log -1 --format=%s main)" "chore: promote $tag to prod" "prod gitops commit"
assert_eq "$(cfg show main:infra/argocd/overlays/prod/kustomization.yaml)" "$(overlay prod "$tag")" "prod overlay newTag"
assert_eq "$(cfg rev-list --count main)" 4 "stage and prod commits"

# manual promotion of a tag that never reached stage: refused by 'after stage'
"$RP" run --only promote_prod --event manual --input image_tag=sha-deadbeef >"$T/m0.out" 2>&1
assert_eq "$?" 1 "a tag never deployed to stage is not promoted"
assert_eq "$(cfg rev-list --count main)" 4 "no commit for it"

# a second build reaches stage and prod; rp rollback prod goes back to the first
echo change >"$T/app/CHANGELOG.md" && g add -A && g commit -qm "fix: change" && sha2=$(g rev-parse HEAD)
tag2="sha-$(printf %.8s "$sha2")"
out=$("$RP" run --event push --branch main --sha "$sha2" 2>&1)
id2=$(printf '%s\n' "$out" | sed -n 's/.*rp approve \([^ ]*\) prod.*/\1/p' | head -1)
"$RP" approve "$id2" prod --as release-team >/dev/null 2>&1 && "$RP" resume "$id2" >/dev/null 2>&1
assert_eq "$(cfg show main:infra/argocd/overlays/prod/kustomization.yaml)" "$(overlay prod "$tag2")" "second build in prod"
# rp rollback stage: deploy_stage alone with the previous stage image
: >"$RP_STUB_LOG"
out=$("$RP" rollback stage 2>&1); rc=$?
assert_eq "$rc" 0 "rollback stage"
assert_contains "$out" "rolling back stage to $tag" "back to the previous stage image"
assert_eq "$(cfg log -1 --format=%s main)" "chore: update stage image to $tag" "rollback gitops commit"
assert_eq "$(cfg show main:infra/argocd/overlays/stage/kustomization.yaml)" "$(overlay stage "$tag")" "stage back on the first image"
assert_not_contains "$(cat "$RP_STUB_LOG")" "build" "rollback builds nothing"
assert_eq "$(tail -1 "$RP_STATE_DIR/history/stage.ndjson" | grep -c '"rollback":true')" 1 "history marks the rollback"
# rp rollback prod stops at the prod gate like any prod deploy
out=$("$RP" rollback prod 2>&1); rc=$?
assert_eq "$rc" 3 "prod rollback waits for approval"
assert_contains "$out" "rolling back prod to $tag" "to the previous prod image"

# manual promotion of the second tag (it reached stage): gated, then pushed
: >"$RP_STUB_LOG"
out=$("$RP" run --only promote_prod --event manual --input image_tag="$tag2" 2>&1); rc=$?
assert_eq "$rc" 3 "manual promote waits for approval"
idm=$(printf '%s\n' "$out" | sed -n 's/.*rp approve \([^ ]*\) prod.*/\1/p' | head -1)
"$RP" approve "$idm" prod --as release-team >/dev/null 2>&1
"$RP" resume "$idm" >"$T/m.out" 2>&1
assert_eq "$?" 0 "manual promote resumes"
assert_eq "$(cfg show main:infra/argocd/overlays/prod/kustomization.yaml)" "$(overlay prod "$tag2")" "manual promote sets prod"
assert_not_contains "$(cat "$RP_STUB_LOG")" "build" "manual promote builds nothing"

# pull request without the preview label: CI only
: >"$RP_STUB_LOG"; : >"$T/tools.log"
"$RP" run --event pull_request --base dev --branch feature --pr 42 --sha "$sha" >"$T/pr0.out" 2>&1
assert_eq "$?" 0 "unlabelled pull request runs"
assert_contains "$(cat "$T/tools.log")" "uv run poe lint" "CI on the pull request"
assert_not_contains "$(cat "$RP_STUB_LOG")" "namespace" "no preview without the label"

# labelled: sha and pr-<n> images, dex-pr-<n>
: >"$RP_STUB_LOG"
"$RP" run --event pull_request --pr-action labeled --label preview --base dev --branch feature --pr 42 --sha "$sha" >"$T/pr.out" 2>&1
assert_eq "$?" 0 "labelled pull request runs"
stub=$(cat "$RP_STUB_LOG")
assert_contains "$stub" "\"--tag\", \"127.0.0.1:5999/dex:$tag\", \"--tag\", \"127.0.0.1:5999/dex:pr-42\"" "preview images"
assert_contains "$stub" "\"kubectl\", \"create\", \"namespace\", \"dex-pr-42\"" "preview namespace"
assert_contains "$stub" "\"helm\", \"upgrade\", \"--install\", \"dex\", \"chart\", \"--namespace\", \"dex-pr-42\", \"--set\", \"image.tag=$tag\"" "preview deploy"

# closed: the preview goes, nothing built; a closed unlabelled PR does nothing
: >"$RP_STUB_LOG"
"$RP" run --event pull_request --pr-action closed --label preview --base dev --branch feature --pr 42 --sha "$sha" >"$T/close.out" 2>&1
assert_eq "$?" 0 "closed pull request runs"
stub=$(cat "$RP_STUB_LOG")
assert_contains "$stub" "\"helm\", \"uninstall\", \"dex\", \"--namespace\", \"dex-pr-42\"" "preview uninstalled"
assert_contains "$stub" "\"kubectl\", \"delete\", \"namespace\", \"dex-pr-42\"" "preview namespace deleted"
assert_not_contains "$stub" "\"build\"" "nothing built on close"
: >"$RP_STUB_LOG"
"$RP" run --event pull_request --pr-action closed --base dev --branch feature --pr 43 --sha "$sha" >"$T/close2.out" 2>&1
assert_not_contains "$(cat "$RP_STUB_LOG")" "dex-pr-43" "no cleanup for an unlabelled pull request"
finish
