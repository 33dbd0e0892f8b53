/* run.c — rp run, rp resume and rp rollback: one engine. A run is
 * journaled from its first line, so it can stop at an approval gate (exit
 * 3) and go on later, on any machine that has the journal. */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/load.h"
#include "cmd/options.h"
#include "eval/interp.h"
#include "run/deploy.h"
#include "run/history.h"
#include "run/output.h"
#include "run/plan.h"
#include "run/sched.h"
#include "repl/onfail.h"
#include "run/state.h"

/* What a run goes by: the options as given, from them the selection
 * and the number of jobs, and the pipeline loaded for it. */
typedef struct RunOptions {
  const Options *o;
  Selection sel;
  int jobs; /* -j, else the number of processors */
  Loaded l;
} RunOptions;

static bool run_options(const Options *o, ArgsAre args, RunOptions *r) {
  memset(r, 0, sizeof *r);
  r->o = o;
  long jobs = sysconf(_SC_NPROCESSORS_ONLN);
  char *end = "";
  if (o->jobs) jobs = strtol(o->jobs, &end, 10);
  else if (jobs < 1) jobs = 1;
  if (*end || jobs < 1 || jobs > INT_MAX) {
    fprintf(stderr, "rp %s: -j needs a positive number, not '%s'\n", o->cmd->name, o->jobs);
    return false;
  }
  r->jobs = (int)jobs;
  char *err = NULL;
  if (!options_selection(o, args, &r->sel, &err)) {
    fprintf(stderr, "rp %s: %s\n", o->cmd->name, err);
    free(err);
    return false;
  }
  return true;
}

static void run_options_free(RunOptions *r) {
  plan_loaded_free(&r->l);
  selection_free(&r->sel);
}

/* Who is running this: RP_ACTOR, else the event's actor. */
static const char *run_actor(Value event) {
  const char *a = getenv("RP_ACTOR");
  return a && *a ? a : event_actor(event);
}

/* Each --secrets [ENV=]FILE. ENV=FILE when what comes before the first
 * '=' is a name without '/' (write ./a=b for a file of that name), and
 * ENV must be one of the pipeline's environments. */
static bool load_secrets(Interp *I, const Program *prog, const Args *files) {
  bool ok = true;
  for (int i = 0; ok && i < files->n; i++) {
    const char *arg = files->v[i], *eq = strchr(arg, '=');
    char *env = eq && eq > arg && !memchr(arg, '/', (size_t)(eq - arg)) ? xstrndup(arg, (size_t)(eq - arg)) : NULL;
    char *err = NULL;
    if (env && !program_environment(prog, env))
      err = xasprintf("--secrets %s: the pipeline has no environment '%s'", arg, env);
    else if (env)
      ok = secrets_load_env(interp_secrets(I), env, eq + 1, &err);
    else
      ok = secrets_load(interp_secrets(I), arg, &err);
    if (err) {
      fprintf(stderr, "rp: %s\n", err);
      ok = false;
    }
    free(err);
    free(env);
  }
  return ok;
}

/* Record which stages this run is after (and, for a rollback, the version
 * it goes back to; whether it is a dry run), so a resume plans the same. */
static bool journal_plan(Journal *j, const Loaded *l, bool only, bool dry_run, const char *rollback_env,
                         const char *rollback_version, char **err) {
  Value rec = v_map();
  map_set(rec, "kind", v_cstr("plan"));
  Value goals = v_list();
  for (int k = 0; k < l->ngoals; k++) list_push(goals, v_cstr(l->triggers.goals[k].stage)); /* STAGE[VALUE] too */
  map_set(rec, "goals", goals);
  map_set(rec, "only", v_bool(only));
  map_set(rec, "dry_run", v_bool(dry_run));
  if (rollback_env) {
    map_set(rec, "rollback_env", v_cstr(rollback_env));
    map_set(rec, "rollback_version", v_cstr(rollback_version));
  }
  bool ok = journal_append(j, rec, err);
  value_release(rec);
  return ok;
}

