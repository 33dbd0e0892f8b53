/* sched.h — running stages as child processes, as make runs recipes:
 * up to `jobs` at once, each stage when everything it needs succeeded.
 * A child reports its log lines, its outputs and the secrets it registered
 * back over a pipe as JSON lines, so the parent alone writes to the
 * terminal and keeps state, masked with all the run's secrets. A stage
 * that is one command (interp_one_sh) is that command alone: the parent
 * starts it without a fork of itself and reads its output directly. */
#ifndef RP_SCHED_H
#define RP_SCHED_H

#include <sys/types.h>

#include "eval/interp.h"
#include "prim/exec.h"
#include "run/output.h"

typedef struct Unit {
  const Stage *stage;
  int stage_index;   /* of its stage in prog->stages */
  char *name;        /* "build", or "build[linux]" for a matrix instance */
  Value vars;        /* the matrix variables as a map, or null */
  int max_parallel;  /* matrix { max_parallel }: its stage's instances running at once; 0: any */
  bool fail_fast;    /* matrix { fail_fast }: its failure cancels its stage's other instances */
  bool held;         /* ready, but max_parallel of its stage's instances run */
  int cancelled_by;  /* fail_fast: the unit whose failure cancelled it, + 1; 0: none */
  int *needs;        /* indexes of units this one waits for */
  int nneeds, needs_cap;
  int unmet;         /* needs not succeeded yet: 0 makes it ready */
  bool queued;       /* in the scheduler's queue of units to look at again */
  StageStatus status;
  int attempts, retries; /* attempts started; retries allowed */
  pid_t pid;
  int fd;
  Buf inbuf;         /* what its process sent that is not handled yet */
  /* A stage whose run is one command (interp_one_sh, decided at planning)
   * has no process of its own: the driver computes the command and starts
   * it, its stdout on fd and its stderr on efd, and reads its log itself. */
  const Node *sh;
  bool direct;       /* this attempt runs that way */
  bool exiting;      /* its output ended: fd waits for it to exit (a pidfd) */
  Value cmd;         /* the command it runs (prim/shtemplate.h) */
  int efd;
  ExecLines lines[2]; /* its stdout and stderr: the incomplete last lines */
  size_t told;       /* the run's secrets that its process knows */
  double started;
  int64_t timeout_ms;
  double deadline;       /* monotonic seconds; 0: none */
  bool timed_out;        /* the body ran out of time; the post blocks run */
  bool in_post;          /* the stage's process reported its post blocks started */
  bool killed;           /* killed when its post blocks ran out of time */
  char *stopped;         /* sched_stop_unit's reason: it ends cancelled */
  bool got_result, result_ok;
  bool read_secret;      /* its process called secret(): never cached */
  Value outputs;
  RtError err;
} Unit;

/* What a run adds around each stage (journal, gates, locks, history:
 * run/deploy.c); every hook is optional. */
typedef enum { GO_RUN, GO_WAIT, GO_FAIL, GO_DONE, GO_CACHED, GO_CANCEL } GoDecision;
typedef struct Scheduler Scheduler;

typedef struct SchedHooks {
  void *ctx;
  /* Just before a unit would start (its needs done, `when` true). GO_DONE:
   * it already finished in an earlier attempt of this run (u->outputs set);
   * GO_CACHED: an earlier run stands for it (u->outputs set; *reason says
   * which), and it finishes as succeeded without running;
   * GO_WAIT: it waits at an approval gate; GO_FAIL: *reason says why;
   * GO_CANCEL: it ends cancelled without running (*reason: by whom). */
  GoDecision (*before)(void *ctx, Scheduler *s, int unit, char **reason);
  /* Just before its process is forked. False: it cannot be recorded, so
   * it does not start, and the run starts nothing more (s->halted). */
  bool (*started)(void *ctx, Scheduler *s, int unit);
  /* In the stage's process, just after the fork: drop what only the
   * run's driver may hold. */
  void (*forked)(void *ctx);
  void (*finished)(void *ctx, Scheduler *s, int unit, const char *reason);
  /* Every SCHED_WATCH_MS or so while units run: may stop them (a
   * concurrency group cancelled the run or a stage). */
  void (*watch)(void *ctx, Scheduler *s);
  /* A unit's process succeeded, before it finishes: false with *reason
   * (malloc'd) fails it (what it made could not be kept). */
  bool (*succeeded)(void *ctx, Scheduler *s, int unit, char **reason);
} SchedHooks;

enum { SCHED_WATCH_MS = 500 };

struct Scheduler {
  Interp *I;
  Reporter *rep;
  Program *prog;
  Unit *units;
  int n, cap;
  int *first_unit; /* per stage of prog: its first unit (a stage's units are consecutive), or -1 */
  int jobs;
  bool only; /* run the goals alone: their needs are assumed done */
  char *const *instances; /* per goal of sched_plan: the one matrix value (as text) to run, or NULL */
  SchedHooks hooks;
  bool cancelled;     /* SIGINT or SIGTERM stopped the run */
  bool halted;        /* a record could not be written: nothing more starts */
  char *stopped;      /* sched_stop's reason: nothing more starts */
  double next_watch;  /* when hooks.watch is due (monotonic seconds) */
  struct pollfd *pfd; /* the main loop's poll set, two slots per unit */
  int *which;
  /* The stages' commands that the driver started itself die with it as a
   * stage's process does (it takes its group down when the driver dies):
   * a small process, forked at the first such start, waits for the driver
   * to go (end of file on guard_fd) and kills the groups still listed in
   * guarded (shared memory, one slot per unit: a pid, or 0). */
  pid_t guard;
  int guard_fd;
  volatile pid_t *guarded;
  /* Event-driven, so a run costs the same per stage at any size: a unit
   * is looked at when one of its needs finishes, not on every wake-up. */
  int running, pending;    /* units in STAGE_RUNNING, STAGE_PENDING */
  int *live, *scan;        /* the running units by index, and a copy to walk */
  int *dep_start, *deps;   /* units needing unit i: deps[dep_start[i] .. dep_start[i+1]) */
  int *changed, nchanged;  /* min-heap of units whose needs changed */
  int *ready, nready;      /* min-heap of units whose needs all succeeded */
};

/* Add the stages named in `goals` (indexes into prog->stages) and all they
 * need; matrix stages become one unit per value, or per value s->instances
 * picks for the stage (every value it names must be one of the stage's).
 * False on an error (printed). */
bool sched_plan(Scheduler *s, const int *goals, int ngoals);
/* Run every unit; returns how many failed. Units left waiting at a gate
 * (and those that need them) have status STAGE_WAITING / STAGE_PENDING. */
int sched_run(Scheduler *s);
int sched_waiting(const Scheduler *s); /* units waiting at a gate */
/* The names of the outputs (a map, or null) that hold a secret: a new
 * list. They cross the pipe from a stage's process and go into the journal
 * beside the outputs, which are plain JSON. */
Value sched_secret_outputs(Value outputs);
/* Stops running unit i at once, as a timeout kills it (no post blocks):
 * it ends cancelled, for `reason`. */
void sched_stop_unit(Scheduler *s, int i, const char *reason);
/* Stops every running unit so, and starts nothing more; the units not
 * started are skipped. */
void sched_stop(Scheduler *s, const char *reason);
/* SIGINT or SIGTERM arrived during sched_run: hooks that wait give up. */
bool sched_cancel_requested(void);
void sched_free(Scheduler *s);

#endif
