/* state.c — rp state migrate FROM TO: the state moved between backends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/load.h"
#include "run/store.h"

int cmd_state(const Options *o) {
  if (strcmp(o->args.v[0], "migrate") != 0) {
    fprintf(stderr, "rp state: unknown action '%s' (rp state migrate FROM TO)\n", o->args.v[0]);
    return EXIT_USAGE;
  }
  const char *file = pipeline_path(o->file);
  char *err = NULL;
  Store *from = store_open_for(o->args.v[1], file, &err), *to = from ? store_open_for(o->args.v[2], file, &err) : NULL;
  size_t logs = 0, records = 0;
  int rc = EXIT_OK;
  if (!to || !store_copy(from, to, &logs, &records, &err)) {
    fprintf(stderr, "rp state: %s\n", err);
    rc = EXIT_FAIL;
  } else {
    printf("copied %zu record%s in %zu log%s from %s to %s\n", records, records == 1 ? "" : "s", logs,
           logs == 1 ? "" : "s", from->spec, to->spec);
  }
  free(err);
  store_close(to);
  store_close(from);
  return rc;
}
