#!/bin/sh
# sh-injection.sh — no value of a sh template ever runs as shell code: every
# shell context a ${} can land in, times hostile values from the
# environment (attacker-controlled at run time): nothing runs, and where the
# context hands the value over as a word it arrives byte for byte. Then: no
# command text and no value on /bin/sh's argv, where every user can read it.
set -u
. "$top_srcdir/tests/lib/assert.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export RP_STATE_DIR="$tmp/state"
f="$tmp/contexts.rp"

# One stage per context; each works in its own directory, so a payload that
# ran would leave PWNED there. Each writes what it received to the file v.
cat > "$f" <<'RP'
let x = env.X
let o = env.OUT
stage plain { sh "cd ${o}/plain && printf %s ${x} > v" }
stage squote { sh "cd ${o}/squote && printf %s '${x}' > v" }
stage dquote { sh "cd ${o}/dquote && printf %s \"${x}\" > v" }
stage heredoc { sh "cd ${o}/heredoc && cat > v <<EOF\n${x}\nEOF\n" }
stage heredoc_quoted { sh "cd ${o}/heredoc_quoted && cat > v <<'EOF'\n${x}\nEOF\n" }
stage heredoc_tabs { sh "cd ${o}/heredoc_tabs && cat > v <<-EOF\n\t${x}\n\tEOF\n" }
stage cmdsub_dq { sh "cd ${o}/cmdsub_dq && printf %s \"$(printf %s ${x})\" > v" }
stage cmdsub { sh "cd ${o}/cmdsub && w=$(printf %s ${x}); printf %s \"$w\" > v" }
stage backtick { sh "cd ${o}/backtick && w=`printf %s ${x}`; printf %s \"$w\" > v" }
stage squote_in_cmdsub { sh "cd ${o}/squote_in_cmdsub && printf %s \"$(printf %s '${x}')\" > v" }
stage arith { sh "cd ${o}/arith && printf %s $(( ${x} )) > v" }
stage case_pattern {
  sh "cd ${o}/case_pattern && w=$(case ${x}z in ${x}) printf glob;; ${x}z) printf %s ${x};; esac); printf %s \"$w\" > v"
}
stage assign { sh "cd ${o}/assign && w=${x}; printf %s \"$w\" > v" }
stage redirect { sh "cd ${o}/redirect && printf %s ok > names/${x}" }
stage function { sh "cd ${o}/function && f() { printf %s ${x} > v; }; f" }
stage pipeline { sh "cd ${o}/pipeline && printf %s ${x} | cat > v" }
stage for_list { sh "cd ${o}/for_list && for w in ${x}; do printf %s \"$w\" >> v; done" }
stage test_cmd { sh "cd ${o}/test_cmd && [ ${x} = \"$X\" ] && printf %s ${x} > v" }
stage export { sh "cd ${o}/export && export Y=${x}; printf %s \"$Y\" > v" }
stage param { sh "cd ${o}/param && printf %s \"\${RP_TEST_UNSET:-${x}}\" > v" }
stage comment { sh "cd ${o}/comment && printf %s ${x} > v # ${x}\n" }
stage call_form { sh("cd ${o}/call_form && printf %s ${x} > v") }
RP

# context:what v must hold — exact: the value; line: the value and a newline
# (a here-document line); subst: the value less trailing newlines (command
# substitution drops them); name: a file named the value (when a file can
# have that name); number: the value, when it is an integer, else refused;
# refused: the template is refused, nothing runs.
contexts="plain:exact squote:exact dquote:exact heredoc:line heredoc_quoted:refused heredoc_tabs:line
cmdsub_dq:subst cmdsub:subst backtick:subst squote_in_cmdsub:subst arith:number case_pattern:subst
assign:exact redirect:name function:exact pipeline:exact for_list:exact test_cmd:exact export:exact
param:exact comment:exact call_form:exact"
stages=$(for c in $contexts; do printf '%s ' "${c%%:*}"; done)

