#!/bin/sh
# cli.sh — the command line every command shares (src/cmd/options.c):
# help, option forms, `--`, usage errors, and FILE or -f FILE.
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
export RP_STATE_DIR="$tmp/state"
unset GITHUB_ACTIONS GITLAB_CI
cat > p.rp <<'EOF'
on push "main" -> build
stage build {
  sh "echo building"
}
EOF
cp p.rp ./-dash.rp

# --help, -h and rp help CMD: the command's usage on stdout, exit 0
cmds=$("$RP" --help | sed -n 's/^  rp \([a-z]*\).*/\1/p')
n=0
for c in $cmds; do
  n=$((n + 1))
  for form in "$c --help" "$c -h" "help $c" "$c x y --help"; do
    out=$($RP $form 2>"$tmp/err"); rc=$?
    assert_eq "$rc" 0 "rp $form exits 0"
    assert_contains "$out" "usage: rp $c" "rp $form prints the usage"
    assert_contains "$out" "-h, --help" "rp $form lists the options"
    assert_eq "$(cat "$tmp/err")" "" "rp $form writes nothing on stderr"
  done
  assert_eq "$("$RP" help "$c")" "$("$RP" "$c" --help)" "rp help $c is rp $c --help"
done
[ "$n" -ge 15 ] || _fail "rp --help lists $n commands"

# usage errors: exit 2, the message, then the command's usage (stderr)
while IFS='|' read -r args want; do
  [ -n "$args" ] || continue
  out=$(eval "\"\$RP\" $args" 2>&1 >/dev/null); rc=$?
  assert_eq "$rc" 2 "rp $args exits 2"
  assert_contains "$out" "$want" "rp $args"
  assert_contains "$out" "usage: rp ${args%% *}" "rp $args shows the usage"
done <<'EOF'
run -f|rp run: option '-f' needs a value
plan -f p.rp --branch|rp plan: option '--branch' needs a value
runs --json --file|option '--file' needs a value
plan -f p.rp --brnach main|unknown option '--brnach' (did you mean '--branch'?)
runs --jsno|unknown option '--jsno' (did you mean '--json'?)
graph --fromat dot p.rp|unknown option '--fromat' (did you mean '--format'?)
check --bogus|unknown option '--bogus'
plan -x|unknown option '-x'
runs --json=yes|option '--json' takes no value
fmt -wx|unknown option '-wx'
status|rp status: missing RUN
approve r1|rp approve: missing ENV
status r1 r2|unexpected argument 'r2'
check a.rp b.rp|unexpected argument 'b.rp'
check -f p.rp other.rp|two pipeline files: -f p.rp and other.rp
EOF
out=$("$RP" help nosuch 2>&1); assert_eq "$?" 2 "rp help of an unknown command"
assert_contains "$out" "unknown command 'nosuch'" "says so"

# --flag value, --flag=value, -fFILE; options before, between and after arguments
for form in "--event push --branch main -f p.rp" "--event=push --branch=main --file=p.rp" \
            "-fp.rp --event push --branch=main" "build -f p.rp --event push --branch main"; do
  out=$("$RP" plan $form 2>&1); rc=$?
  assert_eq "$rc" 0 "rp plan $form"
  assert_contains "$out" "push to main" "rp plan $form: the event"
  assert_contains "$out" "build" "rp plan $form: the stage"
done
out=$("$RP" plan --only build -f p.rp --label a --label=b --pr 3 2>&1)
assert_contains "$out" "pull_request #3" "repeated and mixed event flags"

# -- ends the options: what follows is an argument, even with a dash
out=$("$RP" fmt -- -dash.rp 2>&1); rc=$?
assert_eq "$rc" 0 "rp fmt -- -dash.rp: $out"
assert_contains "$out" "stage build" "the file after -- is formatted"
"$RP" check -- --json >/dev/null 2>&1; assert_eq "$?" 2 "after --, --json is a file name (and missing)"
out=$("$RP" check -- --json 2>&1); assert_contains "$out" "cannot read --json" "names the file"

# FILE or -f FILE, on every command that reads one pipeline
for c in check fmt graph parse environments; do
  "$RP" "$c" -f p.rp >/dev/null 2>&1; assert_eq "$?" 0 "rp $c -f FILE"
  "$RP" "$c" p.rp >/dev/null 2>&1; assert_eq "$?" 0 "rp $c FILE"
  out=$("$RP" "$c" -f nosuch.rp 2>&1); assert_eq "$?" 2 "rp $c -f a missing file"
  assert_contains "$out" "cannot read nosuch.rp" "rp $c names the missing file"
done
assert_eq "$("$RP" fmt -f p.rp)" "$("$RP" fmt p.rp)" "fmt: -f FILE and FILE print the same"
out=$(printf ':quit\n' | "$RP" repl -f p.rp --event push 2>&1); assert_eq "$?" 0 "rp repl -f FILE"
assert_contains "$out" "p.rp" "the session is over -f's file"

