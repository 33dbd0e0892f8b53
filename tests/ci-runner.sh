#!/bin/sh
# ci-runner.sh — rp inside a simulated CI runner (the recorded variables and
# event payload of tests/fixtures/events; no network). GitHub Actions: each
# stage's log streams live in a ::group:: (a reader sees the first line
# while the stage still runs), whole (40,000 lines), parallel stages'
# lines prefixed; ::add-mask:: for every secret before anything could show
# it, also one a stage registers as it runs; ::error annotations for a
# failure and for `rp check`; the Markdown step summary; an exported job's
# outputs in $GITHUB_OUTPUT, read back as the runner does. GitLab CI:
# collapsed sections with names GitLab accepts, the summary in
# rp-summary.md and in the log. FORCE_COLOR / CLICOLOR_FORCE / NO_COLOR.
set -u
. "$top_srcdir/tests/lib/assert.sh"
fixtures="$top_srcdir/tests/fixtures/events"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export RP_STATE_DIR="$tmp/state"
unset NO_COLOR FORCE_COLOR CLICOLOR_FORCE GITHUB_ACTIONS GITLAB_CI CI
echo 'TOKEN=s3cr3t-t0k3n-value' > "$tmp/secrets"
f="$tmp/pipeline.rp"
cat > "$f" <<'RP'
environment staging {}
environment prod { approval { reviewers = ["alice"] } }
stage live { sh "echo first; while [ ! -f ${env.MARK} ]; do sleep 0.05; done; echo second" }
stage many { sh "seq 1 40000 | sed 's/^/line /'" }
stage p1 { sh "echo p1 says hi; sleep 0.3" }
stage p2 { sh "echo p2 says hi; sleep 0.3" }
stage registers {
  print("before")
  secret(env.WHICH)
  sh "echo late: $LATE_TOKEN"
}
stage fails { sh "echo about to fail; exit 3" }
stage outs {
  let r = sh("printf 'multi\\nline, with rp_EOF_ in it'")
  output text = r.stdout
  output n = 42
  output tok = secret("TOKEN")
}
stage to_staging { environment staging  version "1.2.3"  sh "echo deployed" }
stage to_prod { needs to_staging  environment prod  version "1.2.3"  sh "echo deployed" }
stage build {
  matrix os in ["linux x", "mac|os"]
  sh "echo built on ${os}"
}
stage quiet { sh "true" }
RP
# the recorded variables of a push, and its payload file
gh() { env $(grep -v '^#' "$fixtures/github-push.env") GITHUB_EVENT_PATH="$fixtures/github-push.json" \
  GITHUB_STEP_SUMMARY="$tmp/summary.md" GITHUB_OUTPUT="$tmp/gh-output" "$@"; }
gl() { env $(grep -v '^#' "$fixtures/gitlab-push.env") "$@"; }

# live: a reader lets the stage go on only once it has read its first line
MARK="$tmp/mark" gh "$RP" run live -f "$f" 2>&1 | while IFS= read -r line; do
  printf '%s\n' "$line" >> "$tmp/live"
  [ "$line" = first ] && touch "$tmp/mark"
done
out=$(cat "$tmp/live")
assert_contains "$out" "::group::live
first
second
::endgroup::" "the log is in the stage's group, bare"
assert_contains "$out" "--- live: ok" "the stage succeeded: its first line arrived while it ran"

out=$(gh "$RP" run many -f "$f" 2>&1)
assert_eq "$(printf '%s\n' "$out" | grep -c '^line ')" 40000 "GitHub: all 40,000 lines, none held back or cut"
assert_contains "$out" "line 40000
::endgroup::" "the last line closes the group"

out=$(gh "$RP" run p1 p2 -j2 -f "$f" 2>&1)
assert_contains "$out" "[p1] p1 says hi" "stages side by side: lines prefixed with the stage"
assert_contains "$out" "[p2] p2 says hi" "both of them"
assert_not_contains "$out" "::group::" "no group while stages run side by side"

out=$(gh "$RP" run quiet -f "$f" 2>&1)
assert_not_contains "$out" "::group::" "a stage that prints nothing gets no group"

# masks: the file's secret and its encoded forms before anything else; one
# a stage registers, before the line that follows its registering
out=$(WHICH=LATE_TOKEN LATE_TOKEN=late-t0k3n-value gh "$RP" run registers -f "$f" --secrets "$tmp/secrets" 2>&1)
assert_eq "$(printf '%s\n' "$out" | head -2 | tr '\n' ,)" \
  "::add-mask::s3cr3t-t0k3n-value,::add-mask::czNjcjN0LXQwazNuLXZhbHVl," "the secrets file's masks come first"
late=$(printf '%s\n' "$out" | grep -n '^::add-mask::late-t0k3n-value$' | cut -d: -f1)
before=$(printf '%s\n' "$out" | grep -n '^before$' | cut -d: -f1)
after=$(printf '%s\n' "$out" | grep -n '^late: \*\*\*$' | cut -d: -f1)
[ -n "$late" ] && [ -n "$after" ] && [ "$late" -lt "$after" ] || _fail "a registered secret's mask comes before the line after it ($late, $after)"
[ -n "$before" ] && [ "$before" -lt "$after" ] || _fail "the line before the secret is there ($before)"
assert_contains "$out" "::add-mask::bGF0ZS10MGszbi12YWx1ZQ" "its base64 form is masked too"

