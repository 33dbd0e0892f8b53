#!/bin/sh
# test.sh — the whole test suite, as CI runs it:
#   1. install the missing Debian packages building and testing need;
#   2. build with -Werror, AddressSanitizer and UndefinedBehaviorSanitizer,
#      and run `make check` (unit, golden and integration tests);
#   3. build without sanitizers and run the test corpus under valgrind;
# then print one closing line: "N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)
# seconds each phase took, printed before the closing line (CI has 20 min)
t0=$(date +%s) phases=
phase() { t1=$(date +%s); phases="$phases $1 $((t1 - t0))s,"; t0=$t1; }

sh scripts/install-deps.sh --test || { echo "dependency installation failed"; echo "0 passed, 1 failed"; exit 1; }
./autogen.sh >/dev/null 2>&1 || { ./autogen.sh; echo "0 passed, 1 failed"; exit 1; }
phase dependencies

san="-fsanitize=address,undefined -fno-sanitize-recover=all"
rm -rf build/asan && mkdir -p build/asan && cd build/asan
../../configure -q CFLAGS="-O1 -g -fno-omit-frame-pointer $san -Wall -Wextra -Werror" \
  LDFLAGS="$san" >/dev/null || { echo "configure failed"; echo "0 passed, 1 failed"; exit 1; }
make -s -j"$jobs" >/dev/null || { make -j1; echo "0 passed, 1 failed"; exit 1; }
phase build
ASAN_OPTIONS=detect_leaks=1 make -s -j"$jobs" check >check.out 2>&1
status=$?
phase check
cat check.out | grep -E '^(PASS|FAIL|XPASS|ERROR|SKIP|XFAIL):|^# ' || true
if [ $status -ne 0 ]; then
  for log in $(grep -lE '^:test-result: (FAIL|ERROR|XPASS)' $(find . -name '*.trs')); do
    echo "---- ${log%.trs}.log"; tail -n 60 "${log%.trs}.log"
  done
fi
count() { sed -n "s/^# $1: *//p" check.out | awk '{s+=$1} END {print s+0}'; }
passed=$(count PASS)
failed=$(( $(count FAIL) + $(count ERROR) + $(count XPASS) ))
skipped=$(count SKIP)
cd "$top"

# valgrind over the corpus, on a build without sanitizers
rm -rf build/plain && mkdir -p build/plain && cd build/plain
if ../../configure -q CFLAGS="-O1 -g -Wall -Wextra -Werror" >/dev/null && make -s -j"$jobs" rp >/dev/null; then
  cd "$top"
  out=$(RP="$top/build/plain/rp" sh tests/lib/valgrind-corpus.sh)
  echo "$out"
  vp=$(echo "$out" | sed -n 's/^valgrind: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
  vf=$(echo "$out" | sed -n 's/^valgrind: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
  passed=$((passed + ${vp:-0})); failed=$((failed + ${vf:-1}))
else
  cd "$top"; failed=$((failed + 1)); echo "FAIL: plain build for valgrind"
fi

phase valgrind
echo "time:${phases%,}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
