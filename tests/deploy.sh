#!/bin/sh
# deploy.sh — promotion order, crash safety with resume, environment locks,
# rollback and deploy history (DESIGN §3).
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
. "$top_srcdir/tests/lib/state-lib.sh"
state_setup "$tmp"
f="$tmp/pipeline.rp"
cat > "$f" <<'RP'
environment uat { namespace = "uat" }
environment prod { namespace = "prod"  after uat }
environment shared { namespace = "shared" }

on manual(v: string) -> deploy_prod

stage deploy_uat {
  environment uat
  version event.inputs.v
  sh "echo ${version} > ${env.OUT}/uat"
}
stage deploy_prod {
  environment prod
  version event.inputs.v
  sh "echo ${version} > ${env.OUT}/prod"
}

stage one { output n = 1  sh "echo one >> ${env.OUT}/log" }
stage two { needs one  output n = one.n + 1  sh "echo two >> ${env.OUT}/log; touch ${env.OUT}/two-started; sleep 3" }
stage three { needs two  sh "echo three ${two.n} >> ${env.OUT}/log" }

stage hold { environment shared  version "h"  sh "touch ${env.OUT}/held-${env.WHO}; sleep 2" }
RP
export OUT="$tmp/out"; mkdir -p "$OUT"

# promotion order: 1.0.0 never reached uat, so prod refuses it
out=$("$RP" run -f "$f" --event manual --input v=1.0.0 2>&1); rc=$?
assert_eq "$rc" 1 "prod refuses a version not deployed to uat"
assert_contains "$out" "version 1.0.0 cannot go to prod: it has not been deployed to uat successfully" "names both environments"
[ -e "$OUT/prod" ] && _fail "the prod stage body ran"
"$RP" run deploy_uat -f "$f" --event manual --input v=1.0.0 >/dev/null 2>&1
out=$("$RP" run -f "$f" --event manual --input v=1.0.0 2>&1); rc=$?
assert_eq "$rc" 0 "after uat, prod accepts it"
assert_eq "$(cat "$OUT/prod")" "1.0.0" "prod deployed"
out=$("$RP" run -f "$f" --event manual --input v=9.9.9 --force-promotion "hotfix, INC-42" 2>&1); rc=$?
assert_eq "$rc" 0 "--force-promotion overrides"
assert_contains "$(state_cat history prod)" "hotfix, INC-42" "the reason is in the history"

# crash safety: kill -9 while stage two runs, then resume
"$RP" run three -f "$f" -j1 > "$tmp/run.out" 2>&1 &
pid=$!
i=0; while [ ! -e "$OUT/two-started" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
kill -9 $pid; wait $pid 2>/dev/null
id=$(sed -n 's/^run \([0-9a-f-]*\)$/\1/p' "$tmp/run.out" | head -1)
[ -n "$id" ] || _fail "no run id printed"
# the stage's own process group goes on without its parent: wait it out
sleep 3.2
out=$("$RP" resume "$id" -f "$f" -j1 2>&1); rc=$?
assert_eq "$rc" 0 "resume finishes the run"
assert_contains "$out" "[one] rp: done in an earlier attempt of this run" "finished stages do not run again"
assert_eq "$(grep -c '^one$' "$OUT/log")" 1 "stage one ran once"
assert_eq "$(grep -c '^two$' "$OUT/log")" 2 "stage two, killed, ran again"
assert_contains "$(cat "$OUT/log")" "three 2" "outputs of finished stages are restored"
out=$("$RP" resume "$id" -f "$f" 2>&1); rc=$?
assert_eq "$rc" 2 "a finished run cannot be resumed"
# a torn last record is ignored
printf '{"kind":"stage_fin' | state_append runs "$id"
out=$("$RP" resume "$id" -f "$f" 2>&1)
assert_contains "$out" "has finished (succeeded)" "torn record ignored, status intact"

# lock: two runs deploying the same environment: the second waits
WHO=a "$RP" run hold -f "$f" > "$tmp/a.out" 2>&1 &
a=$!
i=0; while [ ! -e "$OUT/held-a" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
start=$(date +%s%N)
out=$(WHO=b "$RP" run hold -f "$f" 2>&1); rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
wait $a
assert_eq "$rc" 0 "the second run proceeds after the first"
assert_contains "$out" "waiting for the environment's lock, held by run" "the waiter says who holds the lock"
[ "$ms" -ge 1000 ] || _fail "the second run did not wait (${ms} ms)"
WHO=c "$RP" run hold -f "$f" > "$tmp/c.out" 2>&1 &
c=$!
i=0; while [ ! -e "$OUT/held-c" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
out=$(WHO=d RP_LOCK_WAIT=0 "$RP" run hold -f "$f" 2>&1); rc=$?
wait $c
assert_eq "$rc" 1 "with no time to wait, the second run fails"
assert_contains "$out" "environment 'shared' is locked by run" "and names the holder"

# rollback: three deploys, back to the second; the history shows all four
for v in 1.1.0 1.2.0 1.3.0; do
  "$RP" run deploy_uat -f "$f" --event manual --input v=$v >/dev/null 2>&1
done
out=$("$RP" rollback uat -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "rollback succeeds"
assert_contains "$out" "rolling back uat to 1.2.0" "to the previous successful version"
assert_eq "$(cat "$OUT/uat")" "1.2.0" "the stage ran with that version"
hist=$(state_cat history uat)
assert_eq "$(printf '%s\n' "$hist" | grep -c '"version":"1.[123].0"')" 4 "history: three deploys and the rollback"
assert_eq "$(printf '%s\n' "$hist" | tail -1 | grep -c '"rollback":true')" 1 "the rollback is marked"
# repeated rollbacks walk back through history, they do not alternate
for v in 1.1.0 1.0.0; do
  out=$("$RP" rollback uat -f "$f" 2>&1)
  assert_contains "$out" "rolling back uat to $v" "the next rollback goes further back, to $v"
  assert_eq "$(cat "$OUT/uat")" "$v" "the stage ran with $v"
done
out=$("$RP" rollback uat -f "$f" 2>&1); rc=$?
assert_eq "$rc" 2 "nothing older than the first deploy"
assert_contains "$out" "uat has no earlier successful deploy to go back to: nothing is older" "says so"
assert_eq "$(cat "$OUT/uat")" "1.0.0" "and deploys nothing"
# --to: only a version uat ran successfully
out=$("$RP" rollback uat --to 9.9.9 -f "$f" 2>&1); rc=$?
assert_eq "$rc" 2 "rollback --to a version never deployed there is refused"
assert_contains "$out" "9.9.9 was never deployed to uat successfully" "and says why"
assert_eq "$(cat "$OUT/uat")" "1.0.0" "nothing ran"
"$RP" rollback uat --to 1.3.0 -f "$f" >/dev/null 2>&1
assert_eq "$(cat "$OUT/uat")" "1.3.0" "rollback --to a version uat ran"

# version and when see the pipeline's functions, imports and lets
cat > "$tmp/fns.rp" <<'RP'
import "std/images"
let commit = "0123456789abcdef"
fn dev(tag) { return "dev-${tag}" }
environment dev {}
stage d { environment dev  when commit != ""  version dev(images.sha_tag(commit))  sh "echo deployed ${version}" }
RP
out=$("$RP" run d -f "$tmp/fns.rp" 2>&1); rc=$?
assert_eq "$rc" 0 "a version made by functions: $out"
assert_contains "$out" "[d] deployed dev-sha-01234567" "and its value"
finish
