#!/bin/sh
# state-cmds.sh — rp runs, status, history, approve and reject against
# journals and histories written by hand in the format of doc/state.md.
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export TZ=UTC HOME="$tmp/home" GIT_CONFIG_NOSYSTEM=1
. "$top_srcdir/tests/lib/state-lib.sh"
state_setup "$tmp"
unset RP_ACTOR GITHUB_ACTOR GITLAB_USER_LOGIN XDG_CONFIG_HOME
mkdir -p "$HOME" "$tmp/p"
f="$tmp/p/pipeline.rp"
cat > "$f" <<'RP'
environment uat { namespace = "uat" }
environment prod {
  namespace = "prod"
  after uat
  approval { reviewers = ["alice", "carol", "release-team"] }
}
stage deploy_uat { environment uat  version "1.2.3"  sh "true" }
stage deploy_prod { environment prod  needs deploy_uat  version "1.2.3"  sh "true" }
RP

# ---- nothing yet ----
out=$("$RP" runs -f "$f"); assert_eq "$out" "no runs in $(state_spec)" "no runs"
out=$("$RP" runs --json); assert_eq "$out" "[]" "no runs, json"
out=$("$RP" history); assert_eq "$out" "no deploys" "no history"
out=$("$RP" history prod --json); assert_eq "$out" "[]" "no history, json"

# ---- journals ----
run() { state_put runs "$1"; }
# waiting at the prod gate, started by carol
run 20261122-100000-aaaa <<'J'
{"kind":"run_started","at":"2026-11-22T10:00:00.000Z","run":"20261122-100000-aaaa","pipeline":"shop","file":"pipeline.rp","event":{"kind":"push","branch":"main","sha":"abcdef0123456789","actor":"carol"},"actor":"carol","started":"2026-11-22T10:00:00.000Z","pid":1,"host":"ci"}
{"kind":"stage_started","at":"2026-11-22T10:00:01.000Z","stage":"deploy_uat","attempt":1}
{"kind":"stage_finished","at":"2026-11-22T10:00:03.500Z","stage":"deploy_uat","status":"succeeded","outputs":{},"error":null,"duration_ms":2500}
{"kind":"gate_waiting","at":"2026-11-22T10:00:04.000Z","stage":"deploy_prod","env":"prod","version":"1.2.3","reviewers":["alice","carol","release-team"]}
J
# finished, with a retried failure; started before the first
run 20261121-090000-bbbb <<'J'
{"kind":"run_started","at":"2026-11-21T09:00:00.000Z","run":"20261121-090000-bbbb","pipeline":"shop","file":"pipeline.rp","event":{"kind":"tag","tag":"v1.2.2","actor":"dave"},"actor":"dave","started":"2026-11-21T09:00:00.000Z","pid":2,"host":"ci"}
{"kind":"stage_started","at":"2026-11-21T09:00:01.000Z","stage":"deploy_uat","attempt":1}
{"kind":"stage_started","at":"2026-11-21T09:00:20.000Z","stage":"deploy_uat","attempt":2}
{"kind":"stage_finished","at":"2026-11-21T09:01:05.000Z","stage":"deploy_uat","status":"failed","outputs":null,"error":"helm: timed out\nsecond line","duration_ms":45000}
{"kind":"run_finished","at":"2026-11-21T09:01:05.000Z","status":"failed"}
J
# the last run: a torn last line and no owner, so it crashed
run 20261122-110000-cccc <<'J'
{"kind":"run_started","at":"2026-11-22T11:00:00.000Z","run":"20261122-110000-cccc","pipeline":"shop","file":"pipeline.rp","event":{"kind":"local","actor":"erin"},"actor":"erin","started":"2026-11-22T11:00:00.000Z","pid":3,"host":"laptop"}
{"kind":"stage_started","at":"2026-11-22T11:00:01.000Z","stage":"deploy_uat","attempt":1}
J
printf '{"kind":"stage_fini' | state_append runs 20261122-110000-cccc
A=20261122-100000-aaaa B=20261121-090000-bbbb C=20261122-110000-cccc

