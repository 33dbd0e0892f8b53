/* bench_values.c — timings of the value layer: map_set and map_get of N
 * distinct keys, JSON encode and parse of the resulting map.
 * Build: make bench/bench_values; run: bench/bench_values [N] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/value.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  char **keys = malloc((size_t)n * sizeof *keys);
  for (long i = 0; i < n; i++) keys[i] = xasprintf("key-%ld", i);

  Value m = v_map();
  double t0 = now();
  for (long i = 0; i < n; i++) map_set(m, keys[i], v_int(i));
  double t1 = now();
  int64_t sum = 0;
  for (long i = 0; i < n; i++) sum += map_get(m, keys[i]).as.i;
  double t2 = now();
  if (sum != (int64_t)n * (n - 1) / 2) {
    fprintf(stderr, "wrong sum\n");
    return 1;
  }
  Buf b = {0};
  json_encode(m, &b, false);
  double t3 = now();
  Value back;
  char *err = NULL;
  if (!json_parse(b.data, b.len, &back, &err)) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  double t4 = now();
  printf("%ld keys: map_set %.3fs (%.0f ns/op), map_get %.3fs (%.0f ns/op)\n", n, t1 - t0,
         (t1 - t0) / (double)n * 1e9, t2 - t1, (t2 - t1) / (double)n * 1e9);
  printf("json: encode %.3fs, parse %.3fs (%.1f MB)\n", t3 - t2, t4 - t3, (double)b.len / 1e6);
  value_release(back);
  buf_free(&b);
  value_release(m);
  for (long i = 0; i < n; i++) free(keys[i]);
  free(keys);
  return 0;
}
