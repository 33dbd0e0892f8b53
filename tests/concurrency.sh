#!/bin/sh
# concurrency.sh — concurrency groups across machines through one state
# (doc/language.md, doc/state.md): two machines (working directories and
# HOMEs of their own) share the state. A run in group G blocks in its stage
# until the test lets it go:
#  1. cancel_in_progress: a newer run stops it (its stage's process is
#     gone), its journal says it was cancelled and by whom, the newer runs;
#  2. without: the newer run waits until the first ends, and a third run
#     arriving meanwhile replaces the waiting one, which ends cancelled;
#  3. a stage's group: the deploy stages of two runs take turns, or with
#     cancel_in_progress the newer one's stops the older one's;
#  4. two jobs of one run (--run-id) are one member: neither cancels the other.
# RP_TEST_STATE=git (tests/git-state-concurrency.sh) runs 1 and 2 on a git remote.
set -u
: "${RP:?RP must name the rp binary}"
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
. "$top_srcdir/tests/lib/state-lib.sh"
tmp=$(mktemp -d) || exit 1
trap 'kill $(jobs -p) 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
state_setup "$tmp"
ctl=$tmp/ctl
mkdir -p "$ctl" "$tmp/m1" "$tmp/m2"

# The stage notes its shell's pid and its start, then waits for NAME.go.
stage='sh "echo $$ > ${env.CTL}/${env.NAME}.pid; echo ${env.NAME} >> ${env.CTL}/order; while [ ! -e ${env.CTL}/${env.NAME}.go ]; do sleep 0.05; done; echo ${env.NAME}-done >> ${env.CTL}/order"'
for m in m1 m2; do
  cat > "$tmp/$m/cancel.rp" <<EOF
concurrency "deploy-\${event.branch}" { cancel_in_progress = true }
on push "main" -> work
stage work {
  $stage
}
EOF
  cat > "$tmp/$m/queue.rp" <<EOF
concurrency "queue-\${event.branch}"
on push "main" -> work
stage work {
  $stage
}
EOF
  cat > "$tmp/$m/jobs.rp" <<EOF
concurrency "jobs-\${event.branch}" { cancel_in_progress = true }
on push "main" -> one, two
stage one {
  $stage
}
stage two {
  $stage
}
EOF
  cat > "$tmp/$m/stages.rp" <<EOF
on push "main" -> build, deploy
stage build { sh "true" }
stage deploy {
  needs build
  concurrency "deploy-prod"
  $stage
}
EOF
  sed 's/concurrency "deploy-prod"/concurrency "deploy-prod" { cancel_in_progress = true }/' "$tmp/$m/stages.rp" > "$tmp/$m/stages-cancel.rp"
done

