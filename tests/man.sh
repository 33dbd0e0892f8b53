#!/bin/sh
# man.sh — doc/rp.1 renders without a warning, and every command this
# binary has (per `rp --help`) is described there.
set -u
: "${RP:?RP must name the rp binary}"
top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
page="$top/doc/rp.1"
command -v groff >/dev/null || { echo "FAIL: groff is not installed (scripts/install-deps.sh installs it)"; exit 1; }
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

warnings=$(groff -man -Tutf8 -ww "$page" 2>&1 >/dev/null)
[ -z "$warnings" ] || fail "groff warns: $warnings"
text=$(groff -man -Tutf8 -P-cbou "$page" 2>/dev/null)

# the COMMANDS section: from its heading to the next one
implemented=$(printf '%s\n' "$text" | sed -n '/^COMMANDS$/,/^EXIT STATUS$/p')
[ -n "$implemented" ] || fail "no COMMANDS section"
printf '%s\n' "$text" | grep -q 'not implemented' && fail "an empty 'not implemented' heading is back"
cmds=$("$RP" --help | sed -n 's/^  rp \([a-z]*\).*/\1/p')
[ -n "$cmds" ] || fail "rp --help lists no commands"
for c in $cmds; do
  printf '%s\n' "$implemented" | grep -q "^       rp $c\\b" || fail "rp $c is not described under COMMANDS"
done
# and nothing is called implemented that the binary lacks
for c in $(printf '%s\n' "$implemented" | sed -n 's/^       rp \([a-z]*\).*/\1/p' | sort -u); do
  printf '%s\n' "$cmds" | grep -qx "$c" || fail "rp.1 describes rp $c, but rp --help does not list it"
done
[ $fails -eq 0 ] && echo "man: $(echo $cmds | wc -w) commands documented"
[ $fails -eq 0 ]
