#!/bin/sh
# secrets.sh — the run's secrets are masked in every process of the run:
# one a stage registers reaches the parent (its error, outputs, journal,
# --json, --junit and the stages after it), a --secrets FILE value is
# masked before any stage asks for it, and so is a secret("NAME") the
# pipeline writes, even in a stage that never evaluates it.
set -u
. "$top_srcdir/tests/lib/assert.sh"
f="$top_srcdir/tests/run/secrets.rp"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export RP_STATE_DIR="$tmp/state"
export TOP_TOKEN=top-token-111 MODULE_TOKEN=module-token-000 STAGE_TOKEN=stage-token-222 COMPUTED_TOKEN=computed-token-333 WHICH=COMPUTED_TOKEN
run_id() { printf '%s\n' "$1" | sed -n 's/^run \([0-9a-f-]*\)$/\1/p' | head -1; }

# registered in the stage's process: the parent's report, the journal
# and `rp status` show *** for the error and the outputs
for stage in literal computed; do
  out=$("$RP" run "$stage" -f "$f" 2>&1); rc=$?
  assert_eq "$rc" 1 "$stage: the stage fails"
  assert_contains "$out" "error: stage '$stage': bad ***" "$stage: the parent prints the error masked"
  id=$(run_id "$out")
  status=$("$RP" status "$id" -f "$f" 2>&1)
  assert_contains "$status" "bad ***" "$stage: rp status shows the error masked"
  json=$("$RP" status "$id" --json -f "$f" 2>&1)
  assert_contains "$json" '"outputs":{"seen":"value ***"}' "$stage: the journaled outputs are masked"
  for text in "$out" "$status" "$json" "$(cat "$RP_STATE_DIR"/runs/"$id"/journal.ndjson)"; do
    assert_not_contains "$text" "stage-token-222" "$stage: the literal secret is never written"
    assert_not_contains "$text" "computed-token-333" "$stage: the computed secret is never written"
  done
done

# a secret a stage registered is masked in the stages after it (they inherit
# it) and, by the parent, in a stage running beside it
out=$(MARK="$tmp/mark" "$RP" run after_it beside_it -j2 --json --junit "$tmp/j.xml" -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "registering stages succeed"
assert_contains "$out" '"text":"after: ***"' "masked in a stage after the one that registered it"
assert_contains "$out" '"text":"beside: ***"' "masked by the parent in a stage beside it"
assert_not_contains "$out" "computed-token-333" "the computed secret is never printed"
assert_not_contains "$(cat "$tmp/j.xml")" "computed-token-333" "nor written to junit"

# --secrets FILE: every value masked, in a stage that never calls secret()
printf '# for the deploy\nAPI_KEY=file-key-444\nOTHER_KEY=file-key-555\n' > "$tmp/secrets.env"
out=$(SECRETS_FILE="$tmp/secrets.env" "$RP" run from_file --secrets "$tmp/secrets.env" --junit "$tmp/j.xml" -f "$f" 2>&1)
assert_contains "$out" "[from_file] API_KEY=***" "a --secrets FILE value is masked without secret()"
assert_contains "$out" "[from_file] OTHER_KEY=***" "every value of the file is masked"
assert_not_contains "$out$(cat "$tmp/j.xml")" "file-key-" "no value of the file is printed or written"
printf '{"API_KEY": "json-key-666"}' > "$tmp/secrets.json"
out=$(SECRETS_FILE="$tmp/secrets.json" "$RP" run from_file --secrets "$tmp/secrets.json" -f "$f" 2>&1)
assert_contains "$out" '[from_file] {"API_KEY": "***"}' "a JSON secrets file's values are masked"

# a top-level let of secret() is lazy, yet masked in a stage that never reads it
out=$("$RP" run top -f "$f" 2>&1)
assert_contains "$out" "[top] top: ***" "a secret the pipeline declares is masked from the start"
assert_contains "$out" "[top] module: ***" "and so is one a module declares"
assert_not_contains "$out" "token-111" "the declared secret is never printed"
assert_not_contains "$out" "token-000" "nor the module's"
finish
