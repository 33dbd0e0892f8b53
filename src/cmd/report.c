/* report.c — rp report [-o FILE]: one static HTML page that answers "what
 * is where, who approved it, when" (doc/report.md).
 *
 * The page is self-contained: inline CSS and an SVG of the stage graph
 * drawn here (no graphviz needed, no script, no network), and a
 * Content-Security-Policy that forbids scripts and remote loads, so even
 * a mistake in escaping could not run anything. Every text that comes
 * from the pipeline, the event or the state directory is HTML-escaped.
 * It shows no stage outputs or errors: they may hold what a secret
 * became after masking missed it, and the page is meant to be passed
 * around. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/graph.h"
#include "cmd/load.h"
#include "cmd/options.h"
#include "cmd/table.h"
#include "run/history.h"
#include "run/journal.h"
#include "run/state.h"

enum { HISTORY_ROWS = 20 }; /* per environment; older deploys: rp history */

/* ---- escaping ----------------------------------------------------------- */

/* Text for an HTML text node or a quoted attribute value. Control
 * characters other than tab and newline become spaces. */
static void esc(Buf *b, const char *s) {
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    switch (c) {
    case '&': buf_puts(b, "&amp;"); break;
    case '<': buf_puts(b, "&lt;"); break;
    case '>': buf_puts(b, "&gt;"); break;
    case '"': buf_puts(b, "&quot;"); break;
    case '\'': buf_puts(b, "&#39;"); break;
    default: buf_putc(b, (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f ? ' ' : (char)c);
    }
  }
}

static const char *str_of(Value m, const char *key) {
  Value v = m.kind == V_MAP ? map_get(m, key) : v_null();
  return is_str(v) ? str_chars(v) : NULL;
}

/* A table cell: the text escaped, "-" when there is none. */
static void cell(Buf *b, const char *text) {
  buf_puts(b, "<td>");
  if (text && *text) esc(b, text);
  else buf_putc(b, '-');
  buf_puts(b, "</td>");
}

/* A list of names as "a, b"; "-" when empty. */
static void names(Buf *b, Value list) {
  size_t n = 0;
  for (size_t i = 0; list.kind == V_LIST && i < list_len(list); i++)
    if (is_str(list_get(list, i))) {
      buf_puts(b, n++ ? ", " : "");
      esc(b, str_chars(list_get(list, i)));
    }
  if (!n) buf_putc(b, '-');
}

static void time_cell(Buf *b, int64_t ms) {
  Buf t = {0};
  format_local_time(ms, &t);
  cell(b, t.data);
  buf_free(&t);
}

static void recorded_time_cell(Buf *b, Value at) {
  Buf t = {0};
  format_recorded_time(at, &t);
  cell(b, t.data);
  buf_free(&t);
}

/* ---- the stage graph as SVG ----------------------------------------------
 * A layered drawing: a node's column is the length of the longest path
 * reaching it, its row its order of appearance within the column. */

enum { NODE_W = 150, NODE_H = 44, GAP_X = 40, GAP_Y = 18, MARGIN = 12, LABEL_CHARS = 21 };

static int node_index(const Graph *g, const char *id) {
  for (int i = 0; i < g->nnodes; i++)
    if (!strcmp(g->nodes[i].id, id)) return i;
  return -1;
}

/* Columns by longest path; a cycle (which the checks reject) only stops
 * the relaxation after nnodes rounds. */
static void place_nodes(const Graph *g, const int *from, const int *to, int *col, int *row, int *ncols,
                        int *nrows) {
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
  for (int i = 0; i < g->nnodes; i++) if (col[i] + 1 > *ncols) *ncols = col[i] + 1;
  int *used = xcalloc((size_t)*ncols + 1, sizeof *used);
  for (int i = 0; i < g->nnodes; i++) {
    row[i] = used[col[i]]++;
    if (row[i] + 1 > *nrows) *nrows = row[i] + 1;
  }
  free(used);
}

