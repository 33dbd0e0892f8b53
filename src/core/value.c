/* value.c — constructors, reference counting, lists, ordered maps,
 * regexes, and the semantics every operator relies on (truthiness,
 * equality, ordering, secret taint, text forms). */
#include "core/value.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* ---- constructors ---- */

Value v_null(void) { return V_NULL_VALUE; }
Value v_bool(bool b) { return (Value){.kind = V_BOOL, .as.b = b}; }
Value v_int(int64_t i) { return (Value){.kind = V_INT, .as.i = i}; }
Value v_float(double f) { return (Value){.kind = V_FLOAT, .as.f = f}; }
Value v_duration(int64_t ms) { return (Value){.kind = V_DURATION, .as.i = ms}; }

static Value obj_value(Obj *o, ValueKind kind) {
  o->refs = 1;
  o->kind = kind;
  return (Value){.kind = kind, .as.obj = o};
}

static Str *str_alloc(size_t len) {
  Str *s = xmalloc(sizeof *s + len + 1);
  s->secret = false;
  s->len = len;
  s->data[len] = 0;
  return s;
}

Value v_str(const char *s, size_t len) {
  Str *str = str_alloc(len);
  if (len) memcpy(str->data, s, len);
  return obj_value(&str->hdr, V_STRING);
}

Value v_cstr(const char *s) { return v_str(s, strlen(s)); }

/* A Str keeps its bytes inline (one allocation per string), so a handed-over
 * buffer is copied once and freed. */
Value v_str_take(char *s) {
  Value v = v_cstr(s);
  free(s);
  return v;
}

Value v_strf(const char *fmt, ...) {
  Buf b = {0};
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  Value v = v_str(b.data ? b.data : "", b.len);
  buf_free(&b);
  return v;
}

Value v_list(void) { return obj_value(&((List *)xcalloc(1, sizeof(List)))->hdr, V_LIST); }
Value v_map(void) { return obj_value(&((Map *)xcalloc(1, sizeof(Map)))->hdr, V_MAP); }

Value v_regex(const char *pattern, size_t len, char **err, size_t *err_off) {
  int code;
  PCRE2_SIZE off;
  /* MATCH_INVALID_UTF: subjects are arbitrary command output, which need
   * not be valid UTF-8; such bytes simply never match a character. */
  pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, len,
                                 RP_PCRE2_OPTIONS, &code, &off, NULL);
  if (!re) {
    PCRE2_UCHAR msg[256];
    if (pcre2_get_error_message(code, msg, sizeof msg) < 0) strcpy((char *)msg, "invalid pattern");
    if (err) *err = xstrdup((char *)msg);
    if (err_off) *err_off = off;
    return V_NULL_VALUE;
  }
  pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* failure just means no JIT: matching still works */
  Regex *r = xcalloc(1, sizeof *r);
  r->pattern = xstrndup(pattern, len);
  r->code = re;
  r->match_data = pcre2_match_data_create_from_pattern(re, NULL);
  if (!r->match_data) {
    fputs("rp: out of memory\n", stderr);
    abort();
  }
  return obj_value(&r->hdr, V_REGEX);
}

Value v_object(Object *o) { return obj_value(&o->hdr, V_OBJECT); }

bool regex_search(Value re, const char *s, size_t len, char **err) {
  Regex *r = as_regex(re);
  int rc = pcre2_match(r->code, (PCRE2_SPTR)s, len, 0, 0, r->match_data, NULL);
  if (rc >= 0) return true;
  if (rc != PCRE2_ERROR_NOMATCH && err) {
    PCRE2_UCHAR msg[256];
    if (pcre2_get_error_message(rc, msg, sizeof msg) < 0) strcpy((char *)msg, "match failed");
    *err = xasprintf("regex /%s/: %s", r->pattern, (char *)msg);
  }
  return false;
}

/* ---- reference counting ---- */

static bool is_heap(ValueKind k) { return k >= V_STRING; }

Value value_retain(Value v) {
  if (is_heap(v.kind)) v.as.obj->refs++;
  return v;
}

static void map_free(Map *m);

