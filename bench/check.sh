#!/bin/sh
# bench/check.sh — how `rp check` scales with the number of stages.
#
#   RP=path/to/rp bench/check.sh [SIZES...]     (default sizes: 1000 10000 100000)
#
# Generates one pipeline per size with bench/gen-pipeline.sh: a needs
# chain, a fan-in stage every 100 (needing the 99 before it), an output in
# every stage read by the next two (a transitive read). Times `rp check`
# on each (best of 3: hyperfine when installed, else date +%s%N), then
# prints the times, the cost per stage and the growth from one size to the
# next (10x the stages should cost about 10x the time). Build rp without sanitizers (-O2) to measure.
# Not part of `make check`.
set -eu
RP=${RP:-./rp}
[ -x "$RP" ] || { echo "bench/check.sh: $RP is not an executable (set RP=path/to/rp)" >&2; exit 2; }
sizes=${*:-1000 10000 100000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

generate() { # $1 stages -> stdout
  sh "$(dirname "$0")/gen-pipeline.sh" "$1"
}

now_ns() { date +%s%N; }

# Sets wall (best of 3) and cpu (mean user+system; "-" without hyperfine),
# in milliseconds with one decimal. On a loaded machine wall time wanders;
# CPU time much less.
measure() {
  if command -v hyperfine >/dev/null 2>&1; then
    hyperfine -N --warmup 1 --runs 3 --export-json "$tmp/h.json" "$RP check $1" >/dev/null 2>&1
    field() { sed -n "s/^ *\"$1\": *\([0-9.e-]*\),*\$/\1/p" "$tmp/h.json" | head -n 1; }
    wall=$(awk -v t="$(field min)" 'BEGIN { printf "%.1f", t * 1000 }')
    cpu=$(awk -v u="$(field user)" -v s="$(field system)" 'BEGIN { printf "%.1f", (u + s) * 1000 }')
  else
    best=
    for _ in 1 2 3; do
      t0=$(now_ns); "$RP" check "$1" >/dev/null 2>&1; t1=$(now_ns)
      t=$((t1 - t0)); if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
    done
    wall=$(awk -v t="$best" 'BEGIN { printf "%.1f", t / 1e6 }')
    cpu=-
  fi
}

printf '%8s %8s %10s %10s %15s %14s\n' stages lines "wall (ms)" "cpu (ms)" "wall/stage (us)" growth
prev_n= prev_t=
for n in $sizes; do
  f="$tmp/p$n.rp"
  generate "$n" > "$f"
  if ! "$RP" check "$f" > "$tmp/out" 2>&1; then
    echo "bench/check.sh: rp check rejected the generated $n-stage pipeline:" >&2
    head -n 20 "$tmp/out" >&2
    exit 1
  fi
  measure "$f"
  per=$(awk -v t="$wall" -v n="$n" 'BEGIN { printf "%.2f", t * 1000 / n }')
  growth=-
  if [ -n "$prev_n" ]; then
    growth=$(awk -v t="$wall" -v pt="$prev_t" -v n="$n" -v pn="$prev_n" \
      'BEGIN { if (pt > 0) printf "x%.1f/x%g", t / pt, n / pn; else printf "-" }')
  fi
  printf '%8s %8s %10s %10s %15s %14s\n' "$n" "$(wc -l < "$f")" "$wall" "$cpu" "$per" "$growth"
  prev_n=$n prev_t=$wall
done
echo "growth: wall time ratio / stage ratio to the previous size (linear: equal)"
