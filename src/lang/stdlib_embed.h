/* stdlib_embed.h — the standard modules (stdlib/NAME.rp), embedded in the binary
 * at build time by scripts/embed-stdlib.sh, so `import "std/NAME"` needs no
 * installed files. */
#ifndef RP_STDLIB_EMBED_H
#define RP_STDLIB_EMBED_H

/* The source of std/NAME, or NULL when there is no such module. */
const char *stdlib_source(const char *name);
/* The names of all standard modules, sorted. */
const char *const *stdlib_names(int *n);

#endif
