/* check_values.h — a few assertion macros for the value, JSON and method
 * unit tests. Failures print file:line and what was expected; a test
 * program ends with `return check_done();` (exit 1 when anything failed). */
#ifndef RP_CHECK_VALUES_H
#define RP_CHECK_VALUES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/value.h"

/* The REPL form of v, in a buffer the caller frees with free(). */
static inline char *shown(Value v) {
  Buf b = {0};
  value_show(v, &b);
  return buf_take(&b);
}

static inline bool check_show_at(Value v, const char *want, const char *what, const char *file,
                                 int line) {
  char *got = shown(v);
  bool ok = check_str_at(got, want, what, file, line);
  free(got);
  return ok;
}

#define CHECK_SHOW(v, want) check_show_at((v), (want), #v, __FILE__, __LINE__)


#endif
