/* cmd_repl.c — rp repl [FILE] [-f FILE] [EVENT FLAGS]. */
#include <stdio.h>
#include <stdlib.h>

#include "cmd/cmd.h"
#include "core/util.h"
#include "repl/repl.h"

int cmd_repl(int argc, char **argv) {
  Selection sel = {0};
  sel.stages = xcalloc((size_t)argc, sizeof *sel.stages);
  int rc = EXIT_OK;
  for (int i = 1; i < argc && rc == EXIT_OK; i++) {
    int n = selection_option(&sel, argc, argv, i);
    if (n < 0) rc = EXIT_USAGE;
    else if (n > 0) i += n - 1;
    else if (argv[i][0] == '-' || sel.file) {
      fprintf(stderr, "rp repl: unexpected argument '%s' (see rp --help)\n", argv[i]);
      rc = EXIT_USAGE;
    } else sel.file = argv[i];
  }
  if (rc == EXIT_OK) rc = repl_main(&sel);
  selection_free(&sel);
  return rc;
}
