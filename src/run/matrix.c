/* matrix.c — expanding a stage's matrix into its instances. */
#include "run/matrix.h"

#include <stdlib.h>
#include <string.h>

void matrix_free(Matrix *m) {
  value_release(m->names);
  value_release(m->vars);
  value_release(m->combos);
  m->names = m->vars = m->combos = V_NULL_VALUE;
}

static void value_text(Value v, Buf *b) {
  if (v.kind == V_STRING) {
    buf_puts(b, str_chars(v));
  } else if (v.kind == V_LIST) {
    for (size_t i = 0; i < list_len(v); i++) {
      if (i) buf_putc(b, ' ');
      value_text(list_get(v, i), b);
    }
  } else if (v.kind == V_MAP) {
    Map *m = as_map(v);
    for (size_t i = 0; i < m->n; i++) {
      buf_printf(b, "%s%s=", i ? " " : "", m->keys[i]->data);
      value_text(m->vals[i], b);
    }
  } else {
    char *t = value_to_cstr(v);
    buf_puts(b, t);
    free(t);
  }
}

char *matrix_value_text(Value v) {
  Buf b = {0};
  value_text(v, &b);
  return b.data ? b.data : xstrdup("");
}

Value matrix_outputs(Value names, Value outputs) {
  Value merged = v_map();
  size_t count = list_len(names);
  for (size_t k = 0; k < count; k++) {
    Value outs = list_get(outputs, k);
    if (outs.kind != V_MAP) continue;
    Map *m = as_map(outs);
    for (size_t i = 0; i < m->n; i++) {
      if (!map_has(merged, m->keys[i]->data)) {
        Value list = v_list();
        for (size_t c = 0; c < count; c++) list_push(list, V_NULL_VALUE);
        map_set(merged, m->keys[i]->data, list);
      }
      list_set(map_get(merged, m->keys[i]->data), k, value_retain(m->vals[i]));
    }
  }
  for (size_t k = 0; k < count; k++) { /* after the lists: STAGE's keys keep their order */
    if (list_get(outputs, k).kind != V_MAP) continue;
    char *key = xasprintf("[%s]", str_chars(list_get(names, k)));
    map_set(merged, key, value_retain(list_get(outputs, k)));
    free(key);
  }
  return merged;
}

/* How the axes and settings are evaluated: by the interpreter (a run), or
 * as literals (rp export). An error is *err, at *at; an evaluation that
 * failed in the interpreter leaves *err NULL (it holds the error). */
typedef struct Eval {
  bool (*fn)(void *ctx, const Node *e, Value *out);
  void *ctx;
  char *err;
  Pos at;
} Eval;

static bool fail(Eval *ev, Pos at, char *msg) {
  ev->err = msg;
  ev->at = at;
  return false;
}

/* Whether two instance names are the same, blanks after a comma aside. */
static bool same_name(const char *a, const char *b) {
  for (;;) {
    if (*a != *b) return false;
    if (!*a) return true;
    bool comma = *a == ',';
    a++, b++;
    while (comma && *a == ' ') a++;
    while (comma && *b == ' ') b++;
  }
}

/* Whether `values` (parsed JSON) are the instance's own, `combo`. */
static bool same_values(Value values, Value combo) {
  if (values.kind != V_MAP || as_map(values)->n != as_map(combo)->n) return false;
  Map *m = as_map(values);
  for (size_t i = 0; i < m->n; i++) {
    if (!map_has(combo, m->keys[i]->data)) return false;
    char *a = matrix_value_text(m->vals[i]), *b = matrix_value_text(map_get(combo, m->keys[i]->data));
    bool same = !strcmp(a, b);
    free(a);
    free(b);
    if (!same) return false;
  }
  return true;
}

int matrix_find(const Matrix *m, const char *want) {
  for (size_t i = 0; i < list_len(m->names); i++)
    if (same_name(str_chars(list_get(m->names, i)), want)) return (int)i;
  Value values;
  char *err = NULL;
  if (*want != '{' || !json_parse(want, strlen(want), &values, &err)) {
    free(err);
    return -1;
  }
  int found = -1;
  for (size_t i = 0; found < 0 && i < list_len(m->combos); i++)
    if (same_values(values, list_get(m->combos, i))) found = (int)i;
  value_release(values);
  return found;
}

/* A setting of `matrix { }`, evaluated; null when absent. */
static bool setting(Eval *ev, const Stage *st, const char *key, Value *out) {
  const Node *e = st->matrix_opts ? settings_get(&st->matrix_opts->as.attr.settings, key) : NULL;
  *out = V_NULL_VALUE;
  return !e || ev->fn(ev->ctx, e, out);
}

