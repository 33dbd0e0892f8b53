/* fuzz.h — what the libFuzzer harnesses share (tests/fuzz.sh builds them;
 * doc/hacking.md). A harness checks properties as well as memory safety:
 * a broken one is reported with fuzz_fail, which aborts, so libFuzzer
 * saves the input as a crash. */
#ifndef RP_FUZZ_H
#define RP_FUZZ_H

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/value.h"
#include "prim/yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static inline void fuzz_fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("fuzz: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  abort();
}

/* The value as JSON, for a failure's message (malloc'd). */
static inline char *fuzz_show(Value v) {
  Buf b = {0};
  json_encode(v, &b, false);
  return buf_take(&b);
}

/* Equal as a round trip must keep them: the same kinds (1 is not 1.0),
 * floats bit for bit but NaN equal to NaN, map keys in the same order.
 * (value_equal is the language's ==, which is looser.) */
static inline bool fuzz_same(Value a, Value b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
  case V_FLOAT:
    return isnan(a.as.f) ? isnan(b.as.f) : memcmp(&a.as.f, &b.as.f, sizeof a.as.f) == 0;
  case V_LIST:
    if (list_len(a) != list_len(b)) return false;
    for (size_t i = 0; i < list_len(a); i++)
      if (!fuzz_same(list_get(a, i), list_get(b, i))) return false;
    return true;
  case V_MAP: {
    Map *x = as_map(a), *y = as_map(b);
    if (x->n != y->n) return false;
    for (size_t i = 0; i < x->n; i++) {
      const Str *k = x->keys[i], *l = y->keys[i];
      if (k->len != l->len || memcmp(k->data, l->data, k->len)) return false;
      if (!fuzz_same(x->vals[i], y->vals[i])) return false;
    }
    return true;
  }
  default: return value_equal(a, b);
  }
}

/* What yaml_encode writes reads back as v. */
static inline void fuzz_yaml_round_trip(Value v) {
  Buf b = {0};
  yaml_encode(v, &b);
  Value back;
  char *err = NULL;
  if (!yaml_load(b.data, b.len, "encoded.yaml", &back, &err)) {
    fprintf(stderr, "%s", b.data);
    fuzz_fail("yaml_encode's output (above) does not read: %s", err);
  }
  if (!fuzz_same(v, back)) {
    char *want = fuzz_show(v), *got = fuzz_show(back);
    fprintf(stderr, "%s", b.data);
    fuzz_fail("yaml_encode's output (above) reads as %s, not %s", got, want);
  }
  value_release(back);
  buf_free(&b);
}

#endif
