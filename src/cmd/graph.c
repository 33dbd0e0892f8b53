/* graph.c — rp graph [--format dot|mermaid] [FILE]: the pipeline as a graph
 * (doc/graph.md).
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
#include "cmd/load.h"
#include "cmd/options.h"
#include "lang/check.h"

typedef enum Format { FMT_DOT, FMT_MERMAID } Format;

typedef enum GNodeKind { G_TRIGGER, G_STAGE, G_MATRIX, G_ENV, G_GATED_ENV } GNodeKind;

/* needs: dependency -> dependent; deploys: stage -> environment;
 * after: earlier environment -> later; starts: trigger -> goal stage. */
typedef enum GEdgeKind { E_STARTS, E_NEEDS, E_DEPLOYS, E_AFTER } GEdgeKind;

typedef struct GNode {
  GNodeKind kind;
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
  GNode n = {kind, id, arena_take(&g->arena, label)};
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
}

static void stage_label(Buf *b, const Source *src, const Stage *s) {
  buf_puts(b, s->name);
  if (s->environment) buf_printf(b, "\nenvironment: %s", s->environment->as.attr.ref.name);
  if (s->matrix) {
    buf_printf(b, "\nmatrix: %s in ", s->matrix->as.attr.ref.name);
    put_source(b, src, s->matrix->as.attr.value);
    if (s->matrix->as.attr.sequential) buf_puts(b, " (sequential)");
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
      if (nameset_has(&stages, r->name)) add_edge(g, E_NEEDS, make_id(g, "stage", r->name), to);
    }
  }
  for (int i = 0; i < p->nstages; i++) {
    const Stage *s = p->stages[i]->as.stage;
    if (!s->environment) continue;
    const NameRef *r = &s->environment->as.attr.ref;
    if (nameset_has(&envs, r->name))
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
                                [E_AFTER] = " [label=\"after\"]"};
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
    fprintf(out, "  %s [%s, label=", g->nodes[i].id, shape[g->nodes[i].kind]);
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
                                [E_DEPLOYS] = "-.->|deploys|", [E_AFTER] = "-->|after|"};
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
  bool gated = false;
  for (int i = 0; i < g->nnodes; i++) gated |= g->nodes[i].kind == G_GATED_ENV;
  for (int i = 0; i < g->nedges; i++)
    fprintf(out, "  %s %s %s\n", g->edges[i].from, arrow[g->edges[i].kind], g->edges[i].to);
  if (!gated) return;
  /* an approval gate gets a heavy border, like dot's double one */
  fputs("  classDef gate stroke-width:3px\n", out);
  for (int i = 0; i < g->nnodes; i++)
    if (g->nodes[i].kind == G_GATED_ENV) fprintf(out, "  class %s gate\n", g->nodes[i].id);
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
  Graph g = {0};
  build_graph(&g, p);
  if (fmt == FMT_DOT) emit_dot(&g, stdout);
  else emit_mermaid(&g, stdout);
  graph_free(&g);
  int rc = fflush(stdout) == 0 && !ferror(stdout) ? EXIT_OK : EXIT_FAIL;
  if (rc) fprintf(stderr, "rp: graph: cannot write the output: %s\n", strerror(errno));
  checked_free(p, im);
  return rc;
}
