/* test_yaml.c — yaml.read/get/set/delete: typing, paths, errors, and
 * in-place edits byte-compared with expected files under
 * tests/fixtures/yaml/ (values files, Argo CD Applications, kustomizations). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_yaml.h"
#include "prim/yaml.h"

static const char *fixtures;

static char *fixture_path(const char *name) { return xasprintf("%s/%s", fixtures, name); }

static char *slurp(const char *name, size_t *len) {
  char *p = fixture_path(name);
  char *t = read_file(p, len);
  if (!t) fprintf(stderr, "cannot read %s\n", p);
  free(p);
  return t;
}

/* A value written as YAML in the test (the loader is tested separately). */
static Value yv(const char *text) {
  Value v = V_NULL_VALUE;
  char *err = NULL;
  if (!yaml_load(text, strlen(text), "test", &v, &err)) {
    fprintf(stderr, "bad test value %s: %s\n", text, err);
    free(err);
    abort();
  }
  return v;
}

static char *show(Value v) {
  Buf b = {0};
  json_encode(v, &b, false);
  return buf_take(&b);
}

/* ---- typing -------------------------------------------------------------- */

static void check_scalar(const char *text, ValueKind kind, const char *json) {
  Value v = yv(text);
  checks_run++;
  char *s = show(v);
  if (v.kind != kind || strcmp(s, json) != 0) {
    checks_failed++;
    fprintf(stderr, "typing of [%s]: got %s %s, want %s\n", text, value_type_name(v), s, json);
  }
  free(s);
  value_release(v);
}

static void test_core_schema(void) {
  check_scalar("~", V_NULL, "null");
  check_scalar("null", V_NULL, "null");
  check_scalar("NULL", V_NULL, "null");
  check_scalar("true", V_BOOL, "true");
  check_scalar("False", V_BOOL, "false");
  check_scalar("yes", V_STRING, "\"yes\""); /* YAML 1.2: no longer a bool */
  check_scalar("on", V_STRING, "\"on\"");
  check_scalar("42", V_INT, "42");
  check_scalar("-17", V_INT, "-17");
  check_scalar("+3", V_INT, "3");
  check_scalar("0o17", V_INT, "15");
  check_scalar("0x1F", V_INT, "31");
  check_scalar("0777", V_INT, "777"); /* decimal in 1.2 */
  check_scalar("\"42\"", V_STRING, "\"42\"");
  check_scalar("'true'", V_STRING, "\"true\"");
  check_scalar("!!str 1.0", V_STRING, "\"1.0\"");
  check_scalar("!!int \"7\"", V_INT, "7");
  check_scalar("!!float 1", V_FLOAT, "1.0");
  check_scalar("v1.2.0", V_STRING, "\"v1.2.0\"");
  check_scalar("1.2.3", V_STRING, "\"1.2.3\"");
  check_scalar("sha-abc1234", V_STRING, "\"sha-abc1234\"");
  check_scalar("100m", V_STRING, "\"100m\"");
  check_scalar("1e3", V_FLOAT, "1000.0");
  check_scalar("9223372036854775807", V_INT, "9223372036854775807");
  check_scalar("\"a\\tb\"", V_STRING, "\"a\\tb\"");

  Value v = yv("1.5");
  CHECK(v.kind == V_FLOAT && v.as.f == 1.5);
  v = yv("-.inf");
  CHECK(v.kind == V_FLOAT && isinf(v.as.f) && v.as.f < 0);
  v = yv(".nan");
  CHECK(v.kind == V_FLOAT && isnan(v.as.f));
  v = yv("99999999999999999999"); /* beyond int64: a float, not a wrong int */
  CHECK(v.kind == V_FLOAT && v.as.f > 9.9e19);
  v = yv("");
  CHECK(v.kind == V_NULL);
  v = yv("# nothing but a comment\n");
  CHECK(v.kind == V_NULL);
  v = yv("---\n");
  CHECK(v.kind == V_NULL);
  v = yv("---\nk: 1\n---\n"); /* a trailing separator opens no second document */
  CHECK(v.kind == V_MAP && map_get(v, "k").as.i == 1);
  value_release(v);
}

static void test_structure(void) {
  /* maps keep the file's order, not a sorted one */
  Value v = yv("zeta: 1\nalpha: 2\nmid: [a, {b: c}]\n");
  char *s = show(v);
  CHECK_STR(s, "{\"zeta\":1,\"alpha\":2,\"mid\":[\"a\",{\"b\":\"c\"}]}");
  free(s);
  value_release(v);

  /* a key may hold a NUL byte, and differs from the key cut there */
  v = yv("\"a\\0b\": 1\na: 2\n");
  s = show(v);
  CHECK_STR(s, "{\"a\\u0000b\":1,\"a\":2}");
  free(s);
  value_release(v);

  /* anchors, aliases and merge keys */
  Value a;
  char *err = NULL;
  char *p = fixture_path("anchors.yaml");
  CHECK(yaml_read_file(p, &a, &err));
  free(p);
  s = show(a);
  CHECK_STR(s, "{\"defaults\":{\"cpu\":\"100m\",\"memory\":\"128Mi\"},"
               "\"worker\":{\"cpu\":\"100m\",\"memory\":\"512Mi\"},"
               "\"api\":{\"resources\":{\"cpu\":\"100m\",\"memory\":\"128Mi\"}}}");
  free(s);
  value_release(a);

  /* several documents on request */
  CHECK(yaml_load_all("a: 1\n---\nb: 2\n", 14, "two.yaml", &a, &err));
  s = show(a);
  CHECK_STR(s, "[{\"a\":1},{\"b\":2}]");
  free(s);
  value_release(a);
}

/* ---- errors ---------------------------------------------------------------- */

/* Loading (or getting) `name` fails with a message starting with the
 * fixture's path and containing `want`. */
static void check_load_error(const char *text, const char *name, const char *want) {
  Value v;
  char *err = NULL;
  bool ok = yaml_load(text, strlen(text), name, &v, &err);
  checks_run++;
  if (ok || !err || strncmp(err, name, strlen(name)) != 0 || !strstr(err, want)) {
    checks_failed++;
    fprintf(stderr, "load error for %s: got [%s], want [%s...%s]\n", name, ok ? "success" : err,
            name, want);
  }
  if (ok) value_release(v);
  free(err);
}

static void check_file_error(const char *fixture, const char *ypath, const char *want) {
  char *p = fixture_path(fixture);
  Value v;
  char *err = NULL;
  bool ok = ypath ? yaml_get_file(p, ypath, &v, &err) : yaml_read_file(p, &v, &err);
  checks_run++;
  if (ok || !err || strncmp(err, p, strlen(p)) != 0 || !strstr(err, want)) {
    checks_failed++;
    fprintf(stderr, "error for %s %s: got [%s], want [%s...%s]\n", fixture, ypath ? ypath : "",
            ok ? "success" : err, p, want);
  }
  if (ok) value_release(v);
  free(err);
  free(p);
}

static void check_edit_error(const char *text, const char *path, const char *value,
                             const char *want) {
  char *out = NULL, *err = NULL;
  size_t outlen;
  Value v = yv(value);
  const char *name = want; /* the file name is what `want` starts with */
  size_t nlen = strcspn(want, ":");
  char *fname = xstrndup(name, nlen);
  bool ok = yaml_set_text(text, strlen(text), fname, path, v, &out, &outlen, &err);
  checks_run++;
  if (ok || !err || !strstr(err, want)) {
    checks_failed++;
    fprintf(stderr, "edit error for %s: got [%s], want [%s]\n", path, ok ? out : err, want);
  }
  free(out);
  free(err);
  free(fname);
  value_release(v);
}

