/* git.c — git primitives over libgit2. */
#include "prim/git.h"

#include <ctype.h>
#include <git2.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "prim/exec.h"
#include "prim/semver.h"
#include "core/codec.h"
#include "core/pattern.h"
#include "core/util.h"

/* libgit2 keeps a process-wide reference count of initialisations; the
 * context pairs one init with one shutdown so nothing here is global. */
struct GitCtx {
  int initialised;
};

GitCtx *gitp_new(void) {
  GitCtx *ctx = xcalloc(1, sizeof *ctx);
  ctx->initialised = git_libgit2_init() > 0;
  return ctx;
}

void gitp_free(GitCtx *ctx) {
  if (!ctx) return;
  if (ctx->initialised) git_libgit2_shutdown();
  free(ctx);
}

/* ---- errors ---- */

void gitp_err_free(GitErr *e) {
  free(e->msg);
  e->msg = NULL;
  e->kind = GIT_ERR_NONE;
}

const char *gitp_err_kind_name(GitErrKind kind) {
  static const char *const names[] = {"none", "failed", "not_found", "auth",
                                      "remote_moved", "rejected", "invalid"};
  return (unsigned)kind < sizeof names / sizeof *names ? names[kind] : "failed";
}

/* What may be shown of a message: no URL userinfo, no token. */
static char *redact(const char *text, const char *token) {
  char *stripped = strip_userinfo(text);
  if (!token || !*token) return stripped;
  Buf r = {0};
  size_t tn = strlen(token);
  for (const char *p = stripped, *hit; p; p = hit ? hit + tn : NULL) {
    hit = strstr(p, token);
    buf_putn(&r, p, hit ? (size_t)(hit - p) : strlen(p));
    if (hit) buf_puts(&r, "***");
  }
  free(stripped);
  return buf_take(&r);
}

char *gitp_redact_url(const char *url) { return redact(url, NULL); }

static void set_err(GitErr *err, GitErrKind kind, const char *token, Buf *msg) {
  if (!err) {
    buf_free(msg);
    return;
  }
  free(err->msg);
  err->kind = kind;
  err->msg = redact(msg->data ? msg->data : "git error", token);
  buf_free(msg);
}

