#!/bin/sh
# http.sh — http.get/post/put/delete/wait against tests/lib/test-server.py.
. "$top_srcdir/tests/lib/registry-lib.sh"
command -v python3 >/dev/null 2>&1 || { echo "FAIL: python3 is not installed (scripts/install-deps.sh installs it)" >&2; exit 1; }
T="$(dirname "$RP")/tests/unit/test_registry"
[ -x "$T" ] || { echo "FAIL: $T is not built" >&2; exit 1; }
reg_setup

checks=0
fail() { echo "FAIL: $*" >&2; exit 1; }
eq() { [ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"; checks=$((checks + 1)); }
has() { case $1 in *"$2"*) checks=$((checks + 1)) ;; *) fail "$3: '$2' not in: $1" ;; esac; }
hasnt() { case $1 in *"$2"*) fail "$3: '$2' found in: $1" ;; *) checks=$((checks + 1)) ;; esac; }
status() { printf '%s\n' "$1" | sed -n 's/^status //p'; }
body() { printf '%s\n' "$1" | sed -n 's/^body //p'; }
field() { printf '%s' "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])" "$2"; }
hits() { "$T" http GET "http://$S/hits/$1" | sed -n 's/^body //p'; }

export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=99"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=99"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}exitcode=99"
rt() {
  "$T" "$@"
  local rc=$?
  [ $rc -ne 99 ] || echo "$*" >> "$REG_TMP/sanitizer"
  return $rc
}

reg_serve_python S test-server.py || fail "test server"
S=127.0.0.1:$S

# get, with a header
out=$(rt http GET "http://$S/json" -H "X-Test: yes") || fail "get"
eq "$(status "$out")" 200 "get status"
eq "$(field "$(body "$out")" x_test)" yes "header sent"
has "$out" "header Content-Type: application/json" "response headers"

# post JSON: the body and its content type arrive
out=$(rt http POST "http://$S/json" -j '{"a": [1, "two"]}') || fail "post"
eq "$(field "$(body "$out")" method)" POST "post method"
eq "$(field "$(body "$out")" content_type)" application/json "json content type"
eq "$(field "$(body "$out")" body)" '{"a": [1, "two"]}' "json body"

# put a raw body with the caller's content type; delete
out=$(rt http PUT "http://$S/json" -b 'plain text' -H 'Content-Type: text/plain') || fail "put"
eq "$(field "$(body "$out")" method) $(field "$(body "$out")" content_type)" "PUT text/plain" "put"
eq "$(field "$(body "$out")" body)" "plain text" "raw body"
out=$(rt http DELETE "http://$S/json") || fail "delete"
eq "$(field "$(body "$out")" method)" DELETE "delete"

# 503 twice, then success: retried with backoff
out=$(rt http GET "http://$S/flaky/a?fail=2" -r 3) || fail "retry"
eq "$(status "$out")" 200 "retried until success"
eq "$(field "$(body "$out")" attempt)" 3 "third attempt answered"
# retries exhausted: the last 503 is the result, not an error
out=$(rt http GET "http://$S/flaky/b?fail=5" -r 1) || fail "exhausted retries"
eq "$(status "$out")" 503 "last answer returned"
eq "$(hits flaky/b)" 2 "one retry"
# a 404 is not retried
out=$(rt http GET "http://$S/status/404" -r 3) || fail "404"
eq "$(status "$out")" 404 "404 returned"
eq "$(hits status/404)" 1 "404 not retried"

# redirect loop, a server that never answers, a closed port: errors that
# name the URL, never the password in it
err=$(rt http GET "http://user:pw-in-url@$S/v2/loop/x" -r 0 2>&1) && fail "redirect loop"
has "$err" "http://$S/v2/loop/x: too many redirects" "redirect loop named"
hasnt "$err" "pw-in-url" "userinfo hidden"
start=$(date +%s)
err=$(rt http GET "http://$S/v2/hang/x" -t 500 -r 0 2>&1) && fail "hang"
has "$err" "GET http://$S/v2/hang/x: " "timeout named"
has "$err" "imed out" "timeout reason"
[ $(($(date +%s) - start)) -le 3 ] || fail "timeout not honoured"
err=$(rt http GET "http://127.0.0.1:1/x?token=abc123" -r 1 2>&1) && fail "closed port"
has "$err" "http://127.0.0.1:1/x?token=***" "closed port named"
has "$err" "after 2 attempts" "connection errors retried"
hasnt "$err" "abc123" "token in query hidden"

# wait: 503 until 700 ms have passed, then 200
start=$(python3 -c 'import time; print(time.monotonic())')
out=$(rt wait "http://$S/ready-after/700" 200 10000 100) || fail "wait"
eq "$out" "status 200" "wait succeeded"
took=$(python3 -c "import time; print(int((time.monotonic() - $start) * 1000))")
[ "$took" -ge 700 ] || fail "wait returned after $took ms, before the server was ready"
[ "$(hits /ready-after/700)" -ge 3 ] || fail "wait did not poll"
checks=$((checks + 2))
err=$(rt wait "http://$S/status/503" 200 600 100 2>&1) && fail "wait on a 503"
has "$err" "http.wait http://$S/status/503: no 200 within 600 ms (last status 503)" "wait timeout"
start=$(date +%s)
err=$(rt wait "htp://$S/x" 200 10000 100 2>&1) && fail "wait on a bad scheme"
has "$err" "htp://$S/x" "bad scheme named"
[ $(($(date +%s) - start)) -le 2 ] || fail "wait kept polling a URL that cannot work"
err=$(rt wait "http://127.0.0.1:1/health" 200 500 100 2>&1) && fail "wait on a closed port"
has "$err" "no 200 within 500 ms (GET http://127.0.0.1:1/health: " "closed port: waited"
out=$(rt wait "http://$S/status/204" 0 2000 100) || fail "wait for any 2xx"
eq "$out" "status 204" "status 0 means any 2xx"

[ ! -e "$REG_TMP/sanitizer" ] || fail "sanitizer reports in: $(cat "$REG_TMP/sanitizer")"
echo "http: $checks checks passed"
