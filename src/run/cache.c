/* cache.c — the cache of `cache KEY` stages over the state's logs. */
#include "run/cache.h"

#include <stdlib.h>
#include <string.h>

bool cache_key(Interp *I, const Source *src, const Unit *u, char **key, char **why) {
  Value v;
  *key = *why = NULL;
  /* `git.tree_sha("src") + "x"` of a dirty tree fails on the null: no key */
  if (!interp_eval_with(I, u->vars, u->stage->cache->as.attr.value, &v)) {
    *why = xasprintf("its cache key cannot be evaluated: %s", interp_last_error(I)->msg);
    interp_clear_error(I);
    return true;
  }
  if (v.kind == V_NULL) *why = xstrdup("its cache key is null");
  else if (value_is_secret(v)) *why = xstrdup("its cache key holds a secret");
  else if (v.kind != V_STRING) {
    const char *type = value_type_name(v);
    value_release(v);
    return interp_error(I, src, u->stage->cache->pos, "cache needs a string key, not %s", type);
  } else *key = xstrdup(str_chars(v));
  value_release(v);
  return true;
}

/* ---- static keys ---- */

static bool node_is_static(const Node *n, const Unit *u);

static bool call_is_static(const Node *n, const Unit *u) {
  const Node *f = n->as.call.callee;
  if (f->kind != N_MEMBER || f->as.member.object->kind != N_IDENT ||
      strcmp(f->as.member.object->as.ident.name, "git") || strcmp(f->as.member.name, "tree_sha"))
    return false;
  for (int i = 0; i < n->as.call.nargs; i++)
    if (!node_is_static(n->as.call.args[i].value, u)) return false;
  return true;
}

static bool ident_is_static(const char *name, const Unit *u) {
  return !strcmp(name, "event") || !strcmp(name, "env") || stage_matrix_axis(u->stage, name);
}

static bool node_is_static(const Node *n, const Unit *u) {
  if (!n) return true;
  switch (n->kind) {
  case N_NULL: case N_BOOL: case N_INT: case N_FLOAT: case N_DURATION: case N_REGEX: return true;
  case N_STRING:
    for (int i = 0; i < n->as.str.n; i++)
      if (!node_is_static(n->as.str.parts[i].expr, u)) return false;
    return true;
  case N_LIST:
    for (int i = 0; i < n->as.list.n; i++)
      if (!node_is_static(n->as.list.items[i], u)) return false;
    return true;
  case N_IDENT: return ident_is_static(n->as.ident.name, u);
  case N_MEMBER: return node_is_static(n->as.member.object, u);
  case N_INDEX: return node_is_static(n->as.index.object, u) && node_is_static(n->as.index.index, u);
  case N_CALL: return call_is_static(n, u);
  case N_UNARY: case N_BINARY: return node_is_static(n->as.op.a, u) && node_is_static(n->as.op.b, u);
  case N_TERNARY:
    return node_is_static(n->as.ternary.cond, u) && node_is_static(n->as.ternary.then, u) &&
           node_is_static(n->as.ternary.els, u);
  default: return false;
  }
}

bool cache_key_is_static(const Unit *u) { return node_is_static(u->stage->cache->as.attr.value, u); }

/* ---- records ---- */

static bool field_is(Value rec, const char *field, const char *text) {
  Value v = map_get(rec, field);
  return v.kind == V_STRING && !strcmp(str_chars(v), text);
}

bool cache_find(Store *s, const char *stage, const char *unit, const char *key, Value *hit, char **err) {
  StateRead rd;
  *hit = V_NULL_VALUE;
  if (!store_read(s, SPACE_CACHE, stage, &rd, err)) return false;
  for (size_t i = list_len(rd.records); i-- > 0 && hit->kind == V_NULL;) {
    Value rec = list_get(rd.records, i);
    if (field_is(rec, "unit", unit) && field_is(rec, "key", key) && map_get(rec, "run").kind == V_STRING)
      *hit = value_retain(rec);
  }
  value_release(rd.records);
  return true;
}

char *cache_hit_text(Value hit) {
  return xasprintf("cached (key %s, run %s)", str_chars(map_get(hit, "key")), str_chars(map_get(hit, "run")));
}

bool cache_record(Store *s, const Unit *u, const char *key, const char *run, Value outputs, char **err) {
  Value rec = v_map();
  map_set(rec, "unit", v_cstr(u->name));
  map_set(rec, "key", v_cstr(key));
  map_set(rec, "run", v_cstr(run));
  map_set(rec, "outputs", outputs.kind == V_MAP ? value_retain(outputs) : v_map());
  map_set(rec, "at", v_str_take(state_format_time(state_now_ms())));
  bool ok = store_append(s, SPACE_CACHE, u->stage->name, rec, STORE_SYNCED, err);
  value_release(rec);
  return ok;
}

const char *cache_refusal(const Unit *u) {
  if (u->read_secret) return "it read a secret";
  Value names = sched_secret_outputs(u->outputs);
  bool held = list_len(names) > 0;
  value_release(names);
  return held ? "its outputs held a secret" : NULL;
}
