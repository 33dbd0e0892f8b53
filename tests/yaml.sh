#!/bin/sh
# yaml.sh — yaml.get/set/delete against yq (Debian's: the Python jq wrapper).
# Reads must agree with `yq -r PATH`; edits must give the document yq's
# `PATH = VALUE` / `del(PATH)` gives (compared parsed, since yq rewrites
# formatting) while every line outside the edit stays byte-identical.
set -u
: "${RP:?}" "${top_srcdir:?}"
tool=$(dirname "$RP")/tests/unit/test_yaml
fx=$top_srcdir/tests/fixtures/yaml
command -v yq >/dev/null && command -v jq >/dev/null || { echo "FAIL: yq or jq is not installed (scripts/install-deps.sh installs yq)"; exit 1; }
[ -x "$tool" ] || { echo "$tool not built"; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# get FILE RP-PATH JQ-PATH
get() {
  want=$(yq -r "$3" "$fx/$1" 2>&1) || { bad "yq $3 $1: $want"; return; }
  got=$("$tool" get "$fx/$1" "$2" 2>&1) || { bad "get $1 $2: $got"; return; }
  # non-strings are JSON on both sides: compare them parsed
  case $want in \{*|\[*) want=$(printf '%s' "$want" | jq -S -c .); got=$(printf '%s' "$got" | jq -S -c .);; esac
  [ "$got" = "$want" ] && ok || bad "get $1 $2: got [$got], yq says [$want]"
}

# edit FILE RP-PATH JQ-EXPR [VALUE]: set when VALUE is given (YAML flow
# text, and JSON for yq), else delete.
edit() {
  f=$1 path=$2 expr=$3
  if [ $# -ge 4 ]; then
    out=$("$tool" set "$fx/$f" "$path" "$4" 2>&1) || { bad "set $f $path: $out"; return; }
  else
    out=$("$tool" delete "$fx/$f" "$path" 2>&1) || { bad "delete $f $path: $out"; return; }
  fi
  printf '%s\n' "$out" > "$tmp/out.yaml"
  want=$(yq -S -c "$expr" "$fx/$f" 2>&1) || { bad "yq $expr: $want"; return; }
  got=$(yq -S -c . "$tmp/out.yaml" 2>&1)
  [ "$got" = "$want" ] || { bad "edit $f $path: yq reads [$got], expected [$want]"; return; }
  # the lines the edit did not touch are all still there, in order
  changed=$(diff "$fx/$f" "$tmp/out.yaml" | grep -c '^<')
  [ "$changed" -le "${5:-9}" ] || { bad "edit $f $path: $changed original lines changed"; return; }
  ok
}

for f in staging-values.yaml prod-values.yaml uat-values.yaml app-staging.yaml app-dex-dev.yaml \
         app-image-updater.yaml kustomization.yaml flow.yaml anchors.yaml styles.yaml \
         eks-prod.yaml overlay-dev-kustomization.yaml app-ai-incident-dev.yaml; do
  get "$f" . .
done
get app-staging.yaml spec.source.targetRevision .spec.source.targetRevision
get app-staging.yaml 'spec.source.helm.valueFiles[0]' '.spec.source.helm.valueFiles[0]'
get app-staging.yaml spec.syncPolicy.automated.prune .spec.syncPolicy.automated.prune
get app-dex-dev.yaml spec.source.targetRevision .spec.source.targetRevision
get staging-values.yaml image.tag .image.tag
get staging-values.yaml replicaCount .replicaCount
get staging-values.yaml 'env[1].value' '.env[1].value'
get staging-values.yaml 'ingress.hosts[0].paths[0]' '.ingress.hosts[0].paths[0]'
get staging-values.yaml image.digest .image.digest
get prod-values.yaml 'nodeSelector["kubernetes.io/os"]' '.nodeSelector["kubernetes.io/os"]'
get prod-values.yaml autoscaling .autoscaling
get uat-values.yaml 'containers[0].image' '.containers[0].image'
get uat-values.yaml 'containers[-1].name' '.containers[-1].name'
get app-image-updater.yaml 'metadata.annotations["argocd-image-updater.argoproj.io/controller.allow-tags"]' \
    '.metadata.annotations["argocd-image-updater.argoproj.io/controller.allow-tags"]'
get kustomization.yaml 'images[0].newTag' '.images[0].newTag'
get anchors.yaml worker .worker

edit staging-values.yaml image.tag '.image.tag = "sha-def5678"' sha-def5678 1
edit staging-values.yaml resources.limits.cpu '.resources.limits.cpu = "500m"' 500m 0
edit staging-values.yaml podLabels.team '.podLabels.team = "payments"' payments 0
edit staging-values.yaml 'env[0].value' '.env[0].value = "info"' info 1
edit staging-values.yaml 'env[2]' '.env[2] = {"name": "REGION", "value": "us-east-1"}' '{name: REGION, value: us-east-1}' 0
edit staging-values.yaml ingress.hosts '.ingress.hosts = [{"host": "a.example.com"}]' '[{host: a.example.com}]' 5
edit staging-values.yaml image.tag 'del(.image.tag)'
edit staging-values.yaml 'env[0]' 'del(.env[0])'
edit staging-values.yaml resources 'del(.resources)'
edit prod-values.yaml image.tag '.image.tag = "v1.3.0"' v1.3.0 1
edit prod-values.yaml podAnnotations.checksum '.podAnnotations.checksum = "abc"' abc 1
edit prod-values.yaml replicaCount '.replicaCount = 5' 5 1
edit prod-values.yaml 'nodeSelector["kubernetes.io/os"]' 'del(.nodeSelector["kubernetes.io/os"])'
edit uat-values.yaml 'containers[1].image' '.containers[1].image = "prom/statsd-exporter:v0.27.0"' prom/statsd-exporter:v0.27.0 1
edit uat-values.yaml 'containers[0].ports[0].containerPort' '.containers[0].ports[0].containerPort = 9090' 9090 1
edit uat-values.yaml 'containers[1]' 'del(.containers[1])'
edit app-staging.yaml spec.source.targetRevision '.spec.source.targetRevision = "0.2.0-sha-def5678"' 0.2.0-sha-def5678 1
edit app-staging.yaml spec.source.helm.parameters '.spec.source.helm.parameters = [{"name": "image.tag", "value": "v1.2.0"}]' '[{name: image.tag, value: v1.2.0}]' 0
edit app-staging.yaml spec.syncPolicy.automated 'del(.spec.syncPolicy.automated)'
edit app-dex-dev.yaml spec.source.targetRevision '.spec.source.targetRevision = "main"' main 1
edit app-image-updater.yaml 'metadata.annotations["argocd-image-updater.argoproj.io/write-back-method"]' \
     '.metadata.annotations["argocd-image-updater.argoproj.io/write-back-method"] = "git"' git 1
edit kustomization.yaml 'images[0].newTag' '.images[0].newTag = "sha-99999999"' sha-99999999 1
edit kustomization.yaml 'images[1]' '.images[1] = {"name": "data-literate/dex-worker", "newTag": "sha-1"}' '{name: data-literate/dex-worker, newTag: sha-1}' 0
edit flow.yaml app.port '.app.port = 9090' 9090 1
edit flow.yaml 'args[0]' 'del(.args[0])'
edit eks-prod.yaml image.tag '.image.tag = "v1.2.0"' v1.2.0 1
edit eks-prod.yaml 'networkPolicy.egress[0]' 'del(.networkPolicy.egress[0])'
edit eks-prod.yaml 'securityContext.capabilities.drop[1]' '.securityContext.capabilities.drop[1] = "NET_RAW"' NET_RAW 1
edit overlay-dev-kustomization.yaml 'images[1].newTag' '.images[1].newTag = "dev-4f2c1a9"' dev-4f2c1a9 1
edit overlay-dev-kustomization.yaml 'replicas[0].count' '.replicas[0].count = 2' 2 1
edit app-ai-incident-dev.yaml spec.source.targetRevision '.spec.source.targetRevision = "main"' main 1
edit styles.yaml 'nested[3].late' '.nested[3].late = "early"' early 1
edit styles.yaml keep 'del(.keep)'
edit styles.yaml literal '.literal = "new\ntext\n"' '"new\ntext\n"' 3
edit styles.yaml flowmap.b.c '.flowmap.b.c = 3' 3 1
edit styles.yaml 'indentless[3]' '.indentless[3] = "d"' d 0
edit styles.yaml deep.level1.level2.level3 'del(.deep.level1.level2.level3)'
edit styles.yaml '"double quoted key"' '.["double quoted key"] = "x"' x 1
edit styles.yaml 'multiline_flow[0]' 'del(.multiline_flow[0])'
edit styles.yaml empty.now '.empty.now = "set"' set 0

# bad input: a clear error naming the file, never a crash
for case in "bad-multidoc.yaml|image.tag|documents" "bad-tabs.yaml|image.tag|tab character" \
            "bad-laughs.yaml|a|billion laughs" "nope.yaml|a|cannot read" \
            "staging-values.yaml|image.tag.x|cannot look up key" "staging-values.yaml|env[7]|out of range"; do
  f=${case%%|*} rest=${case#*|}; path=${rest%%|*} want=${rest#*|}
  msg=$("$tool" get "$fx/$f" "$path" 2>&1); rc=$?
  if [ $rc -eq 1 ] && case $msg in "$fx/$f"*"$want"*) true;; *) false;; esac; then ok
  else bad "bad input $f $path: exit $rc, [$msg]"; fi
done

# edits that cannot be done safely are refused, naming the file, and write nothing
for case in "anchors.yaml|api.resources.cpu|goes through the alias *defaults" \
            "bad-multidoc.yaml|image.tag|2 YAML documents" "bad-tabs.yaml|image.tag|tab character" \
            "uat-values.yaml|containers[5].image|out of range" "uat-values.yaml|image.tag.x|cannot look up key" \
            "libyaml-reserved-directive.yaml|image.tag|:2:9: found unknown directive name (libyaml refuses directives"; do
  f=${case%%|*} rest=${case#*|}; path=${rest%%|*} want=${rest#*|}
  msg=$("$tool" set "$fx/$f" "$path" x 2>&1); rc=$?
  if [ $rc -eq 1 ] && case $msg in "$fx/$f"*"$want"*) true;; *) false;; esac; then ok
  else bad "refused edit $f $path: exit $rc, [$msg]"; fi
done

# from a pipeline: a values file libyaml cannot read is named with its line and column
tmpd=$(mktemp -d)
cp "$fx/libyaml-reserved-directive.yaml" "$tmpd/values.yaml"
printf 'stage s { yaml.set("values.yaml", "image.tag", "v2") }\n' > "$tmpd/pipeline.rp"
msg=$(cd "$tmpd" && "$RP" run s 2>&1); rc=$?
case $msg in *"yaml.set: values.yaml:2:9: found unknown directive name (libyaml refuses"*) [ $rc -eq 1 ] && ok || bad "rp run exit $rc";;
  *) bad "rp run on a file libyaml refuses: [$msg]";; esac
cmp -s "$fx/libyaml-reserved-directive.yaml" "$tmpd/values.yaml" && ok || bad "the refused file was changed"
rm -rf "$tmpd"

echo "yaml.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
