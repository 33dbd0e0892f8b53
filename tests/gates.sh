#!/bin/sh
# gates.sh — the approval gate cycle without a terminal (run, exit 3,
# approve, resume), its rules (reviewers, the run's own actor, branches
# and tags, rejection, wait timer), resume --wait, and approval on a terminal.
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export OUT="$tmp/out"
. "$top_srcdir/tests/lib/state-lib.sh"
state_setup "$tmp"
mkdir -p "$OUT"
f="$tmp/pipeline.rp"
cat > "$f" <<'RP'
environment prod {
  approval { reviewers = ["alice", "release-team"]  branches = ["main"] }
}
environment rel {
  approval { reviewers = ["alice"]  tags = ["v*"] }
}
environment slow {
  approval { reviewers = ["alice"]  wait = 2s }
}
on manual(v: string) -> deploy
stage build { sh "echo built >> ${env.OUT}/log" }
stage deploy {
  needs build
  environment prod
  version event.inputs.v
  sh "echo ${version} > ${env.OUT}/prod"
}
stage deploy_rel { environment rel  version "r1"  sh "echo ${version} > ${env.OUT}/rel" }
stage deploy_slow { environment slow  version "s1"  sh "date +%s > ${env.OUT}/slow" }
RP
run_id() { sed -n 's/^run \([0-9a-f-]*\)$/\1/p' | head -1; }
unset CI
ask() { "$RP" run -f "$f" --branch main --event manual --input v=1.0.0 --actor bob "$@" < /dev/null; }

out=$(ask 2>&1); rc=$?
assert_eq "$rc" 3 "the run stops at the gate with exit 3"
id=$(printf '%s\n' "$out" | run_id)
assert_contains "$out" "rp approve $id prod --as NAME" "prints the exact approve command"
[ -e "$OUT/prod" ] && _fail "the gated stage ran"
assert_eq "$(grep -c built "$OUT/log")" 1 "stages before the gate ran"
assert_contains "$("$RP" status "$id" -f "$f" 2>&1)" "waiting" "rp status shows it waiting"

