/* test_methods.c — string, list and map methods, with lambdas run by a
 * fake host: the "function" values here are ints naming what to do. */
#include "check_values.h"
#include "core/methods.h"

enum { FN_DOUBLE = 1, FN_IS_EVEN, FN_NEGATE, FN_FAIL_ON_3, FN_LEN, FN_FIRST_FIELD, FN_UPPER, FN_REPORTED };

typedef struct FakeHost {
  int calls;
  int last_nargs;
} FakeHost;

static bool fake_call(void *ctx, Value fn, Value *args, int nargs, Value *out, char **err) {
  FakeHost *h = ctx;
  h->calls++;
  h->last_nargs = nargs;
  if (fn.kind != V_INT) {
    *err = xasprintf("%s is not a function", value_type_name(fn));
    return false;
  }
  Value x = args[0];
  switch (fn.as.i) {
  case FN_DOUBLE: *out = v_int(x.as.i * 2); return true;
  case FN_IS_EVEN: *out = v_bool(x.as.i % 2 == 0); return true;
  case FN_NEGATE: *out = v_int(-x.as.i); return true;
  case FN_FAIL_ON_3:
    if (x.as.i == 3) {
      *err = xstrdup("boom at 3");
      return false;
    }
    *out = v_cstr("fine"); /* heap results, so a leak on the error path would show */
    return true;
  case FN_LEN: *out = v_int((int64_t)as_str(x)->len); return true;
  case FN_FIRST_FIELD: *out = value_retain(list_get(x, 0)); return true;
  case FN_UPPER: return method_call("upper", x, NULL, 0, NULL, out, err);
  case FN_REPORTED: /* fails on the second item, having reported the error itself */
    if (h->calls == 2) {
      *err = NULL;
      return false;
    }
    *out = v_cstr("fine");
    return true;
  }
  *err = xstrdup("unknown fake function");
  return false;
}

typedef struct Env {
  FakeHost fake;
  MethodHost host;
} Env;

/* Calls a method and returns its result (or null with the error kept). */
static Value call(Env *e, const char *name, Value self, Value *args, int nargs, char **err) {
  Value out = V_NULL_VALUE;
  *err = NULL;
  if (!method_call(name, self, args, nargs, &e->host, &out, err)) return V_NULL_VALUE;
  return out;
}

/* Calls and checks the REPL form of the result, releasing it. */
static void check_call_at(Env *e, const char *name, Value self, Value *args, int nargs, const char *want,
                          const char *file, int line) {
  char *err = NULL;
  Value out = V_NULL_VALUE;
  bool ok = method_call(name, self, args, nargs, &e->host, &out, &err);
  if (!check_at(ok, name, file, line)) {
    fprintf(stderr, "    error: %s\n", err);
    free(err);
    return;
  }
  check_show_at(out, want, name, file, line);
  value_release(out);
}

static void check_fail_at(Env *e, const char *name, Value self, Value *args, int nargs, const char *want,
                          const char *file, int line) {
  char *err = NULL;
  Value out = V_NULL_VALUE;
  bool ok = method_call(name, self, args, nargs, &e->host, &out, &err);
  if (!check_at(!ok, name, file, line)) {
    value_release(out);
    return;
  }
  check_str_at(err, want, name, file, line);
  free(err);
}

#define CALLS(self, name, want) check_call_at(&e, name, self, NULL, 0, want, __FILE__, __LINE__)
#define CALLS1(self, name, a0, want)                                                               \
  do {                                                                                             \
    Value args_[1] = {a0};                                                                         \
    check_call_at(&e, name, self, args_, 1, want, __FILE__, __LINE__);                             \
    value_release(args_[0]);                                                                       \
  } while (0)
#define CALLS2(self, name, a0, a1, want)                                                           \
  do {                                                                                             \
    Value args_[2] = {a0, a1};                                                                     \
    check_call_at(&e, name, self, args_, 2, want, __FILE__, __LINE__);                             \
    value_release(args_[0]), value_release(args_[1]);                                              \
  } while (0)
#define FAILS(self, name, args, nargs, want) check_fail_at(&e, name, self, args, nargs, want, __FILE__, __LINE__)

static Env new_env(void) {
  Env e = {{0, 0}, {NULL, fake_call}};
  return e;
}

static Value strs(const char *a, const char *b, const char *c) {
  Value l = v_list();
  if (a) list_push(l, v_cstr(a));
  if (b) list_push(l, v_cstr(b));
  if (c) list_push(l, v_cstr(c));
  return l;
}

