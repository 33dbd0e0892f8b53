/* prim_semver.c — semver.*: SemVer 2.0.0 versions and ranges, over
 * prim/semver.h. */
#include <stdlib.h>
#include <string.h>

#include "eval/prim.h"
#include "prim/semver.h"

static bool parse_version(Interp *I, const CallSite *cs, Value text, SemVer *v) {
  char *err = NULL;
  if (semver_parse(str_chars(text), v, &err)) return true;
  return prim_fail(I, cs, err);
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

static bool n_parse(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value text;
  ARG(0, V_STRING, true, &text);
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

static bool n_compare(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value a, b;
  ARG(0, V_STRING, true, &a);
  ARG(1, V_STRING, true, &b);
  int c;
  char *err = NULL;
  if (!semver_compare_text(str_chars(a), str_chars(b), &c, &err)) return prim_fail(I, cs, err);
  *out = v_int(c < 0 ? -1 : c > 0);
  return true;
}

static bool n_bump(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value text, part, preid;
  ARG(0, V_STRING, true, &text);
  ARG(1, V_STRING, true, &part);
  ARG(2, V_STRING, false, &preid);
  SemVerPart p;
  if (!semver_part_from_name(str_chars(part), &p))
    return prim_fail(I, cs, xasprintf("part must be major, minor, patch or prerelease (or premajor, preminor, "
                                      "prepatch), not '%s'", str_chars(part)));
  const char *id = prim_opt_str(preid);
  if (id && *id) { /* what follows a '-' in a version */
    SemVer check;
    char *probe = xasprintf("0.0.0-%s", id);
    bool parsed = semver_parse(probe, &check, NULL);
    bool ok = parsed && check.pre && !strcmp(check.pre, id) && !check.build;
    free(probe);
    if (parsed) semver_free(&check);
    if (!ok)
      return prim_fail(I, cs, xasprintf("preid must be prerelease identifiers (letters, digits, '-', dot-separated), "
                                        "not '%s'", id));
  }
  SemVer v, next;
  if (!parse_version(I, cs, text, &v)) return false;
  semver_bump(&v, p, id, &next);
  *out = v_str_take(semver_format(&next));
  semver_free(&v);
  semver_free(&next);
  return true;
}

static bool n_max(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value list;
  ARG(0, V_LIST, true, &list);
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
  if (!ok) return prim_fail(I, cs, err);
  *out = value_retain(list_get(list, best));
  return true;
}

static bool n_satisfies(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value text, range;
  ARG(0, V_STRING, true, &text);
  ARG(1, V_STRING, true, &range);
  SemVer v;
  if (!parse_version(I, cs, text, &v)) return false;
  bool yes;
  char *err = NULL;
  bool ok = semver_satisfies(&v, str_chars(range), &yes, &err);
  semver_free(&v);
  if (!ok) return prim_fail(I, cs, err);
  *out = v_bool(yes);
  return true;
}

static const Primitive prims[] = {
    {"parse", "version", n_parse, "`{major, minor, patch, prerelease: [..], build: [..], text}`"},
    {"compare", "a b", n_compare, "-1, 0 or 1 by SemVer 2.0.0 precedence"},
    {"bump", "version part preid?", n_bump,
     "the next version, as npm's `semver.inc`: `part` is `\"major\"`, `\"minor\"`, `\"patch\"`, `\"prerelease\"`, "
     "`\"premajor\"`, `\"preminor\"` or `\"prepatch\"`; `preid` names the prerelease (`\"rc\"`)"},
    {"max", "versions", n_max, "the highest version of the list (non-versions are skipped), or null"},
    {"satisfies", "version range", n_satisfies,
     "whether the version is in the range (`\">=1.2 <2\"`; `^`, `~`, `x`, hyphen ranges and `||`)"},
};

const PrimFamily prim_family_semver =
    PRIM_FAMILY("semver", "Semantic Versioning 2.0.0; a leading `v` is allowed.", "primitives-semver.md", prims);
