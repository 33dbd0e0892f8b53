#!/bin/sh
# prim-text.sh — semver.*, re.*, base64/unbase64/sha256 from a pipeline:
# tables of results checked through print(), and the errors they raise.
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export RP_STATE_DIR="$tmp/state"
cat > "$tmp/p.rp" <<'RP'
stage tables {
  for p in [["1.0.0-alpha", "1.0.0-alpha.1"], ["1.0.0-alpha.beta", "1.0.0-beta"], ["1.0.0-rc.1", "1.0.0"],
            ["1.0.0+a", "1.0.0+b"], ["2.0.0", "1.99.99"]] {
    print("cmp ${p[0]} ${p[1]} ${semver.compare(p[0], p[1])}")
  }
  for b in ["major", "minor", "patch", "prerelease"] {
    print("bump ${b} ${semver.bump("1.2.3-rc.1", b)}")
  }
  for r in ["^1.2", "~1.4", ">=1.4.1", "1.x", "<1.4.0 || >=2"] {
    print("sat ${r} ${semver.satisfies("1.4.7", r)}")
  }
  print("max ${semver.max(["0.9.0", "1.0.0-rc.2", "1.0.0-rc.10", "junk"])}")
  let v = semver.parse("2.3.4-beta.2+sha.abc")
  print("parse ${v.major} ${v.minor} ${v.patch} ${v.prerelease} ${v.build} ${v.text}")
  print("re ${re.match("^rel-[0-9]+$", "rel-42")} ${re.match(re"^rel-\d+$", "rel-x")}")
  let all = re.find_all(re"(?<k>\w+)=(\d+)", "a=1, bb=22")
  print("all ${all.len()} ${all[1].match} ${all[1].groups} ${all[1].named.k}")
  print("repl ${re.replace(re"\s+", "  a  b ", "_")}")
  print("split ${re.split(",", "x,,y")}")
  print("b64 ${base64("")}|${base64("f")}|${base64("fo")}|${base64("foo")}|${unbase64("Zm9vYmFy")}")
  print("sha ${sha256("")}")
}
RP
out=$("$RP" run tables -f "$tmp/p.rp" 2>&1); rc=$?
assert_eq "$rc" 0 "tables run"
assert_contains "$out" "[tables] cmp 1.0.0-alpha 1.0.0-alpha.1 -1" "shorter prerelease first"
assert_contains "$out" "[tables] cmp 1.0.0-alpha.beta 1.0.0-beta -1" "identifiers compared in order"
assert_contains "$out" "[tables] cmp 1.0.0-rc.1 1.0.0 -1" "prerelease before release"
assert_contains "$out" "[tables] cmp 1.0.0+a 1.0.0+b 0" "build metadata ignored"
assert_contains "$out" "[tables] cmp 2.0.0 1.99.99 1" "numeric, not textual"
assert_contains "$out" "[tables] bump major 2.0.0" "bump major"
assert_contains "$out" "[tables] bump minor 1.3.0" "bump minor"
assert_contains "$out" "[tables] bump patch 1.2.3" "bump patch of a prerelease releases it"
assert_contains "$out" "[tables] bump prerelease 1.2.3-rc.2" "bump prerelease"
assert_contains "$out" "[tables] sat ^1.2 true" "caret"
assert_contains "$out" "[tables] sat ~1.4 true" "tilde"
assert_contains "$out" "[tables] sat >=1.4.1 true" ">="
assert_contains "$out" "[tables] sat 1.x true" "x-range"
assert_contains "$out" "[tables] sat <1.4.0 || >=2 false" "alternatives"
assert_contains "$out" "[tables] max 1.0.0-rc.10" "max compares prerelease numbers numerically, skips junk"
assert_contains "$out" '[tables] parse 2 3 4 ["beta", "2"] ["sha", "abc"] 2.3.4-beta.2+sha.abc' "parse"
assert_contains "$out" "[tables] re true false" "string and regex-literal patterns"
assert_contains "$out" '[tables] all 2 bb=22 ["bb", "22"] bb' "find_all with groups"
assert_contains "$out" "[tables] repl _a_b_" "replace every match"
assert_contains "$out" '[tables] split ["x", "", "y"]' "split keeps empty pieces"
assert_contains "$out" "[tables] b64 |Zg==|Zm8=|Zm9v|foobar" "base64 padding (RFC 4648 vectors)"
assert_contains "$out" "[tables] sha e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" "sha256 of empty"
# errors: each names the function and the offending text
err() {
  printf 'stage e {\n  print(%s)\n}\n' "$1" > "$tmp/e.rp"
  out=$("$RP" run e -f "$tmp/e.rp" 2>&1); rc=$?
  assert_eq "$rc" 1 "$1 fails"
  assert_contains "$out" "$2" "$1 error message"
}
err 're.match("(a", "x")' 're.match: invalid regular expression "(a" at offset 2'
err 'unbase64("@@@")' "unbase64: not base64"
err 'semver.compare("1", "2.0.0")' 'semver.compare: invalid semantic version "1"'
err 'semver.bump("1.2.3", "huge")' "semver.bump: part must be major, minor, patch or prerelease"
err 'semver.bump("1.2.3", "prerelease", preid: "rc+1")' "semver.bump: preid must be prerelease identifiers (letters, digits, '-', dot-separated), not 'rc+1'"
err 'semver.bump("1.2.3", "prerelease", preid: "a..b")' "not 'a..b'"
err 'semver.satisfies("1.0.0", ">>1")' 'semver.satisfies: invalid version range ">>1"'
err 'sha256(7)' "sha256: 'text' must be a string"
finish
