#!/bin/sh
# bench/cache.sh — incremental runs: examples/gitops-multistage (a push to
# dev) and examples/release-pipeline (a push to main) each run twice in the
# world of their end-to-end tests (tests/lib/example-lib.sh: podman, a
# docker-registry, the tools' stand-ins), nothing changed in between. It
# prints the second run's wall time beside the first, and the stages the
# second took from the cache (`cache git.tree_sha(...)`: their checks).
# Usage: RP=./rp bench/cache.sh
set -u
RP=${RP:-./rp}
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
. "$top_srcdir/tests/lib/example-lib.sh"
ms() { echo $(($(date +%s%N) / 1000000)); }

# twice EXAMPLE ARGS...: rp ARGS in EXAMPLE's world, two times
twice() {
  name=$1
  shift
  ex_setup
  ex_app "$name"
  "world_$(echo "$name" | tr - _)"
  t0=$(ms); ex_run first "$@"; rc1=$rc; t1=$(ms)
  ex_run second "$@"; rc2=$rc; t2=$(ms)
  if [ "$rc1" != 0 ] || [ "$rc2" != 0 ]; then
    echo "$name: the runs failed (exit $rc1, $rc2):" >&2
    cat "$T/first.out" "$T/second.out" >&2
    exit 1
  fi
  cached=$(sed -n 's/^\[\([^]]*\)\] rp: cached .*/\1/p' "$T/second.out" | tr '\n' ' ')
  printf '%-18s %7d ms %7d ms  %5.2fx  %s\n' "$name" $((t1 - t0)) $((t2 - t1)) \
    "$(echo "$((t2 - t1)) $((t1 - t0))" | awk '{ print $1 / $2 }')" "${cached:-none}"
}

printf '%-18s %10s %10s  %6s  %s\n' example first second ratio "cached on the second run"
(twice gitops-multistage run --event push --branch dev) || exit 1
(twice release-pipeline run --event push --branch main) || exit 1
