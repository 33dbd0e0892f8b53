/* cmd_run.c — rp run, rp resume and rp rollback: one engine. A run is
 * journaled from its first line, so it can stop at an approval gate (exit
 * 3) and go on later, on any machine that has the journal. */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "eval/interp.h"
#include "eval/natives.h"
#include "run/deploy.h"
#include "run/history.h"
#include "run/output.h"
#include "run/plan.h"
#include "run/sched.h"
#include "repl/onfail.h"
#include "run/state.h"

typedef struct RunOptions {
  Selection sel;
  int jobs;
  bool json;
  bool dry_run;
  bool wait;                   /* resume --wait */
  bool break_on_failure;
  const char *junit;
  const char *secrets;
  const char *force_promotion;
  const char *rollback_to;     /* rollback --to */
  const char *positional[2];   /* resume RUN / rollback ENV */
  int npositional;
} RunOptions;

enum Mode { MODE_RUN, MODE_RESUME, MODE_ROLLBACK };

static int parse_options(int argc, char **argv, RunOptions *o, enum Mode mode) {
  o->sel.stages = xcalloc((size_t)argc + 1, sizeof *o->sel.stages);
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  o->jobs = cores > 0 ? (int)cores : 1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    bool more = i + 1 < argc;
    int n = selection_option(&o->sel, argc, argv, i);
    if (n < 0) return EXIT_USAGE;
    if (n > 0) i += n - 1;
    else if (!strcmp(a, "-j") && more) o->jobs = atoi(argv[++i]);
    else if (!strncmp(a, "-j", 2) && a[2]) o->jobs = atoi(a + 2);
    else if (!strcmp(a, "--json")) o->json = true;
    else if (!strcmp(a, "--dry-run")) o->dry_run = true;
    else if (!strcmp(a, "--wait") && mode == MODE_RESUME) o->wait = true;
    else if (!strcmp(a, "--break-on-failure")) o->break_on_failure = true;
    else if (!strcmp(a, "--secrets") && more) o->secrets = argv[++i];
    else if (!strcmp(a, "--junit") && more) o->junit = argv[++i];
    else if (!strcmp(a, "--force-promotion") && more) o->force_promotion = argv[++i];
    else if (!strcmp(a, "--to") && more && mode == MODE_ROLLBACK) o->rollback_to = argv[++i];
    else if (a[0] == '-') {
      fprintf(stderr, "rp: unknown option '%s' (see rp --help)\n", a);
      return EXIT_USAGE;
    } else if (mode == MODE_RUN) o->sel.stages[o->sel.nstages++] = argv[i];
    else if (o->npositional < 1) o->positional[o->npositional++] = a;
    else {
      fprintf(stderr, "rp: unexpected argument '%s'\n", a);
      return EXIT_USAGE;
    }
  }
  if (o->jobs < 1) {
    fputs("rp: -j needs a positive number\n", stderr);
    return EXIT_USAGE;
  }
  if (mode != MODE_RUN && !o->npositional) {
    fputs(mode == MODE_RESUME ? "rp resume: which run? rp resume RUN\n" : "rp rollback: which environment? rp rollback ENV\n",
          stderr);
    return EXIT_USAGE;
  }
  return EXIT_OK;
}

/* Who is running this: RP_ACTOR, else the event's actor. */
static const char *run_actor(Value event) {
  const char *a = getenv("RP_ACTOR");
  return a && *a ? a : event_actor(event);
}

static bool load_secrets(Interp *I, const char *path) {
  Value sec;
  char *err = NULL;
  if (!secrets_load(path, &sec, &err)) {
    fprintf(stderr, "rp: %s\n", err);
    free(err);
    return false;
  }
  interp_set_secrets(I, sec);
  return true;
}

/* Record which stages this run is after (and, for a rollback, the version
 * it goes back to), so a resume plans the same. */
static bool journal_plan(Journal *j, const Loaded *l, bool only, const char *rollback_env,
                         const char *rollback_version, char **err) {
  Value rec = v_map();
  map_set(rec, "kind", v_cstr("plan"));
  Value goals = v_list();
  for (int k = 0; k < l->ngoals; k++) list_push(goals, v_cstr(l->prog->stages[l->goals[k]]->as.stage->name));
  map_set(rec, "goals", goals);
  map_set(rec, "only", v_bool(only));
  if (rollback_env) {
    map_set(rec, "rollback_env", v_cstr(rollback_env));
    map_set(rec, "rollback_version", v_cstr(rollback_version));
  }
  bool ok = journal_append(j, rec, err);
  value_release(rec);
  return ok;
}