static int finish_run(Reporter *rep, Journal *j, Scheduler *s, RunCtx *c, int failed) {
  if (c->write_error) { /* no run_finished: it stays resumable */
    report_run_finished(rep, EXIT_FAIL);
    fprintf(stderr, "rp: run %s stopped: a record could not be written; once it can, continue it with  rp resume %s\n",
            j->run_id, j->run_id);
    return EXIT_FAIL;
  }
  int waiting = sched_waiting(s);
  const char *status = c->rejected ? "rejected" : failed ? "failed" : waiting ? NULL : "succeeded";
  char *err = NULL;
  if (c->cancelled ? !journal_run_cancelled(j, c->cancelled, &err) : status && !journal_run_finished(j, status, &err)) {
    fprintf(stderr, "rp: %s\n", err);
    free(err);
  }
  /* --to-gate at gates that are all open: nothing waits for a decision */
  bool decided = waiting && waiting == c->open_gates;
  int rc = failed || c->rejected || c->cancelled ? EXIT_FAIL : waiting && !decided ? EXIT_PAUSED : EXIT_OK;
  rep->cancelled = c->cancelled != NULL;
  if (c->cancelled && rep->mode != OUT_JSON) printf("run %s: %s\n", j->run_id, c->cancelled);
  report_run_finished(rep, rc);
  if (rc == EXIT_PAUSED && rep->mode != OUT_JSON)
    printf("run %s is waiting for approval; after  rp approve %s ENV --as NAME  continue it with  rp resume %s\n",
           j->run_id, j->run_id, j->run_id);
  return rc;
}

/* An exported job (`rp run --only STAGE` inside GitHub Actions) hands the
 * stage's outputs to the jobs after it through $GITHUB_OUTPUT; a deploy's
 * URL, when the stage did not set `output url`, goes there as `url` too
 * (the job's `environment: url:` reads it). */
static void github_outputs(const Loaded *l, Interp *I) {
  const char *path = getenv("GITHUB_OUTPUT");
  if (!path || !*path) return;
  for (int k = 0; k < l->ngoals; k++) {
    const Stage *st = l->prog->stages[l->goals[k]]->as.stage;
    const char *stage = st->name;
    char *skipped = NULL, *err = NULL;
    Value outputs = value_retain(interp_outputs(I, stage));
    char *url = st->environment && outputs.kind == V_MAP ? deploy_url(I, l->prog, stage_environment(st, V_NULL_VALUE), outputs) : NULL;
    if (url && ci_url_linkable(url) && !map_has(outputs, "url")) {
      Value with = map_copy(outputs);
      map_set(with, "url", v_cstr(url));
      value_release(outputs);
      outputs = with;
    }
    free(url);
    bool ok = ci_write_outputs(path, outputs, interp_secrets(I), &skipped, &err);
    value_release(outputs);
    if (!ok) {
      fprintf(stderr, "rp: %s\n", err);
      free(err);
    }
    if (skipped)
      printf("rp: %s: not written to $GITHUB_OUTPUT (a secret, or a name GitHub cannot read): %s\n", stage, skipped);
    free(skipped);
  }
}

/* A new run's first records: how it started (its event masked: an input
 * may carry a secret's text) and its plan. */
static bool record_start(Journal *j, RunOptions *r, Interp *I, bool dry_run, const char *rollback_env,
                         const char *rollback_version) {
  Loaded *l = &r->l;
  char *err = NULL;
  Value event = secrets_mask_value(interp_secrets(I), l->event);
  bool ok = journal_run_started(j, l->prog->name, l->prog->src->path, event, run_actor(l->event), &err) &&
            journal_plan(j, l, r->sel.only, dry_run, rollback_env, rollback_version, &err);
  value_release(event);
  if (!ok) fprintf(stderr, "rp: %s\n", err);
  free(err);
  return ok;
}

/* Run r->l under journal `j` (reopened, or a new run's when `starts`); a
 * dry run as its plan says, not as this command line does. */
