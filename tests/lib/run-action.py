#!/usr/bin/env python3
"""run-action.py ACTION_DIR NAME=VALUE... — runs a composite action's steps
as a GitHub runner does: `${{ inputs.* }}`, `${{ github.* }}` and
`${{ steps.ID.outputs.* }}` expanded, each step's `if:` evaluated (only
`inputs.NAME != ''`), `shell: sh` run as `sh -e FILE`, and what a step adds
to $GITHUB_ENV, $GITHUB_PATH and $GITHUB_OUTPUT passed to the steps after
it. Needs RUNNER_TEMP and GITHUB_RUN_ID in the environment. Prints the
final environment additions as NAME=VALUE lines and PATH+=DIR lines.
An expression it does not know fails: the action must stay within it."""
import os, re, subprocess, sys, tempfile
import yaml

action_dir = sys.argv[1]
with open(os.path.join(action_dir, "action.yml")) as f:
    action = yaml.safe_load(f)
given = dict(a.split("=", 1) for a in sys.argv[2:])
github = {"run_id": os.environ["GITHUB_RUN_ID"], "action_path": action_dir}
steps = {}

def expand(text, inputs):
    def one(m):
        expr = m.group(1).strip()
        parts = expr.split(".")
        if parts[0] == "inputs" and len(parts) == 2 and parts[1] in inputs:
            return inputs[parts[1]]
        if parts[0] == "github" and len(parts) == 2 and parts[1] in github:
            return github[parts[1]]
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return steps.get(parts[1], {}).get(parts[3], "")
        sys.exit(f"run-action: unknown expression ${{{{ {expr} }}}}")
    return re.sub(r"\$\{\{(.*?)\}\}", one, str(text))

declared = action.get("inputs", {})
for name in given:
    if name not in declared:
        sys.exit(f"run-action: the action has no input {name!r}")
inputs = {}
for name, spec in declared.items():
    inputs[name] = given.get(name, expand(spec.get("default", ""), {}))

env_add, path_add = {}, []
tmp = tempfile.mkdtemp()
for i, step in enumerate(action["runs"]["steps"]):
    cond = step.get("if")
    if cond is not None:
        m = re.fullmatch(r"inputs\.([\w-]+) != ''", cond.strip())
        if not m:
            sys.exit(f"run-action: unknown condition {cond!r}")
        if inputs[m.group(1)] == "":
            continue
    if step.get("shell") != "sh":
        sys.exit("run-action: only shell: sh steps")
    files = {k: os.path.join(tmp, f"{k}.{i}") for k in ("GITHUB_ENV", "GITHUB_PATH", "GITHUB_OUTPUT")}
    for p in files.values():
        open(p, "w").close()
    env = dict(os.environ, **env_add, **files, GITHUB_ACTION_PATH=action_dir)
    env["PATH"] = ":".join(path_add[::-1] + [os.environ["PATH"]])
    for k, v in (step.get("env") or {}).items():
        env[k] = expand(v, inputs)
    script = os.path.join(tmp, f"step{i}.sh")
    with open(script, "w") as f:
        f.write(expand(step["run"], inputs))
    r = subprocess.run(["sh", "-e", script], env=env)
    if r.returncode:
        sys.exit(f"run-action: step {step.get('name', i)!r} exited {r.returncode}")
    for line in open(files["GITHUB_ENV"]).read().splitlines():
        k, v = line.split("=", 1)
        env_add[k] = v
    path_add += open(files["GITHUB_PATH"]).read().splitlines()
    if "id" in step:
        steps[step["id"]] = dict(l.split("=", 1) for l in open(files["GITHUB_OUTPUT"]).read().splitlines())
for k, v in env_add.items():
    print(f"{k}={v}")
for p in path_add:
    print(f"PATH+={p}")
for sid, outs in steps.items():
    for k, v in outs.items():
        print(f"steps.{sid}.{k}={v}")
