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
#                            dex_overlay ENV TAG prints them); uv, trivy
#   world_eks_release        npm; no gitops repository: helm deploys directly
#   world_gitops_multistage  infra/k8s on branches main, dev and staging; a
#                            /health server ($DEV_URL, $STAGING_URL, $PROD_URL)

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
  ex_tool uv trivy
  ex_bare config
  for e in dev stage prod; do
    mkdir -p "$T/config-work/infra/argocd/overlays/$e"
    dex_overlay "$e" sha-00000000 >"$T/config-work/infra/argocd/overlays/$e/kustomization.yaml"
  done
  ex_push config
  export GITOPS_REPO="$T/config.git"
}

world_eks_release() { ex_tool npm; }
