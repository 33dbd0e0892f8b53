#!/bin/sh
# examples/dex end to end: a bare gitops repository holding the Argo CD
# kustomize overlays, images built with podman and pushed to a local
# docker-registry, recording helm/kubectl stand-ins, stand-ins for uv and
# trivy. Pushes to dev and main, a labelled preview and its cleanup, the prod
# approval gate, a manual promotion and a rollback.
set -u
. "${top_srcdir:-.}/tests/lib/example-lib.sh"
ex_setup
ex_app dex
world_dex
tag="sha-$(printf %.8s "$sha")"
ex_checks dex

# push to dev: lint, test, sha-<8> image, trivy, the dev overlay only
: >"$RP_STUB_LOG"
ex_run dev run --event push --branch dev --sha "$sha"
assert_eq "$rc" 0 "push to dev runs"
assert_contains "$out" "STEP 1/3: FROM scratch" "podman built the image"
assert_contains "$out" "[ci] rp: artifact: kept 1 file" "ci keeps the wheel"
assert_contains "$out" "COPY dist/ /dist/" "the image is built with it"
assert_eq "$(ex_tags dex)" "$tag" "dev pushes the sha tag alone"
tools=$(cat "$T/tools.log")
assert_contains "$tools" "uv run poe lint" "lint ran"
assert_contains "$tools" "uv run poe test-cov" "tests ran"
assert_contains "$tools" "trivy image --exit-code 1 --severity CRITICAL $REGISTRY/dex:$tag" "trivy blocks on CRITICAL"
assert_eq "$(cfg log -1 --format=%s main)" "chore: update dev image to $tag" "dev gitops commit"
assert_eq "$(cfg show main:infra/argocd/overlays/dev/kustomization.yaml)" "$(dex_overlay dev "$tag")" "dev overlay newTag"
assert_eq "$(cfg show main:infra/argocd/overlays/stage/kustomization.yaml)" "$(dex_overlay stage sha-00000000)" "stage untouched by dev"
assert_eq "$(cfg rev-list --count main)" 2 "one commit for dev"

# push to main: latest too; stage updated; prod waits for approval (exit 3)
: >"$RP_STUB_LOG"
out=$("$RP" run --event push --branch main --sha "$sha" 2>&1); rc=$?
assert_eq "$rc" 3 "main pauses at the prod gate"
assert_eq "$(ex_tags dex)" "latest $tag" "main pushes latest too"
assert_eq "$(cfg log -1 --format=%s main)" "chore: update stage image to $tag" "stage gitops commit"
assert_eq "$(cfg show main:infra/argocd/overlays/stage/kustomization.yaml)" "$(dex_overlay stage "$tag")" "stage overlay newTag"
assert_eq "$(cfg show main:infra/argocd/overlays/prod/kustomization.yaml)" "$(dex_overlay prod sha-00000000)" "prod untouched before approval"
id=$(printf '%s\n' "$out" | sed -n 's/.*rp approve \([^ ]*\) prod.*/\1/p' | head -1)
assert_contains "$id" "-" "the run id is printed"
"$RP" approve "$id" prod --as mallory >/dev/null 2>&1
assert_eq "$?" 2 "only listed reviewers approve"
"$RP" approve "$id" prod --as release-team >/dev/null 2>&1
assert_eq "$?" 0 "release-team approves"
"$RP" resume "$id" >"$T/resume.out" 2>&1
assert_eq "$?" 0 "resume promotes prod"
assert_eq "$(cfg log -1 --format=%s main)" "chore: promote $tag to prod" "prod gitops commit"
assert_eq "$(cfg show main:infra/argocd/overlays/prod/kustomization.yaml)" "$(dex_overlay prod "$tag")" "prod overlay newTag"
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
assert_eq "$(cfg show main:infra/argocd/overlays/prod/kustomization.yaml)" "$(dex_overlay prod "$tag2")" "second build in prod"
# rp rollback stage: deploy_stage alone with the previous stage image
: >"$RP_STUB_LOG"
out=$("$RP" rollback stage 2>&1); rc=$?
assert_eq "$rc" 0 "rollback stage"
assert_contains "$out" "rolling back stage to $tag" "back to the previous stage image"
assert_eq "$(cfg log -1 --format=%s main)" "chore: update stage image to $tag" "rollback gitops commit"
assert_eq "$(cfg show main:infra/argocd/overlays/stage/kustomization.yaml)" "$(dex_overlay stage "$tag")" "stage back on the first image"
assert_not_contains "$out" "STEP 1/" "rollback builds nothing"
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
assert_eq "$(cfg show main:infra/argocd/overlays/prod/kustomization.yaml)" "$(dex_overlay prod "$tag2")" "manual promote sets prod"
assert_not_contains "$out$(cat "$T/m.out")" "STEP 1/" "manual promote builds nothing"

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
assert_eq "$(ex_tags dex)" "$(printf '%s\n' latest pr-42 "$tag" "$tag2" | LC_ALL=C sort | xargs)" "preview image pr-42"
assert_contains "$stub" "\"kubectl\", \"create\", \"namespace\", \"dex-pr-42\"" "preview namespace"
assert_contains "$stub" "\"helm\", \"upgrade\", \"--install\", \"dex\", \"chart\", \"--namespace\", \"dex-pr-42\", \"--set\", \"image.tag=$tag\"" "preview deploy"

# closed: the preview goes, nothing built; a closed unlabelled PR does nothing
: >"$RP_STUB_LOG"
"$RP" run --event pull_request --pr-action closed --label preview --base dev --branch feature --pr 42 --sha "$sha" >"$T/close.out" 2>&1
assert_eq "$?" 0 "closed pull request runs"
stub=$(cat "$RP_STUB_LOG")
assert_contains "$stub" "\"helm\", \"uninstall\", \"dex\", \"--namespace\", \"dex-pr-42\"" "preview uninstalled"
assert_contains "$stub" "\"kubectl\", \"delete\", \"namespace\", \"dex-pr-42\"" "preview namespace deleted"
assert_not_contains "$(cat "$T/close.out")" "STEP 1/" "nothing built on close"
: >"$RP_STUB_LOG"
"$RP" run --event pull_request --pr-action closed --base dev --branch feature --pr 43 --sha "$sha" >"$T/close2.out" 2>&1
assert_not_contains "$(cat "$RP_STUB_LOG")" "dex-pr-43" "no cleanup for an unlabelled pull request"
finish