static Value ints(int n, const int *xs) {
  Value l = v_list();
  for (int i = 0; i < n; i++) list_push(l, v_int(xs[i]));
  return l;
}

static void test_strings(void) {
  Env e = new_env();
  e.host.ctx = &e.fake;
  Value s = v_cstr("  Hello, Wörld  ");
  CALLS(s, "len", "16"); /* characters, not the 17 bytes */
  CALLS(s, "upper", "\"  HELLO, WöRLD  \"");
  CALLS(s, "lower", "\"  hello, wörld  \"");
  CALLS(s, "trim", "\"Hello, Wörld\"");
  CALLS1(s, "contains", v_cstr("Wö"), "true");
  CALLS1(s, "contains", v_cstr("wö"), "false");
  CALLS1(s, "contains", v_cstr(""), "true");
  CALLS1(s, "starts_with", v_cstr("  He"), "true");
  CALLS1(s, "starts_with", v_cstr("He"), "false");
  CALLS1(s, "ends_with", v_cstr("ld  "), "true");
  CALLS1(s, "ends_with", v_cstr("  Hello, Wörld  and more"), "false");
  CALLS1(s, "starts_with", v_cstr(""), "true");
  value_release(s);

  Value t = v_cstr("\t\n a  b\tc \r\n");
  CALLS(t, "trim", "\"a  b\\tc\"");
  CALLS(t, "split", "[\"a\", \"b\", \"c\"]");
  CALLS1(t, "split", v_null(), "[\"a\", \"b\", \"c\"]"); /* null = not given */
  value_release(t);
  Value empty = v_cstr("");
  CALLS(empty, "split", "[]");
  CALLS1(empty, "split", v_cstr(","), "[\"\"]");
  CALLS(empty, "len", "0");
  CALLS(empty, "trim", "\"\"");
  FAILS(empty, "to_int", NULL, 0, "to_int: \"\" is not an integer");
  static const char *ints[][2] = {{"42", "42"}, {"-7", "-7"}, {"+5", "5"}, {"007", "7"},
                                  {"9223372036854775807", "9223372036854775807"}};
  for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
    Value v = v_cstr(ints[i][0]);
    CALLS(v, "to_int", ints[i][1]);
    value_release(v);
  }
  static const char *bad[] = {" 1", "1 ", "4x", "0x10", "1.5", "9223372036854775808", "-"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    Value v = v_cstr(bad[i]);
    char *want = xasprintf("to_int: \"%s\" is not an integer", bad[i]);
    FAILS(v, "to_int", NULL, 0, want);
    free(want);
    value_release(v);
  }
  value_release(empty);
  Value csv = v_cstr("a,,b,");
  CALLS1(csv, "split", v_cstr(","), "[\"a\", \"\", \"b\", \"\"]");
  CALLS1(csv, "split", v_cstr(",,"), "[\"a\", \"b,\"]");
  CALLS1(csv, "split", v_cstr("a,,b,!"), "[\"a,,b,\"]");
  CALLS2(csv, "replace", v_cstr(","), v_cstr(";"), "\"a;;b;\"");
  CALLS2(csv, "replace", v_cstr(",,"), v_cstr(""), "\"ab,\"");
  CALLS2(csv, "replace", v_cstr("x"), v_cstr("y"), "\"a,,b,\"");
  value_release(csv);
  Value chars = v_cstr("hé😀");
  CALLS1(chars, "split", v_cstr(""), "[\"h\", \"é\", \"😀\"]");
  CALLS(chars, "len", "3");
  value_release(chars);
  Value rep = v_cstr("aaaa");
  CALLS2(rep, "replace", v_cstr("aa"), v_cstr("b"), "\"bb\""); /* non-overlapping, left to right */
  CALLS2(rep, "replace", v_cstr("a"), v_cstr("aa"), "\"aaaaaaaa\""); /* no re-scan of the new text */
  value_release(rep);
  Value ver = v_cstr("v1.2.3");
  CALLS1(ver, "split", v_cstr("."), "[\"v1\", \"2\", \"3\"]");
  value_release(ver);
}