static void test_errors(void) {
  check_file_error("bad-multidoc.yaml", NULL, ":4:1: the file holds 2 YAML documents");
  check_file_error("bad-tabs.yaml", NULL, ":3:1: tab character in indentation");
  check_file_error("bad-laughs.yaml", NULL, "billion laughs");
  check_file_error("no-such-file.yaml", NULL, "cannot read: No such file or directory");
  check_file_error("staging-values.yaml", "image.tag.major",
                   "path 'image.tag.major': cannot look up key 'major' in a value of type string "
                   "(at 'image.tag')");
  check_file_error("staging-values.yaml", "env[5].name",
                   "path 'env[5].name': index [5] is out of range: the list has 2 items "
                   "(at 'env')");
  check_file_error("staging-values.yaml", "image[0]", "cannot index a value of type map");
  check_file_error("staging-values.yaml", "image..tag",
                   "bad path 'image..tag' at offset 6: empty key");
  check_file_error("staging-values.yaml", "env[x]", "expected an index or a quoted key");
  check_file_error("staging-values.yaml", "\"image.tag", "unterminated quoted key");
  check_file_error("staging-values.yaml", "image.", "path ends with '.'");

  check_load_error("a: 1\na: 2\n", "dup.yaml", "dup.yaml:2:1: duplicate key 'a'");
  check_load_error("a: *nope\n", "alias.yaml", "alias.yaml:1:4: alias *nope refers to no anchor");
  check_load_error("a: [1, 2\n", "flow.yaml", "flow.yaml:2:1: did not find expected");
  check_load_error("a: b: c\n", "colon.yaml", "colon.yaml:1:5: mapping values are not allowed");
  check_load_error("a: !!int ten\n", "tag.yaml", "tag.yaml:1:4: 'ten' is not a valid !!int");
  check_load_error("? [a, b]\n: c\n", "key.yaml", "only scalar mapping keys");
  check_load_error("a: \"\xff\"\n", "utf8.yaml", "utf8.yaml");
  check_load_error("key:\n  - a\n\t- b\n", "tab2.yaml", "tab2.yaml:3:1: tab character");
  /* valid YAML 1.2 that libyaml refuses: said so, at the place */
  check_load_error("%FOO bar\n---\na: 1\n", "res.yaml",
                   "res.yaml:1:5: found unknown directive name (libyaml refuses directives other than %YAML and %TAG");
  check_load_error("%YAML 1.3\n---\na: 1\n", "v13.yaml", "v13.yaml:1:1: found incompatible YAML document (libyaml reads");
  check_load_error("a: &x.y 1\nb: *x.y\n", "anchor.yaml",
                   "anchor.yaml:1:6: did not find expected alphabetic or numeric character (libyaml allows only letters, digits, '-' and '_' in anchor names)");
  check_load_error("a: 1\nb: *x.y\n", "alias.yaml", "alias.yaml:2:6: did not find expected alphabetic or numeric character (libyaml allows only letters, digits, '-' and '_' in alias names)");
  check_load_error("a: &x:y 1\nb: *x:y\n", "anchor2.yaml", "anchor2.yaml:2:6: did not find expected key");

  /* nesting deep enough to exhaust a naive recursive reader */
  size_t depth = 100000;
  char *deep = xmalloc(depth + 1);
  memset(deep, '[', depth);
  deep[depth] = 0;
  check_load_error(deep, "deep.yaml", "nesting deeper than");
  free(deep);

  /* edits refuse what they cannot do safely, naming the file */
  check_edit_error("a: 1\n---\na: 2\n", "a", "3", "two.yaml:3:1: the file holds 2 YAML documents");
  check_edit_error("x: &a {k: 1}\ny: *a\n", "y.k", "2",
                   "x.yaml: path 'y.k': goes through the alias *a (line 2)");
  check_edit_error("image: v1\n", "image.tag", "v2",
                   "v.yaml: path 'image.tag': cannot look up key 'tag' in a scalar (at 'image')");
  check_edit_error("l: [a]\n", "l[3]", "x", "l.yaml: path 'l[3]': index [3] is out of range");
  check_edit_error("a: 1\n", "b[0]", "x", "cannot create a list item [0] under a missing key");
  check_edit_error("a:\n\tb: 1\n", "a.b", "2", "t.yaml:2:1: tab character in indentation");
  check_edit_error("%TAG ! tag:x,2024:\n%PROJECT sample\n---\nimage:\n  tag: v1\n", "image.tag", "\"v2\"",
                   "values.yaml:2:9: found unknown directive name (libyaml refuses");
  check_edit_error("a: 1\na: 2\n", "b", "2", "d.yaml:2:1: duplicate key 'a'");
  /* an explicit key with no ':' has no place for a value */
  check_edit_error("? a\nb: 1\n", "a", "5",
                   "e.yaml:1:3: cannot edit this key: it has no ':' after it");
  check_edit_error("? !t:\nc: 1\n", "[\"\"]", "5", /* nor is a tag's */
                   "e.yaml:1:3: cannot edit this key: it has no ':' after it");
  check_edit_error("? a # b:\nc: 1\n", "a", "5", /* a comment's ':' is none */
                   "e.yaml:1:3: cannot edit this key: it has no ':' after it");
  /* a directive after the document, with no `...` before it */
  check_edit_error("k: 1\n%YAML 1.2\n---\n", "k", "2",
                   "d.yaml:2:1: cannot edit a file with a directive after its document");
  /* a lone carriage return is a line break to YAML, not to the editor */
  check_edit_error("a: 1 # x\rb: 2\n", "a", "3",
                   "cr.yaml:1:9: cannot edit a file with a carriage return not followed by a line "
                   "feed");
  /* deleting an anchor that an alias still uses would break the file */
  char *out = NULL, *err = NULL;
  size_t outlen;
  const char *an = "a: &a [1, 2]\nb: *a\n";
  CHECK(!yaml_delete_text(an, strlen(an), "an.yaml", "a", &out, &outlen, &err));
  CHECK(err && strstr(err, "an.yaml: path 'a': the edit would leave the file unreadable") == err &&
        strstr(err, "alias *a refers to no anchor"));
  free(err);
}

/* ---- get ------------------------------------------------------------------ */

static void check_get(const char *fixture, const char *ypath, const char *json) {
  char *p = fixture_path(fixture), *err = NULL;
  Value v;
  checks_run++;
  if (!yaml_get_file(p, ypath, &v, &err)) {
    checks_failed++;
    fprintf(stderr, "get %s %s: %s\n", fixture, ypath, err);
    free(err);
  } else {
    char *s = show(v);
    if (strcmp(s, json) != 0) {
      checks_failed++;
      fprintf(stderr, "get %s %s: got %s, want %s\n", fixture, ypath, s, json);
    }
    free(s);
    value_release(v);
  }
  free(p);
}

