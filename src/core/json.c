/* json.c — JSON text to values and back (RFC 8259).
 *
 * The parser is strict: what another tool would reject (trailing commas,
 * comments, leading zeros, raw control characters, invalid UTF-8, lone
 * surrogates) is an error with its line:col, because a pipeline that
 * silently accepts a broken document fails later and further away. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/value.h"

/* ---- encoding ---- */

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid.
 * Rejects overlong forms, surrogates and code points past U+10FFFF. */
static size_t utf8_valid(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  size_t len;
  uint32_t cp;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) len = 2, cp = c & 0x1f;
  else if (c >= 0xe0 && c <= 0xef) len = 3, cp = c & 0x0f;
  else if (c >= 0xf0 && c <= 0xf4) len = 4, cp = c & 0x07;
  else return 0;
  if (n < len) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80) return 0;
    cp = cp << 6 | (s[i] & 0x3f);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff))) return 0;
  if (cp >= 0xd800 && cp <= 0xdfff) return 0;
  return len;
}

/* Valid UTF-8 passes through unescaped; a byte that is not valid UTF-8
 * becomes U+FFFD so the output is always valid JSON. */
static void encode_string(const char *s, size_t len, Buf *out) {
  const unsigned char *p = (const unsigned char *)s;
  buf_putc(out, '"');
  size_t i = 0;
  while (i < len) {
    size_t run = i; /* copy plain bytes in runs */
    while (run < len && p[run] >= 0x20 && p[run] < 0x80 && p[run] != '"' && p[run] != '\\') run++;
    buf_putn(out, s + i, run - i);
    i = run;
    if (i >= len) break;
    unsigned char c = p[i];
    if (c >= 0x80) {
      size_t n = utf8_valid(p + i, len - i);
      if (n) buf_putn(out, s + i, n), i += n;
      else buf_puts(out, "\\ufffd"), i++;
      continue;
    }
    switch (c) {
    case '"': buf_puts(out, "\\\""); break;
    case '\\': buf_puts(out, "\\\\"); break;
    case '\b': buf_puts(out, "\\b"); break;
    case '\f': buf_puts(out, "\\f"); break;
    case '\n': buf_puts(out, "\\n"); break;
    case '\r': buf_puts(out, "\\r"); break;
    case '\t': buf_puts(out, "\\t"); break;
    default: buf_printf(out, "\\u%04x", c);
    }
    i++;
  }
  buf_putc(out, '"');
}

static void newline(Buf *out, bool pretty, int depth) {
  if (!pretty) return;
  buf_putc(out, '\n');
  for (int i = 0; i < depth; i++) buf_puts(out, "  ");
}

enum { JSON_MAX_DEPTH = 512 };

static void encode(Value v, Buf *out, bool pretty, int depth) {
  switch (v.kind) {
  case V_NULL: buf_puts(out, "null"); break;
  case V_BOOL: buf_puts(out, v.as.b ? "true" : "false"); break;
  case V_INT: buf_printf(out, "%lld", (long long)v.as.i); break;
  case V_FLOAT:
    if (isnan(v.as.f) || isinf(v.as.f)) buf_puts(out, "null"); /* JSON has no NaN or infinity */
    else format_float(v.as.f, out);
    break;
  case V_STRING: encode_string(as_str(v)->data, as_str(v)->len, out); break;
  case V_LIST: {
    List *l = as_list(v);
    if (!l->n || depth >= JSON_MAX_DEPTH) {
      buf_puts(out, l->n ? "null" : "[]");
      break;
    }
    buf_putc(out, '[');
    for (size_t i = 0; i < l->n; i++) {
      if (i) buf_putc(out, ',');
      newline(out, pretty, depth + 1);
      encode(l->items[i], out, pretty, depth + 1);
    }
    newline(out, pretty, depth);
    buf_putc(out, ']');
    break;
  }
  case V_MAP: {
    Map *m = as_map(v);
    if (!m->n || depth >= JSON_MAX_DEPTH) {
      buf_puts(out, m->n ? "null" : "{}");
      break;
    }
    buf_putc(out, '{');
    for (size_t i = 0; i < m->n; i++) {
      if (i) buf_putc(out, ',');
      newline(out, pretty, depth + 1);
      encode_string(m->keys[i]->data, m->keys[i]->len, out);
      buf_puts(out, pretty ? ": " : ":");
      encode(m->vals[i], out, pretty, depth + 1);
    }
    newline(out, pretty, depth);
    buf_putc(out, '}');
    break;
  }
  case V_REGEX: {
    const char *p = as_regex(v)->pattern;
    encode_string(p, strlen(p), out);
    break;
  }
  case V_DURATION:
  case V_OBJECT: { /* as their text: "5m", "<function deploy>" */
    Buf text = {0};
    value_show(v, &text);
    encode_string(text.data, text.len, out);
    buf_free(&text);
    break;
  }
  }
}

