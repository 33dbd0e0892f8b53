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
  cmds="check parse fmt graph"
  # the language-semantics tests also run, stage processes included
  grep -q '# expect:' "$f" && cmds="$cmds run"
  # the pipelines rp export has golden files for
  case $f in */examples/*/pipeline.rp | */tests/export/*.rp) cmds="$cmds github gitlab" ;; esac
  for cmd in $cmds; do
    case $cmd in
    run) args="run --event local -j1 -f" ;;
    github | gitlab) args="export $cmd --state git:origin -f" ;;
    *) args=$cmd ;;
    esac
    # memory errors and definite leaks count (arenas can look "possibly" lost)
    RP_STATE_DIR=${TMPDIR:-/tmp}/rp-vg-state.$$ valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
      --errors-for-leak-kinds=definite,indirect --error-exitcode=99 "$RP" $args "$f" >/dev/null 2>/tmp/vg.$$
    if [ $? -eq 99 ]; then
      fail=$((fail + 1)); echo "FAIL: valgrind rp $cmd $f"; head -30 /tmp/vg.$$
    else
      pass=$((pass + 1))
    fi
  done
done
rm -rf /tmp/vg.$$ "${TMPDIR:-/tmp}/rp-vg-state.$$"
echo "valgrind: $pass passed, $fail failed"
