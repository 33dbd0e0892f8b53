#!/bin/sh
# examples/eks-release/README.md, its commands run as written: two releases
# through dev, staging and the prod gate, rollbacks, a manual redeploy, a
# tag never built, helm rollback and the Kind phase.
set -u
. "${top_srcdir:-.}/tests/lib/example-lib.sh"
ex_setup
ex_app eks-release
world_eks_release
ex_readme eks-release "$REGISTRY=123456789012.dkr.ecr.us-east-1.amazonaws.com"

assert_eq "$(ex_tags sample-app)" "$(g rev-parse --short=7 HEAD) v1.1.0 v1.2.0" "the two releases, and the Kind build"
assert_eq "$("$RP" environments | awk 'NR > 1 { print $1, $3 }' | xargs)" "dev v1.2.0 staging v1.1.0 prod v1.1.0" "what each environment runs"
stub=$(cat "$RP_STUB_LOG")
assert_contains "$stub" '["helm", "rollback", "sample-app-prod", "3", "--namespace", "prod", "--wait"]' "helm rollback to revision 3"
assert_contains "$stub" '"--namespace", "default"' "the Kind deploy"
finish
