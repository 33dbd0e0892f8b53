/* fuzz_json.c — core/json.c on any input: a document that json_parse
 * accepts must survive json_encode, compact and pretty: the text parses
 * back to the same value (kinds, key order and float bits kept), and
 * encodes to the same text again. The value, written by yaml_encode, must
 * also read back through yaml_load (YAML is a superset of what JSON
 * values need). The input is passed without a terminating NUL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static void round_trip(Value v, bool pretty) {
  Buf once = {0}, twice = {0};
  json_encode(v, &once, pretty);
  Value back;
  char *err = NULL;
  if (!json_parse(once.data, once.len, &back, &err)) {
    fprintf(stderr, "%s\n", once.data);
    fuzz_fail("json_encode's output (above) does not parse: %s", err);
  }
  if (!fuzz_same(v, back)) {
    char *got = fuzz_show(back);
    fprintf(stderr, "%s\n", once.data);
    fuzz_fail("json_encode's output (above) parses as %s", got);
  }
  json_encode(back, &twice, pretty);
  if (once.len != twice.len || memcmp(once.data, twice.data, once.len)) {
    fprintf(stderr, "---- once\n%s\n---- twice\n%s\n", once.data, twice.data);
    fuzz_fail("json_encode is not stable over a round trip");
  }
  value_release(back);
  buf_free(&once);
  buf_free(&twice);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Value v;
  char *err = NULL;
  if (!json_parse((const char *)data, size, &v, &err)) {
    free(err);
    return 0;
  }
  round_trip(v, false);
  round_trip(v, true);
  fuzz_yaml_round_trip(v);
  value_release(v);
  return 0;
}
