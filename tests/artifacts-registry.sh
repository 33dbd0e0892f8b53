#!/bin/sh
# artifacts-registry.sh — artifacts kept in an OCI repository of a real
# docker-registry (`artifacts "oci://HOST/REPO"`, or RP_ARTIFACTS): machine
# A runs `build`, machine B runs `package` of the same run and finds the
# files byte-identical; the artifact is visible through the registry's HTTP
# API as an OCI manifest (artifactType, one tar+gzip layer, tagged RUN-NAME)
# and nothing of it is in the state; an archive whose digest is not the
# journal's is refused.
set -u
. "$top_srcdir/tests/lib/assert.sh"
. "$top_srcdir/tests/lib/registry-lib.sh"
reg_require
reg_setup
reg_start plain || { echo "FAIL: docker-registry did not start"; exit 1; }
tmp=$REG_TMP
unset CI RP_STATE RP_ARTIFACTS
export RP_STATE_DIR="$tmp/state"
for m in a b; do
  mkdir -p "$tmp/$m/home"
  cat > "$tmp/$m/pipeline.rp" <<RP
artifacts "oci://$REG_ADDR/rp/artifacts"
stage build {
  artifact "dist/**"
  sh "mkdir -p dist/sub && printf app > dist/app && head -c 100000 /dev/urandom > dist/sub/x"
}
stage package {
  needs build
  sh "cat dist/app"
}
RP
done
on() {
  m=$1; shift
  (cd "$tmp/$m" && HOME="$tmp/$m/home" "$RP" "$@")
}

out=$(on a run --only build --run-id r1 2>&1) || { _fail "build on A"; echo "$out"; }
assert_contains "$out" "kept 2 files" "A keeps the files"
assert_contains "$out" "in oci://$REG_ADDR/rp/artifacts@sha256:" "in the registry"
[ ! -e "$RP_STATE_DIR/artifacts" ] || _fail "the archive went to the state too"
out=$(on b run --only package --run-id r1 2>&1) || { _fail "package on B"; echo "$out"; }
assert_contains "$out" "unpacked 2 files of build" "B unpacks them"
cmp -s "$tmp/a/dist/app" "$tmp/b/dist/app" && cmp -s "$tmp/a/dist/sub/x" "$tmp/b/dist/sub/x" ||
  _fail "the files differ between the machines"

# the registry's own API shows an OCI artifact tagged RUN-NAME
tags=$(curl -fsS "http://$REG_ADDR/v2/rp/artifacts/tags/list")
assert_contains "$tags" '"r1-build"' "tagged RUN-NAME"
manifest=$(curl -fsS -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
  "http://$REG_ADDR/v2/rp/artifacts/manifests/r1-build")
layer=$(printf '%s' "$manifest" | python3 -c 'import json, sys
m = json.load(sys.stdin)
assert m["artifactType"] == "application/vnd.rp.artifact.v1", m
assert m["config"]["mediaType"] == "application/vnd.oci.empty.v1+json", m
assert len(m["layers"]) == 1 and m["layers"][0]["mediaType"] == "application/vnd.oci.image.layer.v1.tar+gzip", m
print(m["layers"][0]["digest"])') || _fail "the manifest is not an rp artifact: $manifest"
curl -fsS "http://$REG_ADDR/v2/rp/artifacts/blobs/$layer" | tar -tzf - > "$tmp/listing" || _fail "the layer is not a tar+gzip"
assert_eq "$(cat "$tmp/listing" | tr '\n' ' ')" "dist/ dist/app dist/sub/ dist/sub/x " "the layer holds the files"

# RP_ARTIFACTS overrides the declaration; a digest that is not the journal's is refused
sed -i 1d "$tmp/a/pipeline.rp" "$tmp/b/pipeline.rp"
out=$(RP_ARTIFACTS="oci://$REG_ADDR/other/store" on a run --only build --run-id r2 2>&1) || _fail "build with RP_ARTIFACTS"
assert_contains "$(curl -fsS "http://$REG_ADDR/v2/other/store/tags/list")" '"r2-build"' "RP_ARTIFACTS names the repository"
journal="$RP_STATE_DIR/runs/r2/journal.ndjson"
sed -i 's/"digest":"sha256:[0-9a-f]*"/"digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111"/' "$journal"
rm -rf "$tmp/b/dist"
out=$(on b run --only package --run-id r2 2>&1) && _fail "an archive with another digest was unpacked"
assert_contains "$out" "not the sha256:1111111111111111111111111111111111111111111111111111111111111111 its run recorded: refused" \
  "a digest that does not match is refused"
[ ! -e "$tmp/b/dist" ] || _fail "a refused archive wrote files"
finish