/* One line of an SVG label, cut (at a character boundary) to fit the box. */
static void svg_line(Buf *b, const char *s, size_t len, int x, int y, const char *cls) {
  buf_printf(b, "<text x=\"%d\" y=\"%d\" class=\"%s\">", x, y, cls);
  size_t n = 0, chars = 0;
  while (n < len && chars < LABEL_CHARS) {
    n++;
    while (n < len && ((unsigned char)s[n] & 0xC0) == 0x80) n++;
    chars++;
  }
  char *cut = xstrndup(s, n);
  esc(b, cut);
  free(cut);
  if (n < len) buf_puts(b, "…");
  buf_puts(b, "</text>");
}

typedef struct Colours {
  const RunState *last; /* the newest run, or NULL */
  Value versions;       /* environment name -> its current version */
} Colours;

/* The status a node is drawn with (a CSS class) and the second line it
 * shows: a stage's result in the last run, an environment's version. */
static const char *node_status(const GNode *n, const Colours *c, const char **second) {
  *second = NULL;
  if (n->kind == G_TRIGGER) return "trigger";
  if (n->kind == G_ENV || n->kind == G_GATED_ENV) {
    const char *name = n->id + strlen("env_");
    *second = str_of(c->versions, name);
    if (c->last && c->last->gate && c->last->status == RUN_WAITING && !strcmp(c->last->gate->env, name))
      return "waiting";
    return "env";
  }
  const char *name = n->id + strlen("stage_");
  const StageState *st = c->last ? run_state_stage(c->last, name) : NULL;
  if (c->last && c->last->gate && c->last->status == RUN_WAITING && !strcmp(c->last->gate->stage, name)) {
    *second = "waiting for approval";
    return "waiting";
  }
  if (!st) return "notrun";
  *second = st->status;
  if (!strcmp(st->status, "succeeded") || !strcmp(st->status, "ok")) return "ok";
  if (!strcmp(st->status, "failed")) return "failed";
  if (!strcmp(st->status, "running") || !strcmp(st->status, "waiting")) return "waiting";
  return "skipped";
}

static void svg_graph(Buf *b, const Graph *g, const Colours *c) {
  if (!g->nnodes) return;
  int *from = xcalloc((size_t)g->nedges + 1, sizeof *from), *to = xcalloc((size_t)g->nedges + 1, sizeof *to);
  int *col = xcalloc((size_t)g->nnodes, sizeof *col), *row = xcalloc((size_t)g->nnodes, sizeof *row);
  for (int e = 0; e < g->nedges; e++) {
    from[e] = node_index(g, g->edges[e].from);
    to[e] = node_index(g, g->edges[e].to);
  }
  int ncols, nrows;
  place_nodes(g, from, to, col, row, &ncols, &nrows);
#define X(i) (MARGIN + col[i] * (NODE_W + GAP_X))
#define Y(i) (MARGIN + row[i] * (NODE_H + GAP_Y))
  buf_printf(b,
             "<svg role=\"img\" aria-label=\"stage graph\" width=\"%d\" "
             "height=\"%d\">\n<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
             "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\"/></marker></defs>\n",
             2 * MARGIN + ncols * (NODE_W + GAP_X) - GAP_X, 2 * MARGIN + nrows * (NODE_H + GAP_Y) - GAP_Y);
  static const char *edge_class[] = {[E_STARTS] = "starts", [E_NEEDS] = "needs", [E_DEPLOYS] = "deploys",
                                     [E_AFTER] = "after"};
  for (int e = 0; e < g->nedges; e++) {
    if (from[e] < 0 || to[e] < 0) continue;
    int x1 = X(from[e]) + NODE_W, y1 = Y(from[e]) + NODE_H / 2, x2 = X(to[e]), y2 = Y(to[e]) + NODE_H / 2;
    buf_printf(b, "<path class=\"edge %s\" d=\"M%d,%d C%d,%d %d,%d %d,%d\" marker-end=\"url(#arrow)\"/>\n",
               edge_class[g->edges[e].kind], x1, y1, x1 + GAP_X / 2, y1, x2 - GAP_X / 2, y2, x2, y2);
  }
  for (int i = 0; i < g->nnodes; i++) {
    const GNode *n = &g->nodes[i];
    const char *second, *status = node_status(n, c, &second);
    bool env = n->kind == G_ENV || n->kind == G_GATED_ENV;
    buf_printf(b, "<g class=\"node %s%s\"><title>", status, n->kind == G_GATED_ENV ? " gate" : "");
    esc(b, n->label);
    buf_printf(b, "</title><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"%d\"/>", X(i), Y(i), NODE_W,
               NODE_H, env ? 14 : 4);
    size_t first = strcspn(n->label, "\n");
    svg_line(b, n->label, first, X(i) + 8, Y(i) + (second ? 18 : 27), "name");
    if (second) svg_line(b, second, strlen(second), X(i) + 8, Y(i) + 36, "sub");
    buf_puts(b, "</g>\n");
  }
#undef X
#undef Y
  buf_puts(b, "</svg>\n");
  free(from);
  free(to);
  free(col);
  free(row);
}

