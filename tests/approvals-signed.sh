#!/bin/sh
# approvals-signed.sh — approvals that prove who approved (DESIGN §10),
# with real ssh-keygen and keys made here: a valid signature; bob's key
# claiming alice; a tampered version, time and decision; a record added to
# the journal by hand; a reviewer removed from the pipeline and from the
# signers file; ssh-keygen missing; a signature replayed on another run.
set -u
. "$top_srcdir/tests/lib/assert.sh"
. "$top_srcdir/tests/lib/approval-lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export RP_STATE_DIR="$tmp/state" OUT="$tmp/out" HOME="$tmp/home"
unset CI RP_SIGNING_KEY
mkdir -p "$OUT" "$HOME" "$tmp/ci"
make_keys alice bob carol
for who in alice bob carol; do allow "$who" "$who" "$tmp/ci/allowed_signers"; done
f="$tmp/pipeline.rp"
write_pipeline() {
  cat > "$f" <<RP
environment prod {
  approval { reviewers = [$1]  signers = "ci/allowed_signers" }
}
on manual(v: string) -> deploy
stage build { sh "echo built >> \${env.OUT}/log" }
stage deploy {
  needs build
  environment prod
  version event.inputs.v
  sh "echo \${version} > \${env.OUT}/prod"
}
RP
}
write_pipeline '"alice", "bob", "carol"'
run_id() { sed -n 's/^run \([0-9a-f-]*\)$/\1/p' | head -1; }
start() { "$RP" run -f "$f" --event manual --input v="$1" --actor dave < /dev/null 2>&1 | run_id; }
journal() { printf '%s' "$RP_STATE_DIR/runs/$1/journal.ndjson"; }
# resume: 3 while it still waits at the gate
resume_waits() {
  out=$("$RP" resume "$1" -f "$f" 2>&1); rc=$?
  assert_eq "$rc" 3 "$2: the gate stays closed"
  [ -e "$OUT/prod" ] && { _fail "$2: the gated stage ran"; rm -f "$OUT/prod"; }
}

