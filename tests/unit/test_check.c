/* test_check.c — the checker's C interface: check_program on in-memory
 * sources, counts of errors and warnings, positions, imports_module, and
 * load_checked on a missing file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/families.h"
#include "lang/check.h"
#include "lang/parser.h"

static int failures;
#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                    \
      failures++;                                                                                  \
    }                                                                                              \
  } while (0)

/* Parse and check `text`; returns the Diags (caller frees). */
static Diags run(const char *text, bool *ok) {
  Diags d = {0};
  Source *src = source_from_string("mem.rp", text);
  Program *p = parse_program(src, &d);
  CHECK(d.nerrors == 0); /* the snippets parse */
  Imports *im = imports_new(rp_families);
  *ok = check_program(p, im, &d);
  imports_free(im);
  /* diagnostics point into src: copy what the tests read before freeing */
  program_free(p);
  for (int i = 0; i < d.n; i++) d.items[i].src = NULL;
  source_free(src);
  return d;
}

static bool has(const Diags *d, DiagLevel level, uint32_t line, uint32_t col, const char *msg) {
  for (int i = 0; i < d->n; i++)
    if (d->items[i].level == level && d->items[i].pos.line == line && d->items[i].pos.col == col &&
        !strcmp(d->items[i].msg, msg))
      return true;
  return false;
}

static void test_clean(void) {
  bool ok;
  Diags d = run("stage a { output x = 1 }\nstage b { needs a\n sh \"echo ${a.x}\" }\n", &ok);
  CHECK(ok && d.n == 0);
  diags_free(&d);
}

static void test_several_errors(void) {
  bool ok;
  Diags d = run("stage build { }\nstage deploy {\n  needs biuld, nope\n  sh \"${zz}\"\n}\n", &ok);
  CHECK(!ok);
  CHECK(d.nerrors == 3);
  CHECK(has(&d, DIAG_ERROR, 3, 9, "stage 'deploy' needs unknown stage 'biuld' (did you mean 'build'?)"));
  CHECK(has(&d, DIAG_ERROR, 3, 16, "stage 'deploy' needs unknown stage 'nope'"));
  CHECK(has(&d, DIAG_ERROR, 4, 9, "undefined variable 'zz'"));
  diags_free(&d);
}

static void test_warning_only(void) {
  bool ok;
  Diags d = run("stage a {\n  let x = 1\n}\n", &ok);
  CHECK(ok); /* warnings do not fail the check */
  CHECK(d.nwarnings == 1 && d.nerrors == 0);
  CHECK(has(&d, DIAG_WARNING, 2, 7, "unused variable 'x'"));
  diags_free(&d);
}

static void test_duplicate_has_note(void) {
  bool ok;
  Diags d = run("stage a { }\nstage a { }\n", &ok);
  CHECK(!ok && d.n == 2);
  CHECK(d.n == 2 && d.items[1].level == DIAG_NOTE && d.items[1].pos.line == 1);
  diags_free(&d);
}

static void test_load_checked(void) {
  Diags d = {0};
  Imports *im;
  char *err = NULL;
  Program *p = load_checked("/nonexistent/dir/pipeline.rp", rp_families, &im, &d, &err);
  CHECK(p == NULL);
  CHECK(err && !strcmp(err, "cannot read /nonexistent/dir/pipeline.rp: No such file or directory"));
  free(err);
  checked_free(NULL, im);

  /* a real file with an import: imports_module finds the module */
  const char *top = getenv("top_srcdir");
  char *path = xasprintf("%s/tests/lang/check_valid_release.rp", top ? top : ".");
  p = load_checked(path, rp_families, &im, &d, &err);
  CHECK(p != NULL);
  CHECK(d.nerrors == 0 && d.nwarnings == 0);
  if (p) {
    CHECK(p->nimports == 1);
    Program *m = p->nimports ? imports_module(im, p->imports[0]) : NULL;
    CHECK(m && m->nfns == 2);
  }
  checked_free(p, im);
  diags_free(&d);
  free(path);
}

int main(void) {
  test_clean();
  test_several_errors();
  test_warning_only();
  test_duplicate_has_note();
  test_load_checked();
  if (failures) fprintf(stderr, "%d failures\n", failures);
  else printf("test_check: ok\n");
  return failures ? 1 : 0;
}
