#!/bin/sh
# journal-crash.sh — kill -9 a process appending to a run journal at random
# moments: what remains is always a prefix of what it wrote, holding every
# record whose append had returned, and the run reads as crashed.
set -u
. "$top_srcdir/tests/lib/assert.sh"
helper="$(dirname "$RP")/tests/unit/test_journal"
[ -x "$helper" ] || { echo "FAIL: $helper not built"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

rounds=12
i=0
total=0
while [ $i -lt $rounds ]; do
  run="crash-$i"
  "$helper" --writer "$tmp/state" "$run" > "$tmp/acks" 2>"$tmp/err" &
  pid=$!
  # 20..250 ms: sometimes while starting, mostly mid-loop
  ms=$(( ($(od -An -N2 -tu2 /dev/urandom) % 230) + 20 ))
  sleep "$(printf '0.%03d' "$ms")"
  kill -9 "$pid"
  wait "$pid" 2>/dev/null
  # acknowledged = complete lines the writer printed before it died
  # (newlines: a line cut by the kill does not count)
  acked=$(($(wc -l < "$tmp/acks")))
  if [ -f "$tmp/state/runs/$run/journal.ndjson" ]; then
    out=$("$helper" --check "$tmp/state" "$run" "$acked"); rc=$?
    assert_eq "$rc" 0 "round $i: journal is a prefix holding the $acked acknowledged records (got $out)"
  else
    assert_eq "$acked" 0 "round $i: no journal, yet records were acknowledged"
  fi
  total=$((total + acked))
  i=$((i + 1))
done
echo "$rounds kills, $total acknowledged records, none lost"
[ "$total" -gt 0 ] || _fail "the writer never got to append"
[ -s "$tmp/err" ] && _fail "writer complained: $(cat "$tmp/err")"
finish
