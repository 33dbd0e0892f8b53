#!/bin/sh
# examples/webapp: its README run as written (check, plans, a dry run of a
# pull request), then what the dry run must and must not print: every
# instance of the matrices, the build's options, and no secret.
set -u
. "${top_srcdir:-.}/tests/lib/example-lib.sh"
ex_scratch
unset REGISTRY
ex_app webapp "feat: webapp"
ex_readme webapp
NPM_TOKEN=npm-5ecret-token GITHUB_TOKEN=ghp-5ecret-token GITHUB_REPOSITORY=acme/webapp \
  ex_run pr run --dry-run --event pull_request --pr 7 --pr-action opened --base main --branch feature
assert_eq "$rc" 0 "the dry run of a pull request succeeds: $out"
for unit in 'lint[eslint]' 'lint[stylelint]' 'lint[tsc]' 'test[20, 1]' 'test[20, 2]' 'test[22, 1]' 'test[22, 2]' \
  'test[22, 3]' checks build scan review_app; do
  assert_contains "$out" "--- $unit: ok" "$unit ran (as a dry run)"
done
assert_not_contains "$out" "test[20, 3]" "the excluded instance is not there"
assert_contains "$out" "--platform linux/amd64,linux/arm64 --cache-from type=registry,ref=ghcr.io/acme/webapp:cache" \
  "the build's platforms and cache"
assert_contains "$out" "--secret id=npmrc,env=RP_BUILD_SECRET_0" "the npm token goes to the build by name"
assert_not_contains "$out" "5ecret" "no secret is printed"
assert_contains "$out" "kubectl create namespace preview-7" "the review app's namespace"
"$RP" plan --event pull_request --pr 7 --pr-action closed --base main --branch feature > "$T/closed.out" 2>&1
assert_contains "$(cat "$T/closed.out")" "1. review_cleanup" "a closed pull request removes its review app"
assert_not_contains "$(cat "$T/closed.out")" "review_app" "and builds nothing"
finish
