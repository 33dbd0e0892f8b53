#!/usr/bin/env python3
"""readme-run.py README DIR [ACTUAL=SHOWN...] — runs the commands of README
as written.

The ```sh blocks run in order, in the current directory, by one sh (so a
variable set in one block is there in the next): a reader typing them into
a shell. Each command (a line and its continuation lines) must exit 0,
unless its comment says "# exits N". Each line of a plain ``` block that
follows a ```sh block (before the next one) is output that block must
print; run ids, commit ids, times and durations may differ, and ACTUAL in
the output (the test's registry) reads as SHOWN (the README's). Prints one
line per failed expectation; the outputs are left in DIR/N.out (N: the
block).
"""
import os
import re
import subprocess
import sys

readme, outdir = sys.argv[1:3]
same = [a.split("=", 1) for a in sys.argv[3:]]


def blocks(path):
    """[(commands, shown lines)], one per ```sh block."""
    out, kind, lines = [], None, []
    for line in open(path, encoding="utf-8").read().splitlines():
        if kind is None:
            if line.startswith("```"):
                kind, lines = line[3:].strip(), []
            continue
        if not line.startswith("```"):
            lines.append(line)
            continue
        if kind == "sh":
            out.append((commands(lines), []))
        elif kind == "" and out and not out[-1][1]:
            out[-1][1].extend(l for l in lines if l.strip())
        kind = None
    return out


def commands(lines):
    """The commands of a block: continuation lines joined to their first."""
    cmds, cur = [], []
    for line in lines:
        if not cur and (not line.strip() or line.lstrip().startswith("#")):
            continue
        cur.append(line)
        if not line.endswith("\\"):
            cmds.append("\n".join(cur))
            cur = []
    return cmds


def expected_status(cmd):
    m = re.search(r"#.*\bexits (\d+)", cmd)
    return int(m.group(1)) if m else 0


VARIABLE = [
    (r"\d{8}-\d{6}-[0-9a-f]{4}", "RUN"),
    (r"\d{8}-\d{6}", "TIME"),
    (r"\d{4}-\d\d-\d\d([ T]\d\d:\d\d:\d\d(\.\d+)?Z?)?", "TIME"),
    (r"(?<![0-9A-Za-z])[0-9a-f]{7,64}(?![0-9A-Za-z])", "SHA"),
    (r"(?<![0-9A-Za-z.])(\d+(\.\d+)?(ms|h|m|s))+(?![0-9A-Za-z])", "DURATION"),
]


def normal(text):
    for pattern, name in VARIABLE:
        text = re.sub(pattern, name, text)
    return "\n".join(l.rstrip() for l in text.splitlines())


def quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


os.makedirs(outdir, exist_ok=True)
todo = blocks(readme)
script, checks = [], []
for n, (cmds, _) in enumerate(todo, 1):
    out = os.path.join(outdir, "%d.out" % n)
    open(out, "w").close()
    for cmd in cmds:
        checks.append((cmd, expected_status(cmd), out))
        script += ["{", cmd, "} >>%s 2>&1" % quote(out),
                   "echo $? >>%s" % quote(os.path.join(outdir, "status"))]
open(os.path.join(outdir, "script.sh"), "w").write("\n".join(script) + "\n")
open(os.path.join(outdir, "status"), "w").close()
subprocess.run(["sh", os.path.join(outdir, "script.sh")], stdin=subprocess.DEVNULL,
               timeout=900)
status = open(os.path.join(outdir, "status")).read().split()
if not todo:
    print("no ```sh block")
for i, (cmd, want, out) in enumerate(checks):
    got = int(status[i]) if i < len(status) else None
    if got != want:
        tail = open(out).read().splitlines()[-5:]
        print("`%s` exited %s, not %d (%s): %s" % (cmd, got, want, out, " | ".join(tail)))
for n, (_, shown) in enumerate(todo, 1):
    printed = open(os.path.join(outdir, "%d.out" % n)).read()
    for actual, shown_as in same:
        printed = printed.replace(actual, shown_as)
    printed = normal(printed)
    for line in shown:
        if normal(line) not in printed:
            print("block %d does not print: %s" % (n, line))
