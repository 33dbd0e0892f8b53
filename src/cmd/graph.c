/* graph.c — rp graph [--format dot|mermaid] [--run ID] [FILE]: the
 * pipeline as a graph (doc/graph.md), its nodes coloured by kind, or its
 * stages by the results of a run.
 *
 * The pipeline is loaded and checked as by rp check, turned into a small
 * format-neutral model (nodes with plain-text labels, typed edges), then
 * written out by one emitter per format; each emitter alone knows its
 * quoting rules. Everything follows source order, so the same file always
 * yields the same bytes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/graph.h"
#include "cmd/html.h"
#include "cmd/load.h"
#include "cmd/options.h"
#include "lang/check.h"
#include "run/journal.h"
#include "run/state.h"

typedef enum Format { FMT_DOT, FMT_MERMAID } Format;

typedef enum GNodeKind { G_TRIGGER, G_STAGE, G_MATRIX, G_ENV, G_GATED_ENV } GNodeKind;

/* needs: dependency -> dependent (optional: `needs?`, drawn dashed);
 * deploys: stage -> environment; after: earlier environment -> later;
 * starts: trigger -> goal stage. */
typedef enum GEdgeKind { E_STARTS, E_NEEDS, E_DEPLOYS, E_AFTER, E_OPTIONAL } GEdgeKind;

/* How a node is painted: one row per kind and per result of --run. The
 * name is the Mermaid class; `extra` is more Mermaid style. */
typedef enum PaintId {
  P_TRIGGER, P_STAGE, P_ENV, P_GATE, /* by kind */
  P_OK, P_FAILED, P_SKIPPED, P_WAITING, P_RUNNING, P_NOT_RUN /* by --run's result */
} PaintId;

typedef struct Paint {
  const char *name, *fill, *stroke, *extra;
} Paint;

static const Paint paints[] = {
    [P_TRIGGER] = {"trigger", "#ede7f6", "#5e35b1", NULL},
    [P_STAGE] = {"stage", "#e3f2fd", "#1e88e5", NULL},
    [P_ENV] = {"environment", "#e8f5e9", "#43a047", NULL},
    [P_GATE] = {"gate", "#fff3e0", "#fb8c00", "stroke-width:3px"},
    [P_OK] = {"ok", "#a5d6a7", "#2e7d32", NULL},
    [P_FAILED] = {"failed", "#ef9a9a", "#c62828", NULL},
    [P_SKIPPED] = {"skipped", "#eeeeee", "#9e9e9e", NULL},
    [P_WAITING] = {"waiting", "#fff59d", "#f9a825", NULL},
    [P_RUNNING] = {"running", "#90caf9", "#1565c0", NULL},
    [P_NOT_RUN] = {"not_run", "#ffffff", "#bdbdbd", "stroke-dasharray:4"},
};
enum { NPAINTS = sizeof paints / sizeof paints[0] };

static const PaintId kind_paint[] = {[G_TRIGGER] = P_TRIGGER, [G_STAGE] = P_STAGE, [G_MATRIX] = P_STAGE,
                                     [G_ENV] = P_ENV, [G_GATED_ENV] = P_GATE};

typedef struct GNode {
  GNodeKind kind;
  PaintId paint;
  const char *id;    /* a bare identifier in both formats */
  const char *label; /* plain text; '\n' separates lines */
} GNode;

typedef struct GEdge {
  GEdgeKind kind;
  const char *from, *to;
} GEdge;

typedef struct Graph {
  Arena arena; /* ids and labels */
  const char *title;
  GNode *nodes;
  int nnodes, nodes_cap;
  GEdge *edges;
  int nedges, edges_cap;
} Graph;

/* ---- name lookup ---------------------------------------------------------
 * An open-addressing set of names: stages and environments are looked up
 * once per edge, and pipelines may have many thousands of stages. */

typedef struct NameSet {
  const char **slots;
  size_t cap; /* a power of two, at least twice the number of names */
} NameSet;