out=$("$RP" runs -f "$f"); rc=$?
assert_eq "$rc" 0 "runs exits 0"
assert_eq "$out" "RUN                   EVENT  STATUS   STARTED              DURATION  DRY-RUN
$B  tag    failed   2026-11-21 09:00:00  1m5s      -
$A  push   waiting  2026-11-22 10:00:00  -         -
$C  local  crashed  2026-11-22 11:00:00  -         -" "runs table, newest last"
out=$("$RP" runs --json)
assert_eq "$out" "[{\"id\":\"$B\",\"event\":\"tag\",\"status\":\"failed\",\"started\":\"2026-11-21T09:00:00.000Z\",\"duration_ms\":65000,\"dry_run\":false},{\"id\":\"$A\",\"event\":\"push\",\"status\":\"waiting\",\"started\":\"2026-11-22T10:00:00.000Z\",\"duration_ms\":null,\"dry_run\":false},{\"id\":\"$C\",\"event\":\"local\",\"status\":\"crashed\",\"started\":\"2026-11-22T11:00:00.000Z\",\"duration_ms\":null,\"dry_run\":false}]" "runs --json"
out=$(TZ=Asia/Tokyo "$RP" runs | sed -n 2p)
assert_contains "$out" "2026-11-21 18:00:00" "started is shown in local time"

# ---- status ----
out=$("$RP" status "$A")
assert_eq "$out" "run $A: waiting
  pipeline  shop (pipeline.rp)
  event     push to main at abcdef0 by carol
  started   2026-11-22 10:00:00
STAGE       STATUS     ATTEMPTS  DURATION  ERROR
deploy_uat  succeeded  1         2s500ms   -
gate: waits for approval to deploy 1.2.3 to prod at stage deploy_prod since 2026-11-22 10:00:04; reviewers: alice, carol, release-team" "status of a waiting run"
out=$("$RP" status "$B")
assert_eq "$out" "run $B: failed
  pipeline  shop (pipeline.rp)
  event     tag v1.2.2 by dave
  started   2026-11-21 09:00:00
  finished  2026-11-21 09:01:05 (1m5s)
STAGE       STATUS  ATTEMPTS  DURATION  ERROR
deploy_uat  failed  2         45s       helm: timed out" "status of a failed run"
out=$("$RP" status "$C")
assert_contains "$out" "run $C: crashed" "crashed run"
assert_contains "$out" "deploy_uat  running  1         -         -" "unfinished stage"
assert_contains "$out" "note: an incomplete last journal line was ignored" "torn line noted"
out=$("$RP" status "$A" --json)
assert_eq "$out" "{\"id\":\"$A\",\"status\":\"waiting\",\"pipeline\":\"shop\",\"file\":\"pipeline.rp\",\"actor\":\"carol\",\"event\":{\"kind\":\"push\",\"branch\":\"main\",\"sha\":\"abcdef0123456789\",\"actor\":\"carol\"},\"started\":\"2026-11-22T10:00:00.000Z\",\"finished\":null,\"stages\":{\"deploy_uat\":{\"status\":\"succeeded\",\"attempts\":1,\"outputs\":{},\"error\":null,\"duration_ms\":2500}},\"gate\":{\"stage\":\"deploy_prod\",\"env\":\"prod\",\"version\":\"1.2.3\",\"reviewers\":[\"alice\",\"carol\",\"release-team\"],\"since\":\"2026-11-22T10:00:04.000Z\"},\"decisions\":[],\"dry_run\":false,\"torn\":false}" "status --json"
out=$("$RP" status "$C" --json); assert_contains "$out" '"torn":true' "torn in json"
out=$("$RP" status 20990101-000000-ffff 2>&1); rc=$?
assert_eq "$rc" 2 "unknown run"; assert_contains "$out" "no run 20990101-000000-ffff" "names the run"
out=$("$RP" status ../x 2>&1); rc=$?
assert_eq "$rc" 2 "bad run id"; assert_contains "$out" "'../x' is not a run id" "says why"
out=$("$RP" status 2>&1); rc=$?; assert_eq "$rc" 2 "status needs RUN"
out=$("$RP" runs --bogus 2>&1); rc=$?
assert_eq "$rc" 2 "unknown option"; assert_contains "$out" "usage: rp runs [--json] [-f FILE]" "shows usage"

