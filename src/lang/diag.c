/* diag.c — collecting and printing diagnostics. */
#include "lang/diag.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void diag_add(Diags *d, DiagLevel level, const Source *src, Pos pos, uint32_t span,
              const char *fmt, ...) {
  Buf b = {0};
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  Diag item = {level, src, pos, span ? span : 1, buf_take(&b)};
  VEC_PUSH(d->items, d->n, d->cap, item);
  if (level == DIAG_ERROR) d->nerrors++;
  if (level == DIAG_WARNING) d->nwarnings++;
}

/* FORCE_COLOR and CLICOLOR_FORCE (a CI log renders colour, but is no
 * terminal) turn it on, unless "0" or "false"; NO_COLOR wins over both. */
static bool forced(const char *name) {
  const char *v = getenv(name);
  return v && *v && strcmp(v, "0") && strcmp(v, "false");
}

bool want_color(FILE *f) {
  const char *nc = getenv("NO_COLOR");
  if (nc && *nc) return false;
  return forced("FORCE_COLOR") || forced("CLICOLOR_FORCE") || isatty(fileno(f));
}

static const char *level_name(DiagLevel l) {
  return l == DIAG_ERROR ? "error" : l == DIAG_WARNING ? "warning" : "note";
}

static const char *level_color(DiagLevel l) {
  return l == DIAG_ERROR ? "\033[1;31m" : l == DIAG_WARNING ? "\033[1;35m" : "\033[1;36m";
}

/* Print the source line holding `pos` and a caret under the column; tabs
 * in the prefix are kept so the caret lines up however they render. */
static void print_caret(const Diag *d, FILE *out, bool color) {
  const char *text = d->src->text;
  uint32_t start = d->pos.off;
  if (start > d->src->len) return;
  while (start > 0 && text[start - 1] != '\n') start--;
  uint32_t end = d->pos.off;
  while (end < d->src->len && text[end] != '\n') end++;
  fprintf(out, "  %.*s\n  ", (int)(end - start), text + start);
  for (uint32_t i = start; i < d->pos.off; i++) fputc(text[i] == '\t' ? '\t' : ' ', out);
  uint32_t span = d->span;
  if (d->pos.off + span > end) span = end > d->pos.off ? end - d->pos.off : 1;
  if (color) fputs("\033[1;32m", out);
  fputc('^', out);
  for (uint32_t i = 1; i < span; i++) fputc('~', out);
  if (color) fputs("\033[0m", out);
  fputc('\n', out);
}

void diag_print_one(const Diag *d, FILE *out, bool color) {
  if (d->src) {
    if (color) fputs("\033[1m", out);
    fprintf(out, "%s:%u:%u: ", d->src->path, d->pos.line, d->pos.col);
    if (color) fputs("\033[0m", out);
  } else {
    fputs("rp: ", out);
  }
  if (color) fprintf(out, "%s%s:\033[0m ", level_color(d->level), level_name(d->level));
  else fprintf(out, "%s: ", level_name(d->level));
  fprintf(out, "%s\n", d->msg);
  if (d->src) print_caret(d, out, color);
}

static int diag_cmp(const void *pa, const void *pb) {
  const Diag *a = pa, *b = pb;
  if (a->src != b->src) {
    if (!a->src || !b->src) return a->src ? 1 : -1;
    int c = strcmp(a->src->path, b->src->path);
    if (c) return c;
  }
  if (a->pos.off != b->pos.off) return a->pos.off < b->pos.off ? -1 : 1;
  return a < b ? -1 : a > b; /* keep insertion order: qsort is not stable */
}

void diags_print(Diags *d, FILE *out, bool color) {
  /* notes belong to the diagnostic before them: sort only runs that start
   * with an error or warning, keeping each note after its owner */
  typedef struct { int start, len; } Group;
  Group *groups = xmalloc(sizeof(Group) * (size_t)(d->n + 1));
  int ng = 0;
  for (int i = 0; i < d->n; i++) {
    if (d->items[i].level == DIAG_NOTE && ng > 0) groups[ng - 1].len++;
    else groups[ng++] = (Group){i, 1};
  }
  /* order groups by their head diagnostic */
  for (int i = 1; i < ng; i++) {
    Group g = groups[i];
    int j = i;
    while (j > 0 && diag_cmp(&d->items[groups[j - 1].start], &d->items[g.start]) > 0) {
      groups[j] = groups[j - 1];
      j--;
    }
    groups[j] = g;
  }
  for (int i = 0; i < ng; i++)
    for (int k = 0; k < groups[i].len; k++) diag_print_one(&d->items[groups[i].start + k], out, color);
  free(groups);
}

void diags_free(Diags *d) {
  for (int i = 0; i < d->n; i++) free(d->items[i].msg);
  free(d->items);
  memset(d, 0, sizeof *d);
}
