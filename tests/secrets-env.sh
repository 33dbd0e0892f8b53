#!/bin/sh
# secrets-env.sh — --secrets ENV=FILE: a stage bound to an environment
# reads that environment's secrets (GitHub's environment secrets); no
# other stage can, and every value is masked in the whole run.
set -u
. "$top_srcdir/tests/lib/assert.sh"
f="$top_srcdir/tests/run/secrets-env.rp"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf 'DB_PASS=global-pass-1\nAPI_KEY=global-api-1\n' > "$tmp/all.env"
printf 'DB_PASS=staging-pass-2\n' > "$tmp/staging.env"
printf '{"DB_PASS": "prod-pass-3"}\n' > "$tmp/prod.json"
run() { OUT=$tmp "$RP" run "$@" -f "$f" --secrets "$tmp/all.env" --secrets "staging=$tmp/staging.env" \
          --secrets "prod=$tmp/prod.json" 2>&1; }

out=$(run unbound to_staging to_prod); rc=$?
assert_eq "$rc" 0 "environment secrets run: $out"
assert_eq "$(cat "$tmp/unbound")" "unbound=global-pass-1" "an unbound stage reads the run-wide secret"
assert_eq "$(cat "$tmp/staging")" "staging=staging-pass-2" "a staging stage reads staging's"
assert_eq "$(cat "$tmp/prod")" "prod=prod-pass-3" "a prod stage reads prod's with env:"
assert_contains "$out" "staging sees ***" "masked"
for v in global-pass-1 staging-pass-2 prod-pass-3; do
  assert_not_contains "$out" "$v" "$v not shown"
  assert_eq "$(grep -rlF "$v" "$RP_STATE_DIR" | wc -l)" 0 "$v not in the state"
done

out=$(run sneaky); rc=$?
assert_eq "$rc" 1 "a staging stage cannot read prod's secret"
assert_contains "$out" "stage 'sneaky' is not bound to environment 'prod': it cannot read that environment's secrets" \
  "and is told why"
assert_not_contains "$out" "prod-pass-3" "prod's value not shown"

out=$(run prod_only); rc=$?
assert_eq "$rc" 1 "env: does not fall back to the run-wide secret"
assert_contains "$out" "secret 'API_KEY' is not set for environment 'prod' (pass --secrets prod=FILE)" "named"

# prod's values are masked even in a stage that is not prod's
out=$(PROD_VALUE=prod-pass-3 run leak); rc=$?
assert_eq "$rc" 0 "leak stage runs"
assert_contains "$out" "staging-stage-prints ***" "another environment's secret is masked too"

out=$(OUT=$tmp "$RP" run unbound -f "$f" --secrets "qa=$tmp/staging.env" 2>&1); rc=$?
assert_eq "$rc" 2 "an unknown environment is a usage error"
assert_contains "$out" "--secrets qa=$tmp/staging.env: the pipeline has no environment 'qa'" "named"
mkdir "$tmp/d=x" && printf 'DB_PASS=from-path-4\n' > "$tmp/d=x/s.env"
out=$(OUT=$tmp "$RP" run unbound -f "$f" --secrets "$tmp/d=x/s.env" 2>&1); rc=$?
assert_eq "$rc" 0 "a path with '=' after a '/' is a file: $out"
assert_eq "$(cat "$tmp/unbound")" "unbound=from-path-4" "read from it"
finish
