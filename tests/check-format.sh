#!/bin/sh
# check-format.sh — rp check's output format and exit codes:
# `file:line:col: error: message`, the source line, a caret under the
# column; exit 2 on errors, 0 with warnings only; unreadable files; the
# default ./pipeline.rp; colour only on a terminal and never with NO_COLOR.
set -u
: "${RP:?RP must name the rp binary}"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT INT TERM
fail=0
no() { echo "FAIL: $*"; fail=1; }

cd "$dir" || exit 1
cat > pipeline.rp <<'RP'
stage build { sh "make" }
stage deploy {
  needs biuld
	let x = docker.pussh("a")
  sh "deploy ${x}"
}
RP
NO_COLOR=1 "$RP" check > out 2> err
status=$?
[ "$status" -eq 2 ] || no "exit status $status for errors, want 2"
[ -s out ] && no "diagnostics went to stdout"
cat > want <<'TXT'
pipeline.rp:3:9: error: stage 'deploy' needs unknown stage 'biuld' (did you mean 'build'?)
    needs biuld
          ^~~~~
pipeline.rp:4:17: error: unknown function 'docker.pussh' (did you mean 'docker.push'?)
  	let x = docker.pussh("a")
  	               ^~~~~
TXT
cmp -s want err || { no "output differs from the expected format:"; diff want err; }

# the same file named explicitly: the path is printed as given
NO_COLOR=1 "$RP" check ./pipeline.rp 2> err2
head -n 1 err2 | grep -q "^\./pipeline\.rp:3:9: error: " || no "explicit path not printed as given: $(head -n 1 err2)"

# warnings only: printed, exit 0
cat > warn.rp <<'RP'
stage build {
  let unused = 1
  sh "make"
}
RP
NO_COLOR=1 "$RP" check warn.rp 2> err
status=$?
[ "$status" -eq 0 ] || no "exit status $status with warnings only, want 0"
grep -qx "warn.rp:2:7: warning: unused variable 'unused'" err || no "warning not printed: $(cat err)"

# clean: silent, exit 0
printf 'stage build { sh "make" }\n' > clean.rp
"$RP" check clean.rp > out 2> err
status=$?
[ "$status" -eq 0 ] || no "exit status $status for a clean file"
[ -s out ] || [ -s err ] && no "output for a clean file: $(cat out err)"

# unreadable
"$RP" check missing.rp 2> err
status=$?
[ "$status" -eq 2 ] || no "exit status $status for a missing file, want 2"
grep -qx "rp: cannot read missing.rp: No such file or directory" err || no "missing file message: $(cat err)"

# colour: only on a terminal, never with NO_COLOR
if command -v script >/dev/null 2>&1; then
  env -u NO_COLOR script -qec "$RP check pipeline.rp" /dev/null > tty 2>&1
  grep -q "$(printf '\033')\[" tty || no "no colour on a terminal"
  NO_COLOR=1 script -qec "$RP check pipeline.rp" /dev/null > tty 2>&1
  grep -q "$(printf '\033')\[" tty && no "colour despite NO_COLOR"
fi
"$RP" check pipeline.rp 2> err
grep -q "$(printf '\033')" err && no "colour when stderr is not a terminal"
exit $fail
