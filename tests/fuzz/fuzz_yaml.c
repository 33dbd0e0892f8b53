/* fuzz_yaml.c — prim/yaml.h on any input as a YAML document: read it (one
 * document and a stream), get, set and delete at the paths of the nodes
 * it has and at some fixed ones. Besides memory safety it checks what
 * doc/primitives-yaml.md promises:
 *   - yaml_get at a node's path gives what yaml_load read there;
 *   - after a set that succeeds, yaml_get at the path gives the value set;
 *   - a set or delete that succeeds leaves a document that reads;
 *   - yaml_encode's text reads back as the same value.
 * The input is passed without a terminating NUL, as the API allows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "prim/yaml.h"

#define NAME "fuzz.yaml"

enum { MAX_PATHS = 16, MAX_WALK_DEPTH = 4, MAX_CHILDREN = 3, MAX_ROUND_TRIP_NODES = 100000 };

/* Paths tried on every input, the odd syntax included. */
static const char *const fixed_paths[] = {
    "", ".", "a", ".a.b", "a[0]", "a[-1].b", "[0]", "[-1]", "a[\"b.c\"]", "'it''s'.x",
    "\"q\\\"k\".y", "[\"\"]", "a..b", "a.", "a[", "a[x]", "k.l.m.n",
};

/* The values set, as YAML; each path gets one of them in turn. */
static const char *const value_texts[] = {
    "7", "v2", "'a: b'", "''", "true", "~", "1.5", "-.inf", "[1, x]", "{k: v, n: {m: []}}",
    "{}", "\"multi\\nline\\n\"", "'  lead'", "\"tab\\there #x\"", "'- item'", "[[], {}, [[a]]]",
};
enum { NVALUES = sizeof value_texts / sizeof *value_texts };
static Value values[NVALUES];
static bool loaded;

static void load_values(void) {
  loaded = true;
  for (int i = 0; i < NVALUES; i++) {
    char *err = NULL;
    if (!yaml_load(value_texts[i], strlen(value_texts[i]), "value", &values[i], &err))
      fuzz_fail("cannot load the value %s: %s", value_texts[i], err);
  }
}

typedef struct Paths {
  char *text[MAX_PATHS];
  Value at[MAX_PATHS]; /* borrowed from the document's value */
  int n;
} Paths;

/* A key as a path step: bare when it can be, else ["..."] with \" and \\. */
static void put_step(Buf *b, const Str *k) {
  if (k->len && !strpbrk(k->data, ".[]\"'")) {
    buf_printf(b, "%s%s", b->len ? "." : "", k->data);
    return;
  }
  buf_puts(b, "[\"");
  for (size_t i = 0; i < k->len; i++) {
    if (k->data[i] == '"' || k->data[i] == '\\') buf_putc(b, '\\');
    buf_putc(b, k->data[i]);
  }
  buf_puts(b, "\"]");
}

/* The paths of the first nodes of `v` (a few children per level). */
static void collect(Value v, Buf *path, int depth, Paths *ps) {
  if (ps->n == MAX_PATHS) return;
  ps->text[ps->n] = xstrdup(path->data ? path->data : "");
  ps->at[ps->n++] = v;
  if (depth == MAX_WALK_DEPTH) return;
  size_t len = path->len;
  if (v.kind == V_LIST) {
    for (size_t i = 0; i < list_len(v) && i < MAX_CHILDREN; i++) {
      buf_printf(path, "[%zu]", i);
      collect(list_get(v, i), path, depth + 1, ps);
      path->len = len;
      path->data[len] = 0;
    }
  } else if (v.kind == V_MAP) {
    Map *m = as_map(v);
    for (size_t i = 0; i < m->n && i < MAX_CHILDREN; i++) {
      if (memchr(m->keys[i]->data, 0, m->keys[i]->len)) continue; /* no path names it */
      put_step(path, m->keys[i]);
      collect(m->vals[i], path, depth + 1, ps);
      path->len = len;
      path->data[len] = 0;
    }
  }
}

static size_t count_nodes(Value v) {
  size_t n = 1;
  if (v.kind == V_LIST)
    for (size_t i = 0; i < list_len(v); i++) n += count_nodes(list_get(v, i));
  else if (v.kind == V_MAP)
    for (size_t i = 0; i < map_len(v); i++) n += count_nodes(as_map(v)->vals[i]);
  return n;
}

/* yaml_get on `text` must succeed and give `want`. */
static void expect_at(const char *text, size_t len, const char *path, Value want,
                      const char *after) {
  Value got;
  char *err = NULL;
  if (!yaml_get(text, len, NAME, path, &got, &err)) {
    fprintf(stderr, "%.*s\n", (int)len, text);
    fuzz_fail("%s, yaml_get '%s' fails: %s", after, path, err);
  }
  if (!fuzz_same(got, want)) {
    char *g = fuzz_show(got), *w = fuzz_show(want);
    fprintf(stderr, "%.*s\n", (int)len, text);
    fuzz_fail("%s, yaml_get '%s' gives %s, not %s", after, path, g, w);
  }
  value_release(got);
}

/* A set or delete that succeeded must leave a document that reads. */
static void expect_readable(const char *text, size_t len, const char *what) {
  Value v;
  char *err = NULL;
  if (!yaml_load(text, len, NAME, &v, &err)) {
    fprintf(stderr, "%.*s\n", (int)len, text);
    fuzz_fail("%s leaves a document that does not read: %s", what, err);
  }
  value_release(v);
}

static void try_edits(const char *text, size_t len, const char *path, Value v) {
  char *out = NULL, *err = NULL;
  size_t outlen;
  if (yaml_set_text(text, len, NAME, path, v, &out, &outlen, &err)) {
    expect_readable(out, outlen, "yaml_set_text");
    expect_at(out, outlen, path, v, "after yaml_set_text");
    free(out);
  } else {
    free(err);
  }
  err = NULL;
  if (yaml_delete_text(text, len, NAME, path, &out, &outlen, &err)) {
    expect_readable(out, outlen, "yaml_delete_text");
    free(out);
  } else {
    free(err);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!loaded) load_values();
  const char *text = (const char *)data;
  Value doc, all;
  char *err = NULL;
  if (yaml_load_all(text, size, NAME, &all, &err)) value_release(all);
  free(err);
  err = NULL;
  size_t turn = size;
  if (yaml_load(text, size, NAME, &doc, &err)) {
    if (count_nodes(doc) <= MAX_ROUND_TRIP_NODES) fuzz_yaml_round_trip(doc); /* aliases expand */
    Paths ps = {0};
    Buf path = {0};
    collect(doc, &path, 0, &ps);
    buf_free(&path);
    for (int i = 0; i < ps.n; i++) {
      expect_at(text, size, ps.text[i], ps.at[i], "in the document read");
      try_edits(text, size, ps.text[i], values[turn++ % NVALUES]);
      free(ps.text[i]);
    }
    value_release(doc);
  } else {
    free(err);
  }
  for (size_t i = 0; i < sizeof fixed_paths / sizeof *fixed_paths; i++)
    try_edits(text, size, fixed_paths[i], values[turn++ % NVALUES]);
  return 0;
}
