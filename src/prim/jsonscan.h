/* jsonscan.h — a small read-only JSON tree for protocol answers (registry
 * manifests, tag lists, token responses).
 *
 * The network primitives stay independent of the interpreter's values, so
 * they read JSON with this instead of json_parse. Nodes live in an Arena
 * that the caller frees. Strings are unescaped (\uXXXX to UTF-8). */
#ifndef RP_PRIM_JSONSCAN_H
#define RP_PRIM_JSONSCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/util.h"

typedef enum JsKind { JS_NULL, JS_BOOL, JS_NUMBER, JS_STRING, JS_ARRAY, JS_OBJECT } JsKind;

typedef struct Js {
  JsKind kind;
  bool b;
  double num;
  const char *str;   /* JS_STRING text, NUL-terminated */
  size_t n;          /* items of an array or object */
  struct Js **items;
  const char **keys; /* JS_OBJECT only */
} Js;

/* Parses all of `text`; NULL and *err (malloc'd, with the byte offset) on
 * malformed or truncated input. */
Js *js_parse(Arena *a, const char *text, size_t len, char **err);

const Js *js_get(const Js *obj, const char *key); /* NULL if absent or not an object */
const char *js_str(const Js *v);                  /* NULL unless a string */
const char *js_get_str(const Js *obj, const char *key);

#endif