out=$("$RP" approve "$id" prod --as mallory -f "$f" 2>&1); rc=$?
assert_eq "$rc" 2 "a non-reviewer is refused"
assert_contains "$out" "mallory is not a reviewer" "and told why"
out=$("$RP" approve "$id" prod --as bob -f "$f" 2>&1); rc=$?
assert_eq "$rc" 2 "the run's own actor cannot approve (bob is not listed either)"
out=$("$RP" approve "$id" prod --as alice -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "a reviewer approves"
out=$("$RP" resume "$id" -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "resume deploys"
assert_eq "$(cat "$OUT/prod")" "1.0.0" "the approved version is deployed"
assert_eq "$(grep -c built "$OUT/log")" 1 "build did not run again"
assert_contains "$(state_cat history prod)" '"approvers":["alice"]' "history names the approver"

# a decision is about the version the gate waits with: one recorded
# without a version (a hand-made line) does not open a gate that has one
out=$(ask 2>&1); id_nv=$(printf '%s\n' "$out" | run_id)
printf '{"kind":"approved","at":"2026-01-01T00:00:00.000Z","env":"prod","version":null,"by":"alice","comment":null}\n' |
  state_append runs "$id_nv"
out=$("$RP" resume "$id_nv" -f "$f" < /dev/null 2>&1); rc=$?
assert_eq "$rc" 3 "an approval without the gate's version leaves it waiting: $out"
assert_eq "$(state_cat history prod | grep -c "$id_nv")" 0 "a versionless approval deployed nothing"

# the actor who started the run cannot approve it even when listed
out=$("$RP" run -f "$f" --branch main --event manual --input v=1.1.0 --actor alice < /dev/null 2>&1)
id2=$(printf '%s\n' "$out" | run_id)
out=$("$RP" approve "$id2" prod --as alice -f "$f" 2>&1); rc=$?
assert_eq "$rc" 2 "own run refused"
assert_contains "$out" "cannot decide its own gate" "own run: reason"
# names compare ignoring case, as GitHub and GitLab logins do
out=$("$RP" run -f "$f" --branch main --event manual --input v=1.2.0 --actor Alice < /dev/null 2>&1)
id4=$(printf '%s\n' "$out" | run_id)
out=$("$RP" approve "$id4" prod --as alice -f "$f" 2>&1); rc=$?
assert_eq "$rc" 2 "Alice cannot approve her own run as alice"
assert_contains "$out" "alice started this run and cannot decide its own gate" "own run by case: reason"
out=$("$RP" reject "$id4" prod --as ALICE -f "$f" 2>&1); rc=$?
assert_eq "$rc" 2 "nor reject it as ALICE"
out=$("$RP" approve "$id4" prod --as Release-Team -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "a reviewer named in another case may approve"
# rejection ends the run
out=$("$RP" reject "$id2" prod --as release-team --comment "not today" -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "a reviewer rejects"
out=$("$RP" resume "$id2" -f "$f" 2>&1); rc=$?
assert_eq "$rc" 2 "a rejected run cannot be resumed"
assert_contains "$out" "(rejected)" "it is rejected"
assert_eq "$(cat "$OUT/prod")" "1.0.0" "the rejected version was not deployed"

# branches: only main may deploy to prod
out=$("$RP" run -f "$f" --branch feature/x --event manual --input v=2.0.0 --actor bob < /dev/null 2>&1); rc=$?
assert_eq "$rc" 1 "another branch fails at the gate"
assert_contains "$out" "feature/x may not deploy to environment 'prod'" "branch restriction named"
# a tag is held to `tags`, never to `branches`: a tag named main is no branch
out=$("$RP" run deploy -f "$f" --event tag --tag main --input v=2.0.1 --actor bob < /dev/null 2>&1); rc=$?
assert_eq "$rc" 1 "a tag named main fails at prod's gate"
assert_contains "$out" "tag main may not deploy to environment 'prod': its approval admits branches only" "tag refused: reason"
out=$("$RP" run -f "$f" --event manual --tag release/evil --input v=2.0.2 --actor bob < /dev/null 2>&1); rc=$?
assert_eq "$rc" 1 "a dispatch on a tag ref fails at prod's gate"
assert_contains "$out" "tag release/evil may not deploy to environment 'prod'" "dispatch on a tag: reason"
out=$(env GITHUB_ACTIONS=true GITHUB_EVENT_NAME=workflow_dispatch GITHUB_REF=refs/tags/release/evil GITHUB_ACTOR=bob \
  "$RP" run -f "$f" --input v=2.0.3 < /dev/null 2>&1); rc=$?
assert_eq "$rc" 1 "a GitHub dispatch on refs/tags/ fails at prod's gate"
assert_contains "$out" "tag release/evil may not deploy to environment 'prod'" "GitHub dispatch on a tag: reason"
[ "$(cat "$OUT/prod")" = 1.0.0 ] || _fail "a tag deployed to prod"
out=$("$RP" run deploy_rel -f "$f" --event tag --tag v1.2.0 --actor bob < /dev/null 2>&1); rc=$?
assert_eq "$rc" 3 "tags = [\"v*\"] admits v1.2.0 (it waits for a reviewer)"
out=$("$RP" run deploy_rel -f "$f" --event tag --tag nightly --actor bob < /dev/null 2>&1); rc=$?
assert_eq "$rc" 1 "a tag that matches no glob fails"
assert_contains "$out" "tag nightly may not deploy to environment 'rel' (allowed tags: " "with the allowed tags"
out=$("$RP" run deploy_rel -f "$f" --branch main --actor bob < /dev/null 2>&1); rc=$?
assert_eq "$rc" 1 "an environment with tags only refuses a branch"
assert_contains "$out" "main may not deploy to environment 'rel': its approval admits tags only" "branch refused: reason"

# wait timer: approved, then the deploy waits 2 s (resume --wait blocks)
out=$("$RP" run deploy_slow -f "$f" --actor bob < /dev/null 2>&1); rc=$?
assert_eq "$rc" 3 "slow gate"
id3=$(printf '%s\n' "$out" | run_id)
"$RP" resume "$id3" --wait -f "$f" > "$tmp/wait.out" 2>&1 &
w=$!
sleep 1
approved=$(date +%s)
"$RP" approve "$id3" slow --as alice -f "$f" >/dev/null 2>&1
wait $w; rc=$?
assert_eq "$rc" 0 "resume --wait finishes after approval"
deployed=$(cat "$OUT/slow")
[ $((deployed - approved)) -ge 2 ] || _fail "the wait timer was not honoured ($approved -> $deployed)"

# approve and reject at the same instant: the first decision is the only
# one recorded, the other is refused
for round in $(seq 20); do
  out=$(ask 2>&1)
  id5=$(printf '%s\n' "$out" | run_id)
  go="$tmp/go.$round"
  (while [ ! -e "$go" ]; do :; done; "$RP" approve "$id5" prod --as alice -f "$f" > "$tmp/a.out" 2>&1) &
  a=$!
  (while [ ! -e "$go" ]; do :; done; "$RP" reject "$id5" prod --as release-team -f "$f" > "$tmp/r.out" 2>&1) &
  r=$!
  sleep 0.2
  touch "$go"
  wait $a; ra=$?
  wait $r; rr=$?
  n=$(state_cat runs "$id5" | grep -c '"kind":"\(approved\|rejected\)"')
  assert_eq "$n" 1 "round $round: exactly one decision recorded"
  assert_eq "$((ra + rr))" 2 "round $round: one succeeds, the other is refused (exit 2)"
  # a rejection ends the run: the approval after it finds it rejected
  cat "$tmp/a.out" "$tmp/r.out" | grep -q -e "run $id5's gate for prod was already approved by alice at " \
    -e "run $id5 is not waiting at an approval gate (it is rejected)" || _fail "round $round: the refusal says why"
done
[ "$(cat "$OUT/prod")" = 1.0.0 ] || _fail "a raced decision deployed"

# on a terminal rp asks who approves
if command -v script >/dev/null; then
  out=$(printf 'mallory\nalice\n' | script -qfec "env -u CI \"$RP\" run -f \"$f\" --branch main --event manual --input v=3.0.0 --actor bob" /dev/null 2>&1); rc=$?
  assert_contains "$out" "needs an approval. Approve as" "asks on the terminal"
  assert_contains "$out" "mallory is not a reviewer" "refuses a non-reviewer there too"
  assert_eq "$(cat "$OUT/prod")" "3.0.0" "approved on the terminal, deployed"
fi
finish