static size_t name_hash(const char *s) {
  size_t h = 2166136261u;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

static void nameset_init(NameSet *set, int n) {
  set->cap = 16;
  while (set->cap < (size_t)n * 2) set->cap *= 2;
  set->slots = xcalloc(set->cap, sizeof *set->slots);
}

/* Adds `name`; false when it was already there. */
static bool nameset_add(NameSet *set, const char *name) {
  size_t i = name_hash(name) & (set->cap - 1);
  while (set->slots[i]) {
    if (!strcmp(set->slots[i], name)) return false;
    i = (i + 1) & (set->cap - 1);
  }
  set->slots[i] = name;
  return true;
}

static bool nameset_has(const NameSet *set, const char *name) {
  size_t i = name_hash(name) & (set->cap - 1);
  while (set->slots[i]) {
    if (!strcmp(set->slots[i], name)) return true;
    i = (i + 1) & (set->cap - 1);
  }
  return false;
}

/* ---- labels from source text ------------------------------------------ */

enum { LABEL_EXPR_MAX = 60 }; /* longer expressions are cut, so nodes stay readable */

/* The source text of an expression on one line: runs of blanks, newlines
 * and comments become one space. Cut at a character boundary when long. */
static void put_source(Buf *b, const Source *src, const Node *n) {
  uint32_t from = n->pos.off, to = n->end > from && n->end <= src->len ? n->end : from;
  const char *t = src->text;
  size_t start = b->len;
  bool in_str = false, space = false;
  for (uint32_t i = from; i < to; i++) {
    char c = t[i];
    if (!in_str && c == '#') {
      while (i + 1 < to && t[i + 1] != '\n') i++;
      space = true;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = true;
      continue;
    }
    if (space && b->len > start) buf_putc(b, ' ');
    space = false;
    if (b->len - start >= LABEL_EXPR_MAX && ((unsigned char)c & 0xC0) != 0x80) {
      buf_puts(b, "...");
      return;
    }
    buf_putc(b, c);
    if (c == '"') in_str = !in_str;
    else if (c == '\\' && in_str && i + 1 < to) buf_putc(b, t[++i]);
  }
}

/* A list of plain strings as `a, b`; anything else as its source text. */
static void put_names(Buf *b, const Source *src, const Node *n) {
  if (n->kind == N_LIST) {
    bool plain = true;
    for (int i = 0; i < n->as.list.n && plain; i++)
      plain = string_is_plain(n->as.list.items[i], NULL, NULL);
    if (plain) {
      for (int i = 0; i < n->as.list.n; i++) {
        const char *s;
        uint32_t len;
        string_is_plain(n->as.list.items[i], &s, &len);
        if (i) buf_puts(b, ", ");
        buf_putn(b, s, len);
      }
      return;
    }
  }
  const char *s;
  uint32_t len;
  if (string_is_plain(n, &s, &len)) buf_putn(b, s, len);
  else put_source(b, src, n);
}

static const char *arena_take(Arena *a, Buf *b) {
  const char *s = arena_strndup(a, b->data ? b->data : "", b->len);
  buf_free(b);
  return s;
}

/* ---- building the model ----------------------------------------------- */

static void add_node(Graph *g, GNodeKind kind, const char *id, Buf *label) {
  GNode n = {kind, kind_paint[kind], id, arena_take(&g->arena, label)};
  VEC_PUSH(g->nodes, g->nnodes, g->nodes_cap, n);
}

static void add_edge(Graph *g, GEdgeKind kind, const char *from, const char *to) {
  GEdge e = {kind, from, to};
  VEC_PUSH(g->edges, g->nedges, g->edges_cap, e);
}

static const char *make_id(Graph *g, const char *prefix, const char *name) {
  Buf b = {0};
  buf_printf(&b, "%s_%s", prefix, name);
  return arena_take(&g->arena, &b);
}

static void trigger_label(Buf *b, const Source *src, const Trigger *t) {
  buf_printf(b, "on %s", event_kind_name(t->event));
  if (t->has_inputs) {
    buf_putc(b, '(');
    for (int i = 0; i < t->ninputs; i++) {
      const Param *p = &t->inputs[i];
      buf_printf(b, "%s%s", i ? ", " : "", p->name);
      if (p->type) buf_printf(b, ": %s", p->type);
      if (p->options) put_source(b, src, p->options);
      if (p->def) {
        buf_puts(b, " = ");
        put_source(b, src, p->def);
      }
    }
    buf_putc(b, ')');
  }
  if (t->filter) {
    buf_putc(b, ' ');
    put_source(b, src, t->filter);
  }
  for (int i = 0; i < t->settings.n; i++) {
    const Node *s = t->settings.items[i];
    buf_printf(b, "\n%s = ", s->as.bind.name);
    put_source(b, src, s->as.bind.value);
  }
  for (int i = 0; t->defaults && i < t->defaults->settings.n; i++) { /* inherited */
    const Node *s = t->defaults->settings.items[i];
    if (settings_get(&t->settings, s->as.bind.name)) continue;
    buf_printf(b, "\n%s = ", s->as.bind.name);
    put_source(b, src, s->as.bind.value);
  }
}

static void stage_label(Buf *b, const Source *src, const Stage *s) {
  buf_puts(b, s->name);
  if (s->environment) buf_printf(b, "\nenvironment: %s", s->environment->as.attr.ref.name);
  for (int i = 0; i < s->attrs.n; i++) { /* each axis */
    const Node *m = s->attrs.items[i];
    if (m->as.attr.kind != ATTR_MATRIX || !m->as.attr.ref.name) continue;
    buf_printf(b, "\nmatrix: %s in ", m->as.attr.ref.name);
    put_source(b, src, m->as.attr.value);
    if (m->as.attr.sequential) buf_puts(b, " (sequential)");
  }
}

static void env_label(Buf *b, const Source *src, const Environment *e) {
  buf_puts(b, e->name);
  Node *eph = settings_get(&e->items, "ephemeral");
  if (eph && eph->kind == N_BOOL && eph->as.b) buf_puts(b, "\nephemeral");
  if (!e->approval) return;
  const NodeList *gate = &e->approval->as.settings;
  Node *reviewers = settings_get(gate, "reviewers"), *wait = settings_get(gate, "wait"),
       *branches = settings_get(gate, "branches"), *tags = settings_get(gate, "tags");
  buf_puts(b, "\napproval");
  if (reviewers) {
    buf_puts(b, ": ");
    put_names(b, src, reviewers);
  }
  if (wait) {
    buf_puts(b, "\nwait ");
    put_source(b, src, wait);
  }
  if (branches) {
    buf_puts(b, "\nbranches: ");
    put_names(b, src, branches);
  }
  if (tags) {
    buf_puts(b, "\ntags: ");
    put_names(b, src, tags);
  }
}

/* Edges to names that are not declared are left out: rp graph draws only
 * pipelines that pass the checks, which report those, so this is only a
 * guard that the output stays drawable. */
static void build_graph(Graph *g, const Program *p) {
  const Source *src = p->src;
  NameSet stages, envs;
  nameset_init(&stages, p->nstages);
  nameset_init(&envs, p->nenvs);
  g->title = p->name;

  for (int i = 0; i < p->ntriggers; i++) {
    Buf label = {0};
    trigger_label(&label, src, p->triggers[i]->as.trigger);
    char num[16];
    snprintf(num, sizeof num, "%d", i + 1);
    add_node(g, G_TRIGGER, make_id(g, "on", num), &label);
  }
  for (int i = 0; i < p->nstages; i++) {
    const Stage *s = p->stages[i]->as.stage;
    if (!nameset_add(&stages, s->name)) continue; /* a duplicate (a check error): once */
    Buf label = {0};
    stage_label(&label, src, s);
    add_node(g, s->matrix ? G_MATRIX : G_STAGE, make_id(g, "stage", s->name), &label);
  }
  for (int i = 0; i < p->nenvs; i++) {
    const Environment *e = p->envs[i]->as.env;
    if (!nameset_add(&envs, e->name)) continue;
    Buf label = {0};
    env_label(&label, src, e);
    add_node(g, e->approval ? G_GATED_ENV : G_ENV, make_id(g, "env", e->name), &label);
  }

  for (int i = 0; i < p->ntriggers; i++) {
    const Trigger *t = p->triggers[i]->as.trigger;
    const char *from = g->nodes[i].id;
    for (int k = 0; k < t->ntargets; k++) {
      const NameRef *r = &t->targets[k];
      if (nameset_has(&stages, r->name)) add_edge(g, E_STARTS, from, make_id(g, "stage", r->name));
    }
  }
  for (int i = 0; i < p->nstages; i++) {
    const Stage *s = p->stages[i]->as.stage;
    if (!s->needs) continue;
    const char *to = make_id(g, "stage", s->name);
    for (int k = 0; k < s->needs->as.attr.nnames; k++) {
      const NameRef *r = &s->needs->as.attr.names[k];
      if (nameset_has(&stages, r->name))
        add_edge(g, r->optional ? E_OPTIONAL : E_NEEDS, make_id(g, "stage", r->name), to);
    }
  }
  for (int i = 0; i < p->nstages; i++) {
    const Stage *s = p->stages[i]->as.stage;
    if (!s->environment) continue;
    const NameRef *r = &s->environment->as.attr.ref;
    const Node *axis = stage_matrix_axis(s, r->name); /* bound by the matrix: each value it lists */
    for (int k = 0; axis && axis->as.attr.value->kind == N_LIST && k < axis->as.attr.value->as.list.n; k++) {
      const char *text;
      uint32_t len;
      if (!string_is_plain(axis->as.attr.value->as.list.items[k], &text, &len)) continue;
      char *e = xstrndup(text, len);
      if (nameset_has(&envs, e)) add_edge(g, E_DEPLOYS, make_id(g, "stage", s->name), make_id(g, "env", e));
      free(e);
    }
    if (!axis && nameset_has(&envs, r->name))
      add_edge(g, E_DEPLOYS, make_id(g, "stage", s->name), make_id(g, "env", r->name));
  }
  for (int i = 0; i < p->nenvs; i++) {
    const Environment *e = p->envs[i]->as.env;
    for (int k = 0; k < e->items.n; k++) {
      const Node *item = e->items.items[k];
      if (item->kind != N_AFTER) continue;
      const NameRef *r = &item->as.after;
      if (nameset_has(&envs, r->name))
        add_edge(g, E_AFTER, make_id(g, "env", r->name), make_id(g, "env", e->name));
    }
  }
  free(stages.slots);
  free(envs.slots);
}

static void graph_free(Graph *g) {
  free(g->nodes);
  free(g->edges);
  arena_free(&g->arena);
}

/* ---- SVG, for rp report ------------------------------------------------
 * A layered drawing: a node's column is the length of the longest path
 * reaching it, its row its order of appearance within the column. */

enum { SVG_NODE_W = 150, SVG_NODE_H = 44, SVG_GAP_X = 40, SVG_GAP_Y = 18, SVG_MARGIN = 12, SVG_LABEL_CHARS = 21 };

static int node_index(const Graph *g, const char *id) {
  for (int i = 0; i < g->nnodes; i++)
    if (!strcmp(g->nodes[i].id, id)) return i;
  return -1;
}

/* Columns by longest path; a cycle (which the checks reject) only stops
 * the relaxation after nnodes rounds. */
static void svg_place(const Graph *g, const int *from, const int *to, int *col, int *row, int *ncols, int *nrows) {
  bool changed = true;
  for (int round = 0; changed && round < g->nnodes; round++) {
    changed = false;
    for (int e = 0; e < g->nedges; e++)
      if (from[e] >= 0 && to[e] >= 0 && col[to[e]] < col[from[e]] + 1) {
        col[to[e]] = col[from[e]] + 1;
        changed = true;
      }
  }
  *ncols = *nrows = 0;
  for (int i = 0; i < g->nnodes; i++)
    if (col[i] + 1 > *ncols) *ncols = col[i] + 1;
  int *used = xcalloc((size_t)*ncols + 1, sizeof *used);
  for (int i = 0; i < g->nnodes; i++) {
    row[i] = used[col[i]]++;
    if (row[i] + 1 > *nrows) *nrows = row[i] + 1;
  }
  free(used);
}

/* One line of a node's text, cut (at a character boundary) to fit. */
static void svg_line(Buf *b, const char *s, size_t len, int x, int y, const char *cls) {
  buf_printf(b, "<text x=\"%d\" y=\"%d\" class=\"%s\">", x, y, cls);
  size_t n = 0, chars = 0;
  while (n < len && chars < SVG_LABEL_CHARS) {
    n++;
    while (n < len && ((unsigned char)s[n] & 0xC0) == 0x80) n++;
    chars++;
  }
  char *cut = xstrndup(s, n);
  html_text(b, cut);
  free(cut);
  if (n < len) buf_puts(b, "…");
  buf_puts(b, "</text>");
}

static void svg_node(Buf *b, const GNode *n, int x, int y, GraphPaint paint, void *ctx) {
  static const char *kind[] = {[G_TRIGGER] = "trigger", [G_STAGE] = "stage", [G_MATRIX] = "matrix",
                               [G_ENV] = "environment", [G_GATED_ENV] = "gate"};
  const char *name = n->kind == G_TRIGGER ? NULL : strchr(n->id, '_') + 1; /* ids are KIND_NAME */
  const char *second = NULL, *cls = paint(kind[n->kind], name, &second, ctx);
  buf_puts(b, "<g class=\"node ");
  html_text(b, cls);
  buf_puts(b, "\"><title>");
  html_text(b, n->label);
  bool env = n->kind == G_ENV || n->kind == G_GATED_ENV;
  buf_printf(b, "</title><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"%d\"/>", x, y, SVG_NODE_W,
             SVG_NODE_H, env ? 14 : 4);
  svg_line(b, n->label, strcspn(n->label, "\n"), x + 8, y + (second ? 18 : 27), "name");
  if (second) svg_line(b, second, strlen(second), x + 8, y + 36, "sub");
  buf_puts(b, "</g>\n");
}

void graph_svg(const Program *p, GraphPaint paint, void *ctx, Buf *b) {
  Graph g = {0};
  build_graph(&g, p);
  int *from = xcalloc((size_t)g.nedges + 1, sizeof *from), *to = xcalloc((size_t)g.nedges + 1, sizeof *to);
  int *col = xcalloc((size_t)g.nnodes + 1, sizeof *col), *row = xcalloc((size_t)g.nnodes + 1, sizeof *row);
  for (int e = 0; e < g.nedges; e++) {
    from[e] = node_index(&g, g.edges[e].from);
    to[e] = node_index(&g, g.edges[e].to);
  }
  int ncols, nrows;
  svg_place(&g, from, to, col, row, &ncols, &nrows);
#define X(i) (SVG_MARGIN + col[i] * (SVG_NODE_W + SVG_GAP_X))
#define Y(i) (SVG_MARGIN + row[i] * (SVG_NODE_H + SVG_GAP_Y))
  buf_printf(b,
             "<svg role=\"img\" aria-label=\"stage graph\" width=\"%d\" height=\"%d\">\n<defs><marker id=\"arrow\" "
             "viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\">"
             "<path d=\"M0,0 L10,5 L0,10 z\"/></marker></defs>\n",
             2 * SVG_MARGIN + ncols * (SVG_NODE_W + SVG_GAP_X) - SVG_GAP_X,
             2 * SVG_MARGIN + nrows * (SVG_NODE_H + SVG_GAP_Y) - SVG_GAP_Y);
  static const char *edge_class[] = {[E_STARTS] = "starts", [E_NEEDS] = "needs", [E_DEPLOYS] = "deploys",
                                     [E_AFTER] = "after", [E_OPTIONAL] = "needs optional"};
  for (int e = 0; e < g.nedges; e++) {
    if (from[e] < 0 || to[e] < 0) continue;
    int x1 = X(from[e]) + SVG_NODE_W, y1 = Y(from[e]) + SVG_NODE_H / 2, x2 = X(to[e]), y2 = Y(to[e]) + SVG_NODE_H / 2;
    buf_printf(b, "<path class=\"edge %s\" d=\"M%d,%d C%d,%d %d,%d %d,%d\" marker-end=\"url(#arrow)\"/>\n",
               edge_class[g.edges[e].kind], x1, y1, x1 + SVG_GAP_X / 2, y1, x2 - SVG_GAP_X / 2, y2, x2, y2);
  }
  for (int i = 0; i < g.nnodes; i++) svg_node(b, &g.nodes[i], X(i), Y(i), paint, ctx);
#undef X
#undef Y
  buf_puts(b, "</svg>\n");
  free(from);
  free(to);
  free(col);
  free(row);
  graph_free(&g);
}

/* ---- Graphviz dot ------------------------------------------------------ */

/* A dot quoted string: `"` and `\` escaped; label lines joined by `\n`. */
static void dot_quote(FILE *out, const char *s) {
  fputc('"', out);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '\n') fputs("\\n", out);
    else if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
    else if (c < 0x20 || c == 0x7f) fputc(' ', out);
    else fputc(c, out);
  }
  fputc('"', out);
}

