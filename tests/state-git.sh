#!/bin/sh
# state-git.sh — one run across three "machines" (separate working
# directories and HOMEs, nothing shared but a bare repository served over
# smart HTTP with a token): a gate stopped on A, approved on B, resumed on
# C; `after` across machines; two machines racing for one environment; a
# lease left by a killed holder taken over; --run-id and --only; an
# unreachable state. (The state suites also run against this backend:
# tests/git-state-*.sh.)
set -u
. "$top_srcdir/tests/lib/assert.sh"
. "$top_srcdir/tests/lib/state-lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export RP_TEST_STATE=git
state_setup "$tmp" shared
unset CI RP_STATE_DIR XDG_CACHE_HOME
export WORLD="$tmp/world" # what the deploys change: outside every machine
mkdir -p "$WORLD"
cat > "$tmp/pipeline.rp" <<'RP'
pipeline "shop"
environment uat { namespace = "uat" }
environment prod {
  namespace = "prod"
  after uat
  approval { reviewers = ["alice"] }
}
environment shared { namespace = "shared" }
on manual(v: string) -> deploy_prod
stage build {
  sh "echo build on ${env.MACHINE} >> ${env.HOME}/log"
  output tag = "t-" + event.inputs.v
}
stage deploy_uat { needs build  environment uat  version event.inputs.v  sh "echo ${version} > ${env.WORLD}/uat" }
stage deploy_prod {
  needs deploy_uat
  environment prod
  version event.inputs.v
  sh "echo ${version} ${build.tag} > ${env.WORLD}/prod"
}
stage hold {
  environment shared
  version env.MACHINE
  sh "echo start ${env.MACHINE} >> ${env.WORLD}/shared; sleep ${env.HOLD}; echo end ${env.MACHINE} >> ${env.WORLD}/shared"
}
stage hold_go {
  environment shared
  version env.MACHINE
  sh "echo start ${env.MACHINE} >> ${env.WORLD}/shared; while [ ! -e ${env.WORLD}/go ]; do sleep 0.05; done"
}
RP
# machine NAME CMD...: rp on machine NAME, in its own directory and HOME
machine() {
  m=$1; shift
  mkdir -p "$tmp/$m/home"
  [ -e "$tmp/$m/pipeline.rp" ] || cp "$tmp/pipeline.rp" "$tmp/$m/pipeline.rp"
  (cd "$tmp/$m" && MACHINE=$m HOME="$tmp/$m/home" HOLD=${HOLD:-0} exec "$RP" "$@" -f pipeline.rp)
}
# machine_bg NAME OUT CMD...: the same in the background, rp's pid in $!
machine_bg() {
  m=$1 o=$2; shift 2
  mkdir -p "$tmp/$m/home"
  [ -e "$tmp/$m/pipeline.rp" ] || cp "$tmp/pipeline.rp" "$tmp/$m/pipeline.rp"
  : > "$o" # emptied now, not when the background job gets to it: an await must not read the last run's
  (cd "$tmp/$m" && MACHINE=$m HOME="$tmp/$m/home" exec "$RP" "$@" -f pipeline.rp) < /dev/null > "$o" 2>&1 &
}
# await WHAT CMD...: until CMD succeeds (a cap against hanging, not a time budget)
await() {
  w=$1; shift; i=0
  while ! "$@" && [ $i -lt 2400 ]; do sleep 0.05; i=$((i + 1)); done
  "$@" || _fail "never saw: $w"
}
# line_up: A deploys to shared until $WORLD/go exists, B waits for it, then C
line_up() {
  : > "$WORLD/shared"; rm -f "$WORLD/go"
  machine_bg A "$tmp/a.out" run hold_go; a=$!
  await "A deploying" grep -q "start A" "$WORLD/shared"
  machine_bg B "$tmp/b.out" run hold_go; b=$!
  await "B waiting" grep -qs waiting "$tmp/b.out"
  machine_bg C "$tmp/c.out" run hold_go; c=$!
  await "C waiting" grep -qs waiting "$tmp/c.out"
}
# waiters N: whether N runs wait in the line of the environment shared's lease
waiters() {
  test "$(git --git-dir="$(state_bare)" cat-file blob refs/rp/locks/shared:lease.json 2>/dev/null | grep -o '"until"' | wc -l)" = "$1"
}
run_id() { sed -n 's/^run \([0-9a-f-]*\)$/\1/p' | head -1; }

