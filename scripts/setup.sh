#!/bin/sh
# setup.sh — install what building and running rp needs (not the test
# tools: scripts/test.sh installs those), build rp, and show it on the example
# pipeline: check it, draw it, plan and run it for a push to main.
set -e
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
./autogen.sh >/dev/null 2>&1
./configure -q CFLAGS="-O2 -g -Wall -Wextra"
make -s -j"$(nproc 2>/dev/null || echo 2)"
echo "== rp check examples/hello/pipeline.rp"
./rp check examples/hello/pipeline.rp && echo "no problems found"
echo "== rp graph --format mermaid examples/hello/pipeline.rp"
./rp graph --format mermaid examples/hello/pipeline.rp
echo "== rp run -f examples/hello/pipeline.rp --event push --branch main"
RP_STATE_DIR=$(mktemp -d) ./rp run -f examples/hello/pipeline.rp --event push --branch main
