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

typedef void (*EachDiag)(const Diag *d, void *ctx);

/* Each diagnostic in the order they are printed. */
static void diags_each(const Diags *d, EachDiag each, void *ctx) {
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
    for (int k = 0; k < groups[i].len; k++) each(&d->items[groups[i].start + k], ctx);
  free(groups);
}

typedef struct PrintTo {
  FILE *out;
  bool color;
} PrintTo;

static void print_each(const Diag *d, void *ctx) {
  PrintTo *p = ctx;
  diag_print_one(d, p->out, p->color);
}

void diags_print(Diags *d, FILE *out, bool color) {
  PrintTo p = {out, color};
  diags_each(d, print_each, &p);
}

/* Every did-you-mean ends its message the same way (core/util.h's Suggest):
 * " (did you mean 'NAME'?)". */
static Value suggestion_of(const char *msg) {
  static const char lead[] = " (did you mean '", tail[] = "'?)";
  const char *at = strstr(msg, lead);
  if (!at) return V_NULL_VALUE;
  at += sizeof lead - 1;
  size_t n = strlen(at);
  if (n < sizeof tail || strcmp(at + n - (sizeof tail - 1), tail)) return V_NULL_VALUE;
  return v_str(at, n - (sizeof tail - 1));
}

/* Where the underline ends, exclusive: the caret's span, within its line. */
static Value end_of(const Diag *d) {
  uint32_t end = d->pos.off;
  while (end < d->src->len && d->src->text[end] != '\n' && end < d->pos.off + d->span) end++;
  Value v = v_map();
  map_set(v, "line", v_int(d->pos.line));
  map_set(v, "col", v_int(d->pos.col + (end > d->pos.off ? end - d->pos.off : 1)));
  return v;
}

static void push_value(const Diag *d, void *ctx) {
  Value item = v_map();
  map_set(item, "file", d->src ? v_cstr(d->src->path) : V_NULL_VALUE);
  map_set(item, "line", d->src ? v_int(d->pos.line) : V_NULL_VALUE);
  map_set(item, "col", d->src ? v_int(d->pos.col) : V_NULL_VALUE);
  map_set(item, "end", d->src ? end_of(d) : V_NULL_VALUE);
  map_set(item, "severity", v_cstr(level_name(d->level)));
  map_set(item, "message", v_cstr(d->msg));
  map_set(item, "suggestion", suggestion_of(d->msg));
  list_push(*(Value *)ctx, item);
}

Value diags_to_value(const Diags *d) {
  Value list = v_list();
  diags_each(d, push_value, &list);
  return list;
}

void diags_free(Diags *d) {
  for (int i = 0; i < d->n; i++) free(d->items[i].msg);
  free(d->items);
  memset(d, 0, sizeof *d);
}
