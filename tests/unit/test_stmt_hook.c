/* test_stmt_hook.c — the interpreter's statement hook (the REPL's stepping):
 * it sees every statement with its stage, line, call depth and scope, and
 * stopping in it ends the stage there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/families.h"
#include "eval/interp.h"
#include "lang/check.h"

static int failed, count;
#define CHECK(c)                                                      \
  do {                                                                \
    count++;                                                          \
    if (!(c)) {                                                       \
      failed++;                                                       \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
    }                                                                 \
  } while (0)

static const char *program =
    "fn f(x) {\n"          /* 1 */
    "  let y = x + 1\n"    /* 2 */
    "  return y\n"         /* 3 */
    "}\n"                  /* 4 */
    "stage a {\n"          /* 5 */
    "  let n = 1\n"        /* 6 */
    "  let m = f(n)\n"     /* 7 */
    "  output r = m * 10\n" /* 8 */
    "}\n";

typedef struct Trace {
  unsigned lines[32];
  int depths[32];
  int n;
  unsigned stop_at; /* stop (return false) before this line */
  long n_at_stop;   /* the variable n seen from the hook at line 8 */
} Trace;

static bool hook(void *ctx, Interp *I, Scope *scope, const Node *stmt) {
  Trace *t = ctx;
  CHECK(interp_stage(I) && !strcmp(interp_stage(I)->name, "a"));
  if (t->n < 32) {
    t->lines[t->n] = stmt->pos.line;
    t->depths[t->n++] = interp_call_depth(I);
  }
  if (stmt->pos.line == 8) {
    Value vars = interp_scope_vars(I, scope);
    Value n = map_get(vars, "n");
    t->n_at_stop = n.kind == V_INT ? (long)n.as.i : -1;
    value_release(vars);
  }
  if (stmt->pos.line == t->stop_at) return interp_error(I, NULL, stmt->pos, "stopped");
  return true;
}

int main(void) {
  char path[] = "/tmp/rp-stmt-hook-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return 1;
  FILE *f = fdopen(fd, "w");
  fputs(program, f);
  fclose(f);
  Imports *im = NULL;
  Diags d = {0};
  char *err = NULL;
  Program *p = load_checked(path, rp_families, &im, &d, &err);
  remove(path);
  CHECK(p && d.nerrors == 0);
  diags_free(&d);
  if (!p) return 1;
  const Stage *a = p->stages[0]->as.stage;

  /* unset: the stage runs, nothing is traced */
  Interp *I = interp_new(p, im);
  Trace t = {0};
  CHECK(interp_run_stage(I, a, V_NULL_VALUE));
  CHECK(t.n == 0);
  CHECK(interp_stage(I) == NULL);

  /* every statement, in order, with the call depth inside f */
  interp_set_stmt_hook(I, hook, &t);
  CHECK(interp_run_stage(I, a, V_NULL_VALUE));
  unsigned want_lines[] = {6, 7, 2, 3, 8};
  int want_depths[] = {0, 0, 1, 1, 0};
  CHECK(t.n == 5);
  for (int i = 0; i < 5 && i < t.n; i++) {
    CHECK(t.lines[i] == want_lines[i]);
    CHECK(t.depths[i] == want_depths[i]);
  }
  CHECK(t.n_at_stop == 1);
  CHECK(map_get(interp_outputs(I, "a"), "r").as.i == 20);

  /* stopping before line 8: the stage fails there, r is never recorded */
  t = (Trace){.stop_at = 8};
  CHECK(!interp_run_stage(I, a, V_NULL_VALUE));
  CHECK(interp_last_error(I) && !strcmp(interp_last_error(I)->msg, "stopped"));
  CHECK(map_get(interp_outputs(I, "a"), "r").kind == V_NULL);
  interp_clear_error(I);

  /* removed again */
  interp_set_stmt_hook(I, NULL, NULL);
  t = (Trace){0};
  CHECK(interp_run_stage(I, a, V_NULL_VALUE));
  CHECK(t.n == 0);

  interp_free(I);
  checked_free(p, im);
  printf("stmt hook: %d checks, %d failed\n", count, failed);
  return failed != 0;
}