static int execute(RunOptions *r, Journal *j, RunState *resumed, bool starts, bool dry_run,
                   const char *rollback_env, const char *rollback_version) {
  const Options *o = r->o;
  Loaded *l = &r->l;
  Interp *I = interp_new(l->prog, l->im);
  interp_set_dry_run(I, dry_run);
  interp_set_event(I, value_retain(l->event));
  if (o->break_on_failure) interp_set_fail_hook(I, break_on_failure, NULL);
  if (interp_last_error(I) || !load_secrets(I, l->prog, &o->secrets)) {
    interp_print_error(I, stderr, want_color(stderr));
    interp_free(I);
    return EXIT_USAGE;
  }
  if (starts && !record_start(j, r, I, dry_run, rollback_env, rollback_version)) {
    interp_free(I);
    return EXIT_USAGE;
  }
  Reporter rep;
  report_init(&rep, output_mode_detect(o->json), j->run_id, interp_secrets(I));
  if (o->break_on_failure) rep.live = false; /* its session takes the terminal: no status line over it */
  /* one stage at a time when a failure may open a session on the terminal */
  Scheduler s = {.I = I, .rep = &rep, .prog = l->prog, .jobs = o->break_on_failure ? 1 : r->jobs,
                 .only = r->sel.only, .instances = l->instances};
  const char *ci = getenv("CI");
  RunCtx c = {.store = j->store, .journal = j, .prog = l->prog, .I = I, .event = l->event,
              .actor = run_actor(l->event), .resumed = resumed, .joined = resumed && o->run_id, .dry_run = dry_run,
              .no_cache = o->no_cache, .force_promotion = o->force_promotion,
              .rollback_env = rollback_env, .rollback_version = rollback_version,
              .interactive = isatty(0) && isatty(2) && !(ci && *ci) && !o->json, .wait_for_gates = o->wait, .stop_at_gates = o->to_gate,
              .lock_wait_ms = 10 * 60 * 1000};
  const char *lw = getenv("RP_LOCK_WAIT");
  if (lw) c.lock_wait_ms = atoll(lw) * 1000; /* seconds */
  deploy_attach(&c, &s);
  int rc = EXIT_USAGE;
  Group group = {0};
  if (sched_plan(&s, l->goals, l->ngoals)) {
    report_run_started(&rep, l->prog->name, l->event);
    if (!l->ngoals && rep.mode != OUT_JSON) {
      Buf b = {0};
      event_describe(l->event, &b);
      printf("no trigger starts a stage for this event (%s)\n", b.data ? b.data : "");
      buf_free(&b);
    }
    GroupTurn turn = deploy_enter_group(&c, &group);
    rc = turn == GROUP_ERROR ? EXIT_FAIL : finish_run(&rep, j, &s, &c, turn == GROUP_GO ? sched_run(&s) : 0);
    if (rep.mode == OUT_GITHUB && r->sel.only) github_outputs(l, I);
    char *err = NULL;
    if (o->junit && !report_write_junit(&rep, o->junit, &err)) {
      fprintf(stderr, "rp: %s\n", err);
      free(err);
    }
  }
  sched_free(&s);
  deploy_release(&c);
  group_free(&group);
  report_free(&rep);
  interp_free(I);
  return rc;
}

/* A file size limit (ulimit -f) must fail a write with EFBIG, which the
 * run reports, rather than kill rp before it can say so. Stages get the
 * default back (run/sched.c). */
static void keep_running_on_big_files(void) { signal(SIGXFSZ, SIG_IGN); }

/* rp run --run-id ID of a run that exists: drive it from where it is, as
 * rp resume does, towards the stages this command names. */
static int join_run(RunOptions *r, Journal *j, Store *store, const char *id) {
  RunState prior = {0};
  char *err = NULL;
  int rc = EXIT_USAGE;
  bool opened = r->sel.only ? journal_join(j, store, id, &err) : journal_open(j, store, id, true, &err);
  if (!opened || !journal_replay(store, id, &prior, &err) ||
      !deploy_recover_history(store, &prior, &err) ||
      !journal_plan(j, &r->l, r->sel.only, prior.dry_run, NULL, NULL, &err)) {
    fprintf(stderr, "rp: %s\n", err);
    free(err);
  } else {
    if (r->l.event.kind == V_MAP && prior.event.kind == V_MAP) { /* the run's event, as resume has it */
      value_release(r->l.event);
      r->l.event = value_retain(prior.event);
    }
    printf("joining run %s\n", id);
    rc = execute(r, j, &prior, false, prior.dry_run, NULL, NULL);
  }
  run_state_free(&prior);
  return rc;
}

/* Whether run id, which did not exist a moment ago, does now: another
 * job of the run (a parallel CI job) started it first. */
static bool started_meanwhile(Store *store, const char *id) {
  bool exists = false;
  char *err = NULL;
  bool ok = store_exists(store, SPACE_RUNS, id, &exists, &err);
  free(err);
  return ok && exists;
}

