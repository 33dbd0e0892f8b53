#!/bin/sh
# forge.sh — github.*, gitlab.* and oidc.* against tests/lib/forge-server.py,
# which records every request: the paths, headers and JSON bodies must be
# what GitHub's and GitLab's APIs expect; a second run updates the sticky
# comment instead of adding one; tokens never show.
set -u
. "$top_srcdir/tests/lib/assert.sh"
. "$top_srcdir/tests/lib/registry-lib.sh"
command -v python3 >/dev/null 2>&1 || { echo "FAIL: python3 is not installed" >&2; exit 1; }
reg_setup
f="$top_srcdir/tests/run/forge.rp"
token="ghp_forgetesttoken0123456789"
log="$REG_TMP/requests.ndjson"
reg_serve_python P forge-server.py "$log" "$token" || { echo "FAIL: forge server" >&2; exit 1; }
S="http://127.0.0.1:$P"
sha=0123456789abcdef0123456789abcdef01234567
export GITHUB_API_URL="$S" GITHUB_REPOSITORY=octo/app CI_API_V4_URL="$S/api/v4" SHA=$sha
export GITHUB_TOKEN="$token" GITLAB_TOKEN="$token"
# what the request log says, one field per line (jq-like, with python)
req() { python3 - "$log" "$@" <<'PY'
import json, sys
log, *want = sys.argv[1:]
for line in open(log):
    r = json.loads(line)
    print(eval(want[0], {"json": json}, {"r": r}))
PY
}

# 150 comments by others: the marked one is found across pages
python3 -c "import urllib.request; urllib.request.urlopen(urllib.request.Request('$S/_seed/github/octo/app/7?count=150', method='POST'))"

out=$(PR_TITLE='evil" }, "x": "${{ github.token }}' "$RP" run preview 2>&1 -f "$f"); rc=$?
assert_eq "$rc" 0 "first comment run: $out"
assert_contains "$out" "comment created" "the first run creates the comment"
assert_not_contains "$out" "$token" "token not shown"
assert_eq "$(req 'r["method"] + " " + r["path"]')" "GET /repos/octo/app/issues/7/comments?per_page=100&page=1
GET /repos/octo/app/issues/7/comments?per_page=100&page=2
POST /repos/octo/app/issues/7/comments
POST /repos/octo/app/statuses/$sha" "GitHub requests, in order"
assert_eq "$(req 'sorted(r["headers"].items())' | sort -u | wc -l)" 2 "two header sets (with and without a body)"
assert_eq "$(req 'r["headers"]["Authorization"] == "Bearer '$token'" and r["headers"]["Accept"] == "application/vnd.github+json" and r["headers"]["X-GitHub-Api-Version"] == "2022-11-28"' | sort -u)" True "GitHub headers"
assert_eq "$(req 'r["headers"].get("Content-Type")' | tr '\n' ' ')" "None None application/json application/json " "a JSON body says so"
assert_eq "$(req 'r["body"]["body"] if r["method"] == "POST" and "comments" in r["path"] else ""' | sed -n 3,6p)" 'Preview of "evil" }, "x": "${{ github.token }}": https://pr-7.preview.example.com
`${{ secrets.X }}`

<!-- rp:preview -->' "the comment's text arrives as data, marked"
assert_eq "$(req 'json.dumps(r["body"], sort_keys=True) if "statuses" in r["path"] else ""' | grep .)" \
  '{"context": "rp/preview", "description": "deployed", "state": "success", "target_url": "https://pr-7.preview.example.com"}' \
  "status body: rp's word translated to GitHub's"

