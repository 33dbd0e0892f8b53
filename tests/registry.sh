#!/bin/sh
# registry.sh — registry.* against real docker-registry servers (anonymous,
# htpasswd basic auth, bearer tokens from tests/lib/token-server.py), images
# built with buildah and checked with skopeo; then misbehaving servers.
. "$top_srcdir/tests/lib/registry-lib.sh"
reg_require
T="$(dirname "$RP")/tests/unit/test_registry"
[ -x "$T" ] || { echo "FAIL: $T is not built" >&2; exit 1; }
reg_setup

# rt runs the driver; a sanitizer report (exit 99) anywhere fails the test
# at the end, even inside $(...) where only the output is checked.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=99"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=99"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}exitcode=99"
rt() {
  "$T" "$@"
  local rc=$?
  [ $rc -ne 99 ] || echo "$*" >> "$REG_TMP/sanitizer"
  return $rc
}

checks=0
fail() { echo "FAIL: $*" >&2; exit 1; }
eq() { [ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"; checks=$((checks + 1)); }
has() { case $1 in *"$2"*) checks=$((checks + 1)) ;; *) fail "$3: '$2' not in: $1" ;; esac; }
hasnt() { case $1 in *"$2"*) fail "$3: '$2' found in: $1" ;; *) checks=$((checks + 1)) ;; esac; }
# stats KEY OUTPUT: the value of KEY=N in a copy's statistics line
stat() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
skopeo_tags() {
  skopeo list-tags --tls-verify=false ${2:+--creds "$2"} "docker://$1" |
    python3 -c 'import json,sys; print("\n".join(sorted(json.load(sys.stdin)["Tags"])))'
}
pull_all() { # every blob of $1 must be downloadable
  rm -rf "$REG_TMP/pulled"
  skopeo copy -q --all --src-tls-verify=false ${2:+--src-creds "$2"} "docker://$1" "oci:$REG_TMP/pulled" \
    >/dev/null 2>&1 || fail "skopeo cannot pull $1"
  checks=$((checks + 1))
}

# ---- anonymous registry ------------------------------------------------
reg_start plain || fail "docker-registry did not start"
R=$REG_ADDR
reg_push_image "$R/app:1.0.0" one 1000000000 || fail "buildah push"
reg_push_image "$R/app:1.10.0" ten 1100000000
reg_push_image "$R/app:1.2.0" two 1200000000
reg_push_image "$R/app:2.0.0-rc.1" rc 1300000000
reg_push_image "$R/app:latest" now
reg_push_index "$R/multi:1" || fail "buildah manifest push"

# tags: the same set skopeo sees, also page by page (n=2: 3 requests).
# This docker-registry ignores n, so pages come from a proxy that adds
# Link pagination in front of it (tests/lib/paging-proxy.py).
eq "$(rt tags "$R/app" | sort)" "$(skopeo_tags "$R/app")" "tags"
reg_serve_python PP paging-proxy.py "$R" || fail "paging proxy"
out=$(RP_TEST_COUNT_REQUESTS=1 rt -n 2 tags "127.0.0.1:$PP/app" 2>"$REG_TMP/err")
eq "$out" "$(skopeo_tags "$R/app")" "tags with n=2 in order"
out=$(RP_TEST_COUNT_REQUESTS=1 rt -n 2 tags "$R/app" 2>/dev/null | sort)
eq "$out" "$(skopeo_tags "$R/app")" "tags with n=2"
eq "$(cat "$REG_TMP/err")" "requests=3" "pages followed through Link"
# all pages over one kept-alive connection
conns=$(curl -s "http://127.0.0.1:$PP/_proxy/connections")
eq "$(rt -n 1 tags "127.0.0.1:$PP/app" | wc -l)" 5 "five pages of one tag"
eq "$(($(curl -s "http://127.0.0.1:$PP/_proxy/connections") - conns))" 2 \
  "five requests on one connection (plus curl's own)"
