#!/bin/sh
# prim-git.sh — git.* from a pipeline, on real repositories: history with
# Conventional Commits and tags, then a bare gitops remote: clone, commit,
# push, a push that lost a race reported as "remote moved:", and pushes
# forced only with force: true; then over smart HTTP (tests/lib/git-http.py)
# without a token, with the password git's credential helper gives.
set -u
. "$top_srcdir/tests/lib/assert.sh"
command -v git >/dev/null || { echo "FAIL: the git CLI builds the fixtures and is not installed"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export RP_STATE_DIR="$tmp/state" HOME="$tmp" GIT_CONFIG_NOSYSTEM=1
git config --global user.name "Rita Releaser"
git config --global user.email rita@example.com
git config --global init.defaultBranch main
app="$tmp/app"
git init -q "$app"
c() { echo "$1" >> "$app/f"; git -C "$app" add f; git -C "$app" commit -qm "$1"; }
c "chore: initial"
git -C "$app" tag v1.0.0
c "feat(api): add the tags endpoint"
c "fix: nil pointer in the reconciler"
c "feat!: drop the v1 API"
cat > "$app/pipeline.rp" <<'RP'
on local -> inspect
stage inspect {
  print("branch ${git.branch()}")
  print("sha ${git.sha().len()} ${git.sha().starts_with(git.short_sha())} ${git.short_sha(n: 10).len()}")
  print("latest ${git.latest_tag(match: "v*")}")
  print("describe ${git.describe()}")
  for c in git.log(since: "v1.0.0") {
    print("${c.type ?? "-"} ${c.scope ?? "-"} ${c.breaking} ${c.subject}")
  }
}
stage promote {
  let dir = "${env.WORK}/gitops"
  git.clone(env.REMOTE, dir)
  fs.write("${dir}/values.yaml", "image:\n  tag: ${env.V}\n")
  let sha = git.commit(dir, "promote staging to ${env.V}")
  print("committed ${sha.len()}")
  git.push(dir)
}
RP
out=$("$RP" run --event local -f "$app/pipeline.rp" 2>&1); rc=$?
assert_eq "$rc" 0 "git reads"
assert_contains "$out" "[inspect] branch main" "git.branch"
assert_contains "$out" "[inspect] sha 40 true 10" "git.sha and git.short_sha(n:)"
assert_contains "$out" "[inspect] latest v1.0.0" "git.latest_tag"
assert_contains "$out" "[inspect] describe v1.0.0-3-g" "git.describe"
assert_contains "$out" "[inspect] feat - true drop the v1 API" "breaking change parsed"
assert_contains "$out" "[inspect] fix - false nil pointer in the reconciler" "fix parsed"
assert_contains "$out" "[inspect] feat api false add the tags endpoint" "scope parsed"
assert_not_contains "$out" "initial" "log since the tag only"

# a bare gitops remote
git init -q --bare "$tmp/gitops.git"
git clone -q "$tmp/gitops.git" "$tmp/seed" 2>/dev/null
echo "image: {tag: none}" > "$tmp/seed/values.yaml"
git -C "$tmp/seed" add values.yaml && git -C "$tmp/seed" commit -qm init && git -C "$tmp/seed" push -q origin main
mkdir -p "$tmp/w1"
out=$(WORK="$tmp/w1" REMOTE="$tmp/gitops.git" V=1.2.3 "$RP" run promote -f "$app/pipeline.rp" 2>&1); rc=$?
assert_eq "$rc" 0 "clone, commit, push"
assert_contains "$out" "[promote] committed 40" "git.commit returns the sha"
assert_eq "$(git -C "$tmp/gitops.git" log -1 --format=%s main)" "promote staging to 1.2.3" "the remote has the commit"
assert_eq "$(git -C "$tmp/gitops.git" show main:values.yaml)" "image:
  tag: 1.2.3" "and the file"
# a file:// URL is cloned like a path; the clone still pushes to that URL
mkdir -p "$tmp/w1f"
out=$(WORK="$tmp/w1f" REMOTE="file://$tmp/gitops.git" V=1.2.4 "$RP" run promote -f "$app/pipeline.rp" 2>&1); rc=$?
assert_eq "$rc" 0 "clone, commit, push over file://"
assert_eq "$(git -C "$tmp/gitops.git" show main:values.yaml)" "image:
  tag: 1.2.4" "the remote has the file:// commit"
assert_eq "$(git -C "$tmp/w1f/gitops" remote get-url origin)" "file://$tmp/gitops.git" "origin keeps the URL"
assert_eq "$(git -C "$tmp/w1f/gitops" rev-list --count HEAD)" 3 "with the history"
# url.<base>.insteadOf rewrites the URL of the clone and of the push, as
# for git; the clone's origin keeps the URL as given
git config --global url."$tmp/".insteadOf "http://gitops.invalid/"
mkdir -p "$tmp/w1i"
out=$(WORK="$tmp/w1i" REMOTE="http://gitops.invalid/gitops.git" V=1.2.5 "$RP" run promote -f "$app/pipeline.rp" 2>&1); rc=$?
assert_eq "$rc" 0 "clone and push through url.insteadOf: $out"
assert_eq "$(git -C "$tmp/gitops.git" show main:values.yaml)" "image:
  tag: 1.2.5" "the remote has the commit"
assert_eq "$(git -C "$tmp/w1i/gitops" config remote.origin.url)" "http://gitops.invalid/gitops.git" "origin is the URL as given"
git config --global --unset url."$tmp/".insteadOf
# the remote moves between our clone and our push
mkdir -p "$tmp/w2"
cat > "$tmp/race.rp" <<'RP'
stage race {
  let dir = "${env.WORK}/gitops"
  git.clone(env.REMOTE, dir)
  sh "git clone -q ${env.REMOTE} ${env.WORK}/other && cd ${env.WORK}/other && echo x > other && git add other && git commit -qm other && git push -q origin main"
  fs.write("${dir}/values.yaml", "image:\n  tag: 2.0.0\n")
  git.commit(dir, "promote 2.0.0")
  git.push(dir)
}
RP
out=$(WORK="$tmp/w2" REMOTE="$tmp/gitops.git" "$RP" run race -f "$tmp/race.rp" 2>&1); rc=$?
assert_eq "$rc" 1 "the push loses the race"
assert_contains "$out" "git.push: remote moved: " "reported as the remote having moved"
# a remote that does not exist
out=$(WORK="$tmp/w3" REMOTE="$tmp/nope.git" V=1 "$RP" run promote -f "$app/pipeline.rp" 2>&1); rc=$?
assert_eq "$rc" 1 "clone of a missing remote fails"
assert_contains "$out" "git.clone: " "named"
assert_contains "$out" "nope.git" "the path is in the message"
# --dry-run changes nothing
out=$(WORK="$tmp/w4" REMOTE="$tmp/gitops.git" V=9 "$RP" run promote --dry-run -f "$app/pipeline.rp" 2>&1)
assert_contains "$out" "[dry-run] git clone $tmp/gitops.git $tmp/w4/gitops" "dry-run clone"
assert_contains "$out" "[dry-run] git push from $tmp/w4/gitops to origin" "dry-run push"
assert_eq "$(git -C "$tmp/gitops.git" log -1 --format=%s main)" "other" "nothing was pushed"
# a token is masked everywhere, even in the error of a failed clone
cat > "$tmp/tok.rp" <<'RP'
stage tok {
  git.clone("http://deploy:${env.TOK}@127.0.0.1:1/cfg.git", "${env.WORK}/cfg", token: env.TOK)
}
RP
out=$(WORK="$tmp/w5" TOK=tok-s3cr3t-42 "$RP" run tok -f "$tmp/tok.rp" 2>&1); rc=$?
assert_eq "$rc" 1 "clone of an unreachable http remote fails"
assert_contains "$out" "git.clone: " "named"
assert_contains "$out" "127.0.0.1:1/cfg.git" "the URL is in the message"
assert_not_contains "$out" "tok-s3cr3t-42" "the token is never printed"
out=$(WORK="$tmp/w6" TOK=tok-s3cr3t-42 "$RP" run tok --dry-run -f "$tmp/tok.rp" 2>&1)
assert_contains "$out" "[dry-run] git clone " "dry-run clone with a token"
assert_not_contains "$out" "tok-s3cr3t-42" "nor in a dry run"
# the clone of the race is behind the remote: only force overwrites the
# remote's history; a refspec's '+' alone does not, nor does a refspec
# without a source delete the remote's branch, nor is a host that ssh would
# read as an option used
before=$(git -C "$tmp/gitops.git" rev-parse main)
cat > "$tmp/force.rp" <<'RP'
stage plus { git.push(env.DIR, ref: "+HEAD:refs/heads/main") }
stage delete { git.push(env.DIR, ref: ":refs/heads/main") }
stage option { git.push(env.DIR, remote: "ssh://-oProxyCommand=touch%20${env.DIR}.pwned/x.git") }
stage clone { git.clone("-oProxyCommand=touch%20${env.DIR}.pwned:x.git", "${env.DIR}.clone") }
RP
printf 'stage forced { git.push(env.DIR, ref: "+HEAD:refs/heads/main", force: true) }\n' > "$tmp/forced.rp"
for st in plus delete option clone; do
  out=$(DIR="$tmp/w2/gitops" "$RP" run $st -f "$tmp/force.rp" 2>&1); rc=$?
  assert_eq "$rc" 1 "$st: refused"
  assert_eq "$(git -C "$tmp/gitops.git" rev-parse main)" "$before" "$st: the remote's main is unchanged"
  echo "$out" >> "$tmp/refused.out"
done
refused=$(cat "$tmp/refused.out")
assert_contains "$refused" "git.push: $tmp/w2/gitops: '+HEAD:refs/heads/main' would force the push; pass force to overwrite the remote's history" "a + without force"
assert_contains "$refused" "git.push: $tmp/w2/gitops: ':refs/heads/main' has no source: it would delete the remote's ref" "no deleting"
assert_contains "$refused" "git.push: ssh://-oProxyCommand=touch%20$tmp/w2/gitops.pwned/x.git: a host starting with '-' is refused" "no ssh option"
assert_contains "$refused" "git.clone: -oProxyCommand=touch%20$tmp/w2/gitops.pwned:x.git: a host starting with '-' is refused" "nor for a clone"
assert_eq "$(ls "$tmp/w2" | grep -c 'pwned\|clone')" 0 "nothing ran"
out=$(DIR="$tmp/w2/gitops" "$RP" run forced -f "$tmp/forced.rp" 2>&1); rc=$?
assert_eq "$rc" 0 "force: true goes through"
assert_eq "$(git -C "$tmp/gitops.git" log -1 --format=%s main)" "promote 2.0.0" "and overwrites the remote's main"
out=$(DIR="$tmp/w2/gitops" "$RP" run forced --dry-run -f "$tmp/forced.rp" 2>&1)
assert_contains "$out" "[dry-run] git push from $tmp/w2/gitops to origin (forced)" "dry run says forced"
# ---- no token: git's credential helper, asked as git asks it ----
mkdir -p "$tmp/srv" "$tmp/argv"
git clone -q --bare "$tmp/gitops.git" "$tmp/srv/cfg.git"
python3 "$top_srcdir/tests/lib/git-http.py" "$tmp/port" "$tmp/srv" h3lper-t0ken &
srv=$!
trap 'kill $srv 2>/dev/null; rm -rf "$tmp"' EXIT
i=0; while [ ! -s "$tmp/port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
url="http://127.0.0.1:$(cat "$tmp/port")/cfg.git"
# every git rp runs notes its argv: the password must never be in one
printf '#!/bin/sh\necho "$*" >> %s/argv/log\nexec %s "$@"\n' "$tmp" "$(command -v git)" > "$tmp/argv/git"
chmod +x "$tmp/argv/git"
helped() { # WORKDIR VERSION: the promote stage, clone and push over $url without a token
  WORK="$tmp/$1" REMOTE="$url" V=$2 PATH="$tmp/argv:$PATH" "$RP" run promote -f "$app/pipeline.rp" 2>&1
}
git config --global credential.helper store
git config --global --add credential.helper "!f() { test \"\$1\" = get && printf 'username=x-access-token\npassword=h3lper-t0ken\n'; }; f"
out=$(helped w7 3.0.0); rc=$?
assert_eq "$rc" 0 "clone and push with the password a credential helper gives: $out"
assert_eq "$(git -C "$tmp/srv/cfg.git" show main:values.yaml)" "image:
  tag: 3.0.0" "the remote has the commit"
assert_contains "$(cat "$tmp/.git-credentials")" "h3lper-t0ken@127.0.0.1" "git credential approve stored it"
assert_contains "$(cat "$tmp/argv/log")" "credential fill" "asked through git credential"
assert_not_contains "$(cat "$tmp/argv/log")" "h3lper-t0ken" "never on an argv"
assert_not_contains "$out" "h3lper-t0ken" "never printed"
assert_eq "$(git -C "$tmp/w7/gitops" remote get-url origin)" "$url" "nor written into the clone's remote"
git config --global --unset-all credential.helper
git config --global credential.helper store
out=$(helped w8 3.0.1); rc=$?
assert_eq "$rc" 0 "the store alone gives it now"
echo "http://x-access-token:wr0ng-pa55@127.0.0.1:$(cat "$tmp/port")" > "$tmp/.git-credentials"
out=$(helped w9 3.0.2); rc=$?
assert_eq "$rc" 1 "a password the remote refuses: the clone fails"
assert_contains "$out" "failed: authentication failed: the credentials were refused" "as refused credentials"
assert_contains "$out" "$url" "naming the URL"
assert_not_contains "$out" "wr0ng-pa55" "not the password"
assert_eq "$(cat "$tmp/.git-credentials")" "" "and git credential reject erased it"
finish
