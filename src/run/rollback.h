/* rollback.h — what a rollback needs to run its deploy stage as it ran:
 * the outputs of the stages that stage reads (`version build.tag`). A
 * rollback runs the stage alone, so they are recorded with every deploy in
 * the history (its "outputs") and set again from the deploy it goes back
 * to, before its gate asks anyone (doc/state.md). */
#ifndef RP_ROLLBACK_H
#define RP_ROLLBACK_H

#include <stdbool.h>

#include "eval/interp.h"
#include "run/journal.h"

/* For the history: {STAGE: outputs} of the stages `st` reads, as they are
 * in `I` now, or null when it reads none. Outputs that held a secret are
 * left out: the history is no place for them. */
Value rollback_outputs_to_record(Interp *I, const Program *p, const Stage *st);

/* Sets in `I` the outputs recorded in history entry `deploy`. False with
 * *why (malloc'd) when `st` reads a stage whose outputs it lacks. */
bool rollback_restore(Interp *I, const Program *p, const Stage *st, Value deploy, char **why);

/* For `rp run --only STAGE --run-id ID`: sets in `I` the outputs of the
 * stages `st` reads as run `r` journaled them. False with *why when one
 * did not succeed in r, or held a secret (the journal keeps it masked). */
bool rollback_restore_from_run(Interp *I, const Program *p, const Stage *st, const RunState *r, char **why);

#endif