err=$(rt -n 2 tags "127.0.0.1:$PP/nothing" 2>&1) && fail "tags of an unknown repository"
has "$err" "NAME_UNKNOWN" "unknown repository through the proxy"

# exists, digest
eq "$(rt exists "$R/app:1.2.0")" true "exists"
eq "$(rt exists "$R/app:nope")" false "exists (unknown tag)"
eq "$(rt exists "$R/nothing:1")" false "exists (unknown repository)"
d12=$(rt digest "$R/app:1.2.0")
eq "$d12" "$(reg_skopeo_digest "$R/app:1.2.0")" "digest"
dm=$(rt digest "$R/multi:1")
eq "$dm" "$(reg_skopeo_digest "$R/multi:1")" "digest of an index"
eq "$(rt exists "$R/app@$d12")" true "exists by digest"
# without Docker-Content-Digest (optional in the spec) the digest is computed
reg_serve_python ND paging-proxy.py "$R" no-digest || fail "no-digest proxy"
eq "$(curl -sI "http://127.0.0.1:$ND/v2/app/manifests/1.2.0" | grep -ci docker-content-digest)" 0 \
  "the proxy hides the digest header"
eq "$(rt digest "127.0.0.1:$ND/app:1.2.0")" "$d12" "digest computed from the manifest"
eq "$(rt digest "127.0.0.1:$ND/multi:1")" "$dm" "index digest computed"
# a manifest fetched by digest must hash to it
reg_serve_python TP paging-proxy.py "$R" tamper || fail "tampering proxy"
err=$(rt copy "127.0.0.1:$TP/app@$d12" "127.0.0.1:$TP/app:tampered" 2>&1) && fail "tampered manifest copied"
has "$err" "does not match its digest" "tampered manifest refused"
eq "$(rt exists "$R/app:tampered")" false "nothing written"
err=$(rt digest "$R/app:nope" 2>&1) && fail "digest of an unknown tag succeeded"
has "$err" "$R/app:nope" "digest error names the reference"

# copy: same repository (re-tag: 1 GET + 1 PUT, no blob traffic)
out=$(rt copy "$R/app:1.2.0" "$R/app:promoted") || fail "copy to a new tag"
eq "$(printf '%s\n' "$out" | head -1)" "$d12" "copy returns the digest"
eq "$(stat requests "$out") $(stat mounted "$out") $(stat streamed "$out")" "2 0 0" "re-tag traffic"
eq "$(reg_skopeo_digest "$R/app:promoted")" "$d12" "promoted tag per skopeo"

# copy: another repository on the same registry (blobs mounted)
out=$(rt copy "$R/app:1.2.0" "$R/prod/app:1.2.0") || fail "copy to another repository"
eq "$(stat mounted "$out") $(stat streamed "$out")" "2 0" "config and layer mounted"
eq "$(reg_skopeo_digest "$R/prod/app:1.2.0")" "$d12" "copied image per skopeo"
pull_all "$R/prod/app:1.2.0"

# copy: a registry that refuses the mount (202, an upload session) gets
# the blobs streamed into that session (proxy dropping mount=, from=)
reg_serve_python NM paging-proxy.py "$R" no-mount || fail "no-mount proxy"
out=$(rt copy "127.0.0.1:$NM/app:1.2.0" "127.0.0.1:$NM/fallback/app:1.2.0") || fail "copy without mount"
eq "$(stat mounted "$out") $(stat streamed "$out")" "0 2" "refused mount falls back to streaming"
eq "$(reg_skopeo_digest "$R/fallback/app:1.2.0")" "$d12" "streamed copy per skopeo"
pull_all "$R/fallback/app:1.2.0"

# copy: a multi-arch index, children first
out=$(rt copy "$R/multi:1" "$R/prod/multi:1") || fail "copy of an index"
eq "$(stat manifests "$out") $(stat mounted "$out")" "3 4" "index and two children copied"
eq "$(reg_skopeo_digest "$R/prod/multi:1")" "$dm" "copied index per skopeo"
pull_all "$R/prod/multi:1"

