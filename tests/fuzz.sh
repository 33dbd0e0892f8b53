#!/bin/sh
# fuzz.sh — fuzz the front end (parse, check, fmt), the YAML reader and
# editor, and JSON, for a bounded time each, from the committed corpus
# tests/fuzz/corpus/{rp,yaml,json}/. The harnesses (tests/fuzz/fuzz_*.c)
# are built with clang, libFuzzer, ASan and UBSan straight from the sources,
# whatever compiler configured this build, into BUILD/fuzz/ (an object is
# rebuilt when its source, a header or the flags change). A crash, leak,
# timeout, sanitizer report or broken property fails the test, naming the
# reproducer; the inputs found go to BUILD/fuzz/new/, never into the source
# tree. In make check the run is repeatable: a fixed seed and a fixed
# number of inputs per harness (RP_FUZZ_RUNS scales them, RP_FUZZ_SEED
# changes the seed), capped at RP_FUZZ_TIME seconds (60) each, so a CI run
# fails only for what the code under test does, never for what a random
# walk happened to reach that time. Longer random runs: doc/hacking.md.
set -u
: "${RP:?RP must name the rp binary}"
top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
build=$(cd "$(dirname "$RP")" && pwd)
out=$build/fuzz
secs=${RP_FUZZ_TIME:-60}
seed=${RP_FUZZ_SEED:-1}
scale=${RP_FUZZ_RUNS:-1}
jobs=2
harnesses="rp yaml json" # tests/fuzz/fuzz_NAME.c, its corpus tests/fuzz/corpus/NAME/

command -v clang >/dev/null || {
  echo "FAIL: clang is not installed (Debian: clang libclang-rt-14-dev, which scripts/install-deps.sh installs)"
  exit 1
}
[ -f "$build/config.h" ] && [ -f "$build/src/lang/stdlib-gen.c" ] || {
  echo "FAIL: $build has no config.h or src/lang/stdlib-gen.c: build rp first"; exit 1
}

# The harnesses need the layers up to eval only (families.c lists every
# primitive family); the libraries' flags are those configure found.
flag() { sed -n "s/^$1 = //p" "$build/Makefile"; }
libs_cflags= libs=-lm
for lib in YAML PCRE2 CURL GIT2 CRYPTO ZLIB EDIT; do
  libs_cflags="$libs_cflags $(flag ${lib}_CFLAGS)" libs="$(flag ${lib}_LIBS) $libs"
done
san="-fsanitize=address,undefined -fno-sanitize-recover=all"
cflags="-std=c11 -O1 -g -fno-omit-frame-pointer $san -fsanitize=fuzzer-no-link -Wall -Wextra -Werror
  -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I$top/src -I$build $libs_cflags"
sources="$(ls "$top"/src/core/*.c "$top"/src/lang/*.c "$top"/src/prim/*.c "$top"/src/eval/*.c)
  $build/src/lang/stdlib-gen.c $(ls "$top"/tests/fuzz/*.c)"

# 1. build: compile what changed (any header counts for every object), link
mkdir -p "$out/obj" "$out/crashes" || exit 1
object() { echo "$out/obj/$(basename "$(dirname "$1")")-$(basename "$1" .c).o"; }
headers=$(cat "$top"/src/*/*.h "$top"/tests/fuzz/*.h "$build/config.h" | cksum)
common="$(clang --version | head -1) $cflags $headers"
stale= lib_objs=
for src in $sources; do
  obj=$(object "$src")
  case $src in */tests/fuzz/*) ;; *) lib_objs="$lib_objs $obj" ;; esac
  key="$common $(cksum <"$src")"
  [ -f "$obj" ] && [ "$(cat "$obj.key" 2>/dev/null)" = "$key" ] && continue
  rm -f "$obj"
  printf '%s\n' "$key" >"$obj.key"
  stale="$stale $src $obj"
done
if [ -n "$stale" ]; then
  # shellcheck disable=SC2086
  printf '%s\n' $stale |
    xargs -n2 -P$jobs sh -c 'clang '"$(echo $cflags)"' -c "$0" -o "$1" || { rm -f "$1.key"; exit 255; }' ||
    { echo "FAIL: the harnesses do not compile with clang"; exit 1; }
  for name in $harnesses; do rm -f "$out/fuzz_$name"; done
fi
for name in $harnesses; do
  [ -x "$out/fuzz_$name" ] && continue
  # shellcheck disable=SC2086
  clang $san -fsanitize=fuzzer "$(object "$top/tests/fuzz/fuzz_$name.c")" $lib_objs $libs -o "$out/fuzz_$name" ||
    { echo "FAIL: cannot link fuzz_$name (is libclang-rt-14-dev, libFuzzer's runtime, installed?)"; exit 1; }
done

# 2. fuzz each for its number of inputs (about 20 s each under load);
#    new inputs go to the first corpus directory
runs_of() { case $1 in rp) echo $((30000 * scale)) ;; yaml) echo $((6000 * scale)) ;; *) echo $((200000 * scale)) ;; esac; }
fails=0
export UBSAN_OPTIONS=print_stacktrace=1
for name in $harnesses; do
  mkdir -p "$out/new/$name"
  dict=
  [ -f "$top/tests/fuzz/$name.dict" ] && dict=-dict=$top/tests/fuzz/$name.dict
  log=$out/$name.log
  (cd "$out" && ./fuzz_$name -seed="$seed" -runs="$(runs_of $name)" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 $dict \
    -artifact_prefix="$out/crashes/$name-" "$out/new/$name" "$top/tests/fuzz/corpus/$name") >"$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log")
  if [ $rc -eq 0 ]; then
    echo "fuzz_$name: ${runs:-?} inputs (seed $seed), no failure"
    continue
  fi
  fails=$((fails + 1))
  repro=$(sed -n 's/.*Test unit written to \(.*\)/\1/p' "$log" | tail -1)
  echo "FAIL: fuzz_$name (exit $rc): reproducer ${repro:-not written}; full log $log"
  [ -n "$repro" ] && echo "  rerun: $out/fuzz_$name $repro"
  first=$(grep -n -m1 -E '^fuzz: |ERROR: |runtime error|ALARM|out-of-memory|deadly signal' "$log" | cut -d: -f1)
  tail -n +"${first:-1}" "$log" | head -40
done
[ $fails -eq 0 ]
