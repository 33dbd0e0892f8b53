# example-worlds.sh — what each example expects around it, as its README
# says under "What the tests stand in for": the gitops repository of the
# layout it describes ($GITOPS_REPO, a bare $T/config.git with a work tree
# $T/config-work) and stand-ins for the project's tools. Sourced by
# example-lib.sh; call after ex_setup.
#
#   world_release_pipeline   environments/<env>/values.yaml and
#                            apps/<env>/sample-app.yaml for staging, uat, prod
#   world_release_please     $T/origin.git, the application's remote, and
#                            $T/config.git with applications/controller.yaml
#   world_dex                infra/argocd/overlays/{dev,stage,prod}
#   world_eks_release        no gitops repository: helm deploys directly
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
