/* check.c — rp check [FILE]: parse and check, print every diagnostic. */
#include <stdio.h>
#include <stdlib.h>

#include "cmd/cmd.h"
#include "cmd/options.h"
#include "lang/check.h"

int cmd_check(const Options *o) {
  Diags d = {0};
  Imports *im;
  char *err = NULL;
  Program *p = load_checked(pipeline_path(o->file), &im, &d, &err);
  if (!p) {
    fprintf(stderr, "rp: %s\n", err);
    free(err);
    return EXIT_USAGE;
  }
  diags_print(&d, stderr, want_color(stderr));
  int rc = d.nerrors ? EXIT_USAGE : EXIT_OK;
  diags_free(&d);
  checked_free(p, im);
  return rc;
}