static void emit_dot(const Graph *g, FILE *out) {
  static const char *shape[] = {
      [G_TRIGGER] = "shape=cds", [G_STAGE] = "shape=box", [G_MATRIX] = "shape=box3d",
      [G_ENV] = "shape=hexagon", [G_GATED_ENV] = "shape=hexagon, peripheries=2"};
  static const char *style[] = {[E_STARTS] = " [style=bold]", [E_NEEDS] = "",
                                [E_DEPLOYS] = " [style=dashed, label=\"deploys\"]",
                                [E_AFTER] = " [label=\"after\"]", [E_OPTIONAL] = " [style=dashed]"};
  fputs("digraph ", out);
  dot_quote(out, g->title ? g->title : "pipeline");
  fputs(" {\n  rankdir=LR;\n", out);
  if (g->title) {
    fputs("  label=", out);
    dot_quote(out, g->title);
    fputs(";\n  labelloc=t;\n", out);
  }
  fputs("  node [shape=box];\n", out);
  for (int i = 0; i < g->nnodes; i++) {
    const Paint *c = &paints[g->nodes[i].paint];
    fprintf(out, "  %s [%s, style=%s, fillcolor=\"%s\", color=\"%s\", label=", g->nodes[i].id,
            shape[g->nodes[i].kind], g->nodes[i].paint == P_NOT_RUN ? "\"filled,dashed\"" : "filled", c->fill,
            c->stroke);
    dot_quote(out, g->nodes[i].label);
    fputs("];\n", out);
  }
  for (int i = 0; i < g->nedges; i++)
    fprintf(out, "  %s -> %s%s;\n", g->edges[i].from, g->edges[i].to, style[g->edges[i].kind]);
  fputs("}\n", out);
}

