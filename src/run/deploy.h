/* deploy.h — a run's bookkeeping around its stages, as scheduler hooks:
 * the journal (every stage start and finish, durable), approval gates,
 * promotion order (`after`), per-environment deploy locks and history.
 * DESIGN §3; the on-disk formats are in doc/state.md. */
#ifndef RP_DEPLOY_H
#define RP_DEPLOY_H

#include "run/group.h"
#include "run/journal.h"
#include "run/lock.h"
#include "run/sched.h"

typedef struct RunCtx {
  Store *store;
  Journal *journal;
  Program *prog;
  Interp *I;
  Value event;                /* borrowed */
  const char *actor;          /* who started the run */
  RunState *resumed;          /* an earlier attempt of this run, or NULL */
  bool joined;                /* rp run --run-id of a run that exists: --only stages read what it journaled */
  bool dry_run;               /* no history, locks, approvals, instances */
  bool no_cache;              /* --no-cache: `cache` stages run anyway (and are recorded) */
  const char *force_promotion; /* --force-promotion REASON */
  const char *rollback_env;   /* rp rollback: this environment ... */
  const char *rollback_version; /* ... goes back to this version */
  bool interactive;           /* ask at gates on the terminal */
  bool wait_for_gates;        /* rp resume --wait: block until decided */
  bool stop_at_gates;         /* rp run --to-gate: stop there, open or not */
  int open_gates;             /* ... and how many of them were open */
  int64_t lock_wait_ms;       /* how long to wait for an environment's lock */
  bool rejected;              /* a gate was rejected: the run ends so */
  Value dry_deploys;          /* a dry run's own deploys: env -> list of versions, for `after` */
  char *write_error;          /* a record could not be written: the run stops unfinished */
  Group *group;               /* the pipeline's concurrency group, once entered, or NULL */
  char *cancelled;            /* why a concurrency group cancelled the run (or a stage of it), or NULL */
  /* per unit of the scheduler */
  FileLock *locks;
  char **versions;
  char **targets;  /* the environment, or ephemeral instance, locked and recorded */
  char **cache_keys; /* a `cache` stage's key, recorded when it succeeds */
  Group *groups;     /* its stage's concurrency group (zero when none) */
  double *started;
  int nunits;
} RunCtx;

/* Install the hooks (c must outlive the scheduler's run). A dry run keeps
 * its deploys out of the history (so they never count for `after`), takes
 * no lock, and at an approval gate says what it would wait for and goes on
 * without waiting or using an approval. */
void deploy_attach(RunCtx *c, Scheduler *s);
/* The pipeline's concurrency group (none in a dry run): enters g and
 * waits for the run's turn. GROUP_CANCELLED: c->cancelled says by whom;
 * GROUP_ERROR: said on stderr. */
GroupTurn deploy_enter_group(RunCtx *c, Group *g);
void deploy_release(RunCtx *c);
/* For a resumed run r (owned): the deploys its journal says ran but its
 * history lacks (rp died in between) go into the history now. */
bool deploy_recover_history(Store *store, const RunState *r, char **err);

/* The approval rules, shared by gates on a terminal and `rp approve`:
 * `name` must be among the environment's reviewers and must not be the
 * actor who started the run, names compared ignoring case (as GitHub and
 * GitLab logins are). False with *why (malloc'd) otherwise. */
bool gate_may_approve(const Environment *env, const char *run_actor, const char *name, char **why);
/* The reviewers of an environment's approval: `rp check` makes them a list
 * of string literals, so they are read without evaluating anything. */
Value gate_reviewers(const Environment *env);

/* Where a deploy of `st` is reached, evaluated now, in this run: the
 * stage's `output url` when its `outputs` hold one, else its environment's
 * `url` setting (`"https://pr-${event.pr.number}.example.com"`); NULL when
 * neither gives a string that holds no secret. Malloc'd. */
char *deploy_url(Interp *I, const Program *p, const char *env, Value outputs);

/* Ephemeral environments (`ephemeral = true`, such as one per pull
 * request) are tracked per instance in STATE/ephemeral/ENV.ndjson: a deploy
 * makes its instance active, the same stage run for a closed pull request
 * removes it. The instances active now, newest first (list of maps). */
bool ephemeral_active(Store *store, const char *env, Value *out, char **err);

#endif
