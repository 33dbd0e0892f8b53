/* test_json.c — json_encode and json_parse: escaping, numbers, round
 * trips, and malformed documents reported at their exact line:col. */
#include <math.h>
#include <stdint.h>

#include "check_values.h"

static char *encoded(Value v, bool pretty) {
  Buf b = {0};
  json_encode(v, &b, pretty);
  return buf_take(&b);
}

#define CHECK_JSON(v, pretty, want)                                                                \
  do {                                                                                             \
    char *got_ = encoded((v), (pretty));                                                           \
    check_str_at(got_, (want), "json_encode(" #v ")", __FILE__, __LINE__);                         \
    free(got_);                                                                                    \
  } while (0)

/* Parses text (as a C string) and returns the value; fails the check when
 * parsing fails. */
static Value parsed_at(const char *text, size_t len, const char *file, int line) {
  Value v = V_NULL_VALUE;
  char *err = NULL;
  if (!check_at(json_parse(text, len, &v, &err), text, file, line))
    fprintf(stderr, "    error: %s\n", err ? err : "(none)");
  free(err);
  return v;
}
#define PARSED(text) parsed_at((text), strlen(text), __FILE__, __LINE__)

static void check_error_at(const char *text, size_t len, const char *want, const char *file, int line) {
  Value v = V_NULL_VALUE;
  char *err = NULL;
  bool ok = json_parse(text, len, &v, &err);
  if (!check_at(!ok, "json_parse fails", file, line)) {
    value_release(v);
    return;
  }
  check_str_at(err, want, text, file, line);
  free(err);
}
#define CHECK_ERROR(text, want) check_error_at((text), strlen(text), (want), __FILE__, __LINE__)

static void test_encode_scalars(void) {
  CHECK_JSON(v_null(), false, "null");
  CHECK_JSON(v_bool(true), false, "true");
  CHECK_JSON(v_bool(false), false, "false");
  CHECK_JSON(v_int(0), false, "0");
  CHECK_JSON(v_int(INT64_MIN), false, "-9223372036854775808");
  CHECK_JSON(v_int(INT64_MAX), false, "9223372036854775807");
  CHECK_JSON(v_float(0.1), false, "0.1");
  CHECK_JSON(v_float(2.0), false, "2.0");
  CHECK_JSON(v_float(-1e-7), false, "-1.0e-07");
  CHECK_JSON(v_float(NAN), false, "null");
  CHECK_JSON(v_float(INFINITY), false, "null");
  CHECK_JSON(v_duration(300000), false, "\"5m\"");
  CHECK_JSON(v_duration(5400250), false, "\"1h30m250ms\"");
  Value re = v_regex("^v\\d+$", 6, NULL, NULL);
  CHECK_JSON(re, false, "\"^v\\\\d+$\"");
  value_release(re);
}

static void test_encode_strings(void) {
  static const char ctl[] = "q\" b\\ \b\f\n\r\t \x01\x1f\x7f /";
  Value s = v_str(ctl, sizeof ctl - 1);
  CHECK_JSON(s, false, "\"q\\\" b\\\\ \\b\\f\\n\\r\\t \\u0001\\u001f\x7f /\"");
  value_release(s);
  Value nul = v_str("a\0b", 3);
  CHECK_JSON(nul, false, "\"a\\u0000b\"");
  value_release(nul);
  /* valid UTF-8 passes through untouched */
  Value u = v_cstr("é € 😀 \xe2\x80\xa8");
  CHECK_JSON(u, false, "\"é € 😀 \xe2\x80\xa8\"");
  value_release(u);
  /* invalid UTF-8 (a stray byte, a truncated sequence, an overlong form, an
   * encoded surrogate) becomes U+FFFD, keeping the output valid JSON */
  Value bad = v_cstr("a\xff" "b\xe2\x82" "c\xc0\xaf" "d\xed\xa0\x80");
  CHECK_JSON(bad, false, "\"a\\ufffdb\\ufffd\\ufffdc\\ufffd\\ufffdd\\ufffd\\ufffd\\ufffd\"");
  value_release(bad);
}

typedef struct Thing {
  Object base;
} Thing;
static void thing_show(Obj *self, Buf *out) {
  (void)self;
  buf_puts(out, "<function deploy>");
}
static const ObjectType thing_type = {"function", NULL, thing_show};

static Value sample(void) {
  Value m = v_map();
  map_set(m, "name", v_cstr("sample-app"));
  map_set(m, "replicas", v_int(3));
  Value tags = v_list();
  list_push(tags, v_cstr("v1"));
  list_push(tags, v_float(1.5));
  list_push(tags, v_null());
  map_set(m, "tags", tags);
  Value inner = v_map();
  map_set(inner, "a.b", v_bool(true));
  map_set(inner, "empty", v_map());
  map_set(inner, "none", v_list());
  map_set(m, "inner", inner);
  return m;
}

static void test_encode_containers(void) {
  Value m = sample();
  CHECK_JSON(m, false,
             "{\"name\":\"sample-app\",\"replicas\":3,\"tags\":[\"v1\",1.5,null],"
             "\"inner\":{\"a.b\":true,\"empty\":{},\"none\":[]}}");
  CHECK_JSON(m, true,
             "{\n"
             "  \"name\": \"sample-app\",\n"
             "  \"replicas\": 3,\n"
             "  \"tags\": [\n"
             "    \"v1\",\n"
             "    1.5,\n"
             "    null\n"
             "  ],\n"
             "  \"inner\": {\n"
             "    \"a.b\": true,\n"
             "    \"empty\": {},\n"
             "    \"none\": []\n"
             "  }\n"
             "}");
  value_release(m);
  Value keys = v_map();
  map_set(keys, "quote\"d\n", v_int(1));
  CHECK_JSON(keys, false, "{\"quote\\\"d\\n\":1}");
  value_release(keys);

  Thing *t = xcalloc(1, sizeof *t);
  t->base.type = &thing_type;
  Value obj = v_object(&t->base);
  CHECK_JSON(obj, false, "\"<function deploy>\"");
  value_release(obj);
}

static void test_parse_values(void) {
  Value v = PARSED(" {\"a\": [1, -2, 3.5, 1e2, -0, true, false, null, \"x\"], \"b\": {}} \n");
  CHECK_SHOW(v, "{a: [1, -2, 3.5, 100.0, 0, true, false, null, \"x\"], b: {}}");
  CHECK(list_get(map_get(v, "a"), 0).kind == V_INT);
  CHECK(list_get(map_get(v, "a"), 2).kind == V_FLOAT);
  CHECK(list_get(map_get(v, "a"), 3).kind == V_FLOAT); /* an exponent makes a float */
  value_release(v);

  v = PARSED("-9223372036854775808");
  CHECK(v.kind == V_INT && v.as.i == INT64_MIN);
  v = PARSED("9223372036854775807");
  CHECK(v.kind == V_INT && v.as.i == INT64_MAX);
  v = PARSED("9223372036854775808"); /* out of int64: a float */
  CHECK(v.kind == V_FLOAT && v.as.f == 9223372036854775808.0);
  v = PARSED("1.0");
  CHECK(v.kind == V_FLOAT && v.as.f == 1.0);
  v = PARSED("1E-400"); /* underflow is zero, not an error */
  CHECK(v.kind == V_FLOAT && v.as.f == 0.0);
  v = PARSED("0.1");
  CHECK(v.kind == V_FLOAT && v.as.f == 0.1);

  /* escapes, \u to UTF-8, surrogate pairs */
  v = PARSED("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\u20AC\\ud83d\\ude00\"");
  static const char want[] = "\"\\/\b\f\n\r\tA\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
  CHECK(v.kind == V_STRING && as_str(v)->len == sizeof want - 1 &&
        memcmp(str_chars(v), want, sizeof want - 1) == 0);
  value_release(v);
  v = PARSED("\"a\\u0000b\"");
  CHECK(v.kind == V_STRING && as_str(v)->len == 3 && str_chars(v)[1] == 0);
  value_release(v);
  v = PARSED("\"é😀\""); /* raw UTF-8 */
  CHECK_STR(str_chars(v), "é😀");
  value_release(v);

  /* order is kept; a duplicate key keeps its first place, last value */
  v = PARSED("{\"z\":1,\"a\":2,\"m\":3,\"a\":4}");
  CHECK_SHOW(v, "{z: 1, a: 4, m: 3}");
  value_release(v);
  v = PARSED("{\"k\\u0000\":1,\"k\":2}");
  CHECK_INT(map_len(v), 2);
  CHECK_INT(map_get_n(v, "k\0", 2).as.i, 1);
  value_release(v);

  CHECK_ERROR("\xef\xbb\xbf[}", "1:2: expected a JSON value, found '}'"); /* columns from after a BOM */
  v = PARSED("\xef\xbb\xbf[]"); /* a leading byte order mark is ignored */
  CHECK(v.kind == V_LIST && list_len(v) == 0);
  value_release(v);
  v = PARSED("\t\r\n 42 \t\r\n");
  CHECK(v.kind == V_INT && v.as.i == 42);

  /* the text need not be NUL-terminated: only len bytes are read */
  v = parsed_at("123456", 3, __FILE__, __LINE__);
  CHECK(v.kind == V_INT && v.as.i == 123);
  v = parsed_at("[1.5]xyz", 5, __FILE__, __LINE__);
  CHECK_SHOW(v, "[1.5]");
  value_release(v);
}

static void test_malformed(void) {
  CHECK_ERROR("", "1:1: expected a JSON value, found end of input");
  CHECK_ERROR("   \n  ", "2:3: expected a JSON value, found end of input");
  CHECK_ERROR("[1,]", "1:4: expected a JSON value, found ']'");
  CHECK_ERROR("[1 2]", "1:4: expected ',' or ']' after an array item, found '2'");
  CHECK_ERROR("[1,2", "1:5: expected ',' or ']' after an array item, found end of input");
  CHECK_ERROR("{\"a\" 1}", "1:6: expected ':' after an object key, found '1'");
  CHECK_ERROR("{\"a\":1,}", "1:8: expected a string key, found '}'");
  CHECK_ERROR("{,}", "1:2: expected a string key, found ','");
  CHECK_ERROR("{'a':1}", "1:2: expected a string key, found '''");
  CHECK_ERROR("{a:1}", "1:2: expected a string key, found 'a'");
  CHECK_ERROR("{\"a\":1 \"b\":2}", "1:8: expected ',' or '}' after an object member, found '\"'");
  CHECK_ERROR("01", "1:1: leading zeros are not allowed in numbers");
  CHECK_ERROR("-01", "1:1: leading zeros are not allowed in numbers");
  CHECK_ERROR("-", "1:2: expected a digit after '-', found end of input");
  CHECK_ERROR("-x", "1:2: expected a digit after '-', found 'x'");
  CHECK_ERROR("+1", "1:1: expected a JSON value, found '+'");
  CHECK_ERROR(".5", "1:1: expected a JSON value, found '.'");
  CHECK_ERROR("1.", "1:3: expected a digit after the decimal point");
  CHECK_ERROR("1.e3", "1:3: expected a digit after the decimal point");
  CHECK_ERROR("1e", "1:3: expected a digit in the exponent");
  CHECK_ERROR("1e+", "1:4: expected a digit in the exponent");
  CHECK_ERROR("[1e999]", "1:2: number out of range");
  CHECK_ERROR("NaN", "1:1: expected a JSON value, found 'N'");
  CHECK_ERROR("Infinity", "1:1: expected a JSON value, found 'I'");
  CHECK_ERROR("tru", "1:1: invalid literal (expected true)");
  CHECK_ERROR("{\n  \"a\": nul\n}", "2:8: invalid literal (expected null)");
  CHECK_ERROR("[\n  1,\n  falsey\n]", "3:8: expected ',' or ']' after an array item, found 'y'");
  CHECK_ERROR("1 2", "1:3: unexpected '2' after the JSON value");
  CHECK_ERROR("{} // comment", "1:4: unexpected '/' after the JSON value");
  CHECK_ERROR("[] x", "1:4: unexpected 'x' after the JSON value");
  CHECK_ERROR("\"abc", "1:1: unterminated string");
  CHECK_ERROR("[\"ab\\", "1:2: unterminated string");
  CHECK_ERROR("\"ab\ncd\"", "1:1: unterminated string (a raw newline must be written \\n)");
  CHECK_ERROR("\"a\tb\"", "1:3: raw control character 0x09 in string (write it as \\u0009)");
  CHECK_ERROR("\"\x01\"", "1:2: raw control character 0x01 in string (write it as \\u0001)");
  CHECK_ERROR("\"a\\x\"", "1:3: invalid escape: backslash then 'x'");
  CHECK_ERROR("\"a\\'\"", "1:3: invalid escape: backslash then '''");
  CHECK_ERROR("\"\\u12\"", "1:6: expected 4 hex digits after \\u");
  CHECK_ERROR("\"\\u12", "1:6: unterminated \\u escape");
  CHECK_ERROR("\"\\ud800\"", "1:2: high surrogate \\uD800 not followed by a low surrogate");
  CHECK_ERROR("\"\\ud800\\n\"", "1:2: high surrogate \\uD800 not followed by a low surrogate");
  CHECK_ERROR("\"x\\ud83d\\u0041\"", "1:9: \\u0041 is not a low surrogate (after \\uD83D)");
  CHECK_ERROR("\"\\ude00\"", "1:2: lone low surrogate \\uDE00");
  CHECK_ERROR("\"\xff\"", "1:2: invalid UTF-8 byte 0xff in string");
  CHECK_ERROR("\"\xc0\xaf\"", "1:2: invalid UTF-8 byte 0xc0 in string");   /* overlong '/' */
  CHECK_ERROR("\"\xed\xa0\x80\"", "1:2: invalid UTF-8 byte 0xed in string"); /* a surrogate */
  CHECK_ERROR("\"\xe2\x82\"", "1:2: invalid UTF-8 byte 0xe2 in string");     /* truncated */
  CHECK_ERROR("[\xff]", "1:2: expected a JSON value, found byte 0xff");
  CHECK_ERROR("[1,\r\n]", "2:1: expected a JSON value, found ']'");
  check_error_at("[1,\0]", 5, "1:4: expected a JSON value, found byte 0x00", __FILE__, __LINE__);
  check_error_at("\"a\0\"", 4, "1:3: raw control character 0x00 in string (write it as \\u0000)",
                 __FILE__, __LINE__);
  check_error_at("[1, 2]", 4, "1:5: expected a JSON value, found end of input", __FILE__, __LINE__);

  char *err = NULL;
  Value v;
  CHECK(!json_parse("[", 1, &v, NULL)); /* err may be NULL */
  CHECK(!json_parse("{\"a\":[1,{\"b\":[}]}", 16, &v, &err)); /* nested failures release cleanly */
  CHECK_STR(err, "1:15: expected a JSON value, found '}'");
  free(err);
}

/* A registry answer cut short anywhere (a dropped connection) is an
 * error, never a crash or a partial value. */
static void test_prefixes(void) {
  const char *m = "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:ab\",\"size\":-1.5e3},"
                  "\"layers\":[{\"urls\":[\"\\u00e9\\ud83d\\ude00\"]},{}],\"x\":[true,false,null]}";
  size_t mlen = strlen(m);
  Value v = parsed_at(m, mlen, __FILE__, __LINE__);
  value_release(v);
  for (size_t n = 0; n < mlen; n++) {
    char *err = NULL;
    v = V_NULL_VALUE;
    bool ok = json_parse(m, n, &v, &err);
    if (!check_at(!ok && err, "a proper prefix is an error", __FILE__, __LINE__))
      fprintf(stderr, "    prefix of %zu bytes\n", n);
    if (ok) value_release(v);
    free(err);
  }
}

/* Nesting is limited, so hostile input cannot exhaust the stack. */
static void test_depth(void) {
  enum { LIMIT = 512, HUGE = 200000 };
  char *text = xmalloc(2 * HUGE + 1);
  memset(text, '[', LIMIT);
  memset(text + LIMIT, ']', LIMIT);
  Value v = parsed_at(text, 2 * LIMIT, __FILE__, __LINE__);
  int depth = 0;
  for (Value cur = v; cur.kind == V_LIST && list_len(cur); cur = list_get(cur, 0)) depth++;
  CHECK_INT(depth, LIMIT - 1);
  value_release(v);

  memset(text, '[', LIMIT + 1);
  memset(text + LIMIT + 1, ']', LIMIT + 1);
  check_error_at(text, 2 * LIMIT + 2, "1:513: nesting deeper than 512 levels", __FILE__, __LINE__);

  memset(text, '[', HUGE);
  check_error_at(text, HUGE, "1:513: nesting deeper than 512 levels", __FILE__, __LINE__);

  /* encoding caps nesting at the same depth, so what it writes parses */
  Value deep = v_list(), cur = deep;
  for (int i = 0; i < LIMIT + 50; i++) {
    Value next = v_list();
    list_push(next, v_int(i));
    list_push(cur, next);
    cur = next;
  }
  char *out = encoded(deep, false);
  CHECK(strstr(out, ",null]") != NULL);
  Value back = PARSED(out);
  CHECK(back.kind == V_LIST);
  free(out);
  value_release(deep), value_release(back);

  /* objects count too */
  Buf b = {0};
  for (int i = 0; i < LIMIT + 1; i++) buf_puts(&b, "{\"a\":");
  check_error_at(b.data, b.len, "1:2561: nesting deeper than 512 levels", __FILE__, __LINE__);
  buf_free(&b);
  free(text);
}

static void test_round_trips(void) {
  /* value -> text -> value */
  for (int pretty = 0; pretty < 2; pretty++) {
    Value m = sample();
    char *text = encoded(m, pretty);
    Value back = PARSED(text);
    CHECK(value_equal(m, back));
    char *again = encoded(back, pretty);
    CHECK_STR(again, text);
    free(text), free(again);
    value_release(m), value_release(back);
  }

  /* canonical compact text -> value -> the same text */
  static const char *docs[] = {
      "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"data\":{\"a\":\"1\",\"b\":\"é\\n\"}}",
      "[1,-2,3.25,1.0e+100,true,false,null,\"\\u0000\\u001f\",[],{},[[[]]]]",
      "{\"z\":{\"y\":{\"x\":[0.1,0.2,0.30000000000000004]}},\"a\":-9223372036854775808}",
      "\"\\\"\\\\/😀\"",
  };
  for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
    Value v = PARSED(docs[i]);
    char *text = encoded(v, false);
    CHECK_STR(text, docs[i]);
    free(text);
    value_release(v);
  }

  /* floats: every finite double survives encode + parse bit for bit */
  uint64_t s = 0x2545f4914f6cdd1du;
  bool ok = true;
  int tried = 0;
  for (int i = 0; i < 20000 && ok; i++) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    double f;
    memcpy(&f, &s, sizeof f);
    if (!isfinite(f)) continue;
    tried++;
    char *text = encoded(v_float(f), false);
    Value back = V_NULL_VALUE;
    char *err = NULL;
    ok = json_parse(text, strlen(text), &back, &err) && back.kind == V_FLOAT &&
         memcmp(&back.as.f, &f, sizeof f) == 0;
    if (!ok) fprintf(stderr, "    %.17g -> %s\n", f, text);
    free(err);
    free(text);
  }
  CHECK(ok);
  CHECK(tried > 19000);

  /* every byte string survives as a string, once made valid UTF-8 */
  Buf all = {0};
  for (int c = 1; c < 0x80; c++) buf_putc(&all, (char)c);
  buf_puts(&all, "é€😀");
  Value str = v_str(all.data, all.len);
  char *text = encoded(str, false);
  Value back = PARSED(text);
  CHECK(value_equal(str, back));
  free(text);
  value_release(str), value_release(back);
  buf_free(&all);
}

int main(void) {
  test_encode_scalars();
  test_encode_strings();
  test_encode_containers();
  test_parse_values();
  test_malformed();
  test_prefixes();
  test_depth();
  test_round_trips();
  return check_done();
}