# copy: to another registry (blobs streamed, then already present)
reg_start second || fail "second registry"
R2=$REG_ADDR
out=$(rt copy "$R/app:1.0.0" "$R2/mirror/app:1.0.0") || fail "copy across registries"
eq "$(stat streamed "$out") $(stat mounted "$out")" "2 0" "blobs streamed across registries"
eq "$(reg_skopeo_digest "$R2/mirror/app:1.0.0")" "$(reg_skopeo_digest "$R/app:1.0.0")" "mirrored digest"
pull_all "$R2/mirror/app:1.0.0"
out=$(rt copy "$R/app:1.0.0" "$R2/mirror/app:again") || fail "second copy across registries"
eq "$(stat present "$out") $(stat streamed "$out")" "2 0" "present blobs not uploaded again"
out=$(rt copy "$R/multi:1" "$R2/mirror/multi:1") || fail "index across registries"
eq "$(reg_skopeo_digest "$R2/mirror/multi:1")" "$dm" "index mirrored"

# delete
reg_push_image "$R/gone:1" "to be deleted"
rt delete "$R/gone:1" || fail "delete"
eq "$(rt exists "$R/gone:1")" false "deleted tag is gone"
skopeo inspect --tls-verify=false "docker://$R/gone:1" >/dev/null 2>&1 && fail "skopeo still sees gone:1"
err=$(rt delete "$R/gone:1" 2>&1) && fail "deleting twice succeeded"
has "$err" "manifest unknown" "second delete"

# prune: '^old-', keep the newest 1, older than a day; old-shared has the
# digest of keep-me (which does not match) and must survive
P=$R/prune
reg_push_image "$P:old-1" o1 1000000000
reg_push_image "$P:old-2" o2 1100000000
reg_push_image "$P:old-3" o3 1200000000
reg_push_image "$P:keep-me" k 1000000000
reg_push_image "$P:new-1" fresh
skopeo copy -q --all --src-tls-verify=false --dest-tls-verify=false "docker://$P:keep-me" "docker://$P:old-shared" >/dev/null
eq "$(rt prune "$P" '^old-' 1 86400000 dry | tr '\n' ' ')" "old-2 old-1 " "prune dry run"
eq "$(skopeo_tags "$P" | tr '\n' ' ')" "keep-me new-1 old-1 old-2 old-3 old-shared " "dry run deletes nothing"
eq "$(rt prune "$P" '^old-' 1 86400000 | tr '\n' ' ')" "old-2 old-1 " "prune"
eq "$(skopeo_tags "$P" | tr '\n' ' ')" "keep-me new-1 old-3 old-shared " "tags after prune"
eq "$(rt prune "$P" '^new-' 0 86400000)" "" "young tags stay"
eq "$(rt prune "$P" '^new-' 0 0)" "new-1" "without an age limit they go"

# latest: SemVer precedence (1.10.0 > 1.2.0; pre-releases rank below
# their release) versus the newest creation time
eq "$(rt latest "$R/app" '' semver)" "2.0.0-rc.1" "latest semver"
eq "$(rt latest "$R/app" '^\d+\.\d+\.\d+$' semver)" "1.10.0" "latest semver, releases only"
eq "$(rt latest "$R/app" '^1\.' newest)" "1.2.0" "latest newest"
eq "$(rt latest "$R/app" '^v9' semver)" "(none)" "latest with no candidate"
# the precedence chain of the SemVer 2.0.0 spec, as tags of one image
for t in 1.0.0-alpha 1.0.0-alpha.1 1.0.0-alpha.beta 1.0.0-beta 1.0.0-beta.2 1.0.0-beta.11 \
  1.0.0-rc.1 1.0.0 v1.0.1 1.0 01.2.3 1.2.3-01 release; do
  rt copy "$R/app:1.0.0" "$R/sv:$t" >/dev/null || fail "tagging sv:$t"