# the second run finds its comment (on page 2) and edits it
: > "$log"
out=$(PR_TITLE=second "$RP" run preview -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "second comment run: $out"
assert_contains "$out" "comment updated" "the second run updates"
assert_eq "$(req 'r["method"] + " " + r["path"]' | sed -n 3p)" "PATCH /repos/octo/app/issues/comments/1151" "edited in place"
assert_contains "$(req 'r["body"]' | sed -n 3p)" 'Preview of "second"' "with the new text"

# GitLab: the project path as one encoded segment, PRIVATE-TOKEN, GitLab's state words
: > "$log"
out=$("$RP" run mr_note -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "gitlab run: $out"
out=$("$RP" run mr_note -f "$f" 2>&1)
assert_contains "$out" "note updated" "the MR note is sticky too"
assert_eq "$(req 'r["method"] + " " + r["path"]' | sed -n 1,3p)" "GET /api/v4/projects/group%2Fsub%2Fapp/merge_requests/3/notes?per_page=100&page=1&sort=asc&order_by=created_at
POST /api/v4/projects/group%2Fsub%2Fapp/merge_requests/3/notes
POST /api/v4/projects/group%2Fsub%2Fapp/statuses/$sha" "GitLab requests"
assert_eq "$(req 'r["headers"].get("PRIVATE-TOKEN") == "'$token'" and "Authorization" not in r["headers"]' | sort -u)" True "GitLab token header"
assert_eq "$(req 'r["body"]["state"] + " " + r["body"]["name"] if "statuses" in r["path"] else ""' | grep .)" "running rp/build
running rp/build" "GitLab status body"
assert_eq "$(req 'r["method"] + " " + r["path"]' | sed -n 5p)" "PUT /api/v4/projects/group%2Fsub%2Fapp/merge_requests/3/notes/1152" "note edited in place"

# a wrong token: the error names the URL, never the token
out=$(GITHUB_TOKEN=ghp_wrongwrongwrong0123 "$RP" run preview -f "$f" 2>&1); rc=$?
assert_eq "$rc" 1 "unauthorised"
assert_contains "$out" "HTTP 401" "the status is named"
assert_contains "$out" "$S/repos/octo/app/issues/7/comments" "the URL is named"
assert_not_contains "$out" "ghp_wrongwrongwrong0123" "the token is not"

# hostile arguments are refused before any request
: > "$log"
out=$(GITHUB_REPOSITORY="octo/../../admin" "$RP" run preview -f "$f" 2>&1)
assert_contains "$out" "'octo/../../admin' is not a repository" "a repository with .. is refused"
out=$(SHA='abc/../../x' "$RP" run preview -f "$f" 2>&1)
assert_contains "$out" "is not a commit id" "a bad sha is refused"
cat > "$REG_TMP/bad-key.rp" <<'RP'
stage k { github.comment(7, "x", key: "a --> <script>") }
RP
out=$("$RP" run k -f "$REG_TMP/bad-key.rp" 2>&1)
assert_contains "$out" "key 'a --> <script>'" "a key that would close the marker is refused"
assert_eq "$(req 'r["path"]' | grep -c -e admin -e '\.\.' -e statuses)" 0 "nothing hostile reached the server"

# dry run: nothing sent
: > "$log"
out=$("$RP" run preview mr_note --dry-run -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "dry run: $out"
assert_contains "$out" "[dry-run] github.comment octo/app #7 key preview" "dry comment"
assert_contains "$out" "[dry-run] gitlab.status group/sub/app $sha rp/build: running" "dry status"
assert_eq "$(wc -c < "$log")" 0 "a dry run sends nothing"

# OIDC in GitHub Actions: requested with the request token; masked
out=$(ACTIONS_ID_TOKEN_REQUEST_URL="$S/oidc/token?api-version=2.0" ACTIONS_ID_TOKEN_REQUEST_TOKEN="$token" \
      AUDIENCE="sts.amazonaws.com" "$RP" run identity -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "github oidc: $out"
assert_contains "$out" "token ***" "the token is masked"
assert_eq "$(req 'r["path"] + " " + r["headers"]["Authorization"]' | tail -1)" \
  "/oidc/token?api-version=2.0&audience=sts.amazonaws.com Bearer $token" "OIDC request"
# GitLab: the id_tokens variable, checked for the audience
jwt=$(python3 -c 'import base64,json; p=lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode(); print(p({"alg":"RS256"})+"."+p({"aud":["vault","aws"]})+".c2ln")')
out=$(RP_ID_TOKEN="$jwt" AUDIENCE=aws "$RP" run identity -f "$f" 2>&1); rc=$?
assert_eq "$rc" 0 "gitlab oidc: $out"
assert_not_contains "$out" "$jwt" "the GitLab token is masked"
out=$(RP_ID_TOKEN="$jwt" AUDIENCE=other "$RP" run identity -f "$f" 2>&1); rc=$?
assert_eq "$rc" 1 "a token for another audience is refused"
assert_contains "$out" "audience is not 'other'" "and says why"
out=$(AUDIENCE=x "$RP" run identity -f "$f" 2>&1)
assert_contains "$out" "id-token: write" "outside CI: what to configure"
# nothing rp recorded holds a token
assert_eq "$(grep -rlF -e "$token" -e "$jwt" "$RP_STATE_DIR" | wc -l)" 0 "no token in the state"
finish
