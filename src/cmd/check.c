/* check.c — rp check [FILE] [--json]: parse and check, print every
 * diagnostic: as text on stderr, or as one JSON array on stdout for
 * editors (doc/json.md). */
#include <stdio.h>
#include <stdlib.h>

#include "cmd/cmd.h"
#include "cmd/load.h"
#include "cmd/options.h"
#include "cmd/table.h"
#include "eval/families.h"

static int check_json(const char *path) {
  Diags d = {0};
  Imports *im = NULL;
  char *err = NULL;
  Program *p = load_checked(path, rp_families, &im, &d, &err);
  if (!p) {
    fprintf(stderr, "rp: %s\n", err);
    free(err);
    return EXIT_USAGE;
  }
  Value v = diags_to_value(&d);
  int rc = print_json_line(v);
  value_release(v);
  if (rc == EXIT_OK && d.nerrors) rc = EXIT_USAGE;
  diags_free(&d);
  checked_free(p, im);
  return rc;
}

int cmd_check(const Options *o) {
  if (o->json) return check_json(pipeline_path(o->file));
  Imports *im;
  Program *p = pipeline_load(pipeline_path(o->file), &im);
  if (!p) return EXIT_USAGE;
  checked_free(p, im);
  return EXIT_OK;
}
