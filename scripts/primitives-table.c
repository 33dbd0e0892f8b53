/* primitives-table.c — prints the reference table of doc/primitives.md
 * (between its BEGIN and END markers) from the families' tables, so the
 * reference cannot drift from what `rp check` and the interpreter use.
 * scripts/doc-tables.sh puts it in place (`make doc-tables`) or compares
 * (tests/doc-tables.sh). */
#include <stdio.h>

#include "eval/families.h"

/* Text in a table cell: `|` would end the cell, even inside backquotes. */
static void cell(const char *s) {
  for (; *s; s++) {
    if (*s == '|') putchar('\\');
    putchar(*s);
  }
}

static void family(const PrimFamily *f) {
  printf("\n## %s\n%s", *f->ns ? f->ns : "Globals", f->summary);
  if (f->page) printf(" See [%s](%s).", f->page, f->page);
  printf("\n\n| call | returns |\n|---|---|\n");
  for (int i = 0; i < f->n; i++) {
    Buf sig = {0};
    prim_signature(f->ns, &f->prims[i], &sig);
    printf("| `");
    cell(sig.data);
    printf("` | ");
    cell(f->prims[i].summary);
    printf(" |\n");
    buf_free(&sig);
  }
}

int main(void) {
  printf("<!-- BEGIN primitives table: generated from src/eval/prim_*.c by `make doc-tables` -->\n");
  for (int i = 0; rp_families[i]; i++) family(rp_families[i]);
  printf("<!-- END primitives table -->\n");
  return 0;
}
