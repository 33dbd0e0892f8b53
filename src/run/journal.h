/* journal.h — the record of one run, from which it can be resumed.
 *
 * The run's log in the store (run/store.h; a directory's
 * STATE/runs/<RUN_ID>/journal.ndjson) holds one JSON object per line, each
 * with "kind" and "at" (UTC, state_format_time). Kinds and their fields:
 *   run_started    run, pipeline, file, event, actor, started, pid, host
 *   plan           goals, only, rollback_env?, rollback_version?, dry_run
 *   stage_started  stage, attempt
 *   stage_finished stage, status, outputs, error, duration_ms, and
 *                  secret_outputs when some outputs held a secret, and
 *                  deploy (its history entry) when a deploy ran
 *   gate_waiting   stage, env, version, reviewers
 *   approved       env, version, by, comment, signature? (rejected: the same;
 *                  "at" is the decision's time, which the signature covers)
 *   artifact       stage, unit, run, name, digest, size, files (run/artifact.h)
 *   run_finished   status
 * Every record survives kill -9 once appended, but stage_started, which
 * a git store sends with the next record. Records are also synced to
 * disk (survive a power cut) except stage_started and stage_finished,
 * whose loss can only make a resumed run repeat a stage; a deploy's stage
 * record is synced by journal_sync. Replay ignores kinds it does not know,
 * so later versions may add some.
 *
 * The process driving a run (rp run, rp resume) *owns* it: it holds an
 * flock on STATE/runs/<RUN_ID>/owner.lock until it exits, so the kernel
 * releases it however that process ends. A run that never finished and
 * whose owner lock is free has crashed and can be resumed. Other writers
 * (rp approve, rp reject) append without owning, under the decisions lock
 * (journal_lock_decisions). On a git store both locks are leases
 * (run/store_git.c).
 *
 * Across fork: both descriptors are O_CLOEXEC, so programs a stage execs
 * never hold them. A forked stage child shares the owner lock with the
 * parent (flock belongs to the open file, not the process), so it drops
 * its copy at once (journal_forget): the run must be free to resume the
 * moment its driver dies, and a stage's process dies with its driver
 * (run/sched.c). That does not release the parent's lock. Only the
 * parent appends: a process sharing the parent's descriptor also shares
 * its append flock, so a child that must write opens the journal itself
 * (journal_open). */
#ifndef RP_JOURNAL_H
#define RP_JOURNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/value.h"
#include "run/lock.h"
#include "run/store.h"

typedef struct Journal {
  Store *store;    /* borrowed */
  char *run_id;
  FileLock owner;  /* held when this process owns the run */
} Journal;

/* ---- writing ---- */

/* A new run id, "20261122-230103-7f3a" (UTC time, then random hex), malloc'd. */
char *journal_new_id(void);
/* Starts a new run: creates STATE/runs/<id>/ (run_id NULL: a fresh id),
 * owns it (unless a job that joined the given id owns it already) and
 * opens its journal. Fails if the run exists. */
bool journal_create(Journal *j, Store *store, const char *run_id, char **err);
/* Opens an existing run's journal to append. With `own`, also takes
 * ownership (rp resume); fails naming the holder if another process
 * drives the run. Without, for rp approve / reject. */
bool journal_open(Journal *j, Store *store, const char *run_id, bool own, char **err);
/* Opens an existing run's journal for a process that runs some of its
 * stages (rp run --only STAGE --run-id): owned when nobody drives it, else
 * beside the process that does, as the parallel CI jobs of one run are. */
bool journal_join(Journal *j, Store *store, const char *run_id, char **err);
/* Appends one record (a map; borrowed). Durable when it returns true. */
bool journal_append(Journal *j, Value record, char **err);
void journal_close(Journal *j);  /* releases ownership; j may be zeroed */
/* In a forked stage process: closes its copies of j's descriptors. */
void journal_forget(Journal *j);

/* The records of the kinds above, with "kind" and "at" filled in. Values
 * are borrowed; NULL strings are written as null. */
bool journal_run_started(Journal *j, const char *pipeline, const char *file, Value event,
                         const char *actor, char **err);
bool journal_stage_started(Journal *j, const char *stage, int attempt, char **err);
/* `outputs` as they may be shown (masked); `secret_outputs` (a list, or
 * null) names those that held a secret; `deploy` (a map, or null) is the
 * history entry of the deploy the stage ran. */
bool journal_stage_finished(Journal *j, const char *stage, const char *status, Value outputs,
                            Value secret_outputs, const char *error, int64_t duration_ms, Value deploy,
                            char **err);
bool journal_gate_waiting(Journal *j, const char *stage, const char *env, const char *version,
                          Value reviewers, char **err);
bool journal_decision(Journal *j, bool approved, const char *env, const char *version,
                      const char *by, const char *comment, char **err);
/* The same from d's fields, its at_ms the record's "at" (a signature covers
 * it); d->ignored is not written. */
