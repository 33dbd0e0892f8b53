#!/bin/sh
# rollback-gate.sh — a rollback to a gated environment stops at the gate
# and, once approved and resumed, deploys the rollback's version; a
# rollback whose stage reads another stage's outputs (`version build.tag`)
# gets them from the deploy it goes back to, and is refused before the gate
# when that deploy did not record them.
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
. "$top_srcdir/tests/lib/state-lib.sh"
state_setup "$tmp"
f="$tmp/pipeline.rp"
cat > "$f" <<'RP'
environment prod { approval { reviewers = ["alice"] } }
on manual(v: string) -> deploy
stage deploy { environment prod  version event.inputs.v  sh "echo deploying ${version}" }
RP
run_id() { sed -n 's/^run \([0-9a-f-]*\)$/\1/p' | head -1; }
deploy_approved() { # deploy each version given, approved by alice
  for v; do
    id=$("$RP" run -f "$f" --event manual --input v=$v --actor bob < /dev/null 2>&1 | run_id)
    "$RP" approve "$id" prod --as alice -f "$f" >/dev/null 2>&1
    "$RP" resume "$id" -f "$f" >/dev/null 2>&1
  done
}
deploy_approved 1.0.0 2.0.0
out=$("$RP" rollback prod -f "$f" --actor bob < /dev/null 2>&1); rc=$?
assert_eq "$rc" 3 "the rollback waits at prod's gate"
id=$(printf '%s\n' "$out" | run_id)
"$RP" approve "$id" prod --as alice -f "$f" >/dev/null 2>&1
out=$("$RP" resume "$id" -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "the approved rollback resumes"
assert_contains "$out" "[deploy] deploying 1.0.0" "with the rollback's version"
assert_eq "$(state_cat history prod | tail -1 | grep -c '"version":"1.0.0".*"rollback":true')" 1 "recorded as a rollback"

# the stage reads build's outputs: they come back from the history
state_setup "$tmp" state2
cat > "$f" <<'RP'
environment prod { approval { reviewers = ["alice"] } }
on manual(v: string) -> deploy
stage build { output tag = "v${event.inputs.v}" }
stage deploy { needs build  environment prod  version build.tag  sh "echo deploying ${version} of ${build.tag}" }
RP
deploy_approved 1 2
assert_contains "$(state_cat history prod)" '"outputs":{"build":{"tag":"v1"}}' "a deploy records what it read"
out=$("$RP" rollback prod -f "$f" --actor bob < /dev/null 2>&1); rc=$?
assert_eq "$rc" 3 "the rollback waits at the gate: $out"
id=$(printf '%s\n' "$out" | run_id)
"$RP" approve "$id" prod --as alice -f "$f" >/dev/null 2>&1
out=$("$RP" resume "$id" -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "the rollback deploys: $out"
assert_contains "$out" "[deploy] deploying v1 of v1" "with the outputs of the deploy it restores"
# a deploy recorded without them (an earlier rp): refused before the gate asks
state_cat history prod | sed 's/,"outputs":{"build":{"tag":"v1"}}//' > "$tmp/edited"
state_put history prod < "$tmp/edited"
out=$("$RP" rollback prod --to v1 -f "$f" --actor bob < /dev/null 2>&1); rc=$?
assert_eq "$rc" 1 "the rollback fails at once"
assert_contains "$out" "cannot roll back prod to v1: stage 'deploy' reads the outputs of 'build', which the deploy being restored did not record" "and says why"
assert_not_contains "$out" "waiting for approval" "without asking for an approval"
finish