# ---- history ----
state_put history prod <<'H'
{"env":"prod","version":"1.2.1","run":"r1","commit":"1111111aaaa","actor":"dave","approvers":["alice"],"at":"2026-11-20T08:00:00.000Z","result":"succeeded","rollback":false}
{"env":"prod","version":"1.2.2","run":"r3","commit":"3333333cccc","actor":"dave","approvers":["alice","carol"],"at":"2026-11-21T12:00:00.000Z","result":"failed","rollback":false}
{"env":"prod","version":"1.2.1","run":"r4","commit":null,"actor":"erin","approvers":[],"at":"2026-11-21T13:00:00.000Z","result":"succeeded","rollback":true,"forced_reason":"hotfix"}
H
state_put history uat <<'H'
{"env":"uat","version":"1.2.2","run":"r2","commit":"2222222bbbb","actor":"dave","approvers":[],"at":"2026-11-21T09:01:00.000Z","result":"succeeded","rollback":false}
H
out=$("$RP" history -f "$f")
assert_eq "$out" "ENV   VERSION  RUN  COMMIT   ACTOR  APPROVERS    TIME                 RESULT     ROLLBACK
prod  1.2.1    r4   -        erin   -            2026-11-21 13:00:00  succeeded  yes
prod  1.2.2    r3   3333333  dave   alice,carol  2026-11-21 12:00:00  failed     no
uat   1.2.2    r2   2222222  dave   -            2026-11-21 09:01:00  succeeded  no
prod  1.2.1    r1   1111111  dave   alice        2026-11-20 08:00:00  succeeded  no" "history of all environments, newest first"
out=$("$RP" history uat)
assert_eq "$out" "ENV  VERSION  RUN  COMMIT   ACTOR  APPROVERS  TIME                 RESULT     ROLLBACK
uat  1.2.2    r2   2222222  dave   -          2026-11-21 09:01:00  succeeded  no" "history of one environment"
out=$("$RP" history prod --json)
assert_eq "$out" '[{"env":"prod","version":"1.2.1","run":"r4","commit":null,"actor":"erin","approvers":[],"at":"2026-11-21T13:00:00.000Z","result":"succeeded","rollback":true,"forced_reason":"hotfix"},{"env":"prod","version":"1.2.2","run":"r3","commit":"3333333cccc","actor":"dave","approvers":["alice","carol"],"at":"2026-11-21T12:00:00.000Z","result":"failed","rollback":false},{"env":"prod","version":"1.2.1","run":"r1","commit":"1111111aaaa","actor":"dave","approvers":["alice"],"at":"2026-11-20T08:00:00.000Z","result":"succeeded","rollback":false}]' "history --json"
out=$("$RP" history --json | tr ',' '\n' | grep -c '"env"'); assert_eq "$out" 4 "history --json of all environments"
out=$("$RP" history staging); assert_eq "$out" "no deploys to staging" "environment without history"

# ---- approve and reject: every refusal exits 2 and writes nothing ----
refused() { # refused WHAT EXPECTED-MESSAGE COMMAND...
  what=$1 msg=$2; shift 2
  before=$(state_cat runs "$A")
  out=$("$@" 2>&1); rc=$?
  assert_eq "$rc" 2 "$what: exit code"
  assert_contains "$out" "$msg" "$what: reason"
  assert_eq "$(state_cat runs "$A")" "$before" "$what: journal unchanged"
}
refused "non-reviewer" "rp approve: refused: bob is not a reviewer of 'prod' (reviewers: alice, carol, release-team)" \
  "$RP" approve "$A" prod --as bob -f "$f"
