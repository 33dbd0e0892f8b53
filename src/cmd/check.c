/* check.c — rp check [FILE]: parse and check, print every diagnostic,
 * and warn about approval gates whose decisions are unauthenticated. */
#include <stdlib.h>

#include "cmd/cmd.h"
#include "cmd/load.h"
#include "cmd/options.h"
#include "eval/families.h"
#include "lang/check.h"

int cmd_check(const Options *o) {
  Imports *im = NULL;
  Diags d = {0};
  char *err = NULL;
  Program *p = load_checked(pipeline_path(o->file), rp_families, &im, &d, &err);
  if (!p) {
    fprintf(stderr, "rp: %s\n", err);
    free(err);
    return EXIT_USAGE;
  }
  check_unsigned_gates(p, &d);
  diags_print(&d, stderr, want_color(stderr));
  int rc = d.nerrors ? EXIT_USAGE : EXIT_OK;
  diags_free(&d);
  checked_free(p, im);
  return rc;
}
