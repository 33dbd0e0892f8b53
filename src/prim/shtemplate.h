/* shtemplate.h — sh "..." templates: shell code, and values the shell
 * never parses.
 *
 * A template is the code the pipeline wrote (its literal text and raw()
 * text) with holes where its other ${...} values go. A value is never
 * written into the code: it reaches the command in its environment, as
 * RP_1, RP_2, ... (in order), and the code refers to it. The shell
 * expands a variable without parsing what it holds, so no value can run
 * as a command, in any context. The scanner follows the shell's contexts
 * (quotes, $( ), ``, $(( )), ${ }, here-documents, comments) only so that
 * each value arrives whole and byte for byte:
 *
 *   plain word, $( ), ``, # comment     "${RP_1}"
 *   "double quotes", <<EOF body          ${RP_1}
 *   'single quotes'                      '"${RP_1}"'  (closed, reopened)
 *   $(( ))                               ${RP_1}; the value must be an integer
 *   <<'EOF' body, a delimiter            refused: nothing is expanded there
 *
 * Also refused: a value right after '\' or '$' (they would change what
 * the shell reads), and a NUL byte (no command can receive one). */
#ifndef RP_SHTEMPLATE_H
#define RP_SHTEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/util.h"
#include "core/value.h"

/* The variables the values are passed in: RP_1, RP_2, ... */
#define SH_VALUE_PREFIX "RP_"

typedef struct ShHole {
  size_t at; /* offset in the code */
  Buf text;
  bool secret;    /* shown as *** */
  const void *tag; /* the caller's: handed back with an error about it */
} ShHole;

/* Being built: write code into `code`, values through sh_template_hole. */
typedef struct ShTemplate {
  Buf code;
  ShHole *holes;
  int nholes, cap;
} ShTemplate;

typedef struct ShCommand {
  char *code;  /* for /bin/sh: the template's code referring to the values */
  char *shown; /* for people (--dry-run, errors): the values written in as
                  the shell would read them, secrets as *** */
  char **env;  /* "RP_1=value", ..., NULL */
} ShCommand;

/* A value at the end of the code so far: write its text into the Buf. */
Buf *sh_template_hole(ShTemplate *t, bool secret, const void *tag);
/* The command (malloc'd), or NULL with *err (malloc'd, naming no value
 * text) and *tag (the value's, or NULL) when the template is refused.
 * Frees the template either way. */
ShCommand *sh_template_compile(ShTemplate *t, char **err, const void **tag);
void sh_template_free(ShTemplate *t);
void sh_command_free(ShCommand *c);

/* A compiled template as a value, to hand to sh() (takes c), and back:
 * NULL when v is not one. */
Value sh_command_value(ShCommand *c);
const ShCommand *sh_command_of(Value v);

#endif