# ---- A stops at prod's gate, B approves, C resumes ----
out=$(machine A run --event manual --input v=1.0.0 --actor bob < /dev/null 2>&1); rc=$?
assert_eq "$rc" 3 "A: the run stops at prod's gate"
id=$(printf '%s\n' "$out" | run_id)
[ -n "$id" ] || _fail "A printed no run id: $out"
assert_eq "$(cat "$WORLD/uat")" "1.0.0" "A deployed uat"
[ -e "$WORLD/prod" ] && _fail "prod deployed before the approval"
out=$(machine B status "$id" 2>&1)
assert_contains "$out" "run $id: waiting" "B sees the run waiting"
out=$(machine B approve "$id" prod --as alice 2>&1); rc=$?
assert_eq "$rc" 0 "B: alice approves"
out=$(machine C resume "$id" 2>&1); rc=$?
assert_eq "$rc" 0 "C: the run resumes and finishes"
assert_contains "$out" "[build] rp: done in an earlier attempt of this run" "C does not build again"
[ -e "$tmp/C/home/log" ] && _fail "a stage ran again on C: $(cat "$tmp/C/home/log")"
assert_eq "$(cat "$WORLD/prod")" "1.0.0 t-1.0.0" "prod deployed with build's outputs restored"
ha=$(machine A history prod 2>&1); hb=$(machine B history prod 2>&1); hc=$(machine C history prod 2>&1)
assert_contains "$ha" "prod  1.0.0    $id" "A's history shows C's deploy"
assert_eq "$hb" "$ha" "B sees the same history"
assert_eq "$hc" "$ha" "C sees the same history"
assert_contains "$(machine A runs 2>&1)" "$id  manual  succeeded" "A lists the run as succeeded"
git --git-dir="$(state_bare)" for-each-ref --format='%(refname)' > "$tmp/refs"
assert_eq "$(grep -vc '^refs/rp/' "$tmp/refs")" 0 "only refs/rp/ is written: no branch, no tag"

# ---- D names the state in its pipeline: state "git:origin" ----
mkdir -p "$tmp/D"
git init -q "$tmp/D" && git -C "$tmp/D" remote add origin "http://127.0.0.1:$STATE_PORT/shared.git"
{ echo 'state "git:origin"'; cat "$tmp/pipeline.rp"; } > "$tmp/D/pipeline.rp"
assert_eq "$(unset RP_STATE; machine D history prod 2>&1)" "$ha" "D reads the state its pipeline declares, on its remote"
assert_contains "$(RP_STATE_DIR="$tmp/D/elsewhere" machine D runs --state "$tmp/D/nothing" 2>&1)" "no runs in $tmp/D/nothing" \
  "--state comes first"

# ---- after uat, across machines ----
out=$(machine B run --only deploy_prod --event manual --input v=2.0.0 --actor bob < /dev/null 2>&1); rc=$?
assert_eq "$rc" 1 "B: a version uat never ran cannot go to prod"
assert_contains "$out" "2.0.0" "and the refusal names it"
out=$(machine A run deploy_uat --event manual --input v=2.0.0 < /dev/null 2>&1); rc=$?
assert_eq "$rc" 0 "A deploys 2.0.0 to uat"
out=$(machine B run --only deploy_prod --event manual --input v=2.0.0 --actor bob < /dev/null 2>&1); rc=$?
assert_eq "$rc" 3 "B: now prod accepts 2.0.0 and asks for the approval"

# ---- --run-id: one stage per job ----
out=$(machine A run build --run-id ci-42 --event manual --input v=3.0.0 < /dev/null 2>&1); rc=$?
assert_eq "$rc" 0 "A builds as run ci-42"
out=$(machine C run --only deploy_uat --run-id ci-42 --event manual --input v=3.0.0 < /dev/null 2>&1); rc=$?
assert_eq "$rc" 0 "C deploys uat in the same run"
assert_contains "$out" "joining run ci-42" "C joins the run"
assert_eq "$(cat "$WORLD/uat")" "3.0.0" "with the version of the run"
[ -e "$tmp/C/home/log" ] && _fail "C built"
out=$(machine B run --only deploy_uat --run-id ci-43 --event manual --input v=3.0.0 < /dev/null 2>&1); rc=$?
assert_eq "$rc" 0 "--run-id of a new run starts it"
assert_contains "$(machine A status ci-43 2>&1)" "run ci-43: succeeded" "A sees it"

