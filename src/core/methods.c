/* methods.c — the methods of strings, lists and maps.
 *
 * Every method returns a new value; none changes `self`, so a method call
 * never surprises another holder of the same list or map. Strings derived
 * from a secret (or built with a secret argument) are secret too. */
#include "core/methods.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef bool MethodFn(Value self, Value *args, int nargs, const MethodHost *host, Value *out,
                      char **err);

/* ---- helpers ---- */

static bool fail(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(char **err, const char *fmt, ...) {
  Buf b = {0};
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  *err = buf_take(&b);
  return false;
}

/* An optional argument is absent when not given or given as null. */
static bool given(Value *args, int nargs, int i) { return i < nargs && args[i].kind != V_NULL; }

static bool want_string(const char *method, const char *param, Value v, char **err) {
  if (v.kind == V_STRING) return true;
  return fail(err, "%s(): %s must be a string, not %s", method, param, value_type_name(v));
}

static Value text_result(const char *s, size_t len, bool secret) {
  Value v = v_str(s, len);
  as_str(v)->secret = secret;
  return v;
}

static bool any_secret(Value self, Value *args, int nargs) {
  if (value_is_secret(self)) return true;
  for (int i = 0; i < nargs; i++)
    if (args[i].kind == V_STRING && as_str(args[i])->secret) return true;
  return false;
}

static bool call_fn(const char *method, const MethodHost *host, Value fn, Value arg, Value *out,
                    char **err) {
  if (!host || !host->call) return fail(err, "%s(): cannot call a function here", method);
  return host->call(host->ctx, fn, &arg, 1, out, err);
}

/* ---- strings ---- */

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

/* Length in characters (UTF-8 code points): what a user counting letters expects. */
static bool s_len(Value self, Value *a, int n, const MethodHost *h, Value *out, char **err) {
  (void)a, (void)n, (void)h, (void)err;
  const Str *s = as_str(self);
  int64_t count = 0;
  for (size_t i = 0; i < s->len; i++) count += ((unsigned char)s->data[i] & 0xc0) != 0x80;
  *out = v_int(count);
  return true;
}

/* ASCII case mapping: locale-independent, so a pipeline behaves the same on every runner. */
static bool change_case(Value self, bool upper, Value *out) {
  const Str *s = as_str(self);
  Value v = text_result(s->data, s->len, s->secret);
  char *d = as_str(v)->data;
  for (size_t i = 0; i < s->len; i++) {
    if (upper && d[i] >= 'a' && d[i] <= 'z') d[i] = (char)(d[i] - 32);
    if (!upper && d[i] >= 'A' && d[i] <= 'Z') d[i] = (char)(d[i] + 32);
  }
  *out = v;
  return true;
}

static bool s_upper(Value self, Value *a, int n, const MethodHost *h, Value *out, char **err) {
  (void)a, (void)n, (void)h, (void)err;
  return change_case(self, true, out);
}

static bool s_lower(Value self, Value *a, int n, const MethodHost *h, Value *out, char **err) {
  (void)a, (void)n, (void)h, (void)err;
  return change_case(self, false, out);
}

static bool s_trim(Value self, Value *a, int n, const MethodHost *h, Value *out, char **err) {
  (void)a, (void)n, (void)h, (void)err;
  const Str *s = as_str(self);
  size_t b = 0, e = s->len;
  while (b < e && is_space(s->data[b])) b++;
  while (e > b && is_space(s->data[e - 1])) e--;
  *out = text_result(s->data + b, e - b, s->secret);
  return true;
}

/* split(): on runs of whitespace, dropping empty pieces; split(sep): on
 * each sep, keeping empty pieces; split(""): into characters. */
static bool s_split(Value self, Value *a, int n, const MethodHost *h, Value *out, char **err) {
  (void)h;
  const Str *s = as_str(self);
  bool secret = any_secret(self, a, n);
  Value list = v_list();
  if (!given(a, n, 0)) {
    for (size_t i = 0; i < s->len;) {
      while (i < s->len && is_space(s->data[i])) i++;
      size_t start = i;
      while (i < s->len && !is_space(s->data[i])) i++;
      if (i > start) list_push(list, text_result(s->data + start, i - start, secret));
    }
  } else if (!want_string("split", "sep", a[0], err)) {
    value_release(list);
    return false;
  } else if (as_str(a[0])->len == 0) {
    for (size_t i = 0; i < s->len;) {
      size_t start = i++;
      while (i < s->len && ((unsigned char)s->data[i] & 0xc0) == 0x80) i++;
      list_push(list, text_result(s->data + start, i - start, secret));
    }
  } else {
    const Str *sep = as_str(a[0]);
    size_t start = 0;
    for (size_t i = 0; i + sep->len <= s->len;) {
      if (memcmp(s->data + i, sep->data, sep->len) == 0) {
        list_push(list, text_result(s->data + start, i - start, secret));
        i += sep->len;
        start = i;
      } else {
        i++;
      }
    }
    list_push(list, text_result(s->data + start, s->len - start, secret));
  }
  *out = list;
  return true;
}

static const char *find_bytes(const char *hay, size_t hn, const char *needle, size_t nn) {
  if (nn == 0) return hay;
  for (size_t i = 0; i + nn <= hn; i++)
    if (hay[i] == needle[0] && memcmp(hay + i, needle, nn) == 0) return hay + i;
  return NULL;
}

static bool s_replace(Value self, Value *a, int n, const MethodHost *h, Value *out, char **err) {
  (void)h;
  if (!want_string("replace", "old", a[0], err) || !want_string("replace", "new", a[1], err))
    return false;
  const Str *s = as_str(self), *old = as_str(a[0]), *new = as_str(a[1]);
  if (old->len == 0) return fail(err, "replace(): old must not be empty");
  Buf b = {0};
  const char *p = s->data, *end = s->data + s->len, *hit;
  while ((hit = find_bytes(p, (size_t)(end - p), old->data, old->len))) {
    buf_putn(&b, p, (size_t)(hit - p));
    buf_putn(&b, new->data, new->len);
    p = hit + old->len;
  }
  buf_putn(&b, p, (size_t)(end - p));
  *out = text_result(b.data, b.len, any_secret(self, a, n));
  buf_free(&b);
  return true;
}

static bool s_starts_with(Value self, Value *a, int n, const MethodHost *h, Value *out, char **err) {
  (void)n, (void)h;
  if (!want_string("starts_with", "prefix", a[0], err)) return false;
  const Str *s = as_str(self), *p = as_str(a[0]);
  *out = v_bool(p->len <= s->len && memcmp(s->data, p->data, p->len) == 0);
  return true;
}

static bool s_ends_with(Value self, Value *a, int n, const MethodHost *h, Value *out, char **err) {
  (void)n, (void)h;
  if (!want_string("ends_with", "suffix", a[0], err)) return false;
  const Str *s = as_str(self), *p = as_str(a[0]);
  *out = v_bool(p->len <= s->len && memcmp(s->data + s->len - p->len, p->data, p->len) == 0);
  return true;
}

static bool s_contains(Value self, Value *a, int n, const MethodHost *h, Value *out, char **err) {
  (void)n, (void)h;
  if (!want_string("contains", "text", a[0], err)) return false;
  const Str *s = as_str(self), *t = as_str(a[0]);
  *out = v_bool(find_bytes(s->data, s->len, t->data, t->len) != NULL);
  return true;
}

/* ---- lists ---- */

static bool l_len(Value self, Value *a, int n, const MethodHost *h, Value *out, char **err) {
  (void)a, (void)n, (void)h, (void)err;
  *out = v_int((int64_t)list_len(self));
  return true;
}

static bool l_map(Value self, Value *a, int n, const MethodHost *h, Value *out, char **err) {
  (void)n;
  Value result = v_list();
  for (size_t i = 0; i < list_len(self); i++) {
    Value v;
    if (!call_fn("map", h, a[0], list_get(self, i), &v, err)) {
      value_release(result);
      return false;
    }
    list_push(result, v);
  }
  *out = result;
  return true;
}

static bool l_filter(Value self, Value *a, int n, const MethodHost *h, Value *out, char **err) {
  (void)n;
  Value result = v_list();
  for (size_t i = 0; i < list_len(self); i++) {
    Value item = list_get(self, i), keep;
    if (!call_fn("filter", h, a[0], item, &keep, err)) {
      value_release(result);
      return false;
    }
    if (value_truthy(keep)) list_push(result, value_retain(item));
    value_release(keep);
  }
  *out = result;
  return true;
}

static bool l_join(Value self, Value *a, int n, const MethodHost *h, Value *out, char **err) {
  (void)h;
  if (given(a, n, 0) && !want_string("join", "sep", a[0], err)) return false;
  Buf b = {0};
  for (size_t i = 0; i < list_len(self); i++) {
    if (i && given(a, n, 0)) buf_putn(&b, as_str(a[0])->data, as_str(a[0])->len);
    value_to_text(list_get(self, i), &b);
  }
  *out = text_result(b.data ? b.data : "", b.len, any_secret(self, a, n));
  buf_free(&b);
  return true;
}

/* Stable merge sort of positions by keys[]; the first pair that cannot be
 * ordered is remembered in *bad and the sort finishes harmlessly. */
typedef struct SortCtx {
  const Value *keys;
  bool ok;
  size_t bad_a, bad_b;
} SortCtx;

static bool sort_le(SortCtx *c, size_t x, size_t y) {
  bool ok;
  int r = value_compare(c->keys[x], c->keys[y], &ok);
  if (!ok && c->ok) c->ok = false, c->bad_a = x, c->bad_b = y;
  return r <= 0;
}

static void merge_sort(SortCtx *c, size_t *idx, size_t *tmp, size_t n) {
  if (n < 2) return;
  size_t mid = n / 2;
  merge_sort(c, idx, tmp, mid);
  merge_sort(c, idx + mid, tmp, n - mid);
  size_t i = 0, j = mid, k = 0;
  while (i < mid && j < n) tmp[k++] = sort_le(c, idx[i], idx[j]) ? idx[i++] : idx[j++];
  while (i < mid) tmp[k++] = idx[i++];
  while (j < n) tmp[k++] = idx[j++];
  memcpy(idx, tmp, n * sizeof *idx);
}

/* sort(): ascending; sort(key): by key(item), calling key once per item. */
static bool l_sort(Value self, Value *a, int n, const MethodHost *h, Value *out, char **err) {
  size_t len = list_len(self);
  bool by_key = given(a, n, 0);
  Value *keys = xcalloc(len, sizeof *keys);
  size_t *idx = xmalloc(len * sizeof *idx), *tmp = xmalloc(len * sizeof *tmp);
  bool ok = true;
  size_t have = 0;
  for (; have < len && ok; have++) {
    idx[have] = have;
    if (by_key) ok = call_fn("sort", h, a[0], list_get(self, have), &keys[have], err);
    else keys[have] = value_retain(list_get(self, have));
  }
  if (!ok) have--; /* the failed call produced no key */
  if (ok) {
    SortCtx c = {keys, true, 0, 0};
    merge_sort(&c, idx, tmp, len);
    if (!c.ok) {
      ok = fail(err, "sort(): cannot order %s and %s%s", value_type_name(keys[c.bad_a]),
                value_type_name(keys[c.bad_b]), by_key ? " (as returned by the key function)" : "");
    } else {
      Value result = v_list();
      for (size_t i = 0; i < len; i++) list_push(result, value_retain(list_get(self, idx[i])));
      *out = result;
    }
  }
  for (size_t i = 0; i < have; i++) value_release(keys[i]);
  free(keys);
  free(idx);
  free(tmp);
  return ok;
}

static bool l_contains(Value self, Value *a, int n, const MethodHost *h, Value *out, char **err) {
  (void)n, (void)h, (void)err;
  bool found = false;
  for (size_t i = 0; i < list_len(self) && !found; i++) found = value_equal(list_get(self, i), a[0]);
  *out = v_bool(found);
  return true;
}

static bool l_first(Value self, Value *a, int n, const MethodHost *h, Value *out, char **err) {
  (void)a, (void)n, (void)h, (void)err;
  *out = value_retain(list_get(self, 0));
  return true;
}

static bool l_last(Value self, Value *a, int n, const MethodHost *h, Value *out, char **err) {
  (void)a, (void)n, (void)h, (void)err;
  size_t len = list_len(self);
  *out = len ? value_retain(list_get(self, len - 1)) : v_null();
  return true;
}

/* ---- maps ---- */

static bool m_keys(Value self, Value *a, int n, const MethodHost *h, Value *out, char **err) {
  (void)a, (void)n, (void)h, (void)err;
  Map *m = as_map(self);
  Value result = v_list();
  for (size_t i = 0; i < m->n; i++)
    list_push(result, value_retain((Value){.kind = V_STRING, .as.obj = &m->keys[i]->hdr}));
  *out = result;
  return true;
}

static bool m_values(Value self, Value *a, int n, const MethodHost *h, Value *out, char **err) {
  (void)a, (void)n, (void)h, (void)err;
  Map *m = as_map(self);
  Value result = v_list();
  for (size_t i = 0; i < m->n; i++) list_push(result, value_retain(m->vals[i]));
  *out = result;
  return true;
}

/* "42" -> 42: text from the environment or a command, as a number */
static bool s_to_int(Value self, Value *a, int n, const MethodHost *h, Value *out, char **err) {
  (void)a, (void)n, (void)h;
  const Str *s = as_str(self);
  char *end = NULL;
  errno = 0;
  long long v = s->len ? strtoll(s->data, &end, 10) : 0;
  if (!s->len || errno || end != s->data + s->len || is_space(s->data[0])) {
    *err = xasprintf("to_int: \"%s\" is not an integer", s->data);
    return false;
  }
  *out = v_int(v);
  return true;
}

static bool m_has(Value self, Value *a, int n, const MethodHost *h, Value *out, char **err) {
  (void)n, (void)h;
  if (!want_string("has", "key", a[0], err)) return false;
  *out = v_bool(map_has_n(self, as_str(a[0])->data, as_str(a[0])->len));
  return true;
}

/* ---- the table ---- */

#define METHODS(M) \
  M(V_STRING, "len", NULL, NULL, 0, "number of characters (UTF-8 code points)", s_len) \
  M(V_STRING, "upper", NULL, NULL, 0, "ASCII letters to upper case", s_upper) \
  M(V_STRING, "lower", NULL, NULL, 0, "ASCII letters to lower case", s_lower) \
  M(V_STRING, "trim", NULL, NULL, 0, "without leading and trailing whitespace", s_trim) \
  M(V_STRING, "split", "sep", NULL, 0, "list of pieces between each sep (default: runs of whitespace)", s_split) \
  M(V_STRING, "replace", "old", "new", 2, "every occurrence of old replaced by new", s_replace) \
  M(V_STRING, "starts_with", "prefix", NULL, 1, "whether the string begins with prefix", s_starts_with) \
  M(V_STRING, "ends_with", "suffix", NULL, 1, "whether the string ends with suffix", s_ends_with) \
  M(V_STRING, "contains", "text", NULL, 1, "whether text occurs in the string", s_contains) \
  M(V_STRING, "to_int", NULL, NULL, 0, "the decimal integer the string holds (an error otherwise)", s_to_int) \
  M(V_LIST, "len", NULL, NULL, 0, "number of items", l_len) \
  M(V_LIST, "map", "fn", NULL, 1, "list of fn(item) for each item", l_map) \
  M(V_LIST, "filter", "fn", NULL, 1, "the items for which fn(item) is truthy", l_filter) \
  M(V_LIST, "join", "sep", NULL, 0, "the items as text, with sep between (default \"\")", l_join) \
  M(V_LIST, "sort", "key", NULL, 0, "sorted ascending, stable; by key(item) when given", l_sort) \
  M(V_LIST, "contains", "item", NULL, 1, "whether an item equals item", l_contains) \
  M(V_LIST, "first", NULL, NULL, 0, "the first item, or null when empty", l_first) \
  M(V_LIST, "last", NULL, NULL, 0, "the last item, or null when empty", l_last) \
  M(V_MAP, "keys", NULL, NULL, 0, "list of the keys, in insertion order", m_keys) \
  M(V_MAP, "values", NULL, NULL, 0, "list of the values, in insertion order", m_values) \
  M(V_MAP, "has", "key", NULL, 1, "whether key is present (even with a null value)", m_has)

#define INFO(kind, name, p0, p1, req, summary, fn) {kind, name, {p0, p1, NULL}, req, summary},
#define FN(kind, name, p0, p1, req, summary, fn) fn,
static const MethodInfo infos[] = {METHODS(INFO)};
static MethodFn *const fns[] = {METHODS(FN)};
#undef INFO
#undef FN
enum { NMETHODS = sizeof infos / sizeof infos[0] };

const MethodInfo *method_table(int *n) {
  *n = NMETHODS;
  return infos;
}

static int find(ValueKind kind, const char *name) {
  for (int i = 0; i < NMETHODS; i++)
    if (infos[i].kind == kind && !strcmp(infos[i].name, name)) return i;
  return -1;
}

const MethodInfo *method_lookup(ValueKind kind, const char *name) {
  int i = find(kind, name);
  return i >= 0 ? &infos[i] : NULL;
}

bool method_exists(ValueKind kind, const char *name) { return find(kind, name) >= 0; }

static const char *kind_name(ValueKind kind) {
  switch (kind) {
  case V_STRING: return "string";
  case V_LIST: return "list";
  case V_MAP: return "map";
  default: return NULL;
  }
}

static bool unknown_method(const char *name, Value self, char **err) {
  const char *best = NULL;
  size_t best_d = (size_t)-1;
  for (int i = 0; i < NMETHODS; i++) {
    if (infos[i].kind != self.kind) continue;
    size_t d = edit_distance(name, infos[i].name);
    if (d < best_d) best_d = d, best = infos[i].name;
  }
  size_t len = strlen(name);
  for (int i = 0; i < NMETHODS && best_d > 1; i++) /* "length" -> "len" */
    if (infos[i].kind == self.kind && !strncmp(name, infos[i].name, strlen(infos[i].name)))
      best_d = 1, best = infos[i].name;
  if (best && best_d <= (len > 5 ? 2 : 1))
    return fail(err, "%s has no method '%s' (did you mean '%s'?)", value_type_name(self), name, best);
  return fail(err, "%s has no method '%s'%s", value_type_name(self), name,
              kind_name(self.kind) ? "" : " (only strings, lists and maps have methods)");
}

static int nparams(const MethodInfo *info) {
  int n = 0;
  while (n < 3 && info->params[n]) n++;
  return n;
}

bool method_call(const char *name, Value self, Value *args, int nargs, const MethodHost *host,
                 Value *out, char **err) {
  int i = find(self.kind, name);
  if (i < 0) return unknown_method(name, self, err);
  int max = nparams(&infos[i]), min = infos[i].required;
  if (nargs < min || nargs > max) {
    if (max == 0) return fail(err, "%s() takes no arguments (%d given)", name, nargs);
    if (min == max)
      return fail(err, "%s() takes %d argument%s (%d given)", name, max, max == 1 ? "" : "s", nargs);
    return fail(err, "%s() takes at most %d argument%s (%d given)", name, max, max == 1 ? "" : "s", nargs);
  }
  return fns[i](self, args, nargs, host, out, err);
}