done
eq "$(rt latest "$R/sv" '' semver)" "v1.0.1" "leading v; invalid versions ignored"
eq "$(rt latest "$R/sv" '^1\.0\.0' semver)" "1.0.0" "release above its pre-releases"
eq "$(rt latest "$R/sv" '-' semver)" "1.0.0-rc.1" "rc above beta"
eq "$(rt latest "$R/sv" 'beta\.' semver)" "1.0.0-beta.11" "numeric identifiers compare as numbers"
eq "$(rt latest "$R/sv" '^1\.0\.0-(alpha|beta)$' semver)" "1.0.0-beta" "beta above alpha"
eq "$(rt latest "$R/sv" 'alpha' semver)" "1.0.0-alpha.beta" "alphanumeric above numeric"
eq "$(rt latest "$R/sv" '^1\.0\.0-alpha(\.1)?$' semver)" "1.0.0-alpha.1" "more identifiers rank higher"

# ---- htpasswd basic auth ------------------------------------------------
reg_start basic "htpasswd alice s3cret-pw" || fail "registry with htpasswd"
A=$REG_ADDR
reg_push_image "$A/team/app:1.0.0" basic 1000000000 "alice:s3cret-pw" || fail "push with basic auth"
eq "$(rt -u alice -p s3cret-pw tags "$A/team/app")" "1.0.0" "tags with basic auth"
da=$(rt -u alice -p s3cret-pw digest "$A/team/app:1.0.0")
eq "$da" "$(reg_skopeo_digest "$A/team/app:1.0.0" alice:s3cret-pw)" "digest with basic auth"
out=$(rt -u alice -p s3cret-pw copy "$A/team/app:1.0.0" "$A/prod/app:1.0.0") || fail "copy with basic auth"
eq "$(stat mounted "$out")" 2 "mount with basic auth"
mkdir -p "$REG_TMP/dockercfg"
printf '{"auths":{"http://%s":{"auth":"%s"}}}\n' "$A" "$(printf alice:s3cret-pw | base64)" \
  > "$REG_TMP/dockercfg/config.json"
eq "$(DOCKER_CONFIG=$REG_TMP/dockercfg rt tags "$A/prod/app")" "1.0.0" "credentials from DOCKER_CONFIG"
err=$(DOCKER_CONFIG=$REG_TMP/none rt tags "$A/team/app" 2>&1) && fail "anonymous access succeeded"
has "$err" "authentication required" "no credentials"
err=$(rt -u alice -p wr0ng-pw tags "$A/team/app" 2>&1) && fail "a wrong password worked"
has "$err" "credentials refused" "wrong password"
hasnt "$err" "wr0ng-pw" "wrong password not shown"
hasnt "$err" "$(printf alice:wr0ng-pw | base64)" "encoded credentials not shown"

# ---- bearer tokens --------------------------------------------------------
reg_start token "token bob t0ken-pw" || fail "registry with token auth"
B=$REG_ADDR
reg_push_image "$B/lib/app:1.0.0" bearer 1000000000 "bob:t0ken-pw" || fail "push with a token"
reg_push_image "$B/lib/app:1.1.0" bearer2 1100000000 "bob:t0ken-pw"
reg_push_image "$B/lib/app:1.2.0" bearer3 1200000000 "bob:t0ken-pw"
reg_serve_python BP paging-proxy.py "$B" || fail "paging proxy"
before=$(wc -l < "$TOKEN_LOG")
out=$(RP_TEST_COUNT_REQUESTS=1 rt -u bob -p t0ken-pw -n 1 tags "127.0.0.1:$BP/lib/app" 2>"$REG_TMP/err")
eq "$(echo $out)" "1.0.0 1.1.0 1.2.0" "tags with a token, page by page"
eq "$(cat "$REG_TMP/err")" "requests=5" "401, token, then three pages"
eq "$(($(wc -l < "$TOKEN_LOG") - before))" 1 "one token for three pages (cached per scope)"
has "$(tail -1 "$TOKEN_LOG")" "repository:lib/app:pull" "token scope"
db=$(rt -u bob -p t0ken-pw digest "$B/lib/app:1.1.0")
eq "$db" "$(reg_skopeo_digest "$B/lib/app:1.1.0" bob:t0ken-pw)" "digest with a token"
out=$(rt -u bob -p t0ken-pw copy "$B/lib/app:1.1.0" "$B/prod/app:1.1.0") || fail "copy with a token"
eq "$(stat mounted "$out")" 2 "mount with a token"
eq "$(reg_skopeo_digest "$B/prod/app:1.1.0" bob:t0ken-pw)" "$db" "copy with a token per skopeo"
eq "$(grep 'repository:lib/app:pull' "$TOKEN_LOG" | grep -cE 'repository:prod/app:(pull,push|push,pull)')" 1 \
  "one token for the mount, with both scopes"
