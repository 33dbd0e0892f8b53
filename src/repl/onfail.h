/* onfail.h — rp run --break-on-failure: when a statement fails, a small
 * session opens at it, in the stage's process and scope. Commands come
 * from standard input (the terminal, or a script); output goes to
 * standard error, beside the run's own. */
#ifndef RP_ONFAIL_H
#define RP_ONFAIL_H

#include "eval/interp.h"

/* A FailHook (interp_set_fail_hook; ctx unused). */
FailedAction break_on_failure(void *ctx, Interp *I, Scope *scope, const Node *stmt);

#endif
