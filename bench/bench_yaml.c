/* bench_yaml.c — yaml.set in process on a large values file: MB/s of
 * yaml_set_text, and of a bare libyaml parse of the same text (the
 * floor: an edit must at least parse what it edits).
 * Build: make bench/bench_yaml; run: bench/bench_yaml [FILE [EDITS]]
 * Without FILE (or with ""), a Helm-like values file of about 120 KB is generated. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yaml.h>

#include "prim/yaml.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *generated(size_t *len) {
  Buf b = {0};
  buf_puts(&b, "# values for the whole platform\nglobal:\n  image:\n    registry: registry.example.com\n");
  for (int i = 0; i < 600; i++)
    buf_printf(&b,
               "service%d:\n  # the service's image\n  image:\n    repository: org/service-%d\n"
               "    tag: \"1.%d.0\"\n    pullPolicy: IfNotPresent\n  replicas: %d\n  resources:\n"
               "    limits: {cpu: 500m, memory: 256Mi}\n  env:\n    - name: LOG_LEVEL\n      value: info\n",
               i, i, i, i % 5 + 1);
  *len = b.len;
  return buf_take(&b);
}

static bool libyaml_parse(const char *text, size_t len) {
  yaml_parser_t p;
  yaml_event_t ev;
  yaml_parser_initialize(&p);
  yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
  bool ok = true, done = false;
  while (ok && !done) {
    ok = yaml_parser_parse(&p, &ev);
    done = ok && ev.type == YAML_STREAM_END_EVENT;
    if (ok) yaml_event_delete(&ev);
  }
  yaml_parser_delete(&p);
  return ok;
}

int main(int argc, char **argv) {
  size_t len = 0;
  char *text;
  bool file = argc > 1 && *argv[1]; /* "": the generated one */
  if (file) {
    FILE *f = fopen(argv[1], "rb");
    if (!f) return perror(argv[1]), 1;
    Buf b = {0};
    char chunk[65536];
    for (size_t n; (n = fread(chunk, 1, sizeof chunk, f)) > 0;) buf_putn(&b, chunk, n);
    fclose(f);
    len = b.len;
    text = buf_take(&b);
  } else {
    text = generated(&len);
  }
  int edits = argc > 2 ? atoi(argv[2]) : 200;
  double t0 = now();
  for (int i = 0; i < edits; i++) {
    char path[64], *out = NULL, *err = NULL;
    size_t outlen;
    snprintf(path, sizeof path, "service%d.image.tag", (i * 37) % 600);
    Value v = v_cstr("2.0.0");
    if (!yaml_set_text(text, len, "values.yaml", file ? "global.image.tag" : path, v, &out, &outlen, &err))
      return fprintf(stderr, "%s\n", err), 1;
    value_release(v);
    free(out);
  }
  double t1 = now();
  for (int i = 0; i < edits; i++)
    if (!libyaml_parse(text, len)) return fprintf(stderr, "libyaml cannot parse it\n"), 1;
  double t2 = now();
  double mb = (double)len * edits / 1e6;
  printf("%.0f KB, %d edits: yaml.set %.2f ms/edit, %.1f MB/s; libyaml parse alone %.1f MB/s\n", len / 1e3,
         edits, (t1 - t0) * 1e3 / edits, mb / (t1 - t0), mb / (t2 - t1));
  free(text);
  return 0;
}
