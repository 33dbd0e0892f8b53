/* plan.h — what `rp run`, `rp plan` (and the REPL) share: load and check
 * the pipeline, detect the event, and decide the goal stages: the ones
 * named on the command line, or those the event's triggers start. */
#ifndef RP_PLAN_H
#define RP_PLAN_H

#include <stdio.h>

#include "lang/check.h"
#include "run/event.h"
#include "run/trigger.h"

/* What to load and run; everything is borrowed but the stages array. */
typedef struct Selection {
  const char *file;         /* the pipeline */
  const char **stages;      /* goal stages named (STAGE[VALUE]: one matrix instance); none: the triggers choose */
  int nstages, stages_cap;
  bool only;                /* the stages alone, without their needs */
  const EventFlags *flags;  /* NULL: none */
} Selection;

void selection_free(Selection *s); /* the stages array */

typedef struct Loaded {
  Program *prog;
  Imports *im;
  Value event;
  const char *event_source; /* "flags", "github", "gitlab", "local" */
  TriggerPlan triggers;     /* the goals and why each runs; no verdicts when stages were named */
  int *goals;               /* triggers.goals as indexes into prog->stages */
  char **instances;         /* per goal: the matrix value named as STAGE[VALUE], else NULL */
  int ngoals;
  Diags diags;              /* the checker's, warnings included */
  char *error;              /* why it could not load, when not in diags */
} Loaded;

/* Loads and checks s->file, works out the event from the flags over
 * `envp` (the CI runner's environment, as environ) and chooses the goals.
 * False when the pipeline cannot run: see plan_print_problems. */
bool plan_load(const Selection *s, char **envp, Loaded *out);
/* Chooses l->goals again: s's stages, else those l->event triggers
 * (the REPL after :event). False with l->error. */
bool plan_choose_goals(const Selection *s, Loaded *l);
/* The diagnostics and the error of a load, on `out` (stderr). */
void plan_print_problems(Loaded *l, FILE *out);
void plan_loaded_free(Loaded *l);

#endif
