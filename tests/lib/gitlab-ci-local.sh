# gitlab-ci-local.sh — gitlab-ci-local 4.65 (npm; 4.65.x runs on
# Debian's Node 20, newer releases may not), installed once into
# $RP_TEST_NPM (default ~/.cache/rp-test-npm). Sourced by the tests that
# give it an exported .gitlab-ci.yml; needs $tmp.
#
#   gcl_install   sets $gcl to the tool, or fails the test (exit 1) when
#                 it cannot be installed
gcl_install() {
  local npm_dir=${RP_TEST_NPM:-$HOME/.cache/rp-test-npm}
  gcl=$npm_dir/node_modules/.bin/gitlab-ci-local
  [ -x "$gcl" ] && return 0
  mkdir -p "$npm_dir" && npm install --no-audit --no-fund --prefix "$npm_dir" gitlab-ci-local@4.65 > "$tmp/npm" 2>&1 ||
    { cat "$tmp/npm"; echo "FAIL: cannot install gitlab-ci-local from npm into $npm_dir"; exit 1; }
}
