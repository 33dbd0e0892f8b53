#!/bin/sh
# environment-url.sh — an environment's `url` evaluated per run (from the
# event) or set by its stage's `output url`: recorded in the history and
# shown by rp environments / history / status, the GitHub and GitLab
# summaries, $GITHUB_OUTPUT, GitLab's dotenv report and the exports. A
# hostile URL from event data is escaped everywhere and never a link.
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export RP_STATE_DIR="$tmp/state"
unset GITHUB_ACTIONS GITLAB_CI CI GITHUB_OUTPUT GITHUB_STEP_SUMMARY
f="$tmp/pipeline.rp"
cat > "$f" <<'RP'
environment review { url = "https://pr-${event.pr.number}.preview.example.com" }
environment prod { url = "https://example.com" }
environment vault { url = secret("VAULT_URL") }
on pull_request "main" -> review
on push "main" -> ship
stage review {
  environment review
  version "1.2.${event.pr.number}"
  sh "echo deploying"
}
stage ship {
  environment prod
  version "2.0.0"
  output url = "https://blue.example.com/" + event.branch
}
stage hidden {
  environment vault
  version "1"
}
RP
pr() { "$RP" run -f "$f" --event pull_request --base main --branch "$1" --pr "$2" ${3:+"$3"} 2>&1; }
cd "$tmp" || exit 1

out=$(pr feat 42); rc=$?
assert_eq "$rc" 0 "the review deploy runs"
out=$("$RP" environments -f "$f")
assert_contains "$out" "URL" "rp environments has a URL column"
assert_contains "$out" "review           -          1.2.42               -                        https://pr-42.preview.example.com" \
  "the URL computed from event.pr.number"
out=$("$RP" environments -f "$f" --json)
assert_contains "$out" '"name":"review","after":null,"reviewers":null,"version":"1.2.42","url":"https://pr-42.preview.example.com"' \
  "and in --json"
out=$("$RP" history -f "$f" review --json)
assert_contains "$out" '"url":"https://pr-42.preview.example.com"' "the history entry records it"
out=$("$RP" history -f "$f" review)
assert_contains "$out" "ROLLBACK  URL" "rp history has a URL column"
id=$("$RP" runs -f "$f" --json | sed -n 's/.*"id":"\([^"]*\)".*/\1/p' | head -1)
out=$("$RP" status -f "$f" "$id")
assert_contains "$out" "deployed 1.2.42 to review → https://pr-42.preview.example.com" "rp status shows the deploy's URL"

# the stage's `output url` wins over the setting; a hostile branch name
bad='x)](javascript:alert(1))|<b>'
out=$(GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY="$tmp/sum.md" pr "$bad" 7 ship); rc=$?
assert_eq "$rc" 0 "ship runs"
sum=$(cat "$tmp/sum.md")
assert_contains "$sum" "| environment | version | stage | url |" "the summary's deploys have a URL column"
assert_contains "$sum" '| prod | 2.0.0 | ship | [https://blue.example.com/x)\](javascript:alert(1))\|&lt;b&gt;](https://blue.example.com/x%29%5D%28javascript:alert%281%29%29%7C%3Cb%3E) |' \
  "a hostile URL: the link text escaped, the target percent-encoded"
out=$("$RP" history -f "$f" prod --json)
assert_contains "$out" "\"url\":\"https://blue.example.com/$bad\"" "output url takes the setting's place"

# a URL with a line break: no link, no cursor movement
out=$(GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY="$tmp/sum2.md" pr "$(printf 'a\n| x |\033[2J')" 8 ship)
assert_contains "$(cat "$tmp/sum2.md")" '| prod | 2.0.0 | ship | https://blue.example.com/a \| x \|' \
  "a URL with control characters is escaped text, not a link"
assert_not_contains "$(cat "$tmp/sum2.md")" "$(printf '\033')" "the summary holds no terminal escape"
out=$("$RP" history -f "$f" prod)
assert_contains "$out" 'https://blue.example.com/a\x0a| x |\x1b[2J' "rp history shows control characters as \\xNN"
out=$("$RP" environments -f "$f")
assert_contains "$out" 'https://blue.example.com/a\x0a| x |\x1b[2J' "so does rp environments"

# an exported GitHub job: the URL computed from the setting goes to $GITHUB_OUTPUT
printf '' > "$tmp/gh-out"
out=$(GITHUB_ACTIONS=true GITHUB_OUTPUT="$tmp/gh-out" "$RP" run -f "$f" --event pull_request --base main --branch feat --pr 5 --only review 2>&1)
assert_contains "$(cat "$tmp/gh-out")" "https://pr-5.preview.example.com" "\$GITHUB_OUTPUT gets url"
assert_contains "$(cat "$tmp/gh-out")" "url<<rp_EOF_" "under the name url"

# GitLab: the dotenv report and the summary
mkdir "$tmp/gl" && cd "$tmp/gl" || exit 1
out=$(GITLAB_CI=true "$RP" run -f "$f" --event pull_request --base main --branch feat --pr 6 review 2>&1)
assert_eq "$(cat rp-environment.env)" "RP_ENVIRONMENT_ADDRESS=pr-6.preview.example.com" "GitLab: the dotenv report"
assert_contains "$(cat rp-summary.md)" "| review | 1.2.6 | review | [https://pr-6.preview.example.com](https://pr-6.preview.example.com) |" \
  "GitLab: the summary links it"
rm -f rp-environment.env
out=$(GITLAB_CI=true "$RP" run -f "$f" --event pull_request --base main --branch "$(printf 'a\nEVIL=1')" --pr 6 ship 2>&1)
[ -e rp-environment.env ] && _fail "a URL with a line break reached the dotenv report: $(cat rp-environment.env)"
cd "$tmp" || exit 1

# a URL holding a secret is not recorded
out=$(VAULT_URL="https://s3cr3t.example.com" "$RP" run -f "$f" --event local hidden 2>&1); rc=$?
assert_eq "$rc" 0 "the vault deploy runs"
out=$("$RP" history -f "$f" vault --json)
assert_not_contains "$out" "s3cr3t" "a secret URL is not recorded"

# exports: GitHub reads the rp step's output, GitLab the dotenv report
"$RP" export github -f "$f" --state git:origin -o "$tmp/gh.yml" || _fail "github export"
gh=$(cat "$tmp/gh.yml")
assert_contains "$gh" "      name: review
      url: \${{ steps.rp.outputs.url }}" "GitHub: a run-time URL from the step's output"
assert_contains "$gh" "      - name: rp run --only review
        id: rp" "GitHub: the rp step has an id"
assert_contains "$gh" "      name: prod
      url: \${{ steps.rp.outputs.url }}" "GitHub: output url makes the URL a run-time one"
"$RP" export gitlab -f "$f" --state git:origin -o "$tmp/gl.yml" || _fail "gitlab export"
gl=$(cat "$tmp/gl.yml")
assert_contains "$gl" "    name: review
    url: https://\$RP_ENVIRONMENT_ADDRESS
  artifacts:
    reports:
      dotenv: rp-environment.env" "GitLab: environment url from the dotenv report"
finish
