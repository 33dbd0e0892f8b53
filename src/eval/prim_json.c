/* prim_json.c — json.*: JSON texts to values and back (core/json.c). */
#include "eval/prim.h"

static bool n_parse(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value text;
  ARG(0, V_STRING, true, &text);
  char *err = NULL;
  return json_parse(str_chars(text), as_str(text)->len, out, &err) || prim_fail(I, cs, err);
}

static bool n_encode(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value v, pretty;
  ARG(0, V_NULL, false, &v);
  ARG(1, V_BOOL, false, &pretty);
  Buf b = {0};
  json_encode(v, &b, pretty.kind == V_BOOL && pretty.as.b);
  *out = v_str(b.data ? b.data : "", b.len);
  if (value_is_secret(v)) *out = value_mark_secret(*out);
  buf_free(&b);
  return true;
}

static const Primitive prims[] = {
    {"parse", "text", n_parse, "the value the JSON text holds"},
    {"encode", "value pretty?", n_encode, "the value as a JSON text, indented when `pretty: true`"},
};

const PrimFamily prim_family_json = PRIM_FAMILY("json", "JSON texts.", NULL, prims);
