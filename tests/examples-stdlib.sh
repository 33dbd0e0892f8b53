#!/bin/sh
# The standard modules end to end: std/gitops against a bare repository
# served over smart HTTP with a token (including a push race, run by the
# server's pre-receive hook, answered by re-clone and retry), std/release on a
# repository of Conventional Commits, std/helm and std/preview through the
# recording helm/kubectl stand-ins, std/images tag schemes and retention
# against a real docker-registry.
set -u
: "${RP:=./rp}" "${top_srcdir:=.}"
RP=$(cd "$(dirname "$RP")" && pwd)/$(basename "$RP")
top_srcdir=$(cd "$top_srcdir" && pwd)
. "$top_srcdir/tests/lib/assert.sh"
. "$top_srcdir/tests/lib/registry-lib.sh"
for tool in git python3; do
  command -v $tool >/dev/null || { echo "FAIL: $tool is not installed (scripts/install-deps.sh installs it)"; exit 1; }
done
reg_setup
T=$REG_TMP
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
export PATH="$top_srcdir/tests/lib/stubs:$PATH" RP_STUB_LOG="$T/stub.log"
: >"$RP_STUB_LOG"
g() { git -c user.name=t -c user.email=t@example.com "$@"; }

# --- a gitops-config repository: bare, served over HTTP to token holders,
# with staging and prod values files
mkdir "$T/srv"
g init -q --bare -b main "$T/srv/config.git"
reg_serve_python GITPORT git-http.py "$T/srv" tok-s3cr3t || exit 1
REMOTE="http://127.0.0.1:$GITPORT/config.git"
g clone -q "$T/srv/config.git" "$T/seed" 2>/dev/null
mkdir -p "$T/seed/environments"
printf '# staging values\nimage:\n  repository: sample-app\n  tag: old  # set by CI\nreplicas: 1\n' >"$T/seed/environments/staging.yaml"
printf 'image:\n  tag: old\n' >"$T/seed/environments/prod.yaml"
g -C "$T/seed" add -A && g -C "$T/seed" commit -qm init && g -C "$T/seed" push -q origin main

# the first push to main moves main under the pusher's feet (another
# promotion landing first), so the push fails as 'remote moved'
cat >"$T/srv/config.git/hooks/pre-receive" <<'HOOK'
#!/bin/sh
[ -e "$GIT_DIR/raced" ] && exit 0
touch "$GIT_DIR/raced"
unset GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES
tree=$(git rev-parse main^{tree})
c=$(git commit-tree -p main -m "concurrent promotion" "$tree")
git update-ref refs/heads/main "$c"
HOOK
chmod +x "$T/srv/config.git/hooks/pre-receive"

# --- an app repository of Conventional Commits
mkdir "$T/app" && cd "$T/app" && g init -q -b main .
g commit -q --allow-empty -m "chore: start" && g tag v1.2.3
g commit -q --allow-empty -m "fix(api): handle empty body"
g commit -q --allow-empty -m "feat: add health endpoint"
g commit -q --allow-empty -m "docs: readme"
cat >pipeline.rp <<PIPE
import "std/gitops"
import "std/release"
import "std/images"
import "std/helm"
import "std/preview"

on local -> all

stage promote {
  let sha = gitops.promote("$REMOTE", "environments/staging.yaml", {"image.tag": "1.3.0", replicas: 2}, message: "staging: sample-app 1.3.0", token: secret("GITOPS_PAT"))
  output sha = sha
}

stage versions {
  let v = release.next_version("v1.2.3")
  let log = release.changelog(git.log(since: "v1.2.3"), version: v)
  fs.write("$T/changelog.md", log)
  output v = v
}

stage tags {
  let t = [images.sha_tag("0123456789abcdef"), images.pr_tag(42, "abc1234"), images.dev_tag("0123456789", 1700000000), images.env_tag("prod", "fedcba9876", 1700000000), images.env_latest("staging")]
  fs.write("$T/tags.txt", t.join("\n"))
}

stage deploy {
  helm.deploy("sample-app", "./chart", "staging", values: ["values.yaml"], set: {"image.tag": "1.3.0"})
  let ns = preview.create(7, "sample-app", "./chart", "pr-7-abc")
  preview.cleanup(7, "sample-app")
  output ns = ns
}

stage all {
  needs promote, versions, tags, deploy
  sh "echo next=\${versions.v} ns=\${deploy.ns}"
}
PIPE
g add pipeline.rp && g commit -qm "chore: pipeline"

"$RP" check pipeline.rp >"$T/check.out" 2>&1
assert_eq "$?" 0 "rp check of a pipeline importing every module"
out=$(GITOPS_PAT=tok-s3cr3t "$RP" run 2>&1); rc=$?
assert_eq "$rc" 0 "rp run"
assert_contains "$out" "next=v1.3.0 ns=preview-7" "next version and preview namespace"

# gitops: the race commit, then the promotion on top of it
log=$(g --git-dir="$T/srv/config.git" log --format=%s main)
assert_eq "$(printf '%s\n' "$log" | head -1)" "staging: sample-app 1.3.0" "promotion commit on top"
assert_contains "$log" "concurrent promotion" "the promotion was retried after the remote moved"
acc=$(cat "$T/srv/access.log")
assert_contains "$acc" "x-access-token POST /config.git/git-receive-pack" "pushed over HTTP with the token"
assert_not_contains "$out" "tok-s3cr3t" "the token is never printed"
g clone -q "$T/srv/config.git" "$T/check" 2>/dev/null
staging=$(cat "$T/check/environments/staging.yaml")
assert_contains "$staging" "tag: 1.3.0  # set by CI" "image.tag set, comment kept"
assert_contains "$staging" "replicas: 2" "replicas set"
assert_contains "$staging" "# staging values" "leading comment kept"
assert_eq "$(cat "$T/check/environments/prod.yaml")" "$(printf 'image:\n  tag: old')" "prod untouched"

