#!/bin/sh
# gate-bypass.sh — every way we know to open a signed approval gate
# without a valid approval (DESIGN §10), one attempt per row: spoofed
# names and keys, self-approval, hand-written and edited journal lines,
# replays from other runs, environments, versions and dry runs, torn and
# duplicated records, other pipeline files, environment variables. Each
# attacks a fresh run waiting at prod's gate, then resumes it: the gate
# must stay closed (nothing deployed). Prints "N attempts, 0 succeeded".
set -u
. "$top_srcdir/tests/lib/assert.sh"
. "$top_srcdir/tests/lib/approval-lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export RP_STATE_DIR="$tmp/state" OUT="$tmp/out" HOME="$tmp/home"
unset CI RP_SIGNING_KEY RP_ACTOR
mkdir -p "$OUT" "$HOME" "$tmp/ci"
make_keys alice bob carol mallory
for who in alice bob carol; do allow "$who" "$who" "$tmp/ci/allowed_signers"; done
allow alice mallory "$tmp/evil_signers"
pipeline() { # REVIEWERS SIGNERS-SETTING
  cat <<RP
environment uat { approval { reviewers = ["alice", "bob"]  signers = "ci/allowed_signers" } }
environment prod { approval { reviewers = [$1]  $2 } }
on manual(v: string) -> deploy
stage deploy { environment prod  version event.inputs.v  sh "echo \${version} > \${env.OUT}/prod" }
stage deploy_uat { environment uat  version event.inputs.v  sh "true" }
RP
}
f="$tmp/pipeline.rp"
pipeline '"alice"' 'signers = "ci/allowed_signers"' > "$f"
pipeline '"mallory"' '' > "$tmp/lax.rp"
pipeline '"alice"' 'signers = "evil_signers"' > "$tmp/evil.rp"
pipeline '"alice", "carol"' 'signers = "ci/allowed_signers"' > "$tmp/old.rp"
"$RP" check -f "$f" > /dev/null 2>&1 || _fail "the pipeline checks"

run_id() { sed -n 's/^run \([0-9a-f-]*\)$/\1/p' | head -1; }
start() { # [VERSION [ACTOR [FLAGS]]]: a run waiting at prod's gate: $id, $j
  id=$("$RP" run -f "$f" --event manual --input v="${1:-1.0.0}" --actor "${2:-dave}" ${3:-} < /dev/null 2>&1 | run_id)
  j="$RP_STATE_DIR/runs/$id/journal.ndjson"
  [ -n "$id" ] || _fail "a run starts"
}
now() { date -u +%Y-%m-%dT%H:%M:%S.000Z; }
approve() { "$RP" approve "$id" prod -f "$f" "$@" > /dev/null 2>&1; }

n=0 won=0
closed() { # NAME: after the attack on $id, resuming it deploys nothing
  n=$((n + 1))
  "$RP" resume "$id" -f "$f" > "$tmp/resume.$n" 2>&1; rc=$?
  if [ -e "$OUT/prod" ] || [ "$rc" -eq 0 ]; then
    won=$((won + 1))
    _fail "attempt $n ($1) opened the gate: $(cat "$tmp/resume.$n")"
    rm -f "$OUT/prod"
  elif [ "$rc" -ne 3 ] && [ "$rc" -ne 2 ]; then
    _fail "attempt $n ($1): resume exits $rc, not 3 (waiting) or 2 (rejected): $(cat "$tmp/resume.$n")"
  fi
  why=$(grep -m1 -o 'ignored .*\|rejected by .*\|has finished.*' "$tmp/resume.$n")
  printf '%2d closed: %s (%s)\n' "$n" "$1" "${why:-no decision for this gate}"
}