static void fail(GitErr *err, GitErrKind kind, const char *token, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void fail(GitErr *err, GitErrKind kind, const char *token, const char *fmt, ...) {
  Buf b = {0};
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  set_err(err, kind, token, &b);
}

/* libgit2 codes say less than its messages about a missing remote. */
static GitErrKind kind_of(int rc, const char *why) {
  switch (rc) {
  case GIT_ENOTFOUND:
  case GIT_EUNBORNBRANCH: return GIT_ERR_NOT_FOUND;
  case GIT_EAUTH: return GIT_ERR_AUTH;
  case GIT_ENONFASTFORWARD: return GIT_ERR_REMOTE_MOVED;
  case GIT_EEXISTS:
  case GIT_EINVALIDSPEC:
  case GIT_EAMBIGUOUS: return GIT_ERR_INVALID;
  default: break;
  }
  static const char *const missing[] = {"not found", "No such file", "not exported", "no such repository",
                                        "does not appear to be a git repository", "404"};
  for (size_t i = 0; why && i < sizeof missing / sizeof *missing; i++)
    if (strstr(why, missing[i])) return GIT_ERR_NOT_FOUND;
  if (why && (strstr(why, "401") || strstr(why, "403") || strstr(why, "authentication")))
    return GIT_ERR_AUTH;
  return GIT_ERR_FAILED;
}

/* A failed libgit2 call: the message is ours, then libgit2's reason. */
static void fail_git(GitErr *err, int rc, const char *token, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void fail_git(GitErr *err, int rc, const char *token, const char *fmt, ...) {
  const git_error *e = git_error_last();
  const char *why = e && e->message ? e->message : NULL;
  Buf b = {0};
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  if (why) buf_printf(&b, ": %s", why);
  set_err(err, kind_of(rc, why), token, &b);
}

/* ---- lists ---- */

void gitp_strs_free(GitStrs *s) {
  for (size_t i = 0; i < s->n; i++) free(s->items[i]);
  free(s->items);
  memset(s, 0, sizeof *s);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void strs_sort_unique(GitStrs *s) {
  if (!s->n) return;
  qsort(s->items, s->n, sizeof *s->items, cmp_str);
  size_t w = 1;
  for (size_t i = 1; i < s->n; i++) {
    if (!strcmp(s->items[i], s->items[w - 1])) free(s->items[i]);
    else s->items[w++] = s->items[i];
  }
  s->n = w;
}

static void strs_push(GitStrs *s, const char *text) {
  char *copy = xstrdup(text);
  VEC_PUSH(s->items, s->n, s->cap, copy);
}

/* ---- Conventional Commits ---- */

static char *trimmed(const char *s, size_t n) {
  while (n && isspace((unsigned char)*s)) s++, n--;
  while (n && isspace((unsigned char)s[n - 1])) n--;
  return xstrndup(s, n);
}

/* "Token: value" or "Token #value", where a token has no spaces except in
 * "BREAKING CHANGE". */
static bool is_footer_line(const char *line) {
  if (!strncmp(line, "BREAKING CHANGE: ", 17)) return true;
  size_t n = strspn(line, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-");
  return n > 0 && (!strncmp(line + n, ": ", 2) || !strncmp(line + n, " #", 2));
}

static char *breaking_footer(const char *body) {
  for (const char *line = body; *line;) {
    const char *eol = strchr(line, '\n');
    const char *next = eol ? eol + 1 : line + strlen(line);
    size_t tok = !strncmp(line, "BREAKING CHANGE:", 16)   ? 16
                 : !strncmp(line, "BREAKING-CHANGE:", 16) ? 16
                                                          : 0;
    if (tok) { /* the value runs on, blank lines included, until the next footer */
      const char *end = next;
      while (*end && !is_footer_line(end)) {
        const char *e = strchr(end, '\n');
        end = e ? e + 1 : end + strlen(end);
      }
      return trimmed(line + tok, (size_t)(end - line - tok));
    }
    line = next;
  }
  return NULL;
}

/* type(scope)!: description */
static bool parse_header(const char *h, GitConventional *out) {
  const char *p = h;
  if (!isalpha((unsigned char)*p)) return false;
  while (isalnum((unsigned char)*p) || *p == '-' || *p == '_') p++;
  const char *type_end = p, *scope = NULL, *scope_end = NULL;
  if (*p == '(') {
    scope = ++p;
    while (*p && *p != ')' && *p != '(') p++;
    if (*p != ')' || p == scope) return false;
    scope_end = p++;
  }
  bool bang = *p == '!';
  if (bang) p++;
  if (p[0] != ':' || p[1] != ' ') return false;
  p += 2;
  char *desc = trimmed(p, strlen(p));
  if (!*desc) {
    free(desc);
    return false;
  }
  out->conventional = true;
  out->type = xstrndup(h, (size_t)(type_end - h));
  for (char *t = out->type; *t; t++) *t = (char)tolower((unsigned char)*t);
  out->scope = scope ? trimmed(scope, (size_t)(scope_end - scope)) : NULL;
  out->breaking = bang;
  out->subject = desc;
  return true;
}

void gitp_conventional_parse(const char *message, GitConventional *out) {
  memset(out, 0, sizeof *out);
  size_t hn = strcspn(message, "\n");
  char *header = trimmed(message, hn);
  const char *rest = message[hn] ? message + hn + 1 : message + hn;
  out->body = trimmed(rest, strlen(rest));
  if (parse_header(header, out)) {
    free(header);
    out->breaking_note = breaking_footer(out->body);
    if (out->breaking_note) out->breaking = true;
  } else {
    out->subject = header;
  }
}

void gitp_conventional_free(GitConventional *c) {
  free(c->type);
  free(c->scope);
  free(c->subject);
  free(c->body);
  free(c->breaking_note);
  memset(c, 0, sizeof *c);
}

void gitp_commits_free(GitCommits *c) {
  for (size_t i = 0; i < c->n; i++) {
    GitCommitInfo *ci = &c->items[i];
    free(ci->sha);
    free(ci->author_name);
    free(ci->author_email);
    free(ci->header);
    gitp_conventional_free(&ci->cc);
  }
  free(c->items);
  memset(c, 0, sizeof *c);
}

/* ---- opening and resolving ---- */

static git_repository *open_repo(const char *dir, GitErr *err) {
  git_repository *r = NULL;
  int rc = git_repository_open_ext(&r, dir ? dir : ".", 0, NULL);
  if (rc < 0) {
    fail_git(err, rc, NULL, "%s: cannot open git repository", dir ? dir : ".");
    return NULL;
  }
  return r;
}

/* The name messages use for a repository: what the caller passed, or
 * the work tree libgit2 found. */
static const char *label(const char *dir, git_repository *r) {
  if (dir) return dir;
  const char *w = git_repository_workdir(r);
  return w ? w : git_repository_path(r);
}

static git_commit *resolve_commit(git_repository *r, const char *dir, const char *rev, GitErr *err) {
  if (!rev) rev = "HEAD";
  git_object *obj = NULL, *peeled = NULL;
  int rc = git_revparse_single(&obj, r, rev);
  if (rc < 0) {
    fail_git(err, rc, NULL, "%s: unknown revision '%s'", label(dir, r), rev);
    return NULL;
  }
  rc = git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT);
  git_object_free(obj);
  if (rc < 0) {
    fail_git(err, rc, NULL, "%s: '%s' does not name a commit", label(dir, r), rev);
    return NULL;
  }
  return (git_commit *)peeled;
}

static char *oid_hex(const git_oid *oid) {
  char hex[GIT_OID_HEXSZ + 1];
  git_oid_tostr(hex, sizeof hex, oid);
  return xstrdup(hex);
}

/* ---- reading ---- */

/* `path` under `dir` as a path from the root of r's work tree, "" for the
 * root itself; NULL when it leads out of the work tree. */
static char *repo_relative(git_repository *r, const char *dir, const char *path) {
  const char *work = git_repository_workdir(r);
  char *root = work ? realpath(work, NULL) : NULL, *here = realpath(dir ? dir : ".", NULL);
  size_t n = root ? strlen(root) : 0;
  Buf b = {0};
  bool ok = root && here && !strncmp(here, root, n) && (here[n] == '/' || !here[n]);
  if (ok) buf_printf(&b, "%s/%s", here + n, path);
  free(root);
  free(here);
  /* each segment: "." and "" dropped, ".." takes the one before off */
  char *out = xstrdup(""), *save = NULL;
  for (char *seg = ok ? strtok_r(b.data, "/", &save) : NULL; seg; seg = strtok_r(NULL, "/", &save)) {
    if (!strcmp(seg, ".")) continue;
    if (!strcmp(seg, "..")) {
      char *slash = strrchr(out, '/');
      if (!*out) ok = false;
      *(slash ? slash : out) = 0;
      continue;
    }
    char *longer = *out ? xasprintf("%s/%s", out, seg) : xstrdup(seg);
    free(out);
    out = longer;
  }
  buf_free(&b);
  if (!ok) {
    free(out);
    out = NULL;
  }
  return out;
}

/* Whether the work tree differs from HEAD under `rel` ("" : anywhere). */
static bool tree_dirty(git_repository *r, const char *rel, bool *dirty, GitErr *err) {
  git_status_options o;
  git_status_options_init(&o, GIT_STATUS_OPTIONS_VERSION);
  o.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
  o.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
            GIT_STATUS_OPT_EXCLUDE_SUBMODULES | GIT_STATUS_OPT_DISABLE_PATHSPEC_MATCH;
  char *spec[] = {(char *)rel};
  if (*rel) o.pathspec = (git_strarray){spec, 1};
  git_status_list *list = NULL;
  int rc = git_status_list_new(&list, r, &o);
  if (rc < 0) {
    fail_git(err, rc, NULL, "%s: cannot read the work tree's status", label(NULL, r));
    return false;
  }
  *dirty = git_status_list_entrycount(list) > 0;
  git_status_list_free(list);
  return true;
}

bool gitp_tree_sha(GitCtx *ctx, const char *dir, const char *path, char **out, GitErr *err) {
  (void)ctx;
  *out = NULL;
  git_repository *r = open_repo(dir, err);
  if (!r) return false;
  char *rel = repo_relative(r, dir, path);
  git_object *obj = NULL;
  bool dirty = false, ok = rel != NULL;
  if (!ok) {
    git_error_clear(); /* not libgit2's error: none of its is appended */
    fail_git(err, 0, NULL, "%s: '%s' is outside the repository", label(dir, r), path);
  }
  ok = ok && tree_dirty(r, rel, &dirty, err);
  if (ok && !dirty) {
    char *spec = *rel ? xasprintf("HEAD:%s", rel) : xstrdup("HEAD^{tree}");
    int rc = git_revparse_single(&obj, r, spec);
    if (rc < 0) fail_git(err, rc, NULL, "%s: '%s' is not in HEAD", label(dir, r), path);
    else *out = oid_hex(git_object_id(obj));
    ok = rc >= 0;
    free(spec);
  }
  git_object_free(obj);
  free(rel);
  git_repository_free(r);
  return ok;
}

char *gitp_sha(GitCtx *ctx, const char *repo, const char *rev, GitErr *err) {
  return gitp_short_sha(ctx, repo, rev, GIT_OID_HEXSZ, err);
}

char *gitp_short_sha(GitCtx *ctx, const char *repo, const char *rev, int n, GitErr *err) {
  (void)ctx;
  git_repository *r = open_repo(repo, err);
  if (!r) return NULL;
  git_commit *c = resolve_commit(r, repo, rev, err);
  char *hex = NULL;
  if (c) {
    hex = oid_hex(git_commit_id(c));
    if (n <= 0) n = 7;
    if (n < 4) n = 4;
    if (n < GIT_OID_HEXSZ) hex[n] = 0;
  }
  git_commit_free(c);
  git_repository_free(r);
  return hex;
}

bool gitp_branch(GitCtx *ctx, const char *repo, char **out, GitErr *err) {
  (void)ctx;
  *out = NULL;
  git_repository *r = open_repo(repo, err);
  if (!r) return false;
  git_reference *head = NULL;
  int rc = git_reference_lookup(&head, r, "HEAD");
  bool ok = rc == 0;
  if (!ok) fail_git(err, rc, NULL, "%s: cannot read HEAD", label(repo, r));
  /* HEAD names the branch even before its first commit; detached: none. */
  if (ok && git_reference_type(head) == GIT_REFERENCE_SYMBOLIC) {
    const char *target = git_reference_symbolic_target(head);
    if (!strncmp(target, "refs/heads/", 11)) target += 11;
    *out = xstrdup(target);
  }
  git_reference_free(head);
  git_repository_free(r);
  return ok;
}

/* The commit a tag reference finally points at; false for tags of trees or blobs. */
static bool tag_commit(git_repository *r, const char *refname, git_oid *out) {
  git_reference *ref = NULL;
  git_object *obj = NULL;
  bool ok = git_reference_lookup(&ref, r, refname) == 0 &&
            git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT) == 0;
  if (ok) git_oid_cpy(out, git_object_id(obj));
  git_object_free(obj);
  git_reference_free(ref);
  return ok;
}

typedef struct TagRef {
  git_oid commit;
  char *name; /* without refs/tags/ */
} TagRef;

typedef struct TagScan {
  git_repository *r;
  const char *match; /* glob, or NULL */
  TagRef *tags;
  size_t n, cap;
} TagScan;

static int collect_tag(const char *refname, git_oid *oid, void *payload) {
  (void)oid;
  TagScan *s = payload;
  const char *name = refname + strlen("refs/tags/");
  TagRef t;
  if (s->match && !glob_match(s->match, name)) return 0;
  if (!tag_commit(s->r, refname, &t.commit)) return 0;
  t.name = xstrdup(name);
  VEC_PUSH(s->tags, s->n, s->cap, t);
  return 0;
}

static void tagscan_free(TagScan *s) {
  for (size_t i = 0; i < s->n; i++) free(s->tags[i].name);
  free(s->tags);
}

bool gitp_tags(GitCtx *ctx, const char *repo, const char *at, GitStrs *out, GitErr *err) {
  (void)ctx;
  memset(out, 0, sizeof *out);
  git_repository *r = open_repo(repo, err);
  if (!r) return false;
  git_commit *c = resolve_commit(r, repo, at, err);
  if (!c) {
    git_repository_free(r);
    return false;
  }
  TagScan s = {.r = r};
  git_tag_foreach(r, collect_tag, &s);
  for (size_t i = 0; i < s.n; i++)
    if (git_oid_equal(&s.tags[i].commit, git_commit_id(c))) strs_push(out, s.tags[i].name);
  strs_sort_unique(out);
  tagscan_free(&s);
  git_commit_free(c);
  git_repository_free(r);
  return true;
}

char *gitp_describe(GitCtx *ctx, const char *repo, GitErr *err) {
  (void)ctx;
  git_repository *r = open_repo(repo, err);
  if (!r) return NULL;
  git_commit *c = resolve_commit(r, repo, NULL, err);
  char *out = NULL;
  git_describe_result *res = NULL;
  git_buf buf = {0};
  git_describe_options o;
  git_describe_options_init(&o, GIT_DESCRIBE_OPTIONS_VERSION);
  o.describe_strategy = GIT_DESCRIBE_TAGS;
  o.show_commit_oid_as_fallback = 1;
  git_describe_format_options f;
  git_describe_format_options_init(&f, GIT_DESCRIBE_FORMAT_OPTIONS_VERSION);
  int rc = 0;
  if (c && ((rc = git_describe_commit(&res, (git_object *)c, &o)) < 0 ||
            (rc = git_describe_format(&buf, res, &f)) < 0))
    fail_git(err, rc, NULL, "%s: cannot describe HEAD", label(repo, r));
  else if (c)
    out = xstrdup(buf.ptr);
  git_buf_dispose(&buf);
  git_describe_result_free(res);
  git_commit_free(c);
  git_repository_free(r);
  return out;
}

/* Of two tags on one commit the higher SemVer wins; a version beats a
 * non-version; otherwise the later name. */
static bool tag_better(const char *a, const char *b) {
  SemVer va, vb;
  bool pa = semver_parse(a, &va, NULL), pb = semver_parse(b, &vb, NULL);
  bool better = pa && pb ? semver_compare(&va, &vb) > 0 : pa != pb ? pa : strcmp(a, b) > 0;
  if (pa) semver_free(&va);
  if (pb) semver_free(&vb);
  return better;
}

static int cmp_tagref(const void *a, const void *b) {
  return git_oid_cmp(&((const TagRef *)a)->commit, &((const TagRef *)b)->commit);
}

char *gitp_latest_tag(GitCtx *ctx, const char *repo, const char *match, GitErr *err) {
  (void)ctx;
  git_repository *r = open_repo(repo, err);
  if (!r) return NULL;
  TagScan s = {.r = r, .match = match};
  git_tag_foreach(r, collect_tag, &s);
  if (s.n) qsort(s.tags, s.n, sizeof *s.tags, cmp_tagref);
  git_revwalk *walk = NULL;
  git_oid oid;
  char *best = NULL;
  int rc = git_revwalk_new(&walk, r);
  if (!rc) rc = git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
  if (!rc) rc = git_revwalk_push_head(walk);
  if (rc < 0) fail_git(err, rc, NULL, "%s: cannot walk the history of HEAD", label(repo, r));
  /* The first tagged commit met walking back from HEAD is the nearest. */
  while (!rc && s.n && !best && git_revwalk_next(&oid, walk) == 0) {
    TagRef key = {.commit = oid};
    TagRef *hit = bsearch(&key, s.tags, s.n, sizeof *s.tags, cmp_tagref);
    if (!hit) continue;
    while (hit > s.tags && git_oid_equal(&hit[-1].commit, &oid)) hit--;
    const char *name = hit->name;
    for (; hit < s.tags + s.n && git_oid_equal(&hit->commit, &oid); hit++)
      if (tag_better(hit->name, name)) name = hit->name;
    best = xstrdup(name);
  }
  /* no tag (yet) is no error: a first release starts from none */
  git_revwalk_free(walk);
  tagscan_free(&s);
  git_repository_free(r);
  return best;
}

static void commit_info(git_commit *c, GitCommitInfo *ci) {
  memset(ci, 0, sizeof *ci);
  const git_signature *a = git_commit_author(c);
  const char *msg = git_commit_message(c);
  ci->sha = oid_hex(git_commit_id(c));
  ci->author_name = xstrdup(a->name);
  ci->author_email = xstrdup(a->email);
  ci->time = (int64_t)a->when.time;
  ci->header = trimmed(msg, strcspn(msg, "\n"));
  gitp_conventional_parse(msg, &ci->cc);
}

bool gitp_log(GitCtx *ctx, const char *repo, const char *since, const char *until, GitCommits *out,
              GitErr *err) {
  (void)ctx;
  memset(out, 0, sizeof *out);
  git_repository *r = open_repo(repo, err);
  if (!r) return false;
  git_commit *top = resolve_commit(r, repo, until, err);
  git_commit *bottom = top && since ? resolve_commit(r, repo, since, err) : NULL;
  bool ok = top && (!since || bottom);
  git_revwalk *walk = NULL;
  if (ok) {
    int rc = git_revwalk_new(&walk, r);
    if (!rc) rc = git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
    if (!rc) rc = git_revwalk_push(walk, git_commit_id(top));
    if (!rc && bottom) rc = git_revwalk_hide(walk, git_commit_id(bottom));
    if (rc < 0) fail_git(err, rc, NULL, "%s: cannot walk the history", label(repo, r));
    ok = rc == 0;
  }
  git_oid oid;
  while (ok && git_revwalk_next(&oid, walk) == 0) {
    git_commit *c = NULL;
    if (git_commit_lookup(&c, r, &oid) < 0) continue;
    GitCommitInfo ci;
    commit_info(c, &ci);
    VEC_PUSH(out->items, out->n, out->cap, ci);
    git_commit_free(c);
  }
  git_revwalk_free(walk);
  git_commit_free(bottom);
  git_commit_free(top);
  git_repository_free(r);
  return ok;
}

static int collect_delta(const git_diff_delta *d, float progress, void *payload) {
  (void)progress;
  GitStrs *s = payload;
  if (d->old_file.path) strs_push(s, d->old_file.path);
  if (d->new_file.path && (!d->old_file.path || strcmp(d->new_file.path, d->old_file.path)))
    strs_push(s, d->new_file.path);
  return 0;
}

static int diff_paths(git_diff *d, GitStrs *out) {
  return git_diff_foreach(d, collect_delta, NULL, NULL, NULL, out);
}

/* Adds what the index and work tree change against `tree` (NULL: the
 * empty tree): staged, modified, deleted and untracked files. */
static int diff_worktree(git_repository *r, git_tree *tree, GitStrs *out) {
  git_diff_options o;
  git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
  o.flags = GIT_DIFF_INCLUDE_UNTRACKED | GIT_DIFF_RECURSE_UNTRACKED_DIRS;
  git_diff *d = NULL;
  int rc = git_diff_tree_to_workdir_with_index(&d, r, tree, &o);
  if (!rc) rc = diff_paths(d, out);
  git_diff_free(d);
  return rc;
}

bool gitp_changed_files(GitCtx *ctx, const char *repo, const char *base, bool with_worktree,
                        GitStrs *out, GitErr *err) {
  (void)ctx;
  memset(out, 0, sizeof *out);
  git_repository *r = open_repo(repo, err);
  if (!r) return false;
  git_commit *head = resolve_commit(r, repo, NULL, err);
  git_commit *b = head ? resolve_commit(r, repo, base, err) : NULL;
  git_commit *mb = NULL;
  git_tree *mbtree = NULL, *htree = NULL;
  git_diff *d = NULL;
  git_oid mboid;
  bool ok = false;
  int rc = 0;
  if (!b) goto done;
  rc = git_merge_base(&mboid, r, git_commit_id(b), git_commit_id(head));
  if (rc < 0) {
    fail_git(err, rc, NULL, "%s: '%s' and HEAD have no common ancestor", label(repo, r), base);
    goto done;
  }
  if ((rc = git_commit_lookup(&mb, r, &mboid)) < 0 || (rc = git_commit_tree(&mbtree, mb)) < 0 ||
      (rc = git_commit_tree(&htree, head)) < 0 ||
      (rc = git_diff_tree_to_tree(&d, r, mbtree, htree, NULL)) < 0 || (rc = diff_paths(d, out)) < 0)
    goto fail;
  if (with_worktree && !git_repository_is_bare(r) && (rc = diff_worktree(r, htree, out)) < 0) goto fail;
  strs_sort_unique(out);
  ok = true;
  goto done;
fail:
  fail_git(err, rc, NULL, "%s: cannot diff against '%s'", label(repo, r), base);
done:
  if (!ok) gitp_strs_free(out);
  git_diff_free(d);
  git_tree_free(htree);
  git_tree_free(mbtree);
  git_commit_free(mb);
  git_commit_free(b);
  git_commit_free(head);
  git_repository_free(r);
  return ok;
}

/* ---- what an event changed ---- */

void gitp_changes_free(GitChanges *c) {
  gitp_strs_free(&c->paths);
  free(c->range);
  free(c->why);
  memset(c, 0, sizeof *c);
}

/* A commit named by `spec`, or NULL (no error: callers fall back). */
static git_commit *lookup_commit(git_repository *r, const char *spec) {
  return spec ? resolve_commit(r, NULL, spec, NULL) : NULL;
}

static const char *last_reason(void) {
  const git_error *e = git_error_last();
  return e && e->message ? e->message : "unknown libgit2 error";
}

/* Files differing between two commits; `from` NULL means the empty tree. */
static bool diff_commits(git_repository *r, git_commit *from, git_commit *to, GitChanges *c) {
  git_tree *a = NULL, *b = NULL;
  git_diff *d = NULL;
  bool ok = (!from || git_commit_tree(&a, from) == 0) && git_commit_tree(&b, to) == 0 &&
            git_diff_tree_to_tree(&d, r, a, b, NULL) == 0 && diff_paths(d, &c->paths) == 0;
  git_diff_free(d);
  git_tree_free(a);
  git_tree_free(b);
  return ok;
}

/* `commit` against its first parent; a root commit against the empty tree. */
static bool diff_with_parent(git_repository *r, git_commit *commit, const char *name, GitChanges *c) {
  if (git_commit_parentcount(commit) == 0) {
    c->range = xasprintf("%s (a root commit: all its files)", name);
    return diff_commits(r, NULL, commit, c);
  }
  git_commit *parent = NULL;
  if (git_commit_parent(&parent, commit, 0) != 0) {
    c->why = xasprintf("the parent of %s is not in the repository (a shallow clone? fetch more history)", name);
    return false;
  }
  c->range = xasprintf("%s^..%s", name, name);
  bool ok = diff_commits(r, parent, commit, c);
  git_commit_free(parent);
  return ok;
}

static bool changes_pull_request(git_repository *r, const char *base, GitChanges *c) {
  git_commit *head = lookup_commit(r, "HEAD");
  if (!head) {
    c->why = xstrdup("the repository has no HEAD commit");
    return false;
  }
  git_commit *b = NULL;
  if (base) {
    char *remote = xasprintf("refs/remotes/origin/%s", base);
    char *local = xasprintf("refs/heads/%s", base);
    b = lookup_commit(r, remote);
    if (!b) b = lookup_commit(r, local);
    free(remote);
    free(local);
  }
  bool ok;
  if (b) {
    git_oid mb;
    git_commit *mbc = NULL;
    ok = git_merge_base(&mb, r, git_commit_id(b), git_commit_id(head)) == 0 &&
         git_commit_lookup(&mbc, r, &mb) == 0;
    if (ok) {
      c->range = xasprintf("merge-base(%s, HEAD)..HEAD", base);
      ok = diff_commits(r, mbc, head, c);
    } else {
      c->why = xasprintf("no merge base between %s and HEAD: %s", base, last_reason());
    }
    git_commit_free(mbc);
    git_commit_free(b);
  } else if (git_commit_parentcount(head) == 2) {
    /* GitHub checks out refs/pull/N/merge: HEAD^1 is the target branch */
    ok = diff_with_parent(r, head, "HEAD", c);
    free(c->range);
    c->range = xstrdup("HEAD^1..HEAD (the pull request's merge commit)");
  } else {
    c->why = xasprintf("the target branch %s is not in the repository (fetch it: git fetch origin %s)",
                       base ? base : "(unknown)", base ? base : "BRANCH");
    ok = false;
  }
  git_commit_free(head);
  return ok;
}

static bool changes_commits(git_repository *r, const char *before, const char *sha, GitChanges *c) {
  git_commit *to = lookup_commit(r, sha);
  const char *name = to ? sha : "HEAD";
  if (!to) to = lookup_commit(r, "HEAD");
  if (!to) {
    c->why = xstrdup("the repository has no HEAD commit");
    return false;
  }
  bool ok;
  git_commit *from = lookup_commit(r, before);
  if (from) {
    c->range = xasprintf("%s..%s", before, name);
    ok = diff_commits(r, from, to, c);
    git_commit_free(from);
  } else {
    ok = diff_with_parent(r, to, name, c);
  }
  git_commit_free(to);
  return ok;
}

static bool changes_worktree(git_repository *r, GitChanges *c) {
  git_commit *head = lookup_commit(r, "HEAD");
  git_tree *tree = NULL;
  bool ok = !head || (diff_with_parent(r, head, "HEAD", c) && git_commit_tree(&tree, head) == 0);
  if (ok && !git_repository_is_bare(r)) {
    ok = diff_worktree(r, tree, &c->paths) == 0;
    char *range = xasprintf("%s + uncommitted changes", c->range ? c->range : "(no commits)");
    free(c->range);
    c->range = range;
  }
  git_tree_free(tree);
  git_commit_free(head);
  return ok;
}

void gitp_changes(GitCtx *ctx, const char *dir, GitChangeOf of, const char *base, const char *before,
                  const char *sha, GitChanges *out) {
  (void)ctx;
  memset(out, 0, sizeof *out);
  git_repository *r = NULL;
  if (git_repository_open_ext(&r, dir ? dir : ".", 0, NULL) != 0) {
    out->why = xasprintf("%s is not in a git repository", dir ? dir : ".");
    return;
  }
  bool ok = of == GIT_CHANGE_PULL_REQUEST ? changes_pull_request(r, base, out)
            : of == GIT_CHANGE_WORKTREE   ? changes_worktree(r, out)
                                          : changes_commits(r, before, sha, out);
  if (!ok && !out->why) out->why = xasprintf("git diff failed: %s", last_reason());
  out->known = ok;
  strs_sort_unique(&out->paths);
  git_repository_free(r);
}

/* ---- configuration ---- */

char *gitp_user_name(GitCtx *ctx, const char *dir) { return gitp_config_string(ctx, dir, "user.name"); }

char *gitp_config_string(GitCtx *ctx, const char *dir, const char *key) {
  (void)ctx;
  git_repository *r = NULL;
  git_config *cfg = NULL, *snap = NULL;
  char *name = NULL;
  const char *v = NULL;
  /* a snapshot: the default configuration is live */
  bool ok = git_repository_open_ext(&r, dir ? dir : ".", 0, NULL) == 0
                ? git_repository_config_snapshot(&snap, r) == 0
                : git_config_open_default(&cfg) == 0 && git_config_snapshot(&snap, cfg) == 0;
  if (ok && git_config_get_string(&v, snap, key) == 0 && *v) name = xstrdup(v);
  git_config_free(snap);
  git_config_free(cfg);
  git_repository_free(r);
  return name;
}

/* ---- network ---- */

typedef struct Remote {
  const char *token;
  const char *url;        /* http(s) without a token: git's credential helper is asked for it */
  char *user, *password;  /* what the helper gave */
  bool gave_password, gave_key; /* asked again for one: it was refused */
  Buf said;               /* what the remote printed (hooks write here) */
  char *rejected_ref;     /* the first ref the remote refused, and why */
  char *rejected_status;
} Remote;

static int refused(void) {
  git_error_set_str(GIT_ERROR_NET, "authentication failed: the credentials were refused");
  return GIT_EAUTH;
}

/* libgit2 may ask several times in one operation: for a user name first
 * (SSH), then for a key or password. Asked twice for the same secret, the
 * first was refused, and asking on would loop. */
static int credentials(git_credential **out, const char *url, const char *user,
                       unsigned int allowed, void *payload) {
  (void)url;
  Remote *rm = payload;
  /* without a token, git's credential helper, asked as git asks it: when
   * the server wants a password (git_credential_* never prompts) */
  if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && !rm->token && rm->url && !rm->gave_password)
    gitp_credential("fill", rm->url, &rm->user, &rm->password);
  const char *password = rm->token ? rm->token : rm->password;
  if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && password) {
    if (rm->gave_password) return refused();
    rm->gave_password = true;
    const char *name = !rm->token && rm->user && *rm->user ? rm->user : user ? user : "x-access-token";
    return git_credential_userpass_plaintext_new(out, name, password);
  }
  if (allowed & GIT_CREDENTIAL_SSH_KEY) {
    if (rm->gave_key) return refused();
    rm->gave_key = true;
    return git_credential_ssh_key_from_agent(out, user ? user : "git");
  }
  if (allowed & GIT_CREDENTIAL_USERNAME) return git_credential_username_new(out, user ? user : "git");
  return GIT_PASSTHROUGH;
}