rt -u bob -p t0ken-pw delete "$B/lib/app:1.0.0" || fail "delete with a token"
eq "$(rt -u bob -p t0ken-pw latest "$B/lib/app" '' semver)" "1.2.0" "latest with a token"
err=$(DOCKER_CONFIG=$REG_TMP/none rt tags "$B/lib/app" 2>&1) && fail "anonymous token worked"
has "$err" "answered 401" "token refused without credentials"
err=$(rt -u bob -p b4d-pw tags "$B/lib/app" 2>&1) && fail "wrong token password worked"
hasnt "$err" "b4d-pw" "wrong token password not shown"

# ---- misbehaving servers ------------------------------------------------
reg_serve_python S test-server.py || fail "test server"
S=127.0.0.1:$S
err=$(rt -r 0 tags "$S/html" 2>&1) && fail "HTML accepted"
has "$err" "http://$S/v2/html/tags/list" "HTML: URL named"
has "$err" "invalid JSON" "HTML: reason"
err=$(rt -r 0 tags "$S/trunc" 2>&1) && fail "truncated JSON accepted"
has "$err" "http://$S/v2/trunc/tags/list: invalid JSON" "truncated JSON"
err=$(rt -r 2 tags "$S/err500" 2>&1) && fail "500 accepted"
has "$err" "http://$S/v2/err500/tags/list: 500" "500 named"
eq "$(curl -s "http://$S/hits/err500")" 3 "500 retried twice"
err=$(rt -r 3 tags "$S/unknown" 2>&1) && fail "404 accepted"
has "$err" "NAME_UNKNOWN" "404 detail"
eq "$(curl -s "http://$S/hits/unknown")" 1 "404 not retried"
err=$(rt -r 0 digest "$S/loop:1" 2>&1) && fail "redirect loop accepted"
has "$err" "http://$S/v2/loop/manifests/1: too many redirects" "redirect loop"
start=$(date +%s)
err=$(rt -r 0 -t 800 tags "$S/hang" 2>&1) && fail "a silent server answered"
has "$err" "http://$S/v2/hang/tags/list" "timeout: URL named"
has "$err" "imed out" "timeout: reason"
[ $(($(date +%s) - start)) -le 5 ] || fail "timeout not honoured"
err=$(rt -r 0 -u carol -p Sup3rS3cretPW tags "$S/echo" 2>&1) && fail "echo accepted"
has "$err" "ECHO" "server message kept"
hasnt "$err" "Sup3rS3cretPW" "echoed password scrubbed"
hasnt "$err" "$(printf carol:Sup3rS3cretPW | base64)" "echoed basic credentials scrubbed"
err=$(rt -r 0 tags "127.0.0.1:1/closed" 2>&1) && fail "closed port"
has "$err" "http://127.0.0.1:1/v2/closed/tags/list" "connection refused: URL named"

[ ! -e "$REG_TMP/sanitizer" ] || fail "sanitizer reports in: $(cat "$REG_TMP/sanitizer")"
echo "registry: $checks checks passed"