/* include/exclude: a list of maps, or null. */
static bool entries(Eval *ev, const Stage *st, const char *key, Value *out) {
  if (!setting(ev, st, key, out)) return false;
  bool ok = out->kind == V_NULL || out->kind == V_LIST;
  for (size_t i = 0; ok && out->kind == V_LIST && i < list_len(*out); i++) ok = list_get(*out, i).kind == V_MAP;
  if (ok) return true;
  fail(ev, st->matrix_opts->pos, xasprintf("matrix %s needs a list of maps, not %s", key, value_type_name(*out)));
  value_release(*out);
  return false;
}

/* The product of the axes, first axis outermost, as maps in axis order. */
static bool product(Eval *ev, const Stage *st, Value *out) {
  *out = v_list();
  list_push(*out, v_map());
  for (int a = 0; a < st->attrs.n; a++) {
    const Node *ax = st->attrs.items[a];
    if (ax->as.attr.kind != ATTR_MATRIX || !ax->as.attr.ref.name) continue;
    Value vals;
    if (!ev->fn(ev->ctx, ax->as.attr.value, &vals)) return false;
    const char *why = vals.kind != V_LIST ? value_type_name(vals) : NULL;
    if (why || value_is_secret(vals)) { /* a secret would name the stage in every report */
      fail(ev, ax->pos,
           why ? xasprintf("matrix needs a list, not %s", why)
               : xstrdup("a secret cannot be a matrix value: it would be part of the stage's name in logs, rp plan "
                         "and the journal"));
      value_release(vals);
      return false;
    }
    Value next = v_list();
    for (size_t c = 0; c < list_len(*out); c++)
      for (size_t v = 0; v < list_len(vals); v++) {
        Value combo = map_copy(list_get(*out, c));
        map_set(combo, ax->as.attr.ref.name, value_retain(list_get(vals, v)));
        list_push(next, combo);
      }
    value_release(vals);
    value_release(*out);
    *out = next;
  }
  return true;
}

/* Whether `combo` has every key of `entry` with the same value (`axes`
 * given: only entry keys that are axes must match). */
static bool matches(Value combo, Value entry, Value axes) {
  Map *m = as_map(entry);
  for (size_t i = 0; i < m->n; i++) {
    const char *k = m->keys[i]->data;
    if (axes.kind == V_MAP && !map_has(axes, k)) continue;
    if (!map_has(combo, k) || !value_equal(map_get(combo, k), m->vals[i])) return false;
  }
  return true;
}

static Value without_excluded(Value combos, Value exclude) {
  Value kept = v_list();
  for (size_t c = 0; c < list_len(combos); c++) {
    bool out = false;
    for (size_t e = 0; !out && e < list_len(exclude); e++) out = matches(list_get(combos, c), list_get(exclude, e), V_NULL_VALUE);
    if (!out) list_push(kept, value_retain(list_get(combos, c)));
  }
  return kept;
}

/* GitHub's include: an entry extends every original combination whose
 * axis values it does not change (values added by earlier entries it may
 * change); one that extends none is a combination of its own. */
static void include(Value combos, Value entries, Value axes) {
  size_t original = list_len(combos);
  for (size_t e = 0; e < list_len(entries); e++) {
    Value entry = list_get(entries, e);
    bool used = false;
    for (size_t c = 0; c < original; c++) {
      Value combo = list_get(combos, c);
      if (!matches(combo, entry, axes)) continue;
      used = true;
      Map *m = as_map(entry);
      for (size_t i = 0; i < m->n; i++) map_set_str(combo, m->keys[i], value_retain(m->vals[i]));
    }
    if (!used) list_push(combos, map_copy(entry));
  }
}

/* Names from each combination's own values; variables for all keys any
 * combination has (null where it lacks one). */
static bool name_instances(Eval *ev, const Stage *st, Value combos, Matrix *out) {
  Value all = v_map();
  for (size_t c = 0; c < list_len(combos); c++) {
    Map *m = as_map(list_get(combos, c));
    for (size_t i = 0; i < m->n; i++) map_set_str(all, m->keys[i], v_null());
  }
  out->names = v_list();
  out->vars = v_list();
  out->combos = v_list();
  Value seen = v_map();
  bool ok = true;
  for (size_t c = 0; ok && c < list_len(combos); c++) {
    Value combo = list_get(combos, c), vars = map_copy(combo);
    Map *m = as_map(combo), *a = as_map(all);
    Buf b = {0};
    for (size_t i = 0; i < m->n; i++) {
      char *t = matrix_value_text(m->vals[i]);
      buf_printf(&b, "%s%s", i ? ", " : "", t);
      free(t);
    }
    for (size_t i = 0; i < a->n; i++)
      if (!map_has(vars, a->keys[i]->data)) map_set_str(vars, a->keys[i], v_null());
    char *name = b.data ? b.data : xstrdup("");
    if (map_has(seen, name))
      ok = fail(ev, st->matrix->pos, xasprintf("stage '%s' has two matrix instances named '%s[%s]'", st->name, st->name, name));
    map_set(seen, name, v_bool(true));
    list_push(out->names, v_str_take(name));
    list_push(out->vars, vars);
    list_push(out->combos, value_retain(combo));
  }
  if (ok && !list_len(combos))
    ok = fail(ev, st->matrix->pos, xasprintf("stage '%s' has no matrix instances: its exclude removes them all", st->name));
  value_release(seen);
  value_release(all);
  return ok;
}

