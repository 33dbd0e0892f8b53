/* history.h — what was deployed where.
 *
 * STATE/history/<ENV>.ndjson: one JSON object per deploy, appended as the
 * journal is (durable when history_record returns; see state.h):
 *   {env, version, run, commit, actor, approvers: [..], at,
 *    result: "succeeded"|"failed", rollback: bool, forced_reason?, url?,
 *    outputs?: {STAGE: outputs} (what the stage read: run/rollback.h)}
 * Queries read the file afresh and return entries as maps (new references).
 * A torn last line is ignored, as in journals. */
#ifndef RP_HISTORY_H
#define RP_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/value.h"
#include "run/store.h"

typedef struct Deploy {
  const char *env, *version, *run, *commit, *actor; /* commit, actor may be NULL */
  const char *const *approvers;
  size_t napprovers;
  int64_t at_ms;             /* 0: now */
  bool succeeded;
  bool rollback;
  const char *forced_reason; /* NULL: the key is left out */
  Value outputs;             /* borrowed; null: the key is left out */
  const char *url;           /* where the deploy is reached (deploy_url); NULL: left out */
} Deploy;

/* One deploy as its history line (a new map). The journal keeps a copy
 * in the deploy stage's stage_finished record, so that a run that died
 * before its history was written can write it when resumed. */
Value history_entry(const Deploy *d);
/* Appends an entry (borrowed) to the history of its "env". */
bool history_append(Store *store, Value entry, char **err);
/* history_append(history_entry(d)). */
bool history_record(Store *store, const Deploy *d, char **err);

/* All deploys to `env`, newest first (an empty list when none). */
bool history_list(Store *store, const char *env, Value *out, char **err);
/* The newest successful deploy to `env` (a map), or null. */
bool history_last_success(Store *store, const char *env, Value *out, char **err);
/* The newest successful deploy of `version` to `env` (a map), or null. */
bool history_deploy_of(Store *store, const char *env, const char *version, Value *out, char **err);
/* Whether `version` was ever deployed to `env` successfully (`after`). */
bool history_was_deployed(Store *store, const char *env, const char *version,
                          bool *yes, char **err);
/* What `rp rollback ENV` goes back to: the successful deploy before the
 * current one, where rollbacks undo the deploys they rolled back (repeated
 * rollbacks walk back through history); null when nothing is older. */
bool history_rollback_target(Store *store, const char *env, Value *out, char **err);
/* Whether run `run` has an entry for `version` in `env`'s history. */
bool history_has_run(Store *store, const char *env, const char *run, const char *version, bool *yes,
                     char **err);
/* The environments that have a history, sorted by name (list of strings). */
bool history_envs(Store *store, Value *out, char **err);

#endif
