#!/bin/sh
# examples/gitops-multistage end to end: the app repository doubles as the
# gitops repository (a bare copy with branches dev, staging and main holding
# infra/k8s), images built with podman and pushed to a local
# docker-registry, stand-ins for gitleaks, npm, sonar-scanner, trivy and
# npx, and a local HTTP server answering /health. Pull requests, pushes to
# each branch, build once per commit, the production gate and a rollback,
# the coverage and vulnerability gates, a failing staging suite, and the
# nightly retention.
set -u
. "${top_srcdir:-.}/tests/lib/example-lib.sh"
ex_setup
overlay=infra/k8s/overlays
orig() { cat "$top_srcdir/examples/gitops-multistage/$overlay/$1/kustomization.yaml"; }
# the overlay with both images set to REGISTRY/<component>:$2
expect() {
  orig "$1" | sed -e "s|newName: registry.digitalocean.com/ai-incident-assistant/|newName: $REGISTRY/|" \
    -e "s|newTag: .*|newTag: $2|"
}
digest() { reg_skopeo_digest "$REGISTRY/$1"; }
count() { cfg rev-list --count "$1"; }

ex_app gitops-multistage
world_gitops_multistage
ex_checks gitops-multistage
sha7=$(printf %.7s "$sha")

# pull request to dev: secret scan, lint, tests, SonarQube; nothing built
ex_run pr run --event pull_request --base dev --branch feature/add-analytics --pr 7 --sha "$sha"
assert_eq "$rc" 0 "pull request checks pass"
tools=$(cat "$T/tools.log")
assert_contains "$tools" "gitleaks detect --source . --redact --verbose" "secret scan on the PR"
assert_contains "$tools" "npm run lint" "lint on the PR"
assert_contains "$tools" "npm test -- --coverage --coverageReporters=json-summary" "unit tests on the PR"
assert_contains "$tools" "sonar-scanner -Dsonar.qualitygate.wait=true" "SonarQube gate on the PR"
assert_not_contains "$tools" "trivy" "no image scan on the PR"
assert_not_contains "$out" "STEP 1/" "no build on the PR"
assert_eq "$(ex_tags backend)" "" "nothing pushed for the PR"
assert_eq "$(count dev) $(count staging) $(count main)" "1 1 1" "no gitops commit for the PR"

# coverage at 40%: the quality gate fails the PR, SonarQube never runs
: >"$T/tools.log"
# (--no-cache: the stand-in's coverage changed, the commit did not)
COVERAGE=40 ex_run pr2 run --no-cache --event pull_request --base main --branch hotfix/x --pr 8 --sha "$sha"
assert_eq "$rc" 1 "coverage under 50% fails"
assert_contains "$out" "line coverage 40% is not above 50%" "the coverage gate says why"
assert_not_contains "$(cat "$T/tools.log")" "sonar-scanner" "stopped before SonarQube"

# push to dev: built and scanned once, dev-<sha7>-<time> + dev-latest, the
# dev overlay on branch dev, /health checked
: >"$T/tools.log"
checks=$(grep -c 'GET /health HTTP/1.1" 200' "$T/www.log")
ex_run dev run --event push --branch dev --sha "$sha"
assert_eq "$rc" 0 "push to dev"
assert_contains "$out" "STEP 1/2: FROM scratch" "podman built the images"
dtag=$(ex_tags backend | cut -d' ' -f1)
assert_eq "$(printf '%s\n' "$dtag" | grep -Ec "^dev-$sha7-[0-9]{8}-[0-9]{6}\$")" 1 "dev-<sha7>-<yyyymmdd-hhmmss> ($dtag)"
assert_eq "$(ex_tags backend)" "$dtag dev-latest" "backend tags"
assert_eq "$(ex_tags frontend)" "$dtag dev-latest" "frontend tags"
assert_eq "$(digest backend:dev-latest)" "$(digest "backend:$dtag")" "dev-latest is the build"
assert_contains "$(cat "$T/tools.log")" "trivy image --exit-code 1 --severity CRITICAL $REGISTRY/frontend:$dtag" "trivy blocks on CRITICAL"
assert_eq "$(cfg log -1 --format=%s dev)" "deploy(dev): $dtag" "dev gitops commit"
assert_eq "$(cfg show "dev:$overlay/dev/kustomization.yaml")" "$(expect dev "$dtag")" "dev overlay: kustomize edit set image"
assert_eq "$(count dev) $(count staging) $(count main)" "2 1 1" "only the dev branch moved"
assert_eq "$(grep -c 'GET /health HTTP/1.1" 200' "$T/www.log")" "$((checks + 1))" "dev health check"

