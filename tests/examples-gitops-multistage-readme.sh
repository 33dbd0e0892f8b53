#!/bin/sh
# examples/gitops-multistage/README.md, its commands run as written: a
# commit built once and pushed through dev, staging and the production
# gate, a hotfix, a rollback, the retention.
set -u
. "${top_srcdir:-.}/tests/lib/example-lib.sh"
ex_setup
ex_app gitops-multistage
world_gitops_multistage
sha1=$(printf %.7s "$sha")
ex_readme gitops-multistage

sha2=$(g rev-parse --short=7 HEAD)
tags=$(ex_tags backend | tr ' ' '\n')
assert_eq "$(printf '%s\n' "$tags" | sed 's/-[0-9]\{8\}-[0-9]\{6\}$//' | LC_ALL=C sort | xargs)" \
  "$(printf '%s\n' "dev-$sha1" dev-latest "prod-$sha1" "prod-$sha2" prod-latest "staging-$sha1" staging-latest | LC_ALL=C sort | xargs)" \
  "one build per commit, tagged per environment"
p1=$(printf '%s\n' "$tags" | grep "^prod-$sha1-")
assert_eq "$(cfg log -1 --format=%s main)" "deploy(production): $p1" "production back on the first release"
assert_eq "$(cfg rev-list --count main) $(cfg rev-list --count staging) $(cfg rev-list --count dev)" "4 2 2" "a commit per deploy, on its branch"
finish
