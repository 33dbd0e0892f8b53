/* fuzz_rp.c — the front end on any input, as `rp check` and `rp fmt` see
 * a pipeline file: parse, print the diagnostics, check against rp's
 * families (std/ imports load from the embedded stdlib); and for a file
 * that parses, the canonical layout must parse again and format to itself
 * (the promise of doc/fmt.md, which tests/fmt.sh checks on the
 * repository's files only). */
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

/* The layout of the program, or NULL when `text` does not parse. */
static char *format(const char *text, Diags *d) {
  Source *src = source_from_string(PATH, text);
  Program *p = parse_program(src, d);
  char *out = d->nerrors ? NULL : fmt_program(p);
  program_free(p);
  source_free(src);
  return out;
}

static void check_layout(const char *once) {
  Diags d = {0};
  char *twice = format(once, &d);
  if (!twice) {
    fputs(once, stderr);
    diags_print(&d, stderr, false);
    fuzz_fail("rp fmt's output (above) does not parse");
  }
  if (strcmp(once, twice)) {
    fprintf(stderr, "---- once\n%s---- twice\n%s", once, twice);
    fuzz_fail("rp fmt is not idempotent");
  }
  free(twice);
  diags_free(&d);
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
    check_layout(once);
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