/* ---- Mermaid flowchart ------------------------------------------------- */

/* Text inside a Mermaid "..." label. Mermaid decodes `#name;` and `#NNN;`
 * entities itself, so every character that could end the string, start an
 * entity or be taken for HTML or Markdown is written as a numeric entity;
 * `:` too, because Mermaid rewrites lines matching `style.*:\S*#.*;`. */
static void mermaid_text(FILE *out, const char *s) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '\n') fputs("<br>", out);
    else if (strchr("\"#&<>`:", c)) fprintf(out, "#%d;", c);
    else if (c < 0x20 || c == 0x7f) fputc(' ', out);
    else fputc(c, out);
  }
}

static void emit_mermaid(const Graph *g, FILE *out) {
  static const char *open[] = {[G_TRIGGER] = ">\"", [G_STAGE] = "[\"", [G_MATRIX] = "[[\"",
                               [G_ENV] = "{{\"", [G_GATED_ENV] = "{{\""};
  static const char *close[] = {[G_TRIGGER] = "\"]", [G_STAGE] = "\"]", [G_MATRIX] = "\"]]",
                                [G_ENV] = "\"}}", [G_GATED_ENV] = "\"}}"};
  static const char *arrow[] = {[E_STARTS] = "==>", [E_NEEDS] = "-->",
                                [E_DEPLOYS] = "-.->|deploys|", [E_AFTER] = "-->|after|", [E_OPTIONAL] = "-.->"};
  if (g->title) {
    fputs("%% pipeline ", out);
    for (const char *s = g->title; *s; s++)
      fputc((unsigned char)*s < 0x20 ? ' ' : *s, out);
    fputc('\n', out);
  }
  fputs("flowchart LR\n", out);
  for (int i = 0; i < g->nnodes; i++) {
    const GNode *n = &g->nodes[i];
    fprintf(out, "  %s%s", n->id, open[n->kind]);
    mermaid_text(out, n->label);
    fprintf(out, "%s\n", close[n->kind]);
  }
  for (int i = 0; i < g->nedges; i++)
    fprintf(out, "  %s %s %s\n", g->edges[i].from, arrow[g->edges[i].kind], g->edges[i].to);
  /* a class per paint used, in the table's order; an approval gate gets a
   * heavy border, like dot's double one */
  for (int k = 0; k < NPAINTS; k++) {
    const char *sep = NULL;
    for (int i = 0; i < g->nnodes; i++) {
      if (g->nodes[i].paint != (PaintId)k) continue;
      if (!sep) {
        const Paint *c = &paints[k];
        fprintf(out, "  classDef %s fill:%s,stroke:%s%s%s\n  class ", c->name, c->fill, c->stroke,
                c->extra ? "," : "", c->extra ? c->extra : "");
        sep = "";
      }
      fprintf(out, "%s%s", sep, g->nodes[i].id);
      sep = ",";
    }
    if (sep) fprintf(out, " %s\n", paints[k].name);
  }
}

