#!/bin/sh
# registry-copy.sh — promote a ~50 MB image with registry.copy (the C API,
# driven by tests/unit/test_registry) and with `skopeo copy`, against a
# local docker-registry; print both wall times and their ratio.
#
#   bench/registry-copy.sh [DRIVER]     RUNS=10 by default
#
# DRIVER is a built tests/unit/test_registry (build without sanitizers for
# fair numbers). Two cases, each run copying to a destination not written
# before: a new tag in the same repository, and a new repository on the
# same registry (the "promote to prod" case). Both are timed as separate
# processes (like for like with skopeo), and, as a pipeline step pays it,
# inside one running client ("in-process": no start-up, connection reused).
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
. "$top_srcdir/tests/lib/registry-lib.sh"
reg_require
DRIVER=${1:-$top_srcdir/tests/unit/test_registry}
[ -x "$DRIVER" ] || { echo "build $DRIVER first (make tests/unit/test_registry)" >&2; exit 1; }
RUNS=${RUNS:-10}
reg_setup
reg_start bench || exit 1
R=$REG_ADDR
head -c 50000000 /dev/urandom > "$REG_TMP/payload"
reg_push_file "$R/app:1.0.0" "$REG_TMP/payload" || { echo "push failed" >&2; exit 1; }
echo "image: $R/app:1.0.0, one layer holding $(wc -c < "$REG_TMP/payload") random bytes"

python3 - "$DRIVER" "$R" "$RUNS" <<'PY'
import subprocess, sys, time, statistics
driver, reg, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
src = reg + "/app:1.0.0"
sk = ["skopeo", "copy", "-q", "--src-tls-verify=false", "--dest-tls-verify=false"]

def timed(argv):
    t = time.monotonic()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - t

cases = [
    ("new tag, same repository",
     lambda i: [driver, "copy", src, f"{reg}/app:rp-{i}"],
     lambda i: sk + [f"docker://{src}", f"docker://{reg}/app:sk-{i}"]),
    ("new repository, same registry",
     lambda i: [driver, "copy", src, f"{reg}/rp{i}/app:1.0.0"],
     lambda i: sk + [f"docker://{src}", f"docker://{reg}/sk{i}/app:1.0.0"]),
]
for name, rp, skopeo in cases:
    a, b = [], []
    for i in range(runs):  # interleaved, so load on the machine hits both alike
        a.append(timed(rp(i)))
        b.append(timed(skopeo(i)))
    ma, mb = statistics.median(a), statistics.median(b)
    print(f"{name}: rp {ma*1000:.1f} ms, skopeo {mb*1000:.1f} ms (median of {runs}), "
          f"ratio {ma/mb:.3f}x")
    dst = rp("{}")[-1].replace("rp-{}", "in-{}").replace("rp{}", "in{}")
    out = subprocess.run([driver, "copyn", str(runs), src, dst], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    mi = float(out) / 1000
    print(f"{name}, in-process: rp {mi*1000:.1f} ms per copy, ratio to skopeo {mi/mb:.3f}x")
PY