static int finish_run(Reporter *rep, Journal *j, Scheduler *s, RunCtx *c, int failed) {
  int waiting = sched_waiting(s);
  const char *status = c->rejected ? "rejected" : failed ? "failed" : waiting ? NULL : "succeeded";
  char *err = NULL;
  if (status && !journal_run_finished(j, status, &err)) {
    fprintf(stderr, "rp: %s\n", err);
    free(err);
  }
  int rc = failed || c->rejected ? EXIT_FAIL : waiting ? EXIT_PAUSED : EXIT_OK;
  report_run_finished(rep, rc);
  if (rc == EXIT_PAUSED && rep->mode != OUT_JSON)
    printf("run %s is waiting for approval; after  rp approve %s ENV --as NAME  continue it with  rp resume %s\n",
           j->run_id, j->run_id, j->run_id);
  return rc;
}

/* Run `l` under journal `j` (already started or reopened). */
static int execute(Loaded *l, RunOptions *o, Journal *j, const char *state_dir, RunState *resumed,
                   const char *rollback_env, const char *rollback_version) {
  Interp *I = interp_new(l->prog, l->im);
  natives_register_all(I);
  interp_set_dry_run(I, o->dry_run);
  interp_set_event(I, value_retain(l->event));
  if (o->break_on_failure) interp_set_fail_hook(I, break_on_failure, NULL);
  if (interp_last_error(I) || (o->secrets && !load_secrets(I, o->secrets))) {
    interp_print_error(I, stderr, want_color(stderr));
    interp_free(I);
    return EXIT_USAGE;
  }
  Reporter rep;
  report_init(&rep, output_mode_detect(o->json), j->run_id);
  /* one stage at a time when a failure may open a session on the terminal */
  Scheduler s = {.I = I, .rep = &rep, .prog = l->prog, .jobs = o->break_on_failure ? 1 : o->jobs,
                 .only = o->sel.only};
  const char *ci = getenv("CI");
  RunCtx c = {.state_dir = state_dir, .journal = j, .prog = l->prog, .I = I, .event = l->event,
              .actor = run_actor(l->event), .resumed = resumed, .force_promotion = o->force_promotion,
              .rollback_env = rollback_env, .rollback_version = rollback_version,
              .interactive = isatty(0) && isatty(2) && !(ci && *ci) && !o->json, .wait_for_gates = o->wait,
              .lock_wait_ms = 10 * 60 * 1000};
  const char *lw = getenv("RP_LOCK_WAIT");
  if (lw) c.lock_wait_ms = atoll(lw) * 1000; /* seconds */
  deploy_attach(&c, &s);
  int rc = EXIT_USAGE;
  if (sched_plan(&s, l->goals, l->ngoals)) {
    report_run_started(&rep, l->prog->name, l->event);
    if (!l->ngoals && rep.mode != OUT_JSON) {
      Buf b = {0};
      event_describe(l->event, &b);
      printf("no trigger starts a stage for this event (%s)\n", b.data ? b.data : "");
      buf_free(&b);
    }
    rc = finish_run(&rep, j, &s, &c, sched_run(&s));
    char *err = NULL;
    if (o->junit && !report_write_junit(&rep, o->junit, &err)) {
      fprintf(stderr, "rp: %s\n", err);
      free(err);
    }
  }
  sched_free(&s);
  deploy_release(&c);
  report_free(&rep);
  interp_free(I);
  return rc;
}

static int start_new_run(Loaded *l, RunOptions *o, const char *rollback_env, const char *rollback_version) {
  char *state_dir = state_dir_for(l->prog->src->path);
  Journal j = {0};
  char *err = NULL;
  int rc = EXIT_USAGE;
  if (!journal_create(&j, state_dir, NULL, &err) ||
      !journal_run_started(&j, l->prog->name, l->prog->src->path, l->event, run_actor(l->event), &err) ||
      !journal_plan(&j, l, o->sel.only, rollback_env, rollback_version, &err)) {
    fprintf(stderr, "rp: %s\n", err);
    free(err);
  } else {
    rc = execute(l, o, &j, state_dir, NULL, rollback_env, rollback_version);
  }
  journal_close(&j);
  free(state_dir);
  return rc;
}

int cmd_run(int argc, char **argv) {
  RunOptions o = {0};
  int rc = parse_options(argc, argv, &o, MODE_RUN);
  if (rc == EXIT_OK) {
    Loaded l;
    rc = plan_load(&o.sel, &l);
    if (rc == EXIT_OK) rc = start_new_run(&l, &o, NULL, NULL);
    plan_loaded_free(&l);
  }
  selection_free(&o.sel);
  return rc;
}

/* The run's "plan" record: its goals, --only, and a rollback's target. */
static bool recorded_plan(const char *state_dir, const char *run, Value *goals, bool *only, Value *plan) {
  char *path = xasprintf("%s/runs/%s/journal.ndjson", state_dir, run);
  StateRead rd;
  char *err = NULL;
  bool found = false;
  if (state_read(path, &rd, &err)) {
    for (size_t i = 0; i < list_len(rd.records); i++) {
      Value rec = list_get(rd.records, i);
      Value kind = map_get(rec, "kind");
      if (kind.kind == V_STRING && !strcmp(str_chars(kind), "plan")) {
        value_release(*goals);
        *goals = value_retain(map_get(rec, "goals"));
        *only = value_truthy(map_get(rec, "only"));
        value_release(*plan);
        *plan = value_retain(rec);
        found = true;
      }
    }
    value_release(rd.records);
  }
  free(err);
  free(path);
  return found;
}

