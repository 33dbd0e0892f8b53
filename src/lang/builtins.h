/* builtins.h — the one table of rp's built-in names.
 *
 * Global functions and values (sh, secret, env, event, ...) and the
 * namespaces of primitives (docker, helm, git, registry, ...) with their
 * functions. (Methods on values, `s.upper()`, have their own table in
 * eval/methods.h, next to their implementation.) The checker reads the
 * parameter specs to validate calls; the interpreter uses the same specs to
 * put named arguments in their positions before calling the C function it
 * registered under the same name (eval/natives.h).
 *
 * A parameter spec is a space-separated list of names in positional order;
 * a trailing `?` marks an optional parameter. Required parameters come
 * first. Every parameter may also be passed by name: `f(a, b: 1)`. */
#ifndef RP_BUILTINS_H
#define RP_BUILTINS_H

#include <stdbool.h>
#include <stddef.h>


typedef struct Builtin {
  const char *ns;     /* namespace ("docker", ...); "" for a global */
  const char *name;
  const char *params; /* parameter spec; NULL for a value (env, event) */
} Builtin;

/* The built-in named `ns.name` (ns "" for globals), or NULL. Binary search. */
const Builtin *builtin_lookup(const char *ns, const char *name);
/* Whether `name` is a namespace of primitives (a variable may not shadow one). */
bool builtin_is_namespace(const char *name);
/* The whole table, sorted by (ns, name), for listings and tests. */
const Builtin *builtin_table(size_t *n);
/* The namespaces, sorted. */
const char *const *builtin_namespaces(size_t *n);

/* The function among `ns`'s members ("" for globals) closest to `name` by
 * edit distance, or NULL when none is close enough to suggest. */
const char *builtin_suggest(const char *ns, const char *name);

/* Parameters. */
int builtin_nparams(const Builtin *b);   /* all of them */
int builtin_nrequired(const Builtin *b); /* the leading required ones */
/* Index of the parameter called `name`, or -1. */
int builtin_param_index(const Builtin *b, const char *name);
/* Copies the name of parameter `i` into buf (NUL-terminated, truncated). */
void builtin_param_name(const Builtin *b, int i, char *buf, size_t size);
/* The closest parameter name to `name` (written into buf), or false. */
bool builtin_param_suggest(const Builtin *b, const char *name, char *buf, size_t size);

#endif
