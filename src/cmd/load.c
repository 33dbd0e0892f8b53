/* load.c — loading the pipeline for a command. */
#include "cmd/load.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "eval/families.h"
#include "lang/parser.h"
#include "run/approval.h"
#include "run/ci.h"

const char *pipeline_path(const char *given) { return given ? given : "pipeline.rp"; }

static bool exists_in(const char *dir, const char *name) {
  char *path = xasprintf("%s/%s", dir, name);
  bool yes = access(path, F_OK) == 0;
  free(path);
  return yes;
}

char *pipeline_find_dir(void) {
  char *dir = getcwd(NULL, 0);
  while (dir && !exists_in(dir, "pipeline.rp")) {
    char *slash = strrchr(dir, '/');
    if (exists_in(dir, ".git") || !slash || slash == dir) {
      free(dir);
      return NULL;
    }
    *slash = 0;
  }
  return dir;
}

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
  ci_annotate_diags(&d, stdout);
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

/* The `state` a pipeline file declares (malloc'd), paths made relative
 * to the file's directory; NULL when none or when it does not parse. */
static char *declared_state(const char *file, const Program *p) {
  Diags d = {0};
  char *err = NULL;
  Program *own = p ? NULL : parse_file(file, &d, &err);
  const Program *q = p ? p : own;
  const char *spec = q && q->state ? q->state->as.decl.text : NULL;
  char *out = NULL;
  if (spec) {
    const char *path = !strncmp(spec, "git:", 4) ? spec + 4 : spec;
    bool relative = path == spec ? *path != '/' : (path[0] == '.' || (strchr(path, '/') && *path != '/' && !strchr(path, ':')));
    const char *slash = strrchr(file, '/');
    if (relative && slash)
      out = xasprintf("%.*s%.*s/%s", (int)(path - spec), spec, (int)(slash - file), file, path);
    else out = xstrdup(spec);
  }
  if (own) parse_file_free(own);
  diags_free(&d);
  free(err);
  return out;
}

Store *state_open(const Options *o, const char *file, const Program *p) {
  const char *env = getenv("RP_STATE");
  char *declared = o->state || (env && *env) ? NULL : declared_state(file, p), *err = NULL;
  const char *spec = o->state ? o->state : env && *env ? env : declared;
  Store *s = store_open_for(spec, file, &err);
  if (!s) {
    fprintf(stderr, "rp %s: %s\n", o->cmd->name, err);
    free(err);
  }
  free(declared);
  return s;
}

bool pipeline_plan(const Selection *sel, Loaded *l) {
  bool ok = plan_load(sel, environ, l);
  plan_print_problems(l, stderr);
  ci_annotate_diags(&l->diags, stdout);
  return ok;
}
