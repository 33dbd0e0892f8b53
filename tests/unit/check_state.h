/* check_state.h — assertions and a scratch state directory for the
 * journal, history and lock unit tests. A test program ends with
 * `return check_done();` (exit 1 when anything failed). */
#ifndef RP_CHECK_STATE_H
#define RP_CHECK_STATE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/value.h"
#include "run/store.h"


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

/* The directory store of `dir`, kept open while the tests use the same
 * directory (closed when they move to another). */
static inline Store *dir_store(const char *dir) {
  static Store *s;
  static char *open_dir;
  if (!s || strcmp(open_dir, dir) != 0) {
    store_close(s);
    free(open_dir);
    s = store_open_dir(dir);
    open_dir = xstrdup(dir);
  }
  return s;
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


#endif
