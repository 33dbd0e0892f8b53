#!/bin/sh
# repl.sh — rp repl driven through stdin: evaluation, breakpoints, stepping,
# changing state at a stop, outputs, reload, and errors that keep the session.
set -u
. "$top_srcdir/tests/lib/assert.sh"
src="$top_srcdir/tests/repl/basic.rp"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rp-repl.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cp "$src" "$tmp/pipeline.rp"
# each session must end with status 0 (a sanitizer's leak report would not)
repl() {
  printf '%s\n' "$@" | "$RP" repl "$tmp/pipeline.rp" --event push --branch main >"$tmp/out" 2>&1
  rc=$?
  cat "$tmp/out"
  [ "$rc" -eq 0 ] || echo "session '$*' exited $rc" >>"$tmp/bad"
}

# expressions and statements, in a scope over the globals
out=$(repl '1 + 2' '"a" + "b"' 'let k = [1, 2].map(fn(x) => x * 10)' 'k' 'greeting + "!"' ':vars')
assert_contains "$out" "rp> 1 + 2
3" "an expression's value is printed"
assert_contains "$out" '"ab"' "strings are shown quoted"
assert_contains "$out" "rp> k
[10, 20]" "let defines a REPL variable"
assert_contains "$out" '"hi!"' "globals are visible"
assert_contains "$out" "k = [10, 20]" ":vars lists the REPL's variables"

# errors print a diagnostic and keep the session
out=$(repl '1 +' 'nosuch' ':bogus' ':run nosuch' ':break nosuch' '6 * 7'); rc=$?
assert_eq "$rc" 0 "errors do not end the session"
assert_contains "$out" "error: undefined variable 'nosuch'" "a run-time error is reported"
assert_contains "$out" "<repl:1>:1:" "a parse error names the typed line"
assert_contains "$out" "unknown command ':bogus'" "an unknown command is reported"
assert_contains "$out" "no stage named 'nosuch'" "an unknown stage is reported"
assert_contains "$out" "rp> 6 * 7
42" "the session goes on after errors"

# :stages, :plan
out=$(repl ':stages' ':plan')
assert_contains "$out" "test                 pending  needs build" ":stages shows status and needs"
assert_contains "$out" "deploy               pending  needs test" ":stages lists every stage"

# :break STAGE:LINE stops there; :vars shows the stage's scope; :list marks the line
out=$(repl ':break build:10' ':run test' ':vars' ':list' ':continue' ':outputs build' ':outputs test' ':stages')
assert_contains "$out" "== build
rp[build:10]> :vars
n = 3" "stopped before line 10 with n bound"
assert_contains "$out" "->  10    let m = double(n)" ":list points at the line"
assert_contains "$out" "ok build
== test
ok test" "needs run first, in order, then the goal"
assert_contains "$out" "rp> :outputs build
{size: 7}" ":outputs shows a stage's outputs"
assert_contains "$out" "{result: 70}" "outputs flow downstream"
assert_contains "$out" "build                done" ":stages shows finished stages"

# :step goes into functions, :next over them
out=$(repl ':break build:10' ':run build' ':step' ':step' ':step' ':step' ':continue')
assert_contains "$out" "rp[build:10]> :step
rp[build:4]> :step
rp[build:5]> :step
rp[build:11]> :step
ok build" ":step enters double() and comes back"
out=$(repl ':break build:10' ':run build' ':next' ':next')
assert_contains "$out" "rp[build:10]> :next
rp[build:11]> :next
ok build" ":next steps over the call"
out=$(repl ':break build' ':run build' ':next' ':continue')
assert_contains "$out" "rp[build:9]> :next
rp[build:10]> :continue" ":break STAGE stops at its first statement"

# a variable changed at a breakpoint takes effect downstream
out=$(repl ':break build:11' ':run test' 'm' 'm = 100' ':continue' ':outputs test')
assert_contains "$out" "rp[build:11]> m
6" "the stage's variable is visible"
assert_contains "$out" "{result: 1010}" "the changed value reached the dependent stage"

# :delete removes breakpoints
out=$(repl ':break build:10' ':break test' ':break' ':delete 1' ':break' ':delete' ':run test')
assert_contains "$out" "1: build:10
2: test" ":break lists breakpoints"
assert_contains "$out" "rp> :break
1: test" ":delete N removes one"
assert_not_contains "$out" "rp[" ":delete removes all: nothing stops"