static void test_string_errors(void) {
  Env e = new_env();
  e.host.ctx = &e.fake;
  Value s = v_cstr("text");
  Value one[1] = {v_int(1)};
  Value two[2] = {v_cstr(""), v_cstr("x")};
  Value three[3] = {v_int(1), v_int(2), v_int(3)};
  FAILS(s, "uper", NULL, 0, "string has no method 'uper' (did you mean 'upper'?)");
  FAILS(s, "startswith", NULL, 0, "string has no method 'startswith' (did you mean 'starts_with'?)");
  FAILS(s, "length", NULL, 0, "string has no method 'length' (did you mean 'len'?)");
  FAILS(s, "size", NULL, 0, "string has no method 'size'");
  FAILS(s, "keys", NULL, 0, "string has no method 'keys'");
  FAILS(s, "upper", one, 1, "upper() takes no arguments (1 given)");
  FAILS(s, "replace", one, 1, "replace() takes 2 arguments (1 given)");
  FAILS(s, "split", three, 3, "split() takes at most 1 argument (3 given)");
  FAILS(s, "contains", NULL, 0, "contains() takes 1 argument (0 given)");
  FAILS(s, "contains", one, 1, "contains(): text must be a string, not int");
  FAILS(s, "starts_with", one, 1, "starts_with(): prefix must be a string, not int");
  FAILS(s, "ends_with", one, 1, "ends_with(): suffix must be a string, not int");
  FAILS(s, "split", one, 1, "split(): sep must be a string, not int");
  FAILS(s, "replace", two, 2, "replace(): old must not be empty");
  Value mixed[2] = {two[1], one[0]};
  FAILS(s, "replace", mixed, 2, "replace(): new must be a string, not int");
  FAILS(v_int(3), "upper", NULL, 0, "int has no method 'upper' (only strings, lists and maps have methods)");
  FAILS(v_null(), "len", NULL, 0, "null has no method 'len' (only strings, lists and maps have methods)");
  value_release(two[0]), value_release(two[1]);
  value_release(s);
}

static void test_secret_taint(void) {
  Env e = new_env();
  e.host.ctx = &e.fake;
  Value secret = value_mark_secret(v_cstr(" Token-Abc "));
  const char *derived[] = {"upper", "lower", "trim"};
  for (int i = 0; i < 3; i++) {
    char *err;
    Value out = call(&e, derived[i], secret, NULL, 0, &err);
    CHECK(out.kind == V_STRING && as_str(out)->secret);
    value_release(out);
  }
  char *err;
  Value parts = call(&e, "split", secret, (Value[]){v_null()}, 1, &err);
  CHECK(list_len(parts) == 1 && as_str(list_get(parts, 0))->secret);
  value_release(parts);
  Value rargs[2] = {v_cstr("Abc"), v_cstr("***")};
  Value replaced = call(&e, "replace", secret, rargs, 2, &err);
  CHECK(as_str(replaced)->secret); /* derived from a secret: stays one, even if masked */
  value_release(replaced);
  Value len = call(&e, "len", secret, NULL, 0, &err);
  CHECK(len.kind == V_INT && len.as.i == 11);

  /* a secret argument taints the result too */
  Value plain = v_cstr("url=X");
  Value with[2] = {v_cstr("X"), value_retain(secret)};
  Value built = call(&e, "replace", plain, with, 2, &err);
  CHECK(as_str(built)->secret);
  value_release(built);
  Value clean = call(&e, "upper", plain, NULL, 0, &err);
  CHECK(!as_str(clean)->secret);
  value_release(clean);

  /* join: a secret item or separator taints the text */
  Value list = strs("a", "b", NULL);
  Value joined = call(&e, "join", list, (Value[]){secret}, 1, &err);
  CHECK(as_str(joined)->secret);
  value_release(joined);
  joined = call(&e, "join", list, NULL, 0, &err);
  CHECK(!as_str(joined)->secret);
  value_release(joined);
  list_push(list, value_retain(secret));
  joined = call(&e, "join", list, (Value[]){rargs[0]}, 1, &err);
  CHECK(as_str(joined)->secret);
  value_release(joined);
  /* keys of a map keep their taint */
  Value m = v_map();
  map_set_str(m, as_str(secret), v_int(1));
  Value keys = call(&e, "keys", m, NULL, 0, &err);
  CHECK(value_is_secret(keys));
  value_release(keys), value_release(m);

  value_release(list);
  value_release(with[0]), value_release(with[1]);
  value_release(rargs[0]), value_release(rargs[1]);
  value_release(plain), value_release(secret);
}

/* A sample argument for each string method parameter, by its name. */
static Value sample_arg(const char *param) {
  static const struct { const char *param, *text; } samples[] = {
      {"sep", "-"}, {"old", "Tok"}, {"new", "X"}, {"prefix", " "}, {"suffix", " "}, {"text", "en"},
  };
  for (size_t i = 0; i < sizeof samples / sizeof *samples; i++)
    if (!strcmp(samples[i].param, param)) return v_cstr(samples[i].text);
  return v_cstr("x");
}