void json_encode(Value v, Buf *out, bool pretty) { encode(v, out, pretty, 0); }

/* ---- parsing ---- */

typedef struct Parser {
  const unsigned char *s, *end, *p;
  int depth;
  char *err;
} Parser;

/* Records the first error, at byte `at`, as "line:col: message". */
static bool fail_at(Parser *ps, const unsigned char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool fail_at(Parser *ps, const unsigned char *at, const char *fmt, ...) {
  if (ps->err) return false;
  unsigned line = 1, col = 1;
  for (const unsigned char *q = ps->s; q < at; q++) {
    if (*q == '\n') line++, col = 1;
    else col++;
  }
  Buf b = {0};
  buf_printf(&b, "%u:%u: ", line, col);
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  ps->err = buf_take(&b);
  return false;
}

/* Names the byte at p for an error message. */
static const char *describe(Parser *ps, const unsigned char *p, char tmp[16]) {
  if (p >= ps->end) return "end of input";
  if (*p >= 0x21 && *p < 0x7f) snprintf(tmp, 16, "'%c'", *p);
  else snprintf(tmp, 16, "byte 0x%02x", *p);
  return tmp;
}

static bool unexpected(Parser *ps, const char *wanted) {
  char tmp[16];
  return fail_at(ps, ps->p, "expected %s, found %s", wanted, describe(ps, ps->p, tmp));
}

static void skip_ws(Parser *ps) {
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
    ps->p++;
}

static bool parse_value(Parser *ps, Value *out);

static bool literal(Parser *ps, const char *word, Value v, Value *out) {
  size_t n = strlen(word);
  if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
    return fail_at(ps, ps->p, "invalid literal (expected %s)", word);
  ps->p += n;
  *out = v;
  return true;
}

static bool is_digit(Parser *ps, const unsigned char *p) { return p < ps->end && *p >= '0' && *p <= '9'; }

/* number = [ "-" ] int [ frac ] [ exp ]; an integer without fraction or
 * exponent that fits int64 becomes an int, anything else a float. */
static bool parse_number(Parser *ps, Value *out) {
  const unsigned char *start = ps->p, *p = ps->p;
  bool integral = true;
  if (*p == '-') p++;
  if (!is_digit(ps, p)) {
    char tmp[16];
    return fail_at(ps, p, "expected a digit after '-', found %s", describe(ps, p, tmp));
  }
  if (*p == '0') {
    p++;
    if (is_digit(ps, p)) return fail_at(ps, start, "leading zeros are not allowed in numbers");
  } else {
    while (is_digit(ps, p)) p++;
  }
  if (p < ps->end && *p == '.') {
    integral = false;
    p++;
    if (!is_digit(ps, p)) return fail_at(ps, p, "expected a digit after the decimal point");
    while (is_digit(ps, p)) p++;
  }
  if (p < ps->end && (*p == 'e' || *p == 'E')) {
    integral = false;
    p++;
    if (p < ps->end && (*p == '+' || *p == '-')) p++;
    if (!is_digit(ps, p)) return fail_at(ps, p, "expected a digit in the exponent");
    while (is_digit(ps, p)) p++;
  }
  /* the text may not be NUL-terminated: copy the lexeme for strtod */
  char small[64];
  size_t n = (size_t)(p - start);
  char *text = n < sizeof small ? small : xmalloc(n + 1);
  memcpy(text, start, n);
  text[n] = 0;
  errno = 0;
  if (integral) {
    long long i = strtoll(text, NULL, 10);
    if (errno == ERANGE) integral = false;
    else *out = v_int(i);
  }
  if (!integral) {
    errno = 0;
    double f = strtod(text, NULL);
    if (errno == ERANGE && isinf(f)) {
      if (text != small) free(text);
      return fail_at(ps, start, "number out of range");
    }
    *out = v_float(f); /* underflow to 0 or a subnormal is fine */
  }
  if (text != small) free(text);
  ps->p = p;
  return true;
}

static void put_utf8(Buf *b, uint32_t cp) {
  char u[4];
  if (cp < 0x80) {
    buf_putc(b, (char)cp);
  } else if (cp < 0x800) {
    u[0] = (char)(0xc0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3f));
    buf_putn(b, u, 2);
  } else if (cp < 0x10000) {
    u[0] = (char)(0xe0 | cp >> 12), u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
    u[2] = (char)(0x80 | (cp & 0x3f));
    buf_putn(b, u, 3);
  } else {
    u[0] = (char)(0xf0 | cp >> 18), u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    u[2] = (char)(0x80 | (cp >> 6 & 0x3f)), u[3] = (char)(0x80 | (cp & 0x3f));
    buf_putn(b, u, 4);
  }
}

