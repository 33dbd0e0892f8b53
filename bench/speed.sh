#!/bin/sh
# bench/speed.sh — the rows of the speed targets, each beside its peer, in
# one run of a few minutes on an otherwise idle machine:
#   runs     rp run -j1 of trivial stages, a chain and a fan, against
#            make -j1 on the same graph, per stage, at 1,000 / 4,000 / 10,000
#   plans    rp plan against rp check of the same file (bench/gen-pipeline.sh)
#   fmt      rp fmt of files with 40,000 and 1,000,000 comment lines
#   yaml.set in process, MB/s, beside a bare libyaml parse (bench/bench_yaml)
#   start-up rp --version, check, fmt --check, plan on examples/hello
#            against a C hello-world
#   gitops   bench/gitops.sh: promote over a path, file:// and smart HTTP
#            against git clone + sed + commit + push
# Build -O2 first: ./configure CFLAGS=-O2 && make rp bench/bench_yaml
# Usage: RP=path/to/rp [YAML=path/to/bench/bench_yaml] bench/speed.sh
# Not part of `make check`: wall times depend on the machine and its load.
set -eu
RP=$(cd "$(dirname "${RP:-./rp}")" && pwd)/$(basename "${RP:-./rp}")
YAML=${YAML:-$(dirname "$RP")/bench/bench_yaml}
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export RP_STATE_DIR="$tmp/state"

us() { # wall time of one run of "$@" in microseconds (output discarded)
  t0=$(date +%s%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000 ))
}
best() { # $1 runs, then the command: the best wall time in microseconds
  k=$1; shift; b=
  while [ "$k" -gt 0 ]; do
    t=$(us "$@"); if [ -z "$b" ] || [ "$t" -lt "$b" ]; then b=$t; fi; k=$((k - 1))
  done
  echo "$b"
}
row() { # label rp_us peer_label peer_us [n]: in ms, the ratio, and per item when n is given
  awk -v l="$1" -v r="$2" -v pl="$3" -v p="$4" -v n="${5:-}" 'BEGIN { r /= 1000; p /= 1000
    if (n != "") printf "  %-28s rp %9.1f ms (%5.2f ms each)   %-10s %9.1f ms (%5.2f ms each)   %5.2fx\n", l, r, r / n, pl, p, p / n, (p > 0 ? r / p : 0)
    else printf "  %-28s rp %9.1f ms   %-14s %9.1f ms   %5.2fx\n", l, r, pl, p, (p > 0 ? r / p : 0) }'
}

echo "runs: rp run -j1 against make -j1 of 'sh \"true\"' stages: a chain, and a fan (all ready at once)"
for shape in chain fan; do
  for n in 1000 4000 10000; do
    d="$tmp/$shape$n"; mkdir -p "$d"
    awk -v n="$n" -v fan=$([ $shape = fan ] && echo 1 || echo 0) 'BEGIN {
      for (i = 0; i < n; i++)
        if (fan || i == 0) printf "stage s%d { sh \"true\" }\n", i
        else printf "stage s%d { needs s%d  sh \"true\" }\n", i, i - 1
      printf "stage all { needs s%d", n - 1; if (fan) for (i = 0; i < n - 1; i++) printf ", s%d", i
      print "  sh \"true\" }" }' > "$d/p.rp"
    awk -v n="$n" -v fan=$([ $shape = fan ] && echo 1 || echo 0) 'BEGIN {
      printf "all:"; for (i = 0; i < n; i++) if (fan || i == n - 1) printf " s%d", i
      printf "\n\t@true\ns0:\n\t@true\n"
      for (i = 1; i < n; i++) if (fan) printf "s%d:\n\t@true\n", i; else printf "s%d: s%d\n\t@true\n", i, i - 1
      printf ".PHONY: all"; for (i = 0; i < n; i++) printf " s%d", i; print "" }' > "$d/Makefile"
    runs=3; [ "$n" -ge 10000 ] && runs=1
    r=$(best $runs "$RP" run all -j1 -f "$d/p.rp")
    m=$(best $runs make -j1 -s -C "$d" all)
    row "$shape, $n stages" "$r" make "$m" "$n"
  done
done

echo "plans: rp plan against rp check (bench/gen-pipeline.sh)"
for n in 10000 100000; do
  sh "$here/gen-pipeline.sh" "$n" > "$tmp/g$n.rp"
  p=$(best 3 "$RP" plan "s$((n - 1))" -f "$tmp/g$n.rp")
  c=$(best 3 "$RP" check "$tmp/g$n.rp")
  row "rp plan, $n stages" "$p" "rp check" "$c"
done

echo "fmt: rp fmt on comment lines (half in a block, half between stages)"
for n in 40000 1000000; do
  awk -v n="$n" 'BEGIN { print "stage a {"; for (i = 0; i < n / 2; i++) print "  # comment " i
    print "  sh \"true\"\n}"; for (i = 0; i < n / 2; i++) print "# top " i; print "stage b { sh \"true\" }" }' > "$tmp/c$n.rp"
  f=$(best 1 "$RP" fmt "$tmp/c$n.rp")
  c=$(best 1 "$RP" check "$tmp/c$n.rp")
  row "rp fmt, $n comments" "$f" "rp check" "$c"
done

echo "yaml.set, in process"
if [ -x "$YAML" ]; then printf '  '; "$YAML"; else echo "  (build bench/bench_yaml: make bench/bench_yaml)"; fi

echo "start-up on examples/hello, best of 20, against a C hello-world"
printf '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n' > "$tmp/hello.c"
${CC:-cc} -O2 -o "$tmp/hello" "$tmp/hello.c"
cp -r "$top/examples/hello" "$tmp/hello-repo"
git -C "$tmp/hello-repo" init -q && git -C "$tmp/hello-repo" add -A &&
  git -C "$tmp/hello-repo" -c user.name=b -c user.email=b@b commit -qm bench
h=$(best 20 "$tmp/hello")
cd "$tmp/hello-repo"
row "rp --version" "$(best 20 "$RP" --version)" "C hello" "$h"
row "rp check" "$(best 20 "$RP" check pipeline.rp)" "C hello" "$h"
row "rp fmt --check" "$(best 20 "$RP" fmt --check pipeline.rp)" "C hello" "$h"
row "rp plan" "$(best 20 "$RP" plan -f pipeline.rp)" "C hello" "$h"
cd "$top"

echo "gitops: promote on a 2,000-commit repository (bench/gitops.sh)"
RP="$RP" sh "$here/gitops.sh" | sed 's/^/  /'
