/* cmd_check.c — rp check [FILE]: parse and check, print every diagnostic. */
#include <stdio.h>
#include <stdlib.h>

#include "cmd/cmd.h"
#include "eval/families.h"
#include "lang/check.h"

int cmd_check(int argc, char **argv) {
  if (argc > 2) {
    fputs("usage: rp check [FILE]\n", stderr);
    return EXIT_USAGE;
  }
  const char *path = pipeline_path(argc > 1 ? argv[1] : NULL);
  Diags d = {0};
  Imports *im;
  char *err = NULL;
  Program *p = load_checked(path, rp_families, &im, &d, &err);
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
