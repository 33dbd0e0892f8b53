/* environments.c — rp environments: each environment of the pipeline
 * with its promotion order, gate, current version, lock holder and, for
 * ephemeral ones, the instances that are up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/load.h"
#include "cmd/options.h"
#include "cmd/table.h"
#include "lang/check.h"
#include "run/deploy.h"
#include "run/history.h"
#include "run/lock.h"
#include "run/state.h"

static Value describe_env(Store *store, const Environment *e) {
  Value v = v_map();
  map_set(v, "name", v_cstr(e->name));
  map_set(v, "after", e->after ? v_cstr(e->after->as.after.name) : V_NULL_VALUE);
  map_set(v, "reviewers", e->approval ? gate_reviewers(e) : V_NULL_VALUE);
  char *err = NULL;
  Value last;
  if (history_last_success(store, e->name, &last, &err)) {
    map_set(v, "version", last.kind == V_MAP ? value_retain(map_get(last, "version")) : V_NULL_VALUE);
    if (last.kind == V_MAP && is_str(map_get(last, "url"))) /* only when recorded: the rest reads as before */
      map_set(v, "url", value_retain(map_get(last, "url")));
    value_release(last);
  }
  bool held = false;
  LockHolder h;
  if (store_holder(store, SLOCK_DEPLOY, e->name, &held, &h, &err)) {
    map_set(v, "locked_by", held && h.run ? v_cstr(h.run) : V_NULL_VALUE);
    lock_holder_free(&h);
  }
  Value active;
  if (ephemeral_active(store, e->name, &active, &err)) {
    Value names = v_list();
    for (size_t i = 0; i < list_len(active); i++) list_push(names, value_retain(map_get(list_get(active, i), "instance")));
    map_set(v, "instances", names);
    value_release(active);
  }
  free(err);
  return v;
}

/* The URL an environment's last deploy recorded, safe on a terminal. */
static void shown_url(Value e, Buf *b) {
  Value url = map_get(e, "url");
  terminal_text(is_str(url) ? str_chars(url) : "-", b);
}

/* The URL column's width; 0 (no column) when no deploy recorded a URL. */
static int url_width(Value envs) {
  int width = 0;
  for (size_t i = 0; i < list_len(envs); i++) {
    Buf b = {0};
    if (is_str(map_get(list_get(envs, i), "url"))) shown_url(list_get(envs, i), &b);
    if ((int)b.len > width) width = (int)b.len;
    buf_free(&b);
  }
  return width;
}

static void print_table(Value envs) {
  int urls = url_width(envs);
  printf("%-16s %-10s %-20s %-24s ", "ENVIRONMENT", "AFTER", "VERSION", "GATE");
  if (urls) printf("%-*s ", urls, "URL");
  puts("LOCKED BY / INSTANCES");
  for (size_t i = 0; i < list_len(envs); i++) {
    Value e = list_get(envs, i);
    Buf gate = {0}, extra = {0};
    Value rev = map_get(e, "reviewers");
    for (size_t k = 0; rev.kind == V_LIST && k < list_len(rev); k++)
      buf_printf(&gate, "%s%s", k ? "," : "", str_chars(list_get(rev, k)));
    Value lock = map_get(e, "locked_by"), inst = map_get(e, "instances");
    if (lock.kind == V_STRING) buf_printf(&extra, "locked by %s", str_chars(lock));
    for (size_t k = 0; inst.kind == V_LIST && k < list_len(inst); k++)
      buf_printf(&extra, "%s%s", extra.len ? " " : "", str_chars(list_get(inst, k)));
    Value after = map_get(e, "after"), ver = map_get(e, "version");
    printf("%-16s %-10s %-20s %-24s ", str_chars(map_get(e, "name")), after.kind == V_STRING ? str_chars(after) : "-",
           ver.kind == V_STRING ? str_chars(ver) : "-", gate.len ? gate.data : "-");
    if (urls) {
      Buf shown = {0};
      shown_url(e, &shown);
      printf("%-*s ", urls, shown.data);
      buf_free(&shown);
    }
    puts(extra.len ? extra.data : "-");
    buf_free(&gate);
    buf_free(&extra);
  }
}

int cmd_environments(const Options *o) {
  Imports *im;
  Program *p = pipeline_load(pipeline_path(o->file), &im);
  if (!p) return EXIT_USAGE;
  Store *store = state_open(o, p->src->path, p);
  if (!store) {
    checked_free(p, im);
    return EXIT_FAIL;
  }
  Value envs = v_list();
  for (int i = 0; i < p->nenvs; i++) list_push(envs, describe_env(store, p->envs[i]->as.env));
  int rc = EXIT_OK;
  if (o->json) rc = print_json_line(envs);
  else print_table(envs);
  value_release(envs);
  store_close(store);
  checked_free(p, im);
  return rc;
}
