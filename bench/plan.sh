#!/bin/sh
# bench/plan.sh — `rp plan` on each example (a local event: HEAD read with
# libgit2), side by side with bench/floor start: a program that only loads
# the same libraries, initialises libgit2 and opens the repository, i.e.
# what any `rp plan` pays before its own work on this machine.
#   RP=path/to/rp FLOOR=path/to/bench/floor bench/plan.sh   (build both -O2:
#   ./configure CFLAGS=-O2 && make rp bench/floor)
# Not part of `make check`.
set -eu
RP=$(cd "$(dirname "${RP:-./rp}")" && pwd)/$(basename "${RP:-./rp}")
FLOOR=$(cd "$(dirname "${FLOOR:-./bench/floor}")" && pwd)/$(basename "${FLOOR:-./bench/floor}")
command -v hyperfine >/dev/null || { echo "bench/plan.sh needs hyperfine" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mean() { # mean wall time of "$@" in ms
  hyperfine -N --warmup 5 --runs 50 --export-json "$tmp/h.json" "$*" >/dev/null 2>&1
  sed -n 's/^ *"mean": *\([0-9.e-]*\),*$/\1/p' "$tmp/h.json" | head -n 1 | awk '{ printf "%.1f", $1 * 1000 }'
}
printf '%-18s %12s %12s %8s\n' example "rp plan" "floor" "rp-floor"
for dir in "$top"/examples/*/; do
  name=$(basename "$dir")
  # each example as its own repository, as a team would have it
  cp -r "$dir" "$tmp/$name" && git -C "$tmp/$name" init -q && git -C "$tmp/$name" add -A &&
    git -C "$tmp/$name" -c user.name=b -c user.email=b@b commit -qm bench
  cd "$tmp/$name"
  RP_STATE_DIR="$tmp/state" "$RP" plan >/dev/null 2>&1 || { echo "rp plan failed in $name" >&2; exit 1; }
  p=$(RP_STATE_DIR="$tmp/state" mean "$RP" plan)
  f=$(mean "$FLOOR" start)
  printf '%-18s %9s ms %9s ms %5.1f ms\n' "$name" "$p" "$f" "$(awk -v a="$p" -v b="$f" 'BEGIN { print a - b }')"
done