static int sideband(const char *text, int len, void *payload) {
  Remote *rm = payload;
  if (rm->said.len < 4096) buf_putn(&rm->said, text, (size_t)len);
  return 0;
}

static int push_status(const char *ref, const char *status, void *payload) {
  Remote *rm = payload;
  if (status && !rm->rejected_ref) {
    rm->rejected_ref = xstrdup(ref);
    rm->rejected_status = xstrdup(status);
  }
  return 0;
}

static void remote_callbacks(git_remote_callbacks *cb, Remote *rm) {
  cb->credentials = credentials;
  cb->sideband_progress = sideband;
  cb->push_update_reference = push_status;
  cb->payload = rm;
}

/* What to mask in messages: the token, or the helper's password. */
static const char *secret_of(const Remote *rm) { return rm->token ? rm->token : rm->password; }

static void wipe(char *s) {
  if (s) memset(s, 0, strlen(s));
  free(s);
}

/* Tells git's credential helper how its password did, as git does:
 * approved once the remote accepted it, rejected when it refused it. */
static void credential_outcome(Remote *rm, bool ok, const GitErr *err) {
  if (!rm->password) return;
  if (ok) gitp_credential("approve", rm->url, &rm->user, &rm->password);
  else if (err && err->kind == GIT_ERR_AUTH) gitp_credential("reject", rm->url, &rm->user, &rm->password);
}

