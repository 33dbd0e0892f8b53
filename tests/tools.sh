#!/bin/sh
# tools.sh — docker.*, helm.*, kubectl.*: the exact argv each call runs
# (helm and kubectl are recording stand-ins first on PATH), --dry-run
# printing the same argv, secrets kept out of argv and output, and real
# image builds with podman pushed to a local registry.
set -u
. "$top_srcdir/tests/lib/assert.sh"
. "$top_srcdir/tests/lib/registry-lib.sh"
stubs="$top_srcdir/tests/lib/stubs"
command -v python3 >/dev/null 2>&1 || { echo "FAIL: python3 is not installed (scripts/install-deps.sh installs it)" >&2; exit 1; }

reg_setup
work="$REG_TMP/work"
mkdir -p "$work/chart" "$work/out" "$work/v" "$work/k8s"
cd "$work" || exit 1
printf 'apiVersion: v2\nname: sample-app\nversion: 0.1.0\n' > chart/Chart.yaml
export PATH="$stubs:$PATH" RP_STUB_LOG="$work/calls.log" WORK="$work"
export RP_CONTAINER_CLI="$stubs/container-cli" RP_CONTAINER_ARGS= 

# ---- helm and kubectl: every call, and exactly the argv it runs ----
cat > tools.rp <<'EOF'
stage tools {
  let lint = helm.lint("chart", values: ["v/dev.yaml", "v/prod.yaml"])
  print("lint: ${lint.trim()}")
  let pkg = helm.package("chart", version: "1.2.3", app_version: "abc123", dest: "${env.WORK}/out")
  print("package: ${pkg}")
  helm.push(pkg, "oci://127.0.0.1:5000/charts")
  helm.upgrade("sample-app-dev", "oci://127.0.0.1:5000/charts/sample-app", namespace: "dev",
               version: "1.2.3", values: ["v/dev.yaml", "v/extra values.yaml"],
               set: {"image.tag": "v1,2", "replicas": 3}, create_namespace: true, wait: true, timeout: 5m)
  helm.test("sample-app-dev", namespace: "dev", timeout: 90s)
  let h = helm.history("sample-app-dev", namespace: "dev")
  print("history: ${h.len()} ${h.last().status} ${h.last().revision}")
  helm.rollback("sample-app-dev", revision: 1, namespace: "dev", wait: true)
  helm.uninstall("sample-app-dev", namespace: "dev")
  let ns = kubectl.create_namespace("preview-42")
  print("namespace: ${ns.trim()}")
  kubectl.apply("k8s/app.yaml", namespace: "dev")
  let rs = kubectl.rollout_status("deployment/sample-app", namespace: "dev", timeout: 2m)
  let d = kubectl.get("deployment", name: "sample-app", namespace: "dev")
  print("get: ${d.metadata.name} ${d.metadata.namespace}")
  let all = kubectl.get("pods")
  print("list: ${all.items.len()}")
  kubectl.delete("namespace", name: "preview-42")
  kubectl.delete("ignored", file: "k8s/app.yaml", namespace: "dev")
}
EOF
out=$("$RP" run tools -f tools.rp 2>&1); rc=$?
assert_eq "$rc" 0 "helm and kubectl calls succeed"; [ $rc = 0 ] || printf "%s\n" "$out" | tail -20
assert_contains "$out" "[tools] lint: ==> Linting chart" "helm.lint returns its output"
assert_contains "$out" "[tools] package: $work/out/sample-app-1.2.3.tgz" "helm.package returns the package path it printed"
assert_contains "$out" "[tools] history: 2 deployed 2" "helm.history parses -o json"
assert_contains "$out" "[tools] namespace: namespace/preview-42 created" "create_namespace pipes create into apply"
assert_contains "$out" "[tools] get: sample-app dev" "kubectl.get parses -o json"
assert_contains "$out" "[tools] list: 1" "kubectl.get of a kind is a List"
assert_contains "$out" "[tools] Release \"sample-app-dev\" has been upgraded" "output streams live"
assert_not_contains "$out" "\"revision\": 1" "JSON read by rp is not streamed"
expected='["helm", "lint", "chart", "--values", "v/dev.yaml", "--values", "v/prod.yaml"]
["helm", "package", "chart", "--version", "1.2.3", "--app-version", "abc123", "--destination", "WORK/out"]
["helm", "push", "--", "WORK/out/sample-app-1.2.3.tgz", "oci://127.0.0.1:5000/charts"]
["helm", "upgrade", "--install", "sample-app-dev", "oci://127.0.0.1:5000/charts/sample-app", "--namespace", "dev", "--create-namespace", "--version", "1.2.3", "--values", "v/dev.yaml", "--values", "v/extra values.yaml", "--set", "image.tag=v1\\,2", "--set", "replicas=3", "--wait", "--timeout", "300s"]
["helm", "test", "sample-app-dev", "--namespace", "dev", "--timeout", "90s"]
["helm", "history", "sample-app-dev", "--namespace", "dev", "--output", "json"]
["helm", "rollback", "sample-app-dev", "1", "--namespace", "dev", "--wait"]
["helm", "uninstall", "sample-app-dev", "--namespace", "dev"]
["kubectl", "create", "namespace", "preview-42", "--dry-run=client", "--output=yaml"]
["kubectl", "apply", "--filename", "-"]
{"stdin": "apiVersion: v1\nkind: Namespace\nmetadata:\n  creationTimestamp: null\n  name: preview-42\nspec: {}\nstatus: {}\n"}
["kubectl", "apply", "--filename", "k8s/app.yaml", "--namespace", "dev"]
["kubectl", "rollout", "status", "deployment/sample-app", "--namespace", "dev", "--timeout", "120s"]
["kubectl", "get", "deployment", "sample-app", "--namespace", "dev", "--output", "json"]
["kubectl", "get", "pods", "--output", "json"]
["kubectl", "delete", "namespace", "preview-42", "--ignore-not-found"]
["kubectl", "delete", "--filename", "k8s/app.yaml", "--namespace", "dev", "--ignore-not-found"]'
assert_eq "$(sed "s|$work|WORK|g" calls.log)" "$expected" "the exact command lines run"

