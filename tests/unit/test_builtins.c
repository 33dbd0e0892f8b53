/* test_builtins.c — the built-in table: sorted (lookups are a binary
 * search), complete lookups, parameter specs, suggestions. */
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "lang/builtins.h"

static int failures;
#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                    \
      failures++;                                                                                  \
    }                                                                                              \
  } while (0)

static void test_sorted_and_findable(void) {
  size_t n;
  const Builtin *t = builtin_table(&n);
  CHECK(n > 60);
  for (size_t i = 0; i < n; i++) {
    if (i > 0) {
      int c = strcmp(t[i - 1].ns, t[i].ns);
      CHECK(c < 0 || (c == 0 && strcmp(t[i - 1].name, t[i].name) < 0));
    }
    CHECK(builtin_lookup(t[i].ns, t[i].name) == &t[i]);
    CHECK(!t[i].ns[0] || builtin_is_namespace(t[i].ns));
  }
  size_t nns;
  const char *const *ns = builtin_namespaces(&nns);
  for (size_t i = 0; i < nns; i++) {
    CHECK(builtin_is_namespace(ns[i]));
    if (i) CHECK(strcmp(ns[i - 1], ns[i]) < 0);
  }
}

static void test_lookups(void) {
  CHECK(builtin_lookup("registry", "tags") != NULL);
  CHECK(builtin_lookup("registry", "tagz") == NULL);
  CHECK(builtin_lookup("", "sh") != NULL);
  CHECK(builtin_lookup(NULL, "secret") != NULL);
  CHECK(builtin_lookup("", "env")->params == NULL); /* a value, not a function */
  CHECK(builtin_is_namespace("docker") && builtin_is_namespace("yaml"));
  CHECK(!builtin_is_namespace("sh") && !builtin_is_namespace("dockr"));
}

static void test_params(void) {
  const Builtin *b = builtin_lookup("docker", "build");
  CHECK(builtin_nparams(b) == 7);
  CHECK(builtin_nrequired(b) == 1);
  CHECK(builtin_param_index(b, "context") == 0);
  CHECK(builtin_param_index(b, "tags") == 2);
  CHECK(builtin_param_index(b, "platform") == 6);
  CHECK(builtin_param_index(b, "tag") == -1);
  char buf[32];
  builtin_param_name(b, 3, buf, sizeof buf);
  CHECK(!strcmp(buf, "build_args"));
  CHECK(builtin_param_suggest(b, "tagz", buf, sizeof buf) && !strcmp(buf, "tags"));
  CHECK(!builtin_param_suggest(b, "zzzzzzz", buf, sizeof buf));
  const Builtin *login = builtin_lookup("docker", "login");
  CHECK(builtin_nparams(login) == 3 && builtin_nrequired(login) == 3);
  const Builtin *br = builtin_lookup("git", "branch");
  CHECK(builtin_nparams(br) == 0 && builtin_nrequired(br) == 0);
}

static void test_suggest(void) {
  CHECK(builtin_suggest("registry", "tagz") && !strcmp(builtin_suggest("registry", "tagz"), "tags"));
  CHECK(builtin_suggest("registry", "qqqqqqq") == NULL);
  CHECK(builtin_suggest("", "sh256") && !strcmp(builtin_suggest("", "sh256"), "sha256"));
  CHECK(name_distance("biuld", "build") == 1 && name_distance("dve", "dev") == 1);
  CHECK(name_distance("kitten", "sitting") == 3);
  CHECK(suggest_close_enough("biuld", "build", 1));
  CHECK(!suggest_close_enough("a", "b", 1)); /* every short name is one edit away */
}

int main(void) {
  test_sorted_and_findable();
  test_lookups();
  test_params();
  test_suggest();
  if (failures) fprintf(stderr, "%d failures\n", failures);
  else printf("test_builtins: ok\n");
  return failures ? 1 : 0;
}
