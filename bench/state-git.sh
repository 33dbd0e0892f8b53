#!/bin/sh
# bench/state-git.sh — what keeping the state on a git remote adds per
# stage: N stages of one `sh "true"` each, run with -j1 against a directory
# state and against a bare repository served over smart HTTP on 127.0.0.1
# with a token (tests/lib/git-http.py, git http-backend), side by side.
# The added time per stage is (git - directory) / N; it includes the run's
# fixed cost (the first fetch, the run's ownership lease), spread over N.
# The peer: the git CLI committing and pushing once per stage to the same
# server, what a state that pushes every stage's record would cost.
# Usage: RP=./rp bench/state-git.sh [N]
set -eu
RP=${RP:-./rp}
RP=$(cd "$(dirname "$RP")" && pwd)/$(basename "$RP")
n=${1:-50}
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d)
srv=
trap 'rm -rf "$dir"; [ -z "$srv" ] || kill "$srv" 2>/dev/null' EXIT
{
  echo 'stage s0 { sh "true" }'
  i=1; while [ $i -lt $n ]; do echo "stage s$i { needs s$((i-1))  sh \"true\" }"; i=$((i+1)); done
} > "$dir/pipeline.rp"
mkdir "$dir/srv"
git init -q --bare "$dir/srv/state.git"
python3 "$top/tests/lib/git-http.py" "$dir/port" "$dir/srv" bench-token &
srv=$!
i=0; while [ ! -s "$dir/port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
url="http://127.0.0.1:$(cat "$dir/port")/state.git"
export XDG_CACHE_HOME="$dir/cache" RP_STATE_TOKEN=bench-token
unset RP_STATE CI
. "$(dirname "$0")/best.sh"
dir_ms=$(best "$RP" run "s$((n-1))" -j1 -f "$dir/pipeline.rp" --state "$dir/state")
git_ms=$(best "$RP" run "s$((n-1))" -j1 -f "$dir/pipeline.rp" --state "git:$url")
"$RP" runs -f "$dir/pipeline.rp" --state "git:$url" | grep -q succeeded || { echo "the git-backed runs failed" >&2; exit 1; }
git init -q "$dir/peer"
auth=$(printf 'x:bench-token' | base64)
push_each_stage() {
  i=0; while [ $i -lt "$n" ]; do
    git -C "$dir/peer" -c user.name=bench -c user.email=bench@localhost commit -q --allow-empty -m "stage $i"
    git -C "$dir/peer" -c http.extraHeader="Authorization: Basic $auth" push -q "$url" HEAD:refs/peer/log
    i=$((i + 1))
  done
}
peer_ms=$(best push_each_stage)
git -C "$dir/srv/state.git" rev-parse -q --verify refs/peer/log >/dev/null || { echo "the peer's pushes failed" >&2; exit 1; }
echo "stages: $n (sh \"true\" each, -j1); state over smart HTTP on 127.0.0.1; load $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v d="$dir_ms" -v g="$git_ms" -v p="$peer_ms" -v n="$n" 'BEGIN {
  printf "%-18s %8d ms  %6.2f ms/stage\n", "rp (directory)", d, d / n
  printf "%-18s %8d ms  %6.2f ms/stage\n", "rp (git)", g, g / n
  printf "%-18s %8d ms  %6.2f ms/stage\n", "git push per stage", p, p / n
  printf "added by git: %.2f ms/stage (target < 50)\n", (g - d) / n }'
