/* prim_registry.c — registry.*: OCI registries over prim/registry.h
 * (libcurl), with one anonymous client per run. */
#include <stdlib.h>
#include <string.h>

#include "eval/prim.h"
#include "prim/registry.h"

static void *make_reg(void) {
  RegOptions o = {.retries = -1};
  char *err = NULL;
  RegClient *c = reg_new(&o, &err);
  free(err);
  return c;
}
static void free_reg(void *c) { reg_free(c); }

/* A call's client: the run's anonymous one or, when the call gives
 * credentials (its parameters `first` and `first + 1`, user and password,
 * the last two of every registry.* call), one of its own. */
typedef struct Client {
  RegClient *c;
  bool own;
} Client;

static bool client_open(Interp *I, const CallSite *cs, Value *args, int nargs, int first, Client *cl) {
  Value user, password;
  ARG(first, V_STRING, false, &user);
  ARG(first + 1, V_STRING, false, &password);
  cl->own = user.kind == V_STRING || password.kind == V_STRING;
  if (!cl->own) {
    cl->c = interp_slot(I, "registry", make_reg, free_reg);
    return cl->c || FAIL("%s: cannot start a registry client", cs->name);
  }
  if (password.kind == V_STRING) interp_add_secret(I, str_chars(password));
  RegOptions o = {.retries = -1, .username = prim_opt_str(user), .password = prim_opt_str(password)};
  char *err = NULL;
  cl->c = reg_new(&o, &err);
  return cl->c || prim_fail(I, cs, err);
}

/* The end of a call: frees a client of its own; raises err unless ok. */
static bool client_done(Interp *I, const CallSite *cs, Client *cl, bool ok, char *err) {
  if (cl->own) reg_free(cl->c);
  return ok || prim_fail(I, cs, err);
}

static Value list_value(RegList *l) {
  Value v = v_list();
  for (size_t i = 0; i < l->n; i++) list_push(v, v_cstr(l->items[i]));
  reg_list_free(l);
  return v;
}

static bool n_tags(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value repo;
  Client c;
  ARG(0, V_STRING, true, &repo);
  if (!client_open(I, cs, args, nargs, 1, &c)) return false;
  RegList l = {0};
  char *err = NULL;
  bool ok = reg_tags(c.c, str_chars(repo), &l, &err);
  if (!client_done(I, cs, &c, ok, err)) return false;
  *out = list_value(&l);
  return true;
}

static bool n_exists(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value ref;
  Client c;
  ARG(0, V_STRING, true, &ref);
  if (!client_open(I, cs, args, nargs, 1, &c)) return false;
  char *err = NULL;
  int r = reg_exists(c.c, str_chars(ref), &err);
  if (!client_done(I, cs, &c, r >= 0, err)) return false;
  *out = v_bool(r == 1);
  return true;
}

static bool n_digest(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value ref;
  Client c;
  ARG(0, V_STRING, true, &ref);
  if (!client_open(I, cs, args, nargs, 1, &c)) return false;
  char *err = NULL;
  char *d = reg_digest(c.c, str_chars(ref), &err);
  if (!client_done(I, cs, &c, d, err)) return false;
  *out = v_str_take(d);
  return true;
}

static bool n_copy(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value src, dst;
  Client c;
  ARG(0, V_STRING, true, &src);
  ARG(1, V_STRING, true, &dst);
  if (prim_dry_run(I, out, value_retain(dst), "registry.copy %s %s", str_chars(src), str_chars(dst))) return true;
  if (!client_open(I, cs, args, nargs, 2, &c)) return false;
  char *digest = NULL, *err = NULL;
  RegCopyStats st = {0};
  bool ok = reg_copy(c.c, str_chars(src), str_chars(dst), &digest, &st, &err);
  if (!client_done(I, cs, &c, ok, err)) return false;
  *out = digest ? v_str_take(digest) : V_NULL_VALUE;
  return true;
}

