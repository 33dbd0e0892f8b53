/* cmd_run.c — rp run: run the stages an event triggers (or the named
 * ones) and everything they need, in parallel where the graph allows. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "eval/interp.h"
#include "eval/natives.h"
#include "lang/check.h"
#include "run/output.h"
#include "run/sched.h"

typedef struct RunOptions {
  const char *file;
  char **stages;
  int nstages;
  bool only;
  int jobs;
  bool json;
  bool dry_run;
  const char *junit;
} RunOptions;

static int usage_error(const char *fmt, const char *arg) {
  fputs("rp run: ", stderr);
  fprintf(stderr, fmt, arg);
  fputs(" (see rp --help)\n", stderr);
  return EXIT_USAGE;
}

static int parse_options(int argc, char **argv, RunOptions *o) {
  o->stages = xcalloc((size_t)argc, sizeof *o->stages);
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  o->jobs = cores > 0 ? (int)cores : 1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    bool has_value = i + 1 < argc;
    if ((!strcmp(a, "-f") || !strcmp(a, "--file")) && has_value) o->file = argv[++i];
    else if (!strcmp(a, "-j") && has_value) o->jobs = atoi(argv[++i]);
    else if (!strncmp(a, "-j", 2) && a[2]) o->jobs = atoi(a + 2);
    else if (!strcmp(a, "--json")) o->json = true;
    else if (!strcmp(a, "--dry-run")) o->dry_run = true;
    else if (!strcmp(a, "--junit") && has_value) o->junit = argv[++i];
    else if (!strcmp(a, "--only") && has_value) o->only = true, o->stages[o->nstages++] = argv[++i];
    else if (a[0] == '-') return usage_error("unknown option '%s'", a);
    else o->stages[o->nstages++] = argv[i];
  }
  if (o->jobs < 1) return usage_error("-j needs a positive number%s", "");
  return EXIT_OK;
}

/* 20261122-223800-4f2a: sortable, and unique enough across machines */
static char *new_run_id(void) {
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  char stamp[32];
  strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  unsigned r = (unsigned)getpid() ^ (unsigned)now;
  FILE *f = fopen("/dev/urandom", "rb");
  if (f) {
    if (fread(&r, sizeof r, 1, f) != 1) r ^= (unsigned)clock();
    fclose(f);
  }
  return xasprintf("%s-%04x", stamp, r & 0xffff);
}

static int stage_index(const Program *p, const char *name) {
  for (int i = 0; i < p->nstages; i++)
    if (!strcmp(p->stages[i]->as.stage->name, name)) return i;
  return -1;
}

static int run_program(Program *p, Imports *im, const RunOptions *o) {
  int *goals = xcalloc((size_t)o->nstages + 1, sizeof *goals);
  for (int k = 0; k < o->nstages; k++) {
    goals[k] = stage_index(p, o->stages[k]);
    if (goals[k] < 0) {
      fprintf(stderr, "rp run: no stage named '%s' in %s\n", o->stages[k], p->src->path);
      free(goals);
      return EXIT_USAGE;
    }
  }
  Interp *I = interp_new(p, im);
  natives_register_core(I);
  if (interp_last_error(I)) { /* an imported module failed to load */
    interp_print_error(I, stderr, want_color(stderr));
    interp_free(I);
    free(goals);
    return EXIT_USAGE;
  }
  interp_set_dry_run(I, o->dry_run);
  char *id = new_run_id();
  Reporter rep;
  report_init(&rep, output_mode_detect(o->json), id);
  Scheduler s = {.I = I, .rep = &rep, .prog = p, .jobs = o->jobs};
  int rc = EXIT_USAGE;
  s.only = o->only;
  bool planned = sched_plan(&s, goals, o->nstages);
  if (planned) {
    report_run_started(&rep, p->name, V_NULL_VALUE);
    int failed = sched_run(&s);
    rc = failed ? EXIT_FAIL : EXIT_OK;
    report_run_finished(&rep, rc);
    char *err = NULL;
    if (o->junit && !report_write_junit(&rep, o->junit, &err)) {
      fprintf(stderr, "rp: %s\n", err);
      free(err);
    }
  }
  sched_free(&s);
  report_free(&rep);
  free(id);
  interp_free(I);
  free(goals);
  return rc;
}

int cmd_run(int argc, char **argv) {
  RunOptions o = {0};
  int rc = parse_options(argc, argv, &o);
  if (rc != EXIT_OK) {
    free(o.stages);
    return rc;
  }
  if (!o.nstages) {
    free(o.stages);
    fputs("rp run: name the stages to run: rp run STAGE... (event triggers are not built yet)\n", stderr);
    return EXIT_USAGE;
  }
  Imports *im = NULL;
  Diags d = {0};
  char *err = NULL;
  Program *p = load_checked(pipeline_path(o.file), &im, &d, &err);
  diags_print(&d, stderr, want_color(stderr));
  if (!p) {
    fprintf(stderr, "rp: %s\n", err);
    free(err);
    rc = EXIT_USAGE;
  } else {
    rc = d.nerrors ? EXIT_USAGE : run_program(p, im, &o);
    checked_free(p, im);
  }
  diags_free(&d);
  free(o.stages);
  return rc;
}
