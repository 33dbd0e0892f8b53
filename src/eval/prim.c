/* prim.c — the helpers the families' bindings share (eval/prim.h). */
#include "eval/prim.h"

#include <stdarg.h>
#include <stdlib.h>

/* Argument i as the spec names it, for messages. */
static PrimParam param(const CallSite *cs, int i) {
  PrimParam p = {0};
  prim_param(cs->prim, i, &p);
  return p;
}

bool prim_arg(Interp *I, const CallSite *cs, Value *args, int nargs, int i, ValueKind kind, bool required,
              Value *out) {
  *out = i < nargs ? args[i] : V_NULL_VALUE;
  if (out->kind == V_NULL ? !required : kind == V_NULL || out->kind == kind || (kind == V_FLOAT && out->kind == V_INT))
    return true;
  PrimParam p = param(cs, i);
  if (out->kind == V_NULL) return FAIL("%s: missing argument '%.*s'", cs->name, (int)p.len, p.name);
  return FAIL("%s: '%.*s' must be a %s, not %s", cs->name, (int)p.len, p.name, value_type_name((Value){.kind = kind}),
              value_type_name(*out));
}

bool prim_fail(Interp *I, const CallSite *cs, char *msg) {
  char *shown = interp_mask(I, msg ? msg : "failed");
  FAIL("%s: %s", cs->name, shown);
  free(shown);
  free(msg);
  return false;
}

bool prim_dry_run(Interp *I, Value *out, Value stand_in, const char *fmt, ...) {
  if (!interp_dry_run(I)) {
    value_release(stand_in);
    return false;
  }
  Buf b = {0};
  buf_puts(&b, "[dry-run] ");
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  char *shown = interp_mask(I, b.data); /* secrets, and the userinfo of URLs */
  interp_emit(I, "stdout", shown);
  free(shown);
  buf_free(&b);
  *out = stand_in;
  return true;
}

bool prim_strings(Interp *I, const CallSite *cs, Value *args, int nargs, int i, const char ***out, size_t *n) {
  Value v = i < nargs ? args[i] : V_NULL_VALUE;
  *n = v.kind == V_LIST ? list_len(v) : v.kind == V_STRING;
  const char **s = xcalloc(*n + 1, sizeof *s);
  bool ok = v.kind == V_NULL || v.kind == V_STRING || v.kind == V_LIST;
  for (size_t k = 0; ok && k < *n; k++) {
    Value item = v.kind == V_LIST ? list_get(v, k) : v;
    ok = item.kind == V_STRING;
    s[k] = ok ? str_chars(item) : NULL;
  }
  if (ok) {
    *out = s;
    return true;
  }
  free(s);
  PrimParam p = param(cs, i);
  return FAIL("%s: '%.*s' must be a string or a list of strings", cs->name, (int)p.len, p.name);
}

const char *prim_opt_str(Value v) { return v.kind == V_STRING ? str_chars(v) : NULL; }

const char *prim_pattern(Value v) { return v.kind == V_REGEX ? as_regex(v)->pattern : prim_opt_str(v); }
