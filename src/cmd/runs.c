/* runs.c — rp runs [--json] [-f FILE]: every run in the state
 * directory, oldest first, so the newest is next to the prompt. */
#include <stdlib.h>

#include "cmd/cmd.h"
#include "cmd/load.h"
#include "cmd/options.h"
#include "cmd/table.h"
#include "run/journal.h"
#include "run/state.h"

static Value runs_to_value(const RunSummary *runs, size_t n) {
  Value list = v_list();
  for (size_t i = 0; i < n; i++) {
    Value m = v_map();
    map_set(m, "id", v_cstr(runs[i].id));
    map_set(m, "event", runs[i].event ? v_cstr(runs[i].event) : v_null());
    map_set(m, "status", v_cstr(run_status_name(runs[i].status)));
    map_set(m, "started", runs[i].started_ms ? v_str_take(state_format_time(runs[i].started_ms)) : v_null());
    map_set(m, "duration_ms", runs[i].duration_ms >= 0 ? v_int(runs[i].duration_ms) : v_null());
    map_set(m, "dry_run", v_bool(runs[i].dry_run));
    if (runs[i].reason) map_set(m, "reason", v_cstr(runs[i].reason));
    list_push(list, m);
  }
  return list;
}

static void print_runs(const RunSummary *runs, size_t n) {
  Table t;
  table_init(&t, 6);
  const char *head[] = {"RUN", "EVENT", "STATUS", "STARTED", "DURATION", "DRY-RUN"};
  for (int i = 0; i < 6; i++) table_cell(&t, head[i]);
  for (size_t i = 0; i < n; i++) {
    table_cell(&t, runs[i].id);
    table_cell(&t, runs[i].event);
    table_cell(&t, run_status_name(runs[i].status));
    Buf b = {0};
    format_local_time(runs[i].started_ms, &b);
    table_cell_take(&t, buf_take(&b));
    if (runs[i].duration_ms >= 0) format_duration(runs[i].duration_ms, &b);
    table_cell_take(&t, buf_take(&b));
    table_cell(&t, runs[i].dry_run ? "yes" : NULL);
  }
  table_print(&t, stdout);
  table_free(&t);
}

int cmd_runs(const Options *o) {
  char *err = NULL;
  Store *store = state_open(o, pipeline_path(o->file), NULL);
  if (!store) return EXIT_FAIL;
  RunSummary *runs;
  size_t n;
  int rc = EXIT_OK;
  if (!journal_list(store, &runs, &n, &err)) {
    fprintf(stderr, "rp runs: %s\n", err);
    free(err);
    store_close(store);
    return EXIT_FAIL;
  }
  if (o->json) {
    Value v = runs_to_value(runs, n);
    rc = print_json_line(v);
    value_release(v);
  } else if (!n) {
    printf("no runs in %s\n", store->spec);
  } else {
    print_runs(runs, n);
  }
  run_summaries_free(runs, n);
  store_close(store);
  return rc;
}
