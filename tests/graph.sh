#!/bin/sh
# graph.sh — rp graph: exact dot and Mermaid output for a small pipeline,
# Graphviz accepts the dot, and errors are reported with exit code 2.
set -u
: "${RP:?RP must name the rp binary}"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

cat > pipeline.rp <<'RP'
pipeline "demo \"app\""

environment dev { namespace = "dev" }
environment preview { namespace = "preview-${event.pr.number}"  ephemeral = true }
environment prod {
  after dev
  approval { reviewers = ["alice", "release-team"]  wait = 5m  branches = ["main"] }
}

on push ["main", "release/*"] -> deploy
on pull_request "main" { types = ["opened", "labeled"]  labels = ["preview"] } -> preview
on tag re"^v\d+\.\d+$" -> release
on manual(tag: string, dry: bool = false) -> release
on push "a#<b>&c:`d" -> lint, test

stage lint { sh "make lint" }
stage test {
  matrix node in ["18",   # comments and line breaks are folded
                  "20"] sequential
  sh "npm test"
}
stage build {
  needs lint, test
  output tag = "x"
}
stage deploy {
  needs build
  environment dev
}
stage preview {
  needs build
  environment preview
}
stage release {
  needs deploy
  environment prod
}
RP

cat > expected.dot <<'OUT'
digraph "demo \"app\"" {
  rankdir=LR;
  label="demo \"app\"";
  labelloc=t;
  node [shape=box];
  on_1 [shape=cds, style=filled, fillcolor="#ede7f6", color="#5e35b1", label="on push [\"main\", \"release/*\"]"];
  on_2 [shape=cds, style=filled, fillcolor="#ede7f6", color="#5e35b1", label="on pull_request \"main\"\ntypes = [\"opened\", \"labeled\"]\nlabels = [\"preview\"]"];
  on_3 [shape=cds, style=filled, fillcolor="#ede7f6", color="#5e35b1", label="on tag re\"^v\\d+\\.\\d+$\""];
  on_4 [shape=cds, style=filled, fillcolor="#ede7f6", color="#5e35b1", label="on manual(tag: string, dry: bool = false)"];
  on_5 [shape=cds, style=filled, fillcolor="#ede7f6", color="#5e35b1", label="on push \"a#<b>&c:`d\""];
  stage_lint [shape=box, style=filled, fillcolor="#e3f2fd", color="#1e88e5", label="lint"];
  stage_test [shape=box3d, style=filled, fillcolor="#e3f2fd", color="#1e88e5", label="test\nmatrix: node in [\"18\", \"20\"] (sequential)"];
  stage_build [shape=box, style=filled, fillcolor="#e3f2fd", color="#1e88e5", label="build"];
  stage_deploy [shape=box, style=filled, fillcolor="#e3f2fd", color="#1e88e5", label="deploy\nenvironment: dev"];
  stage_preview [shape=box, style=filled, fillcolor="#e3f2fd", color="#1e88e5", label="preview\nenvironment: preview"];
  stage_release [shape=box, style=filled, fillcolor="#e3f2fd", color="#1e88e5", label="release\nenvironment: prod"];
  env_dev [shape=hexagon, style=filled, fillcolor="#e8f5e9", color="#43a047", label="dev"];
  env_preview [shape=hexagon, style=filled, fillcolor="#e8f5e9", color="#43a047", label="preview\nephemeral"];
  env_prod [shape=hexagon, peripheries=2, style=filled, fillcolor="#fff3e0", color="#fb8c00", label="prod\napproval: alice, release-team\nwait 5m\nbranches: main"];
  on_1 -> stage_deploy [style=bold];
  on_2 -> stage_preview [style=bold];
  on_3 -> stage_release [style=bold];
  on_4 -> stage_release [style=bold];
  on_5 -> stage_lint [style=bold];
  on_5 -> stage_test [style=bold];
  stage_lint -> stage_build;
  stage_test -> stage_build;
  stage_build -> stage_deploy;
  stage_build -> stage_preview;
  stage_deploy -> stage_release;
  stage_deploy -> env_dev [style=dashed, label="deploys"];
  stage_preview -> env_preview [style=dashed, label="deploys"];
  stage_release -> env_prod [style=dashed, label="deploys"];
  env_dev -> env_prod [label="after"];
}
OUT