void value_release(Value v) {
  if (!is_heap(v.kind) || --v.as.obj->refs > 0) return;
  switch (v.kind) {
  case V_LIST: {
    List *l = as_list(v);
    for (size_t i = 0; i < l->n; i++) value_release(l->items[i]);
    free(l->items);
    break;
  }
  case V_MAP:
    map_free(as_map(v));
    break;
  case V_REGEX: {
    Regex *r = as_regex(v);
    pcre2_match_data_free(r->match_data);
    pcre2_code_free(r->code);
    free(r->pattern);
    break;
  }
  case V_OBJECT: {
    Object *o = as_object(v);
    if (o->type && o->type->free) o->type->free(&o->hdr);
    break;
  }
  default:
    break;
  }
  free(v.as.obj);
}

/* ---- lists ---- */

void list_push(Value list, Value item) {
  List *l = as_list(list);
  VEC_PUSH(l->items, l->n, l->cap, item);
}

Value list_get(Value list, size_t i) {
  List *l = as_list(list);
  return i < l->n ? l->items[i] : V_NULL_VALUE;
}

void list_set(Value list, size_t i, Value item) {
  List *l = as_list(list);
  if (i >= l->n) {
    fprintf(stderr, "rp: internal error: list_set index %zu of %zu\n", i, l->n);
    abort();
  }
  Value old = l->items[i];
  l->items[i] = item;
  value_release(old);
}

size_t list_len(Value list) { return as_list(list)->n; }

Value list_copy(Value list) {
  List *src = as_list(list);
  Value out = v_list();
  List *l = as_list(out);
  l->cap = src->n;
  l->items = src->n ? xmalloc(src->n * sizeof *l->items) : NULL;
  for (size_t i = 0; i < src->n; i++) l->items[i] = value_retain(src->items[i]);
  l->n = src->n;
  return out;
}

/* ---- maps ----
 * Entries sit in insertion order in keys/vals/hashes. Small maps are
 * searched linearly (comparing hashes first); past MAP_SCAN entries an
 * open-addressing index with linear probing maps a hash to position + 1,
 * kept at most half full so probe chains stay short. */

enum { MAP_SCAN = 8 };

uint32_t str_hash(const char *s, size_t len) {
  uint64_t h = 0xcbf29ce484222325u; /* FNV-1a, then a murmur3 finaliser to spread the low bits */
  for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3u;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdu;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53u;
  h ^= h >> 33;
  return (uint32_t)h;
}

static bool key_is(const Str *k, const char *s, size_t len) {
  return k->len == len && memcmp(k->data, s, len) == 0;
}

/* Position of `key` in the entries, or -1. */
static ptrdiff_t map_find(const Map *m, const char *key, size_t len, uint32_t h) {
  if (!m->index) {
    for (size_t i = 0; i < m->n; i++)
      if (m->hashes[i] == h && key_is(m->keys[i], key, len)) return (ptrdiff_t)i;
    return -1;
  }
  size_t mask = m->index_cap - 1;
  for (size_t slot = h & mask;; slot = (slot + 1) & mask) {
    uint32_t e = m->index[slot];
    if (!e) return -1;
    if (m->hashes[e - 1] == h && key_is(m->keys[e - 1], key, len)) return (ptrdiff_t)e - 1;
  }
}

static void index_insert(Map *m, size_t pos) {
  size_t mask = m->index_cap - 1;
  size_t slot = m->hashes[pos] & mask;
  while (m->index[slot]) slot = (slot + 1) & mask;
  m->index[slot] = (uint32_t)pos + 1;
}

static void index_rebuild(Map *m, size_t cap) {
  free(m->index);
  m->index_cap = cap;
  m->index = xcalloc(cap, sizeof *m->index);
  for (size_t i = 0; i < m->n; i++) index_insert(m, i);
}

static void map_append(Map *m, Str *key, uint32_t h, Value val) {
  if (m->n == m->cap) {
    m->cap = m->cap ? m->cap * 2 : 4;
    m->keys = xrealloc(m->keys, m->cap * sizeof *m->keys);
    m->vals = xrealloc(m->vals, m->cap * sizeof *m->vals);
    m->hashes = xrealloc(m->hashes, m->cap * sizeof *m->hashes);
  }
  if (m->n == UINT32_MAX - 1) { /* the index holds positions + 1 in 32 bits */
    fputs("rp: map too large\n", stderr);
    abort();
  }
  size_t pos = m->n++;
  m->keys[pos] = key;
  m->vals[pos] = val;
  m->hashes[pos] = h;
  if (m->index && m->n * 2 <= m->index_cap) index_insert(m, pos);
  else if (m->index || m->n > MAP_SCAN) index_rebuild(m, m->index_cap ? m->index_cap * 2 : 32);
}

