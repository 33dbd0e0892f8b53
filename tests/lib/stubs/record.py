# record.py — the recording stand-in behind tests/lib/stubs/{helm,kubectl,
# container-cli}: appends its argv (one JSON array per line) and any standard
# input ({"stdin": TEXT}) to $RP_STUB_LOG, then prints what the real tool
# would print. RP_STUB_FAIL="helm upgrade" makes that subcommand fail (a
# comma-separated list for several).
import json, os, re, sys

tool, args = sys.argv[1], sys.argv[2:]
data = sys.stdin.read() if not sys.stdin.isatty() else ""
with open(os.environ["RP_STUB_LOG"], "a") as log:
    log.write(json.dumps([tool] + args) + "\n")
    if data:
        log.write(json.dumps({"stdin": data}) + "\n")

# as Go's pflag reads them: all after "--" are operands
dash = args.index("--") if "--" in args else len(args)

def opt(name, default=None):
    for i, a in enumerate(args[:dash]):
        if a == name and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(name + "="):
            return a[len(name) + 1:]
    return default

positional = [a for i, a in enumerate(args[:dash])
              if not a.startswith("-") and (i == 0 or not args[i - 1].startswith("--")
                                            or "=" in args[i - 1] or args[i - 1] in ("--install", "--wait", "--create-namespace", "--ignore-not-found"))] + args[dash + 1:]
sub = " ".join([tool] + positional[:1])
if sub in os.environ.get("RP_STUB_FAIL", "").split(","):
    sys.stderr.write("Error: %s failed: timed out waiting for the condition\n" % sub)
    sys.exit(1)

def chart_field(chart, key, default):
    try:
        for line in open(os.path.join(chart, "Chart.yaml")):
            m = re.match(r"%s:\s*['\"]?([^'\"\s]+)" % key, line)
            if m:
                return m.group(1)
    except OSError:
        pass
    return default

if tool == "helm":
    cmd = positional[0] if positional else ""
    if cmd == "package":
        chart = positional[1]
        name = chart_field(chart, "name", os.path.basename(chart))
        version = opt("--version", chart_field(chart, "version", "0.1.0"))
        dest = opt("--destination", ".")
        path = os.path.abspath(os.path.join(dest, "%s-%s.tgz" % (name, version)))
        open(path, "w").write("stand-in chart\n")
        print("Successfully packaged chart and saved it to: %s" % path)
    elif cmd == "history":
        print(json.dumps([
            {"revision": 1, "updated": "2026-01-01T10:00:00Z", "status": "superseded",
             "chart": "sample-app-1.0.0", "app_version": "1.0.0", "description": "Install complete"},
            {"revision": 2, "updated": "2026-01-02T10:00:00Z", "status": "deployed",
             "chart": "sample-app-1.1.0", "app_version": "1.1.0", "description": "Upgrade complete"}]))
    elif cmd == "upgrade":
        print('Release "%s" has been upgraded. Happy Helming!' % positional[1])
        print("STATUS: deployed")
    elif cmd == "lint":
        print("==> Linting %s" % positional[1])
        print("1 chart(s) linted, 0 chart(s) failed")
    elif cmd == "push":
        ref = positional[2][len("oci://"):] + "/" + os.path.basename(positional[1])[:-4]
        print("Pushed: %s" % ref)
        print("Digest: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
    else:
        print("helm %s: ok" % cmd)
elif tool == "kubectl":
    cmd = positional[0] if positional else ""
    if cmd == "create":
        print("apiVersion: v1\nkind: Namespace\nmetadata:\n  creationTimestamp: null\n  name: %s\nspec: {}\nstatus: {}" % positional[2])
    elif cmd == "apply":
        m = re.search(r"^  name: (\S+)", data, re.M)
        print("namespace/%s created" % m.group(1) if m else "deployment.apps/sample-app configured")
    elif cmd == "get" and positional[1] == "events":
        def event(reason, kind, name, message, at):
            return {"type": "Warning" if reason.startswith(("Failed", "BackOff")) else "Normal",
                    "reason": reason, "message": message, "lastTimestamp": at,
                    "involvedObject": {"kind": kind, "name": name}}
        print(json.dumps({"apiVersion": "v1", "kind": "List", "items": [
            event("BackOff", "Pod", "sample-app-7d9f-x2x", "Back-off restarting failed container app", "2026-01-01T10:02:00Z"),
            event("Scheduled", "Pod", "sample-app-7d9f-x2x", "Successfully assigned to node-1", "2026-01-01T10:00:00Z"),
            event("Failed", "Pod", "sample-app-7d9f-x2x", "Error: ImagePullBackOff", "2026-01-01T10:01:00Z")]}))
    elif cmd == "get":
        kind, name = positional[1], (positional[2] if len(positional) > 2 else None)
        meta = {"name": name or "sample-app", "namespace": opt("--namespace", "default")}
        item = {"apiVersion": "v1", "kind": kind.capitalize(), "metadata": meta}
        print(json.dumps(item if name else {"apiVersion": "v1", "kind": "List", "items": [item]}, indent=4))
    elif cmd == "rollout":
        print('deployment "%s" successfully rolled out' % positional[2].split("/")[-1])
    elif cmd == "delete":
        if len(positional) > 2:
            print('%s "%s" deleted' % (positional[1], positional[2]))
        else:
            print('deployment.apps "sample-app" deleted')
    else:
        print("kubectl %s: ok" % cmd)
else:  # container-cli: docker's answers, enough to run a stage's containers
    cmd = positional[0] if positional else ""
    if cmd == "run" and "--detach" in args:
        print("id-" + opt("--name", "anonymous"))
    elif cmd == "port":
        print("127.0.0.1:%s" % os.environ.get("RP_STUB_PORT", "1"))
    elif cmd == "exec":  # the script on stdin runs here, as the container would run it
        import subprocess
        sys.stdout.flush()
        sys.exit(subprocess.run(["/bin/sh", "-s"], input=data.encode()).returncode)
    elif cmd == "logs":
        print("log line of %s" % positional[1])
    else:
        print("Login Succeeded!" if "login" in args else "ok")