start; approve --as alice
closed "--as alice without a key"
start; approve --as alice --key "$tmp/bob"
closed "--as alice, signed with bob's (listed) key"
start; approve --as alice --key "$tmp/mallory"
closed "--as alice, signed with an unlisted key"
start; approve --as ALICE --key "$tmp/bob"
closed "--as ALICE (case) with bob's key"
start; approve --as bob --key "$tmp/bob"
closed "bob, listed in signers but not a reviewer of prod"
start; RP_ACTOR=alice RP_SIGNING_KEY="$tmp/bob" approve
closed "RP_ACTOR=alice with RP_SIGNING_KEY of bob"
start; approve --as '*' --key "$tmp/bob"
closed "--as '*' (an allowed-signers principal pattern)"
start; approve --as 'alice,bob' --key "$tmp/bob"
closed "--as 'alice,bob' (a principal list)"
start 1.0.0 alice; approve --as alice --key "$tmp/alice"
closed "self-approval through rp approve"
start 1.0.0 Alice; forge "$id" prod 1.0.0 approved alice alice >> "$j"
closed "self-approval written to the journal (Alice started the run)"
start; record approved "$(now)" prod 1.0.0 alice >> "$j"
closed "a hand-written unsigned approval"
start; forge "$id" prod 1.0.0 approved alice bob >> "$j"
closed "a hand-written approval for alice signed by bob over the canonical text"
start; record approved "$(now)" prod 1.0.0 alice "$(printf x | signature alice rp-approval)" >> "$j"
closed "a hand-written approval carrying alice's signature of other text"
start; forge "$id" prod 1.0.0 approved alice alice git >> "$j"
closed "alice's signature of the canonical text in another namespace (git)"
start; printf '{"kind":"approved","at":"%s","env":"prod","version":"1.0.0","by":"alice","comment":null,"signature":{"a":1}}\n' "$(now)" >> "$j"
closed "a signature of the wrong type"
start; other="$j"; approve --as alice --key "$tmp/alice"; start
grep '"kind":"approved"' "$other" >> "$j"
closed "alice's valid approval of another run (same version) replayed"
start; forge "$id" uat 1.0.0 approved alice alice | sed 's/"env":"uat"/"env":"prod"/' >> "$j"
closed "alice's approval of uat in this run relabelled prod"
start; forge "$id" PROD 1.0.0 approved alice bob >> "$j"
closed "an approval for environment PROD (case)"
start; approve --as alice --key "$tmp/alice"; sed -i 's/1\.0\.0/6.6.6/g' "$j"
closed "an approved run's version (event, gate and decision) edited"
start 2.0.0; record approved "$(now)" prod 1.0.0 alice "$(canonical "$id" prod 1.0.0 approved alice "$(now)" | signature bob rp-approval)" >> "$j"
closed "an approval of a different version"
start; "$RP" reject "$id" prod -f "$f" --as alice --key "$tmp/alice" > /dev/null 2>&1; approve --as alice --key "$tmp/alice"
closed "reject, then approve"
start; "$RP" reject "$id" prod -f "$f" --as alice --key "$tmp/alice" > /dev/null 2>&1
sed -i 's/"kind":"rejected"/"kind":"approved"/' "$j"
closed "a signed rejection edited into an approval"
start; "$RP" reject "$id" prod -f "$f" --as alice --key "$tmp/alice" > /dev/null 2>&1
grep '"kind":"rejected"' "$j" | sed 's/"kind":"rejected"/"kind":"approved"/' >> "$j"
closed "a signed rejection duplicated as an approval"
start; approve --as alice --key "$tmp/alice"; line=$(grep '"kind":"approved"' "$j")
start; printf '%s\n%s\n' "$line" "$line" >> "$j"
closed "another run's approval duplicated"
start; record approved "$(now)" prod 1.0.0 alice | tr -d '\n' >> "$j"
closed "a torn last line"
start; printf '{"kind":"approved","by":"alice",' >> "$j"; record approved "$(now)" prod 1.0.0 alice >> "$j"
closed "a torn line joined to the next record"
start; at=$(now)
printf '{"kind":"approved","at":"%s","env":"prod","version":"1.0.0","by":"bob","by":"alice","comment":null,"signature":"%s"}\n' \
  "$at" "$(canonical "$id" prod 1.0.0 approved bob "$at" | signature bob rp-approval)" >> "$j"
closed "duplicated keys in a record (by: bob, then alice)"
start; at=$(now)
printf '{"kind":"approved","at":"%s","env":"prod","version":"1.0.0","by":"alice\\n","comment":null,"signature":"%s"}\n' \
  "$at" "$(canonical "$id" prod 1.0.0 approved 'alice\n' "$at" | signature bob rp-approval)" >> "$j"
closed "a reviewer name with a newline"
start; printf '{"kind":"approved","at":"%s","env":"prod","version":"1.0.0","by":null,"comment":null}\n' "$(now)" >> "$j"
closed "an approval by nobody"
start; "$RP" approve "$id" prod -f "$tmp/lax.rp" --as mallory > /dev/null 2>&1
closed "approved through another pipeline file without signers"
start; "$RP" approve "$id" prod -f "$tmp/evil.rp" --as alice --key "$tmp/mallory" > /dev/null 2>&1
closed "approved through another pipeline file whose signers list mallory as alice"
start; "$RP" approve "$id" prod -f "$tmp/old.rp" --as carol --key "$tmp/carol" > /dev/null 2>&1
closed "approved by carol under an older pipeline that listed her"
dry=$("$RP" run -f "$f" --event manual --input v=1.0.0 --actor dave --dry-run < /dev/null 2>&1 | run_id)
"$RP" approve "$dry" prod -f "$f" --as alice --key "$tmp/alice" > /dev/null 2>&1 && _fail "a dry run cannot be approved"
start; forge "$dry" prod 1.0.0 approved alice alice >> "$j"
closed "an approval of a dry run replayed into a real run"
start; mkdir -p "$tmp/evilhome"; HOME="$tmp/evilhome" git config --global user.signingkey "$tmp/bob"
HOME="$tmp/evilhome" approve --as alice
closed "git's user.signingkey set to bob's key, --as alice"
start; record approved "$(now)" prod 1.0.0 alice "forged" >> "$j"
closed "an approval with a made-up signature"

# the control: a valid approval does open the gate
start; approve --as alice --key "$tmp/alice"
"$RP" resume "$id" -f "$f" > /dev/null 2>&1 || _fail "a valid approval opens the gate"
assert_eq "$(cat "$OUT/prod" 2>/dev/null)" 1.0.0 "the control deploys"

echo "$n attempts, $won succeeded"
[ "$n" -ge 22 ] || _fail "at least 22 attempts ($n)"
finish