static void map_put(Value map, const char *key, size_t len, Str *owned_key, Value val) {
  Map *m = as_map(map);
  uint32_t h = str_hash(key, len);
  ptrdiff_t at = map_find(m, key, len, h);
  if (at >= 0) { /* an existing key keeps its place */
    Value old = m->vals[at];
    m->vals[at] = val;
    value_release(old);
    if (owned_key) value_release((Value){.kind = V_STRING, .as.obj = &owned_key->hdr});
    return;
  }
  if (!owned_key) owned_key = as_str(v_str(key, len));
  map_append(m, owned_key, h, val);
}

void map_set(Value map, const char *key, Value val) { map_put(map, key, strlen(key), NULL, val); }

void map_set_str(Value map, Str *key, Value val) {
  key->hdr.refs++;
  map_put(map, key->data, key->len, key, val);
}

Value map_get_n(Value map, const char *key, size_t len) {
  Map *m = as_map(map);
  ptrdiff_t at = map_find(m, key, len, str_hash(key, len));
  return at >= 0 ? m->vals[at] : V_NULL_VALUE;
}

Value map_get(Value map, const char *key) { return map_get_n(map, key, strlen(key)); }

bool map_has_n(Value map, const char *key, size_t len) {
  return map_find(as_map(map), key, len, str_hash(key, len)) >= 0;
}

bool map_has(Value map, const char *key) { return map_has_n(map, key, strlen(key)); }

Value value_get(Value v, const char *key) { return v.kind == V_MAP ? map_get(v, key) : V_NULL_VALUE; }

const char *value_get_str(Value v, const char *key) {
  Value s = value_get(v, key);
  return is_str(s) ? str_chars(s) : NULL;
}

/* Empty the index slot holding position + 1 == e, shifting later members
 * of its probe chain back so lookups never stop early at a hole. */
static void index_remove(Map *m, uint32_t e) {
  size_t mask = m->index_cap - 1;
  size_t hole = m->hashes[e - 1] & mask;
  while (m->index[hole] != e) hole = (hole + 1) & mask;
  for (size_t j = (hole + 1) & mask; m->index[j]; j = (j + 1) & mask) {
    size_t home = m->hashes[m->index[j] - 1] & mask;
    /* the entry at j may fill the hole unless its home lies cyclically in (hole, j] */
    bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (!stays) {
      m->index[hole] = m->index[j];
      hole = j;
    }
  }
  m->index[hole] = 0;
}

bool map_delete_n(Value map, const char *key, size_t len) {
  Map *m = as_map(map);
  ptrdiff_t at = map_find(m, key, len, str_hash(key, len));
  if (at < 0) return false;
  size_t pos = (size_t)at;
  if (m->index) {
    index_remove(m, (uint32_t)pos + 1);
    /* entries after pos move down one place; so do their index entries */
    for (size_t s = 0; s < m->index_cap; s++)
      if (m->index[s] > pos + 1) m->index[s]--;
  }
  Str *k = m->keys[pos];
  Value v = m->vals[pos];
  size_t tail = m->n - pos - 1;
  memmove(m->keys + pos, m->keys + pos + 1, tail * sizeof *m->keys);
  memmove(m->vals + pos, m->vals + pos + 1, tail * sizeof *m->vals);
  memmove(m->hashes + pos, m->hashes + pos + 1, tail * sizeof *m->hashes);
  m->n--;
  value_release((Value){.kind = V_STRING, .as.obj = &k->hdr});
  value_release(v);
  return true;
}

bool map_delete(Value map, const char *key) { return map_delete_n(map, key, strlen(key)); }

size_t map_len(Value map) { return as_map(map)->n; }

Value map_copy(Value map) {
  Map *src = as_map(map);
  Value out = v_map();
  Map *m = as_map(out);
  if (src->n) {
    m->cap = src->n;
    m->keys = xmalloc(m->cap * sizeof *m->keys);
    m->vals = xmalloc(m->cap * sizeof *m->vals);
    m->hashes = xmalloc(m->cap * sizeof *m->hashes);
  }
  for (size_t i = 0; i < src->n; i++) {
    src->keys[i]->hdr.refs++;
    m->keys[i] = src->keys[i];
    m->vals[i] = value_retain(src->vals[i]);
    m->hashes[i] = src->hashes[i];
  }
  m->n = src->n;
  if (src->index) {
    m->index_cap = src->index_cap;
    m->index = xmalloc(m->index_cap * sizeof *m->index);
    memcpy(m->index, src->index, m->index_cap * sizeof *m->index);
  }
  return out;
}