struct Decision;
bool journal_decision_record(Journal *j, const struct Decision *d, char **err);
bool journal_run_finished(Journal *j, const char *status, char **err);
/* run_finished, status "cancelled", and `reason`: by which run. */
bool journal_run_cancelled(Journal *j, const char *reason, char **err);
/* Make everything appended so far survive a power cut. */
bool journal_sync(Journal *j, char **err);
/* Decisions at a run's gate are taken one at a time: whoever holds
 * STATE/runs/<RUN_ID>/decisions.lock across replaying the journal,
 * checking that nobody has decided yet and appending its decision is the
 * only one to decide (the first wins, a racing second is refused). Waits
 * a few seconds for another decider; store_unlock lets go. */
bool journal_lock_decisions(FileLock *l, Store *store, const char *run_id, char **err);

/* ---- reading ---- */

/* Whether some process owns run_id (holds its owner lock or lease);
 * `if_unknown` when the state cannot tell. */
bool journal_owner_alive(Store *store, const char *run_id, bool if_unknown);

typedef enum RunStatus {
  RUN_RUNNING,   /* its owner is alive */
  RUN_SUCCEEDED,
  RUN_FAILED,
  RUN_WAITING,   /* stopped at an approval gate */
  RUN_REJECTED,  /* the gate it waited at was rejected */
  RUN_CRASHED,   /* unfinished and nobody owns it: resumable */
  RUN_CANCELLED, /* a newer run of its concurrency group cancelled it */
} RunStatus;
const char *run_status_name(RunStatus s); /* "running", "succeeded", ... */

typedef struct StageState {
  char *name;
  char *status;        /* "running" until stage_finished, then as recorded */
  int attempts;        /* the last attempt started */
  Value outputs;       /* as recorded (a map), null before it finished */
  Value secret_outputs; /* the names of those that held a secret (a list), or null */
  Value deploy;        /* the history entry of the deploy it ran (a map), or null */
  Value artifact;      /* its last `artifact` record (run/artifact.h), or null */
  char *error;         /* NULL when none */
  int64_t duration_ms; /* -1 before it finished */
} StageState;

typedef struct Decision {
  bool approved;       /* false: rejected */
  char *env, *version, *by, *comment; /* version, comment may be NULL */
  int64_t at_ms;
  char *signature;     /* ssh-keygen -Y sign's armored text, or NULL */
  char *ignored;       /* why it does not count (run/approval.h), or NULL */
} Decision;

typedef struct Gate {
  char *stage, *env, *version; /* version may be NULL */
  Value reviewers;             /* as recorded */
  int64_t at_ms;
} Gate;

typedef struct RunState {
  char *id, *pipeline, *file, *actor, *host; /* NULL when not recorded */
  long pid;                  /* of the process that started it */
  Value event;               /* as recorded; null when missing */
  RunStatus status;
  bool dry_run;              /* its plan says so: resumed dry as well */
  int64_t started_ms;        /* 0 when unknown */
  int64_t finished_ms;       /* 0 while not finished */
  StageState *stages;        /* in the order they first started */
  size_t nstages;
  Decision *decisions;       /* every approval and rejection, in order */
  size_t ndecisions;
  Gate *gate;                /* the gate it waits at (or was rejected at); NULL if none */
  char *reason;              /* a cancelled run's: by which run, in which group */
  size_t nrecords;           /* valid records replayed */
  bool torn;                 /* an incomplete last line was ignored */
  size_t invalid;            /* invalid lines skipped before the last */
} RunState;

/* Rebuilds a run's state from its journal. False with *err when the run
 * does not exist or cannot be read; a torn last line is not an error. */
bool journal_replay(Store *store, const char *run_id, RunState *out, char **err);
const StageState *run_state_stage(const RunState *r, const char *stage); /* NULL if never started */
/* The first decision taken at the gate the run waits at, of those not
 * ignored; NULL if none. */
const Decision *run_state_gate_decision(const RunState *r);
/* For `rp status --json`: {id, status, event, started, finished, stages:
 * {name: {status, attempts, outputs, error, duration_ms, artifact?}}, gate, decisions, dry_run, torn};
 * each decision has "signed" and "ignored" (why it does not count, or null). */
Value run_state_to_value(const RunState *r);
void run_state_free(RunState *r);

typedef struct RunSummary {
  char *id;
  char *event;          /* the event's kind, NULL when unknown */
  RunStatus status;
  bool dry_run;
  char *reason;         /* a cancelled run's: by whom; else NULL */
  int64_t started_ms;
  int64_t duration_ms;  /* -1 while not finished */
} RunSummary;

/* Every run under STATE/runs, oldest first (for `rp runs`). Runs whose
 * journal cannot be read are left out. No state directory: zero runs. */
bool journal_list(Store *store, RunSummary **out, size_t *n, char **err);
void run_summaries_free(RunSummary *runs, size_t n);

#endif
