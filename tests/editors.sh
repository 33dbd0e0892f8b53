#!/bin/sh
# editors.sh — the editor support in editors/: the TextMate grammar
# tokenises every example, the standard library and the test pipelines with
# vscode-textmate (VS Code's engine, installed from npm into the build
# directory) leaving no text unmatched and no scope open; the VS Code
# extension's manifest names files that exist and its script loads; the
# Vim files load in `vim -es` on each example without an error.
set -u
. "$top_srcdir/tests/lib/assert.sh"
src=$top_srcdir
ed="$src/editors"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
files=$(ls "$src"/examples/*/pipeline.rp "$src"/stdlib/*.rp "$src"/tests/lang/*.rp "$src"/tests/fmt/*.rp)

# ---- TextMate grammar ----
for tool in node npm vim; do
  command -v $tool >/dev/null || { echo "not ok: $tool is not installed (scripts/install-deps.sh --test)"; exit 1; }
done
npmdir="$PWD/tests/editors-npm" # kept between runs: npm installs only once per build directory
if [ ! -d "$npmdir/node_modules/vscode-textmate" ] || [ ! -d "$npmdir/node_modules/vscode-oniguruma" ]; then
  mkdir -p "$npmdir"
  npm install --prefix "$npmdir" --no-audit --no-fund --silent vscode-textmate@9 vscode-oniguruma@2 \
    >"$tmp/npm.log" 2>&1 || { cat "$tmp/npm.log"; echo "not ok: npm could not install vscode-textmate"; exit 1; }
fi
tokenise() { NODE_PATH="$npmdir/node_modules" node "$src/tests/lib/tm-tokenize.js" "$ed/vscode/syntaxes/rp.tmLanguage.json" "$@"; }
# shellcheck disable=SC2086
out=$(tokenise $files 2>&1); rc=$?
assert_eq "$rc" 0 "the grammar tokenises every pipeline: $out"
assert_contains "$out" "tokenised $(echo $files | wc -w) files" "every file was read"
printf 'stage a { sh "x ${y}\n}\n' > "$tmp/open.rp"
printf 'let x = 1 @ 2\n' > "$tmp/unknown.rp"
out=$(tokenise "$tmp/open.rp" "$tmp/unknown.rp" 2>&1); rc=$?
assert_eq "$rc" 1 "the check fails on broken input"
assert_contains "$out" "open.rp: a scope is still open at the end" "an unclosed interpolation is seen"
assert_contains "$out" "unknown.rp:1:10: no rule matches ' @ '" "unmatched text is seen"

# ---- the VS Code extension ----
out=$(cd "$ed/vscode" && node -e '
  const fs = require("fs"), p = JSON.parse(fs.readFileSync("package.json", "utf8"));
  JSON.parse(fs.readFileSync("language-configuration.json", "utf8"));
  const c = p.contributes;
  for (const f of [p.main, c.languages[0].configuration, c.grammars[0].path])
    if (!fs.existsSync(f)) throw new Error("package.json names a missing file: " + f);
  if (c.grammars[0].scopeName !== "source.rp" || c.languages[0].extensions[0] !== ".rp") throw new Error("ids");
  const { parseDiagnostics } = require("./extension.js");
  const d = { file: "p.rp", line: 3, col: 7, severity: "error", message: "unknown stage" };
  const lines = parseDiagnostics(JSON.stringify(d) + "\n" + JSON.stringify({ ...d, line: 4 }) + "\n");
  const array = parseDiagnostics(JSON.stringify([d]));
  if (lines.length !== 2 || lines[1].line !== 4 || array[0].message !== "unknown stage" || parseDiagnostics("").length)
    throw new Error("parseDiagnostics");
  console.log("extension ok");' 2>&1)
assert_eq "$out" "extension ok" "the extension's manifest and script"

# the extension driven as VS Code would, with rp behind it: `rp check --json`
# and `rp fmt -`; an rp without them yet is bridged by a stand-in that gives
# the same interface over `rp check`'s text and `rp fmt FILE`
printf 'stage a {\n  needs nope\n  sh "true"\n}\n' > "$tmp/bad.rp"
printf 'stage  a {sh "true"}\n' > "$tmp/ugly.rp"
"$RP" fmt "$tmp/ugly.rp" > "$tmp/formatted.rp" || _fail "rp fmt"
editor_rp=$RP
if "$RP" check --json "$tmp/bad.rp" 2>&1 | grep -q "unknown option"; then
  editor_rp="$tmp/rp-interface"
  cat > "$editor_rp" <<SH
#!/bin/sh
case "\$1 \$2" in
  "fmt -") cat > "$tmp/stdin.rp" && exec "$RP" fmt "$tmp/stdin.rp" ;;
  "check --json") "$RP" check "\$3" 2>&1 >/dev/null | python3 -c '
import json, re, sys
out = [dict(file=m[1], line=int(m[2]), col=int(m[3]), severity=m[4], message=m[5])
       for m in (re.match(r"(.*?):(\d+):(\d+): (error|warning|note): (.*)", l) for l in sys.stdin) if m]
print(json.dumps(out))' ;;
  *) exit 2 ;;
esac
SH
  chmod +x "$editor_rp"
  echo "# this rp has no check --json yet: the extension runs through a stand-in of that interface"
fi
out=$(node "$src/tests/lib/vscode-extension.js" "$editor_rp" "$tmp/bad.rp" "$tmp/ugly.rp" "$tmp/formatted.rp" 2>&1)
assert_not_contains "$out" "not ok" "the extension: $out"
assert_contains "$out" '"start":{"line":1,"character":8}' "the diagnostic is at needs' argument"
assert_contains "$out" "needs unknown stage 'nope'" "with rp check's message"
assert_contains "$out" 'formatted: "stage a { sh \"true\" }\n"' "Format Document gives rp fmt's layout"

# ---- Vim ----
vim_on() { # RUNTIMEPATH FILE: what vim printed; its exit status
  vim -es -u NONE -N -i NONE --cmd "set rtp^=$1" -c 'filetype on' -c 'syntax on' -c "redir! > $tmp/vim.out" \
    -c "edit $2" -c 'echo "ft=" . &ft . " syntax=" . b:current_syntax' \
    -c 'echo "first=" . synIDattr(synID(1, 1, 1), "name")' -c 'redir END' -c 'qa!' </dev/null
  rc=$?; cat "$tmp/vim.out"; return $rc
}
for f in $files; do
  out=$(vim_on "$ed/vim" "$f" 2>&1); rc=$?
  assert_eq "$rc" 0 "vim loads the syntax on $f: $out"
  assert_not_contains "$out" "Error detected" "no error on $f"
  assert_contains "$out" "ft=rp syntax=rp" "ftdetect sets the filetype of $f"
done
out=$(vim_on "$ed/vim" "$src/examples/hello/pipeline.rp")
assert_contains "$out" "first=rpComment" "the first line of hello is highlighted as a comment"
cp -r "$ed/vim" "$tmp/broken" && echo 'syn match rpBroken "\(oops"' >> "$tmp/broken/syntax/rp.vim"
out=$(vim_on "$tmp/broken" "$src/examples/hello/pipeline.rp" 2>&1); rc=$?
assert_eq "$rc" 1 "a broken syntax file fails"
assert_contains "$out" "E54: Unmatched" "and says why"
finish
