#!/bin/sh
# install-deps.sh — install the Debian 12 packages rp needs to build and test.
# Installs only what is missing; needs root (or sudo) when something is.
set -e
build="build-essential autoconf automake pkg-config
       libyaml-dev libpcre2-dev libcurl4-openssl-dev libgit2-dev libssl-dev libedit-dev"
# what the tests run: tests/fuzz.sh builds its harnesses with clang and libFuzzer
test="git python3 valgrind groff-base graphviz yq hyperfine
      docker-registry podman buildah skopeo apache2-utils
      clang libclang-rt-14-dev
      nodejs python3-yaml"  # tests/export.sh: npm (in nodejs here) installs its checkers
pkgs="$build $test"
missing=
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
