#!/bin/sh
# bench/log-relay.sh — a stage's log relayed by rp against the same command
# piped into `cat >/dev/null`: wall time, CPU time (user+sys, all
# processes) and peak RSS of the largest process, the best of 3 runs by
# wall time, side by side:
#   lines      a stage printing MB megabytes of log lines, one secret defined
#   lines -j2  two such stages at once
#   no-LF N    a stage printing N megabytes without a newline
# Usage: RP=./rp bench/log-relay.sh [MB] ["N N N" (no-LF sizes in MB)]
set -eu
RP=${RP:-./rp}
mb=${1:-200}
nolf=${2:-10 30 100}
[ -x /usr/bin/time ] || { echo "bench/log-relay.sh: needs /usr/bin/time" >&2; exit 1; }
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
echo 'TOKEN=s3cr3t-t0k3n-value' > "$dir/secrets"
lines="yes 'a line of a verbose test log, 42 bytes' | head -c ${mb}000000"
cat > "$dir/lines.rp" <<RP
stage a { sh "$lines" }
stage b { sh "$lines" }
RP
measure() { # label, command...: one row
  label=$1; shift
  : > "$dir/runs"
  for _ in 1 2 3; do
    /usr/bin/time -f '%e %U %S %M' -o "$dir/t" "$@" >/dev/null 2>"$dir/err" || { cat "$dir/err" >&2; exit 1; }
    cat "$dir/t" >> "$dir/runs"
  done
  sort -n "$dir/runs" | head -1 |
    awk -v l="$label" '{ printf "%-26s %8.2f s wall %8.2f s cpu %8d KB rss\n", l, $1, $2 + $3, $4 }'
}
echo "$mb MB of lines, one secret defined"
measure "rp run (1 stage)" "$RP" run a -f "$dir/lines.rp" --secrets "$dir/secrets"
measure "sh | cat >/dev/null" sh -c "$lines | cat >/dev/null"
measure "rp run -j2 (2 stages)" "$RP" run a b -j2 -f "$dir/lines.rp" --secrets "$dir/secrets"
measure "2 × sh | cat, at once" sh -c "($lines | cat >/dev/null) & ($lines | cat >/dev/null); wait"
for n in $nolf; do
  cmd="head -c ${n}000000 /dev/zero | tr -c x x"
  echo "stage c { sh \"$cmd\" }" > "$dir/nolf.rp"
  echo "$n MB without a newline"
  measure "rp run" "$RP" run c -f "$dir/nolf.rp"
  measure "sh | cat >/dev/null" sh -c "$cmd | cat >/dev/null"
done