static bool hex4(Parser *ps, const unsigned char *p, uint32_t *cp) {
  *cp = 0;
  for (int i = 0; i < 4; i++, p++) {
    int d;
    if (p >= ps->end) return fail_at(ps, p, "unterminated \\u escape");
    if (*p >= '0' && *p <= '9') d = *p - '0';
    else if (*p >= 'a' && *p <= 'f') d = *p - 'a' + 10;
    else if (*p >= 'A' && *p <= 'F') d = *p - 'A' + 10;
    else return fail_at(ps, p, "expected 4 hex digits after \\u");
    *cp = *cp << 4 | (uint32_t)d;
  }
  return true;
}

/* At "\u": decode one escape, or a surrogate pair, into b. */
static bool unicode_escape(Parser *ps, Buf *b) {
  const unsigned char *at = ps->p;
  uint32_t cp, lo;
  if (!hex4(ps, ps->p + 2, &cp)) return false;
  ps->p += 6;
  if (cp >= 0xdc00 && cp <= 0xdfff) return fail_at(ps, at, "lone low surrogate \\u%04X", cp);
  if (cp >= 0xd800 && cp <= 0xdbff) {
    if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u')
      return fail_at(ps, at, "high surrogate \\u%04X not followed by a low surrogate", cp);
    if (!hex4(ps, ps->p + 2, &lo)) return false;
    if (lo < 0xdc00 || lo > 0xdfff)
      return fail_at(ps, ps->p, "\\u%04X is not a low surrogate (after \\u%04X)", lo, cp);
    ps->p += 6;
    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
  }
  put_utf8(b, cp);
  return true;
}

/* At the opening quote; the string's bytes go to b. */
static bool parse_string_into(Parser *ps, Buf *b) {
  const unsigned char *open = ps->p++;
  for (;;) {
    const unsigned char *run = ps->p;
    while (ps->p < ps->end && *ps->p >= 0x20 && *ps->p < 0x80 && *ps->p != '"' && *ps->p != '\\')
      ps->p++;
    buf_putn(b, (const char *)run, (size_t)(ps->p - run));
    if (ps->p >= ps->end) return fail_at(ps, open, "unterminated string");
    unsigned char c = *ps->p;
    if (c == '"') {
      ps->p++;
      return true;
    }
    if (c >= 0x80) {
      size_t n = utf8_valid(ps->p, (size_t)(ps->end - ps->p));
      if (!n) return fail_at(ps, ps->p, "invalid UTF-8 byte 0x%02x in string", c);
      buf_putn(b, (const char *)ps->p, n);
      ps->p += n;
      continue;
    }
    if (c < 0x20) {
      if (c == '\n') return fail_at(ps, open, "unterminated string (a raw newline must be written \\n)");
      return fail_at(ps, ps->p, "raw control character 0x%02x in string (write it as \\u%04x)", c, c);
    }
    /* a backslash */
    if (ps->p + 1 >= ps->end) return fail_at(ps, open, "unterminated string");
    char e = (char)ps->p[1];
    const char *simple = strchr("\"\\/bfnrt", e);
    if (e && simple) {
      static const char decoded[] = "\"\\/\b\f\n\r\t";
      buf_putc(b, decoded[simple - "\"\\/bfnrt"]);
      ps->p += 2;
    } else if (e == 'u') {
      if (!unicode_escape(ps, b)) return false;
    } else {
      char tmp[16];
      return fail_at(ps, ps->p, "invalid escape: backslash then %s", describe(ps, ps->p + 1, tmp));
    }
  }
}

