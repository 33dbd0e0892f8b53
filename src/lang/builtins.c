/* builtins.c — the table of built-in names (source list: the language
 * reference). Kept sorted by (ns, name) so lookups are a binary search;
 * tests/unit/test_builtins.c fails if an edit breaks the order. */
#include "lang/builtins.h"

#include <string.h>

#include "core/util.h"

static const Builtin table[] = {
    {"", "assert", "cond message?"},
    {"", "base64", "text"},
    {"", "env", NULL},
    {"", "event", NULL},
    {"", "glob", "pattern"},
    {"", "print", "value"},
    {"", "raw", "text"},
    {"", "secret", "name"},
    {"", "sh", "cmd env? dir? timeout? allow_failure?"},
    {"", "sha256", "text"},
    {"", "try", "fn"},
    {"", "unbase64", "text"},
    {"docker", "build", "context file? tags? build_args? labels? target? platform?"},
    {"docker", "login", "registry user password"},
    {"docker", "push", "ref"},
    {"docker", "tag", "src dst"},
    {"fs", "exists", "path"},
    {"fs", "mkdir", "path"},
    {"fs", "read", "path"},
    {"fs", "remove", "path"},
    {"fs", "tempdir", ""},
    {"fs", "write", "path text"},
    {"git", "branch", ""},
    {"git", "changed_files", "base"},
    {"git", "clone", "url dir branch? token?"},
    {"git", "commit", "dir message paths? author?"},
    {"git", "describe", ""},
    {"git", "latest_tag", "match?"},
    {"git", "log", "since? until?"},
    {"git", "push", "dir remote? ref? token?"},
    {"git", "sha", "rev?"},
    {"git", "short_sha", "n?"},
    {"git", "tag", "name message? dir?"},
    {"git", "tags", "at?"},
    {"helm", "history", "release namespace?"},
    {"helm", "lint", "chart values?"},
    {"helm", "package", "chart version? app_version? dest?"},
    {"helm", "push", "package remote"},
    {"helm", "rollback", "release revision? namespace? wait?"},
    {"helm", "test", "release namespace? timeout?"},
    {"helm", "uninstall", "release namespace?"},
    {"helm", "upgrade", "release chart namespace? version? values? set? create_namespace? wait? timeout?"},
    {"http", "delete", "url headers? timeout? retry?"},
    {"http", "get", "url headers? timeout? retry?"},
    {"http", "post", "url json? body? headers? timeout? retry?"},
    {"http", "put", "url json? body? headers? timeout? retry?"},
    {"http", "wait", "url status? timeout? every?"},
    {"json", "encode", "value pretty?"},
    {"json", "parse", "text"},
    {"kubectl", "apply", "file namespace?"},
    {"kubectl", "create_namespace", "name"},
    {"kubectl", "delete", "kind name? namespace? file?"},
    {"kubectl", "get", "kind name? namespace?"},
    {"kubectl", "rollout_status", "resource namespace? timeout?"},
    {"re", "find", "pattern text"},
    {"re", "find_all", "pattern text"},
    {"re", "match", "pattern text"},
    {"re", "replace", "pattern text with"},
    {"re", "split", "pattern text"},
    {"registry", "copy", "src dst user? password?"},
    {"registry", "delete", "ref user? password?"},
    {"registry", "digest", "ref user? password?"},
    {"registry", "exists", "ref user? password?"},
    {"registry", "latest", "repo allow? strategy? user? password?"},
    {"registry", "prune", "repo match? keep_last? older_than? keep? dry_run? user? password?"},
    {"registry", "tags", "repo user? password?"},
    {"semver", "bump", "version part"},
    {"semver", "compare", "a b"},
    {"semver", "max", "versions"},
    {"semver", "parse", "version"},
    {"semver", "satisfies", "version range"},
    {"time", "format", "t format"},
    {"time", "now", ""},
    {"yaml", "delete", "file path"},
    {"yaml", "encode", "value"},
    {"yaml", "get", "file path"},
    {"yaml", "parse", "text"},
    {"yaml", "read", "file"},
    {"yaml", "set", "file path value"},
};
enum { NTABLE = sizeof table / sizeof table[0] };

static const char *const namespaces[] = {"docker", "fs", "git", "helm", "http", "json",
                                         "kubectl", "re", "registry", "semver", "time", "yaml"};