static void check_get_text(const char *text, const char *ypath, const char *json) {
  Value v;
  char *err = NULL;
  checks_run++;
  if (!yaml_get(text, strlen(text), "t.yaml", ypath, &v, &err)) {
    checks_failed++;
    fprintf(stderr, "get %s: %s\n", ypath, err);
    free(err);
    return;
  }
  char *s = show(v);
  if (strcmp(s, json) != 0) {
    checks_failed++;
    fprintf(stderr, "get %s: got %s, want %s\n", ypath, s, json);
  }
  free(s);
  value_release(v);
}

static void test_get(void) {
  /* path syntax */
  const char *q = "it's:\n  x: 1\nports:\n  80: http\n\"a.b\":\n  \"c\\\"d\": 2\na b: 3\n";
  check_get_text(q, "'it''s'.x", "1");
  check_get_text(q, "[\"it's\"].x", "1");
  check_get_text(q, "ports.80", "\"http\"");
  check_get_text(q, "[\"a.b\"][\"c\\\"d\"]", "2");
  check_get_text(q, "\"a.b\".\"c\\\"d\"", "2");
  check_get_text(q, "a b", "3");
  check_get_text(q, ".",
                 "{\"it's\":{\"x\":1},\"ports\":{\"80\":\"http\"},\"a.b\":{\"c\\\"d\":2},"
                 "\"a b\":3}");

  check_get("app-staging.yaml", "spec.source.targetRevision", "\"0.1.0-sha-abc1234\"");
  check_get("app-staging.yaml", ".spec.source.targetRevision", "\"0.1.0-sha-abc1234\"");
  check_get("app-staging.yaml", "spec.source.helm.valueFiles[0]",
            "\"$values/environments/staging/values.yaml\"");
  check_get("app-staging.yaml", "spec.syncPolicy.automated",
            "{\"prune\":true,\"selfHeal\":true}");
  check_get("app-dex-dev.yaml", "spec.source.targetRevision", "\"dev\"");
  check_get("uat-values.yaml", "containers[0].image", "\"sample-app:v1.2.0-rc.1\"");
  check_get("uat-values.yaml", "containers[-1].name", "\"metrics-sidecar\"");
  check_get("uat-values.yaml", "containers[0].ports[0].containerPort", "8080");
  check_get("staging-values.yaml", "image.tag", "\"sha-abc1234\"");
  check_get("staging-values.yaml", "replicaCount", "2");
  check_get("staging-values.yaml", "ingress.enabled", "true");
  check_get("staging-values.yaml", "image.digest", "null");      /* absent key */
  check_get("staging-values.yaml", "missing.deeper.still", "null");
  check_get("prod-values.yaml", "nodeSelector[\"kubernetes.io/os\"]", "\"linux\"");
  check_get("prod-values.yaml", "nodeSelector.\"kubernetes.io/os\"", "\"linux\"");
  check_get("prod-values.yaml", "nodeSelector.'kubernetes.io/os'", "\"linux\"");
  check_get("prod-values.yaml", "podAnnotations", "{}");
  check_get("app-image-updater.yaml",
            "metadata.annotations[\"argocd-image-updater.argoproj.io/controller.allow-tags\"]",
            "\"regexp:^v[0-9]+\\\\.[0-9]+\\\\.[0-9]+$\"");
  check_get("kustomization.yaml", "images[0].newTag", "\"sha-a1b2c3d4\"");
  check_get("kustomization.yaml", "replicas[0]", "{\"name\":\"dex\",\"count\":1}");
  check_get("flow.yaml", "args[1]", "\"--port=8080\"");
  check_get("anchors.yaml", "worker.memory", "\"512Mi\"");
  check_get("kustomization.yaml", "", "{\"apiVersion\":\"kustomize.config.k8s.io/v1beta1\","
            "\"kind\":\"Kustomization\",\"namespace\":\"dex-dev\",\"resources\":[\"../../base\"],"
            "\"images\":[{\"name\":\"data-literate/dex\",\"newTag\":\"sha-a1b2c3d4\"}],"
            "\"replicas\":[{\"name\":\"dex\",\"count\":1}]}");
}

/* ---- edits, byte-compared --------------------------------------------------- */

typedef struct EditCase {
  const char *input, *path, *value; /* value NULL: delete */
  const char *expected;
} EditCase;

static const EditCase edits[] = {
    {"staging-values.yaml", "image.tag", "sha-def5678", "staging-tag.yaml"},
    {"staging-values.yaml", "env[1].value", "beta-dashboard", "staging-env-value.yaml"},
    {"staging-values.yaml", "resources.limits.cpu", "500m", "staging-limits-cpu.yaml"},
    {"staging-values.yaml", "podLabels", "{team: payments, tier: backend}", "staging-new-map.yaml"},
    {"staging-values.yaml", "ingress.hosts[0].paths", NULL, "staging-del-paths.yaml"},
    {"staging-values.yaml", "env[0]", NULL, "staging-del-env0.yaml"},
    {"staging-values.yaml", "ingress", NULL, "staging-del-ingress.yaml"},
    {"staging-values.yaml", "image.tag", NULL, "staging-del-tag.yaml"},
    {"prod-values.yaml", "image.tag", "v1.3.0", "prod-tag.yaml"},
    {"prod-values.yaml", "podAnnotations[\"checksum/config\"]", "3f2a9c", "prod-annotation.yaml"},
    {"prod-values.yaml", "tolerations",
     "[{key: dedicated, operator: Equal, value: web, effect: NoSchedule}]",
     "prod-tolerations.yaml"},
    {"prod-values.yaml", "nodeSelector.\"topology.kubernetes.io/zone\"", "us-east-1a",
     "prod-zone.yaml"},
    {"prod-values.yaml", "nodeSelector[\"kubernetes.io/os\"]", NULL, "prod-del-os.yaml"},
    {"prod-values.yaml", "autoscaling", "{enabled: false}", "prod-autoscaling-off.yaml"},
    {"uat-values.yaml", "containers[0].image", "sample-app:v1.2.0", "uat-image.yaml"},
    {"uat-values.yaml", "containers[2]", "{name: debug, image: 'busybox:1.36'}", "uat-append.yaml"},
    {"uat-values.yaml", "containers[0].env", "[{name: SPRING_PROFILES_ACTIVE, value: uat}]",
     "uat-env.yaml"},
    {"uat-values.yaml", "containers[0].name", NULL, "uat-del-name.yaml"},
    {"uat-values.yaml", "containers[1]", NULL, "uat-del-sidecar.yaml"},
    {"app-staging.yaml", "spec.source.targetRevision", "0.2.0-sha-def5678",
     "app-staging-revision.yaml"},
    {"app-staging.yaml", "spec.source.helm.parameters", "[{name: image.tag, value: '1.2'}]",
     "app-staging-params.yaml"},
    {"app-staging.yaml", "spec.syncPolicy.syncOptions[1]", "PruneLast=true",
     "app-staging-syncopt.yaml"},
    {"app-staging.yaml", "spec.syncPolicy.automated", NULL, "app-staging-del-automated.yaml"},
    {"app-dex-dev.yaml", "spec.source.targetRevision", "main", "app-dex-main.yaml"},
    {"app-dex-dev.yaml", "spec.destination.server", "https://kubernetes.default.svc",
     "app-dex-ns.yaml"},
    {"app-image-updater.yaml",
     "metadata.annotations[\"argocd-image-updater.argoproj.io/write-back-method\"]", "git",
     "updater-git.yaml"},
    {"app-image-updater.yaml",
     "metadata.annotations[\"argocd-image-updater.argoproj.io/write-back-method\"]", NULL,
     "updater-del.yaml"},
    {"kustomization.yaml", "images[0].newTag", "sha-99999999", "kustomize-tag.yaml"},
    {"kustomization.yaml", "replicas[0].count", "3", "kustomize-count.yaml"},
    {"eks-prod.yaml", "image.tag", "v1.2.0", "eks-prod-tag.yaml"},
    {"eks-prod.yaml", "podDisruptionBudget.minAvailable", "3", "eks-prod-pdb.yaml"},
    {"eks-prod.yaml", "ingress.annotations[\"alb.ingress.kubernetes.io/scheme\"]", "internal",
     "eks-prod-scheme.yaml"},
    {"eks-prod.yaml", "networkPolicy.egress[1]", NULL, "eks-prod-del-egress.yaml"},
    {"eks-prod.yaml", "securityContext.capabilities.drop[1]", "NET_RAW", "eks-prod-drop.yaml"},
    {"eks-prod.yaml", "ingress.annotations[\"alb.ingress.kubernetes.io/certificate-arn\"]",
     "'arn:aws:acm:us-east-1:123456789012:certificate/abc'", "eks-prod-cert.yaml"},
    {"overlay-dev-kustomization.yaml", "images[0].newTag", "dev-4f2c1a9", "overlay-dev-tag.yaml"},
    {"overlay-dev-kustomization.yaml", "replicas[1].count", "2", "overlay-dev-count.yaml"},
    {"overlay-dev-kustomization.yaml", "images[2]",
     "{name: worker, newName: registry.digitalocean.com/ai-incident-assistant/worker, "
     "newTag: dev-latest}",
     "overlay-dev-image.yaml"},
    {"app-ai-incident-dev.yaml", "spec.source.targetRevision", "main", "app-ai-main.yaml"},
    {"app-ai-incident-dev.yaml", "spec.syncPolicy.syncOptions", "[CreateNamespace=true]",
     "app-ai-syncopts.yaml"},
    {"flow.yaml", "app.port", "9090", "flow-port.yaml"},
    {"flow.yaml", "app.host", "example.com", "flow-host.yaml"},
    {"flow.yaml", "args[2]", "--debug", "flow-append.yaml"},
    {"flow.yaml", "empty.x", "1", "flow-empty.yaml"},
    {"flow.yaml", "args[0]", NULL, "flow-del.yaml"},
    {"flow.yaml", "app.port", NULL, "flow-del-last.yaml"},
};

