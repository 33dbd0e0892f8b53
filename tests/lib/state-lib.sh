# state-lib.sh — one state suite, either backend. Sourced by the tests
# that exercise rp's state; RP_TEST_STATE=git (the tests/git-state-*.sh
# entries) runs them against a bare repository served over smart HTTP
# with a token (tests/lib/git-http.py), else against a directory.
#
#   state_setup TMP [NAME]   a fresh, empty state named NAME (default
#                            "state"): exports RP_STATE_DIR, and for git
#                            RP_STATE, RP_STATE_TOKEN and XDG_CACHE_HOME
#   state_cat KIND NAME      print a log: runs ID, history ENV, ephemeral ENV
#   state_put KIND NAME      replace a log with stdin (a hand-written state)
#   state_append KIND NAME   append stdin to a log
#   state_spec               how rp names the state ("no runs in ...")
#   state_bare               the bare repository (git only)
# The server is stopped when the shell that started it exits.

STATE_TOKEN=state-tok-5ecret
STATE_PORT=

state_setup() {
  local tmp=$1 name=${2:-state}
  export RP_STATE_DIR="$tmp/$name"
  STATE_NAME=$name
  STATE_ROOT=$tmp/state-srv
  [ "${RP_TEST_STATE:-dir}" = git ] || return 0
  for tool in git python3; do
    command -v $tool >/dev/null || { echo "FAIL: $tool is not installed (needed by RP_TEST_STATE=git)"; exit 1; }
  done
  mkdir -p "$STATE_ROOT"
  git init -q --bare "$STATE_ROOT/$name.git"
  [ -n "$STATE_PORT" ] || state_serve "$tmp"
  export RP_STATE="git:http://127.0.0.1:$STATE_PORT/$name.git" RP_STATE_TOKEN="$STATE_TOKEN"
  # leases of 2 s: a killed holder's runs out within the suites' waits
  export XDG_CACHE_HOME="$tmp/state-cache" RP_STATE_LEASE=2
}

# git-http.py on a free port, killed once this shell ($$) is gone.
state_serve() {
  local pf="$1/state-port" parent=$$ i=0
  (
    python3 "$top_srcdir/tests/lib/git-http.py" "$pf" "$STATE_ROOT" "$STATE_TOKEN" &
    srv=$!
    while kill -0 "$parent" 2>/dev/null && kill -0 "$srv" 2>/dev/null; do sleep 1; done
    kill "$srv" 2>/dev/null
  ) >/dev/null 2>&1 &
  while [ ! -s "$pf" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
  [ -s "$pf" ] || { echo "FAIL: git-http.py did not start"; exit 1; }
  STATE_PORT=$(cat "$pf")
}

state_bare() { echo "$STATE_ROOT/$STATE_NAME.git"; }
# How rp names the state in messages.
state_spec() { echo "${RP_STATE:-$RP_STATE_DIR}"; }

state_path() {
  case $1 in
    runs) echo "$RP_STATE_DIR/runs/$2/journal.ndjson" ;;
    *) echo "$RP_STATE_DIR/$1/$2.ndjson" ;;
  esac
}

state_cat() {
  if [ "${RP_TEST_STATE:-dir}" = git ]; then
    git --git-dir="$(state_bare)" cat-file blob "refs/rp/$1/$2:log.ndjson" 2>/dev/null
  else
    cat "$(state_path "$1" "$2")" 2>/dev/null
  fi
}

state_put() {
  if [ "${RP_TEST_STATE:-dir}" = git ]; then
    local g="git --git-dir=$(state_bare)" blob tree parent commit
    blob=$($g hash-object -w --stdin)
    tree=$(printf '100644 blob %s\tlog.ndjson\n' "$blob" | $g mktree)
    parent=$($g rev-parse -q --verify "refs/rp/$1/$2")
    commit=$(echo "test: $1/$2" | GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t \
      GIT_COMMITTER_EMAIL=t@t $g commit-tree "$tree" ${parent:+-p "$parent"})
    $g update-ref "refs/rp/$1/$2" "$commit"
  else
    mkdir -p "$(dirname "$(state_path "$1" "$2")")"
    cat > "$(state_path "$1" "$2")"
  fi
}

state_append() {
  if [ "${RP_TEST_STATE:-dir}" = git ]; then
    { state_cat "$1" "$2"; cat; } > "$STATE_ROOT.append"
    state_put "$1" "$2" < "$STATE_ROOT.append"
  else
    cat >> "$(state_path "$1" "$2")"
  fi
}
