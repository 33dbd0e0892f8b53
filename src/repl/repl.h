/* repl.h — rp repl: an interactive session over one pipeline. Stages run
 * in this process (not forked as by rp run) so the session can stop inside
 * them at breakpoints, step statement by statement and evaluate what is
 * typed in the stopped stage's scope. */
#ifndef RP_REPL_H
#define RP_REPL_H

#include "run/plan.h"

/* Runs the session on stdin/stdout until :quit or end of input. `sel`
 * chooses the file and the event, as for rp run, over `envp` (the CI's
 * environment, as environ). False when the pipeline does not load. */
bool repl_main(const Selection *sel, char **envp);

#endif
