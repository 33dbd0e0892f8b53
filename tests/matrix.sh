#!/bin/sh
# matrix.sh — several `matrix` axes are their cross product, as GitHub
# expands strategy.matrix (first axis outermost), less `exclude`, with
# `include`; instances are named by their values; `matrix { }` settings
# are checked with carets; fail_fast cancels a running sibling (whose
# process would otherwise write a file) and skips those not started;
# max_parallel caps the instances that run at once.
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
export RP_STATE_DIR="$tmp/state"

# GitHub's documented include example, on two axes, and a map value
cat > pipeline.rp <<'RP'
pipeline "matrix"
stage fruit {
  matrix fruit in ["apple", "pear"]
  matrix animal in ["cat", "dog"]
  matrix {
    include = [
      {color: "green"},
      {color: "pink", animal: "cat"},
      {fruit: "apple", shape: "circle"},
      {fruit: "banana"},
      {fruit: "banana", animal: "cat"},
    ]
  }
  sh "echo ${fruit}/${animal}/${color}/${shape}"
}
stage test {
  matrix os in ["linux", "macos", "windows"]
  matrix py in ["3.11", "3.12"]
  matrix { exclude = [{os: "windows", py: "3.11"}, {os: "macos"}] }
  sh "echo test ${os} ${py}"
}
stage deploy {
  matrix target in [{region: "eu", zone: 2}, {region: "us", zone: 1}]
  sh "echo to ${target.region}"
}
RP
out=$("$RP" plan --only fruit --only test --only deploy 2>&1)
assert_contains "$out" "1. fruit[apple, cat, pink, circle]" "include extends a combination, and may change what an earlier include added"
assert_contains "$out" "2. fruit[apple, dog, green, circle]" "the first axis is the outermost"
assert_contains "$out" "3. fruit[pear, cat, pink]" "an include entry extends every combination it matches"
assert_contains "$out" "4. fruit[pear, dog, green]" "the fourth combination"
assert_contains "$out" "5. fruit[banana]" "an include entry that matches none is an instance of its own"
assert_contains "$out" "6. fruit[banana, cat]" "and an added instance is not extended by later entries"
assert_contains "$out" "7. test[linux, 3.11]" "exclude keeps what it does not match"
assert_contains "$out" "8. test[linux, 3.12]" "the product goes on"
assert_contains "$out" "9. test[windows, 3.12]" "exclude removes the combinations that match all its keys"
assert_not_contains "$out" "test[macos" "an exclude entry with one key removes every combination with it"
assert_contains "$out" "10. deploy[region=eu zone=2]" "a map value is named by its key=value pairs"

out=$("$RP" run --only fruit --json 2>&1); rc=$?
assert_eq "$rc" 0 "the matrix runs"
assert_contains "$out" '"stage":"fruit[pear, cat, pink]","stream":"stdout","text":"pear/cat/pink/null"' \
  "each instance's values are its variables; one it lacks is null"
assert_contains "$out" '"text":"banana/null/null/null"' "an added instance has only its own values"

out=$("$RP" run --only 'test[linux,3.12]' --only 'deploy[region=us zone=1]' --junit j.xml 2>&1); rc=$?
assert_eq "$rc" 0 "--only names one instance by its values (blanks after the commas optional)"
assert_contains "$out" "[test[linux, 3.12]] test linux 3.12" "that instance ran"
assert_not_contains "$out" "test linux 3.11" "and no other"
assert_contains "$out" "[deploy[region=us zone=1]] to us" "an instance with a map value runs by its name"
assert_contains "$(cat j.xml)" 'name="test[linux, 3.12]"' "junit uses the same name"
out=$("$RP" run --only 'test[macos, 3.12]' 2>&1); rc=$?
assert_eq "$rc" 2 "an excluded combination is no instance"
assert_contains "$out" "stage 'test' has no matrix value 'macos, 3.12': its values are 'linux, 3.11', 'linux, 3.12', 'windows, 3.12'" \
  "the error lists the instances"

