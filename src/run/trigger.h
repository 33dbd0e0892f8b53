/* trigger.h — which `on EVENT ... -> stages` triggers an event fires.
 *
 * A trigger matches when the event's kind is its kind, its filter matches
 * (branch globs, the target branch of a pull request, a tag glob or regex,
 * a cron text), its settings hold (`types`, `labels`) and, when it has
 * `paths`, a file the change touched matches one of them. A regex filter
 * is compiled (PCRE2) once per evaluation of its trigger. doc/events.md
 * states every rule for users. */
#ifndef RP_TRIGGER_H
#define RP_TRIGGER_H

#include <stdbool.h>

#include "core/value.h"
#include "lang/ast.h"
#include "prim/git.h"

/* What `event` changed in the repository found from `dir` upwards (see
 * gitp_changes): a pull request's own commits (against event.base), a
 * local event's last commit and uncommitted changes, else the commits
 * event.before..event.sha. */
void changed_files_compute(const char *dir, Value event, GitChanges *cf);

/* Whether `t` fires for `event`. *why (malloc'd, always set) says why or
 * why not: `on push "main" matched branch main`. `cf` is only read when the
 * trigger has `paths`; NULL or unknown changed files let the trigger fire
 * (the reason says so). Manual inputs are not checked here: see below. */
bool trigger_matches(const Trigger *t, Value event, const GitChanges *cf, char **why);
bool trigger_has_paths(const Trigger *t);

/* Checks `given` (event.inputs: strings from --input or the runner, or
 * typed values) against the inputs `t` declares and builds *out: every
 * declared input converted to its type (string, bool, int, number; a
 * choice one of its options, an environment one of `p`'s), defaults filled
 * in. A missing required input, a value of the wrong type or an input `t`
 * does not declare is an error naming the input. */
bool trigger_inputs(const Trigger *t, const Program *p, Value given, Value *out, char **err);
/* A manual run of stages named on the command line: event.inputs is
 * checked and filled as the `on manual` triggers that start one of
 * `stages` would (all of p's manual triggers when none does). */
bool trigger_named_inputs(const Program *p, Value event, const char *const *stages, int n, char **err);

/* One goal stage and the first trigger that asked for it (NULL: the
 * stage was named on the command line). */
typedef struct Goal {
  const char *stage;
  const Trigger *trigger;
  char *why;
} Goal;

/* The verdict on one trigger, in source order (for `rp plan`). */
typedef struct TriggerVerdict {
  const Trigger *trigger;
  bool matched;
  char *why;
} TriggerVerdict;

typedef struct TriggerPlan {
  Goal *goals; /* unique stages, in trigger then target order */
  int ngoals;
  TriggerVerdict *verdicts; /* one per trigger of the program */
  int nverdicts;
  GitChanges changed;   /* computed only when a trigger has paths, once */
  bool changed_computed;
} TriggerPlan;

/* Matches every trigger of `p` against `event`; changed files are computed
 * (from `dir`) only when a trigger with `paths` otherwise matches. For a
 * manual event, the inputs of each matching manual trigger are checked and
 * converted, and event.inputs is replaced (in place) by the converted map.
 * Returns false with *err (malloc'd) when the inputs are wrong; *out is
 * then empty. */
bool trigger_plan(const Program *p, Value event, const char *dir, TriggerPlan *out, char **err);
/* Adds `stage` (borrowed) to the goals unless it is there already. */
void trigger_plan_add_goal(TriggerPlan *tp, const char *stage, const Trigger *t, const char *why);
void trigger_plan_free(TriggerPlan *tp);

#endif
