#!/bin/sh
# examples/hello/README.md, its commands run as written: staging on a push
# to main, prod by an approved manual run.
set -u
. "${top_srcdir:-.}/tests/lib/example-lib.sh"
ex_scratch
unset REGISTRY
ex_app hello "feat: hello"
sed 's/wait = 1m/wait = 2s/' pipeline.rp >pipeline.new && mv pipeline.new pipeline.rp && g commit -qam "test: the wait timer is 2s"
ex_checks hello
ex_readme hello
assert_contains "$("$RP" history prod)" "sha-$(g rev-parse --short=7 HEAD)" "prod runs the build staging ran"
finish