# --dry-run: prints the same argv (read back by a shell's rules) for what
# would change the world; reads (lint, history, rollout status, get) still run
mv calls.log real.log
out=$("$RP" run tools --dry-run -f tools.rp 2>&1); rc=$?
assert_eq "$rc" 0 "dry run succeeds"
assert_contains "$out" "[tools] [dry-run] helm upgrade --install sample-app-dev oci://127.0.0.1:5000/charts/sample-app --namespace dev --create-namespace --version 1.2.3 --values v/dev.yaml --values 'v/extra values.yaml' --set 'image.tag=v1\\,2' --set replicas=3 --wait --timeout 300s" "dry run shows the quoted argv"
assert_contains "$out" "[tools] [dry-run] kubectl create namespace preview-42 --dry-run=client --output=yaml | kubectl apply --filename -" "dry run shows the pipe"
assert_contains "$out" "[tools] package: $work/out/sample-app-1.2.3.tgz" "dry-run stand-in for the package path"
printf '%s\n' "$out" | sed -n 's/^\[tools\] \[dry-run\] //p' > printed.txt
same=$(python3 - real.log calls.log printed.txt <<'EOF'
import json, shlex, sys
real = [l for l in map(json.loads, open(sys.argv[1])) if isinstance(l, list)]
seen = [l for l in map(json.loads, open(sys.argv[2])) if isinstance(l, list)]
for line in open(sys.argv[3]):
    words, cur = shlex.split(line), []
    for w in words + ["|"]:
        if w == "|":
            seen.append(cur); cur = []
        else:
            cur.append(w)
print("same" if sorted(real) == sorted(seen) else "differ:\n%s\n%s" % (sorted(real), sorted(seen)))
EOF
)
assert_eq "$same" "same" "dry run printed + read commands == commands of the real run"
assert_eq "$(grep -c '"helm", "upgrade"' calls.log)" 0 "dry run ran no upgrade"
rm -f calls.log

# ---- a failing command: an error naming it, with its stderr ----
cat > fail.rp <<'EOF'
stage deploy { helm.upgrade("app", "chart", namespace: "prod", wait: true) }
EOF
out=$(RP_STUB_FAIL="helm upgrade" "$RP" run deploy -f fail.rp 2>&1); rc=$?
assert_eq "$rc" 1 "a failing helm fails the stage"
assert_contains "$out" "helm.upgrade: \`helm upgrade --install app chart --namespace prod --wait\` failed with exit code 1: Error: helm upgrade failed: timed out waiting for the condition" "error names the command and its stderr"
out=$(PATH=/nonexistent "$RP" run deploy -f fail.rp 2>&1); rc=$?
assert_eq "$rc" 1 "a missing CLI fails the stage"
assert_contains "$out" "helm.upgrade: helm: command not found" "a missing CLI is named"