/* Run one edit on the fixture's text; compare with the expected file byte
 * for byte; then read the result back: the edited path must hold the new
 * value (or be gone), so the edit is also right semantically. */
static void check_edit(const EditCase *c) {
  size_t len, wantlen, outlen;
  char *text = slurp(c->input, &len);
  char *exp = xasprintf("expected/%s", c->expected);
  char *want = slurp(exp, &wantlen);
  free(exp);
  char *out = NULL, *err = NULL;
  Value v = c->value ? yv(c->value) : V_NULL_VALUE;
  bool ok = c->value ? yaml_set_text(text, len, c->input, c->path, v, &out, &outlen, &err)
                     : yaml_delete_text(text, len, c->input, c->path, &out, &outlen, &err);
  checks_run++;
  if (!ok || !want) {
    checks_failed++;
    fprintf(stderr, "%s %s %s: %s\n", c->value ? "set" : "delete", c->input, c->path,
            err ? err : "no expected file");
  } else if (outlen != wantlen || memcmp(out, want, outlen) != 0) {
    checks_failed++;
    fprintf(stderr, "%s %s %s: output differs from expected/%s:\n---\n%.*s---\n",
            c->value ? "set" : "delete", c->input, c->path, c->expected, (int)outlen, out);
  } else if (c->value || c->path[strlen(c->path) - 1] != ']') { /* list deletes shift items */
    Value got;
    checks_run++;
    if (!yaml_get(out, outlen, c->expected, c->path, &got, &err)) {
      checks_failed++;
      fprintf(stderr, "reading back %s: %s\n", c->path, err);
    } else {
      if (!value_equal(got, v)) {
        checks_failed++;
        fprintf(stderr, "reading back %s %s: wrong value\n", c->expected, c->path);
      }
      value_release(got);
    }
  }
  free(err);
  free(out);
  free(want);
  free(text);
  value_release(v);
}

static void test_edits(void) {
  for (size_t i = 0; i < sizeof edits / sizeof *edits; i++) check_edit(&edits[i]);
}

/* Edits on small inline documents: the corner cases of layout. */
static void check_set(const char *text, const char *path, const char *value, const char *want) {
  char *out = NULL, *err = NULL;
  size_t outlen;
  Value v = value ? yv(value) : V_NULL_VALUE;
  bool ok = value ? yaml_set_text(text, strlen(text), "t.yaml", path, v, &out, &outlen, &err)
                  : yaml_delete_text(text, strlen(text), "t.yaml", path, &out, &outlen, &err);
  checks_run++;
  if (!ok || strlen(out) != outlen || strcmp(out, want) != 0) {
    checks_failed++;
    fprintf(stderr, "edit [%s] %s=%s:\n got [%s]\nwant [%s]\n", text, path, value ? value : "(del)",
            ok ? out : err, want);
  }
  free(out);
  free(err);
  value_release(v);
}