static void remote_free(Remote *rm) {
  free(rm->user);
  wipe(rm->password);
  buf_free(&rm->said);
  free(rm->rejected_ref);
  free(rm->rejected_status);
}

/* The remote's own words, as "remote: ..." lines. */
static void append_remote_said(Buf *b, const Remote *rm) {
  if (!rm->said.data) return;
  const char *p = rm->said.data;
  while (*p) {
    size_t n = strcspn(p, "\r\n");
    char *line = trimmed(p, n);
    if (*line) buf_printf(b, "\nremote: %s", line);
    free(line);
    p += n;
    p += strspn(p, "\r\n");
  }
}

/* A URL whose host starts with '-' ("ssh://-oProxyCommand=...", or
 * "-host:path"): a libgit2 that runs OpenSSH would hand it to ssh as an
 * option, so it is refused, as git refuses it. */
static bool option_host(const char *url, GitErr *err) {
  const char *scheme = url ? strstr(url, "://") : NULL;
  if (!url || (*url != '-' && !(scheme && scheme[3] == '-'))) return false;
  fail(err, GIT_ERR_INVALID, NULL, "%s: a host starting with '-' is refused (ssh would read it as an option)", url);
  return true;
}

/* A path rather than a URL: no scheme, and no "host:" as in git@host:x. */
static bool is_local_path(const char *url) {
  if (strstr(url, "://")) return false;
  const char *colon = strchr(url, ':'), *slash = strchr(url, '/');
  return !colon || (slash && slash < colon);
}