# ---- secrets: on stdin for docker.login, refused in any argv ----
cat > secret.rp <<'EOF'
stage login { docker.login("registry.example:5000", "ci", secret("REG_PASS")) }
stage plain { docker.login("registry.example:5000", "ci", "plain-pw-123") print("pw is plain-pw-123") }
stage leak { helm.upgrade("app", "chart", set: {"db.password": secret("REG_PASS")}) }
stage leak2 { docker.build(".", build_args: {TOKEN: secret("REG_PASS")}) }
EOF
rm -f calls.log
out=$(REG_PASS=s3cr3t-pw "$RP" run login -f secret.rp 2>&1); rc=$?
assert_eq "$rc" 0 "docker.login runs"
assert_contains "$out" "[login] Login Succeeded!" "login output streams"
assert_eq "$(cat calls.log)" '["container-cli", "login", "--username", "ci", "--password-stdin", "--", "registry.example:5000"]
{"stdin": "s3cr3t-pw\n"}' "the password goes on stdin, not argv"
assert_not_contains "$out" "s3cr3t-pw" "the password is not printed"
out=$("$RP" run plain -f secret.rp 2>&1)
assert_contains "$out" "[plain] pw is ***" "a plain-string password is masked too"
out=$(REG_PASS=s3cr3t-pw "$RP" run login --dry-run -f secret.rp 2>&1)
assert_contains "$out" "[login] [dry-run] $stubs/container-cli login --username ci --password-stdin -- registry.example:5000" "dry-run login"
assert_not_contains "$out" "s3cr3t-pw" "dry run does not print the password"
rm -f calls.log
for st in leak leak2; do
  out=$(REG_PASS=s3cr3t-pw "$RP" run $st -f secret.rp 2>&1); rc=$?
  assert_eq "$rc" 1 "$st: a secret in argv fails"
  assert_contains "$out" "refusing to put a secret on the command line" "$st: says why"
  assert_not_contains "$out" "s3cr3t-pw" "$st: not printed"
done
assert_eq "$(cat calls.log 2>/dev/null)" "" "nothing ran with a secret in argv"
# nor does a dry run print such a command: it is refused the same way
for st in leak leak2; do
  out=$(REG_PASS=s3cr3t-pw "$RP" run $st --dry-run -f secret.rp 2>&1); rc=$?
  assert_eq "$rc" 1 "$st: a secret in argv fails a dry run too"
  assert_contains "$out" "refusing to put a secret on the command line" "$st: dry run says why"
  assert_not_contains "$out" "[dry-run]" "$st: no command shown"
done

# a --set key cannot add pairs: helm's separators are escaped in keys too
printf 'stage k { helm.upgrade("app", "chart", set: {"a=b,c": "x", "d\\\\e": "y"}) }\n' > keys.rp
out=$("$RP" run k --dry-run -f keys.rp 2>&1)
assert_contains "$out" "--set 'a\\=b\\,c=x' --set 'd\\\\e=y'" "keys escaped: $out"

# output too large to be a value is an error, not a silent cut
mkdir -p big
printf '#!/bin/sh\nhead -c 17000000 /dev/zero | tr "\\0" x | fold -w 1000\n' > big/kubectl && chmod +x big/kubectl
printf 'stage big { let o = kubectl.rollout_status("deploy/app") }\n' > big.rp
out=$(PATH="$work/big:$PATH" "$RP" run big -f big.rp 2>&1); rc=$?
assert_eq "$rc" 1 "output over the capture limit fails"
assert_contains "$out" "printed more than 16 MiB: too much to use as a value" "and says so"