/* Whether the text a method returned (a string, or a list of strings) is
 * all secret; *text says whether it returned text at all. */
static bool text_is_secret(Value out, bool *text) {
  *text = out.kind == V_STRING || (out.kind == V_LIST && list_len(out) > 0);
  if (out.kind == V_STRING) return as_str(out)->secret;
  for (size_t i = 0; out.kind == V_LIST && i < list_len(out); i++)
    if (list_get(out, i).kind != V_STRING || !as_str(list_get(out, i))->secret) return false;
  return true;
}

/* Every string method of the table, called on a secret and called with a
 * secret argument: whatever text it returns is secret. Read from the
 * methods' own table, so a method added later is checked too. */
static void test_secret_taint_table(void) {
  Env e = new_env();
  e.host.ctx = &e.fake;
  int n, checked = 0;
  const MethodInfo *t = method_table(&n);
  for (int i = 0; i < n; i++) {
    if (t[i].kind != V_STRING) continue;
    int np = 0;
    Value args[3];
    while (np < 3 && t[i].params[np]) args[np] = sample_arg(t[i].params[np]), np++;
    /* self secret, then each argument secret in turn (-1: self) */
    for (int which = -1; which < np; which++) {
      Value self = v_cstr(" Tok-en-42 ");
      if (which < 0) self = value_mark_secret(self);
      else args[which] = value_mark_secret(args[which]);
      char *err = NULL;
      Value out = call(&e, t[i].name, self, args, np, &err);
      free(err); /* to_int of a non-number fails: it returns no text */
      bool text, secret = text_is_secret(out, &text);
      if (text && !check_at(secret, t[i].name, __FILE__, __LINE__))
        fprintf(stderr, "    %s(): text from a secret %s is not secret\n", t[i].name, which < 0 ? "self" : "argument");
      checked += text;
      value_release(out);
      value_release(self);
      if (which >= 0) {
        value_release(args[which]);
        args[which] = sample_arg(t[i].params[which]);
      }
    }
    for (int k = 0; k < np; k++) value_release(args[k]);
  }
  CHECK(checked >= 8); /* upper, lower, trim by self; split, replace by self and by each argument */
}

static void test_lists(void) {
  Env e = new_env();
  e.host.ctx = &e.fake;
  int xs[] = {5, 2, 8, 3, 2};
  Value l = ints(5, xs);
  CALLS(l, "len", "5");
  CALLS(l, "first", "5");
  CALLS(l, "last", "2");
  CALLS1(l, "map", v_int(FN_DOUBLE), "[10, 4, 16, 6, 4]");
  CHECK_INT(e.fake.calls, 5);
  CHECK_INT(e.fake.last_nargs, 1);
  CALLS1(l, "filter", v_int(FN_IS_EVEN), "[2, 8, 2]");
  CALLS(l, "sort", "[2, 2, 3, 5, 8]");
  CALLS1(l, "sort", v_int(FN_NEGATE), "[8, 5, 3, 2, 2]");
  CALLS1(l, "join", v_cstr(", "), "\"5, 2, 8, 3, 2\"");
  CALLS(l, "join", "\"52832\"");
  CALLS1(l, "contains", v_int(8), "true");
  CALLS1(l, "contains", v_float(8.0), "true");
  CALLS1(l, "contains", v_cstr("8"), "false");
  CHECK_SHOW(l, "[5, 2, 8, 3, 2]"); /* methods never change self */
  value_release(l);

  Value empty = v_list();
  e.fake.calls = 0;
  CALLS(empty, "first", "null");
  CALLS(empty, "last", "null");
  CALLS(empty, "len", "0");
  CALLS(empty, "sort", "[]");
  CALLS1(empty, "map", v_int(FN_DOUBLE), "[]");
  CALLS1(empty, "filter", v_int(FN_IS_EVEN), "[]");
  CALLS1(empty, "join", v_cstr(","), "\"\"");
  CHECK_INT(e.fake.calls, 0);
  value_release(empty);

  Value mixed = v_list();
  list_push(mixed, v_cstr("a"));
  list_push(mixed, v_int(1));
  list_push(mixed, v_bool(true));
  list_push(mixed, v_null());
  list_push(mixed, v_duration(300000));
  list_push(mixed, v_float(2.5));
  list_push(mixed, strs("x", NULL, NULL));
  CALLS1(mixed, "join", v_cstr("|"), "\"a|1|true|null|5m|2.5|[\\\"x\\\"]\"");
  Value inner = strs("x", NULL, NULL);
  CALLS1(mixed, "contains", inner, "true"); /* deep equality */
  value_release(mixed);

  /* numbers of both kinds sort together; strings bytewise */
  Value nums = v_list();
  list_push(nums, v_float(2.5));
  list_push(nums, v_int(-1));
  list_push(nums, v_int(3));
  list_push(nums, v_float(-1.5));
  CALLS(nums, "sort", "[-1.5, -1, 2.5, 3]");
  value_release(nums);
  Value words = strs("pear", "Apple", "apple");
  CALLS(words, "sort", "[\"Apple\", \"apple\", \"pear\"]");
  CALLS1(words, "sort", v_int(FN_LEN), "[\"pear\", \"Apple\", \"apple\"]"); /* stable: ties keep order */
  CALLS1(words, "map", v_int(FN_UPPER), "[\"PEAR\", \"APPLE\", \"APPLE\"]");
  value_release(words);
  Value durs = v_list();
  list_push(durs, v_duration(3600000));
  list_push(durs, v_duration(90000));
  CALLS(durs, "sort", "[1m30s, 1h]");
  value_release(durs);
}

