# registry-lib.sh — real registries and images for integration tests.
#
# Source it, then:
#   reg_require                 fail the test without docker-registry,
#                               buildah, skopeo, python3, openssl, htpasswd or curl
#   reg_setup                   make $REG_TMP (removed, servers stopped, at exit)
#   reg_start NAME [AUTH]       start docker-registry on a free 127.0.0.1 port,
#                               storage under $REG_TMP/NAME, deletes enabled;
#                               AUTH: "" | "htpasswd USER PASS" | "token USER PASS".
#                               Sets REG_ADDR (127.0.0.1:PORT); with token also
#                               TOKEN_LOG (one line per token issued).
#   reg_push_image REF TEXT [EPOCH] [CREDS]   build FROM scratch + a file
#                               holding TEXT (created at EPOCH), push to REF
#   reg_push_file REF FILE      the same with FILE as /payload (big images)
#   reg_push_index REF [CREDS]  a two-arch (amd64, arm64) index, pushed whole
#   reg_skopeo_digest REF [CREDS]             the manifest digest per skopeo
#   reg_serve_python PORTVAR SCRIPT ARGS...   start a tests/lib Python server
#                               that writes its port to a file; sets PORTVAR
# Everything listens on 127.0.0.1 and is stopped by the EXIT trap.
# (`local` is not POSIX but bash, dash and busybox sh all have it.)

REG_LIB_DIR="${top_srcdir:-.}/tests/lib"
REG_PIDS=
REG_SEQ=0

reg_require() {
  for tool in docker-registry buildah skopeo python3 openssl htpasswd curl; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "FAIL: $tool is not installed (scripts/install-deps.sh installs it)" >&2
      exit 1
    fi
  done
}

reg_cleanup() {
  for pid in $REG_PIDS; do kill "$pid" 2>/dev/null; done
  for pid in $REG_PIDS; do wait "$pid" 2>/dev/null; done
  [ -n "$REG_TMP" ] && rm -rf "$REG_TMP"
}

reg_setup() {
  REG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/rp-registry.XXXXXX")
  trap reg_cleanup EXIT
  trap 'exit 1' INT TERM
}

reg_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Waits until http://$1/v2/ answers at all (200 or 401).
reg_wait_up() {
  local i=0 code
  while [ $i -lt 100 ]; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://$1/v2/" 2>/dev/null)
    case $code in 200|401) return 0 ;; esac
    sleep 0.1
    i=$((i + 1))
  done
  echo "registry at $1 did not come up" >&2
  return 1
}

reg_serve_python() {
  local portvar=$1 script=$2 pf i
  shift 2
  REG_SEQ=$((REG_SEQ + 1))
  pf="$REG_TMP/port.$REG_SEQ"
  python3 "$REG_LIB_DIR/$script" "$pf" "$@" &
  REG_PIDS="$REG_PIDS $!"
  i=0
  while [ ! -s "$pf" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
  [ -s "$pf" ] || { echo "$script did not start" >&2; return 1; }
  eval "$portvar=\$(cat \"\$pf\")"
}

reg_start() {
  local name=$1 mode=${2:-} dir port auth tport
  dir="$REG_TMP/$name"
  mkdir -p "$dir"
  port=$(reg_free_port)
  auth=
  set -- $mode
  case ${1:-} in
    htpasswd)
      htpasswd -Bbn "$2" "$3" > "$dir/htpasswd"
      auth="auth:
  htpasswd:
    realm: rp-test
    path: $dir/htpasswd"
      ;;
    token)
      openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=rp-test-token" \
        -keyout "$dir/key.pem" -out "$dir/cert.pem" >/dev/null 2>&1 || return 1
      TOKEN_LOG="$dir/tokens.log"
      : > "$TOKEN_LOG"
      reg_serve_python tport token-server.py "$dir/key.pem" "$dir/cert.pem" "$2" "$3" \
        rp-test-issuer rp-test-registry "$TOKEN_LOG" || return 1
      auth="auth:
  token:
    realm: http://127.0.0.1:$tport/token
    service: rp-test-registry
    issuer: rp-test-issuer
    rootcertbundle: $dir/cert.pem"
      ;;
  esac
  cat > "$dir/config.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
$auth
EOF
  docker-registry serve "$dir/config.yml" > "$dir/registry.log" 2>&1 &
  REG_PIDS="$REG_PIDS $!"
  REG_ADDR=127.0.0.1:$port
  reg_wait_up "$REG_ADDR"
}

reg_buildah() {
  buildah --root "$REG_TMP/storage" --runroot "$REG_TMP/run" --storage-driver vfs "$@"
}

# Builds a FROM scratch image with /content.txt = TEXT and commits it as $1.
reg_build() {
  local ref=$1 text=$2 epoch=${3:-} arch=${4:-} ctr
  ctr=$(reg_buildah from scratch) || return 1
  printf '%s\n' "$text" > "$REG_TMP/content.txt"
  reg_buildah copy "$ctr" "$REG_TMP/content.txt" /content.txt >/dev/null || return 1
  [ -n "$arch" ] && reg_buildah config --arch "$arch" "$ctr"
  reg_buildah commit -q ${epoch:+--timestamp "$epoch"} "$ctr" "$ref" >/dev/null || return 1
  reg_buildah rm "$ctr" >/dev/null
}

reg_push_image() {
  local ref=$1
  reg_build "$ref" "$2" "${3:-}" || return 1
  reg_buildah push -q --tls-verify=false ${4:+--creds "$4"} "$ref" "docker://$ref" >/dev/null
}

reg_push_file() {
  local ctr
  ctr=$(reg_buildah from scratch) || return 1
  reg_buildah copy "$ctr" "$2" /payload >/dev/null || return 1
  reg_buildah commit -q "$ctr" "$1" >/dev/null || return 1
  reg_buildah rm "$ctr" >/dev/null
  reg_buildah push -q --tls-verify=false "$1" "docker://$1" >/dev/null
}

reg_push_index() {
  REG_SEQ=$((REG_SEQ + 1))
  local ref=$1 list="localhost/rp-index-$REG_SEQ" arch
  reg_buildah manifest create "$list" >/dev/null || return 1
  for arch in amd64 arm64; do
    reg_build "$list-$arch" "index $ref $arch" "" "$arch" || return 1
    reg_buildah manifest add --arch "$arch" "$list" "$list-$arch" >/dev/null || return 1
  done
  reg_buildah manifest push -q --all --tls-verify=false ${2:+--creds "$2"} "$list" "docker://$ref" >/dev/null
}

reg_skopeo_digest() {
  skopeo inspect --tls-verify=false ${2:+--creds "$2"} --format '{{.Digest}}' "docker://$1"
}