# rp plan FILE.rp: a stage name has no dot, so it is the pipeline
out=$("$RP" plan p.rp --event push --branch main 2>&1); rc=$?
assert_eq "$rc" 0 "rp plan FILE.rp: $out"
assert_contains "$out" "build" "rp plan FILE.rp plans that file"
out=$("$RP" run p.rp 2>&1); rc=$?
assert_eq "$rc" 2 "rp run FILE.rp is a usage error"
assert_contains "$out" "'p.rp' is not a stage name: name the pipeline file with -f p.rp" "rp run says how"
out=$("$RP" plan -f p.rp other.rp 2>&1); assert_eq "$?" 2 "rp plan -f FILE other.rp"
assert_contains "$out" "two pipeline files: p.rp and other.rp" "rp plan says which"

# -j N and -jN
out=$("$RP" run -j0 -f p.rp 2>&1); assert_eq "$?" 2 "-j0"
assert_contains "$out" "-j needs a positive number, not '0'" "says why"
out=$("$RP" run -j 2 build -f p.rp 2>&1); assert_eq "$?" 0 "-j 2: $out"
out=$("$RP" run -j2 build -f p.rp 2>&1); assert_eq "$?" 0 "-j2: $out"

# did-you-mean for commands and stage names, from the checker's suggester
out=$("$RP" rnu 2>&1); assert_eq "$?" 2 "rp rnu"
assert_contains "$out" "unknown command 'rnu' (did you mean 'run'?)" "rp rnu suggests run"
out=$("$RP" frobnicate 2>&1); assert_contains "$out" "unknown command 'frobnicate' (see rp --help)" "no close command"
out=$("$RP" run -f p.rp biuld 2>&1); assert_eq "$?" 2 "rp run biuld"
assert_contains "$out" "no stage named 'biuld' in p.rp (did you mean 'build'?)" "rp run biuld suggests build"
out=$("$RP" plan -f p.rp biuld 2>&1); assert_contains "$out" "(did you mean 'build'?)" "rp plan biuld too"

unset RP_STATE_DIR # .rp/ beside the pipeline from here on
# without -f, pipeline.rp is found upward to the repository root, and rp
# works from its directory (the stages' commands run there; FILE options
# keep meaning what they meant where they were typed)
mkdir -p repo/sub/deeper && git -C repo init -q
cat > repo/pipeline.rp <<'EOF2'
stage where { sh "pwd > where.txt" }
EOF2
(cd repo/sub/deeper && "$RP" check) >/dev/null 2>&1; assert_eq "$?" 0 "rp check in a subdirectory finds ../../pipeline.rp"
out=$(cd repo/sub/deeper && "$RP" run where --junit j.xml 2>&1); assert_eq "$?" 0 "rp run from a subdirectory: $out"
assert_eq "$(cat repo/where.txt)" "$(cd repo && pwd -P)" "the stage ran in the pipeline's directory"
[ -f repo/sub/deeper/j.xml ] || _fail "--junit j.xml is written where it was typed"
out=$(cd repo/sub && "$RP" plan where 2>&1); assert_contains "$out" "where" "rp plan finds it too"
mkdir -p outer/inner && cp p.rp outer/pipeline.rp && git -C outer/inner init -q
out=$(cd outer/inner && "$RP" check 2>&1); assert_eq "$?" 2 "the search stops at a repository's root"
assert_contains "$out" "cannot read pipeline.rp" "and says what it could not read"
out=$(cd repo/sub && "$RP" check ../pipeline.rp 2>&1); assert_eq "$?" 0 "a FILE named is used as named: $out"

# rp creates .rp/.gitignore with the state directory, so git add -A leaves journals out
assert_eq "$(cat repo/.rp/.gitignore)" "*" "the state directory ignores itself"
git -C repo add -A && assert_eq "$(git -C repo ls-files .rp)" "" "git add -A adds no journal"

# rp init: a commented starter that checks, is formatted, and plans
mkdir -p start/my-app && cd start/my-app && git init -q
out=$("$RP" init 2>&1); assert_eq "$?" 0 "rp init: $out"
assert_contains "$(cat pipeline.rp)" 'pipeline "my-app"' "named after its directory"
assert_contains "$(cat pipeline.rp)" "# " "commented"
assert_eq "$(cat .rp/.gitignore)" "*" "rp init writes .rp/.gitignore"
"$RP" check >/dev/null 2>&1; assert_eq "$?" 0 "the starter passes rp check"
"$RP" fmt --check >/dev/null; assert_eq "$?" 0 "the starter is formatted"
out=$("$RP" plan --event push --branch main 2>&1); assert_contains "$out" "deploy_staging" "a push to main deploys staging"
out=$("$RP" init 2>&1); assert_eq "$?" 2 "rp init twice"
assert_contains "$out" "pipeline.rp exists already" "keeps the file"
cd "$tmp" || exit 1

finish
