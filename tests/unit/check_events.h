/* check_events.h — assertions and real git repositories for the event and
 * trigger tests. Repositories are made with libgit2 in a temporary
 * directory and removed at the end; config from the user's home is kept
 * out so results do not depend on the machine. */
#ifndef RP_CHECK_EVENTS_H
#define RP_CHECK_EVENTS_H

#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "core/value.h"

/* The text form of a member path of a map value: "pr.number" → "7";
 * NULL when absent or null. Returns a pointer into a static-free buffer
 * the caller frees. */
static inline char *member_text(Value v, const char *path) {
  char *p = xstrdup(path), *save = NULL;
  for (char *k = strtok_r(p, ".", &save); k; k = strtok_r(NULL, ".", &save)) {
    v = v.kind == V_MAP ? map_get(v, k) : v_null();
  }
  free(p);
  if (v.kind == V_NULL) return NULL;
  Buf b = {0};
  value_show(v, &b);
  return buf_take(&b);
}

static inline bool check_member_at(Value v, const char *path, const char *want, const char *file,
                                   int line) {
  char *got = member_text(v, path);
  bool ok = check_str_at(got, want, path, file, line);
  free(got);
  return ok;
}

/* want is the REPL form ("\"main\"", "7", "[\"a\"]") or NULL for null/absent */
#define CHECK_MEMBER(v, path, want) check_member_at((v), (path), (want), __FILE__, __LINE__)


/* ---- temporary directories and git repositories ---- */

static inline char *temp_dir(void) {
  const char *t = getenv("TMPDIR");
  char *dir = xasprintf("%s/rp-test-XXXXXX", t && *t ? t : "/tmp");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    exit(99);
  }
  return dir;
}

/* Keep ~/.gitconfig and /etc/gitconfig out of the tests. */
static inline void git_isolate(const char *empty_dir) {
  git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_GLOBAL, empty_dir);
  git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_XDG, empty_dir);
  git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_SYSTEM, empty_dir);
}

static inline void die_git(const char *what) {
  const git_error *e = git_error_last();
  fprintf(stderr, "%s: %s\n", what, e ? e->message : "?");
  exit(99);
}

/* Writes dir/path (creating directories); content NULL deletes it. */
static inline void put_file(const char *dir, const char *path, const char *content) {
  char *full = xasprintf("%s/%s", dir, path);
  if (!content) {
    unlink(full);
    free(full);
    return;
  }
  for (char *s = full + strlen(dir) + 1; (s = strchr(s, '/')); s++) {
    *s = 0;
    mkdir(full, 0755);
    *s = '/';
  }
  FILE *f = fopen(full, "w");
  if (!f || fputs(content, f) < 0 || fclose(f) != 0) {
    perror(full);
    exit(99);
  }
  free(full);
}

static inline git_repository *repo_create(const char *dir) {
  git_repository *repo;
  git_repository_init_options o;
  git_repository_init_options_init(&o, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
  o.flags = GIT_REPOSITORY_INIT_MKPATH;
  o.initial_head = "main";
  if (git_repository_init_ext(&repo, dir, &o) != 0) die_git("init");
  return repo;
}

/* Stages everything in the working tree (deletions too) and commits on
 * HEAD with `parents` (NULL: HEAD's commit, if any). Returns the sha,
 * malloc'd. */
static inline char *repo_commit_with(git_repository *repo, const char *msg, const git_commit **parents,
                                     int nparents, const char *update_ref) {
  git_index *idx;
  git_oid tree_oid, oid;
  git_tree *tree;
  git_signature *sig;
  char *all = "*";
  git_strarray spec = {&all, 1};
  if (git_repository_index(&idx, repo) || git_index_add_all(idx, &spec, 0, NULL, NULL) ||
      git_index_update_all(idx, &spec, NULL, NULL) || git_index_write(idx) ||
      git_index_write_tree(&tree_oid, idx) || git_tree_lookup(&tree, repo, &tree_oid))
    die_git("index");
  git_signature_new(&sig, "Test", "test@example.com", 1700000000, 0);
  if (git_commit_create(&oid, repo, update_ref, sig, sig, NULL, msg, tree, (size_t)nparents, parents))
    die_git("commit");
  git_signature_free(sig);
  git_tree_free(tree);
  git_index_free(idx);
  return xstrdup(git_oid_tostr_s(&oid));
}

static inline char *repo_commit(git_repository *repo, const char *msg) {
  git_object *head = NULL;
  const git_commit *parents[1];
  int n = 0;
  if (git_revparse_single(&head, repo, "HEAD^{commit}") == 0) parents[n++] = (git_commit *)head;
  char *sha = repo_commit_with(repo, msg, parents, n, "HEAD");
  git_object_free(head);
  return sha;
}

/* Creates branch `name` at HEAD (when missing) and checks it out. */
static inline void repo_switch(git_repository *repo, const char *name, bool create) {
  if (create) {
    git_object *head;
    git_reference *br;
    if (git_revparse_single(&head, repo, "HEAD^{commit}") ||
        git_branch_create(&br, repo, name, (git_commit *)head, 0))
      die_git("branch");
    git_reference_free(br);
    git_object_free(head);
  }
  char *ref = xasprintf("refs/heads/%s", name);
  git_checkout_options co;
  git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
  co.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_REMOVE_UNTRACKED;
  if (git_repository_set_head(repo, ref) || git_checkout_head(repo, &co)) die_git("checkout");
  free(ref);
}

/* ---- recorded environments: tests/fixtures/events/NAME.env ---- */

static inline char *fixture_path(const char *name) {
  const char *top = getenv("top_srcdir");
  return xasprintf("%s/tests/fixtures/events/%s", top && *top ? top : ".", name);
}

/* The NAME=value lines of a recorded environment as an envp array; a
 * relative GITHUB_EVENT_PATH is made to point into the fixtures. `extra`
 * lines (NULL-terminated, may be NULL) are appended. */
static inline char **env_load(const char *name, const char *const *extra) {
  char *path = fixture_path(name);
  size_t len;
  char *text = read_file(path, &len);
  if (!text) {
    perror(path);
    exit(99);
  }
  char **env = NULL;
  int n = 0, cap = 0;
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    if (*line == '#' || !strchr(line, '=')) continue;
    if (!strncmp(line, "GITHUB_EVENT_PATH=", 18)) {
      char *fp = fixture_path(line + 18);
      VEC_PUSH(env, n, cap, xasprintf("GITHUB_EVENT_PATH=%s", fp));
      free(fp);
    } else {
      VEC_PUSH(env, n, cap, xstrdup(line));
    }
  }
  for (; extra && *extra; extra++) VEC_PUSH(env, n, cap, xstrdup(*extra));
  VEC_PUSH(env, n, cap, NULL);
  free(text);
  free(path);
  return env;
}

static inline void env_free(char **env) {
  for (char **e = env; e && *e; e++) free(*e);
  free(env);
}

#endif