static bool run_settings(Eval *ev, const Stage *st, Matrix *out) {
  Value ff, mp;
  if (!setting(ev, st, "fail_fast", &ff)) return false;
  out->fail_fast = value_truthy(ff);
  value_release(ff);
  if (!setting(ev, st, "max_parallel", &mp)) return false;
  bool ok = mp.kind == V_NULL || (mp.kind == V_INT && mp.as.i >= 1);
  out->max_parallel = mp.kind == V_INT && ok ? (int)(mp.as.i < 1 << 20 ? mp.as.i : 1 << 20) : 0;
  value_release(mp);
  for (int a = 0; a < st->attrs.n; a++)
    if (st->attrs.items[a]->as.attr.kind == ATTR_MATRIX && st->attrs.items[a]->as.attr.sequential) out->sequential = true;
  return ok || fail(ev, st->matrix_opts->pos, xstrdup("max_parallel must be a number of instances, 1 or more"));
}

static bool expand(Eval *ev, const Stage *st, Matrix *out) {
  memset(out, 0, sizeof *out);
  Value combos = V_NULL_VALUE, exc = V_NULL_VALUE, inc = V_NULL_VALUE, axes = v_map();
  bool ok = product(ev, st, &combos) && entries(ev, st, "exclude", &exc) && entries(ev, st, "include", &inc) &&
            run_settings(ev, st, out);
  if (ok) {
    for (int a = 0; a < st->attrs.n; a++)
      if (st->attrs.items[a]->as.attr.kind == ATTR_MATRIX && st->attrs.items[a]->as.attr.ref.name)
        map_set(axes, st->attrs.items[a]->as.attr.ref.name, v_bool(true));
    if (exc.kind == V_LIST) {
      Value kept = without_excluded(combos, exc);
      value_release(combos);
      combos = kept;
    }
    if (inc.kind == V_LIST) include(combos, inc, axes);
    ok = name_instances(ev, st, combos, out);
  }
  value_release(combos);
  value_release(exc);
  value_release(inc);
  value_release(axes);
  if (!ok) matrix_free(out);
  return ok;
}

static bool eval_in(void *ctx, const Node *e, Value *out) { return interp_eval(ctx, NULL, e, out); }

bool matrix_expand(Interp *I, const Source *src, const Stage *st, Matrix *out) {
  Eval ev = {eval_in, I, NULL, {0}};
  if (expand(&ev, st, out)) return true;
  if (ev.err) interp_error(I, src, ev.at, "%s", ev.err);
  free(ev.err);
  return false;
}

static bool literal(void *ctx, const Node *n, Value *out) {
  const char *text;
  uint32_t len;
  *out = V_NULL_VALUE;
  switch (n->kind) {
  case N_NULL: return true;
  case N_BOOL: *out = v_bool(n->as.b); return true;
  case N_INT: *out = v_int(n->as.i); return true;
  case N_STRING:
    if (!string_is_plain(n, &text, &len)) return false;
    *out = v_str(text, len);
    return true;
  case N_LIST:
    *out = v_list();
    for (int i = 0; i < n->as.list.n; i++) {
      Value v;
      if (!literal(ctx, n->as.list.items[i], &v)) return value_release(*out), false;
      list_push(*out, v);
    }
    return true;
  case N_MAP:
    *out = v_map();
    for (int i = 0; i < n->as.map.n; i++) {
      Value v;
      if (!string_is_plain(n->as.map.keys[i], &text, &len) || !literal(ctx, n->as.map.values[i], &v))
        return value_release(*out), false;
      char *k = xstrndup(text, len);
      map_set(*out, k, v);
      free(k);
    }
    return true;
  default: return false;
  }
}

bool matrix_literal(const Node *n, Value *out) { return literal(NULL, n, out); }

bool matrix_expand_literal(const Stage *st, Matrix *out) {
  Eval ev = {literal, NULL, NULL, {0}};
  bool ok = expand(&ev, st, out);
  free(ev.err);
  return ok;
}
