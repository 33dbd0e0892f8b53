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

# expected: LINE <TAB> COL (empty if not pinned) <TAB> LEVEL <TAB> MESSAGE
awk '{
  if (match($0, /#[ \t]*(error|warning)(@[0-9]+)?:[ \t]/)) {
    spec = substr($0, RSTART + 1, RLENGTH - 1)
    msg = substr($0, RSTART + RLENGTH)
    sub(/^[ \t]+/, "", spec); sub(/:[ \t]$/, "", spec)
    sub(/[ \t]+$/, "", msg)
    level = spec; col = ""
    if (index(spec, "@")) { level = substr(spec, 1, index(spec, "@") - 1); col = substr(spec, index(spec, "@") + 1) }
    printf "%d\t%s\t%s\t%s\n", NR, col, level, msg
  }
}' "$file" > "$tmp.expected"

NO_COLOR=1 "$RP" check "$file" > "$tmp.stdout" 2> "$tmp.stderr"
status=$?

# actual: the same shape, from the `FILE:LINE:COL: LEVEL: MESSAGE` lines;
# diagnostics about other files (imported modules) keep their path.
awk -v file="$file" '{
  prefix = file ":"
  if (substr($0, 1, length(prefix)) == prefix) {
    rest = substr($0, length(prefix) + 1)
    if (match(rest, /^[0-9]+:[0-9]+: (error|warning): /)) {
      head = substr(rest, 1, RLENGTH); msg = substr(rest, RLENGTH + 1)
      split(head, f, ":")
      level = substr(f[3], 2)
      printf "%d\t%d\t%s\t%s\n", f[1], f[2], level, msg
    }
  } else if (match($0, /^[^ ].*:[0-9]+:[0-9]+: (error|warning): /)) {
    printf "0\t0\tother\t%s\n", $0
  }
}' "$tmp.stderr" > "$tmp.actual"

# match each actual diagnostic with one unmatched expectation
awk -F '\t' '
  FILENAME == ARGV[1] { n++; eline[n] = $1; ecol[n] = $2; elevel[n] = $3; emsg[n] = $4; used[n] = 0; next }
  {
    hit = 0
    for (i = 1; i <= n; i++)
      if (!used[i] && eline[i] == $1 && elevel[i] == $3 && emsg[i] == $4 && (ecol[i] == "" || ecol[i] == $2)) {
        used[i] = 1; hit = 1; break
      }
    if (!hit) {
      if ($3 == "other") printf "unexpected: %s\n", $4
      else printf "unexpected %s at line %d col %d: %s\n", $3, $1, $2, $4
      bad = 1
    }
  }
  END {
    for (i = 1; i <= n; i++)
      if (!used[i]) {
        printf "missing %s at line %d%s: %s\n", elevel[i], eline[i], ecol[i] == "" ? "" : " col " ecol[i], emsg[i]
        bad = 1
      }
    exit bad
  }' "$tmp.expected" "$tmp.actual" > "$tmp.report"
ok=$?

want=0
awk -F '\t' '$3 == "error" { found = 1 } END { exit !found }' "$tmp.expected" && want=2
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
