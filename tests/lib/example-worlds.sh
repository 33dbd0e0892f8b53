# example-worlds.sh — what each example expects around it, as its README
# says under "What the tests stand in for": the gitops repository of the
# layout it describes ($GITOPS_REPO, a bare $T/config.git with a work tree
# $T/config-work) and stand-ins for the project's tools. Sourced by
# example-lib.sh; call in the example's copy (after ex_app).
#
#   world_release_pipeline   environments/<env>/values.yaml and
#                            apps/<env>/sample-app.yaml for staging, uat, prod
#   world_release_please     applications/controller.yaml; and origin
#                            ($T/origin.git), holding the copy tagged v0.2.0
#   world_dex                infra/argocd/overlays/{dev,stage,prod} (as
#                            dex_overlay ENV TAG prints them); uv (`uv build`
#                            writes a wheel into dist/), trivy
#   world_eks_release        npm; no gitops repository: helm deploys directly
#   world_gitops_multistage  infra/k8s on branches main, dev and staging; a
#                            /health server ($DEV_URL, $STAGING_URL, $PROD_URL,
#                            requests in $T/www.log); gitleaks, sonar-scanner,
#                            npm, npx, trivy (see below)

world_release_pipeline() {
  ex_tool npm
  ex_bare config
  for e in staging uat prod; do
    mkdir -p "$T/config-work/environments/$e" "$T/config-work/apps/$e"
    printf 'image:\n  tag: none  # updated by CI\n' >"$T/config-work/environments/$e/values.yaml"
    printf 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: sample-app-%s\nspec:\n  source:\n    chart: sample-app\n    targetRevision: 0.0.0  # updated by CI\n' "$e" >"$T/config-work/apps/$e/sample-app.yaml"
  done
  ex_push config
  export GITOPS_REPO="$T/config.git"
}

world_release_please() {
  ex_bare config
  mkdir -p "$T/config-work/applications"
  printf 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: controller\nspec:\n  source:\n    chart: controller\n    targetRevision: 0.2.0\n' >"$T/config-work/applications/controller.yaml"
  ex_push config
  export GITOPS_REPO="$T/config.git"
  g init -q --bare -b main "$T/origin.git"
  g remote add origin "$T/origin.git" && g tag v0.2.0 && g push -q origin main v0.2.0 2>/dev/null
}

dex_overlay() { printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: dex-%s\nresources:\n  - ../../base\nimages:\n  - name: data-literate/dex\n    newTag: %s  # updated by CD\n' "$1" "$2"; }

world_dex() {
  ex_tool trivy
  cat >"$T/bin/uv" <<STUB
#!/bin/sh
echo "uv \$*" >>"$T/tools.log"
[ "\$1" != build ] || { mkdir -p dist && echo wheel >dist/dex-0.1.0-py3-none-any.whl; }
STUB
  chmod +x "$T/bin/uv"
  ex_bare config
  for e in dev stage prod; do
    mkdir -p "$T/config-work/infra/argocd/overlays/$e"
    dex_overlay "$e" sha-00000000 >"$T/config-work/infra/argocd/overlays/$e/kustomization.yaml"
  done
  ex_push config
  export GITOPS_REPO="$T/config.git"
}

world_eks_release() { ex_tool npm; }

world_gitops_multistage() {
  ex_tool gitleaks sonar-scanner
  # npm writes the coverage summary jest would (COVERAGE %); the integration
  # suite fails with INTEGRATION_FAIL; trivy finds a CRITICAL with TRIVY_CRITICAL
  cat >"$T/bin/npm" <<STUB
#!/bin/sh
echo "npm \$* \${BASE_URL:+(BASE_URL=\$BASE_URL)}" >>"$T/tools.log"
case "\$1" in test) mkdir -p coverage && printf '{"total":{"lines":{"pct":%s}}}' "\${COVERAGE:-82.5}" >coverage/coverage-summary.json ;; esac
[ "\$*" = "run test:integration" ] && [ -n "\${INTEGRATION_FAIL:-}" ] && { echo "2 integration tests failed" >&2; exit 1; }
exit 0
STUB
  cat >"$T/bin/npx" <<STUB
#!/bin/sh
echo "npx \$* (BASE_URL=\$BASE_URL)" >>"$T/tools.log"
STUB
  cat >"$T/bin/trivy" <<STUB
#!/bin/sh
echo "trivy \$*" >>"$T/tools.log"
[ -z "\${TRIVY_CRITICAL:-}" ] || { echo "Total: 1 (CRITICAL: 1)"; exit 1; }
STUB
  chmod +x "$T/bin/npm" "$T/bin/npx" "$T/bin/trivy"

  # /health of every environment
  mkdir "$T/www" && echo ok >"$T/www/health"
  port=$(reg_free_port)
  python3 -m http.server "$port" --bind 127.0.0.1 -d "$T/www" >"$T/www.log" 2>&1 &
  REG_PIDS="$REG_PIDS $!"
  i=0; while ! curl -s "http://127.0.0.1:$port/health" >/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  export DEV_URL="http://127.0.0.1:$port" STAGING_URL="http://127.0.0.1:$port" PROD_URL="http://127.0.0.1:$port"

  # the gitops repository: infra/k8s on main, dev and staging (Argo CD syncs
  # overlays/<env> from the branch of the same name, production from main)
  ex_bare config
  cp -r "$top_srcdir/examples/gitops-multistage/infra" "$T/config-work/"
  ex_push config
  g -C "$T/config-work" push -q origin HEAD:dev HEAD:staging 2>/dev/null
  export GITOPS_REPO="$T/config.git"
}