/* ---- sections ------------------------------------------------------------ */

static void last_run_section(Buf *b, const RunState *r) {
  buf_puts(b, "<h2>Last run</h2>\n");
  if (!r) {
    buf_puts(b, "<p>No run yet.</p>\n");
    return;
  }
  buf_puts(b, "<table><tr><th>run</th><th>status</th><th>event</th><th>branch or tag</th><th>actor</th>"
              "<th>started</th><th>finished</th></tr>\n<tr>");
  cell(b, r->id);
  buf_printf(b, "<td class=\"status-%s\">%s</td>", run_status_name(r->status), run_status_name(r->status));
  cell(b, str_of(r->event, "kind"));
  const char *ref = str_of(r->event, "tag");
  cell(b, ref ? ref : str_of(r->event, "branch"));
  cell(b, r->actor);
  time_cell(b, r->started_ms);
  time_cell(b, r->finished_ms);
  buf_puts(b, "</tr></table>\n");
}

static void waiting_section(Buf *b, const char *dir, const RunSummary *runs, size_t n) {
  buf_puts(b, "<h2>Waiting at a gate</h2>\n");
  bool any = false;
  for (size_t i = n; i-- > 0;) {
    RunState r;
    char *err = NULL;
    if (runs[i].status != RUN_WAITING) continue;
    if (!journal_replay(dir, runs[i].id, &r, &err)) {
      free(err);
      continue;
    }
    if (r.gate) {
      if (!any)
        buf_puts(b, "<table><tr><th>run</th><th>environment</th><th>version</th><th>reviewers</th>"
                    "<th>waiting since</th><th>approve with</th></tr>\n");
      any = true;
      buf_puts(b, "<tr>");
      cell(b, r.id);
      cell(b, r.gate->env);
      cell(b, r.gate->version);
      buf_puts(b, "<td>");
      names(b, r.gate->reviewers);
      buf_puts(b, "</td>");
      time_cell(b, r.gate->at_ms);
      buf_puts(b, "<td><code>rp approve ");
      esc(b, r.id);
      buf_putc(b, ' ');
      esc(b, r.gate->env);
      buf_puts(b, " --as NAME</code></td></tr>\n");
    }
    run_state_free(&r);
  }
  buf_puts(b, any ? "</table>\n" : "<p>No run is waiting.</p>\n");
}

/* Who approved `env`'s deploy in run `run`, when, and what they said:
 * the run's journal has the decisions, the history only the names. */
static void approvals_cell(Buf *b, const char *dir, const char *env, Value deploy) {
  const char *run = str_of(deploy, "run");
  RunState r;
  char *err = NULL;
  buf_puts(b, "<td>");
  bool any = false;
  if (run && state_name_ok(run) && journal_replay(dir, run, &r, &err)) {
    for (size_t i = 0; i < r.ndecisions; i++) {
      const Decision *d = &r.decisions[i];
      if (!d->approved || strcmp(d->env, env)) continue;
      buf_puts(b, any ? "<br>" : "");
      any = true;
      esc(b, d->by);
      buf_puts(b, " <span class=\"when\">");
      Buf t = {0};
      format_local_time(d->at_ms, &t);
      esc(b, t.data);
      buf_free(&t);
      buf_puts(b, "</span>");
      if (d->comment && *d->comment) {
        buf_puts(b, " <q>");
        esc(b, d->comment);
        buf_puts(b, "</q>");
      }
    }
    run_state_free(&r);
  }
  free(err);
  if (!any) names(b, map_get(deploy, "approvers")); /* a journal gone: the names alone */
  buf_puts(b, "</td>");
}

