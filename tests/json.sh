#!/bin/sh
# json.sh — the --json contract of doc/json.md: every event rp run,
# resume and rollback print validates against tests/schema/events.schema.json
# (with ajv-cli, which the test installs from npm into the build tree), every
# kind the schema names is produced, and each command with --json prints
# compact JSON, one document a line.
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
schema="$top_srcdir/tests/schema/events.schema.json"
npmdir="$PWD/tests/npm-ajv"
if [ ! -x "$npmdir/node_modules/.bin/ajv" ]; then
  command -v npm >/dev/null || { echo "FAIL: npm is not installed"; exit 1; }
  mkdir -p "$npmdir" && (cd "$npmdir" && npm install --no-audit --no-fund --silent ajv-cli@5 ajv-formats@2) ||
    { echo "FAIL: cannot install ajv-cli from npm"; exit 1; }
fi
ajv() { "$npmdir/node_modules/.bin/ajv" validate --spec=draft7 -c ajv-formats --all-errors -s "$schema" "$@"; }

cd "$tmp" && git init -q || exit 1
unset RP_STATE_DIR GITHUB_ACTIONS GITLAB_CI
cat > pipeline.rp <<'EOF2'
pipeline "events"
environment staging {}
environment prod {
  after staging
  approval { reviewers = ["alice"] }
}
stage build { output tag = "v1" }
stage deploy_staging {
  needs build
  environment staging
  version build.tag
  sh "echo staging ${version}"
}
stage deploy_prod {
  needs deploy_staging
  environment prod
  version build.tag
  sh "echo prod ${version}"
}
stage broken { sh "echo about to fail >&2; exit 3" }
stage never {
  when false
  sh "true"
}
EOF2
run_id() { sed -n 's/.*"kind":"run_started".*"run":"\([^"]*\)".*/\1/p' "$1" | head -1; }
RP_ACTOR=bob "$RP" run deploy_prod --json > ev1 </dev/null; assert_eq "$?" 3 "waits at the gate"
id=$(run_id ev1)
"$RP" approve "$id" prod --as alice --comment "looks good" >/dev/null || _fail "approve"
"$RP" resume "$id" --json > ev2; assert_eq "$?" 0 "resumed after the approval"
RP_ACTOR=bob "$RP" run deploy_prod --json > ev3 </dev/null
id=$(run_id ev3)
# a run blocked at its gate (--wait) sees the rejection as it happens
"$RP" resume "$id" --wait --json > ev4 & pid=$!
n=0; until grep -q gate_waiting ev4 || [ $n -ge 600 ]; do sleep 0.1; n=$((n + 1)); done
"$RP" reject "$id" prod --as alice >/dev/null || _fail "reject"
wait $pid; assert_eq "$?" 1 "rejected"
"$RP" run broken never --json > ev5; assert_eq "$?" 1 "a failing stage"

# one event a line, each valid; every kind the schema names appears
i=0
cat ev1 ev2 ev3 ev4 ev5 > all
while IFS= read -r line; do
  i=$((i + 1)); printf '%s\n' "$line" > "ev-$i.json"
done < all
[ "$i" -ge 20 ] || _fail "only $i events"
out=$(ajv -d "ev-*.json" 2>&1) || _fail "events invalid against the schema: $out"
for kind in run_started stage_started log stage_finished gate_waiting approved rejected deploy run_finished; do
  grep -q "^{\"kind\":\"$kind\",\"schema\":1,\"at\":\"20[0-9-]*T[0-9:.]*Z\",\"run\":" all || _fail "no $kind event"
done
grep -q '"kind":"gate_waiting".*"env":"prod","version":"v1","reviewers":\["alice"\],"stage":"deploy_prod"' all ||
  _fail "gate_waiting names the gate"
grep -q '"kind":"approved".*"by":"alice","comment":"looks good"' all || _fail "approved says by whom"
grep -q '"kind":"deploy".*"env":"prod","version":"v1".*"approvers":\["alice"\],"result":"succeeded"' all ||
  _fail "deploy carries the history entry"
grep -q '"kind":"stage_finished".*"stage":"broken","status":"failed".*"error":' all || _fail "the failure's error"
grep -q '"kind":"stage_finished".*"stage":"never","status":"skipped".*"reason":' all || _fail "the skip's reason"
# the schema is a real check: an event without `at` or with an unknown field fails it
sed 's/"at":"[^"]*",//' ev-1.json > bad-1.json
sed 's/}$/,"surprise":1}/' ev-2.json > bad-2.json
for f in bad-1.json bad-2.json; do
  ajv -d "$f" >/dev/null 2>&1 && _fail "$f passes the schema"
done

# rp check --json against its schema
printf 'stage a { needs biuld }\nstage build { let x = 1 }\n' > typo.rp
"$RP" check --json typo.rp > diags.json; assert_eq "$?" 2 "rp check --json: errors"
out=$("$npmdir/node_modules/.bin/ajv" validate --spec=draft7 --all-errors \
  -s "$top_srcdir/tests/schema/diagnostics.schema.json" -d diags.json 2>&1) || _fail "rp check --json is invalid: $out"
grep -q '"suggestion":"build"' diags.json || _fail "rp check --json: the suggestion"

# every command with --json: compact JSON, one document a line
for args in "runs" "history" "history prod" "environments" "status $id" "check"; do
  out=$("$RP" $args --json); assert_eq "$?" 0 "rp $args --json"
  assert_eq "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 1 "rp $args --json is one line"
  printf '%s' "$out" | python3 -c 'import json,sys; json.load(sys.stdin)' || _fail "rp $args --json parses"
done
finish
