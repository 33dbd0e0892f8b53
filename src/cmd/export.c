/* export.c — rp export github|gitlab [-o FILE] [--check]: the pipeline as
 * a GitHub Actions workflow or a .gitlab-ci.yml (run/export.h, doc/ci.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cmd.h"
#include "cmd/load.h"
#include "cmd/options.h"
#include "config.h"
#include "prim/exec.h"
#include "run/export.h"

/* The workflow refers to the pipeline from the repository's top, where
 * the engine starts each job. */
static const char *repo_path(const char *path) {
  while (!strncmp(path, "./", 2)) path += 2;
  return path;
}

/* --check: FILE against what export writes now; a unified diff when they
 * differ (diff(1) reads the new text on its standard input). */
static int check_file(const char *path, const char *want, const char *engine) {
  size_t len;
  char *have = read_file(path, &len);
  bool exists = have != NULL, same = have && !strcmp(have, want);
  free(have);
  if (same) return EXIT_OK;
  char *label = xasprintf("rp export %s", engine);
  char *argv[] = {"diff", "-u", "--label", (char *)path, "--label", label, exists ? (char *)path : "/dev/null", "-", NULL};
  ExecOptions eo = {.argv = argv, .input = want, .input_len = strlen(want), .capture_limit = 64 << 20};
  ExecResult res = {0};
  char *err = NULL;
  if (exec_run(&eo, &res, &err)) fputs(res.out, stdout);
  else fprintf(stderr, "rp export: %s is stale (no diff to show it: %s)\n", path, err);
  exec_result_free(&res);
  free(err);
  free(label);
  return EXIT_FAIL;
}

/* mkdir -p of the folders above `path` (.github/workflows/). */
static bool make_parents(const char *path) {
  char *dir = xstrdup(path);
  bool ok = true;
  for (char *s = strchr(dir + 1, '/'); ok && s; s = strchr(s + 1, '/')) {
    *s = 0;
    ok = mkdir(dir, 0777) == 0 || errno == EEXIST;
    *s = '/';
  }
  free(dir);
  return ok;
}

static int emit(const Options *o, ExportEngine engine, const char *text) {
  const char *name = o->args.v[0];
  const char *path = o->output ? o->output : o->check ? export_default_path(engine) : NULL;
  if (o->check) return check_file(path, text, name);
  if (!path) return fputs(text, stdout) < 0 ? EXIT_FAIL : EXIT_OK;
  if (!make_parents(path) || !write_file_atomic(path, text, strlen(text))) {
    fprintf(stderr, "rp export: cannot write %s: %s\n", path, strerror(errno));
    return EXIT_FAIL;
  }
  return EXIT_OK;
}

int cmd_export(const Options *o) {
  ExportEngine engine;
  if (!export_engine_named(o->args.v[0], &engine)) {
    fprintf(stderr, "rp export: unknown engine '%s' (github or gitlab)\n", o->args.v[0]);
    return EXIT_USAGE;
  }
  const char *state = o->state ? o->state : getenv("RP_STATE");
  char *err = NULL;
  if (!export_state_shared(state && *state ? state : NULL, &err)) {
    fprintf(stderr, "rp export: %s\n", err);
    free(err);
    return EXIT_USAGE;
  }
  const char *path = pipeline_path(o->file);
  Imports *im = NULL;
  Program *p = pipeline_load(path, &im);
  if (!p) return EXIT_USAGE;
  const char *dist = getenv("RP_DIST");
  ExportSpec spec = {engine, repo_path(path), state, PACKAGE_VERSION, dist && *dist ? dist : NULL};
  char *text = export_pipeline(p, &spec, &err);
  checked_free(p, im);
  if (!text) {
    fprintf(stderr, "rp export: %s\n", err);
    free(err);
    return EXIT_USAGE;
  }
  int rc = emit(o, engine, text);
  free(text);
  return rc;
}