static void history_table(Buf *b, const char *dir, const char *env, Value deploys) {
  size_t n = list_len(deploys);
  if (!n) {
    buf_puts(b, "<p>Never deployed.</p>\n");
    return;
  }
  buf_puts(b, "<table><tr><th>version</th><th>result</th><th>deployed</th><th>approved by</th><th>run</th>"
              "<th>commit</th><th>actor</th></tr>\n");
  for (size_t i = 0; i < n && i < HISTORY_ROWS; i++) {
    Value d = list_get(deploys, i);
    const char *result = str_of(d, "result");
    Value rb = map_get(d, "rollback");
    buf_printf(b, "<tr class=\"%s\">", result && !strcmp(result, "succeeded") ? "ok" : "failed");
    cell(b, str_of(d, "version"));
    buf_puts(b, "<td>");
    esc(b, result);
    if (rb.kind == V_BOOL && rb.as.b) buf_puts(b, " (rollback)");
    buf_puts(b, "</td>");
    recorded_time_cell(b, map_get(d, "at"));
    approvals_cell(b, dir, env, d);
    cell(b, str_of(d, "run"));
    const char *commit = str_of(d, "commit");
    char *short_commit = commit ? xstrndup(commit, 12) : NULL;
    cell(b, short_commit);
    free(short_commit);
    cell(b, str_of(d, "actor"));
    buf_puts(b, "</tr>\n");
  }
  buf_puts(b, "</table>\n");
  if (n <= HISTORY_ROWS) return;
  buf_printf(b, "<p>%zu older deploys: <code>rp history ", n - HISTORY_ROWS);
  esc(b, env);
  buf_puts(b, "</code></p>\n");
}

/* Each environment, in promotion (source) order: its current version and
 * history. Fills `versions` for the graph. */
static void environments_section(Buf *b, const char *dir, const Program *p, Value versions) {
  buf_puts(b, "<h2>Environments</h2>\n");
  if (!p->nenvs) buf_puts(b, "<p>The pipeline declares no environment.</p>\n");
  for (int i = 0; i < p->nenvs; i++) {
    const Environment *e = p->envs[i]->as.env;
    Value deploys, current = v_null();
    char *err = NULL;
    buf_puts(b, "<section class=\"env\"><h3>");
    esc(b, e->name);
    if (!history_list(dir, e->name, &deploys, &err)) {
      buf_puts(b, "</h3><p class=\"failed\">cannot read its history: ");
      esc(b, err);
      buf_puts(b, "</p></section>\n");
      free(err);
      continue;
    }
    for (size_t k = 0; k < list_len(deploys) && current.kind == V_NULL; k++) {
      const char *result = str_of(list_get(deploys, k), "result");
      if (result && !strcmp(result, "succeeded")) current = list_get(deploys, k);
    }
    const char *version = str_of(current, "version");
    if (version) map_set(versions, e->name, v_cstr(version));
    buf_puts(b, " <span class=\"version\">");
    esc(b, version ? version : "nothing deployed");
    buf_puts(b, "</span></h3>\n");
    history_table(b, dir, e->name, deploys);
    value_release(deploys);
    buf_puts(b, "</section>\n");
  }
}

/* ---- the page ------------------------------------------------------------ */

