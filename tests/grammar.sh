#!/bin/sh
# grammar.sh — grammar/rp.ebnf and the parser must agree on which files
# parse, so the grammar of record cannot drift from src/lang/parser.c.
#
#  1. Every .rp file under examples/, stdlib/ and tests/ is recognised with
#     tests/lib/ebnf_check.py (driven by the grammar alone) and parsed with
#     `rp parse`; the two verdicts must be equal. A file that is meant to
#     fail — it has an `# error` comment (a golden test's expected
#     diagnostic) and rp reports a parse error — is skipped: the grammar
#     does not model every message (duplicates, for one).
#  2. Small cases written below, one per line, must get the stated verdict
#     from both.
#  3. The opening example of doc/language.md is accepted by the grammar and
#     passes `rp check`, so the reference does not teach a stale language.
set -u
: "${RP:?RP must name the rp binary}"
top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
command -v python3 >/dev/null || { echo "FAIL: python3 is not installed (scripts/install-deps.sh installs it)"; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
check="python3 $top/tests/lib/ebnf_check.py $top/grammar/rp.ebnf"
fails=0 agreed=0 skipped=0

parses() { "$RP" parse "$1" >/dev/null 2>"$tmp/err"; }

# 1. the repository's files
find "$top/examples" "$top/stdlib" "$top/tests" -type f -name '*.rp' 2>/dev/null | sort > "$tmp/files"
if [ -s "$tmp/files" ]; then
  # shellcheck disable=SC2046
  $check $(cat "$tmp/files") > "$tmp/verdicts" || { echo "FAIL: ebnf_check.py failed"; exit 1; }
fi
while read -r verdict rest; do
  f=${rest%%:*}
  if parses "$f"; then rp=accept; else rp=reject; fi
  if [ $rp = reject ] && grep -q '#[[:space:]]*error' "$f"; then
    skipped=$((skipped + 1)); continue
  fi
  if [ "$verdict" = $rp ]; then
    agreed=$((agreed + 1))
  else
    fails=$((fails + 1))
    echo "FAIL: ${f#"$top"/}: grammar says '$verdict $rest', rp says $rp"
    head -n 3 "$tmp/err"
  fi
done < "${tmp}/verdicts"
[ -s "$tmp/files" ] && [ ! -s "$tmp/verdicts" ] && { echo "FAIL: no verdicts"; fails=$((fails + 1)); }

# 2. small cases: verdict, tab, source (printf %b escapes)
n=0
while IFS='	' read -r want src; do
  case $want in accept|reject) ;; *) continue ;; esac
  n=$((n + 1))
  printf '%b\n' "$src" > "$tmp/case$n.rp"
  echo "$want $tmp/case$n.rp" >> "$tmp/wanted"
