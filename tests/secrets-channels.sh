#!/bin/sh
# secrets-channels.sh — a secret stays masked wherever it goes: read by a
# stage from another stage's outputs (its taint crosses the pipe) and on
# resume, in its encoded forms (JSON-escaped, URL-encoded, base64), in what
# methods and primitives derive from it, in errors rp raises itself, in the
# REPL and --break-on-failure, in a dry run's URLs; what cannot be kept
# masked (a matrix value, a version, one or two characters) is refused.
# Every channel looked at is counted, and the count printed at the end.
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export RP_STATE_DIR="$tmp/state" FORMS="$tmp/forms"
unset CI GITHUB_ACTIONS
# `"` and `\` change its JSON form, `:` `>` `?` `/` `!` its URL forms, and
# its base64 uses + and / (- and _ in the URL-safe alphabet) and padding
export TOK='Zq9"Tok\en:Pa>?rt-Two/4~!' WHICH=TOK
# each form of it, and what is derived from it below, as it would leak
# (case-insensitive: upper() and lower() are forms too)
cat > "$tmp/forbidden" <<'EOF'
zq9"tok
pa>?rt-two
zq9\"tok
zq9%22tok
WnE5IlRva1xlbjpQYT4
dTpacTkiVG9rXGVuOlBhPj9ydC1Ud28vNH4h
plain-cred-8080
parent-eval-5150
EOF
tried=0 leaked=0
# no_leak TEXT CHANNEL: TEXT holds none of the forbidden forms
no_leak() {
  tried=$((tried + 1))
  if printf '%s' "$1" | grep -qiF -f "$tmp/forbidden"; then
    leaked=$((leaked + 1))
    _fail "$2: a secret leaks: $(printf '%s' "$1" | grep -iF -f "$tmp/forbidden" | head -3)"
  fi
}
journal() { cat "$RP_STATE_DIR"/runs/"$1"/journal.ndjson; }
run_id() { printf '%s\n' "$1" | sed -n 's/^run \([0-9a-f-]*\)$/\1/p' | head -1; }

# what a stage's process prints in each encoded form, without rp knowing
printf '%s\n' 'json: Zq9\"Tok\\en:Pa>?rt-Two/4~!' 'js: Zq9%22Tok%5Cen%3APa%3E%3Frt-Two%2F4~!' \
  'curl: Zq9%22Tok%5Cen%3APa%3E%3Frt-Two%2F4~%21' 'b64: WnE5IlRva1xlbjpQYT4/cnQtVHdvLzR+IQ==' \
  'b64-raw: WnE5IlRva1xlbjpQYT4/cnQtVHdvLzR+IQ' 'b64url: WnE5IlRva1xlbjpQYT4_cnQtVHdvLzR-IQ==' \
  'b64url-raw: WnE5IlRva1xlbjpQYT4_cnQtVHdvLzR-IQ' > "$FORMS"

f="$tmp/pipeline.rp"
cat > "$f" <<'RP'
environment prod { approval { reviewers = ["alice"] } }
on manual(n: string) -> deploy
let tok = secret("TOK")

stage source {
  output token = tok
  output parts = tok.split(":")
  output plain = "public"
}
stage reader {
  needs source
  print("plain: ${source.token}")
  print("derived: ${source.token.upper()} ${source.parts} ${re.split(":", source.token)}")
  print("basic: ${base64("u:" + source.token)}")
  print(json.encode({t: source.token}))
  sh("printf 'env: %s\n' \"$T\"", env: {T: source.token.lower()})
  sh "cat ${env.FORMS}"
  let r = try(fn() => docker.build(".", build_args: {T: source.token}))
  print("argv: ${r.error}")
  output echo = source.token.lower()
}
stage deploy {
  needs source, reader
  environment prod
  version "1.0.${event.inputs.n}"
  assert(source.token == tok && reader.echo == tok.lower(), "the outputs lost their secret")
  print("deploy: ${source.token.upper()} ${source.plain}")
}
RP
ask() { "$RP" run -f "$f" --event manual --input n=1 --actor bob "$@" < /dev/null 2>&1; }