# ---- which container CLI: RP_CONTAINER_CLI, else docker if on PATH, else podman
mkdir -p both only-podman
for d in both/docker both/podman only-podman/podman; do printf '#!/bin/sh\n' >$d && chmod +x $d; done
printf 'stage which { docker.push("r/app:1") }\n' >which.rp
cli() { env -u RP_CONTAINER_CLI RP_CONTAINER_ARGS= PATH="$work/$1" "$RP" run which --dry-run -f which.rp 2>&1; }
assert_contains "$(cli both)" "[dry-run] docker push -- r/app:1" "docker where present"
assert_contains "$(cli only-podman)" "[dry-run] podman push -- r/app:1" "else podman"
assert_contains "$(RP_CONTAINER_CLI=nerdctl RP_CONTAINER_ARGS= "$RP" run which --dry-run -f which.rp 2>&1)" "[dry-run] nerdctl push -- r/app:1" "RP_CONTAINER_CLI first"

# ---- docker.*: real builds with podman, pushed to a local registry ----
# a missing tool fails the test (CI installs them all)
missing_tool() {
  [ "$_failures" -eq 0 ] || finish
  _fail "$1 (scripts/install-deps.sh installs it)"
  finish
}
for tool in podman docker-registry skopeo curl; do
  command -v $tool >/dev/null 2>&1 || missing_tool "$tool is not installed"
done
export RP_CONTAINER_CLI=podman
export RP_CONTAINER_ARGS="--root $REG_TMP/storage --runroot $REG_TMP/run --storage-driver vfs"
export RP_CONTAINER_BUILD_ARGS="--isolation chroot" RP_CONTAINER_PUSH_ARGS="--tls-verify=false"
mkdir -p img
echo "hello from rp" > img/hello.txt
printf 'FROM scratch\nARG GREETING=none\nLABEL greeting=$GREETING\nCOPY hello.txt /hello.txt\n' > img/Containerfile
podman $RP_CONTAINER_ARGS build --isolation chroot -q img >/dev/null 2>&1 || missing_tool "podman cannot build images here"
reg_start images || exit 1
cat > images.rp <<EOF
stage images {
  let img = docker.build("img", file: "img/Containerfile", tags: ["$REG_ADDR/app:1.0"],
                         build_args: {GREETING: "hi there"}, labels: {"org.example.rev": "abc123"})
  let ref = img.ref
  print("image id \${img.id}")
  docker.tag(ref, "$REG_ADDR/app:latest")
  print("pushed " + docker.push(ref))
  docker.push("$REG_ADDR/app:latest")
}
EOF
out=$("$RP" run images -f images.rp 2>&1); rc=$?
assert_eq "$rc" 0 "build, tag and push with podman"
assert_contains "$out" "[images] pushed $REG_ADDR/app:1.0" "docker.build returns its first tag as ref"
assert_contains "$out" "[images] image id sha256:$(podman $RP_CONTAINER_ARGS image inspect --format '{{.Id}}' "$REG_ADDR/app:1.0")" \
  "and the image id"
assert_contains "$out" "[images] COMMIT $REG_ADDR/app:1.0" "build output streams"
labels=$(skopeo inspect --tls-verify=false --format '{{.Labels}}' "docker://$REG_ADDR/app:1.0" 2>&1)
assert_contains "$labels" "greeting:hi there" "build_args reached the build"
assert_contains "$labels" "org.example.rev:abc123" "labels reached the image"
d1=$(reg_skopeo_digest "$REG_ADDR/app:1.0"); d2=$(reg_skopeo_digest "$REG_ADDR/app:latest")
assert_contains "$d1" "sha256:" "the pushed image is in the registry"
assert_eq "$d2" "$d1" "docker.tag + push: latest is the same image"
layers=$(skopeo inspect --tls-verify=false --format '{{len .Layers}}' "docker://$REG_ADDR/app:1.0")
assert_eq "$layers" 1 "one COPY layer"

# dry run: prints the podman argv, builds and pushes nothing
out=$("$RP" run images --dry-run -f images.rp 2>&1)
assert_contains "$out" "[images] [dry-run] podman --root $REG_TMP/storage --runroot $REG_TMP/run --storage-driver vfs build --isolation chroot --file img/Containerfile --tag $REG_ADDR/app:1.0 --build-arg 'GREETING=hi there' --label org.example.rev=abc123 -- img" "dry-run build argv"
assert_contains "$out" "[images] [dry-run] podman --root $REG_TMP/storage --runroot $REG_TMP/run --storage-driver vfs push --tls-verify=false -- $REG_ADDR/app:1.0" "dry-run push argv"
assert_not_contains "$out" "COMMIT" "dry run built nothing"

