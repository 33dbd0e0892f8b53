/* approve.c — rp approve / rp reject RUN ENV [--as NAME] [--key KEY]
 * [--comment TEXT] [-f FILE]: a reviewer's decision at the gate a run
 * waits at, signed when the gate's approval names `signers`.
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
#include "run/approval.h"
#include "run/deploy.h"
#include "run/event.h"
#include "run/journal.h"
#include "run/state.h"

static char *dir_of(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return xstrdup(".");
  return slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
}

/* The pipeline at `file`, checked: its rules say who may decide. NULL with
 * *why when it cannot be loaded or has errors. */
static Program *load_rules(const char *file, Imports **im, char **why) {
  Diags d = {0};
  Program *p = load_checked(file, rp_families, im, &d, why);
  if (p && d.nerrors) {
    diags_print(&d, stderr, want_color(stderr));
    *why = xasprintf("%s has errors; fix them first", file);
    checked_free(p, *im);
    p = NULL;
  }
  diags_free(&d);
  return p;
}

/* Why `by` may not decide at the gate of run `r` for `env`; NULL when
 * it may. */
static char *refusal(const RunState *r, const char *env, const char *by, const Program *p) {
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
  const Environment *e = program_environment(p, env);
  if (!e) return xasprintf("%s has no environment '%s'", p->src->path, env);
  char *why = NULL;
  if (!gate_may_approve(e, r->actor ? r->actor : event_actor(r->event), by, &why)) return why;
  return NULL;
}

/* With `signers`, signs d with the reviewer's key and checks it as every
 * reader will: a decision that would not count is not recorded. */
static bool sign(const Options *o, const Program *p, const RunState *r, Decision *d, const char *pdir,
                 char **err) {
  if (!approval_is_signed(program_environment(p, d->env))) return true;
  char *key = approval_signing_key(o->key, pdir);
  if (!key) {
    *err = xasprintf("the gate of '%s' takes signed decisions only: pass --key KEY (or set RP_SIGNING_KEY, or "
                     "git's user.signingkey)", d->env);
    return false;
  }
  bool ok = approval_sign(key, r->id, d, err);
  free(key);
  char *why = ok ? approval_check(p, r, d) : NULL;
  if (why) {
    *err = xasprintf("refused: %s", why);
    free(why);
    ok = false;
  }
  return ok;
}

static bool record(Store *store, const RunState *r, const Decision *d, char **err) {
  Journal j;
  if (!journal_open(&j, store, r->id, false, err)) return false;
  bool ok = journal_decision_record(&j, d, err);
  journal_close(&j);
  return ok;
}

static void print_done(const RunState *r, const Decision *d) {
  const char *v = d->version;
  if (d->approved)
    printf("approved: run %s may deploy %s%sto %s; continue it with: rp resume %s\n", r->id, v ? v : "",
           v ? " " : "", d->env, r->id);
  else
    printf("rejected: run %s will not deploy %s%sto %s; it ends as rejected\n", r->id, v ? v : "", v ? " " : "",
           d->env);
}

static int decide(const Options *o, bool approved) {
  const char *cmd = o->cmd->name, *id = o->args.v[0], *env = o->args.v[1], *file = pipeline_path(o->file);
  char *err = NULL;
  Imports *im = NULL;
  Program *p = load_rules(file, &im, &err);
  Store *store = p ? state_open(o, file, p) : NULL;
  if (p && !store) {
    checked_free(p, im);
    return EXIT_FAIL;
  }
  /* read, decide and append under the lock: of two racing decisions the
   * second sees the first and is refused */
  FileLock lock = {.fd = -1};
  RunState r = {0};
  if (!p || !journal_lock_decisions(&lock, store, id, &err) || !journal_replay(store, id, &r, &err)) {
    fprintf(stderr, "rp %s: %s\n", cmd, err);
    if (store) store_unlock(store, &lock);
    store_close(store);
    if (p) checked_free(p, im);
    free(err);
    return EXIT_USAGE;
  }
  approval_review(&r, p); /* decisions that do not count neither block nor decide */
  char *pdir = dir_of(file);
  char *by = o->as && *o->as ? xstrdup(o->as) : actor_detect(environ, pdir);
  char *why = refusal(&r, env, by, p);
  int rc = EXIT_USAGE;
  Decision d = {.approved = approved, .env = (char *)env, .version = r.gate ? r.gate->version : NULL,
                .comment = (char *)o->comment, .at_ms = state_now_ms()};
  /* recorded as the pipeline spells the reviewer: the name signers lists */
  if (!why) d.by = approval_reviewer(program_environment(p, env), by);
  if (why) {
    fprintf(stderr, "rp %s: refused: %s\n", cmd, why);
  } else if (!sign(o, p, &r, &d, pdir, &err)) {
    fprintf(stderr, "rp %s: %s\n", cmd, err); /* refused: nothing written */
  } else if (!record(store, &r, &d, &err)) {
    fprintf(stderr, "rp %s: %s\n", cmd, err);
    rc = EXIT_FAIL;
  } else {
    print_done(&r, &d);
    rc = EXIT_OK;
  }
  free(d.by);
  free(d.signature);
  free(pdir);
  free(why);
  free(err);
  free(by);
  run_state_free(&r);
  store_unlock(store, &lock);
  store_close(store);
  checked_free(p, im);
  return rc;
}

int cmd_approve(const Options *o) { return decide(o, true); }
int cmd_reject(const Options *o) { return decide(o, false); }
