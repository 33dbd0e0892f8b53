#!/bin/sh
# completion.sh — rp completion bash|zsh|fish: each script completes
# commands, every flag rp CMD --help lists, option values, and stage and
# environment names read from the pipeline (-f FILE, else the one rp finds).
# The shells run the completion functions directly, as they would on TAB.
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for sh in bash zsh fish; do
  command -v "$sh" >/dev/null || { echo "FAIL: $sh is not installed (scripts/install-deps.sh installs it)"; exit 1; }
done
mkdir -p "$tmp/bin" "$tmp/w/sub" && ln -s "$RP" "$tmp/bin/rp" && export PATH="$tmp/bin:$PATH"
cd "$tmp/w" && git init -q || exit 1
cat > pipeline.rp <<'EOF2'
environment staging {}
environment prod { after staging }
stage test { sh "true" }
stage testing_more { sh "true" }
stage deploy {
  environment staging
  version "1"
  sh "true"
}
EOF2
printf 'stage other_stage { sh "true" }\n' > other.rp
rp completion bash > c.bash && rp completion zsh > c.zsh && rp completion fish > c.fish || _fail "rp completion"
cd sub || exit 1

# bash: COMP_WORDS as bash sets them on TAB; prints the candidates
bash_complete() { bash -c '. ../c.bash; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _rp; echo "${COMPREPLY[*]}"' rp "$@"; }
assert_eq "$(bash_complete rp ru)" "run runs" "bash: commands"
assert_eq "$(bash_complete rp run te)" "test testing_more" "bash: stages of the pipeline found upward"
assert_eq "$(bash_complete rp run -f ../other.rp ot)" "other_stage" "bash: stages of -f FILE"
assert_eq "$(bash_complete rp approve r1 p)" "prod" "bash: environments"
assert_eq "$(bash_complete rp history st)" "staging" "bash: rp history ENV"
assert_eq "$(bash_complete rp run --only de)" "deploy" "bash: --only STAGE"
assert_eq "$(bash_complete rp graph --format m)" "mermaid" "bash: --format's values"
assert_eq "$(bash_complete rp completion z)" "zsh" "bash: the shells"
assert_eq "$(bash_complete rp help app)" "approve" "bash: rp help COMMAND"
assert_eq "$(bash_complete rp run --dry)" "--dry-run" "bash: a flag"
# every flag each command's help lists is completed for it, and no other
for c in $(rp --help | sed -n 's/^  rp \([a-z]*\).*/\1/p'); do
  want=$(rp "$c" --help | grep -o -- '^  \(-[a-z], \)\?--[a-z-]*' | sed 's/, / /' | tr ' ' '\n' | grep . | sort | tr '\n' ' ')
  got=$(bash_complete rp "$c" - | tr ' ' '\n' | grep . | sort | tr '\n' ' ')
  assert_eq "$got" "$want" "bash: the flags of rp $c"
done

# zsh: the same function through bashcompinit, in the sh emulation its
# compgen -F calls it in; zsh filters the candidates itself
zsh_complete() { zsh -f -c '. ../c.zsh; t() { emulate -L sh; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _rp; echo "${COMPREPLY[*]}"; }; t "$@"' rp "$@"; }
assert_contains "$(zsh_complete rp ru)" "runs" "zsh: commands"
assert_contains "$(zsh_complete rp run te)" "testing_more" "zsh: stages"
assert_contains "$(zsh_complete rp approve r1 p)" "prod" "zsh: environments"
zsh -f -c '. ../c.zsh; (( $+functions[_rp] )) && [[ -n ${_comps[rp]} ]]' || _fail "zsh: rp's completion is registered"

# fish: complete -C asks fish what TAB would offer
fish_complete() { fish -c ". ../c.fish; complete -C '$1'" | cut -f1 | tr '\n' ' '; }
assert_eq "$(fish_complete 'rp ru')" "run runs " "fish: commands"
assert_eq "$(fish_complete 'rp run te')" "test testing_more " "fish: stages"
assert_eq "$(fish_complete 'rp run -f ../other.rp ot')" "other_stage " "fish: stages of -f FILE"
assert_eq "$(fish_complete 'rp approve r1 p')" "prod " "fish: environments"
assert_eq "$(fish_complete 'rp graph --format m')" "mermaid " "fish: --format's values"
assert_eq "$(fish_complete 'rp run --dry')" "--dry-run " "fish: a flag"

out=$(rp completion tcsh 2>&1); assert_eq "$?" 2 "an unknown shell"
assert_contains "$out" "no completion for 'tcsh'" "says so"
finish
