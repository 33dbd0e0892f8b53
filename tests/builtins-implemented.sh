#!/bin/sh
# builtins-implemented.sh — every function in the built-in table that rp
# check accepts is implemented: calling each one never answers "is not
# available in this build".
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export RP_STATE_DIR="$tmp/state"
# the table's rows {"ns", "name", "params"} as: NAME ARGS, with "x" for
# each required parameter so that rp check lets the call through
sed -n 's/^ *{"\([a-z]*\)", "\([a-z_0-9]*\)", "\([^"]*\)"},$/\1.\2 \3/p' "$top_srcdir/src/lang/builtins.c" |
  sed 's/^\.//' | awk '{ a = ""; for (i = 2; i <= NF; i++) if ($i !~ /\?$/) a = a (a ? ", " : "") "\"127.0.0.1:9/x\""; if ($1 == "http.wait") a = a ", timeout: 1s"; print $1 " " a }' > "$tmp/fns"
n=$(wc -l < "$tmp/fns")
[ "$n" -gt 50 ] || _fail "read only $n functions from builtins.c"
while read -r fn args; do
  printf 'stage s { %s(%s) }\n' "$fn" "$args" > "$tmp/p.rp"
  out=$(timeout 20 "$RP" run s --dry-run -f "$tmp/p.rp" 2>&1)
  case "$out" in
    *"not available in this build"*) _fail "$fn is not implemented" ;;
    *"error: expected"*|*"undefined"*|*"missing argument"*) _fail "$fn: the probe did not reach the call: $out" ;;
  esac
done < "$tmp/fns"
echo "$n built-in functions checked"
finish