# ---- two machines racing for one environment: one after the other ----
: > "$WORLD/shared"
HOLD=2 machine A run hold < /dev/null > "$tmp/a.out" 2>&1 & a=$!
HOLD=2 machine B run hold < /dev/null > "$tmp/b.out" 2>&1 & b=$!
wait $a; ra=$?
wait $b; rb=$?
assert_eq "$ra$rb" 00 "both deploy"
first=$(sed -n 1p "$WORLD/shared" | cut -d' ' -f2)
assert_eq "$(sed -n 2p "$WORLD/shared")" "end $first" "the first deploy ends before the second starts"
assert_contains "$(cat "$tmp/a.out" "$tmp/b.out")" "waiting for the environment's lock, held by run" "the second waited, naming the holder"
assert_contains "$(cat "$tmp/a.out" "$tmp/b.out")" "its lease expires in" "and the time left"
assert_eq "$(machine C history shared --json | tr ',' '\n' | grep -c '"env":"shared"')" 2 "both deploys are in the history"

# ---- parallel jobs of one new run, started at once: two on A (one state
# cache), one on B; then a later job stops at a gate ----
job() { machine "$1" run --only "$2" --run-id "${jobrun:-ci-50}" --event manual --input v=3.0.0 < /dev/null > "$tmp/$2.out" 2>&1; }
job A build & a=$!
job A deploy_uat & b=$!
job B hold & c=$!
wait $a; ra=$?
wait $b; rb=$?
wait $c; rc=$?
assert_eq "$ra$rb$rc" 000 "three jobs start one run at once: $(cat "$tmp/build.out" "$tmp/deploy_uat.out" "$tmp/hold.out")"
out=$(machine C status ci-50 2>&1)
for stage in build deploy_uat hold; do assert_contains "$out" "
$stage " "the run has $stage"; done
assert_contains "$out" "run ci-50: succeeded" "and succeeded"
assert_contains "$out" "event     manual" "started once, by one of them"
out=$(machine C run --only deploy_prod --run-id ci-50 --event manual --input v=3.0.0 < /dev/null 2>&1); rc=$?
assert_eq "$rc" 3 "a later job of the run stops at prod's gate"
assert_contains "$(machine A status ci-50 2>&1)" "run ci-50: waiting" "the run waits again, though earlier jobs finished it"
# more rounds: a job that joins the new run between its creation and its
# creator's next step (owning it first) must not stop the creator from
# recording how the run started
for round in 1 2 3 4 5 6; do
  pids=
  for m in A B A B; do jobrun=ci-6$round job $m build & pids="$pids $!"; done
  wait $pids
  assert_contains "$(machine C status ci-6$round 2>&1 | grep '^  event')" "manual" "round $round: the run's event is recorded"
done

# ---- waiters are served first come, first served ----
# leases of 10 s here: a holder held for long on a loaded machine must not
# see its 2-s lease run out between two renewals (then it is taken over)
export RP_STATE_LEASE=10
line_up
touch "$WORLD/go"
wait $a; wait $b; wait $c
assert_eq "$(cut -d' ' -f2 "$WORLD/shared" | tr '\n' ' ')" "A B C " "B, who waited first, deploys before C"

# ---- a waiter too busy to renew its place comes back to it ----
# B stopped until C drops its place (a lease and 10 s later), then let go:
# it takes its place again, before C, not at the end of the line
line_up
kill -STOP $b
await "B's place dropped" waiters 1
kill -CONT $b
await "B back in line" waiters 2
touch "$WORLD/go"
wait $a; wait $b; wait $c
assert_eq "$(cut -d' ' -f2 "$WORLD/shared" | tr '\n' ' ')" "A B C " "B comes back to its place, before C"
export RP_STATE_LEASE=2

# ---- a lease left by a killed holder expires and is taken over ----
: > "$WORLD/shared"
(cd "$tmp/A" && MACHINE=A HOME="$tmp/A/home" HOLD=30 exec "$RP" run hold -f pipeline.rp < /dev/null > "$tmp/a.out" 2>&1) &
a=$! # rp itself
i=0; while ! grep -q start "$WORLD/shared" && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
kill -9 $a; wait $a 2>/dev/null
out=$(HOLD=0 machine B run hold < /dev/null 2>&1); rc=$?
assert_eq "$rc" 0 "B deploys once the lease has run out"
assert_contains "$out" "taking over environment 'shared' from run" "and says whose lease it took over"
assert_contains "$out" "its lease expired at" "and when it expired"