# the same commit reaches staging: no rebuild, the dev image re-tagged;
# staging overlay on branch staging; integration and E2E against staging
: >"$T/tools.log"
ex_run staging run --event push --branch staging --sha "$sha"
assert_eq "$rc" 0 "push to staging"
assert_not_contains "$out" "STEP 1/" "built once: staging reuses the dev image"
stag=$(ex_tags backend | tr ' ' '\n' | grep "^staging-$sha7-")
assert_eq "$(ex_tags backend)" "$dtag dev-latest $stag staging-latest" "staging tags"
assert_eq "$(digest "backend:$stag")" "$(digest "backend:$dtag")" "the same artifact promoted"
assert_eq "$(digest frontend:staging-latest)" "$(digest "frontend:$dtag")" "frontend promoted too"
tools=$(cat "$T/tools.log")
assert_not_contains "$tools" "trivy" "the promoted image is not scanned again"
assert_contains "$tools" "npm run test:integration (BASE_URL=$STAGING_URL)" "integration tests against staging"
assert_contains "$tools" "npx playwright test (BASE_URL=$STAGING_URL)" "E2E tests against staging"
assert_eq "$(cfg log -1 --format=%s staging)" "deploy(staging): $stag" "staging gitops commit"
assert_eq "$(cfg show "staging:$overlay/staging/kustomization.yaml")" "$(expect staging "$stag")" "staging overlay"
assert_eq "$(count dev) $(count staging) $(count main)" "2 2 1" "only the staging branch moved"

# a hotfix merged to main: built, pushed, then the production gate (exit 3)
echo fix >>"$T/app/backend/server.js" && g add -A && g commit -qm "fix: resolve critical security issue" && sha2=$(g rev-parse HEAD)
ex_run main run --event push --branch main --sha "$sha2"
assert_eq "$rc" 3 "main waits for approval"
assert_contains "$out" "STEP 1/2: FROM scratch" "a new commit is built"
ptag=$(ex_tags backend | tr ' ' '\n' | grep "^prod-$(printf %.7s "$sha2")-")
assert_contains "$(ex_tags backend)" "$ptag prod-latest" "prod tags pushed before the gate"
assert_eq "$(count main)" 1 "production untouched before approval"
id=$(ex_approve_id)
assert_contains "$id" "-" "the run id is printed"
"$RP" approve "$id" production --as mallory >/dev/null 2>&1
assert_eq "$?" 2 "only devops-team approves"
"$RP" approve "$id" production --as devops-team >/dev/null 2>&1
assert_eq "$?" 0 "devops-team approves"
ex_run resume resume "$id"
assert_eq "$rc" 0 "resume deploys production"
assert_not_contains "$out" "STEP 1/" "resume does not rebuild"
assert_eq "$(cfg log -1 --format=%s main)" "deploy(production): $ptag" "production gitops commit on main"
assert_eq "$(cfg show "main:$overlay/production/kustomization.yaml")" "$(expect production "$ptag")" "production overlay"
assert_eq "$(cfg show "main:$overlay/dev/kustomization.yaml")" "$(orig dev)" "main's dev overlay untouched"

