#!/bin/sh
# report.sh — rp report writes one self-contained HTML page: versions,
# approvals, the run waiting at a gate, the stage graph; hostile text is
# escaped and secrets never appear. Headless Chromium loads the page: no
# console message, the versions in its DOM, no element made from the
# hostile version, and a screenshot (for doc/report.md).
set -u
. "$top_srcdir/tests/lib/assert.sh"
command -v chromium >/dev/null || { echo "not ok: chromium is not installed (scripts/install-deps.sh --test)"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export RP_STATE_DIR="$tmp/state"
unset CI
f="$tmp/pipeline.rp"
cat > "$f" <<'RP'
pipeline "shop"
environment staging { namespace = "staging" }
environment prod {
  after staging
  approval { reviewers = ["alice", "bob"] }
}
on manual(v: string) -> deploy_prod
stage build { sh "true" }
stage test { needs build  sh "test -n ${secret("TOKEN")}" }
stage deploy_staging { needs test  environment staging  version event.inputs.v  sh "true" }
stage deploy_prod { needs deploy_staging  environment prod  version event.inputs.v  sh "true" }
RP
printf 'TOKEN=s3cr3t-t0ken-value\n' > "$tmp/secrets"
hostile='<img src=x onerror=alert(1)>'
run_id() { sed -n 's/^run \([0-9a-f-]*\)$/\1/p' | head -1; }
start() { "$RP" run -f "$f" --secrets "$tmp/secrets" --event manual --actor carol "$@" </dev/null 2>&1; }
deploy() { # VERSION APPROVER COMMENT [BRANCH]: through the gate into prod
  id=$(start --input "v=$1" --branch "${4:-main}" | run_id)
  "$RP" approve "$id" prod --as "$2" --comment "$3" -f "$f" >/dev/null 2>&1 || _fail "approve $1"
  "$RP" resume "$id" -f "$f" --secrets "$tmp/secrets" >/dev/null 2>&1 || _fail "resume $1"
}
deploy 1.0.0 alice "looks good"
deploy "$hostile" bob '<script>alert(2)</script>'
out=$(start --input v=2.0.0 --branch 'feat/<b>x</b>'); rc=$?
assert_eq "$rc" 3 "the third run waits at prod's gate"
waiting=$(printf '%s\n' "$out" | run_id)

"$RP" report -f "$f" -o "$tmp/report.html"; rc=$?
assert_eq "$rc" 0 "rp report -o"
html=$(cat "$tmp/report.html")
assert_eq "$("$RP" report -f "$f" | grep -v 'Written by')" "$(grep -v 'Written by' "$tmp/report.html")" \
  "without -o, the same page on stdout"
assert_contains "$html" '&lt;img src=x onerror=alert(1)&gt;' "the hostile version is escaped"
assert_not_contains "$html" '<img' "no raw img tag"
assert_not_contains "$html" '<script' "no script at all"
assert_contains "$html" '&lt;script&gt;alert(2)&lt;/script&gt;' "the approver's comment is escaped"
assert_not_contains "$html" 's3cr3t-t0ken-value' "the secret never appears"
assert_contains "$html" "rp approve $waiting prod --as NAME" "the command that approves the waiting run"
assert_contains "$html" "Content-Security-Policy" "scripts and remote loads are forbidden"
assert_not_contains "$html" '://' "nothing is loaded from the network"
assert_contains "$html" '<svg' "the stage graph is inline SVG"

chrome() {
  chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
    --disable-sync --no-first-run --user-data-dir="$tmp/profile" --enable-logging=stderr --v=0 "$@"
}
# the control: a console message on a page is seen in the log
printf '<!DOCTYPE html><script>console.error("control-message")</script>' > "$tmp/control.html"
chrome --dump-dom "file://$tmp/control.html" >/dev/null 2>"$tmp/control.log"
assert_contains "$(grep CONSOLE "$tmp/control.log")" "control-message" "console messages reach the log"

chrome --dump-dom "file://$tmp/report.html" >"$tmp/dom.html" 2>"$tmp/chrome.log"; rc=$?
assert_eq "$rc" 0 "chromium loads the report"
assert_eq "$(grep -c CONSOLE "$tmp/chrome.log")" 0 "no console message: $(grep CONSOLE "$tmp/chrome.log")"
dom=$(cat "$tmp/dom.html")
assert_contains "$dom" '<h3>prod <span class="version">&lt;img src=x onerror=alert(1)&gt;</span></h3>' \
  "prod's current version, as text"
assert_contains "$dom" '<h3>staging <span class="version">2.0.0</span></h3>' "staging's current version"
assert_contains "$dom" '<td>1.0.0</td>' "the version before, in the history"
assert_contains "$dom" '<td>2.0.0</td>' "the version waiting at the gate"
assert_not_contains "$dom" '<img' "the DOM has no image made from the version"
assert_contains "$dom" 'alice <span class="when">' "who approved 1.0.0, and when"
assert_contains "$dom" '<q>looks good</q>' "with the comment"
assert_contains "$dom" 'feat/&lt;b&gt;x&lt;/b&gt;' "a hostile branch is text"
assert_contains "$dom" '<g class="node waiting gate">' "prod waits in the graph"
assert_contains "$dom" '<g class="node ok">' "stages that succeeded are coloured"

shot=${RP_REPORT_SCREENSHOT:-$tmp/report.png}
chrome --screenshot="$shot" --window-size=1100,1000 --hide-scrollbars "file://$tmp/report.html" \
  >/dev/null 2>"$tmp/shot.log"
assert_eq "$(head -c 4 "$shot" | od -An -tx1 | tr -d ' ')" 89504e47 "a PNG screenshot is written"
finish
