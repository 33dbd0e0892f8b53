/* cmd_run.c — rp run STAGE...: run the named stages and everything they
 * need, in dependency order. A failed stage skips its dependents; the
 * others still run. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "eval/interp.h"
#include "eval/natives.h"
#include "lang/parser.h"

typedef enum { ST_PENDING, ST_OK, ST_FAILED, ST_SKIPPED } StageState;

typedef struct Run {
  Program *prog;
  int *order; /* stage indexes in the order they run */
  int norder;
  char *mark; /* 0 unvisited, 1 visiting, 2 done */
  StageState *state;
  double *secs;
} Run;

static int stage_index(const Program *p, const char *name) {
  for (int i = 0; i < p->nstages; i++)
    if (!strcmp(p->stages[i]->as.stage->name, name)) return i;
  return -1;
}

/* Depth-first: a stage comes after everything it needs. */
static bool plan_stage(Run *r, int i) {
  if (r->mark[i] == 2) return true;
  const Stage *st = r->prog->stages[i]->as.stage;
  if (r->mark[i] == 1) {
    fprintf(stderr, "rp: dependency cycle through stage '%s'\n", st->name);
    return false;
  }
  r->mark[i] = 1;
  for (int k = 0; st->needs && k < st->needs->as.attr.nnames; k++) {
    int j = stage_index(r->prog, st->needs->as.attr.names[k].name);
    if (j < 0) {
      fprintf(stderr, "rp: stage '%s' needs unknown stage '%s'\n", st->name, st->needs->as.attr.names[k].name);
      return false;
    }
    if (!plan_stage(r, j)) return false;
  }
  r->mark[i] = 2;
  r->order[r->norder++] = i;
  return true;
}

static bool needs_failed(const Run *r, const Stage *st) {
  for (int k = 0; st->needs && k < st->needs->as.attr.nnames; k++)
    if (r->state[stage_index(r->prog, st->needs->as.attr.names[k].name)] != ST_OK) return true;
  return false;
}

static double now_secs(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int run_stages(Run *r, Interp *I) {
  int failed = 0;
  for (int k = 0; k < r->norder; k++) {
    int i = r->order[k];
    const Stage *st = r->prog->stages[i]->as.stage;
    if (needs_failed(r, st)) {
      r->state[i] = ST_SKIPPED;
      printf("--- %s: skipped (a stage it needs did not succeed)\n", st->name);
      continue;
    }
    printf("--- %s\n", st->name);
    fflush(stdout);
    double t0 = now_secs();
    bool ok = interp_run_stage(I, st, V_NULL_VALUE);
    r->secs[i] = now_secs() - t0;
    r->state[i] = ok ? ST_OK : ST_FAILED;
    if (!ok) {
      failed++;
      fflush(stdout);
      interp_print_error(I, stderr, want_color(stderr));
      interp_clear_error(I);
    }
  }
  return failed;
}

static void print_summary(const Run *r) {
  static const char *names[] = {"pending", "ok", "failed", "skipped"};
  printf("\n%-30s %-8s %s\n", "STAGE", "STATUS", "TIME");
  for (int k = 0; k < r->norder; k++) {
    int i = r->order[k];
    printf("%-30s %-8s %.2fs\n", r->prog->stages[i]->as.stage->name, names[r->state[i]], r->secs[i]);
  }
}

int cmd_run(int argc, char **argv) {
  const char *file = NULL;
  int nstages = 0;
  char **stages = xcalloc((size_t)argc, sizeof *stages);
  for (int i = 1; i < argc; i++) {
    if ((!strcmp(argv[i], "-f") || !strcmp(argv[i], "--file")) && i + 1 < argc) file = argv[++i];
    else if (argv[i][0] == '-') {
      fprintf(stderr, "rp run: unknown option '%s' (see rp --help)\n", argv[i]);
      free(stages);
      return EXIT_USAGE;
    } else stages[nstages++] = argv[i];
  }
  if (!nstages) {
    fputs("rp run: name the stages to run: rp run STAGE... (event triggers are not built yet)\n", stderr);
    free(stages);
    return EXIT_USAGE;
  }
  const char *path = pipeline_path(file);
  Source *src = source_load(path);
  if (!src) {
    fprintf(stderr, "rp: cannot read %s: %s\n", path, strerror(errno));
    free(stages);
    return EXIT_USAGE;
  }
  Diags d = {0};
  Program *p = parse_program(src, &d);
  int rc = EXIT_USAGE;
  Run r = {p, xcalloc((size_t)p->nstages + 1, sizeof(int)), 0, xcalloc((size_t)p->nstages + 1, 1),
           xcalloc((size_t)p->nstages + 1, sizeof(StageState)), xcalloc((size_t)p->nstages + 1, sizeof(double))};
  diags_print(&d, stderr, want_color(stderr));
  if (d.nerrors) goto out;
  for (int k = 0; k < nstages; k++) {
    int i = stage_index(p, stages[k]);
    if (i < 0) {
      fprintf(stderr, "rp run: no stage named '%s' in %s\n", stages[k], path);
      goto out;
    }
    if (!plan_stage(&r, i)) goto out;
  }
  Interp *I = interp_new(p);
  natives_register_core(I);
  int failed = run_stages(&r, I);
  print_summary(&r);
  interp_free(I);
  rc = failed ? EXIT_FAIL : EXIT_OK;
out:
  free(r.order), free(r.mark), free(r.state), free(r.secs);
  free(stages);
  diags_free(&d);
  program_free(p);
  source_free(src);
  return rc;
}
