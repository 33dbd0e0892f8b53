#!/bin/sh
# export-golden.sh RP [--check] — writes (or, with --check, compares) the
# golden files of rp export: tests/export/NAME.github.yml and
# NAME.gitlab.yml for each examples/NAME/pipeline.rp and tests/export/*.rp,
# exported from the source tree's top with the state on git:origin.
# `make export-golden` writes them; tests/export.sh checks them.
rp=${1:?usage: export-golden.sh RP [--check]}
mode=${2:-}
case $rp in /*) ;; *) rp=$PWD/$rp ;; esac
cd "$(dirname "$0")/.." || exit 2
unset RP_DIST RP_STATE
rc=0
for f in examples/*/pipeline.rp tests/export/*.rp; do
  case $f in examples/*) name=$(basename "$(dirname "$f")") ;; *) name=$(basename "$f" .rp) ;; esac
  for engine in github gitlab; do
    "$rp" export $engine --state git:origin -f "$f" $mode -o "tests/export/$name.$engine.yml" || rc=1
  done
done
exit $rc
