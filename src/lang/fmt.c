/* fmt.c — the canonical layout of a program.
 *
 * Two steps, as in Wadler's "prettier printer": the tree becomes a small
 * document (text, possible line breaks, indentation, groups), then the
 * document is laid out in FMT_WIDTH columns. A group goes on one line when
 * all of it, and what follows it up to the next possible break, fits;
 * otherwise its line breaks become newlines. Blocks, argument lists, lists
 * and maps are groups, so one mechanism decides every layout.
 *
 * Comments are placed while the document is built. Each block or bracket
 * holds a sequence of items; a comment before an item (after the previous
 * one) is printed on its own line before it, a comment after an item on
 * the same source line stays trailing, a comment left over at the end of
 * the sequence goes before the closing bracket. A comment anywhere else
 * inside an item (in the middle of an expression) is printed on its own
 * line before that item. Comments force the groups around them to break,
 * which keeps the placement stable: formatting twice changes nothing. */
#include "lang/fmt.h"

#include <stdlib.h>
#include <string.h>

/* ---- documents ---- */

typedef enum DocKind {
  D_TEXT,    /* literal text (may hold newlines: """ strings) */
  D_COMMENT, /* a comment: printed, but takes no width; a newline must follow */
  D_LINE,    /* a space, or a newline when its group breaks */
  D_SOFT,    /* nothing, or a newline when its group breaks */
  D_HARD,    /* always a newline */
  D_BLANK,   /* always a newline and one empty line */
  D_NEST,    /* its content indented one more step */
  D_GROUP,   /* flat if it fits */
  D_CAT,     /* a then b */
} DocKind;

typedef struct Doc Doc;
struct Doc {
  DocKind kind;
  bool hard;  /* holds a forced newline: enclosing groups must break */
  bool block; /* holds a { } block: its item is not "simple" */
  const char *s;
  uint32_t n;
  Doc *a, *b;
};

enum { INDENT = 2 };

typedef struct Fmt {
  const char *src;
  uint32_t len;
  Arena arena; /* documents and their strings */
  Comment *cs; /* the program's comments, by offset */
  bool *used;  /* comments already placed */
  int *unused; /* a comment at or after i that may be unplaced: the search skips placed runs once */
  int nc;
  /* an expression printed right after `when`, `fail`...: no clarifying
   * parentheses down its left edge, where `(` would make a call */
  const Node *bare_start;
} Fmt;

static Doc *doc_new(Fmt *F, DocKind k) {
  Doc *d = arena_alloc(&F->arena, sizeof *d);
  d->kind = k;
  d->hard = k == D_HARD || k == D_BLANK || k == D_COMMENT;
  return d;
}

static Doc *textn(Fmt *F, const char *s, uint32_t n) {
  Doc *d = doc_new(F, D_TEXT);
  d->s = s;
  d->n = n;
  d->hard = memchr(s, '\n', n) != NULL;
  return d;
}

static Doc *text(Fmt *F, const char *s) { return textn(F, s, (uint32_t)strlen(s)); }