# rp on machine M as NAME: rp_on M NAME ARGS... (in the background: its
# output in $tmp/NAME.out, its exit status in $tmp/NAME.rc)
rp_on() {
  m=$1 name=$2
  shift 2
  rm -f "$tmp/$name.rc"
  (cd "$tmp/$m" && HOME=$tmp/$m XDG_CACHE_HOME=$tmp/$m/cache CTL=$ctl NAME=$name \
    "$RP" run --event push --branch main "$@" > "$tmp/$name.out" 2>&1
   echo $? > "$tmp/$name.rc") &
}
# Waits (up to a minute: no timing is asserted) until a file exists, or a
# file holds a pattern.
wait_file() {
  i=0
  while [ ! -e "$1" ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i + 1)); done
  [ -e "$1" ] || { fail "$2: $1 never appeared"; cat "$tmp"/*.out; }
}
wait_text() {
  i=0
  while ! grep -q "$2" "$1" 2>/dev/null && [ $i -lt 1200 ]; do sleep 0.05; i=$((i + 1)); done
  grep -q "$2" "$1" || { fail "$3: '$2' never in $1"; cat "$1"; }
}
# Whether process $1 is gone (a zombie is: it runs nothing), waiting for
# its reaper a while.
gone() {
  i=0
  while kill -0 "$1" 2>/dev/null && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ] && [ $i -lt 200 ]; do
    sleep 0.05; i=$((i + 1))
  done
  ! kill -0 "$1" 2>/dev/null || [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" = Z ]
}
run_id() { sed -n 's/^run \([0-9a-f-]*\)$/\1/p' "$tmp/$1.out" | head -1; }
rc_is() {
  wait_file "$tmp/$1.rc" "$1 ends"
  [ "$(cat "$tmp/$1.rc" 2>/dev/null)" = "$2" ] || { fail "$1 exited $(cat "$tmp/$1.rc" 2>/dev/null), not $2"; cat "$tmp/$1.out"; }
}

# 1. cancel_in_progress: B stops A, then runs
rp_on m1 a -f cancel.rp
wait_file "$ctl/a.pid" "run A starts its stage"
a_pid=$(cat "$ctl/a.pid")
rp_on m2 b -f cancel.rp
wait_file "$ctl/b.pid" "run B starts its stage once A is gone"
rc_is a 1
A=$(run_id a) B=$(run_id b)
gone "$a_pid" || fail "A's stage process $a_pid outlived its cancellation"
grep -q "cancelled by run $B (concurrency group deploy-main)" "$tmp/a.out" || { fail "A's output does not say B cancelled it"; cat "$tmp/a.out"; }
grep -q "^run $A cancelled in" "$tmp/a.out" || fail "A's summary does not say cancelled"
state_cat runs "$A" > "$tmp/a.journal"
grep '"stage_finished"' "$tmp/a.journal" | grep -q '"stage":"work","status":"cancelled"' || { fail "A's journal: stage not cancelled"; cat "$tmp/a.journal"; }
grep '"run_finished"' "$tmp/a.journal" | grep -q "\"status\":\"cancelled\",\"reason\":\"cancelled by run $B (concurrency group deploy-main)\"" ||
  { fail "A's journal: the run not cancelled by B"; cat "$tmp/a.journal"; }
touch "$ctl/b.go"
rc_is b 0
(cd "$tmp/m2" && HOME=$tmp/m2 XDG_CACHE_HOME=$tmp/m2/cache "$RP" runs -f cancel.rp) > "$tmp/runs.out"
grep -q "^$A  push   cancelled" "$tmp/runs.out" || { fail "rp runs does not show A cancelled"; cat "$tmp/runs.out"; }
(cd "$tmp/m1" && HOME=$tmp/m1 XDG_CACHE_HOME=$tmp/m1/cache "$RP" status "$A" -f cancel.rp) > "$tmp/status.out"
grep -q "cancelled by run $B (concurrency group deploy-main)" "$tmp/status.out" || { fail "rp status does not say by whom"; cat "$tmp/status.out"; }
(cd "$tmp/m1" && HOME=$tmp/m1 XDG_CACHE_HOME=$tmp/m1/cache "$RP" resume "$A" -f cancel.rp) > "$tmp/resume.out" 2>&1
[ $? -eq 2 ] && grep -q "has finished (cancelled)" "$tmp/resume.out" || { fail "rp resume of a cancelled run"; cat "$tmp/resume.out"; }
[ "$(cat "$ctl/order")" = "$(printf 'a\nb\nb-done')" ] || { fail "order of 1: $(cat "$ctl/order")"; }

# 2. queueing: C replaces the waiting B; A, then C
rm -f "$ctl"/*
rp_on m1 a -f queue.rp
wait_file "$ctl/a.pid" "run A starts its stage"
rp_on m2 b -f queue.rp
wait_text "$tmp/b.out" "waiting in concurrency group queue-main for run" "B waits behind A"
rp_on m1 c -f queue.rp
rc_is b 1
A=$(run_id a) B=$(run_id b) C=$(run_id c)
grep -q "run $B: cancelled by run $C (concurrency group queue-main)" "$tmp/b.out" || { fail "B does not say C replaced it"; cat "$tmp/b.out"; }
[ -e "$ctl/b.pid" ] && fail "the replaced B ran its stage"
state_cat runs "$B" | grep '"run_finished"' | grep -q '"status":"cancelled"' || fail "B's journal: not cancelled"
[ -e "$ctl/c.pid" ] && fail "C started while A runs"
touch "$ctl/a.go"
rc_is a 0
wait_file "$ctl/c.pid" "run C starts once A ended"
touch "$ctl/c.go"
rc_is c 0
[ "$(cat "$ctl/order")" = "$(printf 'a\na-done\nc\nc-done')" ] || { fail "order of 2: $(cat "$ctl/order")"; }

# 3. a stage's group: the deploy of run E waits for run D's. A stage's
# member meets the others in the same log as a run's: on git, 1 and 2
# have shown that log across machines already (and the time is CI's).
if [ "${RP_TEST_STATE:-dir}" = git ]; then
  [ $fails -eq 0 ] || exit 1
  echo "concurrency: ok (git)"
  exit 0
fi
rm -f "$ctl"/*
rp_on m1 d -f stages.rp
wait_file "$ctl/d.pid" "D's deploy starts"
rp_on m2 e -f stages.rp
wait_text "$tmp/e.out" "waiting in concurrency group deploy-prod for run" "E's deploy waits behind D's"
[ -e "$ctl/e.pid" ] && fail "E's deploy started while D's runs"
touch "$ctl/d.go"
rc_is d 0
wait_file "$ctl/e.pid" "E's deploy starts once D's ended"
touch "$ctl/e.go"
rc_is e 0
[ "$(cat "$ctl/order")" = "$(printf 'd\nd-done\ne\ne-done')" ] || { fail "order of 3: $(cat "$ctl/order")"; }

# a stage's group with cancel_in_progress: F's deploy stops G's
rm -f "$ctl"/*
rp_on m1 g -f stages-cancel.rp
wait_file "$ctl/g.pid" "G's deploy starts"
g_pid=$(cat "$ctl/g.pid")
rp_on m2 f -f stages-cancel.rp
wait_file "$ctl/f.pid" "F's deploy starts once G's is stopped"
rc_is g 1
G=$(run_id g) F=$(run_id f)
gone "$g_pid" || fail "G's deploy process $g_pid outlived its cancellation"
state_cat runs "$G" | grep '"stage_finished"' | grep '"stage":"deploy","status":"cancelled"' |
  grep -q "cancelled by run $F (concurrency group deploy-prod)" || { fail "G's journal: deploy not cancelled by F"; state_cat runs "$G"; }
touch "$ctl/f.go"
rc_is f 0

# 4. jobs of one run: the second joins, cancelling nothing
rm -f "$ctl"/*
rp_on m1 j1 -f jobs.rp --only one --run-id jobs-1
wait_file "$ctl/j1.pid" "the first job starts"
rp_on m2 j2 -f jobs.rp --only two --run-id jobs-1
wait_file "$ctl/j2.pid" "the second job starts beside the first"
touch "$ctl/j1.go" "$ctl/j2.go"
rc_is j1 0
rc_is j2 0
state_cat runs jobs-1 | grep -q cancelled && { fail "a job of the run cancelled another"; state_cat runs jobs-1; }

[ $fails -eq 0 ] || exit 1
echo "concurrency: ok (${RP_TEST_STATE:-dir})"
