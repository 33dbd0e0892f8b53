#!/bin/sh
# layering.sh — a layer includes only its own headers and those of the
# layers below it (doc/hacking.md):
#   core <- lang <- prim <- eval <- run <- repl <- cmd   (src/main.c: cmd)
# Includes name paths from src/ ("core/value.h"), so they can be read here.
set -u
. "$top_srcdir/tests/lib/assert.sh"
cd "$top_srcdir/src"
rank() {
  case "$1" in
    core) echo 0 ;; lang) echo 1 ;; prim) echo 2 ;; eval) echo 3 ;;
    run) echo 4 ;; repl) echo 5 ;; cmd | main.c) echo 6 ;; *) echo -1 ;;
  esac
}
files=$(find . -name '*.[ch]' ! -name '*-gen.c' | sed 's#^\./##' | sort)
nfiles=0 nincludes=0
for f in $files; do
  nfiles=$((nfiles + 1))
  from=$(rank "${f%%/*}")
  assert_eq "$([ "$from" -ge 0 ] && echo yes)" yes "$f is in a layer"
  for inc in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
    [ "$inc" = config.h ] && continue
    nincludes=$((nincludes + 1))
    case "$inc" in
      */*) ;;
      *) _fail "$f includes \"$inc\": name headers by their path from src/"; continue ;;
    esac
    to=$(rank "${inc%%/*}")
    [ -f "$inc" ] || _fail "$f includes \"$inc\", which is not a header under src/"
    [ "$to" -le "$from" ] || _fail "$f (${f%%/*}) includes $inc (${inc%%/*}), a higher layer"
  done
done
echo "$nfiles files, $nincludes includes checked"
finish