/* ---- remotes, with url.<base>.insteadOf applied here ----
 * libgit2 1.5 applies url.*.insteadOf by matching a regex against every
 * configuration entry and leaks a PCRE2 match block for each entry that
 * does not match (libgit2 #6382, fixed in 1.6). rp reads the entries
 * itself and makes its remotes with GIT_REMOTE_CREATE_SKIP_INSTEADOF. */

/* `url` with the longest matching url.<base>.<key> prefix replaced by
 * <base> (key "insteadof" or "pushinsteadof"), as git does; NULL if none. */
static char *rewrite_url(git_config *cfg, const char *url, const char *key) {
  git_config_iterator *it = NULL;
  git_config_entry *e;
  size_t best = 0, k = strlen(key);
  char *out = NULL;
  if (git_config_iterator_new(&it, cfg) < 0) return NULL;
  while (git_config_next(&e, it) == 0) {
    size_t n = strlen(e->name), v = e->value ? strlen(e->value) : 0;
    bool rule = n > k + 5 && !strncmp(e->name, "url.", 4) && e->name[n - k - 1] == '.' &&
                !strcasecmp(e->name + n - k, key);
    if (!rule || v <= best || strncmp(url, e->value, v)) continue;
    best = v;
    free(out);
    out = xasprintf("%.*s%s", (int)(n - k - 5), e->name + 4, url + v);
  }
  git_config_iterator_free(it);
  return out;
}

/* Points `remote` at `url` and `pushurl` (NULL: none) rewritten as git
 * rewrites them: pushurl by insteadOf, else url by pushInsteadOf. */
static int remote_rewrite(git_remote *remote, git_config *cfg, const char *url, const char *pushurl) {
  char *u = rewrite_url(cfg, url, "insteadof");
  char *p = pushurl ? rewrite_url(cfg, pushurl, "insteadof") : rewrite_url(cfg, url, "pushinsteadof");
  int rc = u ? git_remote_set_instance_url(remote, u) : 0;
  if (rc == 0 && (p || pushurl)) rc = git_remote_set_instance_pushurl(remote, p ? p : pushurl);
  free(u);
  free(p);
  return rc;
}

/* A remote on `url` that is not written to the configuration, fetching
 * with `fetchspec` (NULL: none). */
static int remote_on(git_remote **out, git_repository *r, git_config *cfg, const char *url, const char *pushurl,
                     const char *fetchspec) {
  git_remote_create_options o;
  git_remote_create_options_init(&o, GIT_REMOTE_CREATE_OPTIONS_VERSION);
  o.repository = r;
  o.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
  o.fetchspec = fetchspec;
  int rc = git_remote_create_with_opts(out, url, &o);
  if (rc == 0 && (rc = remote_rewrite(*out, cfg, url, pushurl)) < 0) {
    git_remote_free(*out);
    *out = NULL;
  }
  return rc;
}

/* remote.NAME.KEY of `cfg`, or NULL. */
static const char *remote_setting(git_config *cfg, const char *name, const char *key, git_buf *held) {
  char *var = xasprintf("remote.%s.%s", name, key);
  int rc = git_config_get_string_buf(held, cfg, var);
  free(var);
  return rc == 0 ? held->ptr : NULL;
}

/* The clone's origin, made as git_clone makes it (written to the clone's
 * configuration with the URL as given), insteadOf applied here. */
static int clone_origin(git_remote **out, git_repository *r, const char *name, const char *url, void *payload) {
  (void)payload;
  git_config *cfg = NULL;
  git_remote_create_options o;
  git_remote_create_options_init(&o, GIT_REMOTE_CREATE_OPTIONS_VERSION);
  o.repository = r;
  o.name = name;
  o.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF;
  int rc = git_remote_create_with_opts(out, url, &o);
  if (rc == 0) rc = git_repository_config_snapshot(&cfg, r);
  if (rc == 0) rc = remote_rewrite(*out, cfg, url, NULL);
  git_config_free(cfg);
  return rc;
}

bool gitp_clone(GitCtx *ctx, const char *url, const char *dir, const char *branch,
                const char *token, GitErr *err) {
  (void)ctx;
  struct stat st;
  if (option_host(url, err)) return false;
  if (is_local_path(url) && stat(url, &st) != 0) { /* libgit2 would say "unsupported URL protocol" */
    fail(err, GIT_ERR_NOT_FOUND, token, "clone of %s into %s failed: no such repository", url, dir);
    return false;
  }
  Remote rm = {.token = token, .url = url};
  git_clone_options o;
  git_clone_options_init(&o, GIT_CLONE_OPTIONS_VERSION);
  o.checkout_branch = branch;
  /* a file:// URL is cloned like a path, copying (or linking) the objects,
   * not through the transport that re-deflates a whole pack as it goes */
  o.local = GIT_CLONE_LOCAL;
  remote_callbacks(&o.fetch_opts.callbacks, &rm);
  o.remote_cb = clone_origin;
  git_repository *r = NULL;
  int rc = git_clone(&r, url, dir, &o);
  if (rc < 0)
    fail_git(err, rc, secret_of(&rm), "clone of %s%s%s into %s failed", url, branch ? " branch " : "",
             branch ? branch : "", dir);
  credential_outcome(&rm, rc == 0, err);
  git_repository_free(r);
  remote_free(&rm);
  return rc == 0;
}

/* "Name <email>" */
static bool parse_author(const char *s, char **name, char **email) {
  const char *lt = strchr(s, '<'), *gt = strrchr(s, '>');
  if (!lt || !gt || gt < lt || gt[1]) return false;
  *name = trimmed(s, (size_t)(lt - s));
  *email = trimmed(lt + 1, (size_t)(gt - lt - 1));
  if (**name && **email && !strchr(*email, '<')) return true;
  free(*name);
  free(*email);
  return false;
}

/* author argument, else GIT_AUTHOR_NAME/EMAIL, else user.name/email, else "rp". */
static git_signature *signature(git_repository *r, const char *author, GitErr *err) {
  git_signature *sig = NULL;
  char *name = NULL, *email = NULL;
  int rc;
  if (author) {
    if (!parse_author(author, &name, &email)) {
      fail(err, GIT_ERR_INVALID, NULL, "invalid author '%s': expected 'Name <email>'", author);
      return NULL;
    }
    rc = git_signature_now(&sig, name, email);
    free(name);
    free(email);
  } else if (getenv("GIT_AUTHOR_NAME") && getenv("GIT_AUTHOR_EMAIL")) {
    rc = git_signature_now(&sig, getenv("GIT_AUTHOR_NAME"), getenv("GIT_AUTHOR_EMAIL"));
  } else if (git_signature_default(&sig, r) == 0) {
    rc = 0;
  } else {
    rc = git_signature_now(&sig, "rp", "rp@localhost");
  }
  if (rc < 0) fail_git(err, rc, NULL, "invalid author '%s'", author ? author : "(default)");
  return rc < 0 ? NULL : sig;
}

static bool has_glob(const char *s) { return strpbrk(s, "*?[") != NULL; }

/* A literal path must exist on disk or in HEAD (a deletion to stage). */
static bool path_known(git_repository *r, git_tree *head, const char *path) {
  char *full = xasprintf("%s%s", git_repository_workdir(r), path);
  struct stat st;
  bool ok = lstat(full, &st) == 0;
  free(full);
  git_tree_entry *e = NULL;
  if (!ok && head && git_tree_entry_bypath(&e, head, path) == 0) ok = true;
  git_tree_entry_free(e);
  return ok;
}

static bool stage(git_repository *r, const char *dir, git_tree *head, const char *const *paths,
                  size_t npaths, git_oid *tree, GitErr *err) {
  for (size_t i = 0; i < npaths; i++)
    if (!has_glob(paths[i]) && !path_known(r, head, paths[i])) {
      fail(err, GIT_ERR_NOT_FOUND, NULL, "%s: path '%s' matches no file", dir, paths[i]);
      return false;
    }
  git_index *index = NULL;
  git_strarray ps = {(char **)paths, npaths};
  int rc = git_repository_index(&index, r);
  if (!rc) rc = git_index_add_all(index, npaths ? &ps : NULL, GIT_INDEX_ADD_DEFAULT, NULL, NULL);
  if (!rc) rc = git_index_update_all(index, npaths ? &ps : NULL, NULL, NULL); /* deletions */
  if (!rc) rc = git_index_write(index);
  if (!rc) rc = git_index_write_tree(tree, index);
  if (rc < 0) fail_git(err, rc, NULL, "%s: cannot stage changes", dir);
  git_index_free(index);
  return rc == 0;
}