cat > expected.mmd <<'OUT'
%% pipeline demo "app"
flowchart LR
  on_1>"on push [#34;main#34;, #34;release/*#34;]"]
  on_2>"on pull_request #34;main#34;<br>types = [#34;opened#34;, #34;labeled#34;]<br>labels = [#34;preview#34;]"]
  on_3>"on tag re#34;^v\d+\.\d+$#34;"]
  on_4>"on manual(tag#58; string, dry#58; bool = false)"]
  on_5>"on push #34;a#35;#60;b#62;#38;c#58;#96;d#34;"]
  stage_lint["lint"]
  stage_test[["test<br>matrix#58; node in [#34;18#34;, #34;20#34;] (sequential)"]]
  stage_build["build"]
  stage_deploy["deploy<br>environment#58; dev"]
  stage_preview["preview<br>environment#58; preview"]
  stage_release["release<br>environment#58; prod"]
  env_dev{{"dev"}}
  env_preview{{"preview<br>ephemeral"}}
  env_prod{{"prod<br>approval#58; alice, release-team<br>wait 5m<br>branches#58; main"}}
  on_1 ==> stage_deploy
  on_2 ==> stage_preview
  on_3 ==> stage_release
  on_4 ==> stage_release
  on_5 ==> stage_lint
  on_5 ==> stage_test
  stage_lint --> stage_build
  stage_test --> stage_build
  stage_build --> stage_deploy
  stage_build --> stage_preview
  stage_deploy --> stage_release
  stage_deploy -.->|deploys| env_dev
  stage_preview -.->|deploys| env_preview
  stage_release -.->|deploys| env_prod
  env_dev -->|after| env_prod
  classDef trigger fill:#ede7f6,stroke:#5e35b1
  class on_1,on_2,on_3,on_4,on_5 trigger
  classDef stage fill:#e3f2fd,stroke:#1e88e5
  class stage_lint,stage_test,stage_build,stage_deploy,stage_preview,stage_release stage
  classDef environment fill:#e8f5e9,stroke:#43a047
  class env_dev,env_preview environment
  classDef gate fill:#fff3e0,stroke:#fb8c00,stroke-width:3px
  class env_prod gate
OUT

# dot is the default format, and ./pipeline.rp the default file
"$RP" graph > got.dot 2> err || fail "rp graph exited $?: $(cat err)"
diff -u expected.dot got.dot || fail "dot output differs"
[ -s err ] && fail "unexpected stderr: $(cat err)"
"$RP" graph --format dot pipeline.rp > got2.dot && cmp -s got.dot got2.dot || fail "--format dot FILE differs from the default"
"$RP" graph --format mermaid pipeline.rp > got.mmd || fail "rp graph --format mermaid exited $?"
diff -u expected.mmd got.mmd || fail "mermaid output differs"
"$RP" graph --format=mermaid > got2.mmd && cmp -s got.mmd got2.mmd || fail "--format=mermaid differs"

# Graphviz must accept what we print (only where it is installed)
if command -v dot >/dev/null; then
  dot -Tsvg got.dot > got.svg 2> dot.err || fail "dot -Tsvg rejected the output: $(cat dot.err)"
  [ -s dot.err ] && fail "dot warned: $(cat dot.err)"
  grep -q 'release&#45;team' got.svg || grep -q 'release-team' got.svg || fail "svg lacks the reviewers"
else
  echo "# graphviz not installed: dot -Tsvg not tried"
fi

# a check error (undeclared names): rp check's diagnostics, no graph, exit 2
cat > unknown.rp <<'RP'
on push "main" -> build
stage build { needs lint  environment stagin }
RP
"$RP" graph unknown.rp > u.dot 2> u.err; rc=$?
[ $rc -eq 2 ] || fail "check error: exit $rc, expected 2"
[ -s u.dot ] && fail "check error: a graph was printed: $(cat u.dot)"
grep -q "^unknown.rp:2:21: error: stage 'build' needs unknown stage 'lint'" u.err || fail "needs error not reported: $(cat u.err)"
grep -q "unknown environment 'stagin'" u.err || fail "environment error not reported: $(cat u.err)"

