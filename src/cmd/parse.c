/* parse.c — rp parse [FILE]: print the syntax tree, for debugging the
 * language and for tests that compare trees (fmt must preserve them). */
#include <stdio.h>
#include <stdlib.h>

#include "cmd/cmd.h"
#include "cmd/options.h"
#include "lang/parser.h"

int cmd_parse(const Options *o) {
  Diags d = {0};
  char *err = NULL;
  Program *p = parse_file(pipeline_path(o->file), &d, &err);
  if (!p) {
    fprintf(stderr, "rp: %s\n", err);
    free(err);
    return EXIT_USAGE;
  }
  diags_print(&d, stderr, want_color(stderr));
  int rc = d.nerrors ? EXIT_USAGE : EXIT_OK;
  if (!d.nerrors) {
    Buf b = {0};
    ast_dump(p, &b);
    fputs(b.data ? b.data : "", stdout);
    buf_free(&b);
  }
  diags_free(&d);
  parse_file_free(p);
  return rc;
}
