#!/bin/sh
# sh-injection.sh — no command text and no value of a sh command on
# /bin/sh's argv, where every user of the machine can read it.
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export RP_STATE_DIR="$tmp/state"

# No argv holds the command or a value: the shell reads the command from
# its environment. Sample every process's command line while each form of
# sh runs (a template, the call form, plain text) with a secret in it.
token="tok-$$-$(date +%N)"
printf '%s\n' "$token" > "$tmp/token"
cat > "$tmp/ps.rp" <<'RP'
stage ps {
  let token = secret("RP_TEST_TOKEN")
  sh "sleep 1; [ -n ${token} ]"
  sh("sleep 1 # ${token}")
  let plain = "sleep 1; : ${token}"
  sh(plain)
}
RP
RP_TEST_TOKEN=$token "$RP" run ps -f "$tmp/ps.rp" > "$tmp/ps.log" 2>&1 &
rp=$!
seen=0 leaked=0 i=0
while [ $i -lt 60 ] && kill -0 $rp 2>/dev/null; do
  cmdlines=$(cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\0' '\n')
  case $cmdlines in *'eval "$RP_SH"'*) seen=$((seen + 1)) ;; esac
  printf '%s\n' "$cmdlines" | grep -q -F -f "$tmp/token" && leaked=$((leaked + 1))
  sleep 0.1; i=$((i + 1))
done
wait $rp; rc=$?
assert_eq "$rc" 0 "the commands with the secret ran"
[ "$seen" -ge 3 ] || _fail "the running shell was seen ($seen samples)"
assert_eq "$leaked" 0 "no command line held the secret"
finish
