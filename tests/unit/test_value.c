/* test_value.c — constructors, reference counts, lists, ordered maps,
 * regexes, equality, ordering, truthiness, secret taint and text forms. */
#include <math.h>
#include <stdint.h>

#include "check_values.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* A tiny deterministic PRNG so the randomised checks repeat exactly. */
static uint64_t next_rand(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static void test_scalars(void) {
  CHECK(v_null().kind == V_NULL);
  CHECK(v_bool(true).as.b);
  CHECK_INT(v_int(-42).as.i, -42);
  CHECK(v_float(2.5).as.f == 2.5);
  CHECK_INT(v_duration(90000).as.i, 90000);
  CHECK_STR(value_type_name(v_null()), "null");
  CHECK_STR(value_type_name(v_bool(false)), "bool");
  CHECK_STR(value_type_name(v_int(1)), "int");
  CHECK_STR(value_type_name(v_float(1)), "float");
  CHECK_STR(value_type_name(v_duration(1)), "duration");
  /* scalars are not reference counted: retain/release are no-ops */
  value_release(value_retain(v_int(3)));
}

static void test_strings(void) {
  Value s = v_str("a\0b", 3);
  CHECK_INT(as_str(s)->len, 3);
  CHECK(str_chars(s)[1] == 0 && str_chars(s)[2] == 'b' && str_chars(s)[3] == 0);
  CHECK(!as_str(s)->secret);
  CHECK_STR(value_type_name(s), "string");
  value_release(s);

  Value c = v_cstr("hello");
  CHECK_STR(str_chars(c), "hello");
  CHECK_INT(as_str(c)->len, 5);
  value_release(c);

  Value t = v_str_take(xstrdup("taken"));
  CHECK_STR(str_chars(t), "taken");
  value_release(t);

  Value f = v_strf("%s-%d", "v", 12);
  CHECK_STR(str_chars(f), "v-12");
  CHECK_INT(as_str(f)->len, 4);
  value_release(f);

  Value e = v_strf("%s", "");
  CHECK_INT(as_str(e)->len, 0);
  value_release(e);
}

static void test_refcounts(void) {
  Value s = v_cstr("shared");
  CHECK_INT(s.as.obj->refs, 1);
  Value list = v_list();
  list_push(list, value_retain(s));
  list_push(list, value_retain(s));
  CHECK_INT(s.as.obj->refs, 3);
  Value map = v_map();
  map_set(map, "k", value_retain(s));
  CHECK_INT(s.as.obj->refs, 4);
  value_release(list);
  CHECK_INT(s.as.obj->refs, 2);
  map_set(map, "k", v_int(1)); /* overwriting releases the old value */
  CHECK_INT(s.as.obj->refs, 1);
  map_set(map, "s", value_retain(s));
  CHECK(map_delete(map, "s"));
  CHECK_INT(s.as.obj->refs, 1);
  value_release(map);
  value_release(s);

  /* nested containers free recursively (LSan/valgrind catch a leak) */
  Value outer = v_list();
  for (int i = 0; i < 10; i++) {
    Value inner = v_map();
    map_set(inner, "list", v_list());
    list_push(map_get(inner, "list"), v_strf("item %d", i));
    map_set(inner, "re", v_regex("^a+$", 4, NULL, NULL));
    list_push(outer, inner);
  }
  value_release(outer);

  /* map_set_str retains the key it is given */
  Value key = v_cstr("key");
  Value m = v_map();
  map_set_str(m, as_str(key), v_int(1));
  CHECK_INT(key.as.obj->refs, 2);
  Value m2 = map_copy(m);
  CHECK_INT(key.as.obj->refs, 3);
  value_release(m);
  value_release(m2);
  CHECK_INT(key.as.obj->refs, 1);
  value_release(key);
}

/* An interpreter-style object: counts how often its free runs and holds a
 * value it must release. */
typedef struct Counter {
  Object base;
  int *frees;
  Value held;
} Counter;

static void counter_free(Obj *self) {
  Counter *c = (Counter *)self;
  (*c->frees)++;
  value_release(c->held);
}

static void counter_show(Obj *self, Buf *out) { buf_printf(out, "<counter %d>", *((Counter *)self)->frees); }

static const ObjectType counter_type = {"counter", counter_free, counter_show};
static const ObjectType bare_type = {"thing", NULL, NULL};

static void test_objects(void) {
  int frees = 0;
  Counter *c = xcalloc(1, sizeof *c);
  c->base.type = &counter_type;
  c->frees = &frees;
  c->held = v_cstr("held by the object");
  Value o = v_object(&c->base);
  CHECK_INT(o.as.obj->refs, 1);
  CHECK_STR(value_type_name(o), "counter");
  CHECK_SHOW(o, "<counter 0>");
  CHECK(value_truthy(o));
  Value list = v_list();
  list_push(list, value_retain(o));
  value_release(o);
  CHECK_INT(frees, 0);
  CHECK(value_equal(list_get(list, 0), list_get(list, 0)));
  value_release(list);
  CHECK_INT(frees, 1);

  Object *b = xcalloc(1, sizeof *b);
  b->type = &bare_type;
  Value bv = v_object(b);
  CHECK_SHOW(bv, "<thing>");
  Object *b2 = xcalloc(1, sizeof *b2);
  b2->type = &bare_type;
  Value bv2 = v_object(b2);
  CHECK(!value_equal(bv, bv2)); /* objects are equal only to themselves */
  value_release(bv);
  value_release(bv2);
}

static void test_lists(void) {
  Value l = v_list();
  CHECK_INT(list_len(l), 0);
  CHECK(list_get(l, 0).kind == V_NULL);
  for (int i = 0; i < 100; i++) list_push(l, v_int(i));
  CHECK_INT(list_len(l), 100);
  CHECK_INT(list_get(l, 57).as.i, 57);
  CHECK(list_get(l, 100).kind == V_NULL);
  list_set(l, 3, v_cstr("three"));
  CHECK_STR(str_chars(list_get(l, 3)), "three");
  Value copy = list_copy(l);
  CHECK(value_equal(copy, l));
  CHECK(copy.as.obj != l.as.obj);
  CHECK_INT(list_get(l, 3).as.obj->refs, 2); /* shallow: the string is shared */
  list_set(copy, 0, v_int(-1));
  CHECK_INT(list_get(l, 0).as.i, 0);
  value_release(copy);
  CHECK_INT(list_get(l, 3).as.obj->refs, 1);
  value_release(l);
  Value empty = v_list();
  Value ec = list_copy(empty);
  CHECK_INT(list_len(ec), 0);
  value_release(empty);
  value_release(ec);
}

static void test_map_order(void) {
  Value m = v_map();
  CHECK(map_get(m, "x").kind == V_NULL);
  CHECK(!map_delete(m, "x"));
  const char *names[] = {"zeta", "alpha", "mid", "beta", "omega"};
  for (int i = 0; i < 5; i++) map_set(m, names[i], v_int(i));
  CHECK_SHOW(m, "{zeta: 0, alpha: 1, mid: 2, beta: 3, omega: 4}");
  map_set(m, "mid", v_cstr("again")); /* an existing key keeps its place */
  CHECK_SHOW(m, "{zeta: 0, alpha: 1, mid: \"again\", beta: 3, omega: 4}");
  CHECK(map_delete(m, "alpha"));
  CHECK(!map_delete(m, "alpha"));
  CHECK_SHOW(m, "{zeta: 0, mid: \"again\", beta: 3, omega: 4}");
  map_set(m, "alpha", v_int(9)); /* re-added: goes to the end */
  CHECK_SHOW(m, "{zeta: 0, mid: \"again\", beta: 3, omega: 4, alpha: 9}");
  CHECK_INT(map_len(m), 5);
  map_set(m, "nothing", v_null());
  CHECK(map_has(m, "nothing"));
  CHECK(!map_has(m, "absent"));
  CHECK(map_get(m, "nothing").kind == V_NULL);
  value_release(m);

  /* keys holding NUL bytes are distinct from their prefixes */
  Value n = v_map();
  Value k1 = v_str("a\0b", 3), k2 = v_str("a", 1);
  map_set_str(n, as_str(k1), v_int(1));
  map_set_str(n, as_str(k2), v_int(2));
  CHECK_INT(map_len(n), 2);
  CHECK_INT(map_get_n(n, "a\0b", 3).as.i, 1);
  CHECK_INT(map_get(n, "a").as.i, 2);
  CHECK(map_has_n(n, "a\0b", 3));
  CHECK(!map_has_n(n, "a\0c", 3));
  CHECK(map_delete_n(n, "a\0b", 3));
  CHECK_INT(map_len(n), 1);
  value_release(k1);
  value_release(k2);
  value_release(n);
}

/* Random sets, overwrites and deletes checked against a plain ordered
 * array, across the switch from linear scan to the hash index. */
static void test_map_model(void) {
  enum { KEYS = 600, OPS = 30000 };
  int model_key[KEYS];  /* model: keys in order */
  int64_t model_val[KEYS];
  int model_n = 0;
  uint64_t seed = 0x9e3779b97f4a7c15u;
  Value m = v_map();
  char key[32];
  bool ok = true;
  for (int op = 0; op < OPS && ok; op++) {
    int k = (int)(next_rand(&seed) % KEYS);
    snprintf(key, sizeof key, "key-%d", k);
    int at = -1;
    for (int i = 0; i < model_n; i++)
      if (model_key[i] == k) at = i;
    if (next_rand(&seed) % 3 == 0) {
      bool deleted = map_delete(m, key);
      ok = deleted == (at >= 0);
      if (at >= 0) {
        memmove(model_key + at, model_key + at + 1, (size_t)(model_n - at - 1) * sizeof *model_key);
        memmove(model_val + at, model_val + at + 1, (size_t)(model_n - at - 1) * sizeof *model_val);
        model_n--;
      }
    } else {
      map_set(m, key, v_int(op));
      if (at >= 0) model_val[at] = op;
      else model_key[model_n] = k, model_val[model_n++] = op;
    }
    if (op % 1000 == 0 || op == OPS - 1) {
      Map *mm = as_map(m);
      ok = ok && (int)mm->n == model_n;
      for (int i = 0; ok && i < model_n; i++) {
        snprintf(key, sizeof key, "key-%d", model_key[i]);
        ok = strcmp(mm->keys[i]->data, key) == 0 && mm->vals[i].as.i == model_val[i] &&
             map_get(m, key).as.i == model_val[i];
      }
      for (int k2 = 0; ok && k2 < KEYS; k2++) {
        snprintf(key, sizeof key, "key-%d", k2);
        bool in_model = false;
        for (int i = 0; i < model_n; i++) in_model |= model_key[i] == k2;
        ok = map_has(m, key) == in_model;
      }
    }
  }
  CHECK(ok);
  CHECK(as_map(m)->index != NULL); /* the indexed path was exercised */
  value_release(m);
}

/* Keys whose hashes share their low bits all land in one probe chain;
 * deleting from the middle of the chain must not hide the keys after it. */
static void test_map_collisions(void) {
  enum { WANT = 300 };
  char (*keys)[24] = xmalloc(WANT * sizeof *keys);
  int found = 0;
  uint32_t target = str_hash("k0", 2) & 0x3ff;
  for (int i = 0; found < WANT; i++) {
    char k[24];
    int len = snprintf(k, sizeof k, "k%d", i);
    if ((str_hash(k, (size_t)len) & 0x3ff) == target) memcpy(keys[found++], k, sizeof k);
  }
  Value m = v_map();
  for (int i = 0; i < WANT; i++) map_set(m, keys[i], v_int(i));
  CHECK_INT(as_map(m)->index_cap, 1024); /* so the low 10 bits pick the slot */
  bool ok = true;
  for (int i = 0; i < WANT; i++) ok = ok && map_get(m, keys[i]).as.i == i;
  CHECK(ok);
  for (int i = 0; i < WANT; i += 2) ok = ok && map_delete(m, keys[i]);
  CHECK(ok);
  for (int i = 0; i < WANT; i++) ok = ok && map_has(m, keys[i]) == (i % 2 == 1);
  CHECK(ok);
  for (int i = 1; i < WANT; i += 2) ok = ok && map_get(m, keys[i]).as.i == i;
  CHECK(ok);
  /* order survives: the odd keys, in insertion order */
  Map *mm = as_map(m);
  for (size_t i = 0; i < mm->n; i++) ok = ok && strcmp(mm->keys[i]->data, keys[2 * i + 1]) == 0;
  CHECK(ok);
  CHECK_INT(map_len(m), WANT / 2);
  for (int i = 0; i < WANT; i += 2) map_set(m, keys[i], v_int(-i));
  for (int i = 0; i < WANT; i++) ok = ok && map_get(m, keys[i]).as.i == (i % 2 ? i : -i);
  CHECK(ok);
  value_release(m);
  free(keys);
}

typedef struct HashKey {
  uint32_t h;
  int i;
} HashKey;

static int cmp_hash(const void *a, const void *b) {
  const HashKey *x = a, *y = b;
  return x->h < y->h ? -1 : x->h > y->h ? 1 : x->i - y->i;
}

/* Two different keys with the very same 32-bit hash (found by the birthday
 * bound among 200000 keys) are still told apart by their text. */
static void test_map_full_collision(void) {
  enum { N = 200000 };
  HashKey *hk = xmalloc(N * sizeof *hk);
  char k[24];
  for (int i = 0; i < N; i++) hk[i] = (HashKey){str_hash(k, (size_t)snprintf(k, sizeof k, "c%d", i)), i};
  qsort(hk, N, sizeof *hk, cmp_hash);
  int a = -1, b = -1;
  for (int i = 1; i < N && a < 0; i++)
    if (hk[i].h == hk[i - 1].h) a = hk[i - 1].i, b = hk[i].i;
  free(hk);
  if (!CHECK(a >= 0)) return;
  char ka[24], kb[24];
  snprintf(ka, sizeof ka, "c%d", a);
  snprintf(kb, sizeof kb, "c%d", b);
  CHECK(str_hash(ka, strlen(ka)) == str_hash(kb, strlen(kb)));
  for (int small = 0; small < 2; small++) { /* the linear scan and the index */
    Value m = v_map();
    if (!small)
      for (int i = 0; i < 50; i++) map_set(m, (snprintf(k, sizeof k, "filler%d", i), k), v_int(0));
    map_set(m, ka, v_int(1));
    CHECK(!map_has(m, kb));
    map_set(m, kb, v_int(2));
    CHECK_INT(map_get(m, ka).as.i, 1);
    CHECK_INT(map_get(m, kb).as.i, 2);
    CHECK(map_delete(m, ka));
    CHECK(!map_has(m, ka));
    CHECK_INT(map_get(m, kb).as.i, 2);
    value_release(m);
  }
}

static void test_map_many(void) {
  enum { N = 100000 };
  Value m = v_map();
  char k[32];
  for (int i = 0; i < N; i++) map_set(m, (snprintf(k, sizeof k, "key/%d", i), k), v_int(i));
  CHECK_INT(map_len(m), N);
  bool ok = true;
  for (int i = 0; i < N; i++) ok = ok && map_get(m, (snprintf(k, sizeof k, "key/%d", i), k)).as.i == i;
  CHECK(ok);
  CHECK(!map_has(m, "key/100000"));
  Value copy = map_copy(m);
  CHECK(value_equal(copy, m));
  map_set(copy, "key/5", v_int(-5));
  CHECK(!value_equal(copy, m));
  CHECK_INT(map_get(m, "key/5").as.i, 5);
  value_release(copy);
  value_release(m);
}

static void test_truthiness(void) {
  CHECK(!value_truthy(v_null()));
  CHECK(!value_truthy(v_bool(false)));
  CHECK(value_truthy(v_bool(true)));
  CHECK(!value_truthy(v_int(0)));
  CHECK(value_truthy(v_int(-1)));
  CHECK(!value_truthy(v_float(0.0)));
  CHECK(!value_truthy(v_float(-0.0)));
  CHECK(value_truthy(v_float(0.5)));
  CHECK(!value_truthy(v_duration(0)));
  CHECK(value_truthy(v_duration(1)));
  Value e = v_cstr(""), s = v_cstr("0"), l = v_list(), m = v_map();
  CHECK(!value_truthy(e));
  CHECK(value_truthy(s)); /* non-empty text is true, whatever it says */
  CHECK(!value_truthy(l));
  CHECK(!value_truthy(m));
  list_push(l, v_null());
  map_set(m, "k", v_bool(false));
  CHECK(value_truthy(l));
  CHECK(value_truthy(m));
  Value re = v_regex("", 0, NULL, NULL);
  CHECK(value_truthy(re));
  value_release(re);
  value_release(e), value_release(s), value_release(l), value_release(m);
}

static void test_equality(void) {
  CHECK(value_equal(v_null(), v_null()));
  CHECK(!value_equal(v_null(), v_bool(false)));
  CHECK(value_equal(v_int(1), v_float(1.0)));
  CHECK(value_equal(v_float(1.0), v_int(1)));
  CHECK(!value_equal(v_int(1), v_float(1.5)));
  CHECK(!value_equal(v_int(1), v_bool(true)));
  CHECK(!value_equal(v_int(60000), v_duration(60000)));
  CHECK(value_equal(v_duration(60000), v_duration(60000)));
  CHECK(!value_equal(v_float(NAN), v_float(NAN)));
  /* 2^53 + 1 is not the double 2^53, though converting would say so */
  CHECK(!value_equal(v_int(9007199254740993), v_float(9007199254740992.0)));
  CHECK(value_equal(v_int(INT64_MIN), v_float(-9223372036854775808.0)));
  CHECK(!value_equal(v_int(INT64_MAX), v_float(9223372036854775808.0)));

  Value a = v_str("x\0y", 3), b = v_str("x\0z", 3), c = v_str("x\0y", 3);
  CHECK(!value_equal(a, b));
  CHECK(value_equal(a, c));
  Value secret = value_mark_secret(v_str("x\0y", 3));
  CHECK(value_equal(a, secret)); /* taint does not change the text */
  value_release(a), value_release(b), value_release(c), value_release(secret);

  Value l1 = v_list(), l2 = v_list();
  list_push(l1, v_int(1)), list_push(l2, v_float(1.0));
  Value in1 = v_map(), in2 = v_map();
  map_set(in1, "a", v_cstr("A")), map_set(in1, "b", v_list());
  map_set(in2, "b", v_list()), map_set(in2, "a", v_cstr("A")); /* other order: still equal */
  list_push(l1, in1), list_push(l2, in2);
  CHECK(value_equal(l1, l2));
  map_set(in2, "c", v_null());
  CHECK(!value_equal(l1, l2));
  map_set(in1, "d", v_null()); /* same size, different keys */
  CHECK(!value_equal(l1, l2));
  list_push(l1, v_int(3));
  CHECK(!value_equal(l1, l2));
  value_release(l1), value_release(l2);

  Value r1 = v_regex("^a", 2, NULL, NULL), r2 = v_regex("^a", 2, NULL, NULL), r3 = v_regex("^b", 2, NULL, NULL);
  CHECK(value_equal(r1, r2));
  CHECK(!value_equal(r1, r3));
  value_release(r1), value_release(r2), value_release(r3);
}

static int cmp(Value a, Value b, bool *ok) { return value_compare(a, b, ok); }

static void test_compare(void) {
  bool ok;
  CHECK(cmp(v_int(1), v_int(2), &ok) < 0 && ok);
  CHECK(cmp(v_int(2), v_int(1), &ok) > 0 && ok);
  CHECK(cmp(v_int(2), v_int(2), &ok) == 0 && ok);
  CHECK(cmp(v_int(1), v_float(1.5), &ok) < 0 && ok);
  CHECK(cmp(v_float(1.5), v_int(1), &ok) > 0 && ok);
  CHECK(cmp(v_float(-0.5), v_int(0), &ok) < 0 && ok);
  CHECK(cmp(v_int(-1), v_float(-0.5), &ok) < 0 && ok);
  CHECK(cmp(v_int(9007199254740993), v_float(9007199254740992.0), &ok) > 0 && ok);
  CHECK(cmp(v_int(INT64_MAX), v_float(1e19), &ok) < 0 && ok);
  CHECK(cmp(v_int(INT64_MIN), v_float(-1e19), &ok) > 0 && ok);
  CHECK(cmp(v_int(0), v_float(INFINITY), &ok) < 0 && ok);
  cmp(v_float(NAN), v_int(1), &ok);
  CHECK(!ok);
  CHECK(cmp(v_duration(1000), v_duration(60000), &ok) < 0 && ok);
  cmp(v_duration(1000), v_int(1), &ok);
  CHECK(!ok);
  Value a = v_cstr("abc"), b = v_cstr("abd"), ab = v_cstr("ab"), up = v_cstr("B");
  CHECK(cmp(a, b, &ok) < 0 && ok);
  CHECK(cmp(ab, a, &ok) < 0 && ok);
  CHECK(cmp(a, a, &ok) == 0 && ok);
  CHECK(cmp(up, a, &ok) < 0 && ok); /* bytewise: uppercase sorts first */
  cmp(a, v_int(1), &ok);
  CHECK(!ok);
  cmp(v_null(), v_null(), &ok);
  CHECK(!ok);
  cmp(v_bool(false), v_bool(true), &ok);
  CHECK(!ok);
  Value l1 = v_list(), l2 = v_list();
  list_push(l1, v_int(1)), list_push(l1, value_retain(a));
  list_push(l2, v_int(1)), list_push(l2, value_retain(b));
  CHECK(cmp(l1, l2, &ok) < 0 && ok);
  list_set(l2, 1, value_retain(a));
  CHECK(cmp(l1, l2, &ok) == 0 && ok);
  list_push(l2, v_int(0));
  CHECK(cmp(l1, l2, &ok) < 0 && ok); /* a prefix sorts first */
  list_set(l2, 0, v_cstr("x"));
  cmp(l1, l2, &ok);
  CHECK(!ok);
  Value m1 = v_map();
  cmp(m1, m1, &ok);
  CHECK(!ok);
  value_release(m1);
  value_release(l1), value_release(l2);
  value_release(a), value_release(b), value_release(ab), value_release(up);
}

static void test_secret(void) {
  Value s = v_cstr("hunter2");
  Value other = value_retain(s);
  Value t = value_mark_secret(s); /* shared: copied, the other holder stays clean */
  CHECK(as_str(t)->secret);
  CHECK(!as_str(other)->secret);
  CHECK(t.as.obj != other.as.obj);
  CHECK(value_is_secret(t));
  CHECK(!value_is_secret(other));
  Value u = v_cstr("alone");
  Obj *before = u.as.obj;
  u = value_mark_secret(u); /* sole owner: tainted in place */
  CHECK(u.as.obj == before && as_str(u)->secret);
  CHECK(value_mark_secret(v_int(5)).as.i == 5);

  Value list = v_list(), map = v_map(), inner = v_list();
  list_push(list, v_cstr("plain"));
  map_set(map, "list", value_retain(list));
  CHECK(!value_is_secret(map));
  list_push(inner, value_retain(t));
  map_set(map, "deep", inner);
  CHECK(value_is_secret(map));
  CHECK(!value_is_secret(list));
  Value keyed = v_map();
  map_set_str(keyed, as_str(u), v_int(1)); /* a secret used as a key */
  CHECK(value_is_secret(keyed));
  value_release(keyed);
  value_release(list), value_release(map);
  value_release(t), value_release(other), value_release(u);
}

static void test_show(void) {
  CHECK_SHOW(v_null(), "null");
  CHECK_SHOW(v_bool(true), "true");
  CHECK_SHOW(v_int(-12), "-12");
  CHECK_SHOW(v_int(INT64_MIN), "-9223372036854775808");
  CHECK_SHOW(v_float(0.1), "0.1");
  CHECK_SHOW(v_float(1.0), "1.0");
  CHECK_SHOW(v_float(-2.5), "-2.5");
  CHECK_SHOW(v_float(1e300), "1.0e+300");
  CHECK_SHOW(v_float(1.5e-10), "1.5e-10");
  CHECK_SHOW(v_float(100000000000000000000.0), "1.0e+20");
  CHECK_SHOW(v_float(123456.0), "123456.0");
  CHECK_SHOW(v_float(100.0), "100.0");
  CHECK_SHOW(v_float(0.0001), "0.0001");
  CHECK_SHOW(v_float(0.00001), "1.0e-05");
  CHECK_SHOW(v_float(1234567890123456.0), "1234567890123456.0");
  CHECK_SHOW(v_float(1e16), "1.0e+16");
  CHECK_SHOW(v_float(-0.0), "-0.0");
  CHECK_SHOW(v_float(0.30000000000000004), "0.30000000000000004");
  CHECK_SHOW(v_float(NAN), "nan");
  CHECK_SHOW(v_float(-INFINITY), "-inf");
  CHECK_SHOW(v_duration(0), "0s");
  CHECK_SHOW(v_duration(250), "250ms");
  CHECK_SHOW(v_duration(90000), "1m30s");
  CHECK_SHOW(v_duration(5400000), "1h30m");
  CHECK_SHOW(v_duration(86400000 + 7200000), "1d2h");
  CHECK_SHOW(v_duration(1500), "1s500ms");
  CHECK_SHOW(v_duration(-90000), "-1m30s");

  static const char raw[] = "a\"b\\c\nd\te\r$x ${y} \x01\x7f é";
  Value s = v_str(raw, sizeof raw - 1);
  CHECK_SHOW(s, "\"a\\\"b\\\\c\\nd\\te\\r$x \\${y} \\x01\\x7f é\"");
  Buf b = {0};
  value_to_text(s, &b);
  CHECK(b.len == sizeof raw - 1 && memcmp(b.data, raw, sizeof raw - 1) == 0);
  buf_free(&b);
  value_release(s);

  Value l = v_list();
  list_push(l, v_int(1));
  list_push(l, v_cstr("a"));
  list_push(l, v_list());
  list_push(l, v_map());
  list_push(l, v_duration(300000));
  CHECK_SHOW(l, "[1, \"a\", [], {}, 5m]");
  Value m = v_map();
  map_set(m, "a", v_int(1));
  map_set(m, "b.c", v_int(2));
  map_set(m, "_x9", value_retain(l));
  map_set(m, "9x", v_bool(false));
  map_set(m, "", v_null());
  CHECK_SHOW(m, "{a: 1, \"b.c\": 2, _x9: [1, \"a\", [], {}, 5m], \"9x\": false, \"\": null}");
  char *text = value_to_cstr(m);
  CHECK_STR(text, "{a: 1, \"b.c\": 2, _x9: [1, \"a\", [], {}, 5m], \"9x\": false, \"\": null}");
  free(text);
  value_release(m), value_release(l);

  Value re = v_regex("^v\\d+", 5, NULL, NULL);
  CHECK_SHOW(re, "re\"^v\\d+\"");
  text = value_to_cstr(re);
  CHECK_STR(text, "^v\\d+");
  free(text);
  value_release(re);

  text = value_to_cstr(v_duration(3600000));
  CHECK_STR(text, "1h");
  free(text);
  text = value_to_cstr(v_null());
  CHECK_STR(text, "null");
  free(text);
  text = value_to_cstr(v_float(2.0));
  CHECK_STR(text, "2.0");
  free(text);

  /* very deep nesting prints, cut short, instead of exhausting the stack */
  Value deep = v_list();
  Value cur = deep;
  for (int i = 0; i < 150; i++) {
    Value next = v_list();
    list_push(cur, next);
    cur = next;
  }
  char *d = shown(deep);
  CHECK(strstr(d, "[...]") != NULL);
  CHECK(strlen(d) < 250);
  free(d);
  value_release(deep);
}

/* format_float gives the shortest text that reads back as the same double. */
static void test_float_round_trip(void) {
  uint64_t seed = 12345;
  bool ok = true;
  for (int i = 0; i < 20000 && ok; i++) {
    uint64_t bits = next_rand(&seed);
    double f;
    memcpy(&f, &bits, sizeof f);
    if (isnan(f) || isinf(f)) continue;
    Buf b = {0};
    format_float(f, &b);
    double back = strtod(b.data, NULL);
    ok = memcmp(&back, &f, sizeof f) == 0;
    if (!ok) fprintf(stderr, "    %.17g printed as %s\n", f, b.data);
    buf_free(&b);
  }
  CHECK(ok);
}

static void test_regex(void) {
  char *err = NULL;
  size_t off = 0;
  Value re = v_regex("^v(\\d+)\\.(\\d+)$", 15, &err, &off);
  if (!CHECK(re.kind == V_REGEX)) return;
  CHECK(err == NULL);
  CHECK_STR(value_type_name(re), "regex");
  CHECK(regex_search(re, "v1.22", 5, &err));
  CHECK(!regex_search(re, "v1.22x", 6, &err));
  CHECK(!regex_search(re, "v1.2", 3, &err)); /* the length bounds the subject */
  CHECK(err == NULL);
  uint32_t have_jit = 0;
  size_t jit_size = 0;
  pcre2_config(PCRE2_CONFIG_JIT, &have_jit);
  pcre2_pattern_info(as_regex(re)->code, PCRE2_INFO_JITSIZE, &jit_size);
  CHECK(!have_jit || jit_size > 0); /* compiled to machine code where PCRE2 can */
  value_release(re);

  Value uni = v_regex("^.{3}$", 6, NULL, NULL);
  CHECK(regex_search(uni, "héé", strlen("héé"), NULL)); /* UTF-8 mode: characters, not bytes */
  err = NULL;
  CHECK(!regex_search(uni, "h\xff\xfe", 3, &err)); /* invalid UTF-8 never matches a character */
  CHECK(err == NULL);
  value_release(uni);

  Value bad = v_regex("ab(c", 4, &err, &off);
  CHECK(bad.kind == V_NULL);
  CHECK(err && strstr(err, "missing closing parenthesis"));
  CHECK_INT(off, 4);
  free(err);
  err = NULL;
  bad = v_regex("a{2,1}", 6, &err, &off);
  CHECK(bad.kind == V_NULL);
  CHECK(err && strstr(err, "out of order"));
  CHECK_INT(off, 5);
  free(err);
  err = NULL;
  bad = v_regex("x**", 3, NULL, NULL); /* err may be NULL */
  CHECK(bad.kind == V_NULL);

  /* catastrophic backtracking hits PCRE2's limit and says so */
  Value slow = v_regex("^(a+)+$", 7, NULL, NULL);
  char subject[64];
  memset(subject, 'a', 40);
  subject[40] = 'b';
  CHECK(!regex_search(slow, subject, 41, &err));
  CHECK(regex_search(slow, subject, 40, &err));
  free(err); /* set only if PCRE2 gave up rather than deciding */
  value_release(slow);
}

int main(void) {
  test_scalars();
  test_strings();
  test_refcounts();
  test_objects();
  test_lists();
  test_map_order();
  test_map_model();
  test_map_collisions();
  test_map_full_collision();
  test_map_many();
  test_truthiness();
  test_equality();
  test_compare();
  test_secret();
  test_show();
  test_float_round_trip();
  test_regex();
  return check_done();
}
