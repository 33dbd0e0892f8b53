/* onfail.c — the session rp run --break-on-failure opens at a failure. */
#include "repl/onfail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/parser.h"

static void help(void) {
  fputs("  :retry     run the failed statement again (after fixing the cause)\n"
        "  :continue  skip it and carry on with the stage\n"
        "  :quit      let the stage fail\n"
        "  :vars      the variables in scope\n"
        "  anything else is evaluated in the stage's scope\n",
        stderr);
}

/* Evaluate one typed line in the failing stage's scope. */
static void evaluate(Interp *I, Scope *scope, const char *line) {
  Source *src = source_from_string("<break>", line);
  Diags d = {0};
  Program *p = interp_program(I);
  Node *n = parse_repl_line(p, src, &d);
  diags_print(&d, stderr, want_color(stderr));
  if (n && n->kind == N_EXPR_STMT) {
    Value v;
    if (interp_eval(I, scope, n->as.stmt.value, &v)) {
      interp_print_value(I, stderr, v);
      value_release(v);
    }
  } else if (n) {
    interp_exec(I, scope, n);
  }
  if (interp_last_error(I)) {
    char *msg = interp_mask(I, interp_last_error(I)->msg);
    fprintf(stderr, "error: %s\n", msg);
    free(msg);
    interp_clear_error(I);
  }
  diags_free(&d);
  source_free(src); /* the node is in the program's arena; its text is copied */
}

FailedAction break_on_failure(void *ctx, Interp *I, Scope *scope, const Node *stmt) {
  (void)ctx;
  const Stage *st = interp_stage(I);
  fflush(stdout);
  interp_print_error(I, stderr, want_color(stderr));
  /* keep the failure: evaluating typed lines must not lose it */
  RtError saved = *interp_last_error(I);
  saved.msg = xstrdup(saved.msg);
  saved.stage = saved.stage ? xstrdup(saved.stage) : NULL;
  interp_clear_error(I);
  fprintf(stderr, "rp: stopped at the failed statement of stage '%s' (line %u); :help for commands\n",
          st ? st->name : "?", stmt->pos.line);
  FailedAction action = FAILED_STOP;
  char line[4096];
  for (;;) {
    fprintf(stderr, "rp[%s:%u]!> ", st ? st->name : "?", stmt->pos.line);
    fflush(stderr);
    if (!fgets(line, sizeof line, stdin)) break;
    line[strcspn(line, "\r\n")] = 0;
    if (!*line) continue;
    if (!strcmp(line, ":retry")) {
      action = FAILED_RETRY;
      break;
    }
    if (!strcmp(line, ":continue")) {
      action = FAILED_SKIP;
      break;
    }
    if (!strcmp(line, ":quit")) break;
    if (!strcmp(line, ":help")) help();
    else if (!strcmp(line, ":vars")) {
      Value vars = interp_scope_vars(I, scope);
      interp_print_value(I, stderr, vars);
      value_release(vars);
    } else if (line[0] == ':') fprintf(stderr, "unknown command %s (:help)\n", line);
    else evaluate(I, scope, line);
  }
  /* raise the original failure again: the hook's contract */
  interp_error(I, saved.src, saved.pos, "%s", saved.msg);
  free(saved.msg);
  free(saved.stage);
  return action;
}
