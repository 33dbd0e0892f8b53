#!/bin/sh
# environments.sh — ephemeral environments are tracked per instance until
# cleaned up; each instance is locked and recorded on its own; rp
# environments lists versions, gates and live instances.
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
. "$top_srcdir/tests/lib/state-lib.sh"
state_setup "$tmp"
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
assert_contains "$out" '"name":"preview","after":null,"reviewers":null,"version":null,"locked_by":null,"instances":["preview-43"]}' \
  "a closed pull request removes its instance (compact JSON)"

# each instance has its own history, and rp history ENV lists them all
[ -n "$(state_cat history preview.preview-42)" ] || _fail "preview-42 has a history of its own"
[ -n "$(state_cat history preview.preview-43)" ] || _fail "preview-43 has a history of its own"
out=$("$RP" history preview -f "$f" 2>&1)
assert_contains "$out" "preview.preview-43  pr-43" "rp history preview lists preview-43"
assert_contains "$out" "preview.preview-42  pr-42" "and preview-42"
out=$("$RP" history preview.preview-43 -f "$f" 2>&1)
assert_not_contains "$out" "pr-42" "rp history names one instance"

# each instance has its own lock: pull request 43 does not wait for 42
export OUT="$tmp/out"; mkdir -p "$OUT"
sed -i 's|sh "echo ${event.pr.action} ${preview.namespace}"|sh "touch ${env.OUT}/${preview.namespace}; sleep 2"|' "$f"
"$RP" run -f "$f" --pr 42 --base main --pr-action synchronize >/dev/null 2>&1 &
pid=$!
i=0; while [ ! -e "$OUT/preview-42" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
out=$(RP_LOCK_WAIT=0 "$RP" run -f "$f" --pr 42 --base main --pr-action synchronize 2>&1); rc=$?
assert_eq "$rc" 1 "the same instance is locked"
assert_contains "$out" "environment 'preview.preview-42' is locked by run" "named by its instance"
out=$(RP_LOCK_WAIT=0 "$RP" run -f "$f" --pr 43 --base main --pr-action synchronize 2>&1); rc=$?
assert_eq "$rc" 0 "another instance deploys at the same time: $out"
wait $pid
finish