/* A stable sort by key keeps equal keys in their original order, over a
 * list long enough to exercise the merge steps. */
static void test_sort_stability(void) {
  Env e = new_env();
  e.host.ctx = &e.fake;
  Value l = v_list();
  uint64_t s = 7;
  enum { N = 2000 };
  for (int i = 0; i < N; i++) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    Value pair = v_list();
    list_push(pair, v_int((int64_t)(s % 10)));
    list_push(pair, v_int(i));
    list_push(l, pair);
  }
  char *err;
  e.fake.calls = 0;
  Value sorted = call(&e, "sort", l, (Value[]){v_int(FN_FIRST_FIELD)}, 1, &err);
  CHECK_INT(e.fake.calls, N); /* the key function runs once per item */
  bool ok = list_len(sorted) == N;
  for (size_t i = 1; ok && i < N; i++) {
    Value a = list_get(sorted, i - 1), b = list_get(sorted, i);
    int64_t ka = list_get(a, 0).as.i, kb = list_get(b, 0).as.i;
    ok = ka < kb || (ka == kb && list_get(a, 1).as.i < list_get(b, 1).as.i);
  }
  CHECK(ok);
  /* sorting whole pairs (lists order lexicographically) agrees */
  Value by_pairs = call(&e, "sort", l, NULL, 0, &err);
  CHECK(value_equal(by_pairs, sorted));
  value_release(by_pairs);
  value_release(sorted);
  value_release(l);
}

static void test_list_errors(void) {
  Env e = new_env();
  e.host.ctx = &e.fake;
  int xs[] = {1, 2, 3, 4};
  Value l = ints(4, xs);
  Value fail3[1] = {v_int(FN_FAIL_ON_3)};
  FAILS(l, "map", fail3, 1, "boom at 3");
  FAILS(l, "filter", fail3, 1, "boom at 3");
  FAILS(l, "sort", fail3, 1, "boom at 3");
  Value notfn[1] = {v_cstr("nope")};
  FAILS(l, "map", notfn, 1, "string is not a function");
  FAILS(l, "map", NULL, 0, "map() takes 1 argument (0 given)");
  FAILS(l, "first", fail3, 1, "first() takes no arguments (1 given)");
  Value two[2] = {v_int(1), v_int(2)};
  FAILS(l, "sort", two, 2, "sort() takes at most 1 argument (2 given)");
  FAILS(l, "join", fail3, 1, "join(): sep must be a string, not int");
  FAILS(l, "flter", NULL, 0, "list has no method 'flter' (did you mean 'filter'?)");
  FAILS(l, "has", NULL, 0, "list has no method 'has'");
  FAILS(l, "lenght", NULL, 0, "list has no method 'lenght' (did you mean 'len'?)");

  Value mixed = v_list();
  list_push(mixed, v_int(1));
  list_push(mixed, v_cstr("a"));
  FAILS(mixed, "sort", NULL, 0, "sort(): cannot order int and string");
  list_set(mixed, 1, v_null());
  FAILS(mixed, "sort", NULL, 0, "sort(): cannot order int and null");
  int ys[] = {1, 2};
  Value pairs = ints(2, ys);
  list_set(pairs, 0, strs("x", NULL, NULL));
  list_set(pairs, 1, ints(1, ys));
  FAILS(pairs, "sort", (Value[]){v_int(FN_FIRST_FIELD)}, 1,
        "sort(): cannot order string and int (as returned by the key function)");
  value_release(pairs);

  /* a failure the host reported itself (err NULL) stops the method too */
  const char *lambdas[] = {"map", "filter", "sort"};
  for (int i = 0; i < 3; i++) {
    Value res = V_NULL_VALUE;
    char *rerr = NULL;
    e.fake.calls = 0;
    CHECK(!method_call(lambdas[i], l, (Value[]){v_int(FN_REPORTED)}, 1, &e.host, &res, &rerr));
    CHECK(rerr == NULL);
    CHECK(res.kind == V_NULL);
    CHECK_INT(e.fake.calls, 2);
  }

  /* without a host, lambdas cannot run: an error, not a crash */
  Value out;
  char *err = NULL;
  CHECK(!method_call("map", l, (Value[]){v_int(FN_DOUBLE)}, 1, NULL, &out, &err));
  CHECK_STR(err, "map(): cannot call a function here");
  free(err);
  value_release(notfn[0]);
  value_release(mixed), value_release(l);
}