# payloads, written to files (printf formats: the bytes themselves)
p="$tmp/payloads"; mkdir -p "$p"
printf '$(touch PWNED)' > "$p/cmdsub"
printf '`touch PWNED`' > "$p/backquote"
printf '; touch PWNED' > "$p/semicolon"
printf 'a\ntouch PWNED\n' > "$p/newline"
printf "it's \"x\"; '\"; touch PWNED; \"'"' $(touch PWNED)' > "$p/quotes"
printf '* ? [a] [!z]*' > "$p/glob"
printf -- '-n' > "$p/dash_n"
printf -- '--' > "$p/dashdash"
printf '${IFS}touch${IFS}PWNED' > "$p/ifs"
i=1; fmt=''
while [ $i -le 255 ]; do fmt="$fmt$(printf '\\%03o' $i)"; i=$((i + 1)); done
printf "$fmt" > "$p/bytes"
i=0; : > "$p/long"
while [ $i -lt 1600 ]; do printf "%s\$(touch PWNED)'\"\\\\ \n" 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' >> "$p/long"; i=$((i + 1)); done
printf 'EOF\n\tEOF\nEOF' > "$p/eof_lines"
printf 'EOF\n' > "$p/eof_newline"
printf '\\ \\\\ \\n \\$(touch PWNED) \\`touch PWNED\\` \\' > "$p/backslashes"
printf '42' > "$p/number"
printf -- '-7' > "$p/negative"
: > "$p/empty"
[ "$(wc -c < "$p/long")" -ge 102400 ] || _fail "the long payload is 100 KB"

ncontexts=$(printf '%s\n' $contexts | wc -l)
npayloads=0 tried=0 executed=0 exact=0
for payload in "$p"/*; do
  name=${payload##*/}
  npayloads=$((npayloads + 1))
  X=$(cat "$payload"; printf .); X=${X%.}; export X
  out="$tmp/out/$name"
  for c in $contexts; do mkdir -p "$out/${c%%:*}/names"; done
  log=$(cd "$tmp" && OUT=$out "$RP" run $stages -f "$f" 2>&1)
  for c in $contexts; do
    ctx=${c%%:*} want=${c#*:} d="$out/$ctx"
    tried=$((tried + 1))
    if [ -e "$d/PWNED" ]; then
      executed=$((executed + 1))
      _fail "$name in $ctx: a command of the value ran"
    fi
    case $want in
    number) case $X in *[!0-9-]* | '' | ?*-*) want=refused ;; *) want=exact ;; esac ;;
    name)
      # a file name cannot be empty, hold a /, or be longer than 255 bytes
      case $X in '' | . | .. | */*) want=none ;; *) [ ${#X} -le 255 ] || want=none ;; esac ;;
    esac
    case $want in
    refused)
      case $log in
      *"stage '$ctx': sh: "*) ;;
      *) _fail "$name in $ctx: the template is refused" ;;
      esac
      [ -e "$d/v" ] && _fail "$name in $ctx: a refused template ran"
      continue ;;
    none) continue ;;
    exact) cp "$payload" "$tmp/want" ;;
    line) { cat "$payload"; echo; } > "$tmp/want" ;;
    subst) w=$(cat "$payload"); printf %s "$w" > "$tmp/want" ;;
    name) printf ok > "$tmp/want"; mv "$d/names/$X" "$d/v" 2>/dev/null ;;
    esac
    if cmp -s "$d/v" "$tmp/want"; then
      exact=$((exact + 1))
    else
      _fail "$name in $ctx: the value did not arrive byte for byte"
      printf '%s\n' "$log" | grep -a "$ctx" | head -5
    fi
  done
  # and nowhere else either
  stray=$(find "$tmp" -name PWNED ! -path "$out/*/PWNED")
  [ -z "$stray" ] || { executed=$((executed + 1)); _fail "$name: a command of the value ran: $stray"; }
  find "$tmp" -name PWNED -exec rm -f {} +
done
echo "$ncontexts contexts × $npayloads payloads: $tried tried, $executed executed, $exact byte-exact"
[ "$ncontexts" -ge 15 ] && [ "$npayloads" -ge 10 ] || _fail "the table covers 15 contexts and 10 payloads"
assert_eq "$executed" 0 "no payload ran"

# the refusals say why, at the value
X='v' OUT="$tmp/out/cmdsub" "$RP" run heredoc_quoted arith -f "$f" > "$tmp/log" 2>&1
out=$(cat "$tmp/log")
assert_contains "$out" "contexts.rp:7:73: error: stage 'heredoc_quoted': sh: \${...} in a quoted here-document (<<'EOF') is never expanded by the shell: write <<EOF to have the value there" "quoted here-document"
assert_contains "$out" "contexts.rp:13:52: error: stage 'arith': sh: a \${...} value inside \$(( )) must be an integer" "arithmetic"

# --dry-run shows each value where it goes, as the shell would read it written in
out=$(X="it's" OUT=/o "$RP" run squote dquote plain -f "$f" --dry-run 2>&1)
assert_contains "$out" "[plain] [dry-run] sh: cd '/o'/plain && printf %s 'it'\\''s' > v" "dry run: a word"
assert_contains "$out" "[squote] [dry-run] sh: cd '/o'/squote && printf %s 'it'\\''s' > v" "dry run: in single quotes"
assert_contains "$out" "[dquote] [dry-run] sh: cd '/o'/dquote && printf %s \"it's\" > v" "dry run: in double quotes"

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