bool gitp_commit(GitCtx *ctx, const char *dir, const char *message, const char *const *paths,
                 size_t npaths, const char *author, char **sha, GitErr *err) {
  (void)ctx;
  *sha = NULL;
  if (!message || !*message) {
    fail(err, GIT_ERR_INVALID, NULL, "%s: empty commit message", dir ? dir : ".");
    return false;
  }
  git_repository *r = open_repo(dir, err);
  if (!r) return false;
  dir = label(dir, r);
  git_commit *parent = NULL;
  git_tree *ptree = NULL, *tree = NULL;
  git_signature *sig = NULL;
  git_buf msg = {0};
  git_oid tree_oid, oid;
  bool ok = false;
  int rc = 0;
  if (git_repository_is_bare(r)) {
    fail(err, GIT_ERR_INVALID, NULL, "%s: cannot commit in a bare repository", dir);
    goto done;
  }
  /* No parent when HEAD's branch has no commit yet. */
  git_object *obj = NULL;
  if (git_revparse_single(&obj, r, "HEAD^{commit}") == 0) parent = (git_commit *)obj;
  if (parent && (rc = git_commit_tree(&ptree, parent)) < 0) goto fail;
  if (!stage(r, dir, ptree, paths, npaths, &tree_oid, err)) goto done;
  if (ptree && git_oid_equal(&tree_oid, git_tree_id(ptree))) { /* nothing changed */
    ok = true;
    goto done;
  }
  if (!(sig = signature(r, author, err))) goto done;
  const git_commit *parents[1] = {parent};
  if ((rc = git_tree_lookup(&tree, r, &tree_oid)) < 0 ||
      (rc = git_message_prettify(&msg, message, 0, '#')) < 0 ||
      (rc = git_commit_create(&oid, r, "HEAD", sig, sig, NULL, msg.ptr, tree, parent ? 1 : 0,
                              parents)) < 0)
    goto fail;
  *sha = oid_hex(&oid);
  ok = true;
  goto done;
fail:
  fail_git(err, rc, NULL, "%s: cannot commit", dir);
done:
  git_buf_dispose(&msg);
  git_signature_free(sig);
  git_tree_free(tree);
  git_tree_free(ptree);
  git_commit_free(parent);
  git_repository_free(r);
  return ok;
}

bool gitp_tag(GitCtx *ctx, const char *dir, const char *name, const char *message, GitErr *err) {
  (void)ctx;
  git_repository *r = open_repo(dir, err);
  if (!r) return false;
  git_commit *head = resolve_commit(r, dir, NULL, err);
  git_signature *sig = head && message ? signature(r, NULL, err) : NULL;
  git_oid oid;
  int rc = -1;
  if (head && message && sig)
    rc = git_tag_create(&oid, r, name, (git_object *)head, sig, message, 0);
  else if (head && !message)
    rc = git_tag_create_lightweight(&oid, r, name, (git_object *)head, 0);
  if (rc == GIT_EEXISTS)
    fail(err, GIT_ERR_INVALID, NULL, "%s: tag '%s' already exists", label(dir, r), name);
  else if (rc < 0 && head && (sig || !message))
    fail_git(err, rc, NULL, "%s: cannot create tag '%s'", label(dir, r), name);
  git_signature_free(sig);
  git_commit_free(head);
  git_repository_free(r);
  return rc == 0;
}

static bool ref_exists(git_repository *r, const char *name) {
  git_reference *ref = NULL;
  bool ok = git_reference_lookup(&ref, r, name) == 0;
  git_reference_free(ref);
  return ok;
}

/* "main" -> "refs/heads/main:refs/heads/main"; NULL -> the current branch.
 * Never with the '+' that forces a push (the caller asks with `force`), nor
 * without a source, which would delete the remote's ref (":dst") or push
 * every branch the remote also has (":"). */
static char *push_refspec(git_repository *r, const char *dir, const char *ref, bool force, GitErr *err) {
  if (ref && *ref == '+' && !force) {
    fail(err, GIT_ERR_INVALID, NULL, "%s: '%s' would force the push; pass force to overwrite the remote's history",
         dir, ref);
    return NULL;
  }
  if (ref && *ref == '+') ref++;
  if (ref && *ref == ':') {
    fail(err, GIT_ERR_INVALID, NULL, "%s: '%s' has no source: it would delete the remote's ref", dir, ref);
    return NULL;
  }
  if (ref && strchr(ref, ':')) return xstrdup(ref);
  if (ref && !strncmp(ref, "refs/", 5)) return xasprintf("%s:%s", ref, ref);
  if (ref) {
    char *heads = xasprintf("refs/heads/%s", ref), *tags = xasprintf("refs/tags/%s", ref);
    const char *full = ref_exists(r, heads) ? heads : ref_exists(r, tags) ? tags : NULL;
    char *spec = full ? xasprintf("%s:%s", full, full) : NULL;
    if (!full) fail(err, GIT_ERR_NOT_FOUND, NULL, "%s: no branch or tag named '%s'", dir, ref);
    free(heads);
    free(tags);
    return spec;
  }
  git_reference *head = NULL;
  int rc = git_repository_head(&head, r);
  char *spec = NULL;
  if (rc < 0)
    fail_git(err, rc, NULL, "%s: HEAD has no commit to push", dir);
  else if (!git_reference_is_branch(head))
    fail(err, GIT_ERR_INVALID, NULL, "%s: HEAD is detached; name the ref to push", dir);
  else
    spec = xasprintf("%s:%s", git_reference_name(head), git_reference_name(head));
  git_reference_free(head);
  return spec;
}

static const char *remote_url(git_remote *remote) {
  const char *u = git_remote_pushurl(remote);
  return u ? u : git_remote_url(remote);
}

/* A named remote (its URLs and fetch refspec, from the configuration), or
 * one for a URL or path. */
static git_remote *find_remote(git_repository *r, const char *dir, const char *name, GitErr *err) {
  git_remote *remote = NULL;
  git_config *cfg = NULL;
  git_buf url = {0}, pushurl = {0}, fetch = {0};
  int rc = git_repository_config_snapshot(&cfg, r);
  const char *named = rc == 0 ? remote_setting(cfg, name, "url", &url) : NULL;
  if (named)
    rc = remote_on(&remote, r, cfg, named, remote_setting(cfg, name, "pushurl", &pushurl),
                   remote_setting(cfg, name, "fetch", &fetch));
  else if (rc == 0)
    rc = strchr(name, ':') || strchr(name, '/') ? remote_on(&remote, r, cfg, name, NULL, NULL) : GIT_ENOTFOUND;
  git_buf_dispose(&url);
  git_buf_dispose(&pushurl);
  git_buf_dispose(&fetch);
  git_config_free(cfg);
  if (rc < 0) {
    fail_git(err, rc, NULL, "%s: no remote '%s'", dir, name);
    return NULL;
  }
  if (option_host(remote_url(remote), err)) {
    git_remote_free(remote);
    return NULL;
  }
  return remote;
}

/* receive-pack's words for "someone pushed first": a non-fast-forward it
 * saw, or a ref that moved while this push was in flight (then the status
 * is "failed to update ref" and the remote explains "... but expected",
 * or "reference already exists" when both created it). */
static bool remote_moved(const char *status, const Remote *rm) {
  if (strstr(status, "non-fast-forward") || strstr(status, "fetch first") ||
      strstr(status, "stale info"))
    return true;
  return strstr(status, "failed to update ref") && rm->said.data &&
         (strstr(rm->said.data, "but expected") || strstr(rm->said.data, "reference already exists"));
}

/* Pushes `spec` ("src:dst", '+' first when forced) and says how it went:
 * GIT_ERR_REMOTE_MOVED when the remote has commits this repository lacks.
 * `headers`: extra HTTP headers (NULL: none). */
static bool push_spec(git_remote *remote, const char *dir, const char *spec, bool force, Remote *rm,
                      const git_strarray *headers, GitErr *err) {
  const char *url = remote_url(remote);
  git_push_options o;
  git_push_options_init(&o, GIT_PUSH_OPTIONS_VERSION);
  remote_callbacks(&o.callbacks, rm);
  if (headers) o.custom_headers = *headers;
  char *sent = xasprintf("%s%s", force ? "+" : "", spec);
  git_strarray specs = {&sent, 1};
  int rc = git_remote_push(remote, &specs, &o);
  const char *token = secret_of(rm);
  free(sent);
  Buf b = {0};
  size_t half = strlen(spec) / 2; /* "refs/heads/x:refs/heads/x" reads better as one name */
  int shown = spec[half] == ':' && !strncmp(spec, spec + half + 1, half) ? (int)half : (int)strlen(spec);
  if (rc == GIT_ENONFASTFORWARD) {
    buf_printf(&b, "%s: push of %.*s to %s rejected: the remote has commits this clone lacks "
                   "(fetch, re-apply and push again)", dir, shown, spec, url);
    set_err(err, GIT_ERR_REMOTE_MOVED, token, &b);
  } else if (rc < 0) {
    fail_git(err, rc, token, "%s: push of %.*s to %s failed", dir, shown, spec, url);
  } else if (rm->rejected_ref) {
    bool moved = remote_moved(rm->rejected_status, rm);
    buf_printf(&b, "%s: push of %s to %s %s: %s", dir, rm->rejected_ref, url,
               moved ? "rejected, the remote has moved" : "refused", rm->rejected_status);
    append_remote_said(&b, rm);
    set_err(err, moved ? GIT_ERR_REMOTE_MOVED : GIT_ERR_REJECTED, token, &b);
  } else {
    credential_outcome(rm, true, NULL);
    return true;
  }
  credential_outcome(rm, false, err);
  return false;
}

