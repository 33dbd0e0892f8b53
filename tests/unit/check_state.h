/* check_state.h — assertions and a scratch state directory for the
 * journal, history and lock unit tests. A test program ends with
 * `return check_done();` (exit 1 when anything failed). */
#ifndef RP_CHECK_STATE_H
#define RP_CHECK_STATE_H

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

static inline bool check_str_at(const char *got, const char *want, const char *what,
                                const char *file, int line) {
  bool ok = got && want && strcmp(got, want) == 0;
  if (!check_at(ok, what, file, line))
    fprintf(stderr, "    got:  %s\n    want: %s\n", got ? got : "(null)", want ? want : "(null)");
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

/* A fresh directory under $TMPDIR (malloc'd); rm_rf removes it. */
static inline char *scratch_dir(void) {
  const char *tmp = getenv("TMPDIR");
  char *dir = xasprintf("%s/rp-state-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    exit(99);
  }
  return dir;
}

static inline void rm_rf(char *dir) {
  char *cmd = xasprintf("rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  free(cmd);
  free(dir);
}

/* The JSON text of v (malloc'd). */
static inline char *json_of(Value v) {
  Buf b = {0};
  json_encode(v, &b, false);
  return buf_take(&b);
}

static inline int check_done(void) {
  printf("%d checks, %d failed\n", check_count, check_failed);
  return check_failed ? 1 : 0;
}

#endif
