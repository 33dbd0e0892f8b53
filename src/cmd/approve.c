/* approve.c — rp approve / rp reject RUN ENV [--as NAME] [--comment
 * TEXT] [-f FILE]: a reviewer's decision at the gate a run waits at.
 *
 * The pipeline, not the journal, says who may decide: the reviewers of
 * ENV's `approval` block. The decision is appended to the run's journal
 * without owning the run, so it may be taken while `rp resume --wait`
 * holds it; the run acts on it when it goes on. The first decision at a
 * gate is the only one: later ones are refused. */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/load.h"
#include "cmd/options.h"
#include "cmd/table.h"
#include "eval/families.h"
#include "lang/check.h"
#include "run/deploy.h"
#include "run/event.h"
#include "run/journal.h"
#include "run/state.h"

static char *dir_of(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return xstrdup(".");
  return slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
}

/* Whether `by` may decide ENV's gate per the pipeline at `file` (the rules
 * gates on a terminal use too: run/deploy.h); false with *why. */
static bool may_decide(const char *file, const char *env, const char *run_actor, const char *by, char **why) {
  Diags d = {0};
  Imports *im = NULL;
  char *err = NULL;
  Program *p = load_checked(file, rp_families, &im, &d, &err);
  if (!p) {
    *why = err;
    return false;
  }
  bool ok = false;
  const Environment *e = program_environment(p, env);
  if (d.nerrors) {
    diags_print(&d, stderr, want_color(stderr));
    *why = xasprintf("%s has errors; fix them first", file);
  } else if (!e) {
    *why = xasprintf("%s has no environment '%s'", file, env);
  } else {
    ok = gate_may_approve(e, run_actor, by, why);
  }
  diags_free(&d);
  checked_free(p, im);
  return ok;
}

/* Why `by` may not decide at the gate of run `r` for `env`; NULL when
 * it may. */
static char *refusal(const RunState *r, const char *env, const char *by, const char *file) {
  if (r->status != RUN_WAITING)
    return xasprintf("run %s is not waiting at an approval gate (it is %s)", r->id,
                     run_status_name(r->status));
  if (strcmp(r->gate->env, env) != 0)
    return xasprintf("run %s waits at the gate of '%s', not '%s'", r->id, r->gate->env, env);
  const Decision *d = run_state_gate_decision(r);
  if (d) {
    char *at = state_format_time(d->at_ms);
    char *why = xasprintf("run %s's gate for %s was already %s by %s at %s", r->id, env,
                          d->approved ? "approved" : "rejected", d->by ? d->by : "?", at);
    free(at);
    return why;
  }
  if (!by)
    return xstrdup("cannot tell who you are: pass --as NAME (or set RP_ACTOR)");
  char *why = NULL;
  if (!may_decide(file, env, r->actor ? r->actor : event_actor(r->event), by, &why)) return why;
  return NULL;
}

static bool record(Store *store, const RunState *r, bool approved, const char *by,
                   const char *comment, char **err) {
  Journal j;
  if (!journal_open(&j, store, r->id, false, err)) return false;
  bool ok = journal_decision(&j, approved, r->gate->env, r->gate->version, by, comment, err);
  journal_close(&j);
  return ok;
}

static int decide(const Options *o, bool approved) {
  const char *cmd = o->cmd->name, *id = o->args.v[0], *env = o->args.v[1], *file = pipeline_path(o->file);
  char *err = NULL;
  Store *store = state_open(o, file, NULL);
  if (!store) return EXIT_FAIL;
  /* read, decide and append under the lock: of two racing decisions the
   * second sees the first and is refused */
  FileLock lock = {.fd = -1};
  RunState r;
  if (!journal_lock_decisions(&lock, store, id, &err) || !journal_replay(store, id, &r, &err)) {
    fprintf(stderr, "rp %s: %s\n", cmd, err);
    store_unlock(store, &lock);
    store_close(store);
    free(err);
    return EXIT_USAGE;
  }
  char *pdir = dir_of(file);
  char *by = o->as && *o->as ? xstrdup(o->as) : actor_detect(environ, pdir);
  free(pdir);
  char *why = refusal(&r, env, by, file);
  int rc = EXIT_USAGE;
  if (why) {
    fprintf(stderr, "rp %s: refused: %s\n", cmd, why);
  } else if (!record(store, &r, approved, by, o->comment, &err)) {
    fprintf(stderr, "rp %s: %s\n", cmd, err);
    rc = EXIT_FAIL;
  } else {
    const char *v = r.gate->version;
    if (approved)
      printf("approved: run %s may deploy %s%sto %s; continue it with: rp resume %s\n", r.id,
             v ? v : "", v ? " " : "", env, r.id);
    else
      printf("rejected: run %s will not deploy %s%sto %s; it ends as rejected\n", r.id, v ? v : "",
             v ? " " : "", env);
    rc = EXIT_OK;
  }
  free(why);
  free(err);
  free(by);
  run_state_free(&r);
  store_unlock(store, &lock);
  store_close(store);
  return rc;
}

int cmd_approve(const Options *o) { return decide(o, true); }
int cmd_reject(const Options *o) { return decide(o, false); }
