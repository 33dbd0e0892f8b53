/* parser.h — hand-written recursive-descent parser (grammar/rp.ebnf). */
#ifndef RP_PARSER_H
#define RP_PARSER_H

#include "lang/ast.h"
#include "lang/diag.h"

/* Parse a whole file. Always returns a Program (possibly partial); errors
 * go to `diags`. The Program does not own `src`. */
Program *parse_program(Source *src, Diags *diags);
/* Read and parse the file at `path`. NULL only when it cannot be read,
 * with *err = "cannot read PATH: reason" (malloc'd). Free with parse_file_free
 * (the program and its source). */
Program *parse_file(const char *path, Diags *diags, char **err);
void parse_file_free(Program *p);

/* Parse one REPL input: a statement, declaration or expression, appended
 * to `into`'s arena. Returns the node or NULL on error. */
Node *parse_repl_line(Program *into, Source *src, Diags *diags);

#endif
