/* fuzz_rp.c — the front end on any input, as `rp check` and `rp fmt` see
 * a pipeline file: parse, print the diagnostics, check against rp's
 * families (std/ imports load from the embedded stdlib); and for a file
 * that parses, the canonical layout must parse to the same tree and
 * format to itself (the promise of doc/fmt.md, which tests/fmt.sh checks
 * on the repository's files only). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/families.h"
#include "fuzz.h"
#include "lang/check.h"
#include "lang/diag.h"
#include "lang/fmt.h"
#include "lang/parser.h"

/* Under /dev/null, which is no directory, so a relative import can
 * never reach a real file. */
#define PATH "/dev/null/fuzz.rp"

static FILE *sink; /* the diagnostics are printed, to nowhere */

static char *tree(const Program *p) {
  Buf b = {0};
  ast_dump(p, &b);
  return buf_take(&b);
}

/* `once`, p formatted, must parse to p's tree and format to itself. */
static void check_layout(const Program *p, const char *once) {
  Diags d = {0};
  Source *src = source_from_string(PATH, once);
  Program *q = parse_program(src, &d);
  if (d.nerrors) {
    fputs(once, stderr);
    diags_print(&d, stderr, false);
    fuzz_fail("rp fmt's output (above) does not parse");
  }
  char *before = tree(p), *after = tree(q), *twice = fmt_program(q);
  if (strcmp(before, after)) {
    fprintf(stderr, "---- formatted\n%s---- tree before\n%s---- tree after\n%s", once, before, after);
    fuzz_fail("rp fmt changes the program");
  }
  if (strcmp(once, twice)) {
    fprintf(stderr, "---- once\n%s---- twice\n%s", once, twice);
    fuzz_fail("rp fmt is not idempotent");
  }
  free(before);
  free(after);
  free(twice);
  diags_free(&d);
  program_free(q);
  source_free(src);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (memchr(data, 0, size)) return -1; /* source_load refuses NUL bytes */
  if (!sink && !(sink = fopen("/dev/null", "w"))) abort();
  char *text = xmalloc(size + 1);
  memcpy(text, data, size);
  text[size] = 0;
  Source *src = source_from_string(PATH, text);
  free(text);

  Diags d = {0};
  Program *p = parse_program(src, &d);
  if (!d.nerrors) {
    char *once = fmt_program(p);
    check_layout(p, once);
    free(once);
    Imports *im = imports_new(rp_families);
    check_program(p, im, &d);
    diags_print(&d, sink, true);
    imports_free(im);
  } else {
    diags_print(&d, sink, false);
  }
  diags_free(&d);
  program_free(p);
  source_free(src);
  return 0;
}
