#!/bin/sh
# bench/run.sh — 1,000 stages of one trivial `sh "true"` step each, run with
# -j1, against make -j1 on the equivalent Makefile, and against the floor of
# any runner with a process per stage (bench/floor stages N: fork, and the
# child execs `true`; built by `make bench/floor`, skipped when absent).
# Prints the times and the ratios.
# Usage: RP=./rp FLOOR=./bench/floor bench/run.sh [N]
set -eu
RP=${RP:-./rp}
n=${1:-1000}
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
{
  echo 'stage s0 { sh "true" }'
  i=1; while [ $i -lt $n ]; do echo "stage s$i { needs s$((i-1))  sh \"true\" }"; i=$((i+1)); done
} > "$dir/pipeline.rp"
{
  echo "all: s$((n-1))"
  echo "s0:"; printf '\t@true\n'
  i=1; while [ $i -lt $n ]; do echo "s$i: s$((i-1))"; printf '\t@true\n'; i=$((i+1)); done
  printf '.PHONY: all'; i=0; while [ $i -lt $n ]; do printf ' s%d' $i; i=$((i+1)); done; echo
} > "$dir/Makefile"
. "$(dirname "$0")/best.sh"
rp_ms=$(best "$RP" run "s$((n-1))" -j1 -f "$dir/pipeline.rp")
make_ms=$(best make -j1 -s -C "$dir" all)
FLOOR=${FLOOR:-$(dirname "$0")/floor}
floor_ms=; [ -x "$FLOOR" ] && floor_ms=$(best "$FLOOR" stages "$n")
echo "stages: $n (sh \"true\" each, -j1)"
awk -v r="$rp_ms" -v m="$make_ms" -v f="$floor_ms" -v n="$n" 'BEGIN {
  printf "%-6s %8d ms  %6.2f ms/stage\n", "rp", r, r / n
  printf "%-6s %8d ms  %6.2f ms/stage\n", "make", m, m / n
  if (f != "") printf "%-6s %8d ms  %6.2f ms/stage  (fork + exec per stage)\n", "floor", f, f / n
  printf "ratio rp/make: %.2f\n", r / m
  if (f != "") printf "ratio floor/make: %.2f   rp/floor: %.2f\n", f / m, r / f }'
