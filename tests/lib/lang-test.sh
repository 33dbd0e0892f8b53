#!/bin/sh
# lang-test.sh FILE.rp — run one golden language test.
#
# The expected diagnostics are written in the test file itself, as comments
# on the line they are about:
#
#   needs biuld   # error: stage 'deploy' needs unknown stage 'biuld' (did you mean 'build'?)
#   let x = 1     # warning: unused variable 'x'
#   on tag re"(" -> s   # error@14: invalid regular expression: missing closing parenthesis
#
# `# error: MESSAGE` expects exactly that message (string equality) as an
# error reported at that line; `# warning: MESSAGE` likewise for a warning;
# `@COL` after the level also pins the column. Notes are not compared.
# Diagnostics inside an imported module are expected by comments in the
# module's file (tests/lang/modules/), read when the test imports it
# directly or a diagnostic names it.
# The test passes when `$RP check FILE` reports every expected diagnostic,
# none other, and exits 2 if an error is expected, else 0.
#
# Extension point (not run yet): lines `# expect: TEXT` give, in order, the
# output lines `rp run FILE` must print. Once `rp run` exists, a second
# phase here will run files that contain them and compare the output; for
# now such files are only checked.
#
# Exit status follows the automake test protocol: 0 pass, 1 fail.
set -u
: "${RP:?RP must name the rp binary}"
file=$1
tmp=${TMPDIR:-/tmp}/lang-test.$$
trap 'rm -f "$tmp".*' EXIT INT TERM

# expectations of one file: PATH <TAB> LINE <TAB> COL (empty if not pinned)
# <TAB> LEVEL <TAB> MESSAGE
expectations() {
  awk -v path="$1" '{
    if (match($0, /#[ \t]*(error|warning)(@[0-9]+)?:[ \t]/)) {
      spec = substr($0, RSTART + 1, RLENGTH - 1)
      msg = substr($0, RSTART + RLENGTH)
      sub(/^[ \t]+/, "", spec); sub(/:[ \t]$/, "", spec)
      sub(/[ \t]+$/, "", msg)
      level = spec; col = ""
      if (index(spec, "@")) { level = substr(spec, 1, index(spec, "@") - 1); col = substr(spec, index(spec, "@") + 1) }
      printf "%s\t%d\t%s\t%s\t%s\n", path, NR, col, level, msg
    }
  }' "$1"
}

NO_COLOR=1 "$RP" check "$file" > "$tmp.stdout" 2> "$tmp.stderr"
status=$?

# actual, in the same shape, from the `PATH:LINE:COL: LEVEL: MESSAGE` lines
awk '{
  if (match($0, /:[0-9]+:[0-9]+: (error|warning): /)) {
    path = substr($0, 1, RSTART - 1)
    head = substr($0, RSTART + 1, RLENGTH - 1); msg = substr($0, RSTART + RLENGTH)
    split(head, f, ":")
    printf "%s\t%d\t%d\t%s\t%s\n", path, f[1], f[2], substr(f[3], 2), msg
  }
}' "$tmp.stderr" > "$tmp.actual"

# Expected: the test file's comments, and those of the modules it imports
# directly (`import "./x.rp"`, relative to it) or that diagnostics name, so
# an error expected inside a module is matched there.
expectations "$file" > "$tmp.expected"
dir=$(dirname "$file")
{
  echo "$file"
  cut -f 1 "$tmp.actual" # first: these spellings are the ones rp prints
  sed -n 's/^[ \t]*import[ \t]*"\(\.[^"]*\)".*/\1/p' "$file" | while read -r rel; do
    p="$dir/$rel"; while case $p in */./*) true ;; *) false ;; esac; do p=$(echo "$p" | sed 's|/\./|/|'); done
    echo "$p"
  done
} | awk '!seen[$0]++' | while read -r other; do
  [ -f "$other" ] || continue
  real=$(realpath "$other")
  grep -qxF "$real" "$tmp.seen" 2>/dev/null && continue # one file, two spellings
  echo "$real" >> "$tmp.seen"
  [ "$other" = "$file" ] || expectations "$other"
done >> "$tmp.expected"

# match each actual diagnostic with one unmatched expectation
awk -F '\t' '
  FILENAME == ARGV[1] { n++; epath[n] = $1; eline[n] = $2; ecol[n] = $3; elevel[n] = $4; emsg[n] = $5; used[n] = 0; next }
  {
    hit = 0
    for (i = 1; i <= n; i++)
      if (!used[i] && epath[i] == $1 && eline[i] == $2 && elevel[i] == $4 && emsg[i] == $5 && (ecol[i] == "" || ecol[i] == $3)) {
        used[i] = 1; hit = 1; break
      }
    if (!hit) { printf "unexpected %s at %s:%d:%d: %s\n", $4, $1, $2, $3, $5; bad = 1 }
  }
  END {
    for (i = 1; i <= n; i++)
      if (!used[i]) {
        printf "missing %s at %s:%d%s: %s\n", elevel[i], epath[i], eline[i], ecol[i] == "" ? "" : ":" ecol[i], emsg[i]
        bad = 1
      }
    exit bad
  }' "$tmp.expected" "$tmp.actual" > "$tmp.report"
ok=$?

want=0
awk -F '\t' '$4 == "error" { found = 1 } END { exit !found }' "$tmp.expected" && want=2
if [ "$status" -ne "$want" ]; then
  echo "exit status $status, expected $want" >> "$tmp.report"
  ok=1
fi
if [ "$ok" -ne 0 ]; then
  echo "FAIL: $file"
  cat "$tmp.report"
  echo "--- rp check output:"
  cat "$tmp.stderr"
  exit 1
fi
exit 0
