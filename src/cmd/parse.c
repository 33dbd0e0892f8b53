/* cmd_parse.c — rp parse [FILE]: print the syntax tree, for debugging the
 * language and for tests that compare trees (fmt must preserve them). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "lang/parser.h"

int cmd_parse(int argc, char **argv) {
  const char *path = pipeline_path(argc > 1 ? argv[1] : NULL);
  Source *src = source_load(path);
  if (!src) {
    fprintf(stderr, "rp: cannot read %s: %s\n", path, strerror(errno));
    return EXIT_USAGE;
  }
  Diags d = {0};
  Program *p = parse_program(src, &d);
  diags_print(&d, stderr, want_color(stderr));
  int rc = d.nerrors ? EXIT_USAGE : EXIT_OK;
  if (!d.nerrors) {
    Buf b = {0};
    ast_dump(p, &b);
    fputs(b.data ? b.data : "", stdout);
    buf_free(&b);
  }
  diags_free(&d);
  program_free(p);
  source_free(src);
  return rc;
}
