#!/bin/sh
# deps.sh — scripts/install-deps.sh without --test (what scripts/setup.sh
# installs) covers every library rp is linked against and nothing the
# tests alone use; --test adds the test tools.
set -u
. "$top_srcdir/tests/lib/assert.sh"
deps="$top_srcdir/scripts/install-deps.sh"
base=$(sh "$deps" --list); rc=$?
assert_eq "$rc" 0 "install-deps.sh --list"
all=$(sh "$deps" --test --list)
sh "$deps" --bogus 2>/dev/null; assert_eq "$?" 2 "an unknown argument is a usage error"
for p in podman buildah valgrind docker-registry hyperfine chromium clang; do
  case " $base " in *" $p "*) _fail "setup installs $p, which only the tests use" ;; esac
  case " $all " in *" $p "*) ;; *) _fail "install-deps.sh --test does not install $p" ;; esac
done
# each library rp needs comes from a package that a -dev package of the
# base list depends on (libc: build-essential)
bin=$(cd "$(dirname "$RP")" && pwd)/$(basename "$RP")
multiarch=$(gcc -print-multiarch)
needed=$(objdump -p "$bin" | sed -n 's/^ *NEEDED *//p' | grep -v '^lib\(asan\|ubsan\)\.')
[ -n "$needed" ] || _fail "objdump lists what rp needs"
devdeps=$(for p in $base; do apt-cache depends --no-recommends --no-suggests "$p" 2>/dev/null; done |
  sed -n 's/^ *\(|\)\?Depends: //p' | sed 's/:.*//' | sort -u)
for lib in $needed; do
  pkg=$(dpkg -S "*/$multiarch/$lib" 2>/dev/null | head -1 | sed 's/[:,].*//')
  [ -n "$pkg" ] || { _fail "no package ships $lib"; continue; }
  [ "$pkg" = libc6 ] && continue
  printf '%s\n' "$devdeps" | grep -qx "$pkg" || _fail "$lib ($pkg) is not brought by the packages setup installs"
done
finish
