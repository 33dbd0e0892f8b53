/* fmt.h — the canonical layout of a pipeline file (rp fmt).
 *
 * The layout depends only on the syntax tree, the comments and where the
 * source had blank lines between items; never on the original spacing.
 * Literals (strings, regexes, numbers, durations) are copied byte for byte
 * from the source, so escapes and """ blocks survive unchanged. The rules
 * are written down in doc/fmt.md. */
#ifndef RP_FMT_H
#define RP_FMT_H

#include "lang/ast.h"

enum { FMT_WIDTH = 100 }; /* columns a line may use before it is broken */

/* The canonical text of a program parsed without errors (malloc'd). */
char *fmt_program(const Program *p);

#endif
