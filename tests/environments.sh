#!/bin/sh
# environments.sh — ephemeral environments are tracked per instance until
# cleaned up; rp environments lists versions, gates and live instances.
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export RP_STATE_DIR="$tmp/state"
f="$tmp/pipeline.rp"
cat > "$f" <<'RP'
environment staging { namespace = "staging" }
environment prod {
  after staging
  approval { reviewers = ["alice", "bob"] }
}
environment preview {
  namespace = "preview-${event.pr.number}"
  ephemeral = true
}
on pull_request "main" { types = ["opened", "synchronize", "closed"] } -> preview
on push "main" -> staging_deploy
stage preview {
  environment preview
  version "pr-${event.pr.number}"
  sh "echo ${event.pr.action} ${preview.namespace}"
}
stage staging_deploy { environment staging  version "1.4.0"  sh "true" }
RP
"$RP" run -f "$f" --pr 42 --base main --pr-action opened >/dev/null 2>&1
"$RP" run -f "$f" --pr 43 --base main --pr-action opened >/dev/null 2>&1
"$RP" run -f "$f" --event push --branch main >/dev/null 2>&1
out=$("$RP" environments -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "rp environments"
assert_contains "$out" "preview-43 preview-42" "both preview instances are live, newest first"
assert_contains "$out" "staging          -          1.4.0" "staging's current version"
assert_contains "$out" "prod             staging    -                    alice,bob" "prod: after staging, its reviewers"
out=$("$RP" run -f "$f" --pr 42 --base main --pr-action closed 2>&1)
assert_contains "$out" "[preview] closed preview-42" "the cleanup run sees the instance"
out=$("$RP" environments -f "$f" --json 2>&1)
assert_contains "$out" '"instances": [
      "preview-43"
    ]' "a closed pull request removes its instance"
finish
