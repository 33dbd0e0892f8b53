#!/bin/sh
# install-deps.sh [--test] [--list] — install the Debian 12 packages rp
# needs to build and run (scripts/setup.sh); with --test, also those its
# tests use (scripts/test.sh). Installs only what is missing; needs root
# (or sudo) when something is. --list prints the packages instead.
set -e
test= list=
for a in "$@"; do
  case $a in
    --test) test=1 ;;
    --list) list=1 ;;
    *) echo "usage: install-deps.sh [--test] [--list]" >&2; exit 2 ;;
  esac
done
pkgs="build-essential autoconf automake pkg-config ca-certificates
      libyaml-dev libpcre2-dev libcurl4-openssl-dev libgit2-dev libssl-dev zlib1g-dev libedit-dev"
if [ -n "$test" ]; then
  # tests/fuzz.sh builds its harnesses with clang and libFuzzer; tests/report.sh
  # loads a page in chromium; tests/editors.sh runs vim and node;
  # tests/debian.sh builds the .deb; tests/container.sh builds the image
  pkgs="$pkgs git python3 curl valgrind groff-base graphviz yq hyperfine
        docker-registry podman buildah skopeo apache2-utils
        clang libclang-rt-14-dev chromium nodejs vim debhelper dpkg-dev busybox-static
        zsh fish libxml2-utils patch python3-yaml"
  # a nodejs from elsewhere brings its own npm, which Debian's npm would replace
  command -v npm >/dev/null || pkgs="$pkgs npm"
fi
if [ -n "$list" ]; then
  echo $pkgs
  exit 0
fi
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
