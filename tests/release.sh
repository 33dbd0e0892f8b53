#!/bin/sh
# release.sh — a first release and breaking notes: git.latest_tag is null
# before any tag, std/release starts from a configurable initial version,
# and git.log's breaking_note (footer and `!` forms, continuation lines)
# is what the changelog lists.
set -u
. "$top_srcdir/tests/lib/assert.sh"
command -v git >/dev/null || { echo "FAIL: git is not installed"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
g() { git -C "$tmp/app" "$@"; }
mkdir "$tmp/app" && g init -q -b main .
g commit -q --allow-empty -m "chore: start"
g commit -q --allow-empty -m "fix(api): handle empty body"
g commit -q --allow-empty -F - <<'MSG'
feat(config): one file for every setting

BREAKING CHANGE: the settings moved to rp.yaml
and the old flags are gone.

Run `rp migrate` once.
Reviewed-by: Z
MSG
g commit -q --allow-empty -m "feat!: drop Node 14"
cat > "$tmp/app/pipeline.rp" <<'RP'
import "std/release"
on local -> first
stage first {
  let since = git.latest_tag(match: "v*")
  print("since ${since}")
  for c in git.log().filter(fn(c) => c.breaking) { print("note ${c.breaking_note.replace("\n", "|")}") }
  print("plain ${git.log().filter(fn(c) => !c.breaking).map(fn(c) => c.breaking_note)}")
  print("default ${release.next_version(since)}")
  print("initial ${release.next_version(since, initial: "v1.0.0")}")
  fs.write("${env.OUT}/changelog.md", release.changelog(git.log(), version: "1.0.0"))
}
RP
out=$(OUT="$tmp" "$RP" run --event local -f "$tmp/app/pipeline.rp" 2>&1); rc=$?
assert_eq "$rc" 0 "a repository without tags releases"
assert_contains "$out" "[first] since null" "git.latest_tag is null without tags"
assert_contains "$out" "[first] note drop Node 14" "a ! commit's note is its description"
assert_contains "$out" "[first] note the settings moved to rp.yaml|and the old flags are gone.||Run \`rp migrate\` once." "a footer note runs on to the next footer"
assert_contains "$out" "[first] plain [null, null]" "no note unless breaking"
assert_contains "$out" "[first] default 1.0.0" "without initial: the bump of 0.0.0"
assert_contains "$out" "[first] initial v1.0.0" "the first release is the initial version"
cl=$(cat "$tmp/changelog.md")
assert_contains "$cl" "### ⚠ BREAKING CHANGES" "breaking section"
assert_contains "$cl" "* **config:** the settings moved to rp.yaml
  and the old flags are gone.
  
  Run \`rp migrate\` once. (" "the changelog lists the footer's note, indented under its bullet"
assert_contains "$cl" "* drop Node 14 (" "and a ! commit's description"

# tagged: latest_tag finds it, nothing since calls for a release
g tag v1.0.0
out=$(OUT="$tmp" "$RP" run --event local -f "$tmp/app/pipeline.rp" 2>&1)
assert_contains "$out" "[first] since v1.0.0" "the tag once there is one"
assert_contains "$out" "[first] initial null" "nothing since the tag calls for a release"
g commit -q --allow-empty -m "fix: a later fix"
out=$(OUT="$tmp" "$RP" run --event local -f "$tmp/app/pipeline.rp" 2>&1)
assert_contains "$out" "[first] initial v1.0.1" "after the first release, initial is not used"
finish