static void test_edit_corners(void) {
  /* quoting: the old style is kept when the new value allows it */
  check_set("a: 'x'  # keep\n", "a", "y", "a: 'y'  # keep\n");
  check_set("a: \"x\"\n", "a", "'it''s'", "a: \"it's\"\n");
  check_set("a: 'x'\n", "a", "'it''s'", "a: 'it''s'\n");
  check_set("a: x\n", "a", "'1.0'", "a: \"1.0\"\n"); /* a string that looks like a float */
  check_set("a: x\n", "a", "'true'", "a: \"true\"\n");
  check_set("a: x\n", "a", "'yes'", "a: \"yes\"\n"); /* YAML 1.1 readers would see a bool */
  check_set("a: x\n", "a", "'a: b'", "a: \"a: b\"\n");
  check_set("a: x\n", "a", "'#x'", "a: \"#x\"\n");
  check_set("a: x\n", "a", "''", "a: \"\"\n");
  check_set("a: x\n", "a", "':8080'", "a: :8080\n");
  check_set("a: [x]\n", "a[0]", "':8080'", "a: [\":8080\"]\n"); /* not plain in flow style */
  check_set("a: [x]\n", "a[0]", "'a,b'", "a: [\"a,b\"]\n");
  check_set("a: x\n", "a", "'1:20'", "a: \"1:20\"\n"); /* sexagesimal to YAML 1.1 */
  check_set("a: \"x\"\n", "a", "2", "a: 2\n"); /* a number is written as a number */
  check_set("a: x\n", "a", "null", "a: null\n");
  check_set("a: x\n", "a", "1.5", "a: 1.5\n");
  check_set("a: x\n", "a", "!!float 2", "a: 2.0\n");
  check_set("a: x\n", "a", "\"tab\\there\"", "a: \"tab\\there\"\n");
  /* anchors and tags on the edited scalar stay */
  check_set("a: &v !!str 12\nb: *v\n", "a", "'13'", "a: &v !!str \"13\"\nb: *v\n");
  /* an anchor's name ends at a `?` or `:`, the value after it */
  check_set("&h?h\n", "", "true", "&h true\n");
  check_set("k: &a:b\nj: *a\n", "k", "1", "k: &a 1\nj: *a\n");
  /* an anchor or tag with no value after it gets a space before the new one */
  check_set("&h\n", "", "5", "&h 5\n");
  check_set("a: [&x, !t ]\n", "a[0]", "5", "a: [&x 5, !t ]\n");
  check_set("a: [&x, !t ]\n", "a[1]", "s", "a: [&x, !t s ]\n");
  /* but not a tag that would make the new value read as another */
  check_set("a: &v !!str 12\nb: *v\n", "a", "13", "a: &v 13\nb: *v\n");
  check_set("a: ! x\n", "a", "true", "a: true\n");
  check_set("a: [!t x, !!float 1]\n", "a[0]", "1", "a: [1, !!float 1]\n");
  check_set("a: !!float 1\n", "a", "2.5", "a: !!float 2.5\n");
  check_set("!t\n- a\n", "", "~", "null\n"); /* a collection's tag, on the line above it */
  check_set("- &x !t\n  - a\n- *x\n", "[0]", "5", "- &x 5\n- *x\n");
  check_set("a: &a [1, 2]\nb: *a\n", "a", "[3]", "a: &a [3]\nb: *a\n");
  check_set("c: &c\n  k: 1\nd: *c\n", "c", "5", "c: &c 5\nd: *c\n");
  check_set("c: &c\n  k: 1\nd: *c\n", "c", "{z: 1}", "c: &c\n  z: 1\nd: *c\n");
  check_set("a: &a 1  # n\nb: *a\n", "a", "{x: 1}", "a: &a  # n\n  x: 1\nb: *a\n");
  /* an alias itself can be replaced */
  check_set("a: &v 1\nb: *v\n", "b", "2", "a: &v 1\nb: 2\n");
  /* null values, written or not, become mappings */
  check_set("k:\nz: 1\n", "k.a", "b", "k:\n  a: b\nz: 1\n");
  check_set("k:   # note\nz: 1\n", "k", "5", "k: 5   # note\nz: 1\n");
  check_set("k: ~\n", "k.x.y", "1", "k:\n  x:\n    \"y\": 1\n");
  check_set("k:   # note\n", "k", "[1, 2]", "k:   # note\n  - 1\n  - 2\n");
  /* block scalars */
  check_set("s: |\n  one\n  two\n\nafter: 1\n", "s", "\"three\\n\"",
            "s: |\n  three\n\nafter: 1\n");
  check_set("s: |\n    one\nafter: 1\n", "s", "\"a\\nb\"", "s: |-\n    a\n    b\nafter: 1\n");
  check_set("s: |\n  one\nafter: 1\n", "s", "x", "s: x\nafter: 1\n");
  check_set("a: 1\n", "s", "\"l1\\nl2\\n\"", "a: 1\ns: |\n  l1\n  l2\n");
  /* a comment after a value never ends up inside a literal block */
  check_set("a: x  # c\nb: 1\n", "a", "\"l1\\nl2\"", "a: |-  # c\n  l1\n  l2\nb: 1\n");
  check_set("l:\n  - x  # c\n", "l[0]", "{t: \"a\\nb\\n\"}", "l:\n  - t: |\n      a\n      b\n");
  check_set("m:\n  k: v  # c\nz: 1\n", "m", "{t: \"a\\nb\\n\"}",
            "m:\n  t: |\n    a\n    b\nz: 1\n");
  /* files without a final newline, empty files, comment-only files */
  check_set("a: 1", "b", "2", "a: 1\nb: 2\n");
  check_set("a: 1", "a", "3", "a: 3");
  check_set("", "x", "[1, 2]", "x:\n  - 1\n  - 2\n");
  check_set("# just a comment\n", "a.b", "1", "# just a comment\na:\n  b: 1\n");
  /* the root itself */
  check_set("a: 1  # c\n", "", "{x: 1}", "x: 1\n"); /* the replaced block's comment goes */
  check_set("a: 1\n", ".", "{x: {y: 2}}", "x:\n  \"y\": 2\n");
  /* indentation follows the file */
  check_set("a:\n    b: 1\nl:\n- x\n", "c", "{d: [1]}",
            "a:\n    b: 1\nl:\n- x\nc:\n    d:\n    - 1\n");
  check_set("top:\n   mid:\n      x: 1\n", "top.mid.z", "2",
            "top:\n   mid:\n      x: 1\n      z: 2\n");
  /* nested lists and compact items */
  check_set("a:\n  - [1, 2]\n  - - x\n    - y\n", "a[0][1]", "5",
            "a:\n  - [1, 5]\n  - - x\n    - y\n");
  check_set("a:\n  - [1, 2]\n  - - x\n    - y\n", "a[1][0]", NULL, "a:\n  - [1, 2]\n  - - y\n");
  check_set("l:\n  - a\n", "l[0]", "{k: v, w: [1]}", "l:\n  - k: v\n    w:\n      - 1\n");
  check_set("l:\n  - a\n  - b\n", "l[-1]", "c", "l:\n  - a\n  - c\n");
  /* deletes: the entry's lines, its trailing comment, nothing else */
  check_set("# head\na: 1  # one\n\n# about b\nb:\n  c: 2\n  # tail\nd: 3\n", "b", NULL,
            "# head\na: 1  # one\n\n# about b\n  # tail\nd: 3\n");
  check_set("a:\n  only: 1\nb: 2\n", "a.only", NULL, "a: {}\nb: 2\n");
  check_set("l:\n  - x\nb: 2\n", "l[0]", NULL, "l: []\nb: 2\n");
  check_set("a: 1\n", "nothing.here", NULL, "a: 1\n"); /* absent: no change */
  check_set("a: {x: 1}\n", "a.x", NULL, "a: {}\n");
  /* a flow mapping's key written without ':' has a null value; setting it
   * writes the ':' (it used to write `{k""}`, the key `k""`) */
  check_set("m: {k, z: 1}\n", "m.k", "''", "m: {k: \"\", z: 1}\n");
  check_set("m: {\"k\"}\n", "m.k", "2", "m: {\"k\": 2}\n");
  check_set("m: {? k}\n", "m.k", "[1]", "m: {? k: [1]}\n");
  check_set("m: {k: , z}\n", "m.k", "v", "m: {k: v, z}\n");
  check_set("m: {!t, z: 1}\n", "m[\"\"]", "v", "m: {!t : v, z: 1}\n"); /* an empty key, tagged */
  check_set("m: {!t:, z: 1}\n", "m[\"\"]", "v", "m: {!t: : v, z: 1}\n"); /* the tag `!t:` */
  /* a text ending with a line break, written last in a file without one */
  check_set("a: 1", "a", "\"x\\ny\\n\"", "a: |\n  x\n  y\n");
  check_set("a: 1", "a", "{t: \"x\\ny\\n\"}", "a:\n  t: |\n    x\n    y\n");
  check_set("a: 1", "a", "\"x\\ny\"", "a: |-\n  x\n  y\n");
  check_set("a: 1", "a", "2", "a: 2");
  /* a literal block would take the more indented lines after it as its
   * text: then the text is written in double quotes */
  check_set("k: 1\n  # c\n", "a", "\"x\\ny\\n\"", "k: 1\na: \"x\\ny\\n\"\n  # c\n");
  check_set("k: 1\n\n    # c\nz: 2\n", "k", "\"x\\ny\\n\"", "k: \"x\\ny\\n\"\n\n    # c\nz: 2\n");
  check_set("k: 1\n    ", "a", "\"x\\ny\\n\"", "k: 1\na: \"x\\ny\\n\"\n    ");
  check_set("l:\n  - 1\n      # c\n", "l[1]", "{t: \"x\\ny\"}",
            "l:\n  - 1\n  - t: \"x\\ny\"\n      # c\n");
  check_set("l:\n  - 1\n    # c\n", "l[1]", "{t: \"x\\ny\"}", /* less indented: the block ends */
            "l:\n  - 1\n  - t: |-\n      x\n      y\n    # c\n");
  check_set("k: 1\n# c\nz: 2\n", "k", "\"x\\ny\\n\"", "k: |\n  x\n  y\n# c\nz: 2\n");
  check_set("? a\n:\nb: 1\n", "a", "5", "? a\n: 5\nb: 1\n"); /* explicit key, empty value */
  check_set("k: {}#\n", "k", "5", "k: 5 #\n"); /* `5#` would be the scalar */
  check_set("k: {}#\n", "k", "{a: 1}", "k: #\n  a: 1\n");
  check_set("k: \"x\"# c\n", "k", "\"a\\nb\\n\"", "k: | # c\n  a\n  b\n");
  check_set("k: 1\n...\n%YAML 1.2\n---\n", "k", "2", "k: 2\n...\n%YAML 1.2\n---\n");
  /* a list item with nothing after its dash becomes a block */
  check_set("-\n- b\n", "[0]", "[1, x]", "- - 1\n  - x\n- b\n");
  check_set("- # c\n- b\n", "[0]", "{k: v, j: w}", "- k: v\n  j: w\n- b\n");
  /* a mapping whose first key is explicit (`? a`) is replaced from its `?` */
  check_set("? a\nb: 1\n", "", "7", "7\n");
  check_set("- ? a\n  b: 1\n", "[0]", "{x: 1}", "- x: 1\n");
  check_set("# why?\nb: 1\n", "", "7", "# why?\n7\n"); /* not a comment's `?` */
  check_set("- # c\n  - a\n", "", "7", "7\n"); /* a list's first dash, before a comment */
  /* multi-byte characters before the edit point */
  check_set("é: \"ü\"  # ←\nb: x\n", "b", "z", "é: \"ü\"  # ←\nb: z\n");
  check_set("é: \"ü\"  # ←\nb: x\n", "é", "ö", "é: \"ö\"  # ←\nb: x\n");
  /* CRLF files get CRLF lines */
  check_set("a: 1\r\nb: 2\r\n", "c", "{d: 3}", "a: 1\r\nb: 2\r\nc:\r\n  d: 3\r\n");
  check_set("a: 1\r\nb: 2\r\n", "a", NULL, "b: 2\r\n");
}

