#!/bin/sh
# tty.sh — rp run on a terminal (a pty from tests/lib/pty-run.py, TERM=xterm;
# its raw bytes read, no screenshots): the status line of the stages running
# and their time, erased before every log line; an approval wait timer's
# countdown; a colour per stage; the closing table aligned for a long matrix
# name and coloured by status. Off a terminal (a pipe) and with NO_COLOR:
# no escape sequence at all.
set -u
. "$top_srcdir/tests/lib/assert.sh"
command -v python3 >/dev/null || { echo "FAIL: python3 is not installed"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rp-tty.XXXXXX"); trap 'rm -rf "$tmp"' EXIT
export RP_STATE_DIR="$tmp/state"
unset CI GITHUB_ACTIONS GITLAB_CI FORCE_COLOR CLICOLOR_FORCE NO_COLOR
long="a-matrix-value-longer-than-the-old-thirty-two-columns"
cat > "$tmp/p.rp" <<RP
stage build { sh "echo compiling; sleep 3; echo linked" }
stage test {
  matrix v in ["18", "$long"]
  sh "echo tested \${v}"
}
stage pack { needs build, test  sh "echo packed" }
RP
cat > "$tmp/g.rp" <<'RP'
environment prod {
  approval { reviewers = ["alice"]  wait = 3s }
}
stage deploy { environment prod  version "v1"  sh "echo deployed ${version}" }
RP
pty() { python3 "$top_srcdir/tests/lib/pty-run.py" "$@"; }
# check FILE run|gate [LONG]: the assertions on a terminal's bytes, one "not ok" line each
check() { python3 - "$@" <<'PY'
import re, sys
raw = open(sys.argv[1], "rb").read().decode("utf-8", "replace")
what = sys.argv[2]
ERASE = "\r\x1b[K"
ansi = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
def bad(msg): print("not ok: " + msg)
# what stays on the screen of each line: the text after its last erase
rows = [seg.rstrip("\r").split(ERASE)[-1] for seg in raw.split("\n")]
for row in rows:
    if "running:" in row or "deploying in" in row:
        bad("a line kept the status line's text: %r" % row)
# every status line drawn is erased before the next line
for m in re.finditer(r"[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] [^\r\n]*", raw):
    if not raw.startswith(ERASE, m.end()):
        bad("a status line not erased before what follows: %r" % raw[m.start():m.end() + 20])
        break
if what == "run":
    if not re.search(r"\r\x1b\[K[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] running: (\S+ \d+s · )*build [1-9]\d*s", raw):
        bad("no status line with build running for a second or more")
    for log in ["compiling", "linked", "tested 18", "packed"]:
        if not any(re.fullmatch(r"\x1b\[[0-9;]*m\[[^]]+\]+\x1b\[0m " + log, r) for r in rows):
            bad("the log line %r is not a line of its own" % log)
    colors = {s: c for c, s in re.findall(r"\x1b\[([0-9;]+)m\[(build|pack)\]", raw)}
    if len(colors) != 2 or colors["build"] == colors["pack"]:
        bad("build and pack prefixes are not in two colours: %r" % colors)
    table = [ansi.sub("", r) for r in rows[[i for i, r in enumerate(rows) if r.startswith("STAGE")][0]:]][:5]
    col = table[0].index("STATUS")
    if col != len("test[%s]" % sys.argv[3]) + 1:
        bad("the STATUS column is not sized to the longest name: %r" % table[0])
    for r in table[1:]:
        if not re.match(r"\S.* (ok|failed) +\d", r) or r[col - 1] != " " or r[col:col + 2] != "ok":
            bad("a row out of line: %r" % r)
    if not re.search(r"\x1b\[32mok +\x1b\[0m", raw):
        bad("ok is not green in the table")
elif what == "gate":
    if not re.search(r"\r\x1b\[K[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] prod: approved, deploying in [1-3]s", raw):
        bad("no countdown of the wait timer")
    if "deployed v1" not in raw:
        bad("the stage did not deploy after its wait timer")
PY
}
out=$(pty "$tmp/run.bin" -- "$RP" run pack -j4 -f "$tmp/p.rp"); rc=$?
assert_eq "$rc" 0 "the run succeeds on a terminal"
notes=$(check "$tmp/run.bin" run "$long")
assert_eq "$notes" "" "the terminal's output"

out=$(pty "$tmp/gate.bin" --input "alice
" --after "Approve as" -- "$RP" run deploy -f "$tmp/g.rp" --actor bob); rc=$?
assert_eq "$rc" 0 "approved on the terminal, the run deploys after its wait timer"
assert_eq "$(check "$tmp/gate.bin" gate)" "" "the wait timer's countdown"

# off a terminal, and on one with NO_COLOR: not one escape sequence
"$RP" run pack -j4 -f "$tmp/p.rp" 2>&1 | cat > "$tmp/pipe.txt"
assert_eq "$(grep -c "$(printf '\033')" "$tmp/pipe.txt")" 0 "no escape sequence in a pipe"
assert_contains "$(cat "$tmp/pipe.txt")" "[build] compiling" "the pipe has the log"
out=$(pty "$tmp/nocolor.bin" -- env NO_COLOR=1 "$RP" run pack -j4 -f "$tmp/p.rp"); rc=$?
assert_eq "$rc" 0 "the run succeeds with NO_COLOR"
assert_eq "$(grep -c "$(printf '\033')" "$tmp/nocolor.bin")" 0 "no escape sequence with NO_COLOR"
assert_contains "$(cat "$tmp/nocolor.bin")" "[build] compiling" "NO_COLOR has the log"
finish