static void test_maps(void) {
  Env e = new_env();
  e.host.ctx = &e.fake;
  Value m = v_map();
  map_set(m, "zeta", v_int(1));
  map_set(m, "alpha", v_null());
  map_set(m, "image.tag", v_cstr("v1"));
  CALLS(m, "keys", "[\"zeta\", \"alpha\", \"image.tag\"]");
  CALLS(m, "values", "[1, null, \"v1\"]");
  CALLS1(m, "has", v_cstr("alpha"), "true"); /* present, though its value is null */
  CALLS1(m, "has", v_cstr("image.tag"), "true");
  CALLS1(m, "has", v_cstr("beta"), "false");
  Value one[1] = {v_int(1)};
  FAILS(m, "has", one, 1, "has(): key must be a string, not int");
  FAILS(m, "has", NULL, 0, "has() takes 1 argument (0 given)");
  FAILS(m, "key", NULL, 0, "map has no method 'key' (did you mean 'keys'?)");
  FAILS(m, "len", NULL, 0, "map has no method 'len'");
  Value empty = v_map();
  CALLS(empty, "keys", "[]");
  CALLS(empty, "values", "[]");
  value_release(empty);
  /* results share the map's keys and values rather than copying them */
  char *err;
  Value keys = call(&e, "keys", m, NULL, 0, &err);
  CHECK(list_get(keys, 0).as.obj == &as_map(m)->keys[0]->hdr);
  value_release(keys);
  value_release(m);
}

static void test_table(void) {
  int n;
  const MethodInfo *t = method_table(&n);
  CHECK_INT(n, 21);
  static const char *want[] = {
      "string.len", "string.upper", "string.lower", "string.trim", "string.split", "string.replace",
      "string.starts_with", "string.ends_with", "string.contains", "string.to_int", "list.len", "list.map",
      "list.filter", "list.join", "list.sort", "list.contains", "list.first", "list.last",
      "map.keys", "map.values", "map.has"};
  for (int i = 0; i < n && i < 21; i++) {
    char name[40];
    snprintf(name, sizeof name, "%s.%s", t[i].kind == V_STRING ? "string" : t[i].kind == V_LIST ? "list" : "map",
             t[i].name);
    CHECK_STR(name, want[i]);
    CHECK(method_exists(t[i].kind, t[i].name));
    CHECK(method_lookup(t[i].kind, t[i].name) == &t[i]);
    CHECK(t[i].summary && *t[i].summary);
  }
  CHECK(!method_exists(V_MAP, "len"));
  CHECK(!method_exists(V_INT, "len"));
  CHECK(method_lookup(V_STRING, "nope") == NULL);
  const MethodInfo *r = method_lookup(V_STRING, "replace");
  CHECK(r && r->required == 2 && !strcmp(r->params[0], "old") && !strcmp(r->params[1], "new") && !r->params[2]);
  const MethodInfo *s = method_lookup(V_LIST, "sort");
  CHECK(s && s->required == 0 && !strcmp(s->params[0], "key") && !s->params[1]);
}

int main(void) {
  test_strings();
  test_string_errors();
  test_secret_taint();
  test_secret_taint_table();
  test_lists();
  test_sort_stability();
  test_list_errors();
  test_maps();
  test_table();
  return check_done();
}