# release: fix + feat since v1.2.3 -> minor; changelog grouped
cl=$(cat "$T/changelog.md")
assert_contains "$cl" "## v1.3.0" "changelog heading"
assert_contains "$cl" "### Features" "features section"
assert_contains "$cl" "* add health endpoint (" "feat entry"
assert_contains "$cl" "### Bug Fixes" "fixes section"
assert_contains "$cl" "* **api:** handle empty body (" "scoped fix entry"
assert_not_contains "$cl" "readme" "docs left out"

# images
assert_eq "$(cat "$T/tags.txt")" "$(printf 'sha-01234567\npr-42-abc1234\ndev-0123456-20231114-221320\nprod-fedcba9-20231114-221320\nstaging-latest')" "tag schemes"

# helm / kubectl command lines
stub=$(cat "$RP_STUB_LOG")
assert_contains "$stub" '"helm", "upgrade", "--install", "sample-app", "./chart", "--namespace", "staging"' "helm upgrade"
assert_contains "$stub" '"--install"' "upgrade --install"
assert_contains "$stub" '"--wait"' "upgrade --wait"
assert_contains "$stub" '"helm", "test", "sample-app"' "helm test after deploy"
assert_contains "$stub" '"kubectl", "create", "namespace", "preview-7"' "preview namespace created"
assert_contains "$stub" '"helm", "uninstall", "sample-app"' "preview release uninstalled"
assert_contains "$stub" '"preview-7"' "preview namespace used"

# a remote that always moves: the retries run out and the stage fails
g init -q --bare -b main "$T/srv/busy.git"
g -C "$T/seed" push -q "$T/srv/busy.git" main
sed '/raced/d' "$T/srv/config.git/hooks/pre-receive" >"$T/srv/busy.git/hooks/pre-receive"
chmod +x "$T/srv/busy.git/hooks/pre-receive"
mkdir "$T/busy" && cd "$T/busy" && g init -q -b main . && g commit -q --allow-empty -m init
printf 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    targetRevision: 0.1.0\n' >"$T/app.yaml"
cat >pipeline.rp <<PIPE
import "std/gitops"
on local -> argo, busy
stage argo { gitops.set_argocd_revision("$T/app.yaml", "0.2.0", params: {"image.tag": "v0.2.0", replicas: 3}) }
stage busy { gitops.promote("http://127.0.0.1:$GITPORT/busy.git", "environments/prod.yaml", {"image.tag": "9.9.9"}, retries: 2, token: "tok-s3cr3t") }
PIPE
out=$("$RP" run 2>&1); rc=$?
assert_eq "$rc" 1 "a remote that keeps moving fails the stage"
assert_contains "$out" "remote moved: retries exhausted" "the failure says why"
assert_eq "$(g --git-dir="$T/srv/busy.git" rev-list --count main)" 4 "three attempts (one plus two retries), each beaten by a concurrent commit"
assert_eq "$(g --git-dir="$T/srv/busy.git" show main:environments/prod.yaml)" "$(printf 'image:\n  tag: old')" "nothing of the failed promotion landed"
# std/helm: a failed upgrade fails the stage with what the cluster says,
# at the failing line of the module and the pipeline's call into it
cat >pipeline.rp <<PIPE
import "std/helm"
on local -> deploy
stage deploy {
  helm.deploy("sample-app", "./chart", "staging", set: {"image.tag": "1.3.0"})
}
PIPE
: >"$RP_STUB_LOG"
out=$(RP_STUB_FAIL="helm upgrade,kubectl rollout" "$RP" run 2>&1); rc=$?
assert_eq "$rc" 1 "a failed helm upgrade fails the stage"
assert_contains "$out" "error: stage 'deploy': helm.upgrade: \`helm upgrade --install sample-app ./chart --namespace staging --create-namespace --set image.tag=1.3.0 --wait --timeout 300s\` failed with exit code 1: Error: helm upgrade failed: timed out waiting for the condition
rollout status of deployment/sample-app: kubectl.rollout_status: \`kubectl rollout status deployment/sample-app --namespace staging --timeout 10s\` failed with exit code 1" "the error, then the rollout status"
assert_contains "$out" "recent events in staging:
  Normal Scheduled Pod/sample-app-7d9f-x2x: Successfully assigned to node-1
  Warning Failed Pod/sample-app-7d9f-x2x: Error: ImagePullBackOff
  Warning BackOff Pod/sample-app-7d9f-x2x: Back-off restarting failed container app" "then the events, oldest first"
assert_contains "$out" "<stdlib>/helm.rp:" "the position is in the module"
assert_contains "$out" "pipeline.rp:4:3: note: called from here" "and the pipeline's call into it"
assert_not_contains "$(cat "$RP_STUB_LOG")" "\"helm\", \"test\"" "no helm test after a failed upgrade"
argo=$(cat "$T/app.yaml")
assert_contains "$argo" "targetRevision: 0.2.0" "Argo CD targetRevision"
assert_contains "$argo" "name: image.tag" "helm parameter name"
assert_contains "$argo" "value: v0.2.0" "helm parameter value"
assert_contains "$argo" "value: \"3\"" "parameter values are strings"
finish
