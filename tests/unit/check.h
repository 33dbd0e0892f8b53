/* check.h — the assertions of the C unit tests. Each CHECK counts once;
 * a failure prints file:line, what was checked and, for strings and
 * numbers, what came instead of what was wanted. A test program ends with
 * `return check_done();` (exit 1 when anything failed). */
#ifndef RP_TEST_CHECK_H
#define RP_TEST_CHECK_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
  bool ok = got && want ? strcmp(got, want) == 0 : got == want; /* NULL wants NULL */
  if (!check_at(ok, what, file, line))
    fprintf(stderr, "    got:  %s%s%s\n    want: %s\n", got ? "\"" : "", got ? got : "(null)",
            got ? "\"" : "", want ? want : "(null)");
  return ok;
}

static inline bool check_int_at(long long got, long long want, const char *what, const char *file,
                                int line) {
  bool ok = got == want;
  if (!check_at(ok, what, file, line)) fprintf(stderr, "    got %lld, want %lld\n", got, want);
  return ok;
}

#define CHECK(cond) check_at((cond), #cond, __FILE__, __LINE__)
#define CHECK_STR(got, want) check_str_at((got), (want), #got, __FILE__, __LINE__)
#define CHECK_INT(got, want) check_int_at((long long)(got), (long long)(want), #got, __FILE__, __LINE__)

static inline int check_done(void) {
  printf("%d checks, %d failed\n", check_count, check_failed);
  return check_failed ? 1 : 0;
}

#endif