# 1. a secret output read by the stages after it: masked, and still secret
out=$(ask --json --junit "$tmp/j.xml"); rc=$?
assert_eq "$rc" 3 "the run reaches the gate"
id=$("$RP" runs --json -f "$f" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p' | tail -1)
for want in '"plain: ***"' '"derived: *** [\"***\", \"***\"] [\"***\", \"***\"]"' '"basic: ***"' \
  '"{\"t\":\"***\"}"' '"env: ***"' '"json: ***"' '"js: ***"' '"curl: ***"' '"b64: ***"' '"b64-raw: ***"' \
  '"b64url: ***"' '"b64url-raw: ***"'; do
  assert_contains "$out" "\"text\":$want" "reader prints $want"
done
assert_contains "$out" "argv: docker.build: refusing to put a secret on the command line" \
  "an output that held a secret is secret in the stage that reads it"
no_leak "$out" "--json events of the stages"
no_leak "$(cat "$tmp/j.xml")" "--junit"
no_leak "$(journal "$id")" "the journal"
assert_contains "$(journal "$id")" '"secret_outputs":["token","parts"]' "the journal names the secret outputs"
no_leak "$("$RP" status "$id" -f "$f" 2>&1)" "rp status"
no_leak "$("$RP" status "$id" --json -f "$f" 2>&1)" "rp status --json"

# resume: the stages whose outputs held a secret run again (the journal
# keeps them masked), so the gated stage reads the secret, not ***
"$RP" approve "$id" prod --as alice -f "$f" > /dev/null 2>&1
out=$("$RP" resume "$id" -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "the resumed run deploys"
assert_contains "$out" "[source] rp: running again: its outputs held a secret" "a stage with a secret output runs again"
assert_contains "$out" "[deploy] deploy: *** public" "the deploy reads the secret outputs, masked"
no_leak "$out" "the resumed run's output"
no_leak "$(journal "$id")" "the journal after the resume"
no_leak "$(cat "$RP_STATE_DIR"/history/*.ndjson)" "the deploy history"
no_leak "$(cat "$RP_STATE_DIR"/locks/* 2>/dev/null)" "the lock notes"
no_leak "$("$RP" history -f "$f" 2>&1)$("$RP" environments -f "$f" 2>&1)" "rp history and rp environments"
# the runner is told each secret in an ::add-mask:: line, which it takes in
# and never shows; everything else is looked at
out=$(GITHUB_ACTIONS=true "$RP" run reader --event local -f "$f" 2>&1)
assert_contains "$out" "plain: ***" "GitHub groups hold the stage's lines"
assert_contains "$out" "::add-mask::WnE5IlRva1xlbjpQYT4" "GitHub is told to mask the secret's forms"
no_leak "$(printf '%s\n' "$out" | grep -v '^::add-mask::')" "GitHub groups"

# 4. a secret named by a computed expression in the parent (`when`) is
# masked in the stage it lets start, whose process inherits it
cat > "$tmp/parent.rp" <<'RP'
stage computed {
  when secret(env.WHICH2) != ""
  sh "echo child: $PTOK2"
}
stage gated {
  when assert(false, "when: ${secret(env.WHICH).upper()} ${base64("u:" + secret(env.WHICH))}")
  sh "true"
}
stage timed {
  timeout assert(false, "timeout: ${secret(env.WHICH).lower()} https://user:${env.GTOK}@host/x")
  sh "true"
}
RP
export WHICH2=PTOK2 PTOK2=parent-eval-5150 GTOK=plain-cred-8080
out=$("$RP" run computed -f "$tmp/parent.rp" 2>&1)
assert_contains "$out" "[computed] child: ***" "a secret the parent registers is masked in the stage"
no_leak "$out" "a stage started after the parent registered a secret"

# 5. errors rp raises itself (in `when`, `timeout`), in every channel
out=$("$RP" run gated timed -f "$tmp/parent.rp" --json --junit "$tmp/j.xml" 2>&1); rc=$?
assert_eq "$rc" 1 "the stages fail in the parent"
assert_contains "$out" '"error":"when: *** ***"' "the when error is masked"
assert_contains "$out" '"error":"timeout: *** https://host/x"' "the timeout error is masked, the URL without its credentials"
no_leak "$out" "--json errors raised in the parent"
no_leak "$(cat "$tmp/j.xml")" "--junit errors raised in the parent"
id=$(printf '%s\n' "$out" | sed -n 's/.*"event":"run_started","run":"\([^"]*\)".*/\1/p')
no_leak "$(journal "$id")" "the journal's errors raised in the parent"
no_leak "$("$RP" status "$id" -f "$tmp/parent.rp" 2>&1)" "rp status of errors raised in the parent"
out=$("$RP" run gated timed -f "$tmp/parent.rp" 2>&1)
assert_contains "$out" "error: stage 'gated': when: *** ***" "stderr shows the error masked"
no_leak "$out" "stderr of errors raised in the parent"
out=$(GITHUB_ACTIONS=true "$RP" run gated timed --event local -f "$tmp/parent.rp" 2>&1)
assert_contains "$out" "::error file=" "GitHub annotations are written"
no_leak "$(printf '%s\n' "$out" | grep -v '^::add-mask::')" "GitHub annotations"

# a dry run names a URL without its credentials, secret or not
cat > "$tmp/dry.rp" <<'RP'
stage push {
  git.push(".", remote: "https://user:${env.GTOK}@example.com/r.git")
  helm.push("chart.tgz", "oci://user:${env.GTOK}@registry.example.com/charts")
}
RP
out=$("$RP" run push --dry-run -f "$tmp/dry.rp" 2>&1)
assert_contains "$out" "[dry-run] git push from . to https://example.com/r.git" "git.push's remote without userinfo"
assert_contains "$out" "oci://registry.example.com/charts" "a tool's argv without userinfo"
no_leak "$out" "--dry-run"

# a secret as a matrix value or as a version would name things: refused
cat > "$tmp/names.rp" <<'RP'
environment staging { }
stage each { matrix t in [secret("TOK")]  sh "true" }
stage ship { environment staging  version secret("TOK")  sh "true" }
RP
out=$("$RP" run each -f "$tmp/names.rp" 2>&1); rc=$?
assert_eq "$rc" 2 "a secret matrix value stops the run before it starts"
assert_contains "$out" "a secret cannot be a matrix value" "and says why"
no_leak "$out" "a secret matrix value"
out=$("$RP" plan each -f "$tmp/names.rp" 2>&1)
assert_contains "$out" "a secret cannot be a matrix value" "rp plan refuses it too"
no_leak "$out" "rp plan of a secret matrix value"
out=$("$RP" run ship -f "$tmp/names.rp" 2>&1); rc=$?
assert_eq "$rc" 1 "a secret version fails its stage"
assert_contains "$out" "a secret cannot be a version" "and says why"
no_leak "$out$(cat "$RP_STATE_DIR"/history/*.ndjson)$("$RP" environments -f "$tmp/names.rp" 2>&1)" "a secret version"

# the REPL and --break-on-failure show secrets masked
cp "$f" "$tmp/repl.rp"
out=$(printf '%s\n' 'tok' 'tok.upper()' 'let parts = tok.split(":")' ':vars' ':run source' ':outputs source' \
  'assert(false, "bad ${tok.lower()}")' '[tok[0]]' | "$RP" repl "$tmp/repl.rp" --event manual --input n=1 2>&1)
assert_contains "$out" 'parts = ["***", "***"]' ":vars shows them masked"
assert_contains "$out" '{token: "***", parts: ["***", "***"], plain: "public"}' ":outputs shows them masked"
assert_contains "$out" 'error: bad ***' "an error shows them masked"
assert_contains "$out" '["***"]' "a piece too short to register is hidden whole"
no_leak "$out" "the REPL"
cat > "$tmp/break.rp" <<'RP'
let tok = secret("TOK")
stage fails {
  let low = tok.lower()
  sh "false"
}
RP
out=$(printf '%s\n' ':vars' 'tok' 'low.split(":")' ':quit' | "$RP" run fails --break-on-failure -f "$tmp/break.rp" 2>&1)
assert_contains "$out" '{low: "***"}' "--break-on-failure's :vars shows them masked"
no_leak "$out" "--break-on-failure"

# 6. a secret too short to be masked is refused, not shown
cat > "$tmp/short.rp" <<'RP'
stage short { let s = secret("SHORT")  sh "echo ${s}" }
RP
out=$(SHORT=ab "$RP" run short -f "$tmp/short.rp" 2>&1); rc=$?
assert_eq "$rc" 1 "a two-character secret fails the stage"
assert_contains "$out" "secret 'SHORT' is too short to be masked (2 characters; at least 3)" "and says why"
printf 'SHORT=x\n' > "$tmp/short.env"
out=$("$RP" run short --secrets "$tmp/short.env" -f "$tmp/short.rp" 2>&1); rc=$?
assert_eq "$rc" 2 "a secrets file with a one-character value is refused"
assert_contains "$out" "the value of SHORT is too short to be masked" "and says which"

# 7. an input (or a flag) given a secret's text: the run's first record,
# which keeps the event for a resume, holds it masked
cat > "$tmp/input.rp" <<'RP'
on manual(n: string) -> use
stage use { let t = secret("TOK")  print(event.inputs.n == t) }
RP
out=$("$RP" run -f "$tmp/input.rp" --event manual --input "n=$TOK" --branch "$TOK" < /dev/null 2>&1)
id=$(run_id "$out")
assert_contains "$out" "[use] true" "the stage reads the input as given"
assert_contains "$(journal "$id")" '"kind":"run_started"' "the run started ($out)"
no_leak "$(journal "$id")" "the journal of a run whose input is a secret"
no_leak "$("$RP" status "$id" -f "$tmp/input.rp" 2>&1)" "rp status of a run whose input is a secret"

echo "secret channels tried: $tried, leaked: $leaked"
finish
