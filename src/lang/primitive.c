/* primitive.c — lookups over the families' tables and their parameter
 * specs. A family has a dozen rows at most and rp a dozen families, so a
 * linear scan is as fast as anything cleverer, and a family's table keeps
 * the order its author chose (the reference lists it in that order). */
#include "lang/primitive.h"

#include <stdlib.h>
#include <string.h>

#include "lang/lexer.h"

const PrimFamily *prim_family(const PrimFamily *const *families, const char *ns) {
  for (int i = 0; families && families[i]; i++)
    if (!strcmp(families[i]->ns, ns ? ns : "")) return families[i];
  return NULL;
}

bool prim_is_namespace(const PrimFamily *const *families, const char *name) {
  return *name && prim_family(families, name);
}

const Primitive *prim_lookup(const PrimFamily *const *families, const char *ns, const char *name) {
  const PrimFamily *f = prim_family(families, ns);
  for (int i = 0; f && i < f->n; i++)
    if (!strcmp(f->prims[i].name, name)) return &f->prims[i];
  return NULL;
}

const char *prim_suggest(const PrimFamily *const *families, const char *ns, const char *name) {
  const PrimFamily *f = prim_family(families, ns);
  const char *best = NULL;
  size_t best_d = (size_t)-1;
  for (int i = 0; f && i < f->n; i++) {
    if (!f->prims[i].params) continue; /* values are not called */
    size_t d = name_distance(name, f->prims[i].name);
    if (d < best_d && suggest_close_enough(name, f->prims[i].name, d)) {
      best = f->prims[i].name;
      best_d = d;
    }
  }
  return best;
}

/* ---- parameter specs ---- */

PrimParam prim_params(const Primitive *p) { return (PrimParam){.rest = p->params ? p->params : ""}; }

bool prim_param_next(PrimParam *it) {
  const char *s = it->rest;
  while (*s == ' ') s++;
  if (!*s) return false;
  it->name = s;
  while (*s && *s != ' ' && *s != '?' && *s != '=') s++;
  it->len = (size_t)(s - it->name);
  it->optional = *s == '?' || *s == '=';
  it->def = NULL;
  it->deflen = 0;
  if (*s == '=') {
    it->def = ++s;
    while (*s && *s != ' ') s++;
    it->deflen = (size_t)(s - it->def);
  } else if (*s == '?') {
    s++;
  }
  it->rest = s;
  return true;
}

bool prim_param(const Primitive *p, int i, PrimParam *out) {
  *out = prim_params(p);
  for (int k = 0; prim_param_next(out); k++)
    if (k == i) return true;
  return false;
}

int prim_nparams(const Primitive *p) {
  PrimParam it = prim_params(p);
  int n = 0;
  while (prim_param_next(&it)) n++;
  return n;
}

int prim_param_index(const Primitive *p, const char *name) {
  PrimParam it = prim_params(p);
  size_t len = strlen(name);
  for (int i = 0; prim_param_next(&it); i++)
    if (it.len == len && !memcmp(it.name, name, len)) return i;
  return -1;
}

/* A default's literal: "text", true, false, an integer or a duration. */
static bool literal_value(const char *s, size_t len, Value *out) {
  if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
    *out = v_str(s + 1, len - 2);
    return true;
  }
  if ((len == 4 && !memcmp(s, "true", 4)) || (len == 5 && !memcmp(s, "false", 5))) {
    *out = v_bool(len == 4);
    return true;
  }
  char *end;
  long long n = strtoll(s, &end, 10);
  if (len && end == s + len) {
    *out = v_int(n);
    return true;
  }
  int64_t ms;
  if (parse_duration(s, (uint32_t)len, &ms)) {
    *out = v_duration(ms);
    return true;
  }
  return false;
}

bool prim_param_default(const Primitive *p, int i, Value *out) {
  PrimParam it;
  return prim_param(p, i, &it) && it.def && literal_value(it.def, it.deflen, out);
}

void prim_signature(const char *ns, const Primitive *p, Buf *out) {
  buf_printf(out, "%s%s%s", ns, *ns ? "." : "", p->name);
  if (!p->params) return;
  buf_putc(out, '(');
  PrimParam it = prim_params(p);
  for (int i = 0; prim_param_next(&it); i++) {
    buf_printf(out, "%s%.*s", i ? ", " : "", (int)it.len, it.name);
    if (it.optional) buf_printf(out, ":%s%.*s", it.def ? " " : "", (int)it.deflen, it.def ? it.def : "");
  }
  buf_putc(out, ')');
}
