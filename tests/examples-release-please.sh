#!/bin/sh
# examples/release-please end to end: the release on a push to main (commit,
# tag and push to a bare origin), a rerun after a failed push, the image and
# the Argo CD Application on the tag.
set -u
. "${top_srcdir:-.}/tests/lib/example-lib.sh"
ex_setup
ex_app release-please "chore: initial"
world_release_please
ex_checks release-please
og() { g --git-dir="$T/origin.git" "$@"; }

g commit -q --allow-empty -m "feat(controller): add support for task cancellation"
g commit -q --allow-empty -m "fix(heal): resolve alert deduplication bug"
g commit -q --allow-empty -m "docs: usage"
g push -q origin main 2>/dev/null
ex_run rel run --event push --branch main
assert_eq "$rc" 0 "release run"
assert_eq "$(og log -1 --format=%s main)" "chore: release 0.3.0" "release commit pushed"
assert_eq "$(og rev-parse v0.3.0^{commit})" "$(og rev-parse main)" "tag v0.3.0 pushed on it"
cl=$(og show main:CHANGELOG.md)
assert_contains "$cl" "## 0.3.0 (" "changelog version"
assert_contains "$cl" "* **controller:** add support for task cancellation (" "feature entry"
assert_contains "$cl" "* **heal:** resolve alert deduplication bug (" "fix entry"
assert_not_contains "$cl" "usage" "docs left out"
assert_contains "$(og show main:chart/Chart.yaml)" "version: 0.3.0  # x-release-please-version" "chart version bumped"
assert_contains "$(og show main:.release-please-manifest.json)" '"0.3.0"' "manifest bumped"
# a second push with nothing new releases nothing
ex_run rel2 run --event push --branch main
assert_eq "$rc" 0 "second release run"
assert_eq "$(og log -1 --format=%s main)" "chore: release 0.3.0" "no second release"

# the push fails (origin unreachable): the run fails; the rerun pushes the
# release it made instead of finding nothing to release
g commit -q --allow-empty -m "fix: retry on timeout" && g push -q origin main 2>/dev/null
g remote set-url origin "$T/unreachable.git"
ex_run rel3 run --event push --branch main
assert_eq "$rc" 1 "a failed push fails the release"
assert_eq "$(og tag -l v0.3.1)" "" "nothing of it reached origin"
g remote set-url origin "$T/origin.git"
ex_run rel4 run --event push --branch main
assert_eq "$rc" 0 "the rerun"
assert_eq "$(og log -1 --format=%s main)" "chore: release 0.3.1" "pushes the release commit"
assert_eq "$(og rev-parse v0.3.1^{commit})" "$(og rev-parse main)" "and its tag"
assert_eq "$(g log --format=%s | grep -c 'chore: release 0.3.1')" 1 "made once"

# the tag: image built and pushed, Application pointed at it
: >"$RP_STUB_LOG"
ex_run tag run --event tag --tag v0.3.0
assert_eq "$rc" 0 "tag run"
assert_eq "$(ex_tags controller)" "v0.3.0" "release image pushed"
app=$(cfg show main:applications/controller.yaml)
assert_contains "$app" "targetRevision: 0.3.0" "Application revision"
assert_contains "$app" "name: image.tag" "helm parameter name"
assert_contains "$app" "value: v0.3.0" "helm parameter value"
assert_eq "$(cfg log -1 --format=%s main)" "deploy controller v0.3.0" "gitops commit"
finish
