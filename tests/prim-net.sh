#!/bin/sh
# prim-net.sh — registry.*, http.* and yaml.* from a pipeline, against a
# real docker-registry with buildah-built images, a local HTTP server and
# YAML files edited in place.
set -u
. "$top_srcdir/tests/lib/assert.sh"
. "$top_srcdir/tests/lib/registry-lib.sh"
reg_require
reg_setup
export RP_STATE_DIR="$REG_TMP/state"
reg_start main || { echo "cannot start docker-registry"; exit 1; }
R=$REG_ADDR
for t in 1.0.0 1.2.0 1.10.0 dev-aaa; do reg_push_image "$R/app:$t" "app $t" >/dev/null 2>&1 || _fail "push $t"; done
reg_serve_python S test-server.py || _fail "test server"
cp "$top_srcdir/tests/fixtures/yaml/values-staging.yaml" "$REG_TMP/values.yaml" 2>/dev/null ||
  printf '# staging values\nimage:\n  repository: app  # the image\n  tag: "0.9.0"\nreplicas: 2\n' > "$REG_TMP/values.yaml"
f="$REG_TMP/pipeline.rp"
cat > "$f" <<'RP'
let R = env.R
stage registry {
  print(registry.tags("${R}/app").sort())
  print(registry.exists("${R}/app:1.2.0"))
  print(registry.exists("${R}/app:9.9.9"))
  print(registry.latest("${R}/app", allow: re"^\d+\.\d+\.\d+$", strategy: "semver"))
  let d = registry.copy("${R}/app:1.10.0", "${R}/app:staging-latest")
  print(d == registry.digest("${R}/app:1.10.0"))
  registry.copy("${R}/app:1.2.0", "${R}/promoted/app:1.2.0")
  print(registry.exists("${R}/promoted/app:1.2.0"))
  print(registry.prune("${R}/app", match: re"^dev-"))
}
stage web {
  let r = http.post("http://127.0.0.1:${env.S}/json", json: {text: "deployed", n: 2})
  print(r.status)
  print(r.json)
  print(http.get("http://127.0.0.1:${env.S}/flaky/k1?fail=1").status)
  print(http.get("http://127.0.0.1:${env.S}/status/404").status)
}
stage values {
  let f = env.VALUES
  print(yaml.get(f, "image.tag"))
  yaml.set(f, "image.tag", "1.10.0")
  yaml.set(f, "image.pullPolicy", "Always")
  print(yaml.read(f).image)
}
stage broken {
  registry.tags("127.0.0.1:${env.S}/html/app")
}
RP
out=$(R=$R "$RP" run registry -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "registry stage"
assert_contains "$out" '[registry] ["1.0.0", "1.10.0", "1.2.0", "dev-aaa"]' "registry.tags"
assert_contains "$out" "[registry] true
[registry] false" "registry.exists"
assert_contains "$out" "[registry] 1.10.0" "registry.latest by semver"
assert_contains "$out" "[registry] true
[registry] true" "copy keeps the digest; cross-repository copy exists"
assert_contains "$out" '[registry] ["dev-aaa"]' "prune deleted the dev tag"
assert_eq "$(reg_skopeo_digest "$R/app:staging-latest")" "$(reg_skopeo_digest "$R/app:1.10.0")" "skopeo sees the copy"
out=$(S=$S "$RP" run web -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "web stage"
assert_contains "$out" "[web] 200" "post status"
assert_contains "$out" 'deployed' "json body echoed"
assert_contains "$out" "[web] 404" "a 4xx is returned, not raised"
cp "$REG_TMP/values.yaml" "$REG_TMP/values.orig"
out=$(VALUES="$REG_TMP/values.yaml" "$RP" run values -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "values stage"
assert_contains "$out" "[values] 0.9.0" "yaml.get"
assert_contains "$(cat "$REG_TMP/values.yaml")" "tag: \"1.10.0\"" "yaml.set keeps the quoting style"
assert_contains "$(cat "$REG_TMP/values.yaml")" "# the image" "comments kept"
assert_eq "$(diff "$REG_TMP/values.orig" "$REG_TMP/values.yaml" | grep -c '^[<>]')" 3 "only the edited lines changed"
out=$(S=$S "$RP" run broken -f "$f" 2>&1); rc=$?
assert_eq "$rc" 1 "a registry answering HTML fails the stage"
assert_contains "$out" "registry.tags: " "with a clear error"
assert_contains "$out" "127.0.0.1:$S" "naming the host"
out=$(R=$R "$RP" run registry --dry-run -f "$f" 2>&1)
assert_contains "$out" "[dry-run] registry.copy $R/app:1.10.0 $R/app:staging-latest" "dry-run copy"
finish