# rp check: each mistake with its caret
cat > bad.rp <<'RP'
pipeline "bad"
stage test {
  matrix os in ["linux"]
  matrix os in ["macos"]
  matrix py in []
  matrix {
    exclude = [{oss: "linux"}]
    include = [{pyy: "3"}, {experimental: true}]
    max_parallel = 0
    fail_fast = "yes"
    speed = 2
  }
  sh "echo ${os} ${experimental}"
}
stage lone {
  matrix { max_parallel = 1 }
}
RP
out=$("$RP" check bad.rp 2>&1); rc=$?
assert_eq "$rc" 2 "rp check fails"
assert_contains "$out" "bad.rp:4:10: error: stage 'test' has two matrix axes named 'os'" "a duplicate axis"
assert_contains "$out" "bad.rp:5:16: error: matrix 'py' has no values: stage 'test' would have no instances" "an empty product"
assert_contains "$out" "bad.rp:7:17: error: stage 'test' has no matrix axis 'oss' (did you mean 'os'?)
      exclude = [{oss: \"linux\"}]
                  ^~~" "an unknown axis in exclude, with its caret"
assert_contains "$out" "bad.rp:8:17: error: stage 'test' has no matrix axis 'pyy' (did you mean 'py'?)" "a misspelt axis in include"
assert_not_contains "$out" "axis 'experimental'" "a new key in include is a variable of the instances"
assert_contains "$out" "bad.rp:9:20: error: max_parallel must be a number of instances, 1 or more" "max_parallel < 1"
assert_contains "$out" "bad.rp:10:17: error: fail_fast must be true or false" "fail_fast is a bool"
assert_contains "$out" "bad.rp:11:5: error: unknown matrix setting 'speed'" "an unknown setting"
assert_contains "$out" "bad.rp:16:3: error: matrix { } on stage 'lone' needs an axis" "settings without an axis"
assert_eq "$("$RP" fmt bad.rp | sed -n 6,7p)" "  matrix {
    exclude = [{oss: \"linux\"}]" "rp fmt keeps the settings block"

# fail_fast: bad fails while slow runs (slow would write done-slow after
# 3s); later, held back by max_parallel, never starts
cat > ff.rp <<'RP'
pipeline "ff"
stage test {
  matrix n in ["slow", "bad", "later"]
  matrix { fail_fast = true  max_parallel = 2 }
  if n == "bad" { sh "while [ ! -e started-slow ]; do sleep 0.05; done; exit 3" }
  sh "touch started-${n}; sleep 3; touch done-${n}"
}
RP
out=$("$RP" run -f ff.rp --only test -j 4 2>&1); rc=$?
assert_eq "$rc" 1 "the run fails"
assert_contains "$out" "rp: stage 'test[slow]': cancelled: test[bad] failed (fail_fast)" "the running sibling is cancelled"
assert_contains "$out" "--- test[later]: skipped" "the one not started is skipped"
[ -e started-slow ] || _fail "the sibling had started"
[ ! -e done-slow ] || _fail "the cancelled sibling's process was killed before it wrote its file"
[ ! -e started-later ] || _fail "the skipped instance never ran"

# max_parallel: each instance records its start and end (nanoseconds)
# and waits until two have started, so two always overlap; no start may
# find more than two running
cat > mp.rp <<'RP'
pipeline "mp"
stage work {
  matrix n in [1, 2, 3, 4, 5]
  matrix { max_parallel = 2 }
  sh """
    date +%s%N > start-${n}
    i=0; while [ "$(ls start-* | wc -l)" -lt 2 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
    sleep 0.2
    date +%s%N > end-${n}
    """
}
RP
"$RP" run -f mp.rp --only work -j 5 >out.txt 2>&1 || _fail "the capped matrix runs: $(cat out.txt)"
most=0
for s in start-*; do
  t=$(cat "$s") n=0
  for k in 1 2 3 4 5; do
    [ "$(cat start-$k)" -le "$t" ] && [ "$(cat end-$k)" -gt "$t" ] && n=$((n + 1))
  done
  [ $n -gt $most ] && most=$n
done
assert_eq "$(ls end-* | wc -l)" 5 "every instance ran"
assert_eq "$most" 2 "at most two instances ran at once"
finish