# ---- rp state migrate: to a directory and back into another repository ----
shared=$(state_spec)
out=$(machine A state migrate "$shared" "$tmp/local" 2>&1); rc=$?
assert_eq "$rc" 0 "migrate to a directory"
assert_contains "$out" "from $shared to $tmp/local" "says what it copied"
assert_eq "$(machine B history --state "$tmp/local" 2>&1)" "$(machine B history 2>&1)" "the directory has the same history"
assert_eq "$(machine B runs --state "$tmp/local" 2>&1)" "$(machine B runs 2>&1)" "and the same runs"
git init -q --bare "$STATE_ROOT/back.git"
back="git:http://127.0.0.1:$STATE_PORT/back.git"
out=$(machine C state migrate "$tmp/local" "$back" 2>&1); rc=$?
assert_eq "$rc" 0 "migrate a directory into a git backend"
assert_eq "$(machine C history --state "$back" 2>&1)" "$(machine C history 2>&1)" "it has the same history"
out=$(machine C state migrate "$tmp/local" "$back" 2>&1)
assert_contains "$out" "copied 0 records in 0 logs" "a second migrate copies nothing again"

# ---- no RP_STATE_TOKEN: git's credential helper is asked, as git does ----
E="$tmp/E/home"; mkdir -p "$E"
HOME="$E" git config --global credential.helper store
stored="http://x-access-token:$STATE_TOKEN@127.0.0.1:$STATE_PORT"
echo "$stored" > "$E/.git-credentials"
out=$(unset RP_STATE_TOKEN; machine E history prod 2>&1); rc=$?
assert_eq "$rc" 0 "E reads the state with the password its credential helper stores"
assert_eq "$out" "$(machine A history prod 2>&1)" "the same history"
echo "http://x-access-token:wr0ng-pa55@127.0.0.1:$STATE_PORT" > "$E/.git-credentials"
out=$(unset RP_STATE_TOKEN; machine E history prod 2>&1); rc=$?
assert_eq "$rc" 1 "a password the remote refuses: the command fails"
assert_contains "$out" "127.0.0.1:$STATE_PORT/shared.git" "naming the remote"
assert_not_contains "$out" "wr0ng-pa55" "not the password"
assert_eq "$(cat "$E/.git-credentials")" "" "and git credential reject erased it"
HOME="$E" git config --global --add credential.helper \
  "!f() { test \"\$1\" = get && printf 'username=x-access-token\npassword=%s\n' $STATE_TOKEN; }; f"
out=$(unset RP_STATE_TOKEN; machine E runs 2>&1); rc=$?
assert_eq "$rc" 0 "a password from a helper script"
HOME="$E" git config --global --unset-all credential.helper
HOME="$E" git config --global credential.helper store
out=$(unset RP_STATE_TOKEN; machine E runs 2>&1); rc=$?
assert_eq "$rc" 0 "git credential approve stored it: the store alone gives it now"

# ---- an unreachable state: a clear error, no token, nothing runs ----
rm -f "$tmp/A/home/log"
unreachable() { # unreachable URL TOKEN WHY
  out=$(export RP_STATE="git:$1" RP_STATE_TOKEN="$2"; machine A run build --event manual --input v=1 < /dev/null 2>&1); rc=$?
  assert_eq "$rc" 1 "$3: the run fails"
  assert_contains "$out" "$1" "$3: the error names the remote"
  assert_not_contains "$out" "$2" "$3: and not the token"
  [ -e "$tmp/A/home/log" ] && _fail "$3: a stage ran"
}
unreachable "http://127.0.0.1:9/nowhere.git" "$STATE_TOKEN" "nothing listening"
unreachable "http://127.0.0.1:$STATE_PORT/shared.git" wrong-t0ken-x "a wrong token"
out=$(machine A runs --state "git:http://user:pw-s3cret@127.0.0.1:9/x.git" 2>&1); rc=$?
assert_eq "$rc" 1 "--state: an unreachable remote"
assert_not_contains "$out" "pw-s3cret" "a password in the URL is not shown"
finish