done <<'CASES'
accept	pipeline "x"\nimport "std/helm"\nimport "./lib.rp" as lib\nlet a = 1 + 2 * 3 ?? 4
reject	import "std/${x}"
reject	pipeline "${x}"
accept	fn f(a, b = 1,) { return a + b }\nlet g = fn(x) => x * 2\nlet h = fn(t) { return }
accept	stage a { f(1, b: 2,) }
reject	stage a { f(b: 2, 1) }
accept	stage a { needs b, c\n when x == 1 && y\n environment e\n version v.w\n timeout 1h30m\n retry 2\n let x = 1\n post { success { } failure { } always { } } }
reject	stage a { let x = 1\n needs c }
reject	stage a { post { success { } }\n let x = 1 }
accept	stage a { post { success { } }; }
reject	stage a { post { success { }; } }
reject	stage a { needs\n(b) }
accept	stage a { when (x)\n let y = 1 }
reject	stage a { when (x)\n environment y }
accept	stage a { version = 2\n timeout.x = 3 }
accept	stage a { matrix v in [1, 2] sequential\n sh "x ${v}" }
accept	stage a {\n matrix v in [1, 2]\n matrix w in [3]\n matrix { exclude = [{v: 1}]; max_parallel = 2 }\n sh "x ${v} ${w}" }
reject	stage a {\n matrix\n { max_parallel = 2 }\n}
accept	stage a { runs_on ["self-hosted", "gpu"]\n timeout 1m\n sh "x" }
reject	stage a { timeout [1]\n runs_on "x" }
accept	stage a { runs_on "x"\n runs_on(1) }
accept	concurrency "d-${event.branch}" { cancel_in_progress = true }\nstage a { concurrency "x"\n sh "x" }
accept	stage a { concurrency "x" { cancel_in_progress = false }\n concurrency = 1 }
reject	stage a { sh "x"\n concurrency "x" }
accept	stage a { cache git.tree_sha("src") + "v1"\n sh "x" }
accept	stage a { cache = 1\n cache.x = 2 }
reject	stage a { sh "x"\n cache "k" }
accept	stage a { artifact ["dist/**", "!dist/*.map"]\n sh "x" }
accept	stage a { artifact = [1]\n artifact.x = 2 }
reject	stage a { sh "x"\n artifact "dist/**" }
accept	stage a { fail "x"\n fail("y")\n fail = 3 }
reject	stage a { fail }
reject	stage a { fail\n"x" }
accept	stage a { output x = 1\n return }
accept	stage a { if x { } else if y { } else { } for x in y { } }
accept	stage a { x.y[1] = 2\n (a) = 3 }
reject	stage a { f() = 2 }
reject	stage a { x + 1 = 2 }
accept	stage a { a\n(b)\n[c] }
accept	stage a { x = a\n.b }
accept	stage a { x = {a: 1, "b.c": 2, if: 3, "${k}": 4,} }
reject	stage a { x = {a: 1 b: 2} }
reject	stage a { x = {"""k""": 1} }
reject	stage a { let in = 3 }
accept	stage a { x = event.in }
accept	stage a { x = !-y\n y = a ? b : c ? d : e\n z = a =~ re"x" && b !~ re"y" || c }
reject	stage a { x = a & b }
reject	stage a { x = 'a' }
reject	stage a { é = 1 }
accept	stage a { x = "é" }
accept	;stage a { ; let x = 1 ; } ;
accept	stage a { sh "x"\n sh("x", env: {})\n sh """\n  y\n  """ }
accept	on push "main" -> a\non push ["main", "release/*"] -> a, b\non pull_request "main" { types = ["closed"]; labels = ["x"] } -> a
accept	on tag re"^v\\d+\\"" -> a\non manual(x: string, y: bool = false,) -> a\non schedule "0 3 * * *" -> a\non local -> a
accept	on pull_request { types = ["opened", "labeled"] }\non pull_request "main" -> a\nstage a {\n  needs b\n  needs? c, d\n}
reject	on push "main" { paths = ["a"] }
reject	on pushh "main" -> a
reject	on manual\n(x: string) -> a
reject	on push(x: string) -> a
reject	on push """main""" -> a
accept	environment p { namespace = "p"\n after uat\n approval { reviewers = ["a"]  wait = 5m } after = 3 }
reject	environment p { after }
accept	let a = "$HOME ${x} \\$ \\n ${ {k: "}"}.k } ${y # comment\n}"
reject	let a = "\\q"
reject	let a = "${}"
reject	let a = "x\ny"
accept	let t = """\n  a "quoted" ""${x}""\n  \\\n  """
reject	let t = """abc
accept	let n = 1_000 + 1.5e3 + 250ms + 1d
reject	let n = 1e5
reject	let n = 5m30
reject	let n = 5mm
CASES
if [ -s "$tmp/wanted" ]; then
  $check $(cut -d' ' -f2 "$tmp/wanted") > "$tmp/case-verdicts"
  while read -r want f; do
    got=$(grep "^[a-z]* $f\\b" "$tmp/case-verdicts" | cut -d' ' -f1)
    if parses "$f"; then rp=accept; else rp=reject; fi
    if [ "$got" != "$want" ] || [ $rp != "$want" ]; then
      fails=$((fails + 1))
      echo "FAIL: $(head -c 120 "$f" | tr '\n' ' '): want $want, grammar $got, rp $rp"
    fi
  done < "$tmp/wanted"
fi

# 3. the reference's opening example: its first ``` block
awk '/^```/ { n++; next } n == 1' "$top/doc/language.md" > "$tmp/reference.rp"
if [ ! -s "$tmp/reference.rp" ]; then
  fails=$((fails + 1)); echo "FAIL: no example at the top of doc/language.md"
else
  $check "$tmp/reference.rp" | grep -q '^accept ' || { fails=$((fails + 1)); echo "FAIL: the grammar rejects the example of doc/language.md: $($check "$tmp/reference.rp")"; }
  "$RP" check "$tmp/reference.rp" > /dev/null 2> "$tmp/err" || { fails=$((fails + 1)); echo "FAIL: rp check rejects the example of doc/language.md:"; head -n 6 "$tmp/err"; }
fi

echo "grammar: $agreed repository files agree, $skipped error tests skipped, $n cases, $fails failures"
[ $fails -eq 0 ]