static int start_new_run(RunOptions *r, const char *rollback_env, const char *rollback_version) {
  Loaded *l = &r->l;
  keep_running_on_big_files();
  Journal j = {0};
  char *err = NULL;
  int rc = EXIT_USAGE;
  Store *store = state_open(r->o, l->prog->src->path, l->prog);
  if (!store) return EXIT_FAIL;
  const char *id = rollback_env ? NULL : r->o->run_id;
  bool exists = false;
  if (id && store_exists(store, SPACE_RUNS, id, &exists, &err) && exists) {
    rc = join_run(r, &j, store, id);
  } else if (!err && !journal_create(&j, store, id, &err) && id && started_meanwhile(store, id)) {
    free(err);
    err = NULL;
    rc = join_run(r, &j, store, id);
  } else if (err) {
    fprintf(stderr, "rp: %s\n", err);
    free(err);
  } else {
    rc = execute(r, &j, NULL, true, r->o->dry_run, rollback_env, rollback_version);
  }
  journal_close(&j);
  store_close(store);
  return rc;
}

int cmd_run(const Options *o) {
  RunOptions r;
  if (!run_options(o, ARGS_STAGES, &r)) return EXIT_USAGE;
  int rc = pipeline_plan(&r.sel, &r.l) ? start_new_run(&r, NULL, NULL) : EXIT_USAGE;
  run_options_free(&r);
  return rc;
}

