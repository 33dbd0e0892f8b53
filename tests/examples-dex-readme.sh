#!/bin/sh
# examples/dex/README.md, its commands run as written: two builds through
# dev, stage and the prod gate, a preview, rollbacks and a manual promotion.
set -u
. "${top_srcdir:-.}/tests/lib/example-lib.sh"
ex_setup
ex_app dex
world_dex
tag1="sha-$(printf %.8s "$sha")"
ex_readme dex

tag2="sha-$(g rev-parse HEAD | cut -c1-8)"
assert_eq "$(cfg show main:infra/argocd/overlays/dev/kustomization.yaml)" "$(dex_overlay dev "$tag1")" "dev: the first build"
assert_eq "$(cfg show main:infra/argocd/overlays/stage/kustomization.yaml)" "$(dex_overlay stage "$tag1")" "stage: rolled back to the first build"
assert_eq "$(cfg show main:infra/argocd/overlays/prod/kustomization.yaml)" "$(dex_overlay prod "$tag2")" "prod: the second build, promoted again"
assert_eq "$(cfg log -4 --format=%s main | xargs)" "chore: promote $tag2 to prod chore: promote $tag1 to prod chore: update stage image to $tag1 chore: promote $tag2 to prod" "the rollbacks and the promotion in the gitops log"
assert_eq "$(ex_tags dex)" "$(printf '%s\n' latest pr-42 "$tag1" "$tag2" | LC_ALL=C sort | xargs)" "two builds and the preview's"
finish