# a parse error: diagnostics, nothing on stdout, exit 2
printf 'stage build {\n  needs\n}\n' > bad.rp
"$RP" graph bad.rp > bad.out 2> bad.err; rc=$?
[ $rc -eq 2 ] || fail "parse error: exit $rc, expected 2"
[ -s bad.out ] && fail "parse error: output printed: $(cat bad.out)"
grep -q '^bad.rp:3:1: error: ' bad.err || fail "parse error not reported: $(cat bad.err)"

# usage errors
"$RP" graph --format svg pipeline.rp > /dev/null 2> fmt.err; rc=$?
[ $rc -eq 2 ] || fail "--format svg: exit $rc"
grep -q "unknown format 'svg'" fmt.err || fail "--format svg: $(cat fmt.err)"
"$RP" graph --format > /dev/null 2>&1; [ $? -eq 2 ] || fail "--format without a value"
"$RP" graph missing.rp > /dev/null 2> miss.err; rc=$?
[ $rc -eq 2 ] && grep -q 'missing.rp' miss.err || fail "missing file: exit $rc, $(cat miss.err)"

# --run ID: the stages coloured by that run's results, in both formats
command -v dot >/dev/null || fail "graphviz is not installed: dot -Tsvg cannot check --run"
mkdir run && cd run && git init -q || exit 1
cat > pipeline.rp <<'RP'
pipeline "results"
environment prod { approval { reviewers = ["alice"] } }
stage ok { sh "true" }
stage broken {
  needs ok
  sh "exit 1"
}
stage after_broken { needs broken }
stage each {
  matrix n in ["1", "2"]
  sh "test ${n} = 1"
}
stage ship {
  needs ok
  environment prod
  version "1"
  sh "true"
}
stage unused { sh "true" }
RP
"$RP" run after_broken each ship > run.out 2>&1 < /dev/null
id=$(sed -n 's/^run \([0-9a-f-]*\)$/\1/p' run.out | head -1)
[ -n "$id" ] || fail "no run id in: $(cat run.out)"
"$RP" graph --run "$id" > run.dot 2> run.err || fail "rp graph --run: $(cat run.err)"
for want in 'stage_ok [shape=box, style=filled, fillcolor="#a5d6a7", color="#2e7d32", label="ok\nok"]' \
            'stage_broken [shape=box, style=filled, fillcolor="#ef9a9a", color="#c62828", label="broken\nfailed"]' \
            'stage_after_broken [shape=box, style=filled, fillcolor="#eeeeee", color="#9e9e9e", label="after_broken\nskipped"]' \
            'stage_each [shape=box3d, style=filled, fillcolor="#ef9a9a", color="#c62828", label="each\nmatrix: n in [\"1\", \"2\"]\nfailed"]' \
            'stage_ship [shape=box, style=filled, fillcolor="#fff59d", color="#f9a825", label="ship\nenvironment: prod\nwaiting"]' \
            'stage_unused [shape=box, style="filled,dashed", fillcolor="#ffffff", color="#bdbdbd", label="unused\nnot run"]' \
            'env_prod [shape=hexagon, peripheries=2, style=filled, fillcolor="#fff3e0", color="#fb8c00"'; do
  grep -qF "$want" run.dot || fail "--run dot lacks: $want"
done
dot -Tsvg run.dot > run.svg 2> dot.err || fail "dot -Tsvg rejected --run's output: $(cat dot.err)"
[ -s dot.err ] && fail "dot warned: $(cat dot.err)"
grep -q 'fill="#ef9a9a"' run.svg || fail "the svg has the failed colour"
grep -q 'fill="#a5d6a7"' run.svg || fail "the svg has the ok colour"
"$RP" graph --run "$id" --format mermaid > run.mmd || fail "rp graph --run --format mermaid"
for want in '  classDef ok fill:#a5d6a7,stroke:#2e7d32' '  class stage_ok ok' \
            '  class stage_broken,stage_each failed' '  class stage_after_broken skipped' '  class stage_ship waiting' \
            '  class stage_unused not_run' '  class env_prod gate' '  stage_broken["broken<br>failed"]'; do
  grep -qxF -- "$want" run.mmd || fail "--run mermaid lacks: $want"
done
"$RP" graph --run nosuch > /dev/null 2> nosuch.err; rc=$?
[ $rc -eq 2 ] && grep -q "no run nosuch" nosuch.err || fail "--run of an unknown run: exit $rc, $(cat nosuch.err)"
cd ..

[ $fails -eq 0 ] && echo "graph: all passed"
[ $fails -eq 0 ]
