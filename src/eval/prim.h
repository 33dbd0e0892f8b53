/* prim.h — what the bindings of every family (eval/prim_*.c) share:
 * reading arguments, failing, dry runs. A bindings file holds a family's
 * C functions and its table (lang/primitive.h), the one place where the
 * family's primitives are declared; eval/families.c lists the tables. */
#ifndef RP_EVAL_PRIM_H
#define RP_EVAL_PRIM_H

#include "eval/interp.h"
#include "lang/primitive.h"

/* Argument i, named in messages as the spec names it, checking its kind
 * (V_NULL accepts any; a V_FLOAT parameter takes an int). Borrowed.
 * `required`: null is an error (a parameter with a default is never
 * null); otherwise an absent argument is null. */
bool prim_arg(Interp *I, const CallSite *cs, Value *args, int nargs, int i, ValueKind kind, bool required,
              Value *out);

/* In a primitive's C function (whose parameters are I, cs, args, nargs):
 * read an argument or return false; raise an error. */
#define ARG(i, kind, required, out) \
  if (!prim_arg(I, cs, args, nargs, (i), (kind), (required), (out))) return false
#define FAIL(...) interp_error(I, cs->src, cs->node->pos, __VA_ARGS__)

/* Raises "NAME: msg" (secrets masked) and frees msg; returns false. */
bool prim_fail(Interp *I, const CallSite *cs, char *msg);

/* In a dry run, prints "[dry-run] " and the formatted line, sets *out to
 * stand_in and returns true: the caller returns without doing anything.
 * Otherwise releases stand_in and returns false. */
bool prim_dry_run(Interp *I, Value *out, Value stand_in, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Argument i when it may be a string or a list of strings (null: none):
 * a malloc'd, NULL-terminated array of its n strings (borrowed); false
 * after an error. */
bool prim_strings(Interp *I, const CallSite *cs, Value *args, int nargs, int i, const char ***out, size_t *n);

/* A string argument's text, or NULL when it is absent. */
const char *prim_opt_str(Value v);
/* A pattern argument's text: a regex literal's or a string's; else NULL. */
const char *prim_pattern(Value v);

#endif