static bool parse_string(Parser *ps, Value *out) {
  Buf b = {0};
  if (!parse_string_into(ps, &b)) {
    buf_free(&b);
    return false;
  }
  *out = v_str(b.data ? b.data : "", b.len);
  buf_free(&b);
  return true;
}

static bool enter(Parser *ps) {
  if (++ps->depth > JSON_MAX_DEPTH)
    return fail_at(ps, ps->p, "nesting deeper than %d levels", JSON_MAX_DEPTH);
  ps->p++;
  skip_ws(ps);
  return true;
}

static bool parse_array(Parser *ps, Value *out) {
  if (!enter(ps)) return false;
  Value list = v_list();
  if (ps->p < ps->end && *ps->p == ']') goto done;
  for (;;) {
    Value item;
    if (!parse_value(ps, &item)) goto fail;
    list_push(list, item);
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ']') break;
    if (ps->p >= ps->end || *ps->p != ',') {
      unexpected(ps, "',' or ']' after an array item");
      goto fail;
    }
    ps->p++;
    skip_ws(ps);
  }
done:
  ps->p++;
  ps->depth--;
  *out = list;
  return true;
fail:
  value_release(list);
  return false;
}

/* Duplicate keys: the last value wins, at the first key's position. */
static bool parse_object(Parser *ps, Value *out) {
  if (!enter(ps)) return false;
  Value map = v_map();
  Buf key = {0};
  if (ps->p < ps->end && *ps->p == '}') goto done;
  for (;;) {
    if (ps->p >= ps->end || *ps->p != '"') {
      unexpected(ps, "a string key");
      goto fail;
    }
    key.len = 0;
    if (!parse_string_into(ps, &key)) goto fail;
    skip_ws(ps);
    if (ps->p >= ps->end || *ps->p != ':') {
      unexpected(ps, "':' after an object key");
      goto fail;
    }
    ps->p++;
    skip_ws(ps);
    Value val;
    if (!parse_value(ps, &val)) goto fail;
    Value k = v_str(key.data ? key.data : "", key.len);
    map_set_str(map, as_str(k), val);
    value_release(k);
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '}') break;
    if (ps->p >= ps->end || *ps->p != ',') {
      unexpected(ps, "',' or '}' after an object member");
      goto fail;
    }
    ps->p++;
    skip_ws(ps);
  }
done:
  ps->p++;
  ps->depth--;
  buf_free(&key);
  *out = map;
  return true;
fail:
  buf_free(&key);
  value_release(map);
  return false;
}

static bool parse_value(Parser *ps, Value *out) {
  if (ps->p >= ps->end) return unexpected(ps, "a JSON value");
  switch (*ps->p) {
  case '{': return parse_object(ps, out);
  case '[': return parse_array(ps, out);
  case '"': return parse_string(ps, out);
  case 't': return literal(ps, "true", v_bool(true), out);
  case 'f': return literal(ps, "false", v_bool(false), out);
  case 'n': return literal(ps, "null", v_null(), out);
  default:
    if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9')) return parse_number(ps, out);
    return unexpected(ps, "a JSON value");
  }
}

bool json_parse(const char *text, size_t len, Value *out, char **err) {
  Parser ps = {(const unsigned char *)text, (const unsigned char *)text + len,
               (const unsigned char *)text, 0, NULL};
  if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) /* RFC 8259 §8.1: may ignore a BOM */
    ps.s = ps.p += 3;                                      /* and columns count from after it */
  skip_ws(&ps);
  Value v;
  if (parse_value(&ps, &v)) {
    skip_ws(&ps);
    if (ps.p == ps.end) {
      *out = v;
      return true;
    }
    value_release(v);
    char tmp[16];
    fail_at(&ps, ps.p, "unexpected %s after the JSON value", describe(&ps, ps.p, tmp));
  }
  if (err) *err = ps.err;
  else free(ps.err);
  return false;
}