# a second release, then rp rollback production: back to the first prod tag,
# through the same gate, nothing built
echo feat >>"$T/app/frontend/index.html" && g add -A && g commit -qm "feat: analytics" && sha3=$(g rev-parse HEAD)
ex_run main2 run --event push --branch main --sha "$sha3"
ptag2=$(ex_tags backend | tr ' ' '\n' | grep "^prod-$(printf %.7s "$sha3")-")
"$RP" approve "$(ex_approve_id)" production --as devops-team >/dev/null 2>&1 && "$RP" resume "$(ex_approve_id)" >/dev/null 2>&1
assert_eq "$(cfg show "main:$overlay/production/kustomization.yaml")" "$(expect production "$ptag2")" "second release in production"
ex_run rb rollback production
assert_eq "$rc" 3 "a production rollback waits for approval"
assert_contains "$out" "rolling back production to $ptag with stage deploy_prod" "back to the previous prod image"
"$RP" approve "$(ex_approve_id)" production --as devops-team >/dev/null 2>&1
ex_run rb2 resume "$(ex_approve_id)"
assert_eq "$rc" 0 "rollback resumes"
assert_not_contains "$out" "STEP 1/" "rollback builds nothing"
assert_eq "$(cfg log -1 --format=%s main)" "deploy(production): $ptag" "rollback gitops commit"
assert_eq "$(cfg show "main:$overlay/production/kustomization.yaml")" "$(expect production "$ptag")" "production back on the first release"
assert_eq "$(tail -1 "$RP_STATE_DIR/history/production.ndjson" | grep -c '"rollback":true')" 1 "history marks the rollback"

# a CRITICAL vulnerability: nothing pushed, no gitops commit
echo bad >>"$T/app/backend/server.js" && g add -A && g commit -qm "feat: risky" && sha4=$(g rev-parse HEAD)
before=$(ex_tags backend)
TRIVY_CRITICAL=1 ex_run vuln run --event push --branch dev --sha "$sha4"
assert_eq "$rc" 1 "a CRITICAL vulnerability fails the build"
assert_eq "$(ex_tags backend)" "$before" "the vulnerable image is not pushed"
assert_eq "$(count dev)" 2 "dev not deployed"

# staging's integration suite fails: the run fails, E2E does not run, the
# deploy is recorded as failed
: >"$T/tools.log"
INTEGRATION_FAIL=1 ex_run st2 run --event push --branch staging --sha "$sha2"
assert_eq "$rc" 1 "failing integration tests fail staging"
assert_not_contains "$out" "STEP 1/" "the prod build of this commit is reused"
assert_not_contains "$(cat "$T/tools.log")" "playwright" "E2E skipped after the integration failure"
assert_eq "$(tail -1 "$RP_STATE_DIR/history/staging.ndjson" | grep -c '"result":"failed"')" 1 "history records the failed staging deploy"

# nightly retention against the registry: dev-* 7 days, staging-* 30,
# prod-* 90, *-latest always kept
now=$(date +%s)
old() { reg_push_image "$REGISTRY/backend:$1" "$1" "$((now - $2 * 86400))" || echo "push $1 failed"; }
old dev-0a0a0a0-20250101-000000 8
old dev-1b1b1b1-20250101-000000 2
old staging-2c2c2c2-20250101-000000 31
old staging-3d3d3d3-20250101-000000 20
old prod-4e4e4e4-20250101-000000 91
old prod-5f5f5f5-20250101-000000 60
keep=$(ex_tags backend | tr ' ' '\n' | grep -v -e 0a0a0a0 -e 2c2c2c2 -e 4e4e4e4 | tr '\n' ' ' | sed 's/ $//')
ex_run ret run --event schedule --schedule "0 3 * * *"
assert_eq "$rc" 0 "retention runs"
assert_eq "$(ex_tags backend)" "$keep" "old dev, staging and prod tags deleted, the rest kept"
assert_contains "$(ex_tags backend)" "dev-latest" "dev-latest kept"
assert_not_contains "$out" "STEP 1/" "retention builds nothing"
finish
