#!/bin/sh
# sh-direct.sh — a stage whose body is one `sh` of literal text (and its
# matrix variable) runs its command straight from the run's driver, with no
# process of its own: the same log, masking, errors, retries and timeouts
# as any stage, and it still dies with its driver, however that is killed.
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export RP_STATE_DIR="$tmp/state"
echo 'TOKEN=s3cr3t-t0k3n-value' > "$tmp/secrets"
f="$tmp/pipeline.rp"
cat > "$f.in" <<'RP'
stage ppid { sh "echo $PPID > TMP/ppid" }
stage forked { let x = 1  sh "echo $PPID > TMP/ppid" }
stage streams { sh "echo out; echo err >&2; echo s3cr3t-t0k3n-value; printf 'no newline'" }
stage long { sh "head -c 200000 /dev/zero | tr '\\0' x" }
stage status { sh "exit 3" }
stage shown { sh "echo s3cr3t-t0k3n-value; exit 4" }
stage signal { sh "kill -TERM $$" }
stage missing { sh "no-such-command-rp arg" }
stage closed { sh "exec >/dev/null 2>&1; sleep 0.2; exit 5" }
stage flaky { retry 2  sh "echo x >> TMP/tries; [ $(wc -l < TMP/tries) -ge 2 ]" }
stage slow { timeout 1s  sh "sleep 30" }
stage m { matrix word in ["a b", "it's"]  sh "echo [${word}]" }
stage refused { matrix word in ["x"]  sh "cat <<'EOF'\n${word}\nEOF" }
stage orphan { sh "touch TMP/started; sleep 1.5; touch TMP/late" }
RP
sed "s|TMP|$tmp|g" "$f.in" > "$f"

# one process: the command's parent is the driver itself
"$RP" run ppid -f "$f" > /dev/null 2>&1 & pid=$!
wait $pid
assert_eq "$(cat "$tmp/ppid")" "$pid" "the driver starts the command itself"
"$RP" run forked -f "$f" > /dev/null 2>&1 & pid=$!
wait $pid
[ "$(cat "$tmp/ppid")" != "$pid" ] || _fail "a stage with more than one statement has a process of its own"

out=$("$RP" run streams -f "$f" --secrets "$tmp/secrets" 2>&1); rc=$?
assert_eq "$rc" 0 "streams: exit"
assert_contains "$out" "[streams] out" "stdout in the log"
assert_contains "$out" "[streams] err" "stderr in the log"
assert_contains "$out" "[streams] ***" "a secret masked"
assert_not_contains "$out" "s3cr3t" "the secret never shows"
assert_contains "$out" "[streams] no newline" "the last line without a newline"
out=$("$RP" run streams -f "$f" --json 2>/dev/null)
assert_contains "$out" '"stream":"stderr","text":"err"' "--json: stderr is stderr"

out=$("$RP" run long -f "$f" 2>&1)
assert_eq "$(printf '%s\n' "$out" | grep -c '^\[long\] xxxx')" 4 "a line of 200000 bytes is shown in pieces of 64 KiB"

out=$("$RP" run status -f "$f" 2>&1); rc=$?
assert_eq "$rc" 1 "status: the run fails"
assert_contains "$out" "pipeline.rp:5:16: error: stage 'status': command failed with exit code 3: exit 3" "the exit status, where"
out=$("$RP" run shown -f "$f" --secrets "$tmp/secrets" 2>&1)
assert_contains "$out" "command failed with exit code 4: echo ***; exit 4" "the command shown masked"
assert_not_contains "$(printf '%s\n' "$out" | grep -v '^ ')" "s3cr3t" "no secret in the log or the error"
out=$("$RP" run signal -f "$f" 2>&1)
assert_contains "$out" "command failed with exit code 143" "killed by a signal: 128 + N"
out=$("$RP" run missing -f "$f" 2>&1)
assert_contains "$out" "[missing] no-such-command-rp: command not found" "a program that does not exist, said"
assert_contains "$out" "command failed with exit code 127: no-such-command-rp arg" "and status 127"
out=$("$RP" run closed -f "$f" 2>&1)
assert_contains "$out" "command failed with exit code 5" "a command that closes its output is waited for"
out=$("$RP" run flaky -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "retry: the second attempt succeeds"
assert_contains "$out" "rp: stage failed; retrying" "retry: said"
out=$("$RP" run slow -f "$f" 2>&1)
assert_contains "$out" "stage 'slow': timed out after 1s" "timeout"
out=$("$RP" run m -f "$f" 2>&1)
assert_contains "$out" "[m[a b]] [a b]" "a matrix value, whole"
assert_contains "$out" "[m[it's]] [it's]" "a matrix value with a quote, whole"
out=$("$RP" run refused -f "$f" 2>&1)
assert_contains "$out" "stage 'refused[x]': sh: \${...} in a quoted here-document" "a template refused fails the stage"

# the command dies with its driver: kill -9 of rp alone, then of its group
for how in alone group; do
  rm -f "$tmp/started" "$tmp/late"
  setsid "$RP" run orphan -f "$f" > /dev/null 2>&1 & pid=$!
  i=0; while [ ! -e "$tmp/started" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
  if [ $how = alone ]; then kill -9 $pid; else kill -9 -$pid; fi
  wait $pid 2>/dev/null
  sleep 1.8 # longer than the command: one that outlived its driver would finish now
  [ ! -e "$tmp/late" ] || _fail "kill -9 of the driver ($how): the command outlived it"
done
finish