/* ---- --run ID: the stages by result ------------------------------------ */

/* A stage's result in the run: its own, or for a matrix stage the worst of
 * its units' ("test[18]"); waiting when the run waits at its gate. */
static PaintId stage_result(const RunState *r, const char *name) {
  static const struct {
    const char *status;
    PaintId paint;
  } order[] = {{"failed", P_FAILED}, {"running", P_RUNNING}, {"skipped", P_SKIPPED}, {"ok", P_OK}, {"succeeded", P_OK}};
  if (r->gate && !strcmp(r->gate->stage, name)) return P_WAITING;
  size_t len = strlen(name);
  int best = -1;
  for (size_t i = 0; i < r->nstages; i++) {
    const StageState *s = &r->stages[i];
    if (strncmp(s->name, name, len) || (s->name[len] && s->name[len] != '[')) continue;
    for (int k = 0; k < (int)(sizeof order / sizeof *order); k++)
      if (!strcmp(s->status, order[k].status) && (best < 0 || k < best)) best = k;
  }
  return best < 0 ? P_NOT_RUN : order[best].paint;
}

/* Paints each stage by its result and adds it to the label. */
static void paint_results(Graph *g, const RunState *r) {
  for (int i = 0; i < g->nnodes; i++) {
    GNode *n = &g->nodes[i];
    if (n->kind != G_STAGE && n->kind != G_MATRIX) continue;
    n->paint = stage_result(r, n->id + strlen("stage_"));
    Buf label = {0};
    buf_printf(&label, "%s\n%s", n->label, n->paint == P_NOT_RUN ? "not run" : paints[n->paint].name);
    n->label = arena_take(&g->arena, &label);
  }
}