# rp check: the signers file must exist, at the attribute's position
out=$("$RP" check -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "rp check passes with a signers file"
assert_not_contains "$out" "unauthenticated" "no warning with signers"
sed 's|ci/allowed_signers|ci/missing|' "$f" > "$tmp/missing.rp"
out=$("$RP" check -f "$tmp/missing.rp" 2>&1); rc=$?
assert_eq "$rc" 2 "a missing signers file is an error"
assert_contains "$out" "missing.rp:2:63: error: approval 'signers': cannot read '$tmp/ci/missing'" "at the attribute"

# without signers: one warning per gate, from rp check only
sed 's|  signers = "ci/allowed_signers"||' "$f" > "$tmp/lax.rp"
printf 'environment uat { approval { reviewers = ["carol"] } }\n' >> "$tmp/lax.rp"
out=$("$RP" check -f "$tmp/lax.rp" 2>&1); rc=$?
assert_eq "$rc" 0 "unsigned gates are a warning, not an error"
assert_eq "$(printf '%s\n' "$out" | grep -c 'warning: approvals of environment .* are unauthenticated')" 2 "one warning per gate"
assert_contains "$out" "lax.rp:2:3: warning: approvals of environment 'prod' are unauthenticated" "at the approval"
assert_not_contains "$("$RP" plan -f "$tmp/lax.rp" --event manual --input v=1 2>&1)" "unauthenticated" "rp plan does not warn"

# a valid one
out=$("$RP" run -f "$f" --event manual --input v=0.9.0 --actor dave < /dev/null 2>&1)
id=$(printf '%s\n' "$out" | run_id)
assert_contains "$out" "rp approve $id prod --as NAME --key KEY" "a signed gate asks for a key"
id=$(start 1.0.0)
out=$("$RP" approve "$id" prod --as alice -f "$f" 2>&1); rc=$?
assert_eq "$rc" 2 "without a key a signed gate refuses"
assert_contains "$out" "pass --key KEY" "and says how to sign"
out=$("$RP" approve "$id" prod --as alice --key "$tmp/alice" -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "alice approves with her key: $out"
assert_contains "$(cat "$(journal "$id")")" '"signature":"-----BEGIN SSH SIGNATURE-----' "the signature is in the record"
cp "$(journal "$id")" "$tmp/valid.ndjson"
out=$("$RP" status "$id" -f "$f" --json); assert_contains "$out" '"signed":true,"ignored":null' "status: it counts"
out=$("$RP" resume "$id" -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "a valid signature opens the gate: $out"
assert_eq "$(cat "$OUT/prod" 2>/dev/null)" "1.0.0" "deployed"
rm -f "$OUT/prod"
assert_contains "$(cat "$RP_STATE_DIR/history/prod.ndjson")" '"approvers":["alice"]' "history names alice"

# RP_SIGNING_KEY, then git's user.signingkey
id=$(start 1.0.1)
out=$(RP_SIGNING_KEY="$tmp/bob" "$RP" approve "$id" prod --as bob -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "RP_SIGNING_KEY signs: $out"
id=$(start 1.0.2)
git config --global user.signingkey "~/../carol"
out=$("$RP" approve "$id" prod --as carol -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "git's user.signingkey signs: $out"
git config --global --unset user.signingkey

# bob's key claiming alice: refused at approval time ...
id=$(start 1.1.0)
out=$("$RP" approve "$id" prod --as alice --key "$tmp/bob" -f "$f" 2>&1); rc=$?
assert_eq "$rc" 2 "bob's key cannot approve as alice"
assert_contains "$out" "refused: not signed by alice for this decision" "and says why"
assert_not_contains "$(cat "$(journal "$id")")" '"kind":"approved"' "nothing recorded"
# ... and, written into the journal directly (bob signs alice's canonical
# text himself), ignored by every reader
forge "$id" prod 1.1.0 approved alice bob >> "$(journal "$id")"
resume_waits "$id" "bob's key claiming alice"
out=$("$RP" status "$id" -f "$f" 2>&1)
assert_contains "$out" "ignored: not signed by alice" "status says why it was ignored"
# a record signed correctly over the same text by alice's key counts (the forge helper is right)
id2=$(start 1.1.1)
forge "$id2" prod 1.1.1 approved alice alice >> "$(journal "$id2")"
out=$("$RP" resume "$id2" -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "alice's own signature over the canonical text counts: $out"
rm -f "$OUT/prod"

# a tampered version / time / decision
id=$(start 2.0.0)
"$RP" approve "$id" prod --as alice --key "$tmp/alice" -f "$f" > /dev/null 2>&1 || _fail "approve 2.0.0"
j=$(journal "$id"); cp "$j" "$tmp/orig"
sed -i '/"kind":"approved"/s/"at":"[^"]*"/"at":"2030-01-01T00:00:00.000Z"/' "$j"
resume_waits "$id" "a tampered time"
assert_contains "$("$RP" status "$id" -f "$f" 2>&1)" "ignored: not signed by alice for this decision" "status: tampered time"
cp "$tmp/orig" "$j"
sed -i '/"kind":"approved"/s/"comment":null/"comment":"edited"/' "$j"
resume_waits "$id" "a tampered comment"
cp "$tmp/orig" "$j"
# rp reject by carol turned into an approval
id3=$(start 2.1.0)
"$RP" reject "$id3" prod --as carol --key "$tmp/carol" -f "$f" > /dev/null 2>&1 || _fail "carol rejects"
sed -i 's/"kind":"rejected"/"kind":"approved"/' "$(journal "$id3")"
out=$("$RP" status "$id3" -f "$f" 2>&1)
assert_contains "$out" "ignored:" "a rejection turned into an approval is ignored"
resume_waits "$id3" "a tampered decision"
# a tampered version: the gate's version and the record's both changed to 2.0.9
id4=$(start 2.0.9)
sed 's/2\.0\.0/2.0.9/g; s/'"$id"'/'"$id4"'/g' "$j" | grep '"kind":"approved"' >> "$(journal "$id4")"
resume_waits "$id4" "a tampered version"

# a record added by hand: unsigned, or with a signature of other text
id=$(start 3.0.0)
now=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
record approved "$now" prod 3.0.0 alice >> "$(journal "$id")"
resume_waits "$id" "an unsigned hand-added record"
assert_contains "$("$RP" status "$id" -f "$f" 2>&1)" "ignored: unsigned" "status: unsigned"
record approved "$now" prod 3.0.0 alice "$(printf x | signature alice rp-approval)" >> "$(journal "$id")"
resume_waits "$id" "a hand-added record with another text's signature"
out=$("$RP" approve "$id" prod --as bob --key "$tmp/bob" -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "records that do not count do not block a real decision: $out"

# a rejection written by hand neither ends the run nor blocks a real approval
id=$(start 3.1.0)
record rejected "$(date -u +%Y-%m-%dT%H:%M:%S.000Z)" prod 3.1.0 alice >> "$(journal "$id")"
assert_contains "$("$RP" status "$id" -f "$f" 2>&1)" "waiting" "a forged rejection: still waiting"
out=$("$RP" approve "$id" prod --as carol --key "$tmp/carol" -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "carol approves despite the forged rejection: $out"
out=$("$RP" resume "$id" -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "and the run deploys: $out"
assert_eq "$(cat "$OUT/prod" 2>/dev/null)" "3.1.0" "3.1.0 deployed"
rm -f "$OUT/prod"

# a signature for another run / environment replayed
id=$(start 4.0.0)
grep '"kind":"approved"' "$tmp/valid.ndjson" | sed 's/"version":"1\.0\.0"/"version":"4.0.0"/' >> "$(journal "$id")"
resume_waits "$id" "another run's signature (version adjusted)"
id5=$(start 1.0.0)
grep '"kind":"approved"' "$tmp/valid.ndjson" >> "$(journal "$id5")"
resume_waits "$id5" "another run's signature, same version"
assert_contains "$("$RP" status "$id5" -f "$f" --json)" '"ignored":"not signed by alice' "status --json says why"

# a reviewer removed: from the pipeline, and from the signers file
id=$(start 5.0.0)
"$RP" approve "$id" prod --as bob --key "$tmp/bob" -f "$f" > /dev/null 2>&1 || _fail "bob approves 5.0.0"
write_pipeline '"alice", "carol"'
resume_waits "$id" "bob removed from the pipeline"
assert_contains "$("$RP" status "$id" -f "$f" 2>&1)" "ignored: bob is not a reviewer" "status: removed reviewer"
write_pipeline '"alice", "bob", "carol"'
cp "$tmp/ci/allowed_signers" "$tmp/signers.bak"
grep -v '^bob ' "$tmp/signers.bak" > "$tmp/ci/allowed_signers"
resume_waits "$id" "bob removed from the signers file"
cp "$tmp/signers.bak" "$tmp/ci/allowed_signers"

# ssh-keygen missing: a clear error, and the gate stays closed
mkdir -p "$tmp/bin"
for t in sh cat date mkdir rm; do ln -sf "$(command -v $t)" "$tmp/bin/$t"; done
out=$(PATH="$tmp/bin" "$RP" resume "$id" -f "$f" 2>&1); rc=$?
assert_eq "$rc" 3 "without ssh-keygen the gate stays closed"
assert_contains "$out" "ssh-keygen is not installed" "and says so"
id6=$(start 6.0.0)
out=$(PATH="$tmp/bin" "$RP" approve "$id6" prod --as alice --key "$tmp/alice" -f "$f" 2>&1); rc=$?
assert_eq "$rc" 2 "approving without ssh-keygen fails"
assert_contains "$out" "ssh-keygen is not installed" "approve says so"
out=$("$RP" resume "$id" -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "with ssh-keygen back, bob's approval counts: $out"
finish
