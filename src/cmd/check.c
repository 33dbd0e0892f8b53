/* check.c — rp check [FILE] [--json]: parse and check, print every
 * diagnostic — as text on stderr, or as one JSON array on stdout for
 * editors (doc/json.md) — and warn about approval gates whose decisions
 * are unauthenticated. */
#include <stdio.h>
#include <stdlib.h>

#include "cmd/cmd.h"
#include "cmd/load.h"
#include "cmd/options.h"
#include "cmd/table.h"
#include "eval/families.h"
#include "lang/check.h"
#include "run/ci.h"

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
  int rc = EXIT_OK;
  if (o->json) {
    Value v = diags_to_value(&d);
    rc = print_json_line(v);
    value_release(v);
  } else {
    diags_print(&d, stderr, want_color(stderr));
    ci_annotate_diags(&d, stdout);
  }
  if (rc == EXIT_OK && d.nerrors) rc = EXIT_USAGE;
  diags_free(&d);
  checked_free(p, im);
  return rc;
}