/* The run's "plan" record: its goals, --only, and a rollback's target. */
static bool recorded_plan(Store *store, const char *run, Value *goals, bool *only, Value *plan) {
  StateRead rd;
  char *err = NULL;
  bool found = false;
  if (store_read(store, SPACE_RUNS, run, &rd, &err)) {
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
  return found;
}

int cmd_resume(const Options *o) {
  RunOptions ro;
  if (!run_options(o, ARGS_OTHER, &ro)) return EXIT_USAGE;
  const char *run = o->args.v[0];
  RunState r = {0};
  Journal j = {0};
  char *err = NULL;
  Store *store = state_open(o, pipeline_path(ro.sel.file), NULL);
  Value goals = V_NULL_VALUE, plan = V_NULL_VALUE;
  int rc = EXIT_USAGE;
  keep_running_on_big_files();
  /* own the run before reading what to do: of two resumes at once, one
   * drives it and the other is refused before it starts anything */
  if (!store) {
    run_options_free(&ro);
    return EXIT_FAIL;
  }
  if (!journal_open(&j, store, run, true, &err) || !journal_replay(store, run, &r, &err)) goto fail;
  if (!deploy_recover_history(store, &r, &err)) {
    rc = EXIT_FAIL;
    goto fail;
  }
  /* rejected only by a decision that does not count (written by hand): it still waits */
  if (r.status == RUN_REJECTED) pipeline_review_decisions(&r, ro.sel.file);
  if (r.status == RUN_SUCCEEDED || r.status == RUN_FAILED || r.status == RUN_REJECTED ||
      r.status == RUN_CANCELLED) {
    fprintf(stderr, "rp: run %s has finished (%s): nothing to resume\n", run, run_status_name(r.status));
    goto out;
  }
  if (!recorded_plan(store, run, &goals, &ro.sel.only, &plan)) {
    fprintf(stderr, "rp: run %s has no recorded plan: it cannot be resumed\n", run);
    goto out;
  }
  if (o->dry_run && !r.dry_run) {
    fprintf(stderr, "rp: run %s is not a dry run: it resumes as it started (rp run --dry-run starts one)\n", run);
    goto out;
  }
  /* the original event and stages; the pipeline as it is now */
  for (size_t k = 0; k < list_len(goals); k++)
    VEC_PUSH(ro.sel.stages, ro.sel.nstages, ro.sel.stages_cap, str_chars(list_get(goals, k)));
  if (!pipeline_plan(&ro.sel, &ro.l)) goto out;
  value_release(ro.l.event);
  ro.l.event = value_retain(r.event);
  if (!o->json) printf("resuming run %s\n", run); /* --json: run_started says it */
  Value rb_env = map_get(plan, "rollback_env"), rb_version = map_get(plan, "rollback_version");
  rc = execute(&ro, &j, &r, false, r.dry_run, rb_env.kind == V_STRING ? str_chars(rb_env) : NULL,
               rb_version.kind == V_STRING ? str_chars(rb_version) : NULL);
  goto out;
fail:
  fprintf(stderr, "rp: %s\n", err);
  free(err);
out:
  journal_close(&j);
  run_state_free(&r);
  value_release(goals);
  value_release(plan);
  store_close(store);
  run_options_free(&ro);
  return rc;
}

/* STAGE when `st` deploys to `env`, or STAGE[env] when its one matrix
 * axis binds its environment and lists `env` (malloc'd); else NULL. */
static char *deploy_instance(const Stage *st, const char *env) {
  if (!st->environment) return NULL;
  const Node *axis = stage_matrix_axis(st, st->environment->as.attr.ref.name);
  if (!axis) return strcmp(st->environment->as.attr.ref.name, env) ? NULL : xstrdup(st->name);
  const Node *l = axis->as.attr.value;
  if (st->matrix != axis || st->matrix_opts || l->kind != N_LIST) return NULL;
  for (int i = 0; i < st->attrs.n; i++)
    if (st->attrs.items[i] != axis && st->attrs.items[i]->as.attr.kind == ATTR_MATRIX) return NULL;
  for (int i = 0; i < l->as.list.n; i++) {
    const char *text;
    uint32_t len;
    if (string_is_plain(l->as.list.items[i], &text, &len) && len == strlen(env) && !memcmp(text, env, len))
      return xasprintf("%s[%s]", st->name, env);
  }
  return NULL;
}

/* The one stage of `p` that deploys to `env` (malloc'd); NULL after
 * saying why there is none. */
static char *deploy_stage(const Program *p, const char *env) {
  char *stage = NULL;
  for (int i = 0; i < p->nstages; i++) {
    const Stage *st = p->stages[i]->as.stage;
    char *name = deploy_instance(st, env);
    if (!name) continue;
    if (stage) {
      fprintf(stderr, "rp: stages '%s' and '%s' both deploy to %s: run the one you mean with rp run --only\n", stage,
              name, env);
      free(stage);
      free(name);
      return NULL;
    }
    stage = name;
  }
  if (!stage) fprintf(stderr, "rp: no stage deploys to environment '%s'\n", env);
  return stage;
}

/* The version a rollback of `env` deploys (malloc'd): `to`, which `env`
 * must have run successfully (a rollback is no way around `after`), or
 * the one before the current one; NULL after saying why there is none. */
static char *rollback_version(Store *store, const char *env, const char *to) {
  Value prev = V_NULL_VALUE;
  char *err = NULL, *version = NULL;
  bool deployed = false;
  if (to ? !history_was_deployed(store, env, to, &deployed, &err)
         : !history_rollback_target(store, env, &prev, &err)) {
    fprintf(stderr, "rp: %s\n", err);
    free(err);
    return NULL;
  }
  if (to) {
    if (deployed) return xstrdup(to);
    fprintf(stderr, "rp: %s was never deployed to %s successfully, so it is not a rollback target (rp history %s)\n",
            to, env, env);
    return NULL;
  }
  Value v = prev.kind == V_MAP ? map_get(prev, "version") : V_NULL_VALUE;
  if (v.kind == V_STRING) version = xstrdup(str_chars(v));
  value_release(prev);
  if (!version)
    fprintf(stderr, "rp: %s has no earlier successful deploy to go back to: nothing is older than what it runs (rp history %s)\n",
            env, env);
  return version;
}

/* rp rollback ENV [--to VERSION]: run ENV's deploy stage alone with the
 * previous successful version (or the one named), recorded as a rollback. */
int cmd_rollback(const Options *o) {
  RunOptions ro;
  if (!run_options(o, ARGS_OTHER, &ro)) return EXIT_USAGE;
  const char *env = o->args.v[0];
  char *version = NULL, *stage = NULL;
  Store *store = NULL;
  int rc = EXIT_USAGE;
  /* load once to find the stage that deploys to ENV */
  if (!pipeline_plan(&ro.sel, &ro.l) || !(stage = deploy_stage(ro.l.prog, env))) goto out;
  if (!(store = state_open(o, ro.l.prog->src->path, ro.l.prog))) goto out;
  version = rollback_version(store, env, o->to);
  store_close(store);
  if (!version) goto out;
  plan_loaded_free(&ro.l);
  VEC_PUSH(ro.sel.stages, ro.sel.nstages, ro.sel.stages_cap, stage);
  ro.sel.only = true;
  if (!pipeline_plan(&ro.sel, &ro.l)) goto out;
  printf("rolling back %s to %s with stage %s\n", env, version, stage);
  rc = start_new_run(&ro, env, version);
out:
  free(stage);
  free(version);
  run_options_free(&ro);
  return rc;
}
