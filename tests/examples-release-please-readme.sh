#!/bin/sh
# examples/release-please/README.md, its commands run as written: release
# 0.3.0 committed, tagged and pushed, nothing released twice, the tag's image
# and Argo CD Application.
set -u
. "${top_srcdir:-.}/tests/lib/example-lib.sh"
ex_setup
ex_app release-please "chore: initial"
world_release_please
ex_readme release-please

og() { g --git-dir="$T/origin.git" "$@"; }
assert_eq "$(og log -2 --format=%s main)" "$(printf '%s\n' "chore: release 0.3.0" "feat(controller): add support for task cancellation")" "one release pushed"
assert_eq "$(og rev-parse v0.3.0^{commit})" "$(og rev-parse main)" "its tag pushed"
assert_eq "$(ex_tags controller)" "v0.3.0" "the tag's image"
assert_contains "$(cfg show main:applications/controller.yaml)" "targetRevision: 0.3.0" "the Application"
finish
