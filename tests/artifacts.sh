#!/bin/sh
# artifacts.sh — `artifact PATTERNS` between stages. Two "machines" (their
# own working directory, HOME and cache) share one state: machine A runs
# `build` (dist/app, dist/sub/x), machine B runs `package` of the same run
# and finds the files byte-identical; rp plan and rp status say what is
# kept and received; a failed run run again on B unpacks what A kept. A
# local run unpacks nothing (the files are there); a stage matching
# nothing, or a symbolic link, fails; a stage restored from the cache
# brings the archive of the run it was cached from.
# Crafted archives put in the state by hand (`../x`, an absolute path, a
# symbolic link, a name through a linked directory, a name with a line
# break and an escape, a wrong digest) are refused, and nothing is written
# outside the workspace. Either state backend (tests/git-state-artifacts.sh:
# the git one, where archives travel as refs/rp/artifacts/RUN/NAME).
set -u
. "$top_srcdir/tests/lib/assert.sh"
. "$top_srcdir/tests/lib/state-lib.sh"
command -v python3 >/dev/null || { echo "FAIL: python3 crafts the hostile archives and is not installed"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
state_setup "$tmp"
unset CI
export GIT_CONFIG_NOSYSTEM=1
pipeline='
stage build {
  artifact ["dist/**", "!dist/*.log"]
  sh "mkdir -p dist/sub && printf app > dist/app && chmod +x dist/app && head -c 3000 /dev/urandom > dist/sub/x && echo noise > dist/build.log"
}
stage package {
  needs build
  sh "cat dist/app && cksum dist/sub/x && test -x dist/app && test ! -e fail-here"
}
'
for m in a b; do
  mkdir -p "$tmp/$m/home"
  printf '%s' "$pipeline" > "$tmp/$m/pipeline.rp"
done
# machine M: rp in its own directory, HOME and git cache, on the one state
on() {
  m=$1; shift
  (cd "$tmp/$m" && HOME="$tmp/$m/home" XDG_CACHE_HOME="$tmp/$m/home/.cache" "$RP" "$@")
}

# 1. build on A, package on B: the same bytes
out=$(on a run --only build --run-id r1 2>&1) || { _fail "build on A"; echo "$out"; }
assert_contains "$out" "rp: artifact: kept 2 files" "A keeps dist/app and dist/sub/x, not the log"
out=$(on b run --only package --run-id r1 2>&1) || { _fail "package on B"; echo "$out"; }
assert_contains "$out" "rp: artifact: unpacked 2 files of build" "B unpacks build's files"
cmp -s "$tmp/a/dist/app" "$tmp/b/dist/app" || _fail "dist/app differs between the machines"
cmp -s "$tmp/a/dist/sub/x" "$tmp/b/dist/sub/x" || _fail "dist/sub/x differs between the machines"
[ ! -e "$tmp/b/dist/build.log" ] || _fail "an excluded file travelled"
digest=$(state_cat runs r1 | python3 -c 'import sys, json
for l in sys.stdin:
    r = json.loads(l)
    if r.get("kind") == "artifact": print(r["digest"], r["size"], r["files"])')
assert_contains "$digest" "sha256:" "the journal records the archive's digest"
# the same files make the same archive: A builds again (same bytes kept)
cp "$tmp/a/dist/sub/x" "$tmp/x.keep"
out=$(on a run --only build --run-id r2 2>&1)
cp "$tmp/x.keep" "$tmp/a/dist/sub/x"
touch -d '2001-01-01' "$tmp/a/dist/app"
first=$(printf '%s' "$digest" | cut -d' ' -f1)
sed -i 's/head -c 3000 \/dev\/urandom > dist\/sub\/x/true/' "$tmp/a/pipeline.rp"
out=$(on a run --only build --run-id r3 2>&1)
assert_contains "$out" "$first" "an archive of the same files has the same digest (mtimes do not count)"
printf '%s' "$pipeline" > "$tmp/a/pipeline.rp"

# rp plan says what each stage keeps and receives; rp status what was kept
out=$(on b plan package 2>&1)
assert_contains "$out" 'keeps artifact "dist/**", "!dist/*.log"' "plan: what build keeps"
assert_contains "$out" "receives the artifacts of build" "plan: what package receives"
out=$(on b status r1 2>&1)
assert_contains "$out" "artifacts:
  build  2 files, " "status: the archive kept"
on b status r1 --json | python3 -c 'import json, sys
a = json.load(sys.stdin)["stages"]["build"]["artifact"]
assert a["digest"].startswith("sha256:") and a["files"] == 2, a' || _fail "status --json: the artifact record"

# a failed run run again on the other machine (--run-id, as rp resume does
# for an unfinished one): build is done, its files come from the state
touch "$tmp/a/fail-here"
out=$(on a run package 2>&1) && _fail "package was meant to fail on A"
id=$(printf '%s\n' "$out" | sed -n 's/^run \([^ ]*\)$/\1/p' | head -1)
rm -rf "$tmp/b/dist"
out=$(on b run package --run-id "$id" 2>&1) || { _fail "the run again on B"; echo "$out"; }
assert_contains "$out" "unpacked 2 files of build" "a run again unpacks what its earlier attempt kept"
assert_not_contains "$out" "kept 2 files" "build did not run again"
cmp -s "$tmp/a/dist/sub/x" "$tmp/b/dist/sub/x" || _fail "run again: dist/sub/x differs"
rm "$tmp/a/fail-here"

# a stage of a run in which the stage it needs never ran: said, not ignored
out=$(on b run --only package --run-id r-none 2>&1) && _fail "package ran without build's artifact"
assert_contains "$out" "artifact of build: run r-none kept none (build has not succeeded in it)" "a missing artifact fails the stage"

# 2. one local run: the files are in the workspace already
out=$(on a run package 2>&1) || { _fail "a local run of package"; echo "$out"; }
assert_not_contains "$out" "unpacked" "a local run unpacks nothing"
assert_contains "$out" "kept 2 files" "a local run keeps the artifact too"

# 3. matching nothing, or a symbolic link: the stage fails
mkdir -p "$tmp/c/home"
cat > "$tmp/c/pipeline.rp" <<'RP'
stage none {
  artifact "out/**"
  sh "true"
}
stage linked {
  artifact "dist/**"
  sh "mkdir -p dist && ln -sf /etc/passwd dist/latest"
}
stage cached {
  cache "k1"
  artifact "out/**"
  sh "mkdir -p out && head -c 16 /dev/urandom | od -An -tx1 > out/stamp"
}
stage user {
  needs cached
  sh "cat out/stamp"
}
RP
out=$(on c run none 2>&1) && _fail "a stage whose artifact matches nothing succeeded"
assert_contains "$out" 'artifact: no file in' "nothing matched: said"
assert_contains "$out" '"out/**"' "nothing matched: the pattern is named"
out=$(on c run linked 2>&1) && _fail "a stage keeping a symbolic link succeeded"
assert_contains "$out" '"dist/latest" is a symbolic link: artifacts hold regular files and directories only' "a link is refused"
# a stage restored from the cache brings the archive of the run it was cached from
on c run --only cached --run-id k-1 > /dev/null 2>&1 || _fail "the first run of a cached stage"
out=$(on c run --only cached --run-id k-2 2>&1)
assert_contains "$out" "cached (key k1, run k-1)" "the second run is cached"
mkdir -p "$tmp/d/home" && cp "$tmp/c/pipeline.rp" "$tmp/d/"
out=$(on d run --only user --run-id k-2 2>&1) || { _fail "user on another machine"; echo "$out"; }
assert_contains "$out" "unpacked 1 file of cached" "the cached stage's archive is unpacked"
cmp -s "$tmp/c/out/stamp" "$tmp/d/out/stamp" || _fail "the cached run's file differs"

# 4. hostile archives, put in the state by hand with a journal record
# that names them (their digest right, unless said otherwise)
craft() { # craft OUT KIND: a tar that tries to leave the workspace
  python3 - "$1" "$2" "$tmp" <<'PY'
import io, sys, tarfile
out, kind, tmp = sys.argv[1:]
t = tarfile.open(out, "w", format=tarfile.PAX_FORMAT)
def add(name, data=b"pwned"):
    i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
if kind == "dotdot": add("dist/ok"); add("../escaped")
elif kind == "absolute": add(tmp + "/absolute")
elif kind == "symlink":
    i = tarfile.TarInfo("dist/link"); i.type = tarfile.SYMTYPE; i.linkname = tmp; t.addfile(i)
    add("dist/link/through-link")
elif kind == "device":
    i = tarfile.TarInfo("dist/null"); i.type = tarfile.CHRTYPE; i.devmajor = 1; i.devminor = 3; t.addfile(i)
elif kind == "ansi": add("../evil\n\x1b[31mred")
elif kind == "plain": add("dist/early"); add("via/x")
t.close()
PY
}
put_blob() { # put_blob RUN NAME FILE
  if [ "${RP_TEST_STATE:-dir}" = git ]; then
    g="git --git-dir=$(state_bare)"
    blob=$($g hash-object -w "$3")
    tree=$(printf '100644 blob %s\tartifact.tar\n' "$blob" | $g mktree)
    commit=$(echo hostile | GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t \
      $g commit-tree "$tree")
    $g update-ref "refs/rp/artifacts/$1/$2" "$commit"
  else
    mkdir -p "$RP_STATE_DIR/artifacts/$1" && cp "$3" "$RP_STATE_DIR/artifacts/$1/$2.tar"
  fi
}
hostile() { # hostile RUN KIND [DIGEST]: a run whose build kept the crafted archive
  craft "$tmp/$2.tar" "$2"
  put_blob "$1" build "$tmp/$2.tar"
  d=${3:-sha256:$(sha256sum "$tmp/$2.tar" | cut -d' ' -f1)}
  printf '{"kind":"run_started","run":"%s","at":"2026-12-03T00:00:00.000Z"}\n{"kind":"artifact","stage":"build","unit":"build","run":"%s","name":"build","digest":"%s","size":1,"files":1,"at":"2026-12-03T00:00:00.000Z"}\n' \
    "$1" "$1" "$d" | state_put runs "$1"
}
mkdir -p "$tmp/b/via-target"
ln -s "$tmp/b/via-target" "$tmp/b/via"   # a directory of B's workspace that is a link to elsewhere
for kind in dotdot absolute symlink device ansi plain; do
  hostile "h-$kind" $kind
  out=$(on b run --only package --run-id "h-$kind" 2>&1) && _fail "$kind: a hostile archive was unpacked"
  case $kind in
    dotdot) assert_contains "$out" '"../escaped" reaches outside its directory' "$kind: refused, named" ;;
    absolute) assert_contains "$out" "is an absolute path" "$kind: refused" ;;
    symlink) assert_contains "$out" '"dist/link" is a symbolic link: artifacts hold regular files and directories only' "$kind: refused" ;;
    device) assert_contains "$out" '"dist/null" is a device' "$kind: refused" ;;
    ansi) assert_contains "$out" '"../evil\n\u001b[31mred"' "$kind: the name is shown escaped"
          case $out in *"$(printf '\033')"*) _fail "$kind: an escape byte reached the output" ;; esac ;;
    plain) assert_contains "$out" '"via" is a symbolic link: nothing is extracted through one' "$kind: refused" ;;
  esac
done
[ ! -e "$tmp/escaped" ] && [ ! -e "$tmp/absolute" ] && [ ! -e "$tmp/through-link" ] && [ ! -e "$tmp/evil" ] ||
  _fail "a hostile archive wrote outside the workspace"
[ -z "$(ls "$tmp/b/via-target")" ] || _fail "an archive wrote through a linked directory"
[ ! -e "$tmp/b/dist/ok" ] && [ ! -e "$tmp/b/dist/early" ] || _fail "a refused archive wrote its first, harmless file"
# a wrong digest: refused before anything is read from it
hostile h-digest plain sha256:0000000000000000000000000000000000000000000000000000000000000000
rm "$tmp/b/via"
out=$(on b run --only package --run-id h-digest 2>&1) && _fail "an archive with the wrong digest was unpacked"
assert_contains "$out" "not the sha256:0000000000000000000000000000000000000000000000000000000000000000 its run recorded: refused" \
  "a digest that does not match is refused"
[ ! -e "$tmp/b/via/x" ] || _fail "an archive with the wrong digest was unpacked"
finish
