#!/bin/sh
# parse-depth.sh — a syntax tree deeper than the parser's limit (200) is a
# check error at the place it is crossed, never a stack overflow in rp check,
# rp fmt or rp run: long operator chains, member chains, nested blocks,
# long `else if` chains and nested parentheses; just under it is fine.
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp" <<'PY'
import sys
d = sys.argv[1]
hdr = 'pipeline "p"\non local -> s\n'
cases = {
    'plus': 'let x = ' + ' + '.join(['1'] * 50000) + '\nstage s { print(x) }\n',
    'member': 'let x = {a: 1}\nlet y = x' + '.a' * 100000 + '\nstage s { print(y) }\n',
    'blocks': 'stage s {\n' + 'if true {\n' * 100000 + 'print(1)\n' + '}\n' * 100000 + '}\n',
    'elseif': 'fn f(n) {\n  if n == 0 { return 0 }\n'
              + ''.join('  else if n == %d { return %d }\n' % (i, i) for i in range(1, 100000))
              + '  return 1\n}\nstage s { print(f(3)) }\n',
    'parens': 'let x = ' + '(' * 100000 + '1' + ')' * 100000 + '\nstage s { print(x) }\n',
    'under': 'let x = ' + ' + '.join(['1'] * 150) + '\nstage s { print(x) }\n',
}
for name, body in cases.items():
    open('%s/%s.rp' % (d, name), 'w').write(hdr + body)
PY
for c in plus member blocks elseif parens; do
  f=$tmp/$c.rp
  "$RP" check "$f" >"$tmp/out" 2>&1; rc=$?
  out=$(cut -c1-200 "$tmp/out") # the source line shown under the error is long
  assert_eq "$rc" 2 "$c: rp check exits 2"
  assert_contains "$out" "nested too deeply (more than 200 levels)" "$c: rp check says why"
  assert_contains "$out" "$f:" "$c: at a place in the file"
  "$RP" fmt "$f" >/dev/null 2>&1; assert_eq "$?" 2 "$c: rp fmt exits 2"
  "$RP" run -f "$f" --event local >/dev/null 2>&1; assert_eq "$?" 2 "$c: rp run exits 2"
done
out=$("$RP" run -f "$tmp/under.rp" --event local 2>&1)
assert_eq "$?" 0 "150 terms run"
assert_contains "$out" "150" "and add up"
finish
