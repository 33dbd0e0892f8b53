/* primitive.h — primitives and the families that declare them.
 *
 * A primitive is one function of rp implemented in C (`git.push`, `sh`); a
 * family is a namespace of primitives (`git`; "" for the globals). Each
 * family is one table of rows, written once in its bindings file
 * (eval/prim_NAME.c) next to the C functions, and listed once in
 * eval/families.c. From those rows `rp check` validates calls, the
 * interpreter places named arguments and defaults before calling the C
 * function, and doc/primitives.md's reference table is generated.
 * lang/ receives the families from its caller (imports_new) and names
 * the interpreter only as an opaque type, as Lua's API names lua_State.
 *
 * A parameter spec is a space-separated list of names in positional order.
 * `name?` is optional (null when not given); `name=LITERAL` is optional
 * with a default that the interpreter passes when it is not given (an
 * integer, a duration such as 2m, true, false, or a "string" without
 * spaces). Required parameters come first. Every parameter may also be
 * passed by name: `f(a, b: 1)`. */
#ifndef RP_PRIMITIVE_H
#define RP_PRIMITIVE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/value.h"

struct Interp;   /* eval/interp.h */
struct CallSite; /* eval/interp.h: where the call is, for error messages */

/* A primitive's C function: its arguments arrive in the positions of its
 * spec (nargs is at least the number of parameters; an absent optional
 * one is null, or its default). Returns false after raising an error. */
typedef bool (*PrimFn)(struct Interp *I, const struct CallSite *cs, Value *args, int nargs, Value *out);

typedef struct Primitive {
  const char *name;
  const char *params;  /* the spec; NULL for a value (env, event) */
  PrimFn fn;           /* NULL for a value, which the interpreter provides */
  const char *summary; /* one line for the reference: what it returns or does */
} Primitive;

typedef struct PrimFamily {
  const char *ns;      /* "git"; "" for the globals */
  const char *summary; /* a sentence or two heading the family's reference */
  const char *page;    /* its own page in doc/ ("primitives-git.md"), or NULL */
  const Primitive *prims;
  int n;
} PrimFamily;

/* A family's table as a PrimFamily: PRIM_FAMILY("git", "...", page, rows). */
#define PRIM_FAMILY(ns, summary, page, rows) {ns, summary, page, rows, (int)(sizeof rows / sizeof rows[0])}

/* Lookups in a NULL-terminated list of families (NULL: none). */
const PrimFamily *prim_family(const PrimFamily *const *families, const char *ns);
/* Whether `name` is a namespace of primitives (a variable may not shadow one). */
bool prim_is_namespace(const PrimFamily *const *families, const char *name);
/* The primitive or value `ns.name` (ns "" or NULL for a global), or NULL. */
const Primitive *prim_lookup(const PrimFamily *const *families, const char *ns, const char *name);
/* The function of family `ns` closest to `name`, or NULL when none is
 * close enough to suggest. */
const char *prim_suggest(const PrimFamily *const *families, const char *ns, const char *name);

/* Walking a spec: it = prim_params(p), then while (prim_param_next(&it)). */
typedef struct PrimParam {
  const char *name, *def; /* into the spec, not NUL-terminated; def NULL when none */
  size_t len, deflen;
  bool optional;
  const char *rest;
} PrimParam;
PrimParam prim_params(const Primitive *p);
bool prim_param_next(PrimParam *it);

/* Parameter i, or false when there are not that many. */
bool prim_param(const Primitive *p, int i, PrimParam *out);
int prim_nparams(const Primitive *p);
/* Index of the parameter called `name`, or -1. */
int prim_param_index(const Primitive *p, const char *name);
/* The default of parameter i as a value, or false when it has none. */
bool prim_param_default(const Primitive *p, int i, Value *out);
/* `git.short_sha(n: 7)`, as the reference shows a call (values: `env`). */
void prim_signature(const char *ns, const Primitive *p, Buf *out);

#endif
