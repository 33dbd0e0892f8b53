#!/bin/sh
# check-fmt-io.sh — what editors call: rp check --json (diagnostics as
# data, valid against tests/schema/diagnostics.schema.json), rp fmt -
# (standard input to standard output) and rp fmt --diff (a unified diff
# that patch applies).
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
export RP_STATE_DIR="$tmp/state"
for tool in diff patch python3; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed"; exit 1; }
done

# rp check --json: one array, each diagnostic with its place, span and suggestion
cat > bad.rp <<'EOF2'
stage build { sh "make" }
stage deploy {
  needs biuld
  let unused = 1
}
EOF2
out=$("$RP" check --json bad.rp 2>err); assert_eq "$?" 2 "errors: exit 2"
assert_eq "$(cat err)" "" "nothing on stderr"
assert_eq "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 1 "one line"
assert_contains "$out" '{"file":"bad.rp","line":3,"col":9,"end":{"line":3,"col":14},"severity":"error","message":"stage '"'deploy'"' needs unknown stage '"'biuld'"' (did you mean '"'build'"'?)","suggestion":"build"}' \
  "the error, its span and its suggestion"
assert_contains "$out" '"line":4,"col":7,"end":{"line":4,"col":13},"severity":"warning","message":"unused variable '"'unused'"'","suggestion":null}' \
  "a warning without a suggestion"
printf 'stage build { sh "make" }\n' > good.rp
assert_eq "$("$RP" check --json -f good.rp)" "[]" "no diagnostics: []"
out=$("$RP" check --json good.rp 2>&1); assert_eq "$?" 0 "exit 0"
printf 'stage {\n' > broken.rp
out=$("$RP" check --json broken.rp); assert_eq "$?" 2 "a parse error: exit 2"
assert_contains "$out" '"file":"broken.rp","line":1,"col":7' "a parse error as data"
printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d and d[0]["severity"]=="error"' ||
  _fail "parses as JSON"

# rp fmt -: standard input to standard output, errors named <stdin>
printf 'stage   build {sh "make"}\n' > messy.rp
assert_eq "$("$RP" fmt - < messy.rp)" 'stage build { sh "make" }' "rp fmt - formats stdin"
assert_eq "$("$RP" fmt - < messy.rp)" "$("$RP" fmt messy.rp)" "as it formats the file"
out=$("$RP" fmt - < broken.rp 2>&1); assert_eq "$?" 2 "rp fmt - of what does not parse"
assert_contains "$out" "<stdin>:1:7: error:" "names standard input"
out=$("$RP" fmt -w - < messy.rp 2>&1); assert_eq "$?" 2 "rp fmt -w -"
assert_contains "$out" "-w cannot rewrite standard input" "says why"

# rp fmt --diff: a unified diff, exit 1 when something would change; patch applies it
cp messy.rp orig.rp
out=$("$RP" fmt --diff messy.rp); assert_eq "$?" 1 "--diff: changes, exit 1"
assert_contains "$out" "--- a/messy.rp
+++ b/messy.rp" "labelled as git labels"
assert_contains "$out" '-stage   build {sh "make"}
+stage build { sh "make" }' "the change"
printf '%s\n' "$out" | patch -s -p1 || _fail "patch applies the diff"
assert_eq "$(cat messy.rp)" "$("$RP" fmt orig.rp)" "and the file is then formatted"
out=$("$RP" fmt --diff messy.rp); assert_eq "$?" 0 "--diff of a formatted file: exit 0"
assert_eq "$out" "" "and no output"
out=$("$RP" fmt --diff - < orig.rp); assert_eq "$?" 1 "--diff of stdin"
assert_contains "$out" "+++ b/<stdin>" "labelled <stdin>"
out=$("$RP" fmt --diff --check messy.rp 2>&1); assert_eq "$?" 2 "--diff and --check"
assert_contains "$out" "exclude each other" "say so"
finish
