/* yaml.h — the yaml.* primitives over libyaml: read YAML into rp values,
 * and edit YAML text in place so that every byte outside the edited node
 * (comments, key order, quoting, indentation, blank lines) stays as it was.
 *
 * Paths (doc/primitives-yaml.md): `spec.source.targetRevision`,
 * `containers[0].image`, quoted keys `"a.b".c` or `["a.b"]`, an optional
 * leading `.`; `""` or `.` is the whole document.
 *
 * Every function returns false on failure and sets *err to a malloc'd
 * message that starts with `name` (the file path) and, where the fault is
 * in the text, its line:col. */
#ifndef RP_PRIM_YAML_H
#define RP_PRIM_YAML_H

#include <stdbool.h>
#include <stddef.h>

#include "core/value.h"

/* Aliases may not expand a document beyond this many nodes: a guard
 * against "billion laughs" documents. */
#define YAML_MAX_NODES 1000000

/* Text -> value. Maps keep their order; plain scalars are typed by the
 * YAML 1.2 core schema (null, bool, int, float), quoted ones are strings;
 * aliases are resolved, `<<` merge keys are applied. A stream of several
 * documents is an error: use yaml_load_all for a list of them. */
bool yaml_load(const char *text, size_t len, const char *name, Value *out, char **err);
bool yaml_load_all(const char *text, size_t len, const char *name, Value *out, char **err);

/* The value at `path` (a new reference); an absent key gives null, an
 * index out of range or a step through a scalar is an error. */
bool yaml_get(const char *text, size_t len, const char *name, const char *path, Value *out,
              char **err);

/* Edit the text: set `path` to `v` (creating missing keys and
 * intermediate mappings), or delete it (an absent key is no change).
 * `v` is borrowed. The result is a malloc'd *out of *outlen bytes; an
 * edit whose result would not read back is refused. */
bool yaml_set_text(const char *text, size_t len, const char *name, const char *path, Value v,
                   char **out, size_t *outlen, char **err);
bool yaml_delete_text(const char *text, size_t len, const char *name, const char *path,
                      char **out, size_t *outlen, char **err);

/* The same on files; set and delete write atomically, and only when the
 * text changes. */
bool yaml_read_file(const char *path, Value *out, char **err);
bool yaml_get_file(const char *path, const char *ypath, Value *out, char **err);
bool yaml_set_file(const char *path, const char *ypath, Value v, char **err);
bool yaml_delete_file(const char *path, const char *ypath, char **err);

/* Value -> block-style YAML (2-space indentation, ends with a newline).
 * Strings are quoted only when a plain scalar would read back as
 * something else. */
void yaml_encode(Value v, Buf *out);

#endif
