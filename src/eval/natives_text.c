/* natives_text.c — semver.*, re.*, base64, unbase64, sha256 for pipelines,
 * over prim/semver.h, core/re.h (PCRE2) and core/codec.h. */
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/re.h"
#include "prim/semver.h"
#include "eval/natives.h"

#define ARG(i, name, kind, req, out)                                                    \
  if (!native_arg(I, cs, args, nargs, (i), (name), (kind), (req), (out))) return false

static bool fail_msg(Interp *I, const CallSite *cs, char *msg) {
  interp_error(I, cs->src, cs->node->pos, "%s: %s", cs->name, msg ? msg : "failed");
  free(msg);
  return false;
}

/* ---- semver ---- */

static bool parse_version(Interp *I, const CallSite *cs, Value text, SemVer *v) {
  char *err = NULL;
  if (semver_parse(str_chars(text), v, &err)) return true;
  return fail_msg(I, cs, err);
}

static Value split_ids(const char *dotted) {
  Value l = v_list();
  for (const char *p = dotted; p && *p;) {
    size_t n = strcspn(p, ".");
    list_push(l, v_str(p, n));
    p += n + (p[n] == '.');
  }
  return l;
}

static bool n_semver_parse(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value text;
  ARG(0, "version", V_STRING, true, &text);
  SemVer v;
  if (!parse_version(I, cs, text, &v)) return false;
  *out = v_map();
  map_set(*out, "major", v_int((int64_t)v.major));
  map_set(*out, "minor", v_int((int64_t)v.minor));
  map_set(*out, "patch", v_int((int64_t)v.patch));
  map_set(*out, "prerelease", split_ids(v.pre));
  map_set(*out, "build", split_ids(v.build));
  map_set(*out, "text", v_str_take(semver_format(&v)));
  semver_free(&v);
  return true;
}

static bool n_semver_compare(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value a, b;
  ARG(0, "a", V_STRING, true, &a);
  ARG(1, "b", V_STRING, true, &b);
  int c;
  char *err = NULL;
  if (!semver_compare_text(str_chars(a), str_chars(b), &c, &err)) return fail_msg(I, cs, err);
  *out = v_int(c < 0 ? -1 : c > 0);
  return true;
}

static bool n_semver_bump(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value text, part;
  ARG(0, "version", V_STRING, true, &text);
  ARG(1, "part", V_STRING, true, &part);
  SemVerPart p;
  if (!semver_part_from_name(str_chars(part), &p))
    return fail_msg(I, cs, xasprintf("part must be major, minor, patch or prerelease, not '%s'", str_chars(part)));
  SemVer v, next;
  if (!parse_version(I, cs, text, &v)) return false;
  semver_bump(&v, p, &next);
  *out = v_str_take(semver_format(&next));
  semver_free(&v);
  semver_free(&next);
  return true;
}

static bool n_semver_max(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value list;
  ARG(0, "versions", V_LIST, true, &list);
  size_t n = list_len(list), best;
  if (!n) {
    *out = V_NULL_VALUE;
    return true;
  }
  const char **texts = xcalloc(n, sizeof *texts);
  for (size_t i = 0; i < n; i++) texts[i] = list_get(list, i).kind == V_STRING ? str_chars(list_get(list, i)) : "";
  char *err = NULL;
  bool ok = semver_max(texts, n, true, &best, &err);
  free(texts);
  if (!ok) return fail_msg(I, cs, err);
  *out = value_retain(list_get(list, best));
  return true;
}

static bool n_semver_satisfies(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value text, range;
  ARG(0, "version", V_STRING, true, &text);
  ARG(1, "range", V_STRING, true, &range);
  SemVer v;
  if (!parse_version(I, cs, text, &v)) return false;
  bool yes;
  char *err = NULL;
  bool ok = semver_satisfies(&v, str_chars(range), &yes, &err);
  semver_free(&v);
  if (!ok) return fail_msg(I, cs, err);
  *out = v_bool(yes);
  return true;
}

/* ---- re ---- */

static void *make_re(void) { return re_ctx_new(); }
static void free_re(void *c) { re_ctx_free(c); }
static ReCtx *re_ctx(Interp *I) { return interp_slot(I, "re", make_re, free_re); }

