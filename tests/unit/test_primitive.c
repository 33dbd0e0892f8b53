/* test_primitive.c — the families' tables as rp has them: well formed
 * (one family a namespace, one row a name, specs that parse, a C function
 * for every primitive), found by the lookups, with defaults, signatures
 * and suggestions. */
#include <ctype.h>

#include "check.h"
#include "eval/families.h"
#include "lang/primitive.h"

static bool is_identifier(const char *s, size_t n) {
  if (!n || isdigit((unsigned char)s[0])) return false;
  for (size_t i = 0; i < n; i++)
    if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '_') return false;
  return true;
}

static void test_spec(const PrimFamily *f, const Primitive *p) {
  PrimParam it = prim_params(p);
  bool optional_seen = false;
  int n = 0;
  while (prim_param_next(&it)) {
    CHECK(is_identifier(it.name, it.len));
    CHECK(!(optional_seen && !it.optional)); /* required parameters come first */
    optional_seen |= it.optional;
    Value def = V_NULL_VALUE;
    if (it.def && !CHECK(prim_param_default(p, n, &def)))
      fprintf(stderr, "    %s.%s: default '%.*s'\n", f->ns, p->name, (int)it.deflen, it.def);
    value_release(def);
    n++;
  }
  CHECK(n <= 32); /* the checker's limit */
  CHECK_INT(prim_nparams(p), n);
}

static void test_well_formed(void) {
  int nprims = 0;
  for (int i = 0; rp_families[i]; i++) {
    const PrimFamily *f = rp_families[i];
    CHECK(!*f->ns || is_identifier(f->ns, strlen(f->ns)));
    CHECK(prim_family(rp_families, f->ns) == f); /* one family per namespace */
    CHECK(f->n > 0 && f->summary && *f->summary);
    for (int k = 0; k < f->n; k++) {
      const Primitive *p = &f->prims[k];
      CHECK(is_identifier(p->name, strlen(p->name)));
      CHECK(prim_lookup(rp_families, f->ns, p->name) == p); /* one row per name */
      CHECK((p->fn != NULL) == (p->params != NULL));        /* a function, or a value */
      CHECK(p->summary && *p->summary);
      test_spec(f, p);
      nprims++;
    }
  }
  CHECK(nprims > 70);
}

static void test_lookups(void) {
  CHECK(prim_lookup(rp_families, "registry", "tags") != NULL);
  CHECK(prim_lookup(rp_families, "registry", "tagz") == NULL);
  CHECK(prim_lookup(rp_families, "", "sh") != NULL);
  CHECK(prim_lookup(rp_families, NULL, "secret") != NULL);
  CHECK(prim_lookup(rp_families, "", "env")->params == NULL); /* a value, not a function */
  CHECK(prim_is_namespace(rp_families, "docker") && prim_is_namespace(rp_families, "yaml"));
  CHECK(prim_is_namespace(rp_families, "time")); /* once missing from the REPL's own list */
  CHECK(!prim_is_namespace(rp_families, "sh") && !prim_is_namespace(rp_families, "dockr"));
  CHECK(!prim_is_namespace(rp_families, "")); /* the globals are no namespace */
  CHECK(prim_family(NULL, "git") == NULL && prim_lookup(NULL, "git", "sha") == NULL);
}

static void test_params(void) {
  const Primitive *b = prim_lookup(rp_families, "docker", "build");
  CHECK_INT(prim_nparams(b), 12);
  CHECK_INT(prim_param_index(b, "context"), 0);
  CHECK_INT(prim_param_index(b, "tags"), 2);
  CHECK_INT(prim_param_index(b, "platforms"), 6);
  CHECK_INT(prim_param_index(b, "load"), 11);
  CHECK_INT(prim_param_index(b, "tag"), -1);
  PrimParam p;
  CHECK(prim_param(b, 3, &p) && p.len == 10 && !memcmp(p.name, "build_args", 10) && p.optional);
  CHECK(!prim_param(b, 12, &p));
  CHECK_INT(prim_nparams(prim_lookup(rp_families, "git", "branch")), 0);
}

static void test_defaults(void) {
  Value v = V_NULL_VALUE;
  const Primitive *wait = prim_lookup(rp_families, "http", "wait");
  CHECK(!prim_param_default(wait, 1, &v)); /* status: optional, no default */
  CHECK(prim_param_default(wait, 2, &v) && v.kind == V_DURATION && v.as.i == 120000);
  CHECK(prim_param_default(prim_lookup(rp_families, "git", "short_sha"), 0, &v) && v.kind == V_INT && v.as.i == 7);
  CHECK(prim_param_default(prim_lookup(rp_families, "registry", "latest"), 2, &v) && v.kind == V_STRING);
  CHECK_STR(str_chars(v), "semver");
  value_release(v);
}

static void test_signature(void) {
  Buf b = {0};
  prim_signature("git", prim_lookup(rp_families, "git", "push"), &b);
  CHECK_STR(b.data, "git.push(dir, remote: \"origin\", ref:, token:, force: false)");
  buf_free(&b);
  prim_signature("", prim_lookup(rp_families, "", "env"), &b);
  CHECK_STR(b.data, "env");
  buf_free(&b);
  prim_signature("time", prim_lookup(rp_families, "time", "now"), &b);
  CHECK_STR(b.data, "time.now()");
  buf_free(&b);
}

static void test_suggest(void) {
  CHECK_STR(prim_suggest(rp_families, "registry", "tagz"), "tags");
  CHECK_STR(prim_suggest(rp_families, "registry", "qqqqqqq"), NULL);
  CHECK_STR(prim_suggest(rp_families, "", "sh256"), "sha256");
  CHECK_STR(prim_suggest(rp_families, "", "evnt"), NULL); /* values are not called */
  CHECK(name_distance("biuld", "build") == 1 && name_distance("dve", "dev") == 1);
  CHECK(name_distance("kitten", "sitting") == 3);
  CHECK(suggest_close_enough("biuld", "build", 1));
  CHECK(!suggest_close_enough("a", "b", 1)); /* every short name is one edit away */
}

int main(void) {
  test_well_formed();
  test_lookups();
  test_params();
  test_defaults();
  test_signature();
  test_suggest();
  return check_done();
}
