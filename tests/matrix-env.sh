#!/bin/sh
# matrix-env.sh — `matrix env in ["qa", "staging"]` with `environment env`:
# each instance deploys to its own environment (its history, its `after`
# rule, which orders the instances; rp rollback finds the instance), and
# rp check puts a caret on a value that is no environment.
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
export RP_STATE_DIR="$tmp/state"
cat > pipeline.rp <<'RP'
pipeline "envs"
environment qa {}
environment staging { after qa }
stage deploy {
  matrix env in ["staging", "qa"]
  environment env
  version event.inputs.v ?? "1.0"
  sh "echo deploying ${version} to ${env}; echo ${env} >> order"
}
RP
"$RP" check >/dev/null 2>&1 || _fail "rp check accepts an environment bound by the matrix"
out=$("$RP" plan --only deploy 2>&1)
assert_contains "$out" "deploy[staging]          named on the command line; environment staging (after qa)" \
  "rp plan names each instance's environment"
out=$("$RP" run --only deploy 2>&1); rc=$?
assert_eq "$rc" 0 "both instances deploy"
assert_eq "$(tr '\n' ' ' < order)" "qa staging " "staging comes after qa, so its instance waits for qa's"
assert_contains "$("$RP" history qa)" "qa   1.0" "qa's history has its deploy"
assert_contains "$("$RP" history staging)" "staging  1.0" "staging's history has its own"
out=$("$RP" environments)
assert_contains "$out" "staging          qa         1.0" "rp environments shows both deployed"

# rollback runs the instance that deploys to the environment
"$RP" run --only 'deploy[qa]' --only 'deploy[staging]' >/dev/null 2>&1 || _fail "a second deploy"
out=$("$RP" rollback staging --to 1.0 2>&1); rc=$?
assert_eq "$rc" 0 "rp rollback staging runs"
assert_contains "$out" "rolling back staging to 1.0 with stage deploy[staging]" "with the instance bound to staging"
assert_not_contains "$out" "to qa" "and not qa's"

cat > bad.rp <<'RP'
pipeline "bad"
environment qa {}
environment staging {}
stage deploy {
  matrix env in ["qa", "stagin"]
  environment env
  sh "true"
}
RP
out=$("$RP" check bad.rp 2>&1)
assert_contains "$out" "bad.rp:5:24: error: stage 'deploy' uses unknown environment 'stagin' (did you mean 'staging'?)
    matrix env in [\"qa\", \"stagin\"]
                         ^~~~~~~~" "a value that is no environment, with its caret"
finish
