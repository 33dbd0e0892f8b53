/* diag.h — diagnostics as values: collected, then printed gcc-style as
 *   file:line:col: error: message
 *     source line
 *        ^
 * Passes never print directly; they add to a Diags and go on, so one run
 * reports several errors. */
#ifndef RP_DIAG_H
#define RP_DIAG_H

#include <stdio.h>

#include "core/value.h"
#include "lang/ast.h"

typedef enum DiagLevel { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } DiagLevel;

typedef struct Diag {
  DiagLevel level;
  const Source *src; /* NULL for diagnostics not tied to a file */
  Pos pos;
  uint32_t span; /* bytes to underline, at least 1 */
  char *msg;
} Diag;

typedef struct Diags {
  Diag *items;
  int n, cap;
  int nerrors, nwarnings;
} Diags;

void diag_add(Diags *d, DiagLevel level, const Source *src, Pos pos, uint32_t span,
              const char *fmt, ...) __attribute__((format(printf, 6, 7)));
#define diag_error(d, src, pos, ...) diag_add((d), DIAG_ERROR, (src), (pos), 1, __VA_ARGS__)
#define diag_warning(d, src, pos, ...) diag_add((d), DIAG_WARNING, (src), (pos), 1, __VA_ARGS__)
#define diag_note(d, src, pos, ...) diag_add((d), DIAG_NOTE, (src), (pos), 1, __VA_ARGS__)

/* Sort by file and position (stable), then print all. */
void diags_print(Diags *d, FILE *out, bool color);
/* Print one diagnostic; also used for runtime errors. */
void diag_print_one(const Diag *d, FILE *out, bool color);
void diags_free(Diags *d);
/* The diagnostics as data, in printing order (rp check --json, doc/json.md):
 * a list of {file, line, col, end: {line, col}, severity, message,
 * suggestion}; `end` is exclusive, `suggestion` the did-you-mean name or
 * null. */
Value diags_to_value(const Diags *d);

/* Whether to colour output on `f`: a terminal, or FORCE_COLOR or
 * CLICOLOR_FORCE set; never with NO_COLOR set. */
bool want_color(FILE *f);

#endif