refused "non-reviewer rejects" "bob is not a reviewer of 'prod'" "$RP" reject "$A" prod --as bob -f "$f"
refused "the run's own actor" "carol started this run and cannot decide its own gate" \
  "$RP" approve "$A" prod --as carol -f "$f"
refused "wrong environment" "run $A waits at the gate of 'prod', not 'uat'" "$RP" approve "$A" uat --as alice -f "$f"
refused "not waiting" "run $B is not waiting at an approval gate (it is failed)" "$RP" approve "$B" prod --as alice -f "$f"
refused "unknown run" "no run nope" "$RP" approve nope prod --as alice -f "$f"
refused "no such pipeline" "cannot read $tmp/missing.rp" "$RP" approve "$A" prod --as alice -f "$tmp/missing.rp"
refused "name from RP_ACTOR" "mallory is not a reviewer" env RP_ACTOR=mallory "$RP" approve "$A" prod -f "$f"
refused "name from GITHUB_ACTOR" "octocat is not a reviewer" env GITHUB_ACTOR=octocat "$RP" approve "$A" prod -f "$f"
refused "name from GITLAB_USER_LOGIN" "tanuki is not a reviewer" env GITLAB_USER_LOGIN=tanuki "$RP" approve "$A" prod -f "$f"
refused "RP_ACTOR first" "mallory is not a reviewer" env RP_ACTOR=mallory GITHUB_ACTOR=alice "$RP" approve "$A" prod -f "$f"
printf '[user]\n\tname = Gitta\n' > "$HOME/.gitconfig"
refused "name from git's user.name" "Gitta is not a reviewer" env USER=someone "$RP" approve "$A" prod -f "$f"
rm "$HOME/.gitconfig"
refused "name from USER" "someone is not a reviewer" env USER=someone "$RP" approve "$A" prod -f "$f"
refused "usage" "usage: rp approve RUN ENV" "$RP" approve "$A" -f "$f"

# a team name in the list counts as listed
waiting=$(state_cat runs "$A")
out=$("$RP" approve "$A" prod --as release-team --comment "looks good" -f "$f"); rc=$?
assert_eq "$rc" 0 "reviewer approves"
assert_eq "$out" "approved: run $A may deploy 1.2.3 to prod; continue it with: rp resume $A" "says what happens next"
last=$(state_cat runs "$A" | tail -n 1)
assert_contains "$last" '{"kind":"approved","at":"' "journal has the approval"
assert_contains "$last" '"env":"prod","version":"1.2.3","by":"release-team","comment":"looks good"}' "approval fields"
out=$("$RP" status "$A" --json)
assert_contains "$out" '"decisions":[{"decision":"approved","env":"prod","version":"1.2.3","by":"release-team","comment":"looks good","at":"' "status shows the decision"
assert_contains "$out" '"status":"waiting"' "approved run waits for resume"
out=$("$RP" status "$A"); assert_contains "$out" 'approved prod 1.2.3 by release-team at ' "status text shows the decision"
assert_contains "$out" ': "looks good"' "with its comment"
# the first decision at a gate is the only one
refused "decided already" "run $A's gate for prod was already approved by release-team at 20" \
  "$RP" reject "$A" prod --as alice -f "$f"

# a rejection (of the run as it was before the approval)
printf '%s\n' "$waiting" | state_put runs "$A"

out=$(RP_ACTOR=alice "$RP" reject "$A" prod -f "$f"); rc=$?
assert_eq "$rc" 0 "reviewer rejects"
assert_eq "$out" "rejected: run $A will not deploy 1.2.3 to prod; it ends as rejected" "reject message"
assert_contains "$(state_cat runs "$A" | tail -n 1)" '"env":"prod","version":"1.2.3","by":"alice","comment":null}' "journal has the rejection"
out=$("$RP" runs | grep "$A"); assert_contains "$out" "rejected" "the run is rejected"
refused "rejected run" "run $A is not waiting at an approval gate (it is rejected)" "$RP" approve "$A" prod --as alice -f "$f"

finish