out=$(gh "$RP" run fails -f "$f" 2>/dev/null)
assert_contains "$out" "::error file=$f,line=12,col=" "a failure is an annotation at its place"
assert_contains "$out" "title=stage fails::command failed with exit code 3" "naming the stage and the error"
printf 'stage s { sh "x" }\nstage t { needs nope }\n' > "$tmp/bad.rp"
out=$(gh "$RP" check -f "$tmp/bad.rp" 2>/dev/null); rc=$?
assert_eq "$rc" 2 "rp check fails"
assert_contains "$out" "::error file=$tmp/bad.rp,line=2,col=" "rp check errors are annotations"

# the step summary: stages, the deploy, the approval waiting
rm -f "$tmp/summary.md"
out=$(gh "$RP" run to_prod -f "$f" < /dev/null 2>&1); rc=$?
assert_eq "$rc" 3 "the run waits at the gate"
id=$(printf '%s\n' "$out" | sed -n 's/^run \([0-9a-f-]*\)$/\1/p' | head -1)
sum=$(cat "$tmp/summary.md")
assert_contains "$sum" "### rp run \`$id\`: waiting in" "the summary names the run"
assert_contains "$sum" "| to\\_staging | ✅ ok |" "a stage and its status (Markdown escaped)"
assert_contains "$sum" "| to\\_prod | ⏸️ waiting |" "the stage at the gate"
assert_contains "$sum" "| staging | 1.2.3 | to\\_staging |" "the deploy with its environment and version"
assert_contains "$sum" "\`rp approve $id prod --as NAME\`, then \`rp resume $id\`" "the exact approve command"
assert_contains "$out" "::notice title=approval needed::deploying 1.2.3 to prod waits for approval: run  rp approve $id prod --as NAME  then  rp resume $id" \
  "one line says what to do next"

# $GITHUB_OUTPUT of an exported job, read back as the runner reads it
rm -f "$tmp/gh-output"
out=$(gh "$RP" run --only outs -f "$f" --secrets "$tmp/secrets" 2>&1)
assert_contains "$out" "not written to \$GITHUB_OUTPUT (a secret, or a name GitHub cannot read): tok" "says what it left out"
assert_not_contains "$(cat "$tmp/gh-output")" "s3cr3t" "a secret output is never written"
read_back=$(awk '
  !name && /^[A-Za-z0-9_-]+<</ { split($0, a, "<<"); name = a[1]; delim = a[2]; value = ""; n = 0; next }
  name && $0 == delim { printf "%s=[%s]\n", name, value; name = ""; next }
  name { value = n++ ? value "\\n" $0 : $0 }' "$tmp/gh-output")
assert_eq "$read_back" "text=[multi\\nline, with rp_EOF_ in it]
n=[42]" "outputs read back whole, a multi-line one too"

# GitLab: collapsed sections, names cut to what GitLab accepts
rm -f rp-summary.md
(cd "$tmp" && gl "$RP" run build -j1 -f "$f" > "$tmp/gl" 2>&1)
out=$(cat "$tmp/gl")
esc=$(printf '\033'); cr=$(printf '\r')
assert_contains "$out" "${esc}[0Ksection_start:" "a section starts"
assert_contains "$out" ":rp_0_build_linux_x_[collapsed=true]${cr}${esc}[0Kbuild[linux x]
built on linux x
${esc}[0Ksection_end:" "collapsed, named rp_INDEX_NAME with what GitLab accepts"
assert_contains "$out" ":rp_1_build_mac_os_${cr}${esc}[0K" "each stage its own section, ended"
assert_contains "$(cat "$tmp/rp-summary.md")" "| build\\[linux x\\] | ✅ ok |" "the summary in rp-summary.md"
assert_contains "$out" "| build\\[mac\\|os\\] | ✅ ok |" "and in the log"

# colour: forced for a CI log, NO_COLOR wins
out=$(FORCE_COLOR=1 "$RP" run quiet -f "$f" 2>&1)
assert_contains "$out" "${esc}[32m✓" "FORCE_COLOR colours a run that is not on a terminal"
out=$(CLICOLOR_FORCE=1 "$RP" run quiet -f "$f" 2>&1)
assert_contains "$out" "${esc}[32m✓" "so does CLICOLOR_FORCE"
out=$(FORCE_COLOR=1 NO_COLOR=1 "$RP" run quiet -f "$f" 2>&1)
assert_not_contains "$out" "$esc" "NO_COLOR wins"
out=$(FORCE_COLOR=0 "$RP" run quiet -f "$f" 2>&1)
assert_not_contains "$out" "$esc" "FORCE_COLOR=0 forces nothing"
out=$(FORCE_COLOR=1 gh "$RP" run p1 p2 -j2 -f "$f" 2>&1)
assert_contains "$out" "${esc}[2m[p1]${esc}[0m p1 says hi" "in GitHub Actions too"
out=$(FORCE_COLOR=1 "$RP" check -f "$tmp/bad.rp" 2>&1)
assert_contains "$out" "${esc}[1;31merror" "and rp check"
finish
