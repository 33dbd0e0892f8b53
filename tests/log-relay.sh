#!/bin/sh
# log-relay.sh — a stage's log reaches the user whole: 40,000 lines all
# there (the last one too; --junit keeps the end), a secret masked where a read or a long line's
# split cuts it in two, output without newlines shown in lines of at most
# 64 KiB (EXEC_LINE_MAX) in bounded memory: 20 MB of it in about the peak
# RSS of 2 MB.
set -u
. "$top_srcdir/tests/lib/assert.sh"
[ -x /usr/bin/time ] || { echo "log-relay.sh: needs /usr/bin/time (GNU time)"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export RP_STATE_DIR="$tmp/state"
echo 'TOKEN=s3cr3t-t0k3n-value' > "$tmp/secrets"
cat > "$tmp/p.rp" <<'RP'
stage many { sh "seq 1 40000 | sed 's/^/line /'" }
stage split_read { sh "printf 'token: s3cr3t-t0'; sleep 0.2; printf 'k3n-value, end\n'" }
stage split_line { sh "head -c 65530 /dev/zero | tr -c x x; printf 's3cr3t-t0k3n-value'; head -c 70000 /dev/zero | tr -c y y" }
stage nolf { sh "head -c ${env.MB}000000 /dev/zero | tr -c x x" }
RP

out=$("$RP" run many -f "$tmp/p.rp" 2>&1); rc=$?
assert_eq "$rc" 0 "40,000 lines: the run succeeds"
assert_eq "$(printf '%s\n' "$out" | grep -c '^\[many\] line ')" 40000 "every line is printed"
assert_contains "$out" "[many] line 40000" "the last line is there"
assert_eq "$(printf '%s\n' "$out" | grep '^\[many\] ' | head -3 | tr '\n' ,)" "[many] line 1,[many] line 2,[many] line 3," "in order"
"$RP" run many -f "$tmp/p.rp" --junit "$tmp/j.xml" >/dev/null 2>&1
assert_contains "$(tail -c 200 "$tmp/j.xml")" "line 40000" "--junit keeps the end of a long log"

out=$("$RP" run split_read split_line -f "$tmp/p.rp" --secrets "$tmp/secrets" 2>&1); rc=$?
assert_eq "$rc" 0 "split secrets: the run succeeds"
assert_contains "$out" "[split_read] token: ***, end" "a secret cut by a read is masked"
assert_not_contains "$out" "t0k3n" "no piece of the secret shows"
assert_eq "$(printf '%s\n' "$out" | grep -c '^\[split_line\] ')" 3 "a line of 135 KB is shown as 3 lines"
assert_contains "$out" "[split_line] ***yyyy" "a secret across the split of a long line is masked"

for mb in 2 20; do
  MB=$mb /usr/bin/time -f %M -o "$tmp/rss$mb" "$RP" run nolf -f "$tmp/p.rp" > "$tmp/out$mb" 2>&1
  assert_eq "$?" 0 "$mb MB without a newline: the run succeeds"
done
lines=$(grep -c '^\[nolf\] x' "$tmp/out20")
assert_eq "$lines" $(( (20000000 + 65535) / 65536 )) "20 MB without a newline: lines of 64 KiB"
assert_eq "$(grep '^\[nolf\] ' "$tmp/out20" | tr -d '[nolf] \n' | wc -c)" 20000000 "every byte is shown"
long=$(awk 'length > m { m = length } END { print m }' "$tmp/out20")
assert_eq "$long" $((65536 + 7)) "no line is longer than 64 KiB and its prefix"
grown=$(( $(cat "$tmp/rss20") - $(cat "$tmp/rss2") ))
[ "$grown" -lt 8192 ] || _fail "20 MB without a newline: the peak RSS grew by $grown KB over 2 MB's"
finish