int cmd_resume(int argc, char **argv) {
  RunOptions o = {0};
  int rc = parse_options(argc, argv, &o, MODE_RESUME);
  const char *run = o.positional[0];
  Loaded l = {0};
  RunState r = {0};
  Journal j = {0};
  char *state_dir = NULL, *err = NULL;
  Value goals = V_NULL_VALUE, plan = V_NULL_VALUE;
  if (rc != EXIT_OK) goto out;
  rc = EXIT_USAGE;
  state_dir = state_dir_for(pipeline_path(o.sel.file));
  if (!journal_replay(state_dir, run, &r, &err)) goto fail;
  if (r.status == RUN_SUCCEEDED || r.status == RUN_FAILED || r.status == RUN_REJECTED) {
    fprintf(stderr, "rp: run %s has finished (%s): nothing to resume\n", run, run_status_name(r.status));
    goto out;
  }
  bool only = false;
  if (!recorded_plan(state_dir, run, &goals, &only, &plan)) {
    fprintf(stderr, "rp: run %s has no recorded plan: it cannot be resumed\n", run);
    goto out;
  }
  /* the original event and stages; the pipeline as it is now */
  for (size_t k = 0; k < list_len(goals); k++) o.sel.stages[o.sel.nstages++] = (char *)str_chars(list_get(goals, k));
  o.sel.only = only;
  if ((rc = plan_load(&o.sel, &l)) != EXIT_OK) goto out;
  rc = EXIT_USAGE;
  value_release(l.event);
  l.event = value_retain(r.event);
  if (!journal_open(&j, state_dir, run, true, &err)) goto fail;
  printf("resuming run %s\n", run);
  Value rb_env = map_get(plan, "rollback_env"), rb_version = map_get(plan, "rollback_version");
  rc = execute(&l, &o, &j, state_dir, &r, rb_env.kind == V_STRING ? str_chars(rb_env) : NULL,
               rb_version.kind == V_STRING ? str_chars(rb_version) : NULL);
  goto out;
fail:
  fprintf(stderr, "rp: %s\n", err);
  free(err);
out:
  journal_close(&j);
  run_state_free(&r);
  plan_loaded_free(&l);
  value_release(goals);
  value_release(plan);
  free(state_dir);
  selection_free(&o.sel);
  return rc;
}

/* rp rollback ENV [--to VERSION]: run ENV's deploy stage alone with the
 * previous successful version (or the one named), recorded as a rollback. */
int cmd_rollback(int argc, char **argv) {
  RunOptions o = {0};
  int rc = parse_options(argc, argv, &o, MODE_ROLLBACK);
  const char *env = o.positional[0];
  Loaded l = {0};
  char *state_dir = NULL, *version = NULL, *err = NULL, *stage = NULL;
  if (rc != EXIT_OK) goto out;
  /* load once to find the stage that deploys to ENV */
  if ((rc = plan_load(&o.sel, &l)) != EXIT_OK) goto out;
  rc = EXIT_USAGE;
  for (int i = 0; i < l.prog->nstages; i++) {
    const Stage *st = l.prog->stages[i]->as.stage;
    if (st->environment && !strcmp(st->environment->as.attr.ref.name, env)) {
      if (stage) {
        fprintf(stderr, "rp: stages '%s' and '%s' both deploy to %s: run the one you mean with rp run --only\n",
                stage, st->name, env);
        goto out;
      }
      stage = xstrdup(st->name);
    }
  }
  if (!stage) {
    fprintf(stderr, "rp: no stage deploys to environment '%s'\n", env);
    goto out;
  }
  state_dir = state_dir_for(l.prog->src->path);
  if (o.rollback_to) {
    version = xstrdup(o.rollback_to);
  } else {
    Value prev;
    if (!history_previous_success(state_dir, env, &prev, &err)) {
      fprintf(stderr, "rp: %s\n", err);
      free(err);
      goto out;
    }
    Value v = prev.kind == V_MAP ? map_get(prev, "version") : V_NULL_VALUE;
    if (v.kind == V_STRING) version = xstrdup(str_chars(v));
    value_release(prev);
    if (!version) {
      fprintf(stderr, "rp: %s has no earlier successful deploy to go back to (rp history %s)\n", env, env);
      goto out;
    }
  }
  plan_loaded_free(&l);
  o.sel.stages[o.sel.nstages++] = stage;
  o.sel.only = true;
  if ((rc = plan_load(&o.sel, &l)) != EXIT_OK) goto out;
  printf("rolling back %s to %s with stage %s\n", env, version, stage);
  rc = start_new_run(&l, &o, env, version);
out:
  plan_loaded_free(&l);
  free(stage);
  free(version);
  free(state_dir);
  selection_free(&o.sel);
  return rc;
}
