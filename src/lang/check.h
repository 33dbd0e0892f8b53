/* check.h — static checks of a parsed pipeline (`rp check`; doc/checks.md).
 *
 * The checker resolves every name (stages, environments, functions,
 * variables, modules, primitives), validates the stage graph and the
 * environment order, call arities, regex literals, approval settings and
 * manual inputs. It adds every problem to a Diags and goes on, so one run
 * reports them all. Imports are loaded as part of checking: `./lib.rp`
 * relative to the importing file, `std/NAME` from the embedded stdlib. */
#ifndef RP_CHECK_H
#define RP_CHECK_H

#include <stdbool.h>

#include "lang/ast.h"
#include "lang/diag.h"
#include "lang/primitive.h"

/* What a pipeline uses besides itself: the families of primitives it was
 * given, and the modules it imports, loaded once each. It owns their
 * sources and programs, so it must outlive the printing of diagnostics
 * about them. */
typedef struct Imports Imports;

/* `families`: a NULL-terminated list (rp's is eval/families.h); it must
 * outlive the Imports. */
Imports *imports_new(const PrimFamily *const *families);
void imports_free(Imports *im);
const PrimFamily *const *imports_families(const Imports *im);
/* The program an `import` declaration resolved to, or NULL if it failed. */
Program *imports_module(const Imports *im, const Node *import);
/* The source of the module loaded from `path` (as in Source.path), or NULL. */
const Source *imports_source(const Imports *im, const char *path);

/* Check `p` (its imports are loaded into `im`). Returns true when no error
 * was found; warnings do not count. */
bool check_program(Program *p, Imports *im, Diags *d);

/* Read, parse and check the pipeline at `path` against `families`: what
 * every command that works on a pipeline starts with. Returns NULL only when the file cannot
 * be read, with *err = "cannot read PATH: reason" (malloc'd). Otherwise the
 * program; parse and check problems are in `d` (static checks are skipped
 * when the file does not parse). Free with checked_free. */
Program *load_checked(const char *path, const PrimFamily *const *families, Imports **im, Diags *d, char **err);
void checked_free(Program *p, Imports *im); /* the program, its source, its imports */
/* For rp check only: a warning for each approval gate without `signers`,
 * whose decisions prove nothing about who took them (DESIGN §10). */
void check_unsigned_gates(const Program *p, Diags *d);

#endif
