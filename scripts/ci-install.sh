#!/bin/sh
# ci-install.sh PREFIX — build rp from this source tree and install it
# under PREFIX (PREFIX/bin/rp), for CI runners: the GitHub action
# (action.yml) and the GitLab template (ci/rp.gitlab-ci.yml) run it.
# Installs the Debian packages building rp needs first (with sudo when not
# root); CFLAGS, when set, replaces the default -O2 -g.
set -eu
prefix=${1:?usage: ci-install.sh PREFIX}
src=$(cd "$(dirname "$0")/.." && pwd)
command -v apt-get >/dev/null && sh "$src/scripts/install-deps.sh"
cd "$src"
[ -x configure ] || ./autogen.sh >/dev/null
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
cd "$build"
"$src/configure" -q --prefix="$prefix" CFLAGS="${CFLAGS:--O2 -g}"
make -s -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
make -s install >/dev/null
"$prefix/bin/rp" --version
