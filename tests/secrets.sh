#!/bin/sh
# secrets.sh — the run's secrets are masked in every process of the run:
# a --secrets FILE value is masked before any stage asks for it.
set -u
. "$top_srcdir/tests/lib/assert.sh"
f="$top_srcdir/tests/run/secrets.rp"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export RP_STATE_DIR="$tmp/state"

# --secrets FILE: every value masked, in a stage that never calls secret()
printf '# for the deploy\nAPI_KEY=file-key-444\nOTHER_KEY=file-key-555\n' > "$tmp/secrets.env"
out=$(SECRETS_FILE="$tmp/secrets.env" "$RP" run from_file --secrets "$tmp/secrets.env" --junit "$tmp/j.xml" -f "$f" 2>&1)
assert_contains "$out" "[from_file] API_KEY=***" "a --secrets FILE value is masked without secret()"
assert_contains "$out" "[from_file] OTHER_KEY=***" "every value of the file is masked"
assert_not_contains "$out$(cat "$tmp/j.xml")" "file-key-" "no value of the file is printed or written"
printf '{"API_KEY": "json-key-666"}' > "$tmp/secrets.json"
out=$(SECRETS_FILE="$tmp/secrets.json" "$RP" run from_file --secrets "$tmp/secrets.json" -f "$f" 2>&1)
assert_contains "$out" '[from_file] {"API_KEY": "***"}' "a JSON secrets file's values are masked"
finish