/* ---- every path of every fixture ------------------------------------------ */

/* Path steps of the document, each as `["key"]` or `[i]`. */
static void collect_paths(Value v, const char *prefix, char ***paths, size_t *n, size_t *cap) {
  if (v.kind == V_MAP) {
    Map *m = as_map(v);
    for (size_t i = 0; i < m->n; i++) {
      Buf b = {0};
      buf_printf(&b, "%s[\"", prefix);
      for (const char *k = m->keys[i]->data; *k; k++) {
        if (*k == '"' || *k == '\\') buf_putc(&b, '\\');
        buf_putc(&b, *k);
      }
      buf_puts(&b, "\"]");
      char *p = buf_take(&b);
      VEC_PUSH(*paths, *n, *cap, p);
      collect_paths(m->vals[i], p, paths, n, cap);
    }
  } else if (v.kind == V_LIST) {
    for (size_t i = 0; i < list_len(v); i++) {
      char *p = xasprintf("%s[%zu]", prefix, i);
      VEC_PUSH(*paths, *n, *cap, p);
      collect_paths(list_get(v, i), p, paths, n, cap);
    }
  }
}

/* The same edit done on values: the document as yaml_set / yaml_delete
 * must leave it. The path's steps are found again with yaml_get's walk by
 * editing the parent, reached through its own path. */
static Value expected_after(const char *text, size_t len, const char *path, Value nv, bool del) {
  Value doc = V_NULL_VALUE, parent = V_NULL_VALUE;
  char *err = NULL;
  CHECK(yaml_load(text, len, "orig", &doc, &err));
  const char *last = strrchr(path, '[');
  char *ppath = xstrndup(path, (size_t)(last - path));
  CHECK(yaml_get(text, len, "orig", ppath, &parent, &err));
  value_release(parent);
  /* walk `doc` itself to the parent (yaml_get returned a copy of it) */
  Value cur = doc;
  for (const char *p = path; p < last;) {
    const char *close;
    if (p[1] == '"') {
      Buf k = {0};
      for (p += 2; *p != '"'; p++) {
        if (*p == '\\') p++;
        buf_putc(&k, *p);
      }
      close = p + 1;
      cur = map_get(cur, k.data ? k.data : "");
      buf_free(&k);
    } else {
      cur = list_get(cur, strtoul(p + 1, NULL, 10));
      close = strchr(p, ']');
    }
    p = close + 1;
  }
  if (last[1] == '"') {
    Buf k = {0};
    for (const char *p = last + 2; *p != '"'; p++) {
      if (*p == '\\') p++;
      buf_putc(&k, *p);
    }
    const char *key = k.data ? k.data : "";
    if (del) map_delete(cur, key);
    else map_set(cur, key, value_retain(nv));
    buf_free(&k);
  } else {
    size_t i = strtoul(last + 1, NULL, 10);
    if (del) { /* a list without item i */
      List *l = as_list(cur);
      value_release(l->items[i]);
      memmove(l->items + i, l->items + i + 1, (l->n - i - 1) * sizeof *l->items);
      l->n--;
    } else {
      list_set(cur, i, value_retain(nv));
    }
  }
  free(ppath);
  return doc;
}

static void check_path_edit(const char *name, const char *text, size_t len, const char *path,
                            Value nv, bool del) {
  char *out = NULL, *err = NULL;
  size_t outlen;
  bool ok = del ? yaml_delete_text(text, len, name, path, &out, &outlen, &err)
                : yaml_set_text(text, len, name, path, nv, &out, &outlen, &err);
  checks_run++;
  if (!ok) {
    checks_failed++;
    fprintf(stderr, "%s %s %s: %s\n", del ? "delete" : "set", name, path, err);
    free(err);
    return;
  }
  if (memchr(text, '\r', len)) { /* a CRLF file stays CRLF throughout */
    checks_run++;
    for (size_t i = 0; i < outlen; i++)
      if (out[i] == '\n' && (i == 0 || out[i - 1] != '\r')) {
        checks_failed++;
        fprintf(stderr, "%s %s (CRLF): a bare line feed at byte %zu\n", name, path, i);
        break;
      }
  }
  Value got, want = expected_after(text, len, path, nv, del);
  if (!yaml_load(out, outlen, name, &got, &err)) {
    checks_failed++;
    fprintf(stderr, "%s %s %s: the result does not parse: %s\n---\n%s---\n", del ? "delete" : "set",
            name, path, err, out);
    free(err);
  } else {
    if (!value_equal(got, want)) {
      checks_failed++;
      char *a = show(got), *b = show(want);
      fprintf(stderr, "%s %s %s: got %s\nwant %s\n---\n%s---\n", del ? "delete" : "set", name, path,
              a, b, out);
      free(a);
      free(b);
    }
    value_release(got);
  }
  value_release(want);
  free(out);
}

