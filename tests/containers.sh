#!/bin/sh
# containers.sh — a stage's `container` and `services`, run for real with
# buildah (--isolation chroot: what works on machines without a container
# engine), in images of busybox made here: the stage's commands run in its
# image with the workspace mounted; a service is started first, waited
# for, reachable by name from the container and on 127.0.0.1 from the
# machine; its log is shown when the stage fails; everything is removed;
# no command or value is ever on an argv.
set -u
. "$top_srcdir/tests/lib/assert.sh"
for tool in buildah podman busybox curl; do
  command -v $tool >/dev/null 2>&1 || { echo "FAIL: $tool is not installed (scripts/install-deps.sh installs it)"; exit 1; }
done
tmp=$(mktemp -d)
A="--root $tmp/storage --runroot $tmp/run --storage-driver vfs"
cleanup() {
  pkill -f "httpd -f -p 127.0.0.1:$port" 2>/dev/null
  buildah $A rm --all >/dev/null 2>&1
  rm -rf "$tmp" 2>/dev/null || { chmod -R u+w "$tmp"; rm -rf "$tmp"; }
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# images: busybox as a base, and a web server holding one page
mkdir -p "$tmp/base" "$tmp/web"
cp "$(command -v busybox)" "$tmp/base/busybox"
printf 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n' > "$tmp/base/Containerfile"
echo "hello from the service" > "$tmp/web/hello.txt"
printf 'FROM localhost/rp-ctr-base\nCOPY hello.txt /www/hello.txt\nCMD ["httpd", "-f", "-p", "127.0.0.1:%s", "-h", "/www"]\n' "$port" > "$tmp/web/Containerfile"
podman $A build --isolation chroot -q -t localhost/rp-ctr-base "$tmp/base" >/dev/null 2>&1 &&
podman $A build --isolation chroot -q -t localhost/rp-ctr-web "$tmp/web" >/dev/null 2>&1 ||
  { echo "FAIL: cannot build the test images"; exit 1; }

# buildah, through a wrapper that records every argv it is given
mkdir -p "$tmp/bin" "$tmp/ws"
cat > "$tmp/bin/buildah" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >> "$tmp/argv.log"
exec $(command -v buildah) "\$@"
EOF
chmod +x "$tmp/bin/buildah"
export RP_CONTAINER_CLI="$tmp/bin/buildah" RP_CONTAINER_ARGS="$A" RP_CONTAINER_RUN_ARGS="--isolation chroot"
export TOK="container-token-$$"
cd "$tmp/ws" || exit 1
cat > pipeline.rp <<EOF
let port = $port
let tricky = "it's \"\\\$HOME\" \`id\` ; \\\${x}"

stage web_test {
  container "localhost/rp-ctr-base"
  services {web: {image: "localhost/rp-ctr-web", port: port, wait: 20s}}
  sh "test -x /bin/busybox && test ! -e /usr/bin/python3 && echo in-the-image"
  sh "wget -qO- http://web:\${port}/hello.txt > fetched.txt"
  sh "printf '%s' \${tricky} > tricky.txt"
  sh "printf '%s' \${secret("TOK")} | sha256sum | cut -c1-64 > tok.sum; echo token \${secret("TOK")}"
  sh("pwd > where.txt", dir: "sub")
  sh "wget -qO- http://127.0.0.1:\${port}/hello.txt"
}

stage from_host {
  services {web: {image: "localhost/rp-ctr-web", port: port, wait: 20s}}
  sh "curl -s http://127.0.0.1:\${port}/hello.txt > host-fetched.txt"
}

stage failing {
  container "localhost/rp-ctr-base"
  services {
    web: {image: "localhost/rp-ctr-web", port: port, wait: 20s,
          command: ["sh", "-c", "echo service-says-hi; exec httpd -f -p 127.0.0.1:\${port} -h /www"]}
  }
  sh "exit 3"
}

stage never_ready {
  services {web: {image: "localhost/rp-ctr-base", port: port, wait: 1s, command: ["sleep", "30"]}}
  sh "echo unreachable"
}
EOF
mkdir -p sub

out=$("$RP" run web_test 2>&1); rc=$?
assert_eq "$rc" 0 "a stage in a container with a service: $out"
assert_contains "$out" "[web_test] service web: ready on 127.0.0.1:$port" "the service was waited for"
assert_contains "$out" "[web_test] in-the-image" "commands run in the stage's image"
assert_eq "$(cat fetched.txt)" "hello from the service" "the service is reachable by name; the workspace is mounted"
assert_eq "$(cat tricky.txt)" "it's \"\$HOME\" \`id\` ; \${x}" "values reach the container as data"
assert_eq "$(cat tok.sum)" "$(printf %s "$TOK" | sha256sum | cut -c1-64)" "a secret reaches the command"
assert_contains "$out" "[web_test] token ***" "and is masked"
assert_eq "$(cat sub/where.txt)" "/workspace/sub" "dir: is relative to the workspace"
assert_contains "$out" "[web_test] hello from the service" "and on 127.0.0.1"
assert_not_contains "$(cat "$tmp/argv.log")" "$TOK" "no secret on any argv"
assert_not_contains "$(cat "$tmp/argv.log")" "tricky" "no command on any argv"
assert_not_contains "$(cat "$tmp/argv.log")" "sha256sum" "no command text on any argv"
assert_eq "$(buildah $A containers --quiet | wc -l)" 0 "every container removed"
assert_eq "$(pgrep -f "httpd -f -p 127.0.0.1:$port" | wc -l)" 0 "the service's process is gone"

out=$("$RP" run from_host 2>&1); rc=$?
assert_eq "$rc" 0 "services of a stage without a container: $out"
assert_eq "$(cat host-fetched.txt)" "hello from the service" "reachable on 127.0.0.1"

out=$("$RP" run failing 2>&1); rc=$?
assert_eq "$rc" 1 "a failing stage in a container fails"
assert_contains "$out" "[failing] service web: its log:" "the services' logs are shown after a failure"
assert_contains "$out" "[failing]   service-says-hi" "with what the service printed"
assert_eq "$(buildah $A containers --quiet | wc -l)" 0 "removed after a failure too"

out=$("$RP" run never_ready 2>&1); rc=$?
assert_eq "$rc" 1 "a service that never answers fails the stage"
assert_contains "$out" "service 'web' did not answer in time on port $port" "and says which"
assert_not_contains "$out" "unreachable" "the body did not run"
assert_eq "$(buildah $A containers --quiet | wc -l)" 0 "removed when a service never came up"
assert_eq "$(pgrep -f "sleep 30" -P 1 | wc -l)" 0 "its process is gone"

out=$("$RP" run web_test --dry-run 2>&1); rc=$?
assert_eq "$rc" 0 "dry run: $out"
assert_contains "$out" "[dry-run] service web: localhost/rp-ctr-web" "dry run names the service"
assert_contains "$out" "[dry-run] container localhost/rp-ctr-base" "and the container"

# docker-like CLIs (docker, podman, nerdctl): a network, the service as a
# daemon with its port published on 127.0.0.1 and its env values passed by
# name, the stage's container kept alive by `tail`, each command an `exec`
# reading its script on stdin; all removed. Recorded by a stand-in CLI
# (here no engine runs containers) that answers as docker does.
stubs="$top_srcdir/tests/lib/stubs"
python3 -m http.server --bind 127.0.0.1 0 > "$tmp/http.out" 2>&1 &
http=$!
i=0; while ! grep -q "port" "$tmp/http.out" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
sport=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$tmp/http.out" | head -1)
cat > docker.rp <<'EOF'
stage it {
  container "node:20"
  services {db: {image: "postgres:16", port: 5432, env: {POSTGRES_PASSWORD: secret("TOK")}}}
  sh "echo in the container"
}
EOF
: > "$tmp/calls.log"
out=$(PATH="$stubs:$PATH" RP_STUB_LOG="$tmp/calls.log" RP_STUB_PORT=$sport RP_CONTAINER_CLI=container-cli \
      RP_CONTAINER_ARGS= RP_CONTAINER_RUN_ARGS= "$RP" run it -f docker.rp 2>&1); rc=$?
kill $http
assert_eq "$rc" 0 "a docker-like CLI runs the stage: $out"
assert_contains "$out" "[it] service db: ready on 127.0.0.1:$sport" "waited for on its published port"
assert_contains "$out" "[it] in the container" "the command ran through exec"
calls=$(grep -v '"stdin"' "$tmp/calls.log" | sed -E 's/rp-[0-9]+-[0-9]+-/rp-N-/g')
assert_eq "$calls" '["container-cli", "network", "create", "rp-N-it-net"]
["container-cli", "run", "--detach", "--name", "rp-N-it-db", "--network", "rp-N-it-net", "--network-alias", "db", "--publish", "127.0.0.1::5432", "--env", "POSTGRES_PASSWORD", "--", "postgres:16"]
["container-cli", "port", "id-rp-N-it-db", "5432/tcp"]
["container-cli", "run", "--detach", "--name", "rp-N-it", "--volume", "'"$tmp/ws"':/workspace", "--workdir", "/workspace", "--entrypoint", "tail", "--network", "rp-N-it-net", "--", "node:20", "-f", "/dev/null"]
["container-cli", "exec", "--interactive", "--workdir", "/workspace", "id-rp-N-it", "/bin/sh", "-s"]
["container-cli", "rm", "--force", "id-rp-N-it-db", "id-rp-N-it"]
["container-cli", "network", "rm", "rp-N-it-net"]' "the docker-like argvs"
assert_not_contains "$calls" "$TOK" "the service's secret env value is on no argv"

cat > bad.rp <<'EOF'
stage s {
  container 3
  services "db"
}
EOF
out=$("$RP" check bad.rp 2>&1); rc=$?
assert_eq "$rc" 2 "rp check rejects literals of the wrong kind"
assert_contains "$out" "container needs an image, as in \"node:20\"" "container"
assert_contains "$out" "services needs a map of names to images" "services"
finish
