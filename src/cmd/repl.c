/* repl.c — rp repl [FILE] [-f FILE] [EVENT FLAGS]. */
#include <stdio.h>
#include <stdlib.h>

#include "cmd/cmd.h"
#include "cmd/options.h"
#include "repl/repl.h"

int cmd_repl(const Options *o) {
  Selection sel;
  char *err = NULL;
  if (!options_selection(o, ARGS_OTHER, &sel, &err)) {
    fprintf(stderr, "rp repl: %s\n", err);
    free(err);
    return EXIT_USAGE;
  }
  bool ok = repl_main(&sel, environ);
  selection_free(&sel);
  return ok ? EXIT_OK : EXIT_USAGE;
}
