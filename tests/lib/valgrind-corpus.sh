#!/bin/sh
# valgrind-corpus.sh — run rp's read-only commands on every .rp file of the
# repository under valgrind; any leak or memory error fails that file.
# Prints one line per failure and a closing "valgrind: N passed, N failed".
set -u
: "${RP:?RP must name the rp binary}"
command -v valgrind >/dev/null || { echo "valgrind: 0 passed, 0 failed (valgrind not installed)"; exit 0; }
top=$(cd "$(dirname "$0")/../.." && pwd)
pass=0 fail=0
for f in $(find "$top/examples" "$top/stdlib" "$top/tests" -type f -name '*.rp' 2>/dev/null | sort); do
  for cmd in check parse fmt graph; do
    if valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
         --error-exitcode=99 "$RP" $cmd "$f" >/dev/null 2>/tmp/vg.$$; then :; fi
    if grep -q '^==[0-9]*==' /tmp/vg.$$; then
      fail=$((fail + 1)); echo "FAIL: valgrind rp $cmd $f"; head -30 /tmp/vg.$$
    else
      pass=$((pass + 1))
    fi
  done
done
rm -f /tmp/vg.$$
echo "valgrind: $pass passed, $fail failed"