static const char style[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;background:#fff}"
    "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}"
    "h3{font-size:1.05em}.version{font-family:monospace;background:#eef;padding:0 .4em;border-radius:3px}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left;"
    "vertical-align:top}th{background:#f4f4f4}code{background:#f4f4f4;padding:0 .3em}"
    ".when{color:#666}tr.failed td{color:#a00}.status-succeeded{color:#2e7d32}.status-failed,"
    ".status-rejected,.status-crashed{color:#c62828}.status-waiting,.status-running{color:#b26a00}"
    ".graph{overflow-x:auto}svg text{font:12px sans-serif}svg text.sub{fill:#555;font-size:11px}"
    ".edge{fill:none;stroke:#777;stroke-width:1.3}.edge.deploys{stroke-dasharray:5 3}.edge.starts{stroke-width:2.2}"
    ".node rect{stroke:#777;stroke-width:1.3;fill:#fff}.node.gate rect{stroke-width:3}"
    ".node.ok rect{fill:#d7f0da;stroke:#2e7d32}.node.failed rect{fill:#f8d4d4;stroke:#c62828}"
    ".node.waiting rect{fill:#fdebc8;stroke:#b26a00}.node.skipped rect{fill:#eee;stroke:#999}"
    ".node.trigger rect{fill:#e3ecfa;stroke:#3a5ea8}.node.env rect{fill:#f2ecfa;stroke:#6a4a9c}"
    ".legend span{display:inline-block;padding:0 .5em;margin-right:.4em;border:1px solid #999;border-radius:3px}"
    ".legend .ok{background:#d7f0da}.legend .failed{background:#f8d4d4}.legend .waiting{background:#fdebc8}"
    ".legend .skipped{background:#eee}.legend .notrun{background:#fff}";

static void page(Buf *b, const char *dir, const Program *p, const RunSummary *runs, size_t nruns) {
  RunState last = {0};
  char *err = NULL;
  bool have_last = nruns && journal_replay(dir, runs[nruns - 1].id, &last, &err);
  free(err);
  const char *name = p->name ? p->name : "pipeline";
  Buf envs = {0};
  Value versions = v_map();
  environments_section(&envs, dir, p, versions);

  buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
              "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
              "style-src 'unsafe-inline'\">\n<meta name=\"viewport\" content=\"width=device-width\">\n<title>");
  esc(b, name);
  buf_printf(b, " — rp report</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", style);
  esc(b, name);
  buf_puts(b, "</h1>\n<p>Written by <code>rp report</code> at ");
  format_local_time(state_now_ms(), b);
  buf_puts(b, " (local time of the machine that wrote it, as are all times below) from the state in <code>");
  esc(b, dir);
  buf_puts(b, "</code>.</p>\n");
  last_run_section(b, have_last ? &last : NULL);

  buf_puts(b, "<h2>Stage graph</h2>\n<p class=\"legend\">Stages by their result in the last run: "
              "<span class=\"ok\">succeeded</span><span class=\"failed\">failed</span>"
              "<span class=\"waiting\">waiting</span><span class=\"skipped\">skipped</span>"
              "<span class=\"notrun\">not run</span>; environments show their current version.</p>\n"
              "<div class=\"graph\">\n");
  Graph g = {0};
  build_graph(&g, p);
  Colours c = {have_last ? &last : NULL, versions};
  svg_graph(b, &g, &c);
  graph_free(&g);
  buf_puts(b, "</div>\n");

  waiting_section(b, dir, runs, nruns);
  buf_putn(b, envs.data, envs.len);
  buf_puts(b, "</body>\n</html>\n");
  buf_free(&envs);
  value_release(versions);
  if (have_last) run_state_free(&last);
}

static bool write_page(const char *path, const Buf *b) {
  FILE *f = path ? fopen(path, "w") : stdout;
  bool ok = f && fwrite(b->data, 1, b->len, f) == b->len;
  if (f && f != stdout) ok = fclose(f) == 0 && ok;
  else if (f) ok = fflush(f) == 0 && ok;
  if (!ok) fprintf(stderr, "rp report: cannot write %s: %s\n", path ? path : "the output", strerror(errno));
  return ok;
}

int cmd_report(const Options *o) {
  Imports *im;
  Program *p = pipeline_load(pipeline_path(o->file), &im);
  if (!p) return EXIT_USAGE;
  char *dir = state_dir_for(p->src->path), *err = NULL;
  RunSummary *runs = NULL;
  size_t nruns = 0;
  int rc = EXIT_OK;
  if (!journal_list(dir, &runs, &nruns, &err)) {
    fprintf(stderr, "rp report: %s\n", err);
    free(err);
    rc = EXIT_FAIL;
  } else {
    Buf b = {0};
    page(&b, dir, p, runs, nruns);
    if (!write_page(o->output, &b)) rc = EXIT_FAIL;
    buf_free(&b);
    run_summaries_free(runs, nruns);
  }
  free(dir);
  checked_free(p, im);
  return rc;
}
