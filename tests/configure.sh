#!/bin/sh
# configure.sh — a missing library stops configure with the Debian package
# to install.
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# configure refuses to run out of a source tree that is configured in place
# (the in-tree build doc/hacking.md shows), so run a copy of what it reads
src="$tmp/src"
mkdir -p "$src/src"
cp "$top_srcdir/configure" "$top_srcdir/Makefile.in" "$top_srcdir/config.h.in" "$src/"
cp -r "$top_srcdir/build-aux" "$src/"
: > "$src/src/main.c"
mkdir "$tmp/build" && cd "$tmp/build"
mkdir "$tmp/pc"
# a pkg-config search path that has every library but libgit2
for m in yaml-0.1 libpcre2-8 libcurl; do
  f=$(pkg-config --variable=pcfiledir "$m")/$m.pc
  cp "$f" "$tmp/pc/"
done
out=$(PKG_CONFIG_LIBDIR="$tmp/pc" PKG_CONFIG_PATH= "$src/configure" 2>&1); rc=$?
assert_eq "$rc" 1 "configure fails"
assert_contains "$out" "libgit2 not found: install the Debian package libgit2-dev (apt-get install libgit2-dev)" "names the package"
# ... and then every library but libcrypto
for m in libgit2 zlib; do
  cp "$(pkg-config --variable=pcfiledir "$m")/$m.pc" "$tmp/pc/"
done
out=$(PKG_CONFIG_LIBDIR="$tmp/pc" PKG_CONFIG_PATH= "$src/configure" 2>&1)
assert_contains "$out" "libcrypto not found: install the Debian package libssl-dev (apt-get install libssl-dev)" "names libcrypto's package"
out=$(PKG_CONFIG_LIBDIR="$tmp/empty" PKG_CONFIG_PATH= "$src/configure" 2>&1)
assert_contains "$out" "install the Debian package libyaml-dev" "first missing library named"
finish
