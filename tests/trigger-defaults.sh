#!/bin/sh
# trigger-defaults.sh — `on pull_request { types = [...] labels = [...] }`
# (no `->`) sets those settings once: every `on pull_request ... -> ...`
# inherits each one it does not set itself. Plan, graph and both exports.
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
f="$tmp/pipeline.rp"
cat > "$f" <<'RP'
on pull_request { types = ["opened", "synchronize", "labeled"]  labels = ["preview"] }
on pull_request "main" -> review
on pull_request "release/*" { labels = [] } -> check
on pull_request "hotfix/*" { types = ["closed"] } -> cleanup
stage review { sh "echo review" }
stage check { sh "echo check" }
stage cleanup { sh "echo cleanup" }
RP
plan() { "$RP" plan -f "$f" --event pull_request --pr 4 --branch feat "$@" 2>&1; }

out=$(plan --base main --pr-action labeled --label preview); rc=$?
assert_eq "$rc" 0 "plan exits 0"
assert_contains "$out" "✓ on pull_request \"main\" matched target branch main, action labeled, labels [\"preview\"]" \
  "types and labels are inherited"
out=$(plan --base main --pr-action reopened --label preview)
assert_contains "$out" "action reopened is not in types [\"opened\", \"synchronize\", \"labeled\"]" \
  "the inherited types replace the built-in default"
out=$(plan --base main --pr-action opened)
assert_contains "$out" "label preview is missing" "the inherited labels filter"
out=$(plan --base release/2 --pr-action synchronize)
assert_contains "$out" "✓ on pull_request \"release/*\" matched target branch release/2, action synchronize, labels []" \
  "a trigger overrides one setting and inherits the other"
out=$(plan --base hotfix/1 --pr-action closed --label preview)
assert_contains "$out" "✓ on pull_request \"hotfix/*\" matched" "an overridden types"
out=$(plan --base hotfix/1 --pr-action opened --label preview)
assert_contains "$out" "action opened is not in types [\"closed\"]" "an overridden types is the only one"

out=$("$RP" graph -f "$f" --format dot 2>&1)
assert_contains "$out" 'labels = []\ntypes = [\"opened\", \"synchronize\", \"labeled\"]' "graph labels show inherited settings"
assert_not_contains "$out" "on pull_request\"" "the block itself is no trigger node"

"$RP" export github -f "$f" --state git:origin -o "$tmp/gh.yml" || _fail "github export"
assert_contains "$(cat "$tmp/gh.yml")" "types: [opened, synchronize, labeled, closed]" "GitHub: the union of effective types"
"$RP" export gitlab -f "$f" --state git:origin -o "$tmp/gl.yml" || _fail "gitlab export"
out=$(grep -A3 '^review:' "$tmp/gl.yml")
assert_contains "$out" '$CI_MERGE_REQUEST_LABELS =~ /(^|,)preview(,|$)/' "GitLab: inherited labels"
out=$(grep -A3 '^check:' "$tmp/gl.yml")
assert_not_contains "$out" 'CI_MERGE_REQUEST_LABELS' "GitLab: overridden labels"
out=$("$RP" fmt "$f")
assert_contains "$out" "on pull_request {
  types = [\"opened\", \"synchronize\", \"labeled\"]
  labels = [\"preview\"]
}
on pull_request \"main\" -> review" "fmt keeps the block without an arrow"
finish
