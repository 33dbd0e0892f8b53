/* parse.c — rp parse [FILE]: print the syntax tree, for debugging the
 * language and for tests that compare trees (fmt must preserve them). */
#include <stdio.h>

#include "cmd/cmd.h"
#include "cmd/load.h"
#include "cmd/options.h"
#include "lang/parser.h"

int cmd_parse(const Options *o) {
  Program *p = pipeline_load(pipeline_path(o->file), NULL);
  if (!p) return EXIT_USAGE;
  Buf b = {0};
  ast_dump(p, &b);
  fputs(b.data ? b.data : "", stdout);
  buf_free(&b);
  parse_file_free(p);
  return EXIT_OK;
}
