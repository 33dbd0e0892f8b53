#!/bin/sh
# debian.sh — debian/ builds a .deb with dpkg-buildpackage from a copy of
# the source; it holds /usr/bin/rp (which runs), the man page and the
# documents the man page names, and depends on the libraries rp loads.
set -u
. "$top_srcdir/tests/lib/assert.sh"
. "$top_srcdir/tests/lib/copy-source.sh"
command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null ||
  { echo "not ok: dpkg-dev and debhelper are not installed (scripts/install-deps.sh --test)"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
src="$tmp/rp"
copy_source "$src"
unset MAKEFLAGS MFLAGS CFLAGS
# noopt: the package's build steps are under test, not the optimiser
(cd "$src" && DEB_BUILD_OPTIONS="nocheck noopt parallel=2" dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1 ||
  { tail -40 "$tmp/build.log"; _fail "dpkg-buildpackage -us -uc -b"; finish; }
deb=$(ls "$tmp"/rp_*_*.deb)
files=$(dpkg-deb -c "$deb" | awk '{print $6}')
assert_contains "$files" "./usr/bin/rp
" "the package holds /usr/bin/rp"
assert_contains "$files" "./usr/share/man/man1/rp.1.gz" "and the man page"
for d in $(grep -o '\(doc\|grammar\)/[A-Za-z0-9_.-]*\.\(md\|ebnf\)' "$top_srcdir/doc/rp.1" | sort -u) LICENSE; do
  assert_contains "$files" "./usr/share/doc/rp/$d
" "and $d, which the man page points at"
done
assert_contains "$files" "./usr/share/doc/rp/copyright" "and its copyright file"
assert_contains "$(dpkg-deb -f "$deb" Depends)" "libgit2" "it depends on the libraries rp loads"
dpkg-deb -x "$deb" "$tmp/root"
assert_eq "$("$tmp/root/usr/bin/rp" --version)" "$("$RP" --version)" "the packaged rp runs"
echo "# $(basename "$deb"): $(du -k "$deb" | cut -f1) KiB"
finish
