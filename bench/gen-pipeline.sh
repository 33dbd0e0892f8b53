#!/bin/sh
# gen-pipeline.sh N — print a pipeline of N stages for timing `rp check`:
# a needs chain, a fan-in stage every 100 (needing the 99 before it), an
# output in every stage read by the next one and by the one after that
# (a transitive read), plus lets, calls and interpolation in each body.
# Usage: sh bench/gen-pipeline.sh 10000 > /tmp/big.rp && time rp check /tmp/big.rp
n=${1:-10000}
awk -v n="$n" 'BEGIN {
  print "pipeline \"generated\""
  print "let image = env.REGISTRY ?? \"localhost:5000\""
  print "environment staging { namespace = \"staging\" }"
  print "on push \"main\" -> s" n - 1
  print "fn tag_for(i, prefix = \"v\") { return \"${prefix}-${i}\" }"
  for (i = 0; i < n; i++) {
    printf "stage s%d {\n", i
    if (i % 100 == 99) {
      printf "  needs s%d", i - 99
      for (j = i - 98; j < i; j++) printf ", s%d", j
      printf "\n"
    } else if (i > 0) printf "  needs s%d\n", i - 1
    printf "  let tag = tag_for(%d)\n", i
    if (i > 0) printf "  sh \"echo ${s%d.tag}\"\n", i - 1
    if (i > 1 && i % 100 != 99) printf "  sh \"echo ${s%d.tag}\"\n", i - 2
    printf "  docker.build(\".\", tags: [\"${image}/s%d:${tag}\"])\n", i
    printf "  output tag = tag\n}\n"
  }
}'
