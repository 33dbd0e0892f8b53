# approval-lib.sh — for tests of signed approvals: SSH keys and an
# allowed-signers file made with the real ssh-keygen, and decision records
# written to a journal by hand (as an attacker with write access would).
# Source after assert.sh; needs $tmp.

# make_keys NAME...: $tmp/NAME (private, no passphrase) and $tmp/NAME.pub
make_keys() {
  command -v ssh-keygen > /dev/null || { _fail "ssh-keygen is needed"; finish; }
  for who in "$@"; do
    ssh-keygen -q -t ed25519 -N '' -C "$who" -f "$tmp/$who" || _fail "ssh-keygen makes $who's key"
  done
}

# allow NAME KEY FILE: FILE lists KEY's public half for principal NAME
allow() { printf '%s %s\n' "$1" "$(cut -d' ' -f1,2 "$tmp/$2.pub")" >> "$3"; }

# canonical ID ENV VERSION DECISION BY AT: the text rp signs (run/approval.h)
canonical() {
  printf 'rp-approval 1\nrun "%s"\nenvironment "%s"\nversion "%s"\ndecision "%s"\nreviewer "%s"\ntime "%s"\ncomment null\n' \
    "$1" "$2" "$3" "$4" "$5" "$6"
}

# signature KEY NAMESPACE < TEXT: the armored signature as one JSON string body
signature() { ssh-keygen -q -Y sign -n "$2" -f "$tmp/$1" | awk '{printf "%s\\n", $0}'; }

# record KIND AT ENV VERSION BY [SIG]: one journal line
record() {
  printf '{"kind":"%s","at":"%s","env":"%s","version":"%s","by":"%s","comment":null%s}\n' "$1" "$2" "$3" "$4" "$5" \
    "${6:+,\"signature\":\"$6\"}"
}

# forge ID ENV VERSION DECISION BY KEY [NAMESPACE]: a record whose signature
# KEY made over its own canonical text (NAMESPACE: rp-approval)
forge() {
  at=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
  sig=$(canonical "$1" "$2" "$3" "$4" "$5" "$at" | signature "$6" "${7:-rp-approval}")
  record "$4" "$at" "$2" "$3" "$5" "$sig"
}
