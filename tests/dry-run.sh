#!/bin/sh
# dry-run.sh — a dry run leaves no trace a real run goes by: no history
# (so it never counts for `after`), no deploy lock, no approval asked or
# used; it is recorded as a dry run and resumed as one (issue #12).
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export RP_STATE_DIR="$tmp/state"
f="$tmp/pipeline.rp"
cat > "$f" <<'RP'
environment uat { namespace = "uat" }
environment prod { namespace = "prod"  after uat  approval { reviewers = ["alice"] } }
on manual(v: string) -> deploy_prod
stage deploy_uat { environment uat  version event.inputs.v  sh "echo uat ${version}" }
stage deploy_prod { environment prod  version event.inputs.v  sh "echo prod ${version}" }
stage promote { environment prod  needs deploy_uat  version event.inputs.v  sh "echo prod ${version}" }
RP
run_id() { sed -n 's/^run \([0-9a-f-]*\)$/\1/p' | head -1; }

out=$("$RP" run deploy_uat -f "$f" --event manual --input v=1.0.0 --dry-run --actor bob < /dev/null 2>&1); rc=$?
assert_eq "$rc" 0 "a dry deploy to uat succeeds"
id=$(printf '%s\n' "$out" | run_id)
[ -e "$RP_STATE_DIR/history/uat.ndjson" ] && _fail "a dry run wrote the history"
[ -e "$RP_STATE_DIR/locks/uat.lock" ] && _fail "a dry run took the deploy lock"
out=$("$RP" run deploy_prod -f "$f" --event manual --input v=1.0.0 --actor bob < /dev/null 2>&1); rc=$?
assert_eq "$rc" 1 "a dry deploy does not count for after"
assert_contains "$out" "it has not been deployed to uat successfully" "prod refuses the version"

# the runs and status say which runs were dry
assert_contains "$("$RP" runs -f "$f")" "DRY-RUN" "rp runs has a dry-run column"
assert_eq "$("$RP" runs -f "$f" | awk -v id="$id" '$1 == id { print $NF }')" "yes" "the dry run is marked"
assert_contains "$("$RP" runs -f "$f" --json)" '"dry_run":true' "rp runs --json"
assert_contains "$("$RP" status "$id" -f "$f")" "run $id: succeeded (dry run)" "rp status"
assert_contains "$("$RP" status "$id" -f "$f" --json)" '"dry_run":true' "rp status --json"

# at a gate a dry run says what it would wait for and goes on: nothing asked, nothing used
"$RP" run deploy_uat -f "$f" --event manual --input v=2.0.0 --actor bob < /dev/null > /dev/null 2>&1
out=$("$RP" run deploy_prod -f "$f" --event manual --input v=2.0.0 --dry-run --actor bob < /dev/null 2>&1); rc=$?
assert_eq "$rc" 0 "a dry run does not stop at the gate"
assert_contains "$out" "[deploy_prod] rp: dry run: would wait for approval to deploy 2.0.0 to prod" "it says it would wait"
assert_contains "$out" "[deploy_prod] [dry-run] sh: echo prod '2.0.0'" "and runs dry"
id=$(printf '%s\n' "$out" | run_id)
assert_not_contains "$(cat "$RP_STATE_DIR/runs/$id/journal.ndjson")" "gate_waiting" "no gate is journaled"
[ -e "$RP_STATE_DIR/history/prod.ndjson" ] && _fail "the dry run wrote prod's history"
out=$("$RP" approve "$id" prod --as alice -f "$f" 2>&1); rc=$?
assert_eq "$rc" 2 "there is no gate of a dry run to approve"
out=$("$RP" run deploy_prod -f "$f" --event manual --input v=2.0.0 --actor bob < /dev/null 2>&1); rc=$?
assert_eq "$rc" 3 "the real run still waits for its own approval"

# within one dry run, its own deploy to uat lets prod go after it
out=$("$RP" run promote -f "$f" -j1 --event manual --input v=3.0.0 --dry-run --actor bob < /dev/null 2>&1); rc=$?
assert_eq "$rc" 0 "a dry run promotes what it deployed itself: $out"
assert_eq "$(grep -c '"3.0.0"' "$RP_STATE_DIR/history/uat.ndjson")" 0 "and records none of it"

# a dry run that did not finish is resumed dry
id=$(printf '%s\n' "$out" | run_id)
j="$RP_STATE_DIR/runs/$id/journal.ndjson"
grep -v '"run_finished"\|"stage":"promote"' "$j" > "$tmp/j" && cat "$tmp/j" > "$j"
out=$("$RP" resume "$id" -f "$f" < /dev/null 2>&1); rc=$?
assert_eq "$rc" 0 "the dry run resumes: $out"
assert_contains "$out" "[promote] [dry-run] sh: echo prod '3.0.0'" "still dry"
[ -e "$RP_STATE_DIR/history/prod.ndjson" ] && _fail "the resumed dry run wrote prod's history"
real=$("$RP" runs -f "$f" --json | tr '{' '\n' | grep '"dry_run":false' | grep -o '"id":"[^"]*"' | tail -1 | cut -d'"' -f4)
out=$("$RP" resume "$real" --dry-run -f "$f" < /dev/null 2>&1); rc=$?
assert_eq "$rc" 2 "a real run cannot be resumed dry"
assert_contains "$out" "is not a dry run" "says why"
finish
