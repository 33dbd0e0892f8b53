/* status.c — rp status RUN [--json] [-f FILE]: one run, stage by
 * stage, the gate it waits at and the decisions taken, replayed from its
 * journal, each with why it does not count when it does not. */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/load.h"
#include "cmd/options.h"
#include "cmd/table.h"
#include "run/approval.h"
#include "run/event.h"
#include "run/journal.h"
#include "run/state.h"

static void print_header(const RunState *r) {
  Buf b = {0};
  printf("run %s: %s%s\n", r->id, run_status_name(r->status), r->dry_run ? " (dry run)" : "");
  if (r->pipeline || r->file)
    printf("  pipeline  %s%s%s%s\n", r->pipeline ? r->pipeline : "", r->pipeline && r->file ? " (" : "",
           r->file ? r->file : "", r->pipeline && r->file ? ")" : "");
  event_describe(r->event, &b);
  printf("  event     %s\n", b.data);
  b.len = 0;
  format_local_time(r->started_ms, &b);
  printf("  started   %s\n", b.data);
  if (r->finished_ms) {
    b.len = 0;
    format_local_time(r->finished_ms, &b);
    buf_puts(&b, " (");
    format_duration(r->started_ms ? r->finished_ms - r->started_ms : 0, &b);
    buf_putc(&b, ')');
    printf("  finished  %s\n", b.data);
  }
  if (r->reason) printf("  why       %s\n", r->reason);
  buf_free(&b);
}

static void print_stages(const RunState *r) {
  if (!r->nstages) {
    puts("no stage has started");
    return;
  }
  Table t;
  table_init(&t, 5);
  const char *head[] = {"STAGE", "STATUS", "ATTEMPTS", "DURATION", "ERROR"};
  for (int i = 0; i < 5; i++) table_cell(&t, head[i]);
  for (size_t i = 0; i < r->nstages; i++) {
    const StageState *s = &r->stages[i];
    table_cell(&t, s->name);
    table_cell(&t, s->status);
    table_cell_take(&t, xasprintf("%d", s->attempts));
    Buf b = {0};
    if (s->duration_ms >= 0) format_duration(s->duration_ms, &b);
    table_cell_take(&t, buf_take(&b));
    /* one line per stage: an error's first line */
    table_cell_take(&t, s->error ? xstrndup(s->error, strcspn(s->error, "\n")) : NULL);
  }
  table_print(&t, stdout);
  table_free(&t);
}

/* The archives the stages kept: "build  2 files, 4096 bytes, sha256:… in STORE". */
static void print_artifacts(const RunState *r) {
  bool header = false;
  for (size_t i = 0; i < r->nstages; i++) {
    Value a = r->stages[i].artifact, files = value_get(a, "files"), size = value_get(a, "size");
    const char *digest = value_get_str(a, "digest"), *store = value_get_str(a, "store"), *run = value_get_str(a, "run");
    if (!digest) continue;
    if (!header) puts("artifacts:");
    header = true;
    Buf b = {0};
    buf_printf(&b, "  %s  %lld files, %lld bytes, %s", r->stages[i].name, (long long)(files.kind == V_INT ? files.as.i : 0),
               (long long)(size.kind == V_INT ? size.as.i : 0), digest);
    if (store) buf_printf(&b, " in %s", store);
    if (run && r->id && strcmp(run, r->id)) buf_printf(&b, " (cached from run %s)", run);
    puts(b.data);
    buf_free(&b);
  }
}

static void print_gate(const RunState *r) {
  const Gate *g = r->gate;
  if (!g) return;
  Buf who = {0};
  if (g->reviewers.kind == V_LIST)
    for (size_t i = 0; i < list_len(g->reviewers); i++) {
      if (i) buf_puts(&who, ", ");
      value_to_text(list_get(g->reviewers, i), &who);
    }
  Buf since = {0};
  format_local_time(g->at_ms, &since);
  printf("gate: %s %s%s%s at stage %s since %s; reviewers: %s\n",
         r->status == RUN_WAITING ? "waits for approval to deploy" : "stopped deploying",
         g->version ? g->version : "", g->version ? " to " : "to ", g->env, g->stage, since.data,
         who.len ? who.data : "(none recorded)");
  buf_free(&who);
  buf_free(&since);
}

/* "deployed 1.2.3 to review → URL", for each deploy that recorded one. */
static void print_deploy_urls(const RunState *r) {
  for (size_t i = 0; i < r->nstages; i++) {
    Value d = r->stages[i].deploy;
    if (d.kind != V_MAP || !is_str(map_get(d, "url")) || !is_str(map_get(d, "env"))) continue;
    Value url = map_get(d, "url"), ver = map_get(d, "version");
    Buf b = {0};
    buf_printf(&b, "deployed %s to %s → ", is_str(ver) ? str_chars(ver) : "", str_chars(map_get(d, "env")));
    terminal_text(str_chars(url), &b);
    puts(b.data);
    buf_free(&b);
  }
}

static void print_decisions(const RunState *r) {
  for (size_t i = 0; i < r->ndecisions; i++) {
    const Decision *d = &r->decisions[i];
    Buf at = {0};
    format_local_time(d->at_ms, &at);
    char *who = approval_shown_name(d->by);
    printf("%s %s%s%s by %s at %s%s%s%s\n", d->approved ? "approved" : "rejected", d->env,
           d->version ? " " : "", d->version ? d->version : "", who, at.data,
           d->comment ? ": \"" : "", d->comment ? d->comment : "", d->comment ? "\"" : "");
    if (d->ignored) printf("  ignored: %s\n", d->ignored);
    free(who);
    buf_free(&at);
  }
}

int cmd_status(const Options *o) {
  const char *id = o->args.v[0];
  if (!state_name_ok(id)) {
    fprintf(stderr, "rp status: '%s' is not a run id\n", id);
    return EXIT_USAGE;
  }
  char *err = NULL;
  Store *store = state_open(o, pipeline_path(o->file), NULL);
  if (!store) return EXIT_FAIL;
  RunState r;
  if (!journal_replay(store, id, &r, &err)) {
    fprintf(stderr, "rp status: %s\n", err);
    free(err);
    store_close(store);
    return EXIT_USAGE;
  }
  /* each decision checked as a resumed run would (run/approval.h) */
  if (!pipeline_review_decisions(&r, pipeline_path(o->file)) && r.ndecisions)
    fprintf(stderr, "rp status: %s cannot be loaded: its decisions are not checked\n", pipeline_path(o->file));
  int rc = EXIT_OK;
  if (o->json) {
    Value v = run_state_to_value(&r);
    rc = print_json_line(v);
    value_release(v);
  } else {
    print_header(&r);
    print_stages(&r);
    print_artifacts(&r);
    print_gate(&r);
    print_deploy_urls(&r);
    print_decisions(&r);
    if (r.torn) puts("note: an incomplete last journal line was ignored");
  }
  run_state_free(&r);
  store_close(store);
  return rc;
}
