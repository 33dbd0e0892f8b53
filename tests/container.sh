#!/bin/sh
# container.sh — the Containerfile builds an rp image with buildah from the
# files scripts/container-rootfs.sh stages (FROM scratch: nothing pulled),
# and rp runs in it: --version, and a pipeline whose stages run commands.
set -u
. "$top_srcdir/tests/lib/assert.sh"
command -v buildah >/dev/null || { echo "not ok: buildah is not installed (scripts/install-deps.sh --test)"; exit 1; }
tmp=$(mktemp -d)
bah() { buildah --root "$tmp/storage" --runroot "$tmp/run" --storage-driver vfs "$@"; }
trap 'bah rm -a >/dev/null 2>&1; rm -rf "$tmp"' EXIT
sh "$top_srcdir/scripts/container-rootfs.sh" "$RP" "$tmp/ctx" || _fail "container-rootfs.sh"
out=$(bah bud --isolation chroot -q -f "$top_srcdir/Containerfile" -t rp-test "$tmp/ctx" 2>&1); rc=$?
assert_eq "$rc" 0 "buildah bud: $out"
ctr=$(bah from -q rp-test) || _fail "a container from the image"
# buildah's chroot isolation now and then drops a command's whole output:
# a command that prints something is run again when it printed nothing
run() {
  for try in 1 2 3 4 5; do
    said=$(bah run --isolation chroot "$ctr" -- "$@" 2>&1); rc=$?
    [ -n "$said" ] && break
  done
  printf '%s\n' "$said"
  return $rc
}
assert_eq "$(run rp --version)" "$("$RP" --version)" "rp runs in the image"
cat > "$tmp/pipeline.rp" <<'RP'
on local -> report
stage greet { sh "echo hello from the image | tr a-z A-Z" }
stage report {
  needs greet
  sh "ls /usr/bin/rp"
}
RP
bah copy "$ctr" "$tmp/pipeline.rp" /work/pipeline.rp >/dev/null || _fail "buildah copy"
out=$(run rp check /work/pipeline.rp); rc=$?
assert_eq "$rc" 0 "rp check in the image: $out"
out=$(run rp run -f /work/pipeline.rp --event local --actor ci); rc=$?
assert_eq "$rc" 0 "a pipeline runs in the image: $out"
assert_contains "$out" "[greet] HELLO FROM THE IMAGE" "a stage through /bin/sh"
assert_contains "$out" "[report] /usr/bin/rp" "a stage run directly"
assert_contains "$(bah inspect rp-test)" '"Entrypoint": [
                "/usr/bin/rp"' "rp is the entrypoint"
size=$(bah images --format '{{.Size}}' rp-test)
echo "# image size: $size"
finish
