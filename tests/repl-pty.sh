#!/bin/sh
# repl-pty.sh — rp repl on a terminal (a pty from script(1)): line editing,
# tab completion and history in ~/.rp_history, through libedit; Ctrl-C stops
# the running step, not the session.
set -u
. "$top_srcdir/tests/lib/assert.sh"
command -v script >/dev/null || { echo "FAIL: script(1) is not installed"; exit 1; }
grep -qs 'define HAVE_LIBEDIT 1' config.h "$top_srcdir/config.h" ||
  { echo "FAIL: built without libedit (scripts/install-deps.sh installs libedit-dev)"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rp-repl-pty.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cp "$top_srcdir/tests/repl/basic.rp" "$tmp/pipeline.rp"
# Keys typed with pauses, as a person would: "+ 1", Ctrl-A, "5 ", Enter;
# ":sta" Tab Enter; ":quit".
out=$( (sleep 1; printf '+ 1\0015 \r'; sleep 1; printf ':sta\t\r'; sleep 1; printf ':quit\r'; sleep 1) |
  HOME="$tmp" timeout 30 script -qc "'$RP' repl '$tmp/pipeline.rp' --event push --branch main" /dev/null |
  tr -d '\r')
assert_contains "$out" "
6" "Ctrl-A moved to the start of the line: 5 + 1 was evaluated"
assert_contains "$out" "test                 pending  needs build" "Tab completed :sta to :stages"
hist=$(cat "$tmp/.rp_history" 2>/dev/null)
assert_contains "$hist" '5\040+\0401' "the edited line is in ~/.rp_history"
assert_contains "$hist" ':quit' "history is written on :quit"
# a new session reads the history back: Up three times recalls "5 + 1"
out=$( (sleep 1; printf '\033[A\033[A\033[A\r'; sleep 1; printf ':quit\r'; sleep 1) |
  HOME="$tmp" timeout 30 script -qc "'$RP' repl '$tmp/pipeline.rp' --event push --branch main" /dev/null |
  tr -d '\r')
assert_contains "$out" "
6" "history from the last session is recalled"
# Ctrl-C during :run interrupts the stage's command; the session goes on
printf 'stage slow { sh "sleep 20" }\n' > "$tmp/slow.rp"
start=$(date +%s)
out=$( (sleep 1; printf ':run slow\r'; sleep 1.5; printf '\003'; sleep 1; printf '1 + 41\r'; sleep 0.5; printf ':quit\r'; sleep 0.5) |
  HOME="$tmp" RP_STATE_DIR="$tmp/state" timeout 30 script -qc "'$RP' repl '$tmp/slow.rp'" /dev/null | tr -d '\r')
secs=$(( $(date +%s) - start ))
assert_contains "$out" "exit code 130: sleep 20" "Ctrl-C interrupted the running command"
assert_contains "$out" "
42" "and the session still evaluates"
[ "$secs" -lt 15 ] || _fail "Ctrl-C did not stop the step (${secs}s)"
finish
