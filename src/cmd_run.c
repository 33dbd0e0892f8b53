/* cmd_run.c — rp run: run the stages an event triggers (or the named
 * ones) and everything they need, in parallel where the graph allows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "eval/interp.h"
#include "eval/natives.h"
#include "run/output.h"
#include "run/plan.h"
#include "run/sched.h"

typedef struct RunOptions {
  Selection sel;
  int jobs;
  bool json;
  bool dry_run;
  const char *junit;
  const char *secrets;
} RunOptions;

static int parse_options(int argc, char **argv, RunOptions *o) {
  o->sel.stages = xcalloc((size_t)argc, sizeof *o->sel.stages);
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  o->jobs = cores > 0 ? (int)cores : 1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int n = selection_option(&o->sel, argc, argv, i);
    if (n < 0) return EXIT_USAGE;
    if (n > 0) {
      i += n - 1;
    } else if (!strcmp(a, "-j") && i + 1 < argc) {
      o->jobs = atoi(argv[++i]);
    } else if (!strncmp(a, "-j", 2) && a[2]) {
      o->jobs = atoi(a + 2);
    } else if (!strcmp(a, "--json")) {
      o->json = true;
    } else if (!strcmp(a, "--dry-run")) {
      o->dry_run = true;
    } else if (!strcmp(a, "--secrets") && i + 1 < argc) {
      o->secrets = argv[++i];
    } else if (!strcmp(a, "--junit") && i + 1 < argc) {
      o->junit = argv[++i];
    } else if (a[0] == '-') {
      fprintf(stderr, "rp run: unknown option '%s' (see rp --help)\n", a);
      return EXIT_USAGE;
    } else {
      o->sel.stages[o->sel.nstages++] = argv[i];
    }
  }
  if (o->jobs < 1) {
    fputs("rp run: -j needs a positive number\n", stderr);
    return EXIT_USAGE;
  }
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

static int run_loaded(Loaded *l, const RunOptions *o) {
  Interp *I = interp_new(l->prog, l->im);
  natives_register_all(I);
  interp_set_dry_run(I, o->dry_run);
  interp_set_event(I, value_retain(l->event));
  if (o->secrets) {
    Value sec;
    char *err = NULL;
    if (!secrets_load(o->secrets, &sec, &err)) {
      fprintf(stderr, "rp: %s\n", err);
      free(err);
      interp_free(I);
      return EXIT_USAGE;
    }
    interp_set_secrets(I, sec);
  }
  if (interp_last_error(I)) { /* an imported module failed to load */
    interp_print_error(I, stderr, want_color(stderr));
    interp_free(I);
    return EXIT_USAGE;
  }
  char *id = new_run_id();
  Reporter rep;
  report_init(&rep, output_mode_detect(o->json), id);
  Scheduler s = {.I = I, .rep = &rep, .prog = l->prog, .jobs = o->jobs, .only = o->sel.only};
  int rc = EXIT_USAGE;
  if (sched_plan(&s, l->goals, l->ngoals)) {
    report_run_started(&rep, l->prog->name, l->event);
    if (!l->ngoals && rep.mode != OUT_JSON) {
      Buf b = {0};
      event_describe(l->event, &b);
      fprintf(stdout, "no trigger starts a stage for this event (%s)\n", b.data ? b.data : "");
      buf_free(&b);
    }
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
  return rc;
}

int cmd_run(int argc, char **argv) {
  RunOptions o = {0};
  int rc = parse_options(argc, argv, &o);
  if (rc == EXIT_OK) {
    Loaded l;
    rc = plan_load(&o.sel, &l);
    if (rc == EXIT_OK) rc = run_loaded(&l, &o);
    plan_loaded_free(&l);
  }
  selection_free(&o.sel);
  return rc;
}
