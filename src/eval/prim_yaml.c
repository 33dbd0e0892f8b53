/* prim_yaml.c — yaml.*: YAML files and texts, over prim/yaml.h (libyaml).
 * yaml.set and yaml.delete edit a file in place, keeping every other byte. */
#include <stdlib.h>

#include "eval/prim.h"
#include "prim/yaml.h"

static bool n_read(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value file;
  ARG(0, V_STRING, true, &file);
  char *err = NULL;
  return yaml_read_file(str_chars(file), out, &err) || prim_fail(I, cs, err);
}

static bool n_get(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value file, path;
  ARG(0, V_STRING, true, &file);
  ARG(1, V_STRING, true, &path);
  char *err = NULL;
  return yaml_get_file(str_chars(file), str_chars(path), out, &err) || prim_fail(I, cs, err);
}

static bool n_set(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value file, path, v;
  ARG(0, V_STRING, true, &file);
  ARG(1, V_STRING, true, &path);
  ARG(2, V_NULL, false, &v);
  char *text = value_to_cstr(v);
  bool said = prim_dry_run(I, out, V_NULL_VALUE, "yaml.set %s %s = %s", str_chars(file), str_chars(path), text);
  free(text);
  if (said) return true;
  char *err = NULL;
  if (!yaml_set_file(str_chars(file), str_chars(path), v, &err)) return prim_fail(I, cs, err);
  *out = V_NULL_VALUE;
  return true;
}

static bool n_delete(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value file, path;
  ARG(0, V_STRING, true, &file);
  ARG(1, V_STRING, true, &path);
  if (prim_dry_run(I, out, V_NULL_VALUE, "yaml.delete %s %s", str_chars(file), str_chars(path))) return true;
  char *err = NULL;
  if (!yaml_delete_file(str_chars(file), str_chars(path), &err)) return prim_fail(I, cs, err);
  *out = V_NULL_VALUE;
  return true;
}

static bool n_parse(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value text;
  ARG(0, V_STRING, true, &text);
  char *err = NULL;
  return yaml_load(str_chars(text), as_str(text)->len, "yaml.parse", out, &err) || prim_fail(I, cs, err);
}

static bool n_encode(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value v;
  ARG(0, V_NULL, false, &v);
  Buf b = {0};
  yaml_encode(v, &b);
  *out = v_str(b.data ? b.data : "", b.len);
  buf_free(&b);
  return true;
}

static const Primitive prims[] = {
    {"read", "file", n_read, "the whole file as a value"},
    {"get", "file path", n_get, "the value at `path` (`spec.source.targetRevision`, `containers[0].image`, `\"a.b\".c`)"},
    {"set", "file path value", n_set,
     "null; the file is edited in place and every other byte (comments, order, quoting) kept"},
    {"delete", "file path", n_delete, "null; edits the file in place as `set` does"},
    {"parse", "text", n_parse, "the value the YAML text holds"},
    {"encode", "value", n_encode, "the value as a YAML text"},
};

const PrimFamily prim_family_yaml = PRIM_FAMILY("yaml", "YAML through libyaml.", "primitives-yaml.md", prims);
