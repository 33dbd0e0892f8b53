#!/bin/sh
# examples/release-pipeline/README.md, its commands run as written: one
# build promoted from staging to UAT to prod, the same digest under the
# release names, the gitops commits of each promotion.
set -u
. "${top_srcdir:-.}/tests/lib/example-lib.sh"
ex_setup
world_release_pipeline
ex_app release-pipeline "feat: sample app"
sed 's/wait = 1h/wait = 2s/' pipeline.rp >pipeline.new && mv pipeline.new pipeline.rp && g commit -qam "test: prod's wait timer is 2s"
build="sha-$(g rev-parse HEAD | cut -c1-8)"
ex_readme release-pipeline

assert_eq "$(ex_tags sample-app | tr ' ' '\n' | grep -v -e '^dev-' -e '^pr-' | xargs)" "$build v1.3.0 v1.3.0-rc.1" "one build, under the release names"
digest=$(reg_skopeo_digest "$REGISTRY/sample-app:$build")
for t in v1.3.0-rc.1 v1.3.0; do
  assert_eq "$(reg_skopeo_digest "$REGISTRY/sample-app:$t")" "$digest" "$t is the build staging ran"
done
assert_eq "$(cfg log -3 --format=%s main)" "$(printf '%s\n' "promote sample-app v1.3.0 ($build) to production" "deploy sample-app v1.3.0-rc.1 ($build) to uat" "deploy sample-app $build to staging")" "a gitops commit per promotion"
for e in staging uat prod; do
  assert_eq "$(cfg show "main:environments/$e/values.yaml")" "$(printf 'image:\n  tag: %s  # updated by CI' "$build")" "$e values"
  assert_contains "$(cfg show "main:apps/$e/sample-app.yaml")" "targetRevision: 0.1.0-$build  # updated by CI" "$e chart version"
done

# a candidate whose commit staging never ran is refused, nothing promoted
g commit -q --allow-empty -m "fix: never pushed to main" && g tag v1.4.0-rc.1
ex_run rc2 run --event tag --tag v1.4.0-rc.1
assert_eq "$rc" 1 "a candidate staging never ran"
assert_contains "$out" "cannot go to uat: it has not been deployed to staging successfully" "is refused by after staging"
assert_eq "$(ex_tags sample-app | tr ' ' '\n' | grep -c rc)" 1 "and gets no alias"
finish
