/* history.c — rp history [ENV] [--json] [-f FILE]: what was deployed
 * where, newest first; without ENV, every environment's deploys merged
 * by time, and ENV's merged with those of its ephemeral instances. */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/load.h"
#include "cmd/options.h"
#include "cmd/table.h"
#include "run/history.h"
#include "run/state.h"

typedef struct Entry {
  Value deploy; /* borrowed from the list */
  size_t order; /* position in the list: keeps ties stable */
} Entry;

static const char *text_of(Value m, const char *key) {
  Value v = m.kind == V_MAP ? map_get(m, key) : v_null();
  return is_str(v) ? str_chars(v) : "";
}

/* Newest first; recorded times sort as the times do (state.h). */
static int newest_first(const void *a, const void *b) {
  const Entry *x = a, *y = b;
  int c = strcmp(text_of(y->deploy, "at"), text_of(x->deploy, "at"));
  if (c) return c;
  return x->order < y->order ? -1 : x->order > y->order;
}

/* Whether history `name` is environment `env` or one of its ephemeral
 * instances ("preview.preview-42"); every one when env is NULL. */
static bool history_of(const char *name, const char *env) {
  size_t n = env ? strlen(env) : 0;
  return !env || (!strncmp(name, env, n) && (!name[n] || name[n] == '.'));
}

/* The deploys to `env` (NULL: to every environment), newest first. */
static bool all_deploys(Store *store, const char *env, Value *out, char **err) {
  Value envs;
  if (!history_envs(store, &envs, err)) return false;
  Value merged = v_list();
  bool ok = true;
  for (size_t i = 0; ok && i < list_len(envs); i++) {
    if (!history_of(str_chars(list_get(envs, i)), env)) continue;
    Value one;
    ok = history_list(store, str_chars(list_get(envs, i)), &one, err);
    for (size_t k = 0; ok && k < list_len(one); k++) list_push(merged, value_retain(list_get(one, k)));
    if (ok) value_release(one);
  }
  value_release(envs);
  if (!ok) {
    value_release(merged);
    return false;
  }
  size_t n = list_len(merged);
  Entry *e = xcalloc(n ? n : 1, sizeof *e);
  for (size_t i = 0; i < n; i++) e[i] = (Entry){list_get(merged, i), i};
  qsort(e, n, sizeof *e, newest_first);
  *out = v_list();
  for (size_t i = 0; i < n; i++) list_push(*out, value_retain(e[i].deploy));
  free(e);
  value_release(merged);
  return true;
}

static char *approvers_text(Value deploy) {
  Value a = map_get(deploy, "approvers");
  Buf b = {0};
  for (size_t i = 0; a.kind == V_LIST && i < list_len(a); i++) {
    if (i) buf_putc(&b, ',');
    value_to_text(list_get(a, i), &b);
  }
  return buf_take(&b);
}

/* The URL column only when some deploy recorded a URL. */
static bool any_url(Value deploys) {
  for (size_t i = 0; i < list_len(deploys); i++)
    if (is_str(map_get(list_get(deploys, i), "url"))) return true;
  return false;
}

static void print_deploys(Value deploys) {
  Table t;
  bool urls = any_url(deploys);
  table_init(&t, urls ? 10 : 9);
  const char *head[] = {"ENV",  "VERSION", "RUN",    "COMMIT", "ACTOR",
                        "APPROVERS", "TIME", "RESULT", "ROLLBACK", "URL"};
  for (int i = 0; i < (urls ? 10 : 9); i++) table_cell(&t, head[i]);
  for (size_t i = 0; i < list_len(deploys); i++) {
    Value d = list_get(deploys, i);
    table_cell(&t, text_of(d, "env"));
    table_cell(&t, text_of(d, "version"));
    table_cell(&t, text_of(d, "run"));
    const char *commit = text_of(d, "commit");
    table_cell_take(&t, xstrndup(commit, strnlen(commit, 7))); /* short, as git shows it */
    table_cell(&t, text_of(d, "actor"));
    table_cell_take(&t, approvers_text(d));
    Buf b = {0};
    format_recorded_time(map_get(d, "at"), &b);
    table_cell_take(&t, buf_take(&b));
    table_cell(&t, text_of(d, "result"));
    Value rb = map_get(d, "rollback");
    table_cell(&t, rb.kind == V_BOOL && rb.as.b ? "yes" : "no");
    if (urls) {
      Buf u = {0};
      terminal_text(text_of(d, "url"), &u);
      table_cell_take(&t, buf_take(&u));
    }
  }
  table_print(&t, stdout);
  table_free(&t);
}

int cmd_history(const Options *o) {
  const char *env = o->args.n ? o->args.v[0] : NULL;
  if (env && !state_name_ok(env)) {
    fprintf(stderr, "rp history: '%s' is not an environment name\n", env);
    return EXIT_USAGE;
  }
  char *err = NULL;
  Store *store = state_open(o, pipeline_path(o->file), NULL);
  if (!store) return EXIT_FAIL;
  Value deploys;
  if (!all_deploys(store, env, &deploys, &err)) {
    fprintf(stderr, "rp history: %s\n", err);
    free(err);
    store_close(store);
    return EXIT_FAIL;
  }
  int rc = EXIT_OK;
  if (o->json) rc = print_json_line(deploys);
  else if (!list_len(deploys) && env) printf("no deploys to %s\n", env);
  else if (!list_len(deploys)) puts("no deploys");
  else print_deploys(deploys);
  value_release(deploys);
  store_close(store);
  return rc;
}