static void map_free(Map *m) {
  for (size_t i = 0; i < m->n; i++) {
    value_release((Value){.kind = V_STRING, .as.obj = &m->keys[i]->hdr});
    value_release(m->vals[i]);
  }
  free(m->keys);
  free(m->vals);
  free(m->hashes);
  free(m->index);
}

/* ---- semantics ---- */

const char *value_type_name(Value v) {
  switch (v.kind) {
  case V_NULL: return "null";
  case V_BOOL: return "bool";
  case V_INT: return "int";
  case V_FLOAT: return "float";
  case V_DURATION: return "duration";
  case V_STRING: return "string";
  case V_LIST: return "list";
  case V_MAP: return "map";
  case V_REGEX: return "regex";
  case V_OBJECT: return as_object(v)->type ? as_object(v)->type->name : "object";
  }
  return "?";
}

bool value_truthy(Value v) {
  switch (v.kind) {
  case V_NULL: return false;
  case V_BOOL: return v.as.b;
  case V_INT: case V_DURATION: return v.as.i != 0;
  case V_FLOAT: return v.as.f != 0.0;
  case V_STRING: return as_str(v)->len > 0;
  case V_LIST: return as_list(v)->n > 0;
  case V_MAP: return as_map(v)->n > 0;
  default: return true;
  }
}

/* Exact ordering of an int and a double: converting either way loses
 * precision beyond 2^53, so compare integer parts, then the fraction. */
static int cmp_int_float(int64_t i, double f) {
  if (f >= 9223372036854775808.0) return -1;
  if (f < -9223372036854775808.0) return 1;
  double whole = trunc(f);
  int64_t t = (int64_t)whole;
  if (i != t) return i < t ? -1 : 1;
  double frac = f - whole;
  return frac > 0 ? -1 : frac < 0 ? 1 : 0;
}

static bool is_number(Value v) { return v.kind == V_INT || v.kind == V_FLOAT; }

static int cmp_bytes(const Str *a, const Str *b) {
  size_t n = a->len < b->len ? a->len : b->len;
  int c = memcmp(a->data, b->data, n);
  if (c) return c < 0 ? -1 : 1;
  return a->len < b->len ? -1 : a->len > b->len;
}

bool value_equal(Value a, Value b) {
  if (is_number(a) && is_number(b)) {
    if (a.kind == V_INT && b.kind == V_INT) return a.as.i == b.as.i;
    if (a.kind == V_FLOAT && b.kind == V_FLOAT) return a.as.f == b.as.f;
    double f = a.kind == V_FLOAT ? a.as.f : b.as.f;
    int64_t i = a.kind == V_INT ? a.as.i : b.as.i;
    return !isnan(f) && cmp_int_float(i, f) == 0;
  }
  if (a.kind != b.kind) return false;
  switch (a.kind) {
  case V_NULL: return true;
  case V_BOOL: return a.as.b == b.as.b;
  case V_DURATION: return a.as.i == b.as.i;
  case V_STRING: return cmp_bytes(as_str(a), as_str(b)) == 0;
  case V_LIST: {
    List *x = as_list(a), *y = as_list(b);
    if (x->n != y->n) return false;
    for (size_t i = 0; i < x->n; i++)
      if (!value_equal(x->items[i], y->items[i])) return false;
    return true;
  }
  case V_MAP: { /* same keys with equal values, in any order */
    Map *x = as_map(a), *y = as_map(b);
    if (x->n != y->n) return false;
    for (size_t i = 0; i < x->n; i++) {
      ptrdiff_t at = map_find(y, x->keys[i]->data, x->keys[i]->len, x->hashes[i]);
      if (at < 0 || !value_equal(x->vals[i], y->vals[at])) return false;
    }
    return true;
  }
  case V_REGEX: return strcmp(as_regex(a)->pattern, as_regex(b)->pattern) == 0;
  default: return a.as.obj == b.as.obj;
  }
}

