#!/bin/sh
# cache.sh — `cache KEY` and git.tree_sha on a real repository: a second
# run restores a cached stage's outputs (a downstream stage reads them) and
# rp plan says so; a commit under the key's path runs it again, as does
# --no-cache; a dirty tree (null key), a stage that reads a secret and a
# deploy are never cached; matrix instances are cached each; a second
# "machine" (its own HOME, clone and cache) sees the cache. Either state
# backend (tests/git-state-cache.sh: the git one).
set -u
. "$top_srcdir/tests/lib/assert.sh"
. "$top_srcdir/tests/lib/state-lib.sh"
command -v git >/dev/null || { echo "FAIL: the git CLI builds the fixtures and is not installed"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
state_setup "$tmp"
unset CI
export HOME="$tmp/home" GIT_CONFIG_NOSYSTEM=1 COUNT="$tmp/count" TOKEN=cache-test-token-1234
mkdir -p "$HOME" "$COUNT"
git config --global user.name "Rita Releaser"
git config --global user.email rita@example.com
git config --global init.defaultBranch main
app="$tmp/app"
git init -q "$app"
mkdir -p "$app/src"
echo 'int main(void) { return 0; }' > "$app/src/main.c"
echo 'build/' > "$app/.gitignore"
cat > "$app/pipeline.rp" <<'RP'
environment staging {}
stage build {
  cache git.tree_sha("src") + "-cc1"
  sh "echo built >> ${env.COUNT}/build"
  output image = "app:${git.short_sha()}"
}
stage test {
  needs build
  sh "echo ${build.image} >> ${env.COUNT}/test"
}
stage lint {
  cache git.tree_sha("src")
  sh "echo linted >> ${env.COUNT}/lint"
}
stage signed {
  cache "s1"
  let t = secret("TOKEN")
  sh "echo signed >> ${env.COUNT}/signed"
}
stage deploy {
  needs build
  environment staging
  version build.image
  cache "d1"
  sh "echo deployed >> ${env.COUNT}/deploy"
}
stage multi {
  matrix arch in ["amd64", "arm64"]
  cache git.tree_sha("src") + arch
  sh "echo ${arch} >> ${env.COUNT}/multi"
}
RP
git -C "$app" add -A && git -C "$app" commit -qm one
rp() { (cd "$app" && "$RP" "$@"); }
count() { wc -l < "$COUNT/$1" | tr -d ' '; }
run_id() { sed -n 's/^run \([0-9a-f-]*\)$/\1/p' | head -1; }

# ---- git.tree_sha ----
cat > "$tmp/sha.rp" <<'RP'
stage s {
  print("src=${git.tree_sha("src") ?? "null"}")
  print("file=${git.tree_sha("src/main.c") ?? "null"}")
  print("root=${git.tree_sha(".") ?? "null"}")
}
RP
sha_run() { (cd "$app" && "$RP" run s -f sha.rp --state "$tmp/sha-state" 2>&1) | sed -n 's/^\[s\] //p' | tr '\n' ' '; }
src=$(git -C "$app" rev-parse HEAD:src)
blob=$(git -C "$app" rev-parse HEAD:src/main.c)
root=$(git -C "$app" rev-parse 'HEAD^{tree}')
cat > "$app/.git/info/exclude" <<'EOF2'
sha.rp
EOF2
cp "$tmp/sha.rp" "$app/sha.rp"
assert_eq "$(sha_run)" "src=$src file=$blob root=$root " "a clean tree: the ids of git rev-parse HEAD:PATH"
mkdir -p "$app/src/build" && echo o > "$app/src/build/main.o"
assert_eq "$(sha_run)" "src=$src file=$blob root=$root " "ignored files do not count"
echo new > "$app/src/new.c"
assert_eq "$(sha_run)" "src=null file=$blob root=null " "an untracked file: null for the paths that hold it"
git -C "$app" add src/new.c
assert_eq "$(sha_run)" "src=null file=$blob root=null " "staged: null"
git -C "$app" rm -q --cached src/new.c && rm "$app/src/new.c"
echo '/* edit */' >> "$app/src/main.c"
assert_eq "$(sha_run)" "src=null file=null root=null " "unstaged: null"
git -C "$app" checkout -q -- src/main.c
echo readme > "$app/README"
assert_eq "$(sha_run)" "src=$src file=$blob root=null " "a change elsewhere leaves src's id"
rm "$app/README"
printf 'stage s { print(git.tree_sha("../x")) }\n' > "$app/sha.rp"
out=$(cd "$app" && "$RP" run s -f sha.rp --state "$tmp/sha-state" 2>&1)
assert_contains "$out" "git.tree_sha: .: '../x' is outside the repository" "a path out of the repository"
rm -rf "$app/sha.rp" "$app/src/build"

# ---- cached: the second run restores build's outputs ----
out=$(rp run test 2>&1); rc=$?
assert_eq "$rc" 0 "first run"
first=$(printf '%s\n' "$out" | run_id)
image="app:$(git -C "$app" rev-parse --short=7 HEAD)"
assert_eq "$(count build)" 1 "build ran"
echo readme > "$app/README" && git -C "$app" add README && git -C "$app" commit -qm "docs"
out=$(rp plan test 2>&1)
assert_contains "$out" "build                    needed by test; cached (key $src-cc1, run $first)" "rp plan says it is cached"
out=$(rp run test 2>&1); rc=$?
assert_eq "$rc" 0 "second run"
assert_contains "$out" "[build] rp: cached (key $src-cc1, run $first)" "rp run says where it came from"
assert_eq "$(count build)" 1 "build did not run again"
assert_eq "$(tail -1 "$COUNT/test")" "$image" "test read the restored output (the first run's image, not this commit's)"
second=$(printf '%s\n' "$out" | run_id)
out=$(rp status "$second" --json 2>&1)
assert_contains "$out" '"build":{"status":"ok"' "the journal records the cached stage as succeeded"

# ---- key changed: a commit under src ----
echo '/* v2 */' >> "$app/src/main.c" && git -C "$app" commit -qam "src: v2"
src2=$(git -C "$app" rev-parse HEAD:src)
out=$(rp plan test 2>&1)
assert_contains "$out" "runs: no earlier run has its key (key $src2-cc1)" "rp plan: the new key has no run"
rp run test > /dev/null 2>&1
assert_eq "$(count build)" 2 "a commit under src runs build again"
rp run test > /dev/null 2>&1
assert_eq "$(count build)" 2 "and that run is cached in turn"

# ---- --no-cache ----
out=$(rp run test --no-cache 2>&1)
assert_eq "$(count build)" 3 "--no-cache runs it"
assert_not_contains "$out" "rp: cached" "--no-cache: nothing cached"

# ---- a dirty tree: null key, never cached ----
echo wip > "$app/src/wip.c"
rp run lint > /dev/null 2>&1
out=$(rp plan lint test 2>&1)
assert_contains "$out" "not cached: its cache key is null" "rp plan: a null key"
assert_contains "$out" "not cached: its cache key cannot be evaluated" "rp plan: a key that fails on the null"
out=$(rp run lint test 2>&1); rc=$?
assert_eq "$rc" 0 "a dirty tree runs"
assert_contains "$out" "[lint] rp: not cached: its cache key is null" "lint says why"
assert_contains "$out" "[build] rp: not cached: its cache key cannot be evaluated: cannot apply '+' to null and string" "build says why"
assert_eq "$(count lint)" 2 "lint ran both times"
assert_eq "$(count build)" 4 "build ran"
rm "$app/src/wip.c"
rp run lint > /dev/null 2>&1
rp run lint > /dev/null 2>&1
assert_eq "$(count lint)" 3 "clean again: lint ran once, then it was cached"
assert_eq "$(state_cat cache lint | grep -c '"unit":"lint"')" 1 "one record: the dirty runs wrote none"

# ---- a stage that reads a secret ----
out=$(rp run signed 2>&1)
out=$(rp run signed 2>&1)
assert_eq "$(count signed)" 2 "a secret-reading stage ran both times"
assert_contains "$out" "[signed] rp: not cached: it read a secret" "and says why"
assert_eq "$(state_cat cache signed)" "" "nothing recorded for it"

# ---- a deploy always runs ----
rp run deploy > /dev/null 2>&1
rp run deploy > /dev/null 2>&1
assert_eq "$(count deploy)" 2 "a deploy ran both times"
assert_eq "$(state_cat cache deploy)" "" "nothing recorded for it"
out=$(rp check 2>&1)
assert_contains "$out" "stage 'deploy' deploys to an environment: it always runs, and its cache is ignored" "rp check warns"

# ---- matrix instances, each ----
rp run multi > /dev/null 2>&1
out=$(rp run multi 2>&1)
assert_eq "$(count multi)" 2 "each instance ran once"
assert_contains "$out" "[multi[amd64]] rp: cached (key ${src2}amd64" "amd64 cached"
assert_contains "$out" "[multi[arm64]] rp: cached (key ${src2}arm64" "arm64 cached"

# ---- another machine: its own HOME, clone and cache of the state ----
git clone -q "$app" "$tmp/b/app"
mkdir -p "$tmp/b/home"
out=$(cd "$tmp/b/app" && HOME="$tmp/b/home" XDG_CACHE_HOME="$tmp/b/cache" "$RP" run test 2>&1); rc=$?
assert_eq "$rc" 0 "machine B runs"
assert_contains "$out" "[build] rp: cached (key $src2-cc1, run " "machine B reuses A's build"
assert_eq "$(count build)" 4 "build did not run on B"
finish
