/* prim_re.c — re.*: regular expressions over core/re.h (PCRE2). */
#include <stdlib.h>
#include <string.h>

#include "core/re.h"
#include "eval/prim.h"

static void *make_re(void) { return re_ctx_new(); }
static void free_re(void *c) { re_ctx_free(c); }
static ReCtx *re_ctx(Interp *I) { return interp_slot(I, "re", make_re, free_re); }

/* What every re.* call starts with: the pattern (a regex literal's text,
 * or a string) and the text it searches. */
typedef struct Subject {
  ReCtx *re;
  const char *pat, *text;
  size_t len;
  Value value; /* the text's, for its taint */
} Subject;

static bool subject(Interp *I, const CallSite *cs, Value *args, int nargs, Subject *s) {
  Value p, text;
  ARG(0, V_NULL, true, &p);
  const char *pat = prim_pattern(p);
  if (!pat) return prim_fail(I, cs, xasprintf("the pattern must be a regex or a string, not %s", value_type_name(p)));
  ARG(1, V_STRING, true, &text);
  *s = (Subject){re_ctx(I), pat, str_chars(text), as_str(text)->len, text};
  return true;
}

static Value match_value(const ReMatch *m) {
  Value v = v_map();
  map_set(v, "match", m->groups[0].text ? v_cstr(m->groups[0].text) : v_cstr(""));
  map_set(v, "start", v_int((int64_t)m->groups[0].start));
  Value groups = v_list(), named = v_map();
  for (size_t g = 1; g < m->ngroups; g++) {
    const ReGroup *gr = &m->groups[g];
    list_push(groups, gr->set ? v_cstr(gr->text) : V_NULL_VALUE);
    if (gr->name) map_set(named, gr->name, gr->set ? v_cstr(gr->text) : V_NULL_VALUE);
  }
  map_set(v, "groups", groups);
  map_set(v, "named", named);
  return v;
}

static bool n_match(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Subject s;
  if (!subject(I, cs, args, nargs, &s)) return false;
  bool m;
  char *err = NULL;
  if (!re_match(s.re, s.pat, s.text, s.len, &m, NULL, &err)) return prim_fail(I, cs, err);
  *out = v_bool(m);
  return true;
}

static bool n_find(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Subject s;
  if (!subject(I, cs, args, nargs, &s)) return false;
  ReMatch m;
  bool found;
  char *err = NULL;
  if (!re_find(s.re, s.pat, s.text, s.len, 0, &m, &found, &err)) return prim_fail(I, cs, err);
  *out = found ? match_value(&m) : V_NULL_VALUE;
  if (found) re_match_free(&m);
  if (value_is_secret(s.value)) *out = value_mark_secret(*out); /* pieces of a secret stay secret */
  return true;
}

static bool n_find_all(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Subject s;
  if (!subject(I, cs, args, nargs, &s)) return false;
  ReMatches ms = {0};
  char *err = NULL;
  if (!re_find_all(s.re, s.pat, s.text, s.len, &ms, &err)) return prim_fail(I, cs, err);
  *out = v_list();
  for (size_t i = 0; i < ms.n; i++) list_push(*out, match_value(&ms.items[i]));
  re_matches_free(&ms);
  if (value_is_secret(s.value)) *out = value_mark_secret(*out);
  return true;
}

static bool n_replace(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Subject s;
  Value with;
  if (!subject(I, cs, args, nargs, &s)) return false;
  ARG(2, V_STRING, true, &with);
  size_t len;
  char *err = NULL;
  char *r = re_replace(s.re, s.pat, s.text, s.len, str_chars(with), &len, &err);
  if (!r) return prim_fail(I, cs, err);
  *out = v_str(r, len);
  free(r);
  if (value_is_secret(s.value) || value_is_secret(with)) *out = value_mark_secret(*out);
  return true;
}

static bool n_split(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Subject s;
  if (!subject(I, cs, args, nargs, &s)) return false;
  RePieces pieces = {0};
  char *err = NULL;
  if (!re_split(s.re, s.pat, s.text, s.len, &pieces, &err)) return prim_fail(I, cs, err);
  *out = v_list();
  for (size_t i = 0; i < pieces.n; i++) list_push(*out, v_str(pieces.items[i], pieces.lens[i]));
  re_pieces_free(&pieces);
  if (value_is_secret(s.value)) *out = value_mark_secret(*out);
  return true;
}

static const Primitive prims[] = {
    {"match", "pattern text", n_match, "bool (also the `=~` operator)"},
    {"find", "pattern text", n_find, "`{match, start, groups: [..], named: {..}}` or null"},
    {"find_all", "pattern text", n_find_all, "list of such maps"},
    {"replace", "pattern text with", n_replace, "every match replaced; `$1`, `${name}`"},
    {"split", "pattern text", n_split, "list of strings"},
};

const PrimFamily prim_family_re = PRIM_FAMILY(
    "re", "A pattern is a regex literal `re\"...\"` or a string; PCRE2, UTF-8, compiled once per run.",
    "primitives-re.md", prims);
