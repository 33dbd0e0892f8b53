/* check.c — rp check [FILE]: parse and check, print every diagnostic. */
#include "cmd/cmd.h"
#include "cmd/load.h"
#include "cmd/options.h"

int cmd_check(const Options *o) {
  Imports *im;
  Program *p = pipeline_load(pipeline_path(o->file), &im);
  if (!p) return EXIT_USAGE;
  checked_free(p, im);
  return EXIT_OK;
}
