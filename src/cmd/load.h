/* load.h — the pipeline a command works on, loaded with what is wrong
 * with it said on stderr (diagnostics, warnings included). */
#ifndef RP_LOAD_H
#define RP_LOAD_H

#include "lang/check.h"
#include "run/journal.h"
#include "cmd/options.h"
#include "run/plan.h"
#include "run/store.h"

/* FILE if given, else ./pipeline.rp. */
const char *pipeline_path(const char *given);

/* Where the pipeline is when no FILE is named: the nearest directory,
 * from the current one up to the repository root (the first holding
 * .git) or /, that has a pipeline.rp, as git finds .git. That directory
 * (malloc'd), or NULL when there is none. */
char *pipeline_find_dir(void);

/* Reads and parses the pipeline at `path`, and checks it unless `im` is
 * NULL. NULL when it cannot be read or has errors; else free it with
 * checked_free (parse_file_free when not checked). */
Program *pipeline_load(const char *path, Imports **im);

/* approval_review of a run's decisions against the pipeline at `path`,
 * loaded quietly (its problems are another command's to report). False,
 * with the decisions unchecked, when it cannot be loaded or has errors. */
bool pipeline_review_decisions(RunState *r, const char *path);
/* The state a command reads and writes: --state SPEC, else $RP_STATE,
 * else the pipeline's `state "SPEC"` (p, or read from `file` when p is
 * NULL; a path in it is relative to the file), else $RP_STATE_DIR or the
 * .rp/ beside the file. NULL after saying why on stderr ("rp CMD: ..."). */
Store *state_open(const Options *o, const char *file, const Program *p);

/* plan_load over the process environment. */
bool pipeline_plan(const Selection *sel, Loaded *l);

#endif
