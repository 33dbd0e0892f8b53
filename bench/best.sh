# best.sh — sourced by the bench scripts: best "$@" prints the best of three
# wall-clock runs of the command, in ms (its output discarded).
best() {
  b=
  for _ in 1 2 3; do
    t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N)
    t=$(( (t1 - t0) / 1000000 )); if [ -z "$b" ] || [ "$t" -lt "$b" ]; then b=$t; fi
  done
  echo "$b"
}
