/* jsonscan.c — recursive-descent JSON reader into an arena tree. */
#include "prim/jsonscan.h"

#include <stdlib.h>
#include <string.h>

typedef struct Scan {
  Arena *a;
  const char *s, *end, *start;
  const char *why;
  int depth;
} Scan;

enum { MAX_DEPTH = 200 };

static void skip_ws(Scan *sc) {
  while (sc->s < sc->end && (*sc->s == ' ' || *sc->s == '\t' || *sc->s == '\n' || *sc->s == '\r'))
    sc->s++;
}

static Js *fail(Scan *sc, const char *why) {
  if (!sc->why) sc->why = why;
  return NULL;
}

static Js *node(Scan *sc, JsKind kind) {
  Js *v = arena_alloc(sc->a, sizeof *v);
  v->kind = kind;
  return v;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static bool read_hex4(Scan *sc, unsigned *out) {
  if (sc->end - sc->s < 4) return false;
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    int h = hexval(sc->s[i]);
    if (h < 0) return false;
    v = v * 16 + (unsigned)h;
  }
  sc->s += 4;
  *out = v;
  return true;
}

static void put_utf8(Buf *b, unsigned cp) {
  if (cp < 0x80) {
    buf_putc(b, (char)cp);
  } else if (cp < 0x800) {
    buf_putc(b, (char)(0xC0 | cp >> 6));
    buf_putc(b, (char)(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    buf_putc(b, (char)(0xE0 | cp >> 12));
    buf_putc(b, (char)(0x80 | (cp >> 6 & 0x3F)));
    buf_putc(b, (char)(0x80 | (cp & 0x3F)));
  } else {
    buf_putc(b, (char)(0xF0 | cp >> 18));
    buf_putc(b, (char)(0x80 | (cp >> 12 & 0x3F)));
    buf_putc(b, (char)(0x80 | (cp >> 6 & 0x3F)));
    buf_putc(b, (char)(0x80 | (cp & 0x3F)));
  }
}

static bool read_escape(Scan *sc, Buf *b) {
  if (sc->s >= sc->end) return false;
  char c = *sc->s++;
  static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
  const char *p = memchr(from, c, sizeof from - 1);
  if (p) {
    buf_putc(b, to[p - from]);
    return true;
  }
  unsigned cp;
  if (c != 'u' || !read_hex4(sc, &cp)) return false;
  if (cp >= 0xD800 && cp < 0xDC00 && sc->end - sc->s >= 6 && sc->s[0] == '\\' && sc->s[1] == 'u') {
    const char *save = sc->s;
    unsigned lo;
    sc->s += 2;
    if (read_hex4(sc, &lo) && lo >= 0xDC00 && lo < 0xE000)
      cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    else
      sc->s = save;
  }
  put_utf8(b, cp);
  return true;
}

static const char *read_string(Scan *sc) {
  sc->s++; /* opening quote */
  Buf b = {0};
  while (sc->s < sc->end && *sc->s != '"') {
    unsigned char c = (unsigned char)*sc->s;
    if (c < 0x20) break;
    if (c == '\\') {
      sc->s++;
      if (!read_escape(sc, &b)) break;
    } else {
      buf_putc(&b, *sc->s++);
    }
  }
  if (sc->s >= sc->end || *sc->s != '"') {
    buf_free(&b);
    fail(sc, sc->s >= sc->end ? "unterminated string" : "bad character in string");
    return NULL;
  }
  sc->s++;
  const char *out = arena_strndup(sc->a, b.data ? b.data : "", b.len);
  buf_free(&b);
  return out;
}

static Js *parse_value(Scan *sc);

static Js *parse_array(Scan *sc) {
  Js *v = node(sc, JS_ARRAY);
  Js **items = NULL;
  size_t n = 0, cap = 0;
  sc->s++;
  skip_ws(sc);
  if (sc->s < sc->end && *sc->s == ']') {
    sc->s++;
    return v;
  }
  for (;;) {
    Js *item = parse_value(sc);
    if (!item) break;
    VEC_PUSH(items, n, cap, item);
    skip_ws(sc);
    if (sc->s < sc->end && *sc->s == ',') {
      sc->s++;
      continue;
    }
    if (sc->s < sc->end && *sc->s == ']') {
      sc->s++;
      v->items = arena_alloc(sc->a, n * sizeof *items + 1);
      if (n) memcpy(v->items, items, n * sizeof *items);
      v->n = n;
      free(items);
      return v;
    }
    fail(sc, sc->s >= sc->end ? "unexpected end of input" : "expected ',' or ']'");
    break;
  }
  free(items);
  return NULL;
}

static Js *parse_object(Scan *sc) {
  Js *v = node(sc, JS_OBJECT);
  Js **items = NULL;
  const char **keys = NULL;
  size_t n = 0, cap = 0, kn = 0, kcap = 0;
  sc->s++;
  skip_ws(sc);
  if (sc->s < sc->end && *sc->s == '}') {
    sc->s++;
    return v;
  }
  for (;;) {
    skip_ws(sc);
    if (sc->s >= sc->end || *sc->s != '"') {
      fail(sc, sc->s >= sc->end ? "unexpected end of input" : "expected a key");
      break;
    }
    const char *key = read_string(sc);
    if (!key) break;
    skip_ws(sc);
    if (sc->s >= sc->end || *sc->s != ':') {
      fail(sc, sc->s >= sc->end ? "unexpected end of input" : "expected ':'");
      break;
    }
    sc->s++;
    Js *item = parse_value(sc);
    if (!item) break;
    VEC_PUSH(keys, kn, kcap, key);
    VEC_PUSH(items, n, cap, item);
    skip_ws(sc);
    if (sc->s < sc->end && *sc->s == ',') {
      sc->s++;
      continue;
    }
    if (sc->s < sc->end && *sc->s == '}') {
      sc->s++;
      v->items = arena_alloc(sc->a, n * sizeof *items);
      v->keys = arena_alloc(sc->a, n * sizeof *keys);
      memcpy(v->items, items, n * sizeof *items);
      memcpy(v->keys, keys, n * sizeof *keys);
      v->n = n;
      free(items);
      free(keys);
      return v;
    }
    fail(sc, sc->s >= sc->end ? "unexpected end of input" : "expected ',' or '}'");
    break;
  }
  free(items);
  free(keys);
  return NULL;
}

static bool literal(Scan *sc, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(sc->end - sc->s) < n || memcmp(sc->s, word, n) != 0) return false;
  sc->s += n;
  return true;
}

static Js *parse_number(Scan *sc) {
  const char *p = sc->s;
  if (p < sc->end && *p == '-') p++;
  size_t digits = 0;
  while (p < sc->end && *p && strchr("0123456789.eE+-", *p)) p++, digits++;
  if (!digits) return fail(sc, "unexpected character");
  char tmp[64];
  size_t len = (size_t)(p - sc->s);
  if (len >= sizeof tmp) return fail(sc, "number too long");
  memcpy(tmp, sc->s, len);
  tmp[len] = 0;
  char *endp;
  double d = strtod(tmp, &endp);
  if (*endp) return fail(sc, "bad number");
  Js *v = node(sc, JS_NUMBER);
  v->num = d;
  sc->s = p;
  return v;
}

static Js *parse_value(Scan *sc) {
  skip_ws(sc);
  if (sc->s >= sc->end) return fail(sc, "unexpected end of input");
  if (++sc->depth > MAX_DEPTH) return fail(sc, "nested too deeply");
  Js *v = NULL;
  switch (*sc->s) {
  case '{': v = parse_object(sc); break;
  case '[': v = parse_array(sc); break;
  case '"': {
    const char *s = read_string(sc);
    if (s) {
      v = node(sc, JS_STRING);
      v->str = s;
    }
    break;
  }
  case 't':
  case 'f':
  case 'n':
    if (literal(sc, "true") || literal(sc, "false")) {
      v = node(sc, JS_BOOL);
      v->b = sc->s[-1] == 'e' && sc->s[-2] == 'u';
    } else if (literal(sc, "null")) {
      v = node(sc, JS_NULL);
    } else {
      fail(sc, "unexpected character");
    }
    break;
  default: v = parse_number(sc);
  }
  sc->depth--;
  return v;
}

Js *js_parse(Arena *a, const char *text, size_t len, char **err) {
  Scan sc = {.a = a, .s = text, .end = text + len, .start = text};
  Js *v = parse_value(&sc);
  if (v) {
    skip_ws(&sc);
    if (sc.s < sc.end) v = fail(&sc, "trailing characters");
  }
  if (!v) *err = xasprintf("invalid JSON at byte %zu: %s", (size_t)(sc.s - sc.start), sc.why);
  return v;
}

const Js *js_get(const Js *obj, const char *key) {
  if (!obj || obj->kind != JS_OBJECT) return NULL;
  for (size_t i = 0; i < obj->n; i++)
    if (strcmp(obj->keys[i], key) == 0) return obj->items[i];
  return NULL;
}

const char *js_str(const Js *v) { return v && v->kind == JS_STRING ? v->str : NULL; }

const char *js_get_str(const Js *obj, const char *key) { return js_str(js_get(obj, key)); }
