#!/bin/sh
# sh-capture.sh — sh(...) keeps the first MiB of each stream in its result
# and says so with `truncated`; all of the output still streams to the log.
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export RP_STATE_DIR="$tmp/state"
cat > "$tmp/sh.rp" <<'RP'
stage t {
  # 2 MiB: 2048 lines of 1024 bytes, each starting with its number
  let big = sh("awk 'BEGIN { x = sprintf(\"%1019s\", \"\"); gsub(/ /, \"x\", x); for (i = 1; i <= 2048; i++) printf \"%04d%s\\n\", i, x }'")
  let lines = big.stdout.split("\n")
  print("big: ${big.stdout.len()} ${big.truncated} ${lines.len()} ${(lines[1023] ?? "").starts_with("1024x")}")
  let small = sh "echo hi"
  print("small: ${small.stdout.len()} ${small.truncated}")
}
RP
out=$("$RP" run t -f "$tmp/sh.rp" 2>&1); rc=$?
assert_eq "$rc" 0 "runs"
assert_contains "$out" "[t] big: 1048576 true 1025 true" "2 MiB printed: the first MiB kept, truncated"
assert_contains "$out" "[t] 2048xxx" "the rest still streamed to the log"
assert_contains "$out" "[t] small: 3 false" "a short output is whole, not truncated"
out=$("$RP" run t --dry-run -f "$tmp/sh.rp" 2>&1)
assert_contains "$out" "[t] big: 0 false 1 false" "a dry run's stand-in is not truncated"
finish
