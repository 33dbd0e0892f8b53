#!/bin/sh
# tutorial.sh — doc/tutorial.md is true: every ```rp block passes rp check
# and rp fmt --check, and the commands it shows give the output it shows
# (run ids aside) when run in the order it gives them.
set -u
. "$top_srcdir/tests/lib/assert.sh"
command -v git >/dev/null || { echo "FAIL: git is not installed"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
doc="$top_srcdir/doc/tutorial.md"
awk -v dir="$tmp" '/^```rp$/ { n++; f = sprintf("%s/step%d.rp", dir, n); next }
                   /^```/ { f = ""; next }
                   f { print > f }' "$doc"
assert_eq "$(ls "$tmp"/step*.rp | wc -l | tr -d ' ')" 4 "the tutorial has four pipelines"
for f in "$tmp"/step*.rp; do
  out=$("$RP" check "$f" 2>&1); assert_eq "$?" 0 "rp check $(basename "$f"): $out"
  "$RP" fmt --check "$f" >/dev/null 2>&1; assert_eq "$?" 0 "rp fmt --check $(basename "$f")"
done
# shown output: the lines between ``` fences that follow a ```sh block
shown() { grep -F -- "$1" "$doc" >/dev/null || _fail "the tutorial no longer shows: $1"; }

unset RP_STATE_DIR # .rp/ in the repository, as a reader has it
export GIT_AUTHOR_NAME=ann GIT_AUTHOR_EMAIL=ann@example.com \
  GIT_COMMITTER_NAME=ann GIT_COMMITTER_EMAIL=ann@example.com RP_ACTOR=carol
mkdir "$tmp/shop" && cd "$tmp/shop" && git init -q -b main
printf 'lint:\n\t@echo "lint: ok"\ntest:\n\t@echo "test: 12 passed"\n' > Makefile
printf '#!/bin/sh\necho "deployed $2 to $1"\n' > deploy.sh && chmod +x deploy.sh

# 1: a first pipeline
cp "$tmp/step1.rp" pipeline.rp
out=$("$RP" run --event push --branch main 2>&1); assert_eq "$?" 0 "step 1 runs"
for line in "[lint] lint: ok" "[test] test: 12 passed" "--- test: ok"; do
  assert_contains "$out" "$line" "step 1 output"; shown "$line"
done
sed 's/needs lint/needs lnit/' "$tmp/step1.rp" > pipeline.rp
out=$("$RP" check 2>&1); assert_eq "$?" 2 "a misspelt need is a check error"
line="pipeline.rp:9:9: error: stage 'test' needs unknown stage 'lnit' (did you mean 'lint'?)"
assert_contains "$out" "$line" "the diagnostic"; shown "$line"

# 2: build once, deploy to staging; the plan
cp "$tmp/step2.rp" pipeline.rp
out=$("$RP" plan --event push --branch main 2>&1)
for line in '✓ on push "main" matched branch main' "3. build                    needed by deploy_staging" \
            '4. deploy_staging           on push "main" matched branch main; environment staging'; do
  assert_contains "$out" "$line" "step 2 plan"; shown "$line"
done

# 3: production after staging, with an approval
cp "$tmp/step3.rp" pipeline.rp
git add -A && git commit -qm "shop: pipeline"
assert_eq "$(git ls-files .rp)" "" "git add -A commits no journal (.rp/.gitignore)"
v="sha-$(git rev-parse --short HEAD)"
out=$("$RP" run --event push --branch main 2>&1); assert_eq "$?" 0 "push deploys staging"
assert_contains "$out" "[deploy_staging] deployed $v to staging" "staging deployed"
out=$(RP_ACTOR=alice "$RP" run --event manual --input version="$v" 2>&1); assert_eq "$?" 3 "prod waits for approval"
assert_contains "$out" "rp: waiting for approval to deploy $v to prod (reviewers: [\"alice\", \"bob\"])" "the gate"
shown 'rp: waiting for approval to deploy sha-84d53c4 to prod (reviewers: ["alice", "bob"])'
run=$(printf '%s\n' "$out" | sed -n 's/.*rp approve \([^ ]*\) prod --as NAME.*/\1/p' | head -1)
out=$("$RP" approve "$run" prod --as alice 2>&1); assert_eq "$?" 2 "the run's own actor cannot approve"
assert_contains "$out" "alice started this run and cannot decide its own gate" "says why"
"$RP" approve "$run" prod --as mallory >/dev/null 2>&1; assert_eq "$?" 2 "nor a non-reviewer"
"$RP" approve "$run" prod --as bob --comment "release 42" >/dev/null 2>&1; assert_eq "$?" 0 "bob approves"
out=$("$RP" resume "$run" 2>&1); assert_eq "$?" 0 "resume"
assert_contains "$out" "[deploy_prod] deployed $v to prod" "prod deployed"
out=$("$RP" run --event manual --input version=sha-0000000 2>&1); assert_eq "$?" 1 "an unknown version is refused"
line="version sha-0000000 cannot go to prod: it has not been deployed to staging successfully"
assert_contains "$out" "$line" "after staging"; shown "$line"
assert_contains "$("$RP" history prod 2>&1)" "$v" "history"
# a second release, then rp rollback prod: the first version, through the gate
echo "v2" > VERSION && git add -A && git commit -qm v2 && v2="sha-$(git rev-parse --short HEAD)"
"$RP" run --event push --branch main >/dev/null 2>&1
out=$("$RP" run --event manual --input version="$v2" 2>&1)
run=$(printf '%s\n' "$out" | sed -n 's/.*rp approve \([^ ]*\) prod --as NAME.*/\1/p' | head -1)
"$RP" approve "$run" prod --as bob >/dev/null 2>&1 && "$RP" resume "$run" >/dev/null 2>&1
out=$("$RP" rollback prod 2>&1); assert_eq "$?" 3 "rollback waits at the same gate"
assert_contains "$out" "waiting for approval to deploy $v to prod" "back to the first version"

# 4: try
cp "$tmp/step4.rp" pipeline.rp
out=$("$RP" run --event push --branch main 2>&1); assert_eq "$?" 0 "try keeps the stage going"
assert_contains "$out" "[smoke] not up yet: http.get" "the failure as a value"
finish
