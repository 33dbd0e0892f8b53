#!/usr/bin/env python3
"""run-gitlab-job.py CI_FILE JOB — prints, as a shell script, what a GitLab
runner's shell executor runs for JOB of CI_FILE (whose `include: local:`
files are read from the same directory): `extends` merged as GitLab does
(maps deeply, anything else replaced), the job's variables exported in
order (a value's $VAR expanded against those before it and the predefined
CI_* variables in the environment), then before_script and script, each
line failing the job when it fails. Run the output with `sh -e`."""
import os, sys
import yaml

ci_file, job_name = sys.argv[1], sys.argv[2]

def load(path):
    with open(path) as f:
        doc = yaml.safe_load(f) or {}
    merged = {}
    for inc in doc.pop("include", []) or []:
        merged.update(load(os.path.join(os.path.dirname(path), inc["local"].lstrip("/"))))
    merged.update(doc)
    return merged

def merge(base, over):
    out = dict(base)
    for k, v in over.items():
        out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out

def resolve(jobs, name):
    job = jobs[name]
    parents = job.get("extends", [])
    for parent in [parents] if isinstance(parents, str) else parents:
        job = merge(resolve(jobs, parent), job)
    return job

def dq(s):
    """A double-quoted shell word in which $VAR still expands."""
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`") + '"'

jobs = load(ci_file)
job = resolve(jobs, job_name)
lines = ["set -e"]
for k, v in (job.get("variables") or {}).items():
    lines.append(f"export {k}={dq(v)}")
for key in ("before_script", "script"):
    for cmd in job.get(key, []) or []:
        lines.append(cmd)
print("\n".join(lines))
