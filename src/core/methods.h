/* methods.h — methods on values: `s.upper()`, `tags.filter(fn(t) => ...)`.
 *
 * Methods that call back into rp code (map, filter, sort with a key) do so
 * through a MethodHost, so this module needs nothing from the interpreter
 * and can be tested with a fake one. */
#ifndef RP_METHODS_H
#define RP_METHODS_H

#include <stdbool.h>

#include "core/value.h"

typedef struct MethodHost {
  void *ctx;
  /* Calls the function value `fn` with borrowed args; on success *out is a
   * new reference. On failure *err is a malloc'd message, or NULL when the
   * host has already reported the error itself; methods pass either on. */
  bool (*call)(void *ctx, Value fn, Value *args, int nargs, Value *out, char **err);
} MethodHost;

/* One method: its parameter names in order (for `x.sort(key: f)`), how many
 * are required, and a one-line description (REPL help, doc/values.md). */
typedef struct MethodInfo {
  ValueKind kind;
  const char *name;
  const char *params[3]; /* NULL-terminated */
  int required;
  const char *summary;
} MethodInfo;

/* Calls method `name` of `self` with positional args (named arguments are
 * the caller's to put in place, using MethodInfo.params). self and args are
 * borrowed; *out is a new reference. On failure returns false with *err set
 * to a message that names the method, e.g.
 *   "string has no method 'uper' (did you mean 'upper'?)". */
bool method_call(const char *name, Value self, Value *args, int nargs, const MethodHost *host,
                 Value *out, char **err);

bool method_exists(ValueKind kind, const char *name);
const MethodInfo *method_lookup(ValueKind kind, const char *name); /* NULL if none */
/* The table, for completion and docs: *n entries, grouped by kind. */
const MethodInfo *method_table(int *n);

#endif
