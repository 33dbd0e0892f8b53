#!/bin/sh
# fmt.sh — rp fmt: every tests/fmt/NAME.in.rp formats to NAME.out.rp;
# formatting is idempotent on every .rp file of the repository that parses;
# every file under examples/ and stdlib/ is already formatted; --check names
# the files that would change and exits 1; -w rewrites in place, only when
# needed; a file with parse errors exits 2 and is never written.
set -u
: "${RP:?RP must name the rp binary}"
top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0 n=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# 1. input/output pairs
for in in "$top"/tests/fmt/*.in.rp; do
  out=${in%.in.rp}.out.rp
  n=$((n + 1))
  [ -f "$out" ] || { fail "$in has no $out"; continue; }
  if ! "$RP" fmt "$in" >"$tmp/got" 2>"$tmp/err"; then
    fail "rp fmt $in exited non-zero"; cat "$tmp/err"; continue
  fi
  cmp -s "$tmp/got" "$out" || { fail "rp fmt $in differs from $out"; diff "$out" "$tmp/got" | head -20; }
done

# 2. idempotent on every file that parses; examples and stdlib are formatted
for f in $(find "$top/examples" "$top/stdlib" "$top/tests" -type f -name '*.rp' 2>/dev/null | sort); do
  "$RP" fmt "$f" >"$tmp/once.rp" 2>/dev/null || continue # golden tests of parse errors
  n=$((n + 1))
  "$RP" fmt "$tmp/once.rp" >"$tmp/twice.rp" || { fail "formatted $f does not parse"; continue; }
  cmp -s "$tmp/once.rp" "$tmp/twice.rp" || { fail "not idempotent: $f"; diff "$tmp/once.rp" "$tmp/twice.rp" | head -20; }
  case $f in
  "$top"/examples/* | "$top"/stdlib/*)
    "$RP" fmt --check "$f" >/dev/null || fail "$f is not formatted (rp fmt -w $f)" ;;
  esac
done

# 3. --check: silent and 0 when formatted; names the file and 1 otherwise
cp "$top/tests/fmt/stages.out.rp" "$tmp/good.rp"
cp "$top/tests/fmt/stages.in.rp" "$tmp/bad.rp"
"$RP" fmt --check "$tmp/good.rp" >"$tmp/out"
[ $? -eq 0 ] && [ ! -s "$tmp/out" ] || fail "--check on a formatted file: not a silent 0"
"$RP" fmt --check "$tmp/good.rp" "$tmp/bad.rp" >"$tmp/out"
[ $? -eq 1 ] || fail "--check with an unformatted file did not exit 1"
[ "$(cat "$tmp/out")" = "$tmp/bad.rp" ] || fail "--check printed '$(cat "$tmp/out")', not the one unformatted file"
cmp -s "$tmp/bad.rp" "$top/tests/fmt/stages.in.rp" || fail "--check modified the file"
n=$((n + 3))

# 4. -w rewrites in place, and leaves formatted files alone
touch -d '2000-01-01' "$tmp/good.rp"
"$RP" fmt -w "$tmp/good.rp" "$tmp/bad.rp" >"$tmp/out" || fail "-w exited non-zero"
[ ! -s "$tmp/out" ] || fail "-w printed something"
cmp -s "$tmp/bad.rp" "$top/tests/fmt/stages.out.rp" || fail "-w did not rewrite to the canonical layout"
[ -n "$(find "$tmp/good.rp" -newermt '2001-01-01')" ] && fail "-w rewrote a file that needed no change"
n=$((n + 3))

# -w keeps the permissions, and rewrites a symlink's target, not the link
cp "$top/tests/fmt/decls.in.rp" "$tmp/exec.rp" && chmod 751 "$tmp/exec.rp"
ln -s exec.rp "$tmp/link.rp"
"$RP" fmt -w "$tmp/link.rp" || fail "-w through a symlink failed"
[ -L "$tmp/link.rp" ] || fail "-w replaced the symlink with a file"
cmp -s "$tmp/exec.rp" "$top/tests/fmt/decls.out.rp" || fail "-w did not rewrite the symlink's target"
[ "$(stat -c %a "$tmp/exec.rp")" = 751 ] || fail "-w changed the mode to $(stat -c %a "$tmp/exec.rp")"
n=$((n + 3))

# 5. the default file is ./pipeline.rp, printed to stdout
(cd "$tmp" && cp "$top/tests/fmt/triggers.in.rp" pipeline.rp && "$RP" fmt >"$tmp/out") || fail "rp fmt without FILE failed"
cmp -s "$tmp/out" "$top/tests/fmt/triggers.out.rp" || fail "rp fmt without FILE did not format ./pipeline.rp"
n=$((n + 1))

# 6. parse errors: diagnostics, exit 2, file untouched (even with -w)
printf 'stage broken {\n  let = 1\n}\n' >"$tmp/broken.rp"
cp "$tmp/broken.rp" "$tmp/broken.orig"
for mode in "" -w --check; do
  "$RP" fmt $mode "$tmp/broken.rp" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc -eq 2 ] || fail "fmt $mode on a parse error exited $rc, not 2"
  grep -q 'broken.rp:2:' "$tmp/err" || fail "fmt $mode printed no diagnostic: $(cat "$tmp/err")"
  [ ! -s "$tmp/out" ] || fail "fmt $mode printed text for a file that does not parse"
  cmp -s "$tmp/broken.rp" "$tmp/broken.orig" || fail "fmt $mode modified a file with parse errors"
  n=$((n + 1))
done
"$RP" fmt -w "$tmp/bad-missing.rp" 2>/dev/null
[ $? -eq 2 ] || fail "a missing file did not exit 2"
"$RP" fmt --bogus 2>/dev/null
[ $? -eq 2 ] || fail "an unknown option did not exit 2"
"$RP" fmt -w --check "$tmp/good.rp" 2>/dev/null
[ $? -eq 2 ] || fail "-w with --check did not exit 2"
"$RP" fmt --help | grep -q -- '--check' || fail "rp fmt --help does not describe --check"
n=$((n + 4))

# 100,000 comments, in a block, between declarations, inside and after a
# bracket: each placed once, the result already formatted (the search for
# the next unplaced comment skips placed ones once, not per item)
awk 'BEGIN { print "stage a {"; for (i = 0; i < 40000; i++) print "  # in " i
  print "  sh \"true\"  # trailing"; print "  let xs = ["
  for (i = 0; i < 10000; i++) print "    # item " i "\n    " i ","
  print "  ]"; print "}"; for (i = 0; i < 40000; i++) print "# top " i; print "stage b { sh \"true\" }" }' > "$tmp/comments.rp"
"$RP" fmt "$tmp/comments.rp" > "$tmp/comments.out" || fail "fmt of 100,000 comments failed"
[ "$(grep -c '#' "$tmp/comments.out")" -eq 90001 ] || fail "comments lost or repeated"
"$RP" fmt --check "$tmp/comments.out" || fail "the formatted comments are not stable"
n=$((n + 3))

echo "fmt: $n checks, $fails failed"
[ $fails -eq 0 ]