/* Set every node of every fixture to a scalar and to a block mapping, and
 * delete it: each result must parse and equal the same edit done on the
 * values, so no edit damages anything around it. */
static void test_every_path(void) {
  static const char *const files[] = {
      "staging-values.yaml", "prod-values.yaml",       "uat-values.yaml",    "app-staging.yaml",
      "app-dex-dev.yaml",    "app-image-updater.yaml", "kustomization.yaml", "flow.yaml",
      "styles.yaml",         "eks-prod.yaml",          "overlay-dev-kustomization.yaml",
      "app-ai-incident-dev.yaml"};
  Value scalar = v_cstr("new: value #1");
  Value block = yv("{added: true, items: [one, {k: v}], text: \"line 1\\nline 2\\n\"}");
  for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
    size_t len, n = 0, cap = 0;
    char *text = slurp(files[f], &len);
    Value doc;
    char *err = NULL;
    char **paths = NULL;
    CHECK(yaml_load(text, len, files[f], &doc, &err));
    collect_paths(doc, "", &paths, &n, &cap);
    for (size_t i = 0; i < n; i++) {
      check_path_edit(files[f], text, len, paths[i], scalar, false);
      check_path_edit(files[f], text, len, paths[i], block, false);
      check_path_edit(files[f], text, len, paths[i], V_NULL_VALUE, true);
    }
    /* the same file with CRLF line endings */
    Buf crlf = {0};
    for (size_t i = 0; i < len; i++) {
      if (text[i] == '\n') buf_putc(&crlf, '\r');
      buf_putc(&crlf, text[i]);
    }
    for (size_t i = 0; i < n; i++) {
      check_path_edit(files[f], crlf.data, crlf.len, paths[i], block, false);
      check_path_edit(files[f], crlf.data, crlf.len, paths[i], V_NULL_VALUE, true);
      free(paths[i]);
    }
    buf_free(&crlf);
    free(paths);
    value_release(doc);
    free(text);
  }
  value_release(scalar);
  value_release(block);
}

/* ---- encode ------------------------------------------------------------------ */

static void test_encode(void) {
  Value v = yv("name: web\nport: 8080\nratio: 0.5\ntags: [a, 'yes', '1.0', '', 'x: y']\n"
               "env: {A: \"1\"}\nnone: null\nempty: {}\nlist: []\nscript: \"a\\nb\\n\"\n"
               "nested: [[1, 2], {k: v}]\n");
  Buf b = {0};
  yaml_encode(v, &b);
  CHECK_STR(b.data, "name: web\nport: 8080\nratio: 0.5\ntags:\n  - a\n  - \"yes\"\n  - \"1.0\"\n"
                    "  - \"\"\n  - \"x: y\"\nenv:\n  A: \"1\"\nnone: null\nempty: {}\nlist: []\n"
                    "script: |\n  a\n  b\nnested:\n  - - 1\n    - 2\n  - k: v\n");
  /* and it reads back as the same value */
  Value back;
  char *err = NULL;
  CHECK(yaml_load(b.data, b.len, "enc", &back, &err));
  CHECK(value_equal(v, back));
  value_release(back);
  buf_free(&b);
  value_release(v);

  b = (Buf){0};
  yaml_encode(v_int(3), &b);
  CHECK_STR(b.data, "3\n");
  buf_free(&b);

  /* a byte order mark is quoted (at the start of a file a reader drops
   * it); characters YAML text cannot hold are escaped */
  static const char *const odd[][2] = {
      {"\xef\xbb\xbfH", "\"\xef\xbb\xbfH\"\n"},
      {"\xc2\x85|\xe2\x80\xa9|\xef\xbf\xbf|\x7f", "\"\\u0085|\\u2029|\\uffff|\\x7f\"\n"},
  };
  for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) {
    Value s = v_cstr(odd[i][0]);
    b = (Buf){0};
    yaml_encode(s, &b);
    CHECK_STR(b.data, odd[i][1]);
    CHECK(yaml_load(b.data, b.len, "enc", &back, &err));
    CHECK(value_equal(s, back));
    value_release(back);
    value_release(s);
    buf_free(&b);
  }

  /* a key of more than 1024 characters is written as an explicit one,
   * `? key` (libyaml takes no longer implicit key), in block and flow style */
  char key[1101], *path;
  memset(key, 'k', 1100);
  key[1100] = 0;
  Value m = v_map(), l = v_list(), inner = v_map();
  map_set(inner, key, v_int(2));
  list_push(l, inner);
  map_set(m, key, l);
  b = (Buf){0};
  yaml_encode(m, &b);
  CHECK(!strncmp(b.data, "? kkk", 5) && strstr(b.data, "k\n:\n  - ? kkk"));
  CHECK(strstr(b.data, "k\n    : 2\n"));
  CHECK(yaml_load(b.data, b.len, "enc", &back, &err));
  CHECK(value_equal(m, back));
  value_release(back);
  buf_free(&b);
  char *out = NULL;
  size_t outlen;
  path = xasprintf("a.%s", key);
  for (int flow = 0; flow < 2; flow++) {
    const char *doc = flow ? "a: {x: 1}\n" : "a:\n  x: 1\n";
    CHECK(yaml_set_text(doc, strlen(doc), "t.yaml", path, m, &out, &outlen, &err));
    CHECK(yaml_get(out, outlen, "t.yaml", path, &back, &err) && value_equal(m, back));
    value_release(back);
    free(out);
  }
  free(path);
  value_release(m);

  /* durations are written as text; a regex has no YAML form */
  CHECK(yaml_set_text("a: 1\n", 5, "t.yaml", "timeout", v_duration(5400000), &out, &outlen, &err));
  CHECK_STR(out, "a: 1\ntimeout: 1h30m\n");
  free(out);
  size_t off;
  Value re = v_regex("^v[0-9]+$", 9, &err, &off);
  CHECK(re.kind == V_REGEX);
  CHECK(!yaml_set_text("a: 1\n", 5, "t.yaml", "allow", re, &out, &outlen, &err));
  CHECK(err && strstr(err, "t.yaml: cannot write a regex to YAML") == err);
  free(err);
  value_release(re);
}

/* `key` written as a new key reads back as that key. */
static void check_key_round_trip(const char *key) {
  char *out = NULL, *err = NULL;
  size_t outlen;
  Value back = V_NULL_VALUE;
  Buf path = {0};
  buf_puts(&path, "[\"");
  for (const char *c = key; *c; c++) {
    if (*c == '"' || *c == '\\') buf_putc(&path, '\\');
    buf_putc(&path, *c);
  }
  buf_puts(&path, "\"]");
  bool ok = yaml_set_text("a: 1\n", 5, "s.yaml", path.data, v_int(1), &out, &outlen, &err) &&
            yaml_load(out, outlen, "s.yaml", &back, &err);
  checks_run++;
  if (!ok || back.kind != V_MAP || map_get(back, key).kind != V_INT) {
    checks_failed++;
    fprintf(stderr, "key [%s]: %s\n", key, ok ? out : err);
  }
  buf_free(&path);
  value_release(back);
  free(out);
  free(err);
}