enum { NNAMESPACES = sizeof namespaces / sizeof namespaces[0] };

static int cmp_entry(const char *ns, const char *name, const Builtin *b) {
  int c = strcmp(ns, b->ns);
  return c ? c : strcmp(name, b->name);
}

static const Builtin *search(const Builtin *t, int n, const char *ns, const char *name) {
  int lo = 0, hi = n - 1;
  while (lo <= hi) {
    int mid = lo + (hi - lo) / 2;
    int c = cmp_entry(ns, name, &t[mid]);
    if (c == 0) return &t[mid];
    if (c < 0) hi = mid - 1;
    else lo = mid + 1;
  }
  return NULL;
}

const Builtin *builtin_lookup(const char *ns, const char *name) {
  return search(table, NTABLE, ns ? ns : "", name);
}

bool builtin_is_namespace(const char *name) {
  int lo = 0, hi = NNAMESPACES - 1;
  while (lo <= hi) {
    int mid = lo + (hi - lo) / 2;
    int c = strcmp(name, namespaces[mid]);
    if (c == 0) return true;
    if (c < 0) hi = mid - 1;
    else lo = mid + 1;
  }
  return false;
}

const Builtin *builtin_table(size_t *n) {
  *n = NTABLE;
  return table;
}

const char *const *builtin_namespaces(size_t *n) {
  *n = NNAMESPACES;
  return namespaces;
}

const char *builtin_suggest(const char *ns, const char *name) {
  const char *best = NULL;
  size_t best_d = (size_t)-1;
  if (!ns) ns = "";
  for (int i = 0; i < NTABLE; i++) {
    if (strcmp(table[i].ns, ns) || !table[i].params) continue; /* values are not called */
    size_t d = name_distance(name, table[i].name);
    if (d < best_d && suggest_close_enough(name, table[i].name, d)) {
      best = table[i].name;
      best_d = d;
    }
  }
  return best;
}

/* Walk the spec: calls `each` on parameter i's [s, s+len) and optional flag. */
typedef struct ParamIter {
  const char *p;
  const char *name;
  size_t len;
  bool optional;
} ParamIter;

static bool param_next(ParamIter *it) {
  while (*it->p == ' ') it->p++;
  if (!*it->p) return false;
  it->name = it->p;
  while (*it->p && *it->p != ' ' && *it->p != '?') it->p++;
  it->len = (size_t)(it->p - it->name);
  it->optional = *it->p == '?';
  if (it->optional) it->p++;
  return true;
}

int builtin_nparams(const Builtin *b) {
  ParamIter it = {b->params ? b->params : "", 0, 0, 0};
  int n = 0;
  while (param_next(&it)) n++;
  return n;
}

int builtin_nrequired(const Builtin *b) {
  ParamIter it = {b->params ? b->params : "", 0, 0, 0};
  int n = 0;
  while (param_next(&it) && !it.optional) n++;
  return n;
}

int builtin_param_index(const Builtin *b, const char *name) {
  ParamIter it = {b->params ? b->params : "", 0, 0, 0};
  size_t len = strlen(name);
  for (int i = 0; param_next(&it); i++)
    if (it.len == len && !memcmp(it.name, name, len)) return i;
  return -1;
}

static void copy_name(const ParamIter *it, char *buf, size_t size) {
  size_t n = it->len < size - 1 ? it->len : size - 1;
  memcpy(buf, it->name, n);
  buf[n] = 0;
}

void builtin_param_name(const Builtin *b, int i, char *buf, size_t size) {
  ParamIter it = {b->params ? b->params : "", 0, 0, 0};
  buf[0] = 0;
  for (int k = 0; param_next(&it); k++)
    if (k == i) {
      copy_name(&it, buf, size);
      return;
    }
}

bool builtin_param_suggest(const Builtin *b, const char *name, char *buf, size_t size) {
  ParamIter it = {b->params ? b->params : "", 0, 0, 0};
  size_t best_d = (size_t)-1;
  char cand[64];
  bool found = false;
  while (param_next(&it)) {
    copy_name(&it, cand, sizeof cand);
    size_t d = name_distance(name, cand);
    if (d < best_d && suggest_close_enough(name, cand, d)) {
      best_d = d;
      copy_name(&it, buf, size);
      found = true;
    }
  }
  return found;
}
