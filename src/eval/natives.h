/* natives.h — the built-in functions every build has: sh, assert, secret,
 * raw, glob, fs.*, time.*, json.* (primitive families register their own). */
#ifndef RP_NATIVES_H
#define RP_NATIVES_H

#include "eval/interp.h"

void natives_register_core(Interp *I);
/* docker.*, helm.*, kubectl.*: exec the CLIs (natives_tools.c) */
void natives_register_tools(Interp *I);
void natives_register_git(Interp *I);
void natives_register_text(Interp *I);
void natives_register_net(Interp *I);
/* Every family: what rp run, rp plan and the REPL register. */
void natives_register_all(Interp *I);

/* For natives: argument i (called `name` in messages), checking its kind
 * (V_NULL accepts any); absent optional ones are null. Borrowed result. */
bool native_arg(Interp *I, const CallSite *cs, Value *args, int nargs, int i, const char *name, ValueKind kind,
                bool required, Value *out);

#endif
