/* history.c — per-environment deploy history. */
#include "run/history.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run/state.h"
#include "run/store.h"

static Value str_or_null(const char *s) { return s ? v_cstr(s) : v_null(); }

Value history_entry(const Deploy *d) {
  Value r = v_map();
  map_set(r, "env", v_cstr(d->env));
  map_set(r, "version", str_or_null(d->version));
  map_set(r, "run", str_or_null(d->run));
  map_set(r, "commit", str_or_null(d->commit));
  map_set(r, "actor", str_or_null(d->actor));
  Value approvers = v_list();
  for (size_t i = 0; i < d->napprovers; i++) list_push(approvers, v_cstr(d->approvers[i]));
  map_set(r, "approvers", approvers);
  map_set(r, "at", v_str_take(state_format_time(d->at_ms ? d->at_ms : state_now_ms())));
  map_set(r, "result", v_cstr(d->succeeded ? "succeeded" : "failed"));
  map_set(r, "rollback", v_bool(d->rollback));
  if (d->forced_reason) map_set(r, "forced_reason", v_cstr(d->forced_reason));
  if (d->outputs.kind != V_NULL) map_set(r, "outputs", value_retain(d->outputs));
  if (d->url) map_set(r, "url", v_cstr(d->url));
  return r;
}

bool history_append(Store *store, Value entry, char **err) {
  Value env = map_get(entry, "env");
  return store_append(store, SPACE_HISTORY, is_str(env) ? str_chars(env) : NULL, entry, STORE_SYNCED, err);
}

bool history_record(Store *store, const Deploy *d, char **err) {
  Value r = history_entry(d);
  bool ok = history_append(store, r, err);
  value_release(r);
  return ok;
}

/* The entries of `env` in file order (oldest first). */
static bool read_entries(Store *store, const char *env, Value *out, char **err) {
  StateRead rd;
  bool ok = store_read(store, SPACE_HISTORY, env, &rd, err);
  if (ok) *out = rd.records;
  return ok;
}

static bool succeeded(Value e) {
  Value r = map_get(e, "result");
  return is_str(r) && strcmp(str_chars(r), "succeeded") == 0;
}

static bool version_is(Value e, const char *version) {
  Value v = map_get(e, "version");
  return version ? is_str(v) && strcmp(str_chars(v), version) == 0 : v.kind == V_NULL;
}

bool history_list(Store *store, const char *env, Value *out, char **err) {
  Value all;
  if (!read_entries(store, env, &all, err)) return false;
  *out = v_list();
  for (size_t i = list_len(all); i-- > 0;) list_push(*out, value_retain(list_get(all, i)));
  value_release(all);
  return true;
}

/* The newest successful entry after skipping those whose version equals
 * `skip_version` (when skip is set), retained; null when none. */
static Value newest_success(Value all, bool skip, const char *skip_version) {
  for (size_t i = list_len(all); i-- > 0;) {
    Value e = list_get(all, i);
    if (succeeded(e) && !(skip && version_is(e, skip_version))) return value_retain(e);
  }
  return v_null();
}

bool history_last_success(Store *store, const char *env, Value *out, char **err) {
  Value all;
  if (!read_entries(store, env, &all, err)) return false;
  *out = newest_success(all, false, NULL);
  value_release(all);
  return true;
}

bool history_deploy_of(Store *store, const char *env, const char *version, Value *out, char **err) {
  Value all;
  if (!read_entries(store, env, &all, err)) return false;
  *out = v_null();
  for (size_t i = list_len(all); i-- > 0 && out->kind == V_NULL;) {
    Value e = list_get(all, i);
    if (succeeded(e) && version_is(e, version)) *out = value_retain(e);
  }
  value_release(all);
  return true;
}

bool history_was_deployed(Store *store, const char *env, const char *version,
                          bool *yes, char **err) {
  Value e;
  if (!history_deploy_of(store, env, version, &e, err)) return false;
  *yes = e.kind != V_NULL;
  value_release(e);
  return true;
}

/* The versions `env` runs, as a stack of successful deploys: a deploy
 * pushes its version (unless it is already on top), a rollback to V pops
 * down to V. The target of the next rollback is the entry under the top,
 * so repeated rollbacks walk back 3 -> 2 -> 1 instead of alternating. */
bool history_rollback_target(Store *store, const char *env, Value *out, char **err) {
  Value all;
  if (!read_entries(store, env, &all, err)) return false;
  Value *stack = NULL;
  size_t n = 0, cap = 0;
  for (size_t i = 0; i < list_len(all); i++) {
    Value e = list_get(all, i), rb = map_get(e, "rollback");
    if (!succeeded(e)) continue;
    Value v = map_get(e, "version");
    const char *version = is_str(v) ? str_chars(v) : NULL;
    if (rb.kind == V_BOOL && rb.as.b) {
      size_t k = n;
      while (k > 0 && !version_is(stack[k - 1], version)) k--;
      if (k > 0) {
        n = k - 1; /* pop down to V, then V itself is pushed again below */
      }
    }
    if (n == 0 || !version_is(stack[n - 1], version)) VEC_PUSH(stack, n, cap, e);
    else stack[n - 1] = e; /* the newer record of the same version */
  }
  *out = n >= 2 ? value_retain(stack[n - 2]) : v_null();
  free(stack);
  value_release(all);
  return true;
}

bool history_has_run(Store *store, const char *env, const char *run, const char *version, bool *yes,
                     char **err) {
  Value all;
  if (!read_entries(store, env, &all, err)) return false;
  *yes = false;
  for (size_t i = 0; i < list_len(all) && !*yes; i++) {
    Value e = list_get(all, i), r = map_get(e, "run");
    *yes = is_str(r) && !strcmp(str_chars(r), run) && version_is(e, version);
  }
  value_release(all);
  return true;
}

bool history_envs(Store *store, Value *out, char **err) { return store_list(store, SPACE_HISTORY, out, err); }
