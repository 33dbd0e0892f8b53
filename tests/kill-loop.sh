#!/bin/sh
# kill-loop.sh — kill a run's driver at random instants (kill -9 of rp
# alone, then of its whole process group, in turn) and resume it each
# time until it succeeds. No stage the journal recorded as finished may run
# again, and every stage must have run to completion.
#
# The one window rp cannot close: a stage finished (its side effect is
# done) but the driver died before journaling that. Such a stage runs again
# on resume, as it must (rp cannot know it finished); those re-runs are
# counted apart, as "window", and are not failures.
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export OUT="$tmp/out"
f="$tmp/pipeline.rp"
cat > "$f" <<'RP'
stage a { sh "sleep 0.2; echo done >> ${env.OUT}/a" }
stage b { sh "sleep 0.4; echo done >> ${env.OUT}/b" }
stage c { sh "sleep 0.3; echo done >> ${env.OUT}/c" }
stage d { sh "echo done >> ${env.OUT}/d" }
stage e { needs a, b  sh "sleep 0.2; echo done >> ${env.OUT}/e" }
stage f { needs c, d  sh "sleep 0.1; echo done >> ${env.OUT}/f" }
stage g { needs e, f  sh "sleep 0.2; echo done >> ${env.OUT}/g" }
RP
stages="a b c d e f g"
want=30         # kill instants to try
# about 15 s on an idle machine; the cap only keeps a hung run from
# hanging the suite (the test counts kill instants, it does not time them)
deadline=$(( $(date +%s) + 600 ))

count() { if [ -f "$OUT/$1" ]; then wc -l < "$OUT/$1" | tr -d ' '; else echo 0; fi; }
journaled() { # whether the run's journal says stage $1 finished ok
  grep -q "\"kind\":\"stage_finished\",\"at\":\"[^\"]*\",\"stage\":\"$1\",\"status\":\"ok\"" \
    "$RP_STATE_DIR/runs/$run/journal.ndjson" 2>/dev/null
}
random_ms() { echo $(( $(od -An -N2 -tu2 /dev/urandom) % $1 )); }

kills=0; dup=0; window=0; lost=0; runs=0; refused=0
while [ $kills -lt $want ] && [ "$(date +%s)" -lt $deadline ]; do
  # a new run, then resumes until it succeeds
  runs=$((runs + 1))
  rm -rf "$OUT"; mkdir -p "$OUT"
  export RP_STATE_DIR="$tmp/state-$runs" # its one run
  run=""
  rc=1
  while [ $rc -ne 0 ] && [ "$(date +%s)" -lt $deadline ]; do
    # what the journal says before this driver starts
    before=""
    for s in $stages; do
      j=0; [ -n "$run" ] && journaled $s && j=1
      before="$before $s:$j:$(count $s)"
    done
    if [ -z "$run" ]; then
      setsid "$RP" run g -f "$f" -j3 > "$tmp/drv" 2>&1 &
    else
      setsid "$RP" resume "$run" -f "$f" -j3 > "$tmp/drv" 2>&1 &
    fi
    pid=$!
    sleep "$(printf '0.%03d' "$(random_ms 500)")"
    if kill -0 $pid 2>/dev/null && [ $kills -lt $want ]; then
      if [ $((kills % 2)) -eq 0 ]; then kill -9 $pid; else kill -9 -$pid; fi
      kills=$((kills + 1))
    fi
    wait $pid; rc=$?
    grep -q "in progress in another process" "$tmp/drv" && refused=$((refused + 1))
    [ -n "$run" ] || run=$(ls "$RP_STATE_DIR/runs" | sort | tail -1)
    [ -n "$run" ] || continue # killed before it made its run
    sleep 0.05 # a stage outliving its driver would show up below
    for entry in $before; do
      s=${entry%%:*}; rest=${entry#*:}; was_journaled=${rest%%:*}; n0=${rest#*:}
      n=$(count $s)
      [ "$n" -gt "$n0" ] || continue
      if [ "$was_journaled" = 1 ]; then dup=$((dup + n - n0))
      elif [ "$n0" -gt 0 ]; then window=$((window + n - n0))
      fi
      [ "$n" -gt $((n0 + 1)) ] && [ "$was_journaled" = 0 ] && dup=$((dup + n - n0 - 1))
    done
  done
  if [ $rc -eq 0 ]; then
    for s in $stages; do [ "$(count $s)" -ge 1 ] || lost=$((lost + 1)); done
    assert_contains "$("$RP" runs -f "$f" | grep "$run")" "succeeded" "run $run reads as succeeded"
  fi
done
echo "kill instants tried: $kills, duplicated: $dup, lost: $lost (runs: $runs; re-run in the window between a stage's end and its record: $window; resumes refused: $refused)"
[ $kills -ge $want ] || _fail "only $kills kill instants in the time allowed"
assert_eq "$dup" 0 "no stage journaled as finished ran again"
assert_eq "$lost" 0 "no stage was lost"
assert_eq "$refused" 0 "no resume was refused"
finish