int value_compare(Value a, Value b, bool *ok) {
  *ok = true;
  if (is_number(a) && is_number(b)) {
    if (a.kind == V_INT && b.kind == V_INT) return (a.as.i > b.as.i) - (a.as.i < b.as.i);
    if ((a.kind == V_FLOAT && isnan(a.as.f)) || (b.kind == V_FLOAT && isnan(b.as.f))) {
      *ok = false;
      return 0;
    }
    if (a.kind == V_FLOAT && b.kind == V_FLOAT) return (a.as.f > b.as.f) - (a.as.f < b.as.f);
    if (a.kind == V_INT) return cmp_int_float(a.as.i, b.as.f);
    return -cmp_int_float(b.as.i, a.as.f);
  }
  if (a.kind == b.kind) {
    switch (a.kind) {
    case V_DURATION: return (a.as.i > b.as.i) - (a.as.i < b.as.i);
    case V_STRING: return cmp_bytes(as_str(a), as_str(b));
    case V_LIST: {
      List *x = as_list(a), *y = as_list(b);
      for (size_t i = 0; i < x->n && i < y->n; i++) {
        int c = value_compare(x->items[i], y->items[i], ok);
        if (!*ok || c) return c;
      }
      return (x->n > y->n) - (x->n < y->n);
    }
    default: break;
    }
  }
  *ok = false;
  return 0;
}

bool value_is_secret(Value v) {
  switch (v.kind) {
  case V_STRING: return as_str(v)->secret;
  case V_LIST:
    for (size_t i = 0; i < as_list(v)->n; i++)
      if (value_is_secret(as_list(v)->items[i])) return true;
    return false;
  case V_MAP:
    for (size_t i = 0; i < as_map(v)->n; i++)
      if (as_map(v)->keys[i]->secret || value_is_secret(as_map(v)->vals[i])) return true;
    return false;
  default: return false;
  }
}

/* A copy of a list or map with every string in it marked. Keys are left
 * as they are: they name fields ("match", an output) far more often than
 * they hold secret text. */
static Value mark_items(Value v) {
  Value out;
  if (v.kind == V_LIST) {
    out = v_list();
    for (size_t i = 0; i < list_len(v); i++) list_push(out, value_mark_secret(value_retain(list_get(v, i))));
  } else {
    out = v_map();
    Map *m = as_map(v);
    for (size_t i = 0; i < m->n; i++) map_set_str(out, m->keys[i], value_mark_secret(value_retain(m->vals[i])));
  }
  value_release(v);
  return out;
}

/* Strings are immutable to their holders, so a shared one is copied
 * rather than tainted under another holder's feet. */
Value value_mark_secret(Value v) {
  if (v.kind == V_LIST || v.kind == V_MAP) return mark_items(v);
  if (v.kind != V_STRING || as_str(v)->secret) return v;
  if (v.as.obj->refs > 1) {
    Value copy = v_str(as_str(v)->data, as_str(v)->len);
    value_release(v);
    v = copy;
  }
  as_str(v)->secret = true;
  return v;
}

/* ---- text ---- */