# :retry re-runs the stage from its start; :skip marks it done
out=$(repl ':break build:11' ':run build' 'm = 1' ':retry' 'm' ':continue' ':outputs build')
assert_contains "$out" "rp[build:11]> :retry
== build
rp[build:11]> m
6" ":retry starts the stage again"
assert_contains "$out" "{size: 7}" "the retried stage finished normally"
out=$(repl ':break test' ':run deploy' ':skip' ':stages')
assert_contains "$out" "-- test skipped (marked done)" ":skip ends the stage"
assert_contains "$out" "test                 done     needs build" ":skip marks it done"
assert_contains "$out" "deploy               done     needs test" "dependents run after a skip"

# sh output, :dry, :event and when
out=$(repl ':run shout' ':dry on' ':run shout' ':event push branch=dev' ':run deploy' ':stages')
assert_contains "$out" "shouting hi" "sh runs in the session"
assert_contains "$out" "[dry-run] sh: echo shouting 'hi'" ":dry on prints commands instead"
assert_contains "$out" "event: push to dev" ":event sets a new event"
assert_contains "$out" "-- deploy skipped: when is false" "the new event decides when"

# :reload re-reads the file and keeps finished stages' outputs
cp "$src" "$tmp/pipeline.rp"
out=$( { printf '%s\n' ':run build' ':outputs build'
         sleep 0.2
         sed 's/output result = s \* 10/output result = s * 1000/' "$src" > "$tmp/pipeline.rp"
         printf '%s\n' ':reload' ':stages' ':outputs build' ':run test' ':outputs test'; } |
       "$RP" repl "$tmp/pipeline.rp" --event push --branch main 2>&1)
assert_contains "$out" "reloaded" ":reload re-reads the file"
assert_contains "$out" "build                done" "finished stages stay done"
assert_contains "$out" "rp> :outputs build
{size: 7}" "and keep their outputs"
assert_not_contains "$out" "rp> :run test
== build" "a finished need is not run again"
assert_contains "$out" "{result: 7000}" "the edited stage runs with the kept outputs"

assert_eq "$(cat "$tmp/bad" 2>/dev/null)" "" "every session exits 0"

# a reload that fails keeps the session; the next good one recovers
cp "$src" "$tmp/pipeline.rp"
out=$( { printf '%s\n' '1 + 1'
         sleep 0.2
         echo 'stage broken {' > "$tmp/pipeline.rp"
         printf '%s\n' ':reload' '2 + 2' ':stages'
         sleep 0.2
         cp "$src" "$tmp/pipeline.rp"
         printf '%s\n' ':reload' '3 + 3' 'event.branch'; } |
       "$RP" repl "$tmp/pipeline.rp" --event push --branch main 2>&1); rc=$?
assert_eq "$rc" 0 "a failed reload does not end the session (nor leaks)"
assert_contains "$out" "error: the file does not load" "the failed reload is reported"
assert_contains "$out" "rp> 2 + 2
error: no pipeline loaded" "nothing is evaluated without a pipeline"
assert_contains "$out" "rp> 3 + 3
6" "a later reload recovers"
assert_contains "$out" "rp> event.branch
\"main\"" "and keeps the session's event"

# a matrix stage runs once per value; :stages shows each instance
out=$(printf '%s\n' ':run build' ':stages' | "$RP" repl "$top_srcdir/tests/repl/matrix.rp" 2>&1)
assert_contains "$out" "== build[linux]
ok build[linux]
== build[mac]" "one run per matrix value"
assert_contains "$out" "  build[mac]         done" ":stages lists the instances"

# :quit ends the session; so does the end of input
out=$(repl ':quit' '1 + 1')
assert_not_contains "$out" "rp> 1 + 1" "nothing runs after :quit"
out=$(repl ':break build' ':run test' ':quit' '1 + 1')
assert_not_contains "$out" "== test" ":quit inside a stage abandons the run"
assert_eq "$(printf '%s\n' "$out" | tail -n 1)" "rp[build:9]> :quit" ":quit inside a stage ends the session"
assert_not_contains "$out" "rp> 1 + 1" "nothing runs after :quit"
# a stop inside try() is not a failure try() recovers from: :quit ends it all
printf 'stage guarded {\n  let r = try(fn() {\n    print("inside")\n  })\n  print("recovered: ${r.ok}")\n}\n' >"$tmp/pipeline.rp"
out=$(repl ':break guarded:3' ':run guarded' ':quit')
assert_contains "$out" "rp[guarded:3]> :quit" "stops inside the function given to try()"
assert_not_contains "$out" "recovered" "try() does not swallow the stop"
"$RP" repl "$tmp/nosuch.rp" </dev/null >/dev/null 2>&1; assert_eq $? 2 "a missing file is a usage error"
finish