bool gitp_push(GitCtx *ctx, const char *dir, const char *remote_name, const char *ref, bool force,
               const char *token, GitErr *err) {
  (void)ctx;
  git_repository *r = open_repo(dir, err);
  if (!r) return false;
  dir = label(dir, r);
  if (!remote_name) remote_name = "origin";
  Remote rm = {.token = token};
  char *spec = NULL;
  bool ok = false;
  git_remote *remote = find_remote(r, dir, remote_name, err);
  if (remote) rm.url = remote_url(remote);
  if (remote && (spec = push_refspec(r, dir, ref, force, err))) ok = push_spec(remote, dir, spec, force, &rm, NULL, err);
  free(spec);
  remote_free(&rm);
  git_remote_free(remote);
  git_repository_free(r);
  return ok;
}

bool gitp_fetch_reset(GitCtx *ctx, const char *dir, const char *remote_name, const char *token,
                      GitErr *err) {
  char *branch = NULL;
  if (!gitp_branch(ctx, dir, &branch, err)) return false;
  git_repository *r = open_repo(dir, err);
  if (!r) {
    free(branch);
    return false;
  }
  dir = label(dir, r);
  if (!remote_name) remote_name = "origin";
  Remote rm = {.token = token};
  git_remote *remote = NULL;
  git_object *target = NULL;
  char *tracking = NULL;
  bool ok = false;
  int rc;
  if (!branch) {
    fail(err, GIT_ERR_INVALID, NULL, "%s: HEAD is detached; nothing to reset", dir);
    goto done;
  }
  if (!(remote = find_remote(r, dir, remote_name, err))) goto done;
  git_fetch_options o;
  git_fetch_options_init(&o, GIT_FETCH_OPTIONS_VERSION);
  remote_callbacks(&o.callbacks, &rm);
  rm.url = git_remote_url(remote);
  /* the branch into its remote-tracking ref, whatever the remote's refspec */
  char *spec = xasprintf("+refs/heads/%s:refs/remotes/%s/%s", branch, remote_name, branch);
  git_strarray specs = {&spec, 1};
  rc = git_remote_fetch(remote, &specs, &o, NULL);
  free(spec);
  if (rc < 0) fail_git(err, rc, secret_of(&rm), "%s: fetch from %s failed", dir, remote_url(remote));
  credential_outcome(&rm, rc == 0, err);
  if (rc < 0) goto done;
  tracking = xasprintf("refs/remotes/%s/%s^{commit}", remote_name, branch);
  if ((rc = git_revparse_single(&target, r, tracking)) < 0 ||
      (rc = git_reset(r, target, GIT_RESET_HARD, NULL)) < 0) {
    fail_git(err, rc, token, "%s: cannot reset %s to %s/%s", dir, branch, remote_name, branch);
    goto done;
  }
  ok = true;
done:
  free(tracking);
  git_object_free(target);
  git_remote_free(remote);
  remote_free(&rm);
  git_repository_free(r);
  free(branch);
  return ok;
}

/* ---- a ref store ---- */

struct GitRefStore {
  git_repository *repo; /* the local cache, bare */
  git_remote *remote;   /* anonymous, on the URL */
  char *url;            /* as given */
  char *shown;          /* the URL without userinfo: for messages */
  const char *token;    /* borrowed */
  char *header;         /* "Authorization: Basic ..." when a token is set */
};

char *gitp_remote_url(GitCtx *ctx, const char *dir, const char *name, GitErr *err) {
  (void)ctx;
  git_repository *r = open_repo(dir, err);
  if (!r) return NULL;
  /* read from the configuration: git_remote_lookup would apply
   * url.*.insteadOf, whose lookup leaks in libgit2 1.5 */
  git_config *cfg = NULL;
  const char *value = NULL;
  char *key = xasprintf("remote.%s.url", name), *url = NULL;
  int rc = git_repository_config_snapshot(&cfg, r);
  if (rc == 0) rc = git_config_get_string(&value, cfg, key);
  if (rc < 0) fail_git(err, rc, NULL, "%s: no remote '%s'", label(dir, r), name);
  else if (!option_host(value, err)) url = xstrdup(value);
  free(key);
  git_config_free(cfg);
  git_repository_free(r);
  return url;
}

/* An anonymous remote on the URL as given: the cache's configuration has
 * no url.*.insteadOf to apply (and libgit2 1.5 leaks looking for one). */
static int refstore_remote(GitRefStore *s, const char *url) {
  git_remote_create_options o;
  git_remote_create_options_init(&o, GIT_REMOTE_CREATE_OPTIONS_VERSION);
  o.repository = s->repo;
  o.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
  return git_remote_create_with_opts(&s->remote, url, &o);
}

/* The cache's repository, made on first use. Processes sharing one cache
 * (parallel jobs on one runner) may make it at once: the one that loses
 * the race for its files waits a moment and opens the other's. */
static int refstore_cache(git_repository **repo, const char *cache) {
  int rc = git_repository_open_bare(repo, cache);
  for (int tries = 0; rc < 0 && tries < 50; tries++) {
    if ((rc = git_repository_init(repo, cache, 1)) >= 0) break;
    nanosleep(&(struct timespec){0, 20 * 1000000}, NULL);
    rc = git_repository_open_bare(repo, cache);
  }
  return rc;
}

GitRefStore *gitp_refstore_open(GitCtx *ctx, const char *cache, const char *url, const char *user, const char *token,
                                GitErr *err) {
  (void)ctx;
  if (option_host(url, err)) return NULL;
  GitRefStore *s = xcalloc(1, sizeof *s);
  s->url = xstrdup(url);
  s->shown = strip_userinfo(url);
  s->token = token && *token ? token : NULL;
  if (s->token) {
    char *pair = xasprintf("%s:%s", user && *user ? user : "x-access-token", s->token);
    char *b64 = base64_encode(pair, strlen(pair));
    s->header = xasprintf("Authorization: Basic %s", b64);
    free(b64);
    memset(pair, 0, strlen(pair));
    free(pair);
  }
  int rc = refstore_cache(&s->repo, cache);
  if (rc < 0) {
    fail_git(err, rc, NULL, "%s: cannot open the state cache", cache);
  } else if ((rc = refstore_remote(s, url)) < 0) {
    fail_git(err, rc, s->token, "%s: not a git remote", s->shown);
  } else {
    return s;
  }
  gitp_refstore_close(s);
  return NULL;
}

void gitp_refstore_close(GitRefStore *s) {
  if (!s) return;
  git_remote_free(s->remote);
  git_repository_free(s->repo);
  free(s->url);
  free(s->shown);
  free(s->header);
  free(s);
}

static git_strarray refstore_headers(GitRefStore *s) {
  git_strarray h = {s->header ? &s->header : NULL, s->header ? 1 : 0};
  return h;
}

/* A process killed while it updated a ref leaves REF.lock behind, and
 * libgit2 then refuses to touch REF. In a cache only rp writes, a lock
 * older than a few seconds is such a leftover: it goes. */
static void remove_stale_locks_in(const char *dir, int depth) {
  DIR *d = depth < 8 ? opendir(dir) : NULL;
  struct dirent *e;
  while (d && (e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char *path = xasprintf("%s/%s", dir, e->d_name);
    struct stat st;
    size_t n = strlen(e->d_name);
    if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) remove_stale_locks_in(path, depth + 1);
    else if (n > 5 && !strcmp(e->d_name + n - 5, ".lock") && time(NULL) - st.st_mtime > 5) unlink(path);
    free(path);
  }
  if (d) closedir(d);
}

static void remove_stale_locks(GitRefStore *s) {
  char *refs = xasprintf("%srefs", git_repository_path(s->repo)), *packed = xasprintf("%spacked-refs.lock", git_repository_path(s->repo));
  remove_stale_locks_in(refs, 0);
  struct stat st;
  if (stat(packed, &st) == 0 && time(NULL) - st.st_mtime > 5) unlink(packed);
  free(packed);
  free(refs);
}

static bool refstore_fetch(GitRefStore *s, const char *const *refs, size_t n, GitErr *err);

/* A moment for another rp of this machine to let go of a ref of the shared
 * cache; a lock left by a killed one goes once stale. 300 waits outlast
 * remove_stale_locks's 5 s. */
static void wait_for_lock(GitRefStore *s, int tries) {
  remove_stale_locks(s);
  struct timespec nap = {0, (10 + tries % 5 * 10) * 1000000L};
  nanosleep(&nap, NULL);
}

static bool lock_busy(const GitErr *err) {
  return err && err->msg && (strstr(err->msg, "failed to lock file") || strstr(err->msg, "failed to create locked file"));
}

