#!/bin/sh
# std/images.retention against a real docker-registry: the seed's policy
# (dev-* 7 days, staging-* 30 days, prod-* 90 days, *-latest kept).
set -u
: "${RP:=./rp}" "${top_srcdir:=.}"
RP=$(cd "$(dirname "$RP")" && pwd)/$(basename "$RP")
top_srcdir=$(cd "$top_srcdir" && pwd)
. "$top_srcdir/tests/lib/assert.sh"
. "$top_srcdir/tests/lib/registry-lib.sh"
reg_require
reg_setup
reg_start plain || { echo "docker-registry did not start"; exit 1; }
R=$REG_ADDR/app
now=$(date +%s)
day=86400
# each image distinct (its own digest), created some days ago
push() { reg_push_image "$R:$1" "$1" "$((now - $2 * day))" || { echo "push $1 failed"; exit 1; }; }
push dev-old 8
push dev-new 2
push dev-latest 20
push staging-old 31
push staging-new 10
push staging-latest 40
push prod-old 91
push prod-new 60
push prod-latest 100
push v1.0.0 400

cd "$REG_TMP" && git init -q . && git -c user.name=t -c user.email=t@e commit -q --allow-empty -m init
cat >pipeline.rp <<PIPE
import "std/images"
on local -> prune
stage prune {
  let planned = images.retention("$R", dry_run: true)
  let deleted = images.retention("$R")
  fs.write("$REG_TMP/out.txt", "\${planned.sort().join(",")}\n\${deleted.sort().join(",")}\n\${registry.tags("$R").sort().join(",")}")
}
PIPE
RP_STATE_DIR="$REG_TMP/state" "$RP" run >"$REG_TMP/run.out" 2>&1
assert_eq "$?" 0 "rp run"
assert_eq "$(sed -n 1p out.txt)" "dev-old,prod-old,staging-old" "dry run reports the old tags"
assert_eq "$(sed -n 2p out.txt)" "dev-old,prod-old,staging-old" "deleted: the old tags"
assert_eq "$(sed -n 3p out.txt)" "dev-latest,dev-new,prod-latest,prod-new,staging-latest,staging-new,v1.0.0" "left in the registry"
finish
