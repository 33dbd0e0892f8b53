/* report.c — rp report [-o FILE]: one static HTML page that answers "what
 * is where, who approved it, when" (doc/report.md).
 *
 * The page is self-contained: inline CSS and an SVG of the stage graph
 * that rp draws itself (cmd/graph.h: no graphviz needed, no script, no
 * network), and a
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
#include "cmd/html.h"
#include "cmd/load.h"
#include "cmd/options.h"
#include "cmd/table.h"
#include "run/history.h"
#include "run/journal.h"
#include "run/state.h"

enum { HISTORY_ROWS = 20 }; /* per environment; older deploys: rp history */

static const char *str_of(Value m, const char *key) {
  Value v = m.kind == V_MAP ? map_get(m, key) : v_null();
  return is_str(v) ? str_chars(v) : NULL;
}

/* A table cell: the text escaped, "-" when there is none. */
static void cell(Buf *b, const char *text) {
  buf_puts(b, "<td>");
  if (text && *text) html_text(b, text);
  else buf_putc(b, '-');
  buf_puts(b, "</td>");
}

/* A list of names as "a, b"; "-" when empty. */
static void names(Buf *b, Value list) {
  size_t n = 0;
  for (size_t i = 0; list.kind == V_LIST && i < list_len(list); i++)
    if (is_str(list_get(list, i))) {
      buf_puts(b, n++ ? ", " : "");
      html_text(b, str_chars(list_get(list, i)));
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

typedef struct Colours {
  const RunState *last; /* the newest run, or NULL */
  Value versions;       /* environment name -> its current version */
} Colours;

/* How rp report paints a node of the graph (GraphPaint): a stage by its
 * result in the last run, an environment with its current version. */
static const char *paint_node(const char *kind, const char *name, const char **second, void *ctx) {
  const Colours *c = ctx;
  const Gate *waiting = c->last && c->last->status == RUN_WAITING ? c->last->gate : NULL;
  if (!name) return "trigger";
  if (!strcmp(kind, "environment") || !strcmp(kind, "gate")) {
    *second = str_of(c->versions, name);
    if (waiting && !strcmp(waiting->env, name)) return "waiting gate";
    return !strcmp(kind, "gate") ? "env gate" : "env";
  }
  if (waiting && !strcmp(waiting->stage, name)) {
    *second = "waiting for approval";
    return "waiting";
  }
  const StageState *st = c->last ? run_state_stage(c->last, name) : NULL;
  if (!st) return "notrun";
  *second = st->status;
  if (!strcmp(st->status, "succeeded") || !strcmp(st->status, "ok")) return "ok";
  if (!strcmp(st->status, "failed")) return "failed";
  if (!strcmp(st->status, "running") || !strcmp(st->status, "waiting")) return "waiting";
  return "skipped";
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

static void waiting_section(Buf *b, Store *st, const RunSummary *runs, size_t n) {
  buf_puts(b, "<h2>Waiting at a gate</h2>\n");
  bool any = false;
  for (size_t i = n; i-- > 0;) {
    RunState r;
    char *err = NULL;
    if (runs[i].status != RUN_WAITING) continue;
    if (!journal_replay(st, runs[i].id, &r, &err)) {
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
      html_text(b, r.id);
      buf_putc(b, ' ');
      html_text(b, r.gate->env);
      buf_puts(b, " --as NAME</code></td></tr>\n");
    }
    run_state_free(&r);
  }
  buf_puts(b, any ? "</table>\n" : "<p>No run is waiting.</p>\n");
}

/* Who approved `env`'s deploy in run `run`, when, and what they said:
 * the run's journal has the decisions, the history only the names. */
static void approvals_cell(Buf *b, Store *st, const char *env, Value deploy) {
  const char *run = str_of(deploy, "run");
  RunState r;
  char *err = NULL;
  buf_puts(b, "<td>");
  bool any = false;
  if (run && state_name_ok(run) && journal_replay(st, run, &r, &err)) {
    for (size_t i = 0; i < r.ndecisions; i++) {
      const Decision *d = &r.decisions[i];
      if (!d->approved || strcmp(d->env, env)) continue;
      buf_puts(b, any ? "<br>" : "");
      any = true;
      html_text(b, d->by);
      buf_puts(b, " <span class=\"when\">");
      Buf t = {0};
      format_local_time(d->at_ms, &t);
      html_text(b, t.data);
      buf_free(&t);
      buf_puts(b, "</span>");
      if (d->comment && *d->comment) {
        buf_puts(b, " <q>");
        html_text(b, d->comment);
        buf_puts(b, "</q>");
      }
    }
    run_state_free(&r);
  }
  free(err);
  if (!any) names(b, map_get(deploy, "approvers")); /* a journal gone: the names alone */
  buf_puts(b, "</td>");
}

static void history_table(Buf *b, Store *st, const char *env, Value deploys) {
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
    html_text(b, result);
    if (rb.kind == V_BOOL && rb.as.b) buf_puts(b, " (rollback)");
    buf_puts(b, "</td>");
    recorded_time_cell(b, map_get(d, "at"));
    approvals_cell(b, st, env, d);
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
  html_text(b, env);
  buf_puts(b, "</code></p>\n");
}

/* Each environment, in promotion (source) order: its current version and
 * history. Fills `versions` for the graph. */
static void environments_section(Buf *b, Store *st, const Program *p, Value versions) {
  buf_puts(b, "<h2>Environments</h2>\n");
  if (!p->nenvs) buf_puts(b, "<p>The pipeline declares no environment.</p>\n");
  for (int i = 0; i < p->nenvs; i++) {
    const Environment *e = p->envs[i]->as.env;
    Value deploys, current = v_null();
    char *err = NULL;
    buf_puts(b, "<section class=\"env\"><h3>");
    html_text(b, e->name);
    if (!history_list(st, e->name, &deploys, &err)) {
      buf_puts(b, "</h3><p class=\"failed\">cannot read its history: ");
      html_text(b, err);
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
    html_text(b, version ? version : "nothing deployed");
    buf_puts(b, "</span></h3>\n");
    history_table(b, st, e->name, deploys);
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
    ".edge{fill:none;stroke:#777;stroke-width:1.3}.edge.deploys,.edge.optional{stroke-dasharray:5 3}.edge.starts{stroke-width:2.2}"
    ".node rect{stroke:#777;stroke-width:1.3;fill:#fff}.node.gate rect{stroke-width:3}"
    ".node.ok rect{fill:#d7f0da;stroke:#2e7d32}.node.failed rect{fill:#f8d4d4;stroke:#c62828}"
    ".node.waiting rect{fill:#fdebc8;stroke:#b26a00}.node.skipped rect{fill:#eee;stroke:#999}"
    ".node.trigger rect{fill:#e3ecfa;stroke:#3a5ea8}.node.env rect{fill:#f2ecfa;stroke:#6a4a9c}"
    ".legend span{display:inline-block;padding:0 .5em;margin-right:.4em;border:1px solid #999;border-radius:3px}"
    ".legend .ok{background:#d7f0da}.legend .failed{background:#f8d4d4}.legend .waiting{background:#fdebc8}"
    ".legend .skipped{background:#eee}.legend .notrun{background:#fff}";

static void page(Buf *b, Store *st, const Program *p, const RunSummary *runs, size_t nruns) {
  RunState last = {0};
  char *err = NULL;
  bool have_last = nruns && journal_replay(st, runs[nruns - 1].id, &last, &err);
  free(err);
  const char *name = p->name ? p->name : "pipeline";
  Buf envs = {0};
  Value versions = v_map();
  environments_section(&envs, st, p, versions);

  buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
              "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
              "style-src 'unsafe-inline'\">\n<meta name=\"viewport\" content=\"width=device-width\">\n<title>");
  html_text(b, name);
  buf_printf(b, " — rp report</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", style);
  html_text(b, name);
  buf_puts(b, "</h1>\n<p>Written by <code>rp report</code> at ");
  format_local_time(state_now_ms(), b);
  buf_puts(b, " (local time of the machine that wrote it, as are all times below) from the state in <code>");
  html_text(b, st->spec);
  buf_puts(b, "</code>.</p>\n");
  last_run_section(b, have_last ? &last : NULL);

  buf_puts(b, "<h2>Stage graph</h2>\n<p class=\"legend\">Stages by their result in the last run: "
              "<span class=\"ok\">succeeded</span><span class=\"failed\">failed</span>"
              "<span class=\"waiting\">waiting</span><span class=\"skipped\">skipped</span>"
              "<span class=\"notrun\">not run</span>; environments show their current version.</p>\n"
              "<div class=\"graph\">\n");
  Colours c = {have_last ? &last : NULL, versions};
  graph_svg(p, paint_node, &c, b);
  buf_puts(b, "</div>\n");

  waiting_section(b, st, runs, nruns);
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
  Store *st = state_open(o, p->src->path, p);
  if (!st) {
    checked_free(p, im);
    return EXIT_FAIL;
  }
  char *err = NULL;
  RunSummary *runs = NULL;
  size_t nruns = 0;
  int rc = EXIT_OK;
  if (!journal_list(st, &runs, &nruns, &err)) {
    fprintf(stderr, "rp report: %s\n", err);
    free(err);
    rc = EXIT_FAIL;
  } else {
    Buf b = {0};
    page(&b, st, p, runs, nruns);
    if (!write_page(o->output, &b)) rc = EXIT_FAIL;
    buf_free(&b);
    run_summaries_free(runs, nruns);
  }
  store_close(st);
  checked_free(p, im);
  return rc;
}
