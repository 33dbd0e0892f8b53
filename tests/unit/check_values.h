/* check_values.h — a few assertion macros for the value, JSON and method
 * unit tests. Failures print file:line and what was expected; a test
 * program ends with `return check_done();` (exit 1 when anything failed). */
#ifndef RP_CHECK_VALUES_H
#define RP_CHECK_VALUES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/value.h"

static int check_count, check_failed;

static inline bool check_at(bool ok, const char *what, const char *file, int line) {
  check_count++;
  if (!ok) {
    check_failed++;
    fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
  }
  return ok;
}

static inline bool check_str_at(const char *got, const char *want, const char *what, const char *file,
                                int line) {
  bool ok = got && want && strcmp(got, want) == 0;
  if (!check_at(ok, what, file, line))
    fprintf(stderr, "    got:  %s%s%s\n    want: %s\n", got ? "\"" : "", got ? got : "(null)",
            got ? "\"" : "", want);
  return ok;
}

static inline bool check_int_at(long long got, long long want, const char *what, const char *file,
                                int line) {
  bool ok = got == want;
  if (!check_at(ok, what, file, line)) fprintf(stderr, "    got %lld, want %lld\n", got, want);
  return ok;
}

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

#define CHECK(cond) check_at((cond), #cond, __FILE__, __LINE__)
#define CHECK_STR(got, want) check_str_at((got), (want), #got, __FILE__, __LINE__)
#define CHECK_INT(got, want) check_int_at((long long)(got), (long long)(want), #got, __FILE__, __LINE__)
#define CHECK_SHOW(v, want) check_show_at((v), (want), #v, __FILE__, __LINE__)

static inline int check_done(void) {
  printf("%d checks, %d failed\n", check_count, check_failed);
  return check_failed ? 1 : 0;
}

#endif