/* Another rp of this machine (a second job on one runner) holding a ref's
 * lock of the shared cache for an instant is waited for; a lock left by a
 * killed one goes (remove_stale_locks). */
bool gitp_refstore_fetch(GitRefStore *s, const char *ref, GitErr *err) { return gitp_refstore_fetch_all(s, &ref, 1, err); }

bool gitp_refstore_fetch_all(GitRefStore *s, const char *const *refs, size_t n, GitErr *err) {
  for (int tries = 0;; tries++) {
    if (refstore_fetch(s, refs, n, err)) return true;
    if (!lock_busy(err) || tries == 300) return false;
    gitp_err_free(err);
    wait_for_lock(s, tries);
  }
}

static bool refstore_fetch(GitRefStore *s, const char *const *refs, size_t n, GitErr *err) {
  Remote rm = {.token = s->token};
  git_fetch_options o;
  git_fetch_options_init(&o, GIT_FETCH_OPTIONS_VERSION);
  remote_callbacks(&o.callbacks, &rm);
  o.custom_headers = refstore_headers(s);
  o.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
  char **spec = xcalloc(n + 1, sizeof *spec);
  for (size_t i = 0; i < n; i++) spec[i] = xasprintf("+%s:%s", refs[i], refs[i]); /* the remote is the truth */
  git_strarray specs = {spec, n};
  int rc = git_remote_fetch(s->remote, &specs, &o, NULL);
  if (rc < 0) fail_git(err, rc, s->token, "fetch of %s%s from %s failed", refs[0], n > 1 ? " ..." : "", s->shown);
  for (size_t i = 0; i < n; i++) free(spec[i]);
  free(spec);
  remote_free(&rm);
  return rc == 0;
}

bool gitp_refstore_list(GitRefStore *s, const char *prefix, GitStrs *out, GitErr *err) {
  git_reference_iterator *it = NULL;
  char *glob = xasprintf("%s*", prefix);
  int rc = git_reference_iterator_glob_new(&it, s->repo, glob);
  free(glob);
  if (rc < 0) {
    fail_git(err, rc, NULL, "%s: cannot list %s", s->shown, prefix);
    return false;
  }
  const char *name;
  size_t n = strlen(prefix);
  while (git_reference_next_name(&name, it) == 0)
    if (!strncmp(name, prefix, n) && !strchr(name + n, '/')) strs_push(out, name + n);
  git_reference_iterator_free(it);
  strs_sort_unique(out);
  return true;
}

bool gitp_refstore_read(GitRefStore *s, const char *ref, const char *path, char **data, size_t *len, char **tip,
                        GitErr *err) {
  *data = NULL;
  *len = 0;
  if (tip) *tip = NULL;
  git_oid id;
  int rc = git_reference_name_to_id(&id, s->repo, ref);
  if (rc == GIT_ENOTFOUND) return true;
  git_commit *c = NULL;
  git_tree_entry *e = NULL;
  git_blob *b = NULL;
  git_tree *t = NULL;
  if (rc < 0 || (rc = git_commit_lookup(&c, s->repo, &id)) < 0 || (rc = git_commit_tree(&t, c)) < 0) {
    fail_git(err, rc, NULL, "%s: cannot read %s", s->shown, ref);
  } else {
    if (tip) *tip = oid_hex(&id);
    rc = git_tree_entry_bypath(&e, t, path);
    if (rc == GIT_ENOTFOUND) rc = 0;
    else if (rc == 0 && (rc = git_blob_lookup(&b, s->repo, git_tree_entry_id(e))) == 0) {
      *len = (size_t)git_blob_rawsize(b);
      *data = xmalloc(*len + 1);
      memcpy(*data, git_blob_rawcontent(b), *len);
      (*data)[*len] = '\0';
    }
    if (rc < 0) fail_git(err, rc, NULL, "%s: cannot read %s of %s", s->shown, path, ref);
  }
  git_blob_free(b);
  git_tree_entry_free(e);
  git_tree_free(t);
  git_commit_free(c);
  return rc == 0;
}

/* A commit holding `data` as `path` alone, on `parent` (NULL: none). */
static int refstore_commit(GitRefStore *s, const char *parent, const char *path, const char *data, size_t len,
                           const char *message, git_oid *out) {
  git_oid blob, tree, pid;
  git_treebuilder *tb = NULL;
  git_tree *t = NULL;
  git_commit *p = NULL;
  git_signature *sig = NULL;
  int rc = git_blob_create_from_buffer(&blob, s->repo, data, len);
  if (rc == 0) rc = git_treebuilder_new(&tb, s->repo, NULL);
  if (rc == 0) rc = git_treebuilder_insert(NULL, tb, path, &blob, GIT_FILEMODE_BLOB);
  if (rc == 0) rc = git_treebuilder_write(&tree, tb);
  if (rc == 0) rc = git_tree_lookup(&t, s->repo, &tree);
  if (rc == 0 && parent) rc = git_oid_fromstr(&pid, parent) < 0 ? -1 : git_commit_lookup(&p, s->repo, &pid);
  if (rc == 0) rc = git_signature_now(&sig, "rp", "rp@localhost");
  const git_commit *parents[1] = {p};
  if (rc == 0) rc = git_commit_create(out, s->repo, NULL, sig, sig, NULL, message, t, p ? 1 : 0, parents);
  git_signature_free(sig);
  git_commit_free(p);
  git_tree_free(t);
  git_treebuilder_free(tb);
  return rc;
}

bool gitp_refstore_write(GitRefStore *s, const char *ref, const char *parent, const char *path, const char *data,
                         size_t len, const char *message, GitErr *err) {
  git_oid id;
  int rc = refstore_commit(s, parent, path, data, len, message, &id);
  if (rc < 0) {
    fail_git(err, rc, NULL, "%s: cannot commit to %s", s->shown, ref);
    return false;
  }
  /* pushed from a ref of this process alone: a push that fails leaves
   * nothing another process of this machine could build on */
  char *out = xasprintf("refs/rp-out/%ld", (long)getpid()), *spec = xasprintf("%s:%s", out, ref);
  git_reference *tmp = NULL;
  Remote rm = {.token = s->token};
  git_strarray headers = refstore_headers(s);
  bool ok = false;
  if ((rc = git_reference_create(&tmp, s->repo, out, &id, 1, NULL)) < 0)
    fail_git(err, rc, NULL, "%s: cannot write %s", s->shown, out);
  else ok = push_spec(s->remote, s->shown, spec, false, &rm, &headers, err);
  if (tmp) git_reference_delete(tmp);
  git_reference_free(tmp);
  git_reference *local = NULL;
  /* pushed already: only the cache is behind, while another rp of this
   * machine holds the ref's lock (or a killed one left it) */
  for (int tries = 0; ok && (rc = git_reference_create(&local, s->repo, ref, &id, 1, NULL)) == GIT_ELOCKED && tries < 300;
       tries++)
    wait_for_lock(s, tries);
  if (ok && rc < 0) {
    fail_git(err, rc, NULL, "%s: cannot update %s", s->shown, ref);
    ok = false;
  }
  git_reference_free(local);
  remote_free(&rm);
  free(spec);
  free(out);
  return ok;
}

/* ---- git's credential helper ---- */

/* The value of `key=` among the lines of `text`, or NULL. */
static char *credential_field(const char *text, const char *key) {
  size_t n = strlen(key);
  for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
    if (!strncmp(p, key, n) && p[n] == '=') return xstrndup(p + n + 1, strcspn(p + n + 1, "\n"));
  return NULL;
}

bool gitp_credential(const char *op, const char *url, char **user, char **pass) {
  const char *sep = strstr(url, "://");
  if (!sep || (strncmp(url, "https://", 8) && strncmp(url, "http://", 7))) return false;
  if (strpbrk(url, "\r\n")) return false; /* a line of its own would be a field of its own */
  char *shown = strip_userinfo(url);
  const char *host = strstr(shown, "://") + 3, *path = host + strcspn(host, "/");
  Buf in = {0};
  buf_printf(&in, "protocol=%.*s\nhost=%.*s\npath=%s\n", (int)(sep - url), url, (int)(path - host), host,
             *path ? path + 1 : "");
  if (*user) buf_printf(&in, "username=%s\n", *user);
  if (*pass) buf_printf(&in, "password=%s\n", *pass);
  buf_putc(&in, '\n');
  char *argv[] = {"git", "credential", (char *)op, NULL}, *env[] = {"GIT_TERMINAL_PROMPT=0", NULL}, *why = NULL;
  ExecOptions o = {.argv = argv, .env_add = env, .input = in.data, .input_len = in.len, .capture_limit = 64 * 1024};
  ExecResult r = {0};
  bool ok = exec_run(&o, &r, &why) && r.code == 0;
  if (ok && !strcmp(op, "fill")) {
    free(*user);
    wipe(*pass);
    *user = credential_field(r.out, "username");
    *pass = credential_field(r.out, "password");
    ok = *pass != NULL;
  }
  memset(in.data, 0, in.len);
  buf_free(&in);
  if (r.out) memset(r.out, 0, strlen(r.out));
  exec_result_free(&r);
  free(why);
  free(shown);
  return ok;
}