static Doc *textf(Fmt *F, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static Doc *textf(Fmt *F, const char *fmt, ...) {
  Buf b = {0};
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  char *s = arena_strndup(&F->arena, b.data ? b.data : "", b.len);
  buf_free(&b);
  return textn(F, s, (uint32_t)strlen(s));
}

static Doc *cat(Fmt *F, Doc *a, Doc *b) {
  if (!a) return b;
  if (!b) return a;
  Doc *d = doc_new(F, D_CAT);
  d->a = a;
  d->b = b;
  d->hard = a->hard || b->hard;
  d->block = a->block || b->block;
  return d;
}

/* cat of up to six documents; NULLs are skipped */
static Doc *cat6(Fmt *F, Doc *a, Doc *b, Doc *c, Doc *d, Doc *e, Doc *f) {
  return cat(F, cat(F, cat(F, a, b), cat(F, c, d)), cat(F, e, f));
}
#define CAT2(F, a, b) cat((F), (a), (b))
#define CAT3(F, a, b, c) cat6((F), (a), (b), (c), NULL, NULL, NULL)
#define CAT4(F, a, b, c, d) cat6((F), (a), (b), (c), (d), NULL, NULL)
#define CAT5(F, a, b, c, d, e) cat6((F), (a), (b), (c), (d), (e), NULL)

static Doc *wrap(Fmt *F, DocKind k, Doc *a) {
  Doc *d = doc_new(F, k);
  d->a = a;
  d->hard = a && a->hard;
  d->block = a && a->block;
  return d;
}

static Doc *nest(Fmt *F, Doc *a) { return wrap(F, D_NEST, a); }
static Doc *group(Fmt *F, Doc *a) { return wrap(F, D_GROUP, a); }
static Doc *brk(Fmt *F, DocKind k) { return doc_new(F, k); }

/* ---- layout ---- */

typedef struct Frame {
  int indent;
  bool flat;
  const Doc *d;
} Frame;

typedef struct Layout {
  Buf out;
  int col;
  bool at_line_start; /* the indentation of this line is not written yet, */
  int line_indent;    /* and this is it (the indentation at the break) */
  Frame *stack, *tmp;
  int n, cap, tn, tcap;
} Layout;

/* Would `next`, then what is left on the stack up to the next newline,
 * fit in `width` columns? */
static bool fits(Layout *L, Frame next, int width) {
  L->tn = 0;
  VEC_PUSH(L->tmp, L->tn, L->tcap, next);
  int rest = L->n;
  while (width >= 0) {
    Frame f;
    if (L->tn) f = L->tmp[--L->tn];
    else if (rest) f = L->stack[--rest];
    else return true;
    const Doc *d = f.d;
    switch (d->kind) {
    case D_TEXT: {
      const char *nl = memchr(d->s, '\n', d->n);
      width -= (int)(nl ? (uint32_t)(nl - d->s) : d->n);
      if (nl) return width >= 0;
      break;
    }
    case D_COMMENT: return true;
    case D_LINE:
      if (!f.flat) return true;
      width--;
      break;
    case D_SOFT:
      if (!f.flat) return true;
      break;
    case D_HARD: case D_BLANK: return true;
    case D_NEST: VEC_PUSH(L->tmp, L->tn, L->tcap, ((Frame){f.indent + INDENT, f.flat, d->a})); break;
    case D_GROUP: VEC_PUSH(L->tmp, L->tn, L->tcap, ((Frame){f.indent, f.flat && !d->hard, d->a})); break;
    case D_CAT:
      VEC_PUSH(L->tmp, L->tn, L->tcap, ((Frame){f.indent, f.flat, d->b}));
      VEC_PUSH(L->tmp, L->tn, L->tcap, ((Frame){f.indent, f.flat, d->a}));
      break;
    }
  }
  return false;
}

static void put_text(Layout *L, const char *s, uint32_t n) {
  if (L->at_line_start) {
    for (int i = 0; i < L->line_indent; i++) buf_putc(&L->out, ' ');
    L->col = L->line_indent;
    L->at_line_start = false;
  }
  buf_putn(&L->out, s, n);
  const char *nl = NULL;
  for (uint32_t i = 0; i < n; i++)
    if (s[i] == '\n') nl = s + i;
  L->col = nl ? (int)(s + n - nl - 1) : L->col + (int)n;
}

static void put_newline(Layout *L, int indent, bool blank) {
  buf_puts(&L->out, blank ? "\n\n" : "\n");
  L->at_line_start = true;
  L->line_indent = L->col = indent;
}

static char *layout(const Doc *root) {
  Layout L = {0};
  if (root) VEC_PUSH(L.stack, L.n, L.cap, ((Frame){0, false, root}));
  while (L.n) {
    Frame f = L.stack[--L.n];
    const Doc *d = f.d;
    switch (d->kind) {
    case D_TEXT: case D_COMMENT: put_text(&L, d->s, d->n); break;
    case D_LINE:
      if (f.flat) put_text(&L, " ", 1);
      else put_newline(&L, f.indent, false);
      break;
    case D_SOFT:
      if (!f.flat) put_newline(&L, f.indent, false);
      break;
    case D_HARD: put_newline(&L, f.indent, false); break;
    case D_BLANK: put_newline(&L, f.indent, true); break;
    case D_NEST: VEC_PUSH(L.stack, L.n, L.cap, ((Frame){f.indent + INDENT, f.flat, d->a})); break;
    case D_GROUP: {
      bool flat = f.flat || (!d->hard && fits(&L, (Frame){f.indent, true, d->a}, FMT_WIDTH - L.col));
      VEC_PUSH(L.stack, L.n, L.cap, ((Frame){f.indent, flat, d->a}));
      break;
    }
    case D_CAT:
      VEC_PUSH(L.stack, L.n, L.cap, ((Frame){f.indent, f.flat, d->b}));
      VEC_PUSH(L.stack, L.n, L.cap, ((Frame){f.indent, f.flat, d->a}));
      break;
    }
  }
  free(L.stack);
  free(L.tmp);
  if (L.out.len) buf_putc(&L.out, '\n');
  return L.out.data ? buf_take(&L.out) : xstrdup("");
}

/* ---- source positions and comments ---- */

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* Does the source line before the one at `off` hold nothing, with `off`
 * the first thing on its line? */
static bool blank_before(const Fmt *F, uint32_t off) {
  uint32_t i = off;
  while (i > 0 && is_blank(F->src[i - 1])) i--;
  if (i == 0 || F->src[i - 1] != '\n') return false;
  i--;
  while (i > 0 && is_blank(F->src[i - 1])) i--;
  return i > 0 && F->src[i - 1] == '\n';
}

static bool same_line(const Fmt *F, uint32_t from, uint32_t to) {
  return to >= from && !memchr(F->src + from, '\n', to - from);
}

static int comment_cmp(const void *a, const void *b) {
  uint32_t x = ((const Comment *)a)->pos.off, y = ((const Comment *)b)->pos.off;
  return (x > y) - (x < y);
}

/* Index of the first comment at or after `off`. */
static int comment_from(const Fmt *F, uint32_t off) {
  int lo = 0, hi = F->nc;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (F->cs[mid].pos.off < off) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* The first unplaced comment at or after index i (F->nc: none), with the
 * path to it shortened, so that a million placed comments are not walked
 * again by every search that starts before them. */
static int first_unused(Fmt *F, int i) {
  int j = i;
  while (j < F->nc && F->used[j]) j = F->unused[j];
  while (i < j && F->unused[i] != j) {
    int next = F->unused[i];
    F->unused[i] = j;
    i = next;
  }
  return j;
}

/* The next unplaced comment in [lo, hi), or -1. */
static int next_comment(Fmt *F, uint32_t lo, uint32_t hi) {
  int i = first_unused(F, comment_from(F, lo));
  return i < F->nc && F->cs[i].pos.off < hi ? i : -1;
}

/* A comment as a document, trailing spaces dropped; `lead` goes before. */
static Doc *comment_doc(Fmt *F, int i, const char *lead) {
  F->used[i] = true;
  const char *t = F->cs[i].text;
  size_t n = strlen(t);
  while (n > 0 && is_blank(t[n - 1])) n--;
  Doc *d = textf(F, "%s%.*s", lead, (int)n, t);
  d->kind = D_COMMENT;
  d->hard = true;
  return d;
}

/* ---- items: the members of a block or a bracket ---- */

typedef enum ItemKind { IT_NODE, IT_ARG, IT_ENTRY, IT_SECTION } ItemKind;

typedef struct Item {
  ItemKind kind;
  const Node *n;      /* IT_NODE; IT_ARG, IT_ENTRY, IT_SECTION: the value */
  const char *label;  /* IT_ARG: the name or NULL; IT_SECTION: success... */
  const Node *key;    /* IT_ENTRY */
  uint32_t start, end;
} Item;

static bool is_word_start(char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_word_char(char c) { return is_word_start(c) || (c >= '0' && c <= '9'); }

static bool is_identifier(const char *s, uint32_t len) {
  if (!len || !is_word_start(s[0])) return false;
  for (uint32_t i = 1; i < len; i++)
    if (!is_word_char(s[i])) return false;
  return true;
}

static Doc *source_text(Fmt *F, const Node *n) { return textn(F, F->src + n->pos.off, n->end - n->pos.off); }

static Item node_item(const Node *n) { return (Item){IT_NODE, n, NULL, NULL, n->pos.off, n->end}; }

static Doc *expr(Fmt *F, const Node *n, int min);
static Doc *node_doc(Fmt *F, const Node *n);

static Doc *item_doc(Fmt *F, const Item *it) {
  switch (it->kind) {
  case IT_NODE: return node_doc(F, it->n);
  case IT_ARG:
    return it->label ? CAT2(F, textf(F, "%s: ", it->label), expr(F, it->n, 0)) : expr(F, it->n, 0);
  case IT_ENTRY: {
    const char *s;
    uint32_t len;
    Doc *key;
    if (string_is_plain(it->key, &s, &len) && is_identifier(s, len)) key = textn(F, s, len);
    else key = source_text(F, it->key);
    return CAT3(F, key, text(F, ": "), expr(F, it->n, 0));
  }
  case IT_SECTION: return CAT3(F, text(F, it->label), text(F, " "), node_doc(F, it->n));
  }
  return NULL;
}

/* Where the previous item in source order ends (comments after it and
 * before `it` lead `it`), and where the next one starts. Items are in
 * source order except post sections, printed success, failure, always. */
static bool in_order(const Item *its, int n) {
  for (int j = 1; j < n; j++)
    if (its[j - 1].start > its[j].start) return false;
  return true;
}

static uint32_t prev_end(const Item *its, int n, bool sorted, int i, uint32_t open) {
  if (sorted) return i ? its[i - 1].end : open;
  uint32_t lo = open;
  for (int j = 0; j < n; j++)
    if (its[j].start < its[i].start && its[j].end > lo) lo = its[j].end;
  return lo;
}

static uint32_t next_start(const Item *its, int n, bool sorted, int i, uint32_t close) {
  if (sorted) return i + 1 < n ? its[i + 1].start : close;
  uint32_t hi = close;
  for (int j = 0; j < n; j++)
    if (its[j].start > its[i].start && its[j].start < hi) hi = its[j].start;
  return hi;
}

/* One item with its comments: leading lines, lines moved out of its
 * middle, the item, `sep`, a trailing comment. *first gets the offset of
 * the first thing printed (for the blank line before it). */
static Doc *unit_doc(Fmt *F, const Item *its, int n, bool sorted, int i, uint32_t open, uint32_t close,
                     const char *sep, uint32_t *first) {
  const Item *it = &its[i];
  Doc *u = NULL;
  *first = it->start;
  for (int c; (c = next_comment(F, prev_end(its, n, sorted, i, open), it->start)) >= 0;) {
    if (u) u = CAT2(F, u, brk(F, blank_before(F, F->cs[c].pos.off) ? D_BLANK : D_HARD));
    else *first = F->cs[c].pos.off;
    u = CAT2(F, u, comment_doc(F, c, ""));
  }
  if (u) u = CAT2(F, u, brk(F, blank_before(F, it->start) ? D_BLANK : D_HARD));
  Doc *d = item_doc(F, it);
  for (int c; (c = next_comment(F, it->start, it->end)) >= 0;)
    u = CAT3(F, u, comment_doc(F, c, ""), brk(F, D_HARD));
  u = CAT3(F, u, d, sep ? text(F, sep) : NULL);
  int c = next_comment(F, it->end, next_start(its, n, sorted, i, close));
  if (c >= 0 && same_line(F, it->end, F->cs[c].pos.off)) u = CAT2(F, u, comment_doc(F, c, " "));
  return u;
}

/* The items of a block (one per line, blank lines kept) or of a bracket
 * (separated by ", " or ",\n"), then the comments left before `close`. */
static Doc *seq(Fmt *F, const Item *its, int n, uint32_t open, uint32_t close, bool block) {
  Doc *out = NULL;
  bool sorted = in_order(its, n);
  for (int i = 0; i < n; i++) {
    uint32_t first;
    Doc *u = unit_doc(F, its, n, sorted, i, open, close, !block && i < n - 1 ? "," : NULL, &first);
    if (i > 0) out = CAT2(F, out, brk(F, !block ? D_LINE : blank_before(F, first) ? D_BLANK : D_HARD));
    out = CAT2(F, out, u);
  }
  for (int c; (c = next_comment(F, open, close)) >= 0;) {
    if (out) out = CAT2(F, out, brk(F, blank_before(F, F->cs[c].pos.off) ? D_BLANK : D_HARD));
    out = CAT2(F, out, comment_doc(F, c, ""));
  }
  return out;
}

/* `{ ... }`: empty `{}`; one simple item on one line when it fits;
 * otherwise one item per line. `own_group` false leaves the choice to
 * the caller's group (the blocks of an if/else chain break together). */
static Doc *block_items_in(Fmt *F, const Item *its, int n, uint32_t open, uint32_t close, bool own_group) {
  Doc *body = seq(F, its, n, open, close, true);
  Doc *d;
  if (!body) {
    d = text(F, "{}");
  } else if (n == 1 && !body->block) {
    d = CAT4(F, text(F, "{"), nest(F, CAT2(F, brk(F, D_LINE), body)), brk(F, D_LINE), text(F, "}"));
    if (own_group) d = group(F, d);
  } else {
    d = CAT4(F, text(F, "{"), nest(F, CAT2(F, brk(F, D_HARD), body)), brk(F, D_HARD), text(F, "}"));
  }
  d->block = true;
  return d;
}

static Doc *block_items(Fmt *F, const Item *its, int n, uint32_t open, uint32_t close) {
  return block_items_in(F, its, n, open, close, true);
}

static Item *node_items(const NodeList *l) {
  Item *its = xcalloc((size_t)l->n + 1, sizeof *its);
  for (int i = 0; i < l->n; i++) its[i] = node_item(l->items[i]);
  return its;
}

static Doc *block_list(Fmt *F, const NodeList *l, uint32_t open, uint32_t close, bool own_group) {
  Item *its = node_items(l);
  Doc *d = block_items_in(F, its, l->n, open, close, own_group);
  free(its);
  return d;
}

static Doc *block_in(Fmt *F, const Node *b, bool own_group) {
  return block_list(F, &b->as.list, b->pos.off, b->end - 1, own_group);
}

static Doc *block(Fmt *F, const Node *b) { return block_in(F, b, true); }

/* `(a, b)`, `[a, b]`, `{a: b}`: on one line when it fits, else one item
 * per line, indented, without a trailing comma. */
static Doc *bracket(Fmt *F, const char *l, const char *r, const Item *its, int n, uint32_t open, uint32_t close) {
  Doc *body = seq(F, its, n, open, close, false);
  if (!body) return textf(F, "%s%s", l, r);
  return group(F, CAT4(F, text(F, l), nest(F, CAT2(F, brk(F, D_SOFT), body)), brk(F, D_SOFT), text(F, r)));
}

/* ---- expressions ---- */

/* Binding strength, loosest first; the parser's levels shifted by one. */
enum { P_LAMBDA, P_TERNARY, P_COALESCE, P_OR, P_AND, P_EQ, P_CMP, P_ADD, P_MUL, P_UNARY, P_POSTFIX, P_PRIMARY };

static int op_prec(Op op) {
  switch (op) {
  case OP_COALESCE: return P_COALESCE;
  case OP_OR: return P_OR;
  case OP_AND: return P_AND;
  case OP_EQ: case OP_NE: case OP_MATCH: case OP_NOMATCH: return P_EQ;
  case OP_LT: case OP_LE: case OP_GT: case OP_GE: return P_CMP;
  case OP_ADD: case OP_SUB: return P_ADD;
  case OP_MUL: case OP_DIV: case OP_MOD: return P_MUL;
  default: return P_UNARY;
  }
}

static int prec(const Node *n) {
  switch (n->kind) {
  case N_LAMBDA: return P_LAMBDA;
  case N_TERNARY: return P_TERNARY;
  case N_BINARY: return op_prec(n->as.op.op);
  case N_UNARY: return P_UNARY;
  case N_MEMBER: case N_INDEX: case N_CALL: return P_POSTFIX;
  default: return P_PRIMARY;
  }
}

static Doc *quoted(Fmt *F, const char *s) {
  Buf b = {0};
  buf_putc(&b, '"');
  for (const char *c = s; *c; c++) {
    switch (*c) {
    case '"': buf_puts(&b, "\\\""); break;
    case '\\': buf_puts(&b, "\\\\"); break;
    case '\n': buf_puts(&b, "\\n"); break;
    case '\t': buf_puts(&b, "\\t"); break;
    case '\r': buf_puts(&b, "\\r"); break;
    case '$': buf_puts(&b, c[1] == '{' ? "\\$" : "$"); break;
    default: buf_putc(&b, *c);
    }
  }
  buf_putc(&b, '"');
  Doc *d = textn(F, arena_strndup(&F->arena, b.data, b.len), (uint32_t)b.len);
  buf_free(&b);
  return d;
}

static Doc *params(Fmt *F, const Param *ps, int n) {
  Doc *d = text(F, "(");
  for (int i = 0; i < n; i++) {
    d = CAT3(F, d, text(F, i ? ", " : ""), text(F, ps[i].name));
    if (ps[i].type) d = CAT2(F, d, textf(F, ": %s", ps[i].type));
    for (int k = 0; ps[i].options && k < ps[i].options->as.list.n; k++)
      d = CAT3(F, d, text(F, k ? ", " : "("), expr(F, ps[i].options->as.list.items[k], 0));
    if (ps[i].options) d = CAT2(F, d, text(F, ")"));
    if (ps[i].def) d = CAT3(F, d, text(F, " = "), expr(F, ps[i].def, 0));
  }
  return CAT2(F, d, text(F, ")"));
}

static Doc *call_doc(Fmt *F, const Node *n) {
  int na = n->as.call.nargs;
  Item *its = xcalloc((size_t)na + 1, sizeof *its);
  for (int i = 0; i < na; i++) {
    const Arg *a = &n->as.call.args[i];
    its[i] = (Item){IT_ARG, a->value, a->name, NULL, a->name ? a->pos.off : a->value->pos.off, a->value->end};
  }
  const Node *callee = n->as.call.callee;
  Doc *d = CAT2(F, expr(F, callee, P_POSTFIX), bracket(F, "(", ")", its, na, callee->end, n->end - 1));
  free(its);
  return d;
}

static Doc *list_doc(Fmt *F, const Node *n) {
  Item *its = node_items(&n->as.list);
  Doc *d = bracket(F, "[", "]", its, n->as.list.n, n->pos.off, n->end - 1);
  free(its);
  return d;
}

static Doc *map_doc(Fmt *F, const Node *n) {
  int m = n->as.map.n;
  Item *its = xcalloc((size_t)m + 1, sizeof *its);
  for (int i = 0; i < m; i++) {
    const Node *k = n->as.map.keys[i], *v = n->as.map.values[i];
    its[i] = (Item){IT_ENTRY, v, NULL, k, k->pos.off, v->end};
  }
  Doc *d = bracket(F, "{", "}", its, m, n->pos.off, n->end - 1);
  free(its);
  return d;
}

static const Node *left_edge(const Node *n) {
  switch (n->kind) {
  case N_BINARY: return n->as.op.a;
  case N_TERNARY: return n->as.ternary.cond;
  case N_MEMBER: return n->as.member.object;
  case N_INDEX: return n->as.index.object;
  case N_CALL: return n->as.call.callee;
  default: return NULL;
  }
}

/* Is x printed first in F->bare_start? */
static bool at_bare_start(const Fmt *F, const Node *x) {
  for (const Node *y = F->bare_start; y; y = left_edge(y))
    if (y == x) return true;
  return false;
}

/* An operand of a binary operator of strength p; `a || b && c` reads
 * better as `a || (b && c)`. */
static Doc *operand(Fmt *F, const Node *parent, const Node *x, int min) {
  bool clarify = parent->as.op.op == OP_OR && x->kind == N_BINARY && x->as.op.op == OP_AND &&
                 !(x == parent->as.op.a && at_bare_start(F, x));
  return expr(F, x, clarify ? P_PRIMARY : min);
}

/* An expression right after a keyword that a `(` would turn into a call. */
static Doc *bare_expr(Fmt *F, const Node *n) {
  const Node *saved = F->bare_start;
  F->bare_start = n;
  Doc *d = expr(F, n, 0);
  F->bare_start = saved;
  return d;
}

/* `a && b && c`: a chain of operators of one strength. A chain of `&&`,
 * `||` or `??` is one group: when it does not fit, it breaks after every
 * operator, the operands after the first indented two levels (so they
 * stand apart from a block's body). Arithmetic and comparisons stay on
 * one line: one operand per line would read worse than a long line. */
static Doc *binary_doc(Fmt *F, const Node *n) {
  int p = prec(n), k = 0, cap = 0;
  const Node **chain = NULL; /* the right operands' parents, last first */
  const Node *x = n;
  while (x->kind == N_BINARY && prec(x) == p) {
    VEC_PUSH(chain, k, cap, x);
    x = x->as.op.a;
  }
  bool breaks = p == P_OR || p == P_AND || p == P_COALESCE;
  Doc *rest = NULL;
  for (int i = k - 1; i >= 0; i--)
    rest = CAT4(F, rest, textf(F, " %s", op_text(chain[i]->as.op.op)), breaks ? brk(F, D_LINE) : text(F, " "),
                operand(F, chain[i], chain[i]->as.op.b, p + 1));
  Doc *d = CAT2(F, operand(F, chain[k - 1], x, p), rest); /* x's own parent, for bare_start */
  if (breaks) d = group(F, nest(F, nest(F, d)));
  free(chain);
  return d;
}

static Doc *expr_inner(Fmt *F, const Node *n) {
  switch (n->kind) {
  case N_NULL: return text(F, "null");
  case N_BOOL: return text(F, n->as.b ? "true" : "false");
  case N_INT: case N_FLOAT: case N_DURATION: case N_STRING: case N_REGEX: return source_text(F, n);
  case N_LIST: return list_doc(F, n);
  case N_MAP: return map_doc(F, n);
  case N_IDENT: return text(F, n->as.ident.name);
  case N_MEMBER: return CAT2(F, expr(F, n->as.member.object, P_POSTFIX), textf(F, ".%s", n->as.member.name));
  case N_INDEX:
    return CAT4(F, expr(F, n->as.index.object, P_POSTFIX), text(F, "["), expr(F, n->as.index.index, 0), text(F, "]"));
  case N_CALL: return call_doc(F, n);
  case N_UNARY: return CAT2(F, text(F, op_text(n->as.op.op)), expr(F, n->as.op.a, P_UNARY));
  case N_BINARY: return binary_doc(F, n);
  case N_TERNARY:
    return CAT5(F, expr(F, n->as.ternary.cond, P_COALESCE), text(F, " ? "), expr(F, n->as.ternary.then, 0),
                text(F, " : "), expr(F, n->as.ternary.els, 0));
  case N_LAMBDA: {
    Doc *ps = CAT2(F, text(F, "fn"), params(F, n->as.fn.params, n->as.fn.nparams));
    const Node *body = n->as.fn.body;
    if (body->kind == N_BLOCK) return CAT3(F, ps, text(F, " "), block(F, body));
    return CAT3(F, ps, text(F, " => "), expr(F, body, 0));
  }
  case N_SH: return CAT2(F, text(F, "sh "), source_text(F, n->as.sh.cmd));
  default: return node_doc(F, n);
  }
}

/* An expression where only binding strength `min` or tighter may stand
 * without parentheses. */
static Doc *expr(Fmt *F, const Node *n, int min) {
  Doc *d = expr_inner(F, n);
  if (prec(n) < min) d = CAT3(F, text(F, "("), d, text(F, ")"));
  return d;
}

/* ---- statements and declarations ---- */

static Doc *names(Fmt *F, const NameRef *r, int n) {
  Doc *d = NULL;
  for (int i = 0; i < n; i++) d = CAT2(F, d, textf(F, "%s%s", i ? ", " : "", r[i].name));
  return d;
}

/* The node the expression, printed, starts with; NULL for a `(`. */
static const Node *first_printed(const Node *n, int min) {
  if (prec(n) < min) return NULL;
  switch (n->kind) {
  case N_BINARY: return first_printed(n->as.op.a, prec(n)); /* no clarifying parens: see bare_start */
  case N_TERNARY: return first_printed(n->as.ternary.cond, P_COALESCE);
  case N_MEMBER: return first_printed(n->as.member.object, P_POSTFIX);
  case N_INDEX: return first_printed(n->as.index.object, P_POSTFIX);
  case N_CALL: return first_printed(n->as.call.callee, P_POSTFIX);
  default: return n;
  }
}

/* Does the expression, printed, start with `(` or `[`? */
static bool starts_with_bracket(const Node *n, int min) {
  const Node *f = first_printed(n, min);
  return !f || f->kind == N_LIST;
}

/* An expression statement. `x; -1` and `sh; "a"` are two statements each,
 * but on two lines `x - 1` and a command: one that starts with `-` or a
 * string goes in parentheses (a `(` starting a line starts a statement). */
static Doc *expr_stmt(Fmt *F, const Node *e) {
  const Node *f = first_printed(e, 0);
  Doc *d = expr(F, e, 0);
  if (f && (f->kind == N_STRING || (f->kind == N_UNARY && f->as.op.op == OP_NEG)))
    d = CAT3(F, text(F, "("), d, text(F, ")"));
  return d;
}

static Doc *attr_doc(Fmt *F, const Node *n) {
  AttrKind k = n->as.attr.kind;
  Doc *d = textf(F, "%s%s ", attr_name(k), n->as.attr.optional ? "?" : "");
  /* `when (a || b) && c` on one line is a call of `when`: the value goes
   * on the next line, where it stays an attribute */
  const Node *v = n->as.attr.value;
  if (k == ATTR_CONCURRENCY) return node_doc(F, v);
  if (v && k != ATTR_MATRIX && k != ATTR_RUNS_ON && k != ATTR_ARTIFACT && starts_with_bracket(v, 0))
    return CAT2(F, text(F, attr_name(k)), nest(F, CAT2(F, brk(F, D_HARD), expr(F, v, 0))));
  switch (k) {
  case ATTR_NEEDS: return CAT2(F, d, names(F, n->as.attr.names, n->as.attr.nnames));
  case ATTR_ENVIRONMENT: return CAT2(F, d, text(F, n->as.attr.ref.name));
  case ATTR_MATRIX:
    if (!n->as.attr.ref.name) return CAT2(F, d, block_list(F, &n->as.attr.settings, n->pos.off, n->end - 1, true));
    return CAT4(F, d, textf(F, "%s in ", n->as.attr.ref.name), expr(F, n->as.attr.value, 0),
                n->as.attr.sequential ? text(F, " sequential") : NULL);
  default: return CAT2(F, d, bare_expr(F, n->as.attr.value));
  }
}

/* A post section starts at its keyword, just before its block. */
static uint32_t keyword_before(const Fmt *F, uint32_t off) {
  uint32_t i = off;
  while (i > 0 && (is_blank(F->src[i - 1]) || F->src[i - 1] == '\n')) i--;
  uint32_t end = i;
  while (i > 0 && is_word_char(F->src[i - 1])) i--;
  return i < end ? i : off;
}

static Doc *post_doc(Fmt *F, const Node *n) {
  const char *labels[3] = {"success", "failure", "always"};
  const Node *blocks[3] = {n->as.post.success, n->as.post.failure, n->as.post.always};
  Item its[3];
  int k = 0;
  for (int i = 0; i < 3; i++)
    if (blocks[i])
      its[k++] = (Item){IT_SECTION, blocks[i], labels[i], NULL, keyword_before(F, blocks[i]->pos.off), blocks[i]->end};
  return CAT2(F, text(F, "post "), block_items(F, its, k, n->pos.off, n->end - 1));
}

static Doc *stage_doc(Fmt *F, const Node *n) {
  const Stage *s = n->as.stage;
  const NodeList *body = &s->body->as.list;
  int total = s->attrs.n + body->n + (s->post ? 1 : 0), k = 0;
  Item *its = xcalloc((size_t)total + 1, sizeof *its);
  for (int i = 0; i < s->attrs.n; i++) its[k++] = node_item(s->attrs.items[i]);
  for (int i = 0; i < body->n; i++) its[k++] = node_item(body->items[i]);
  if (s->post) its[k++] = node_item(s->post);
  Doc *d = CAT2(F, textf(F, "stage %s ", s->name), block_items(F, its, k, s->body->pos.off, s->body->end - 1));
  free(its);
  return d;
}

/* Where the `}` closing a trigger's settings is: the first thing after the
 * last setting that is neither a blank nor a comment. */
static uint32_t close_after(const Fmt *F, uint32_t off) {
  while (off < F->len) {
    char c = F->src[off];
    if (c == '#') {
      while (off < F->len && F->src[off] != '\n') off++;
    } else if (is_blank(c) || c == '\n') {
      off++;
    } else {
      break;
    }
  }
  return off;
}

static Doc *trigger_doc(Fmt *F, const Node *n) {
  const Trigger *t = n->as.trigger;
  Doc *d = textf(F, "on %s", event_kind_name(t->event));
  if (t->has_inputs) d = CAT2(F, d, params(F, t->inputs, t->ninputs));
  if (t->filter) d = CAT3(F, d, text(F, " "), expr(F, t->filter, 0));
  if (t->settings.n) {
    const Node *last = t->settings.items[t->settings.n - 1];
    d = CAT3(F, d, text(F, " "), block_list(F, &t->settings, n->pos.off, close_after(F, last->end), true));
  } else if (t->is_defaults) {
    d = CAT2(F, d, text(F, " {}"));
  }
  if (t->ntargets) d = CAT3(F, d, text(F, " -> "), names(F, t->targets, t->ntargets));
  return d;
}

static Doc *concurrency_doc(Fmt *F, const Node *n) {
  Doc *d = CAT2(F, text(F, "concurrency "), expr(F, n->as.conc.group, 0));
  if (!n->as.conc.settings.n) return d;
  return CAT3(F, d, text(F, " "), block_list(F, &n->as.conc.settings, n->as.conc.group->end, n->end - 1, true));
}

/* `if c { a } else if d { b } else { c }`: one group, so either every
 * block of the chain is on one line or none is. */
static Doc *if_chain(Fmt *F, const Node *n) {
  Doc *d = CAT4(F, text(F, "if "), expr(F, n->as.ternary.cond, 0), text(F, " "), block_in(F, n->as.ternary.then, false));
  const Node *e = n->as.ternary.els;
  if (!e) return d;
  return CAT3(F, d, text(F, " else "), e->kind == N_IF ? if_chain(F, e) : block_in(F, e, false));
}

static Doc *if_doc(Fmt *F, const Node *n) { return group(F, if_chain(F, n)); }

static Doc *binding(Fmt *F, const char *kw, const Node *n) {
  return CAT2(F, textf(F, "%s%s = ", kw, n->as.bind.name), expr(F, n->as.bind.value, 0));
}

static Doc *node_doc(Fmt *F, const Node *n) {
  switch (n->kind) {
  case N_BLOCK: return block(F, n);
  case N_LET: return binding(F, "let ", n);
  case N_OUTPUT: return binding(F, "output ", n);
  case N_SETTING: return binding(F, "", n);
  case N_ASSIGN:
    return CAT3(F, expr(F, n->as.assign.target, 0), text(F, " = "), expr(F, n->as.assign.value, 0));
  case N_EXPR_STMT: return expr_stmt(F, n->as.stmt.value);
  case N_IF: return if_doc(F, n);
  case N_FOR:
    return CAT4(F, textf(F, "for %s in ", n->as.bind.name), expr(F, n->as.bind.value, 0), text(F, " "),
                block(F, n->as.bind.body));
  case N_FAIL: return CAT2(F, text(F, "fail "), bare_expr(F, n->as.stmt.value));
  case N_RETURN:
    return n->as.stmt.value ? CAT2(F, text(F, "return "), expr(F, n->as.stmt.value, 0)) : text(F, "return");
  case N_ATTR: return attr_doc(F, n);
  case N_PIPELINE: return CAT2(F, text(F, "pipeline "), quoted(F, n->as.decl.text));
  case N_STATE: return CAT2(F, text(F, "state "), quoted(F, n->as.decl.text));
  case N_ARTIFACTS: return CAT2(F, text(F, "artifacts "), quoted(F, n->as.decl.text));
  case N_IMPORT:
    return CAT3(F, text(F, "import "), quoted(F, n->as.decl.text),
                n->as.decl.explicit_alias ? textf(F, " as %s", n->as.decl.alias) : NULL);
  case N_FN:
    return CAT4(F, textf(F, "fn %s", n->as.fn.name), params(F, n->as.fn.params, n->as.fn.nparams), text(F, " "),
                block(F, n->as.fn.body));
  case N_ENVIRONMENT:
    return CAT2(F, textf(F, "environment %s ", n->as.env->name),
                block_list(F, &n->as.env->items, n->pos.off, n->end - 1, true));
  case N_AFTER: return textf(F, "after %s", n->as.after.name);
  case N_APPROVAL: return CAT2(F, text(F, "approval "), block_list(F, &n->as.settings, n->pos.off, n->end - 1, true));
  case N_TRIGGER: return trigger_doc(F, n);
  case N_STAGE: return stage_doc(F, n);
  case N_POST: return post_doc(F, n);
  case N_CONCURRENCY: return concurrency_doc(F, n);
  default: return expr(F, n, 0);
  }
}

char *fmt_program(const Program *p) {
  Fmt F = {.src = p->src->text, .len = p->src->len, .nc = p->ncomments};
  F.cs = xcalloc((size_t)F.nc + 1, sizeof *F.cs);
  if (F.nc) memcpy(F.cs, p->comments, sizeof *F.cs * (size_t)F.nc);
  qsort(F.cs, (size_t)F.nc, sizeof *F.cs, comment_cmp);
  F.used = xcalloc((size_t)F.nc + 1, sizeof *F.used);
  F.unused = xcalloc((size_t)F.nc + 1, sizeof *F.unused);
  for (int i = 0; i < F.nc; i++) F.unused[i] = i + 1;
  Item *its = node_items(&p->decls);
  Doc *d = seq(&F, its, p->decls.n, 0, F.len, true);
  char *out = layout(d);
  free(its);
  free(F.cs);
  free(F.used);
  free(F.unused);
  arena_free(&F.arena);
  return out;
}