/* A pattern: a regex literal's text, or a string. */
static bool pattern_arg(Interp *I, const CallSite *cs, Value *args, int nargs, const char **out) {
  Value p;
  ARG(0, "pattern", V_NULL, true, &p);
  if (p.kind == V_REGEX) *out = as_regex(p)->pattern;
  else if (p.kind == V_STRING) *out = str_chars(p);
  else return fail_msg(I, cs, xasprintf("the pattern must be a regex or a string, not %s", value_type_name(p)));
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

static bool n_re_match(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  const char *pat;
  Value text;
  if (!pattern_arg(I, cs, args, nargs, &pat)) return false;
  ARG(1, "text", V_STRING, true, &text);
  bool m;
  char *err = NULL;
  if (!re_match(re_ctx(I), pat, str_chars(text), as_str(text)->len, &m, NULL, &err)) return fail_msg(I, cs, err);
  *out = v_bool(m);
  return true;
}

static bool n_re_find(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  const char *pat;
  Value text;
  if (!pattern_arg(I, cs, args, nargs, &pat)) return false;
  ARG(1, "text", V_STRING, true, &text);
  ReMatch m;
  bool found;
  char *err = NULL;
  if (!re_find(re_ctx(I), pat, str_chars(text), as_str(text)->len, 0, &m, &found, &err)) return fail_msg(I, cs, err);
  *out = found ? match_value(&m) : V_NULL_VALUE;
  if (found) re_match_free(&m);
  if (value_is_secret(text)) *out = value_mark_secret(*out); /* pieces of a secret stay secret */
  return true;
}

static bool n_re_find_all(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  const char *pat;
  Value text;
  if (!pattern_arg(I, cs, args, nargs, &pat)) return false;
  ARG(1, "text", V_STRING, true, &text);
  ReMatches ms = {0};
  char *err = NULL;
  if (!re_find_all(re_ctx(I), pat, str_chars(text), as_str(text)->len, &ms, &err)) return fail_msg(I, cs, err);
  *out = v_list();
  for (size_t i = 0; i < ms.n; i++) list_push(*out, match_value(&ms.items[i]));
  re_matches_free(&ms);
  if (value_is_secret(text)) *out = value_mark_secret(*out);
  return true;
}

static bool n_re_replace(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  const char *pat;
  Value text, with;
  if (!pattern_arg(I, cs, args, nargs, &pat)) return false;
  ARG(1, "text", V_STRING, true, &text);
  ARG(2, "with", V_STRING, true, &with);
  size_t len;
  char *err = NULL;
  char *r = re_replace(re_ctx(I), pat, str_chars(text), as_str(text)->len, str_chars(with), &len, &err);
  if (!r) return fail_msg(I, cs, err);
  *out = v_str(r, len);
  free(r);
  if (value_is_secret(text) || value_is_secret(with)) *out = value_mark_secret(*out);
  return true;
}

static bool n_re_split(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  const char *pat;
  Value text;
  if (!pattern_arg(I, cs, args, nargs, &pat)) return false;
  ARG(1, "text", V_STRING, true, &text);
  RePieces p = {0};
  char *err = NULL;
  if (!re_split(re_ctx(I), pat, str_chars(text), as_str(text)->len, &p, &err)) return fail_msg(I, cs, err);
  *out = v_list();
  for (size_t i = 0; i < p.n; i++) list_push(*out, v_str(p.items[i], p.lens[i]));
  re_pieces_free(&p);
  if (value_is_secret(text)) *out = value_mark_secret(*out);
  return true;
}

/* ---- base64, sha256 ---- */

static bool n_base64(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value text;
  ARG(0, "text", V_STRING, true, &text);
  *out = v_str_take(base64_encode(str_chars(text), as_str(text)->len));
  if (value_is_secret(text)) *out = value_mark_secret(*out);
  return true;
}

static bool n_unbase64(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value text;
  ARG(0, "text", V_STRING, true, &text);
  Buf b = {0};
  char bad;
  if (!base64_decode(str_chars(text), &b, &bad)) {
    buf_free(&b);
    return fail_msg(I, cs, xasprintf("not base64: unexpected '%c'", bad));
  }
  *out = v_str(b.data ? b.data : "", b.len);
  buf_free(&b);
  if (value_is_secret(text)) *out = value_mark_secret(*out);
  return true;
}

static bool n_sha256(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value text;
  ARG(0, "text", V_STRING, true, &text);
  char *digest = sha256_digest(str_chars(text), as_str(text)->len); /* "sha256:HEX" */
  const char *hex = strchr(digest, ':');
  *out = v_cstr(hex ? hex + 1 : digest);
  free(digest);
  return true;
}

static const Native table[] = {
    {"semver", "parse", n_semver_parse},     {"semver", "compare", n_semver_compare},
    {"semver", "bump", n_semver_bump},       {"semver", "max", n_semver_max},
    {"semver", "satisfies", n_semver_satisfies},
    {"re", "match", n_re_match},             {"re", "find", n_re_find},
    {"re", "find_all", n_re_find_all},       {"re", "replace", n_re_replace},
    {"re", "split", n_re_split},
    {"", "base64", n_base64},                {"", "unbase64", n_unbase64},
    {"", "sha256", n_sha256},
};

void natives_register_text(Interp *I) { interp_register(I, table, (int)(sizeof table / sizeof table[0])); }
