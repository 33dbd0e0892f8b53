#!/bin/sh
# crash-resume.sh — a killed run resumes at once and once: its stages die
# with their driver, one resume drives it, the history catches up with the
# journal, and a record that cannot be written stops the run unfinished
# (doc/state.md, "Crash safety").
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d)
mnt=""
cleanup() { [ -n "$mnt" ] && umount "$mnt" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
export RP_STATE_DIR="$tmp/state" OUT="$tmp/out"
mkdir -p "$OUT"
f="$tmp/pipeline.rp"
cat > "$f" <<'RP'
environment prod { namespace = "prod" }

stage slow { sh "touch ${env.OUT}/slow-started; sleep 2; echo done >> ${env.OUT}/slow" }
stage after_slow { needs slow  sh "echo done >> ${env.OUT}/after_slow" }

stage ship { environment prod  version "1.2.3"  sh "echo done >> ${env.OUT}/ship" }

stage s1 { output pad = pad()  sh "echo done >> ${env.OUT}/s1" }
stage s2 { needs s1  output pad = pad()  sh "echo done >> ${env.OUT}/s2" }
stage s3 { needs s2  output pad = pad()  sh "echo done >> ${env.OUT}/s3" }
stage s4 { needs s3  output pad = pad()  sh "echo done >> ${env.OUT}/s4" }
stage s5 { needs s4  output pad = pad()  sh "echo done >> ${env.OUT}/s5" }
stage s6 { needs s5  output pad = pad()  sh "echo done >> ${env.OUT}/s6" }
stage s7 { needs s6  output pad = pad()  sh "echo done >> ${env.OUT}/s7" }
stage s8 { needs s7  output pad = pad()  sh "echo done >> ${env.OUT}/s8" }
RP
# each s stage journals a stage_finished of some 600 bytes
printf 'fn pad() { return "%s" }\n' "$(printf '%0500d' 0)" >> "$f"
count() { if [ -f "$OUT/$1" ]; then wc -l < "$OUT/$1" | tr -d ' '; else echo 0; fi; }
# the run made last: ids made in the same second do not sort by time
: > "$tmp/seen"
newest_run() {
  ls "$RP_STATE_DIR/runs" | sort > "$tmp/now"
  comm -13 "$tmp/seen" "$tmp/now" | tail -1
  cp "$tmp/now" "$tmp/seen"
}
wait_for() { i=0; while [ ! -e "$1" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done; }

# 1. kill -9 of the driver takes its stage down with it; the run is free
# to resume at once, and the stage runs to completion exactly once
"$RP" run after_slow -f "$f" > "$tmp/run.out" 2>&1 &
pid=$!
wait_for "$OUT/slow-started"
kill -9 $pid; wait $pid 2>/dev/null
sleep 0.2
run=$(newest_run)
assert_contains "$("$RP" runs -f "$f")" "crashed" "rp runs says the killed run crashed"
sleep 2.2 # longer than the stage: a stage that outlived its driver would finish now
assert_eq "$(count slow)" 0 "the stage died with its driver"
out=$("$RP" resume "$run" -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "the resume proceeds at once"
assert_not_contains "$out" "in progress in another process" "nobody holds the dead run"
assert_eq "$(count slow)" 1 "the killed stage ran to completion once"
assert_eq "$(count after_slow)" 1 "the rest of the run ran"

# 2. exactly one driver: two resumes of one crashed run at once
races=0
while [ $races -lt 10 ]; do
  rm -f "$OUT/slow" "$OUT/slow-started" "$OUT/after_slow"
  "$RP" run after_slow -f "$f" > /dev/null 2>&1 &
  pid=$!
  wait_for "$OUT/slow-started"
  kill -9 $pid; wait $pid 2>/dev/null
  rm -f "$OUT/slow-started"
  run=$(newest_run)
  "$RP" resume "$run" -f "$f" > "$tmp/r1" 2>&1 & p1=$!
  "$RP" resume "$run" -f "$f" > "$tmp/r2" 2>&1 & p2=$!
  wait $p1; rc1=$?
  wait $p2; rc2=$?
  assert_eq "$(count slow)" 1 "race $races: the stage ran once (exits $rc1, $rc2)"
  assert_eq "$(count after_slow)" 1 "race $races: the stage after it ran once"
  ok=0; [ $rc1 -eq 0 ] && ok=$((ok+1)); [ $rc2 -eq 0 ] && ok=$((ok+1))
  assert_eq "$ok" 1 "race $races: one resume drove the run"
  assert_contains "$(cat "$tmp/r1" "$tmp/r2")" "is in progress in another process" "race $races: the other was refused"
  races=$((races + 1))
done

# 3. rp died after journaling a deploy and before its history record: a
# resume writes the record (here: a journal cut just after the deploy)
out=$("$RP" run ship -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "the deploy ran"
run=$(newest_run)
j="$RP_STATE_DIR/runs/$run/journal.ndjson"
grep -v '"kind":"run_finished"' "$j" > "$tmp/cut"; cat "$tmp/cut" > "$j"
grep -v "\"run\":\"$run\"" "$RP_STATE_DIR/history/prod.ndjson" > "$tmp/cut"; cat "$tmp/cut" > "$RP_STATE_DIR/history/prod.ndjson"
out=$("$RP" resume "$run" -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "the resume succeeds"
assert_contains "$out" "wrote the deploy of 1.2.3 to prod into the history" "says it caught up"
assert_eq "$(grep -c "\"run\":\"$run\"" "$RP_STATE_DIR/history/prod.ndjson")" 1 "the history has the deploy once"
assert_eq "$(count ship)" 1 "the deploy did not run again"
# the same with --json: the note goes to stderr, stdout stays one JSON object a line
out=$("$RP" run ship -f "$f" 2>&1); run=$(newest_run)
j="$RP_STATE_DIR/runs/$run/journal.ndjson"
grep -v '"kind":"run_finished"' "$j" > "$tmp/cut"; cat "$tmp/cut" > "$j"
grep -v "\"run\":\"$run\"" "$RP_STATE_DIR/history/prod.ndjson" > "$tmp/cut"; cat "$tmp/cut" > "$RP_STATE_DIR/history/prod.ndjson"
"$RP" resume "$run" -f "$f" --json > "$tmp/json.out" 2> "$tmp/json.err"
assert_contains "$(cat "$tmp/json.err")" "wrote the deploy" "the catch-up note is on stderr"
assert_eq "$(python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]; print("json")' "$tmp/json.out" 2>&1)" json \
  "--json output is JSON only"
"$RP" resume "$run" -f "$f" > /dev/null 2>&1
assert_eq "$(grep -c "\"run\":\"$run\"" "$RP_STATE_DIR/history/prod.ndjson")" 1 "another resume adds nothing"

# 4. a record that cannot be written stops the run loudly and unfinished;
# rp resume finishes it once the record can be written
write_fails() { # $1: what; then the command that runs the pipeline
  what=$1; shift
  rm -f "$OUT"/s?
  out=$("$@" 2>&1); rc=$?
  assert_eq "$rc" 1 "$what: the run fails"
  assert_contains "$out" "journal.ndjson: " "$what: names the file"
  assert_contains "$out" "a record could not be written" "$what: says why it stopped"
  assert_eq "$(count s8)" 0 "$what: no further stage started"
  run=$(newest_run)
  assert_contains "$("$RP" runs -f "$f" | grep "$run")" "crashed" "$what: the run is left resumable"
}
resume_finishes() {
  ran_before=""; for s in 1 2 3 4 5 6 7 8; do ran_before="$ran_before$(count s$s)"; done
  out=$("$RP" resume "$run" -f "$f" 2>&1); rc=$?
  assert_eq "$rc" 0 "$what: resume finishes the run once it can write ($out)"
  for s in 1 2 3 4 5 6 7 8; do
    n=$(count s$s)
    [ "$n" -ge 1 ] || _fail "$what: s$s never ran"
    [ "$n" -le 2 ] || _fail "$what: s$s ran $n times"
  done
  journaled=$(grep -c '"kind":"stage_finished"' "$RP_STATE_DIR/runs/$run/journal.ndjson")
  [ "$journaled" -eq 8 ] || _fail "$what: $journaled stages journaled as finished, not 8"
}
# a file size limit (ulimit -f counts 512-byte blocks in sh): rp must get
# EFBIG, not die of SIGXFSZ
write_fails "ulimit -f" sh -c 'ulimit -f 6; exec "$0" "$@"' "$RP" run s8 -f "$f" -j1
resume_finishes
# a full disk, when a small tmpfs can be mounted here: four pages, for the
# state directory's .gitignore, the owner lock's note, its queue and the journal
mnt="$tmp/small"; mkdir -p "$mnt"
if mount -t tmpfs -o size=16k tmpfs "$mnt" 2>/dev/null; then
  export RP_STATE_DIR="$mnt/state"
  : > "$tmp/seen"
  write_fails "full disk" "$RP" run s8 -f "$f" -j1
  mount -o remount,size=1m "$mnt" || _fail "cannot make room on the tmpfs"
  resume_finishes
else
  mnt=""
  echo "skip: no tmpfs here (ENOSPC): a file size limit only"
fi
finish