/* Any string survives a write and a read, in block and flow style, as a
 * map value, a list item and a new key. */
static void test_string_round_trip(void) {
  static const char *const strings[] = {
      "",     " ",    "a ",   " a",    "#",     "a #b",   "a# b",  "a: b",  "a:b",    "-",
      "- ",   "-1",   "---",  "...",   "?",     ":",      "? x",   "[",     "]",      "{}",
      ",",    "&a",   "*a",   "!t",    "|",     ">",      "'",     "\"",    "%",      "@",
      "`",    "null", "~",    "true",  "1",     "1.0",    "0x1",   "0o7",   ".inf",   ".nan",
      "yes",  "on",   "N",    "1e3",   "1_0",   "12:30",  "é ← ü", "a\tb", "a\nb",   "a\n",
      "\n",   "a\\b", "\x01", "a\rb", "x\n  indented\n",  "trailing \nspace", "a\n\n", "<<",
      /* a byte order mark; what libyaml reads as a line break or refuses */
      "\xef\xbb\xbfH", "a\xc2\x85" "b", "a\xe2\x80\xa8" "b", "x\xef\xbf\xbf", "\xc2\x80",
      "\xef\xbf\xbe\n"};
  static const char *const docs[] = {"k: old\n", "k: 'old'\n", "k: \"old\"\n", "l: [old]\n",
                                     "l:\n  - old\n", "k: |\n  old\n", "m: {}\n", "m:\n  x: 1\n"};
  static const char *const paths[] = {"k", "k", "k", "l[0]", "l[0]", "k", "m.new", "m.new"};
  for (size_t i = 0; i < sizeof strings / sizeof *strings; i++) {
    Value v = v_cstr(strings[i]);
    for (size_t j = 0; j < sizeof docs / sizeof *docs; j++) {
      char *out = NULL, *err = NULL;
      size_t outlen;
      Value got = V_NULL_VALUE;
      size_t len = strlen(docs[j]);
      bool ok = yaml_set_text(docs[j], len, "s.yaml", paths[j], v, &out, &outlen, &err) &&
                yaml_get(out, outlen, "s.yaml", paths[j], &got, &err);
      checks_run++;
      if (!ok || !value_equal(got, v)) {
        checks_failed++;
        fprintf(stderr, "string [%s] in [%s]: %s\n", strings[i], docs[j], ok ? out : err);
      }
      value_release(got);
      free(out);
      free(err);
    }
    check_key_round_trip(strings[i]);
    value_release(v);
  }
}

/* ---- files --------------------------------------------------------------------- */

static void test_files(void) {
  char dir[] = "/tmp/rp-yaml-test.XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char *path = xasprintf("%s/values.yaml", dir);
  size_t len;
  char *text = slurp("staging-values.yaml", &len);
  CHECK(text && write_file_atomic(path, text, len));
  char *err = NULL;
  CHECK(chmod(path, 0640) == 0);
  Value tag = v_cstr("sha-def5678");
  CHECK(yaml_set_file(path, "image.tag", tag, &err));
  value_release(tag);
  struct stat st;
  CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640); /* the file keeps its mode */
  size_t glen, wlen;
  char *got = read_file(path, &glen);
  char *want = slurp("expected/staging-tag.yaml", &wlen);
  CHECK(got && want && glen == wlen && memcmp(got, want, glen) == 0);
  free(got);
  free(want);
  Value v;
  CHECK(yaml_get_file(path, "image.tag", &v, &err) && is_str(v) &&
        !strcmp(str_chars(v), "sha-def5678"));
  value_release(v);
  CHECK(yaml_delete_file(path, "ingress", &err));
  CHECK(yaml_get_file(path, "ingress", &v, &err) && v.kind == V_NULL);
  CHECK(yaml_get_file(path, "replicaCount", &v, &err) && v.kind == V_INT && v.as.i == 2);

  /* a failed edit leaves the file alone */
  got = read_file(path, &glen);
  CHECK(!yaml_set_file(path, "image.tag.x", v_int(1), &err));
  CHECK(err && strstr(err, path) == err);
  free(err);
  err = NULL;
  size_t len2;
  char *again = read_file(path, &len2);
  CHECK(again && len2 == glen && memcmp(again, got, glen) == 0);
  free(again);
  free(got);

  char *missing = xasprintf("%s/nope.yaml", dir);
  CHECK(!yaml_set_file(missing, "a", v_int(1), &err));
  CHECK(err && strstr(err, missing) == err && strstr(err, "No such file"));
  free(err);
  err = NULL;
  CHECK(!yaml_delete_file(missing, "a", &err));
  free(err);
  free(missing);

  /* through a symlink the target is edited and the link stays a link */
  char *link = xasprintf("%s/link.yaml", dir);
  CHECK(symlink("values.yaml", link) == 0);
  CHECK(yaml_set_file(link, "replicaCount", v_int(4), &err));
  struct stat lst;
  CHECK(lstat(link, &lst) == 0 && S_ISLNK(lst.st_mode));
  CHECK(yaml_get_file(path, "replicaCount", &v, &err) && v.kind == V_INT && v.as.i == 4);
  unlink(link);
  free(link);

  unlink(path);
  rmdir(dir);
  free(path);
  free(text);
}

/* `test_yaml get|set|delete FILE PATH [VALUE]`: the primitives from the
 * command line, for tests/yaml.sh to compare with yq. get prints strings
 * bare and other values as JSON; set and delete print the new text. */
static int tool(int argc, char **argv) {
  char *err = NULL;
  if (argc == 4 && !strcmp(argv[1], "get")) {
    Value v;
    if (!yaml_get_file(argv[2], argv[3], &v, &err)) goto fail;
    char *s = is_str(v) ? xstrdup(str_chars(v)) : show(v);
    puts(s);
    free(s);
    value_release(v);
    return 0;
  }
  bool set = argc == 5 && !strcmp(argv[1], "set");
  if (!set && !(argc == 4 && !strcmp(argv[1], "delete"))) {
    fprintf(stderr, "usage: test_yaml [get|set|delete FILE PATH [VALUE]]\n");
    return 2;
  }
  size_t len, outlen;
  char *text = read_file(argv[2], &len), *out;
  if (!text) {
    fprintf(stderr, "%s: cannot read\n", argv[2]);
    return 1;
  }
  Value v = set ? yv(argv[4]) : V_NULL_VALUE;
  bool ok = set ? yaml_set_text(text, len, argv[2], argv[3], v, &out, &outlen, &err)
                : yaml_delete_text(text, len, argv[2], argv[3], &out, &outlen, &err);
  value_release(v);
  free(text);
  if (!ok) goto fail;
  fwrite(out, 1, outlen, stdout);
  free(out);
  return 0;
fail:
  fprintf(stderr, "%s\n", err);
  free(err);
  return 1;
}

int main(int argc, char **argv) {
  if (argc > 1) return tool(argc, argv);
  const char *top = getenv("top_srcdir");
  char *fx = xasprintf("%s/tests/fixtures/yaml", top ? top : ".");
  fixtures = fx;
  test_core_schema();
  test_structure();
  test_errors();
  test_get();
  test_edits();
  test_edit_corners();
  test_every_path();
  test_encode();
  test_string_round_trip();
  test_files();
  free(fx);
  return check_summary("test_yaml");
}
