#!/bin/sh
# configure.sh — a missing library stops configure with the Debian package
# to install.
set -u
. "$top_srcdir/tests/lib/assert.sh"
# configure refuses to run from a source tree that is configured in place
[ -f "$top_srcdir/config.status" ] && { echo "in-tree build: skipped"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
mkdir pc
# a pkg-config search path that has every library but libgit2
for m in yaml-0.1 libpcre2-8 libcurl; do
  f=$(pkg-config --variable=pcfiledir "$m")/$m.pc
  cp "$f" pc/
done
out=$(PKG_CONFIG_LIBDIR="$tmp/pc" PKG_CONFIG_PATH= "$top_srcdir/configure" 2>&1); rc=$?
assert_eq "$rc" 1 "configure fails"
assert_contains "$out" "libgit2 not found: install the Debian package libgit2-dev (apt-get install libgit2-dev)" "names the package"
# ... and then every library but libcrypto
for m in libgit2 zlib; do
  cp "$(pkg-config --variable=pcfiledir "$m")/$m.pc" pc/
done
out=$(PKG_CONFIG_LIBDIR="$tmp/pc" PKG_CONFIG_PATH= "$top_srcdir/configure" 2>&1)
assert_contains "$out" "libcrypto not found: install the Debian package libssl-dev (apt-get install libssl-dev)" "names libcrypto's package"
out=$(PKG_CONFIG_LIBDIR="$tmp/empty" PKG_CONFIG_PATH= "$top_srcdir/configure" 2>&1)
assert_contains "$out" "install the Debian package libyaml-dev" "first missing library named"
finish
