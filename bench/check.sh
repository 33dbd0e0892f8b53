#!/bin/sh
# bench/check.sh — how `rp check` scales with the number of stages.
#
#   RP=path/to/rp bench/check.sh [SIZES...]     (default sizes: 1000 10000 100000)
#
# Generates one pipeline per size: stage i needs stage i-1, every 100th
# stage also needs the 100 before it (fan-in), every 10th stage has an
# output that the next stage reads, and every 100th reads one from 50
# stages back. Times `rp check` on each (best of 3: hyperfine when
# installed, else date +%s%N), then prints the times, the cost per stage
# and the growth from one size to the next (10x the stages should cost
# about 10x the time). Build rp without sanitizers (-O2) to measure.
# Not part of `make check`.
set -eu
RP=${RP:-./rp}
[ -x "$RP" ] || { echo "bench/check.sh: $RP is not an executable (set RP=path/to/rp)" >&2; exit 2; }
sizes=${*:-1000 10000 100000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

generate() { # $1 stages -> stdout
  awk -v n="$1" 'BEGIN {
    print "pipeline \"bench-" n "\"\n"
    print "environment staging { namespace = \"staging\" }"
    print "environment prod {\n  after staging\n  approval { reviewers = [\"alice\"]  wait = 5m }\n}\n"
    print "on push \"main\" -> s" n
    print "on manual(version: string) -> s" n "\n"
    for (i = 1; i <= n; i++) {
      printf "stage s%d {\n", i
      if (i > 1) {
        printf "  needs s%d", i - 1
        if (i % 100 == 0) for (k = i - 100; k < i - 1; k++) if (k >= 1) printf ", s%d", k
        printf "\n"
      }
      if (i % 1000 == 0) print "  environment staging"
      if (i % 10 == 1 && i > 1) printf "  let prev = s%d.v\n", i - 1
      if (i % 100 == 0 && i > 50) printf "  let far = s%d.v\n", i - 50
      printf "  sh \"echo stage %d ${event.kind}\"\n", i
      if (i % 10 == 0) printf "  output v = \"v%d-${git.short_sha()}\"\n", i
      print "}"
    }
  }'
}

now_ns() { date +%s%N; }

# best of 3, in milliseconds with one decimal
best_ms() {
  if command -v hyperfine >/dev/null 2>&1; then
    hyperfine -N --warmup 1 --runs 3 --export-json "$tmp/h.json" "$RP check $1" >/dev/null 2>&1
    sed -n 's/^ *"min": *\([0-9.e-]*\),*$/\1/p' "$tmp/h.json" | head -n 1 | awk '{ printf "%.1f", $1 * 1000 }'
  else
    best=
    for _ in 1 2 3; do
      t0=$(now_ns); "$RP" check "$1" >/dev/null 2>&1; t1=$(now_ns)
      t=$((t1 - t0)); if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
    done
    awk -v t="$best" 'BEGIN { printf "%.1f", t / 1e6 }'
  fi
}

printf '%10s %10s %12s %16s %10s\n' stages lines "time (ms)" "per stage (us)" growth
prev_n= prev_t=
for n in $sizes; do
  f="$tmp/p$n.rp"
  generate "$n" > "$f"
  if ! "$RP" check "$f" > "$tmp/out" 2>&1; then
    echo "bench/check.sh: rp check rejected the generated $n-stage pipeline:" >&2
    head -n 20 "$tmp/out" >&2
    exit 1
  fi
  t=$(best_ms "$f")
  per=$(awk -v t="$t" -v n="$n" 'BEGIN { printf "%.2f", t * 1000 / n }')
  growth=-
  if [ -n "$prev_n" ]; then
    growth=$(awk -v t="$t" -v pt="$prev_t" -v n="$n" -v pn="$prev_n" \
      'BEGIN { if (pt > 0) printf "x%.1f/x%g", t / pt, n / pn; else printf "-" }')
  fi
  printf '%10s %10s %12s %16s %10s\n' "$n" "$(wc -l < "$f")" "$t" "$per" "$growth"
  prev_n=$n prev_t=$t
done
echo "growth: time ratio / stage ratio to the previous size (linear: equal)"