void format_duration(int64_t ms, Buf *out) {
  if (ms == 0) {
    buf_puts(out, "0s");
    return;
  }
  uint64_t u = ms < 0 ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms;
  if (ms < 0) buf_putc(out, '-');
  static const struct { const char *unit; uint64_t ms; } units[] = {
      {"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}};
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
    if (u >= units[i].ms) {
      buf_printf(out, "%llu%s", (unsigned long long)(u / units[i].ms), units[i].unit);
      u %= units[i].ms;
    }
  }
}

/* printf/strtod use the C locale's '.': rp never sets LC_NUMERIC. */
void format_float(double f, Buf *out) {
  if (isnan(f)) {
    buf_puts(out, "nan");
    return;
  }
  if (isinf(f)) {
    buf_puts(out, f < 0 ? "-inf" : "inf");
    return;
  }
  char tmp[40];
  int prec = 1;
  for (; prec < 17; prec++) {
    snprintf(tmp, sizeof tmp, "%.*g", prec, f);
    if (strtod(tmp, NULL) == f) break;
  }
  snprintf(tmp, sizeof tmp, "%.*e", prec - 1, f); /* the shortest digits, and their exponent */
  int exp = atoi(strchr(tmp, 'e') + 1);
  if (exp >= -4 && exp < 16) { /* plain notation, as people write numbers: 100.0, 0.0001 */
    snprintf(tmp, sizeof tmp, "%.*f", prec - 1 - exp > 0 ? prec - 1 - exp : 0, f);
    buf_puts(out, tmp);
    if (!strchr(tmp, '.')) buf_puts(out, ".0");
    return;
  }
  /* scientific, kept visibly a float and valid JSON: 1.0e+300, 1.5e-10 */
  char *e = strchr(tmp, 'e');
  buf_putn(out, tmp, (size_t)(e - tmp));
  if (!memchr(tmp, '.', (size_t)(e - tmp))) buf_puts(out, ".0");
  buf_puts(out, e);
}

static void show_quoted(const char *s, size_t len, Buf *out) {
  buf_putc(out, '"');
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    switch (c) {
    case '"': buf_puts(out, "\\\""); break;
    case '\\': buf_puts(out, "\\\\"); break;
    case '\n': buf_puts(out, "\\n"); break;
    case '\t': buf_puts(out, "\\t"); break;
    case '\r': buf_puts(out, "\\r"); break;
    case '$':
      buf_puts(out, i + 1 < len && s[i + 1] == '{' ? "\\$" : "$"); /* not an interpolation */
      break;
    default:
      if (c < 0x20 || c == 0x7f) buf_printf(out, "\\x%02x", c);
      else buf_putc(out, (char)c);
    }
  }
  buf_putc(out, '"');
}

static bool is_identifier(const Str *k) {
  if (!k->len || !(isalpha((unsigned char)k->data[0]) || k->data[0] == '_')) return false;
  for (size_t i = 1; i < k->len; i++)
    if (!(isalnum((unsigned char)k->data[i]) || k->data[i] == '_')) return false;
  return true;
}

enum { SHOW_DEPTH = 100 }; /* deeper containers print as "..." */

static void show(Value v, Buf *out, int depth) {
  switch (v.kind) {
  case V_NULL: buf_puts(out, "null"); break;
  case V_BOOL: buf_puts(out, v.as.b ? "true" : "false"); break;
  case V_INT: buf_printf(out, "%lld", (long long)v.as.i); break;
  case V_FLOAT: format_float(v.as.f, out); break;
  case V_DURATION: format_duration(v.as.i, out); break;
  case V_STRING: show_quoted(as_str(v)->data, as_str(v)->len, out); break;
  case V_LIST: {
    List *l = as_list(v);
    if (depth >= SHOW_DEPTH && l->n) {
      buf_puts(out, "[...]");
      break;
    }
    buf_putc(out, '[');
    for (size_t i = 0; i < l->n; i++) {
      if (i) buf_puts(out, ", ");
      show(l->items[i], out, depth + 1);
    }
    buf_putc(out, ']');
    break;
  }
  case V_MAP: {
    Map *m = as_map(v);
    if (depth >= SHOW_DEPTH && m->n) {
      buf_puts(out, "{...}");
      break;
    }
    buf_putc(out, '{');
    for (size_t i = 0; i < m->n; i++) {
      if (i) buf_puts(out, ", ");
      if (is_identifier(m->keys[i])) buf_putn(out, m->keys[i]->data, m->keys[i]->len);
      else show_quoted(m->keys[i]->data, m->keys[i]->len, out);
      buf_puts(out, ": ");
      show(m->vals[i], out, depth + 1);
    }
    buf_putc(out, '}');
    break;
  }
  case V_REGEX: {
    buf_puts(out, "re\"");
    buf_puts(out, as_regex(v)->pattern);
    buf_putc(out, '"');
    break;
  }
  case V_OBJECT: {
    Object *o = as_object(v);
    if (o->type && o->type->show) o->type->show(&o->hdr, out);
    else buf_printf(out, "<%s>", value_type_name(v));
    break;
  }
  }
}

void value_show(Value v, Buf *out) { show(v, out, 0); }

void value_to_text(Value v, Buf *out) {
  if (v.kind == V_STRING) buf_putn(out, as_str(v)->data, as_str(v)->len);
  else if (v.kind == V_REGEX) buf_puts(out, as_regex(v)->pattern);
  else show(v, out, 0);
}

char *value_to_cstr(Value v) {
  Buf b = {0};
  value_to_text(v, &b);
  return buf_take(&b);
}