static bool n_delete(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value ref;
  Client c;
  ARG(0, V_STRING, true, &ref);
  if (prim_dry_run(I, out, V_NULL_VALUE, "registry.delete %s", str_chars(ref))) return true;
  if (!client_open(I, cs, args, nargs, 1, &c)) return false;
  char *err = NULL;
  bool ok = reg_delete(c.c, str_chars(ref), &err);
  if (!client_done(I, cs, &c, ok, err)) return false;
  *out = V_NULL_VALUE;
  return true;
}

static bool n_prune(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value repo, match, keep_last, older, keep, dry_run;
  Client c;
  ARG(0, V_STRING, true, &repo);
  ARG(1, V_NULL, false, &match);
  ARG(2, V_INT, false, &keep_last);
  ARG(3, V_DURATION, false, &older);
  ARG(4, V_NULL, false, &keep);
  ARG(5, V_BOOL, false, &dry_run);
  if (!client_open(I, cs, args, nargs, 6, &c)) return false;
  RegPrune p = {prim_pattern(match), prim_pattern(keep), keep_last.kind == V_INT ? (int)keep_last.as.i : 0,
                older.kind == V_DURATION ? older.as.i : 0,
                interp_dry_run(I) || (dry_run.kind == V_BOOL && dry_run.as.b)};
  RegList deleted = {0};
  char *err = NULL;
  bool ok = reg_prune(c.c, str_chars(repo), &p, &deleted, &err);
  if (!client_done(I, cs, &c, ok, err)) return false;
  *out = list_value(&deleted);
  if (p.dry_run) { /* the tags are read for real: only the deletes are left out */
    char *what = value_to_cstr(*out);
    char *line = xasprintf("[dry-run] registry.prune %s would delete %s", str_chars(repo), what);
    interp_emit(I, "stdout", line);
    free(line);
    free(what);
  }
  return true;
}

static bool n_latest(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value repo, allow, strategy;
  Client c;
  ARG(0, V_STRING, true, &repo);
  ARG(1, V_NULL, false, &allow);
  ARG(2, V_STRING, true, &strategy);
  RegStrategy st = REG_SEMVER;
  if (!strcmp(str_chars(strategy), "newest")) st = REG_NEWEST;
  else if (strcmp(str_chars(strategy), "semver"))
    return prim_fail(I, cs, xasprintf("strategy must be \"semver\" or \"newest\", not \"%s\"", str_chars(strategy)));
  if (!client_open(I, cs, args, nargs, 3, &c)) return false;
  char *err = NULL;
  char *tag = reg_latest(c.c, str_chars(repo), prim_pattern(allow), st, &err);
  if (!client_done(I, cs, &c, tag || !err, err)) return false;
  *out = tag ? v_str_take(tag) : V_NULL_VALUE;
  return true;
}

static const Primitive prims[] = {
    {"tags", "repo user? password?", n_tags, "all tags (pages followed)"},
    {"exists", "ref user? password?", n_exists, "whether the manifest exists"},
    {"digest", "ref user? password?", n_digest, "the manifest's digest, `\"sha256:...\"`"},
    {"copy", "src dst user? password?", n_copy,
     "the digest; a new tag is a manifest GET and PUT, another repository mounts blobs"},
    {"delete", "ref user? password?", n_delete, "null"},
    {"prune", "repo match? keep_last? older_than? keep? dry_run? user? password?", n_prune,
     "the deleted tags, newest first: those `match` finds (`re\"^dev-\"`) and `keep` does not (`re\"-latest$\"`), "
     "but the `keep_last` newest and those younger than `older_than` (`7d`) stay; `dry_run: true` deletes none"},
    {"latest", "repo allow? strategy=\"semver\" user? password?", n_latest,
     "the best tag `allow` finds (`re\"...\"`): the highest SemVer, or with `strategy: \"newest\"` the most "
     "recently created; null when none"},
};

const PrimFamily prim_family_registry = PRIM_FAMILY(
    "registry",
    "OCI Distribution over libcurl. `user:` and `password:` (masked) are optional; without them "
    "`~/.docker/config.json` and anonymous or bearer-token access are used. Registries on loopback addresses are "
    "spoken to over plain HTTP.",
    "primitives-registry.md", prims);
