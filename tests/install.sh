#!/bin/sh
# install.sh — make install puts rp, its man page and every document the
# man page names (with README.md and LICENSE) under the prefix, in the
# source tree's layout; make uninstall takes them all away again.
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
root="$tmp/root"
unset MAKEFLAGS MFLAGS # a make of our own, not a part of make check's
make -s install prefix=/usr DESTDIR="$root" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; _fail "make install"; }
[ -x "$root/usr/bin/rp" ] || _fail "rp is installed in bin"
assert_eq "$("$root/usr/bin/rp" --version)" "$("$RP" --version)" "the installed rp runs"
man="$root/usr/share/man/man1/rp.1"
[ -f "$man" ] || _fail "the man page is installed"
doc="$root/usr/share/doc/rp"
named=$(grep -o '\(doc\|grammar\)/[A-Za-z0-9_.-]*\.\(md\|ebnf\)' "$man" | sort -u)
[ -n "$named" ] || _fail "the man page names documents"
for d in $named README.md LICENSE doc/report.png; do
  [ -f "$doc/$d" ] || _fail "$d, which the man page points at, is installed under the doc directory"
done
# links between the installed documents still resolve
for d in README.md doc/report.md doc/tutorial.md; do
  for link in $(grep -o '](\(doc/\)\?[A-Za-z0-9_.-]*\.\(md\|png\))' "$doc/$d" | sed 's/^](//; s/)$//'); do
    [ -f "$(dirname "$doc/$d")/$link" ] || _fail "$d links to $link, which is not installed"
  done
done
assert_contains "$(head -3 "$doc/LICENSE")" "Copyright (c) 2026 the rp authors" "the MIT licence"
make -s uninstall prefix=/usr DESTDIR="$root" >"$tmp/uninstall.log" 2>&1 || _fail "make uninstall"
left=$(find "$root" -type f)
assert_eq "$left" "" "make uninstall leaves no file"
finish
