/* plan.h — what `rp run`, `rp plan` (and the REPL) share: load and check
 * the pipeline, detect the event, and decide the goal stages: the ones
 * named on the command line, or those the event's triggers start. */
#ifndef RP_PLAN_H
#define RP_PLAN_H

#include "lang/check.h"
#include "run/event.h"
#include "run/trigger.h"

typedef struct Selection {
  const char *file;   /* -f FILE */
  char **stages;      /* stage names given as arguments */
  int nstages;
  bool only;          /* --only: the stages alone, without their needs */
  EventFlags flags;
} Selection;

typedef struct Loaded {
  Program *prog;
  Imports *im;
  Value event;
  const char *event_source; /* "flags", "github", "gitlab", "local" */
  TriggerPlan triggers;     /* empty when stages were named */
  int *goals;               /* indexes into prog->stages */
  char **why;               /* why each goal runs */
  int ngoals;
} Loaded;

/* Recognise one selection option at argv[i] (-f, --only, event flags);
 * returns argv entries consumed, 0 if not one, -1 on error (printed). */
int selection_option(Selection *s, int argc, char **argv, int i);
void selection_free(Selection *s);

/* Returns an exit code: EXIT_OK with *out filled, or EXIT_USAGE after
 * printing diagnostics. */
int plan_load(const Selection *s, Loaded *out);
void plan_loaded_free(Loaded *l);

#endif
