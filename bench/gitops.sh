#!/bin/sh
# bench/gitops.sh — gitops.promote (clone, set a value, commit, push) of a
# 2,000-commit repository over a path, file:// and smart HTTP
# (tests/lib/git-http.py), beside the git CLI doing the same with sed.
# Prints the best of 5 wall times of each and the ratio.
# Usage: RP=path/to/rp [TRANSPORTS="path file http"] bench/gitops.sh
# (needs git, python3)
set -eu
RP=$(cd "$(dirname "${RP:-./rp}")" && pwd)/$(basename "${RP:-./rp}")
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server"; rm -rf "$tmp"' EXIT
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=bench \
  GIT_COMMITTER_EMAIL=bench@example.com RP_STATE_DIR="$tmp/state"

# the repository: 2,000 commits, each touching one file of a few
git init -q --bare "$tmp/srv/config.git"
awk 'BEGIN { for (i = 1; i <= 2000; i++) {
  printf "commit refs/heads/main\ncommitter bench <bench@example.com> %d +0000\ndata 10\ncommit %3d\n", 1700000000 + i, i % 1000
  body = sprintf("image:\n  repository: org/app\n  tag: \"1.0.%d\"\nreplicas: %d\n", i, i % 5 + 1)
  printf "M 644 inline env/file%d.yaml\ndata %d\n%s\n", i % 20, length(body), body
  if (i == 1) { v = "image:\n  tag: \"1.0.0\"\n"; printf "M 644 inline values.yaml\ndata %d\n%s\n", length(v), v } } }' |
  git -C "$tmp/srv/config.git" fast-import --quiet
git -C "$tmp/srv/config.git" symbolic-ref HEAD refs/heads/main
git -C "$tmp/srv/config.git" config http.receivepack true

python3 "$top/tests/lib/git-http.py" "$tmp/port" "$tmp/srv" tok-bench &
server=$!
i=0; while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
port=$(cat "$tmp/port")

cat > "$tmp/p.rp" <<'RP'
import "std/gitops"
stage promote { gitops.promote(env.URL, "values.yaml", {"image.tag": env.TAG}, token: env.TOKEN ?? null) }
RP
n=0
rp_promote() { # $1 URL [$2 token]
  n=$((n + 1))
  URL=$1 TAG="2.0.$n" TOKEN=${2:-} "$RP" run promote -f "$tmp/p.rp" > "$tmp/out" 2>&1 || { cat "$tmp/out" >&2; exit 1; }
}
git_promote() { # $1 URL
  n=$((n + 1))
  rm -rf "$tmp/w"
  git clone -q "$1" "$tmp/w" && sed -i "s/tag: .*/tag: \"2.0.$n\"/" "$tmp/w/values.yaml" &&
    git -C "$tmp/w" commit -qam "promote 2.0.$n" && git -C "$tmp/w" push -q origin HEAD
}
best() { # best of 5 wall times of "$@", in ms
  b=
  for _ in 1 2 3 4 5; do
    t0=$(date +%s%N); "$@"; t1=$(date +%s%N)
    t=$(( (t1 - t0) / 1000000 )); if [ -z "$b" ] || [ "$t" -lt "$b" ]; then b=$t; fi
  done
  echo "$b"
}
[ -z "${TOKEN:-}" ] || unset TOKEN
printf '%-12s %10s %10s %7s\n' transport "rp" "git+sed" ratio
for t in ${TRANSPORTS:-path file http}; do
  case $t in
  path) url="$tmp/srv/config.git" ;;
  file) url="file://$tmp/srv/config.git" ;;
  http) url="http://127.0.0.1:$port/config.git" ;;
  esac
  if [ $t = http ]; then
    r=$(best rp_promote "$url" tok-bench)
    g=$(best git_promote "http://bench:tok-bench@127.0.0.1:$port/config.git")
  else
    r=$(best rp_promote "$url")
    g=$(best git_promote "$url")
  fi
  printf '%-12s %7s ms %7s ms %7.2f\n' "$t" "$r" "$g" "$(awk -v a="$r" -v b="$g" 'BEGIN { print a / b }')"
done
