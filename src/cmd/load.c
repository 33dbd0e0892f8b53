/* load.c — loading the pipeline for a command. */
#include "cmd/load.h"

#include <stdlib.h>

#include "cmd/cmd.h"
#include "eval/families.h"
#include "lang/parser.h"
#include "run/approval.h"

const char *pipeline_path(const char *given) { return given ? given : "pipeline.rp"; }

Program *pipeline_load(const char *path, Imports **im) {
  Diags d = {0};
  char *err = NULL;
  Program *p = im ? load_checked(path, rp_families, im, &d, &err) : parse_file(path, &d, &err);
  if (!p) {
    fprintf(stderr, "rp: %s\n", err);
    free(err);
    return NULL;
  }
  diags_print(&d, stderr, want_color(stderr));
  bool failed = d.nerrors > 0;
  diags_free(&d);
  if (!failed) return p;
  if (im) checked_free(p, *im);
  else parse_file_free(p);
  return NULL;
}

bool pipeline_review_decisions(RunState *r, const char *path) {
  Imports *im = NULL;
  Diags d = {0};
  char *err = NULL;
  Program *p = load_checked(path, rp_families, &im, &d, &err);
  bool ok = p && !d.nerrors;
  if (ok) approval_review(r, p);
  if (p) checked_free(p, im);
  diags_free(&d);
  free(err);
  return ok;
}

bool pipeline_plan(const Selection *sel, Loaded *l) {
  bool ok = plan_load(sel, environ, l);
  plan_print_problems(l, stderr);
  return ok;
}
