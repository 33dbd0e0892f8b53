# example-lib.sh — the world an examples/*/ pipeline runs in, for its
# end-to-end test. Source it as . "${top_srcdir:-.}/tests/lib/example-lib.sh"
# (it makes $RP and $top_srcdir absolute; defaults ./rp and .), then:
#
#   ex_scratch            $T (removed at exit unless KEEP is set), git
#                         identity, $RP_STATE_DIR; $T/bin and the recording
#                         helm/kubectl stand-ins on PATH (argv in
#                         $RP_STUB_LOG). Fails without git or python3
#   ex_setup              ex_scratch, then a real docker-registry at
#                         $REGISTRY and podman (vfs storage under $T) for
#                         docker.*. Skips without curl, docker-registry or a
#                         podman that can build here.
#   ex_tool NAME...       stand-ins for project tools (npm, uv, trivy, ...)
#                         that append "NAME ARGS" to $T/tools.log
#   ex_bare NAME          an empty bare repository $T/NAME.git (branch main)
#                         with a work tree $T/NAME-work to fill; then
#   ex_push NAME [MSG]    commits $T/NAME-work and pushes it
#   ex_app EXAMPLE [MSG]  examples/EXAMPLE copied to $T/app and committed;
#                         cd there; sets $sha
#   ex_tags IMAGE         the registry's tags of $REGISTRY/IMAGE, sorted,
#                         space-separated ("" when it has none)
#   ex_run OUT ARGS...    rp ARGS with output to $T/OUT.out; sets $rc, $out
#   ex_approve_id         the run id in the 'rp approve' hint of $out
#   g ARGS / cfg ARGS     git, and git on $T/config.git
#   ex_checks NAME        rp check and rp fmt --check pass on pipeline.rp
#   world_NAME            the gitops repository and tool stand-ins of
#                         example NAME (example-worlds.sh)
#   ex_readme NAME [A=B]  the ```sh blocks of examples/NAME/README.md run as
#                         written, here, with rp on PATH: exit statuses and
#                         shown output as the README says, A printed reads
#                         as B shown (readme-run.py)

: "${RP:=./rp}" "${top_srcdir:=.}"
RP=$(cd "$(dirname "$RP")" && pwd)/$(basename "$RP")
top_srcdir=$(cd "$top_srcdir" && pwd)
. "$top_srcdir/tests/lib/assert.sh"
. "$top_srcdir/tests/lib/registry-lib.sh"
. "$top_srcdir/tests/lib/example-worlds.sh"

g() { git -c user.name=t -c user.email=t@example.com "$@"; }
cfg() { g --git-dir="$T/config.git" "$@"; }

ex_skip() { echo "FAIL: $1 (scripts/install-deps.sh installs it)" >&2; exit 1; }

ex_need() {
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || ex_skip "$tool is not installed"
  done
}

ex_scratch() {
  ex_need git python3
  reg_setup
  [ -n "${KEEP:-}" ] && trap 'for p in $REG_PIDS; do kill $p; done; echo "kept $T" >&2' EXIT
  T=$REG_TMP
  mkdir "$T/bin"
  export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
  export PATH="$T/bin:$top_srcdir/tests/lib/stubs:$PATH" RP_STUB_LOG="$T/stub.log" RP_STATE_DIR="$T/state"
  : >"$RP_STUB_LOG"
  : >"$T/tools.log"
}

ex_setup() {
  ex_need curl docker-registry podman
  ex_scratch
  # rootless podman with its own storage; the test registry speaks plain http
  export RP_CONTAINER_CLI=podman RP_CONTAINER_ARGS="--root $T/storage --runroot $T/run --storage-driver vfs"
  export RP_CONTAINER_BUILD_ARGS="--isolation chroot" RP_CONTAINER_PUSH_ARGS="--tls-verify=false"
  mkdir "$T/probe" && printf 'FROM scratch\nCOPY Containerfile /\n' >"$T/probe/Containerfile"
  podman $RP_CONTAINER_ARGS build $RP_CONTAINER_BUILD_ARGS -q "$T/probe" >/dev/null 2>&1 ||
    ex_skip "podman cannot build images here"
  reg_start registry || exit 1
  export REGISTRY=$REG_ADDR
}

ex_tool() {
  for t in "$@"; do
    printf '#!/bin/sh\necho "%s $*" >>"%s/tools.log"\n' "$t" "$T" >"$T/bin/$t"
    chmod +x "$T/bin/$t"
  done
}

ex_bare() {
  g init -q --bare -b main "$T/$1.git"
  g clone -q "$T/$1.git" "$T/$1-work" 2>/dev/null
}

ex_push() {
  g -C "$T/$1-work" add -A && g -C "$T/$1-work" commit -qm "${2:-init}" &&
    g -C "$T/$1-work" push -q origin HEAD 2>/dev/null
}

ex_app() {
  cp -r "$top_srcdir/examples/$1" "$T/app"
  cd "$T/app" && g init -q -b main . && g add -A && g commit -qm "${2:-feat: $1}"
  sha=$(g rev-parse HEAD)
}

ex_tags() {
  curl -s "http://$REGISTRY/v2/$1/tags/list" |
    python3 -c 'import json,sys; print(" ".join(sorted(json.load(sys.stdin).get("tags") or [])))' 2>/dev/null
}

ex_run() {
  local name=$1
  shift
  "$RP" "$@" >"$T/$name.out" 2>&1
  rc=$?
  out=$(cat "$T/$name.out")
  [ -n "${KEEP:-}" ] && printf '== rp %s (exit %s)\n%s\n' "$*" "$rc" "$out"
  return 0
}

ex_approve_id() {
  printf '%s\n' "$out" | sed -n 's/.*rp approve \([^ ]*\) .*/\1/p' | head -1
}

ex_checks() {
  "$RP" check pipeline.rp >/dev/null 2>&1
  assert_eq "$?" 0 "rp check examples/$1"
  "$RP" fmt --check pipeline.rp >/dev/null 2>&1
  assert_eq "$?" 0 "rp fmt --check examples/$1"
}

ex_readme() {
  ln -sf "$RP" "$T/bin/rp"
  local name=$1
  shift
  python3 "$top_srcdir/tests/lib/readme-run.py" "$top_srcdir/examples/$name/README.md" "$T/readme" "$@" >"$T/readme.failed"
  while IFS= read -r line; do _fail "examples/$name/README.md: $line"; done <"$T/readme.failed"
}