# build options: a stage target, platforms, cache, build secrets (on the
# CLI's environment, never its argv), push: true returning the digest. The
# build runs RUN steps, in a base image of busybox made here.
command -v busybox >/dev/null 2>&1 || { _fail "busybox is not installed (scripts/install-deps.sh)"; finish; }
mkdir -p base app
cp "$(command -v busybox)" base/busybox
printf 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n' > base/Containerfile
podman $RP_CONTAINER_ARGS build --isolation chroot -q -t localhost/rp-test-base base >/dev/null 2>&1 ||
  { _fail "cannot build the busybox base image"; finish; }
cat > app/Containerfile <<'EOF'
FROM localhost/rp-test-base AS tools
RUN echo unused > /unused
FROM localhost/rp-test-base AS final
RUN --mount=type=secret,id=npm sha256sum /run/secrets/npm | cut -c1-64 > /secret-sum
EOF
export NPM_TOKEN="npm-build-secret-$$"
cat > build.rp <<EOF
stage opts {
  let img = docker.build("app", tags: ["$REG_ADDR/opts:1", "$REG_ADDR/opts:latest"], target: "final",
                         platforms: ["linux/amd64"], secrets: {npm: secret("NPM_TOKEN")}, push: true)
  print("ref " + img.ref + " digest " + img.digest)
}
stage hostile { docker.build("app", secrets: {"npm,src=/etc/shadow": "x-y-z"}) }
stage dry {
  docker.build("app", tags: "r/a:1", platforms: ["linux/amd64", "linux/arm64"], cache_from: ["r/a:cache"],
               cache_to: "r/a:cache", secrets: {npm: secret("NPM_TOKEN")}, load: true, push: true)
}
EOF
out=$("$RP" run opts -f build.rp 2>&1); rc=$?
assert_eq "$rc" 0 "build with options: $out"
d1=$(reg_skopeo_digest "$REG_ADDR/opts:1"); d2=$(reg_skopeo_digest "$REG_ADDR/opts:latest")
assert_contains "$out" "[opts] ref $REG_ADDR/opts:1 digest $d1" "push: true returns the digest the registry holds"
assert_eq "$d2" "$d1" "every tag pushed"
assert_not_contains "$out" "$NPM_TOKEN" "the build secret is not shown"
assert_eq "$(grep -rlF "$NPM_TOKEN" "$RP_STATE_DIR" | wc -l)" 0 "nor recorded"
ctr=$(buildah $RP_CONTAINER_ARGS from -q "$REG_ADDR/opts:1")
# buildah's chroot isolation now and then drops a command's whole output:
# a command that prints something is run again when it printed nothing
in_image() {
  for try in 1 2 3 4 5; do
    said=$(buildah $RP_CONTAINER_ARGS run --isolation chroot "$ctr" "$@")
    [ -n "$said" ] && break
  done
  printf '%s\n' "$said"
}
assert_eq "$(in_image cat /secret-sum)" \
  "$(printf %s "$NPM_TOKEN" | sha256sum | cut -c1-64)" "the build read the secret at /run/secrets/npm"
assert_eq "$(in_image sh -c 'ls /unused 2>&1; cat /run/secrets/npm 2>&1' | grep -c "No such file")" 2 \
  "target: the tools stage is not in the image, and the secret is in no layer"
buildah $RP_CONTAINER_ARGS rm "$ctr" >/dev/null
out=$("$RP" run hostile -f build.rp 2>&1); rc=$?
assert_eq "$rc" 1 "a secret id that would add options is refused"
assert_contains "$out" "secret id 'npm,src=/etc/shadow': use letters, digits and _ - ." "named"
out=$("$RP" run dry --dry-run -f build.rp 2>&1); rc=$?
assert_eq "$rc" 0 "dry run of a build with every option: $out"
assert_contains "$out" "build --isolation chroot --tag r/a:1 --platform linux/amd64,linux/arm64 --cache-from r/a:cache --cache-to r/a:cache --secret id=npm,env=RP_BUILD_SECRET_0 --load -- app" \
  "the argv: secrets by id only"
assert_contains "$out" "push --tls-verify=false -- r/a:1" "and the push"

# a failing push names the command
out=$(RP_CONTAINER_PUSH_ARGS= "$RP" run images -f images.rp 2>&1); rc=$?
assert_eq "$rc" 1 "push over https to a plain-http registry fails"
assert_contains "$out" "docker.push: \`podman --root" "the failing push is named"
finish