static bool load_run(const Options *o, const Program *p, const char *id, RunState *r) {
  Store *st = state_open(o, p->src->path, p);
  char *err = NULL;
  bool ok = st && journal_replay(st, id, r, &err);
  if (st && !ok) {
    fprintf(stderr, "rp graph: %s\n", err);
    free(err);
  }
  store_close(st);
  return ok;
}

/* ---- the command ------------------------------------------------------- */

int cmd_graph(const Options *o) {
  Format fmt = FMT_DOT;
  if (o->format && !strcmp(o->format, "mermaid")) fmt = FMT_MERMAID;
  else if (o->format && strcmp(o->format, "dot")) {
    fprintf(stderr, "rp graph: unknown format '%s' (expected dot or mermaid)\n", o->format);
    return EXIT_USAGE;
  }

  /* the same checks as rp check: a graph of a pipeline that would not run
   * would mislead */
  Imports *im;
  Program *p = pipeline_load(pipeline_path(o->file), &im);
  if (!p) return EXIT_USAGE;
  RunState run = {0};
  if (o->run && !load_run(o, p, o->run, &run)) {
    checked_free(p, im);
    return EXIT_USAGE;
  }
  Graph g = {0};
  build_graph(&g, p);
  if (o->run) paint_results(&g, &run);
  run_state_free(&run);
  if (fmt == FMT_DOT) emit_dot(&g, stdout);
  else emit_mermaid(&g, stdout);
  graph_free(&g);
  int rc = fflush(stdout) == 0 && !ferror(stdout) ? EXIT_OK : EXIT_FAIL;
  if (rc) fprintf(stderr, "rp: graph: cannot write the output: %s\n", strerror(errno));
  checked_free(p, im);
  return rc;
}
