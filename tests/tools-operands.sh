#!/bin/sh
# tools-operands.sh — no value becomes an option of docker, helm or kubectl:
# each operand of each call, given a value starting with '-', either comes
# after "--" (asserted on the argv the recording stand-in saw) or is
# refused before anything runs. Values after their flag stay that flag's.
set -u
. "$top_srcdir/tests/lib/assert.sh"
stubs="$top_srcdir/tests/lib/stubs"
command -v python3 >/dev/null 2>&1 || { echo "FAIL: python3 is not installed (scripts/install-deps.sh installs it)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
export PATH="$stubs:$PATH" RP_STUB_LOG="$tmp/calls.log" RP_STATE_DIR="$tmp/state"
export RP_CONTAINER_CLI=container-cli RP_CONTAINER_ARGS=
unset RP_CONTAINER_BUILD_ARGS RP_CONTAINER_PUSH_ARGS RP_CONTAINER_TAG_ARGS RP_CONTAINER_LOGIN_ARGS

# CALL, then what happens: the argv run, or the refusal
check() {
  printf 'stage t { %s }\n' "$1" > t.rp
  rm -f calls.log
  out=$("$RP" run t -f t.rp 2>&1); rc=$?
  case "$2" in
  \[*)
    assert_eq "$rc" 0 "$1 runs"; [ $rc = 0 ] || printf "%s\n" "$out"
    # (docker.build's --iidfile is a fresh temporary file: TMP)
    assert_eq "$(head -n 1 calls.log 2>/dev/null | sed 's|"/[^"]*/iid"|"TMP/iid"|')" "$2" "$1: the operand after --" ;;
  *)
    assert_eq "$rc" 1 "$1 is refused"
    assert_contains "$out" "$2" "$1: says which parameter"
    assert_eq "$(cat calls.log 2>/dev/null)" "" "$1: nothing ran" ;;
  esac
}

check 'docker.build("-x")' '["container-cli", "build", "--iidfile", "TMP/iid", "--", "-x"]'
check 'docker.push("--all-tags")' '["container-cli", "push", "--", "--all-tags"]'
check 'docker.tag("-x", "r/app:1")' '["container-cli", "tag", "--", "-x", "r/app:1"]'
check 'docker.tag("r/app:1", "-x")' '["container-cli", "tag", "--", "r/app:1", "-x"]'
check 'docker.login("-x", "ci", "pw")' '["container-cli", "login", "--username", "ci", "--password-stdin", "--", "-x"]'
check 'docker.login("reg", "-x", "pw")' '["container-cli", "login", "--username", "-x", "--password-stdin", "--", "reg"]'

check 'helm.lint("-x")' "helm.lint: 'chart' must not start with '-'"
check 'helm.package("-x")' "helm.package: 'chart' must not start with '-'"
check 'helm.push("-x.tgz", "oci://r/charts")' '["helm", "push", "--", "-x.tgz", "oci://r/charts"]'
check 'helm.push("app.tgz", "--plain-http")' '["helm", "push", "--", "app.tgz", "--plain-http"]'
check 'helm.upgrade("--post-renderer=./evil", "chart")' "helm.upgrade: 'release' must not start with '-'"
check 'helm.upgrade("app", "--post-renderer=./evil")' "helm.upgrade: 'chart' must not start with '-'"
check 'helm.upgrade("app", "chart", namespace: "-x", version: "--devel")' \
  '["helm", "upgrade", "--install", "app", "chart", "--namespace", "-x", "--version", "--devel"]'
check 'helm.test("-x")' "helm.test: 'release' must not start with '-'"
check 'helm.rollback("-x")' "helm.rollback: 'release' must not start with '-'"
check 'helm.rollback("app", revision: -1)' "helm.rollback: 'revision' must not start with '-'"
check 'helm.history("-x")' "helm.history: 'release' must not start with '-'"
check 'helm.uninstall("--dry-run")' "helm.uninstall: 'release' must not start with '-'"

check 'kubectl.apply("-x")' '["kubectl", "apply", "--filename", "-x"]'
check 'kubectl.delete("-x")' "kubectl.delete: 'kind' must not start with '-'"
check 'kubectl.delete("pods", name: "--all")' "kubectl.delete: 'name' must not start with '-'"
check 'kubectl.delete("-x", file: "k8s/app.yaml")' '["kubectl", "delete", "--filename", "k8s/app.yaml", "--ignore-not-found"]'
check 'kubectl.create_namespace("-x")' "kubectl.create_namespace: 'name' must not start with '-'"
check 'kubectl.rollout_status("-x")' "kubectl.rollout_status: 'resource' must not start with '-'"
check 'kubectl.get("-x")' "kubectl.get: 'kind' must not start with '-'"
check 'kubectl.get("pods", name: "-x")' "kubectl.get: 'name' must not start with '-'"

# a dry run refuses as the run would, and prints the "--"
printf 'stage t { helm.upgrade("-x", "chart") }\nstage d { docker.push("-x") }\n' > t.rp
out=$("$RP" run t --dry-run -f t.rp 2>&1); rc=$?
assert_eq "$rc" 1 "dry run: refused too"
assert_contains "$out" "helm.upgrade: 'release' must not start with '-'" "dry run: says why"
out=$("$RP" run d --dry-run -f t.rp 2>&1)
assert_contains "$out" "[d] [dry-run] container-cli push -- -x" "dry run: shows the --"
finish
