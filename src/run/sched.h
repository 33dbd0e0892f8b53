/* sched.h — running stages as child processes, as make runs recipes:
 * up to `jobs` at once, each stage when everything it needs succeeded.
 * A child reports its log lines and its outputs back over a pipe as JSON
 * lines, so the parent alone writes to the terminal and keeps state. */
#ifndef RP_SCHED_H
#define RP_SCHED_H

#include <sys/types.h>

#include "../eval/interp.h"
#include "output.h"

typedef struct Unit {
  const Stage *stage;
  char *name;        /* "build", or "build[linux]" for a matrix instance */
  Value vars;        /* the matrix variable as a map, or null */
  int *needs;        /* indexes of units this one waits for */
  int nneeds, needs_cap;
  StageStatus status;
  int attempts;
  pid_t pid;
  int fd;
  Buf inbuf;
  double started;
  int64_t timeout_ms;
  bool got_result, result_ok;
  Value outputs;
  RtError err;
} Unit;

typedef struct Scheduler {
  Interp *I;
  Reporter *rep;
  Program *prog;
  Unit *units;
  int n, cap;
  int jobs;
  bool only; /* run the goals alone: their needs are assumed done */
} Scheduler;

/* Add the stages named in `goals` (indexes into prog->stages) and all they
 * need; matrix stages become one unit per value. False on an error (printed). */
bool sched_plan(Scheduler *s, const int *goals, int ngoals);
/* Run every unit; returns how many failed. */
int sched_run(Scheduler *s);
void sched_free(Scheduler *s);

#endif
