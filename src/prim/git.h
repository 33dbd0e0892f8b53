/* git.h — git primitives over libgit2 (no `git` binary needed).
 *
 * Every function takes a GitCtx, which owns libgit2's initialisation
 * (git_libgit2_init in gitp_new, git_libgit2_shutdown in gitp_free), and a
 * repository directory: the work tree or any directory inside it (NULL
 * means "."). Functions return false / NULL and fill a GitErr on failure;
 * its message names the repository path or the URL, with any userinfo
 * removed and any token replaced by `***`.
 * User-visible behaviour is documented in doc/primitives-git.md. */
#ifndef RP_PRIM_GIT_H
#define RP_PRIM_GIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct GitCtx GitCtx;

GitCtx *gitp_new(void);
void gitp_free(GitCtx *ctx);

/* ---- errors ---- */

typedef enum GitErrKind {
  GIT_ERR_NONE = 0,
  GIT_ERR_FAILED,        /* anything not listed below */
  GIT_ERR_NOT_FOUND,     /* no such repository, revision, remote, path or URL */
  GIT_ERR_AUTH,          /* credentials missing or refused */
  GIT_ERR_REMOTE_MOVED,  /* push was not a fast-forward: fetch, re-apply, retry */
  GIT_ERR_REJECTED,      /* the remote refused the push (hook, protected branch) */
  GIT_ERR_INVALID,       /* a bad argument: author, ref name, tag that exists */
} GitErrKind;

typedef struct GitErr {
  GitErrKind kind;
  char *msg; /* malloc'd; NULL when kind is GIT_ERR_NONE */
} GitErr;

void gitp_err_free(GitErr *e);
const char *gitp_err_kind_name(GitErrKind kind); /* "remote_moved", ... */

/* A URL fit for messages: "https://user:tok@host/x" -> "https://host/x". */
char *gitp_redact_url(const char *url);

/* ---- lists ---- */

typedef struct GitStrs {
  char **items;
  size_t n, cap;
} GitStrs;

void gitp_strs_free(GitStrs *s);

/* ---- Conventional Commits (conventionalcommits.org 1.0.0) ---- */

typedef struct GitConventional {
  bool conventional;   /* the header parsed as type(scope)!: description */
  char *type;          /* lower-cased; NULL when not conventional */
  char *scope;         /* NULL when absent */
  bool breaking;       /* `!` before the colon, or a BREAKING CHANGE footer */
  char *subject;       /* the description; the whole header when not conventional */
  char *body;          /* everything after the header's blank line, trimmed; "" if none */
  char *breaking_note; /* text of the BREAKING CHANGE footer, or NULL */
} GitConventional;

void gitp_conventional_parse(const char *message, GitConventional *out);
void gitp_conventional_free(GitConventional *c);

typedef struct GitCommitInfo {
  char *sha;
  char *author_name, *author_email;
  int64_t time;        /* author time, seconds since the epoch */
  char *header;        /* first line of the message */
  GitConventional cc;
} GitCommitInfo;

typedef struct GitCommits {
  GitCommitInfo *items;
  size_t n, cap;
} GitCommits;

void gitp_commits_free(GitCommits *c);

/* ---- reading a repository ---- */

char *gitp_sha(GitCtx *ctx, const char *repo, const char *rev, GitErr *err);       /* rev NULL: HEAD */
char *gitp_short_sha(GitCtx *ctx, const char *repo, const char *rev, int n, GitErr *err);
bool gitp_branch(GitCtx *ctx, const char *repo, char **out, GitErr *err); /* *out NULL: detached */
bool gitp_tags(GitCtx *ctx, const char *repo, const char *at, GitStrs *out, GitErr *err);
char *gitp_describe(GitCtx *ctx, const char *repo, GitErr *err);          /* describe --tags --always */
char *gitp_latest_tag(GitCtx *ctx, const char *repo, const char *match, GitErr *err);
bool gitp_log(GitCtx *ctx, const char *repo, const char *since, const char *until, GitCommits *out,
              GitErr *err);
bool gitp_changed_files(GitCtx *ctx, const char *repo, const char *base, bool with_worktree,
                        GitStrs *out, GitErr *err);
/* The id of what `path` (relative to `dir`, inside its repository) is at
 * HEAD: a tree, or a file's blob. *out NULL when the work tree has
 * changes under it that HEAD lacks (staged, unstaged or untracked, not
 * ignored). */
bool gitp_tree_sha(GitCtx *ctx, const char *dir, const char *path, char **out, GitErr *err);

/* What an event changed, for `paths` triggers: the files touched,
 * relative to the repository's root, sorted and unique (a rename gives
 * both names). Computed in the repository found from `dir` upwards; never
 * an error: when git cannot tell, `known` is false and `why` says why.
 *   GIT_CHANGE_PULL_REQUEST  merge-base(base, HEAD)..HEAD, base looked up
 *                 as origin/BASE, then the local branch BASE; without it,
 *                 a merge commit at HEAD against its first parent (GitHub
 *                 checks out such a merge commit)
 *   GIT_CHANGE_WORKTREE  HEAD^..HEAD, plus the index and work tree
 *                 (untracked files included, ignored ones not)
 *   GIT_CHANGE_COMMITS  before..sha when `before` is in the repository,
 *                 else sha^..sha (sha: HEAD when NULL or not in the
 *                 repository); a root commit counts all its files */
typedef enum GitChangeOf { GIT_CHANGE_COMMITS, GIT_CHANGE_PULL_REQUEST, GIT_CHANGE_WORKTREE } GitChangeOf;

typedef struct GitChanges {
  bool known;
  GitStrs paths;
  char *range; /* what was compared: "merge-base(main, HEAD)..HEAD", ... */
  char *why;   /* the reason when !known */
} GitChanges;

void gitp_changes(GitCtx *ctx, const char *dir, GitChangeOf of, const char *base, const char *before,
                  const char *sha, GitChanges *out);
void gitp_changes_free(GitChanges *c);

/* git's user.name: the configuration of the repository holding `dir`
 * (global and system ones behind it), else the global one; NULL if unset. */
char *gitp_user_name(GitCtx *ctx, const char *dir);
/* Any string setting ("user.signingkey"), looked up the same way. */
char *gitp_config_string(GitCtx *ctx, const char *dir, const char *key);

/* ---- changing a repository ---- */

/* Credentials for the network: a token is sent as the password of HTTP(S)
 * basic auth; for SSH the agent is asked. NULL token: those in the URL,
 * then git's credential helper when the server asks (gitp_credential:
 * approved when the server accepts them, rejected when it refuses them). */
bool gitp_clone(GitCtx *ctx, const char *url, const char *dir, const char *branch,
                const char *token, GitErr *err);
/* Stages `paths` (all changes when npaths is 0), commits with `author`
 * ("Name <email>", or NULL for the default) and sets *sha; *sha is NULL
 * when there was nothing to commit. */
bool gitp_commit(GitCtx *ctx, const char *dir, const char *message, const char *const *paths,
                 size_t npaths, const char *author, char **sha, GitErr *err);
bool gitp_tag(GitCtx *ctx, const char *dir, const char *name, const char *message, GitErr *err);
/* remote: a remote's name (NULL: "origin") or a URL; ref: a branch, a tag,
 * "refs/...", or "src:dst" (NULL: the current branch). Only with `force`
 * may the push overwrite the remote's history (and ref start with '+'). */
bool gitp_push(GitCtx *ctx, const char *dir, const char *remote, const char *ref, bool force,
               const char *token, GitErr *err);
/* After GIT_ERR_REMOTE_MOVED: fetch `remote` and reset the current branch
 * (index and work tree too) to the remote's copy of it. */
bool gitp_fetch_reset(GitCtx *ctx, const char *dir, const char *remote, const char *token,
                      GitErr *err);

/* The URL of remote `name` of the repository holding `dir`. */
char *gitp_remote_url(GitCtx *ctx, const char *dir, const char *name, GitErr *err);

/* ---- a ref store: files on refs of a remote (rp's state, run/store_git.c) ----
 * One file per ref, each change a commit on the ref's previous tip, kept
 * in a local bare cache repository and pushed without force: a push fails
 * with GIT_ERR_REMOTE_MOVED when someone else moved the ref first (fetch,
 * re-apply, write again). A token goes in an HTTP Authorization header;
 * without one the agent is asked for SSH keys. Nothing touches a branch. */
typedef struct GitRefStore GitRefStore;

/* Opens (creating it) the cache repository `cache` for remote `url`;
 * `token` is borrowed. Does not connect. */
GitRefStore *gitp_refstore_open(GitCtx *ctx, const char *cache, const char *url, const char *user, const char *token,
                                GitErr *err);
void gitp_refstore_close(GitRefStore *s);
/* Copies the remote's refs matching `ref` ("refs/rp/runs/ID", or a glob such as "refs/rp/runs/ID*")
 * into the cache, replacing the cache's. */
bool gitp_refstore_fetch(GitRefStore *s, const char *ref, GitErr *err);
/* The same for n refs or globs at once, in one exchange with the remote. */
bool gitp_refstore_fetch_all(GitRefStore *s, const char *const *refs, size_t n, GitErr *err);
/* The cache's refs directly under `prefix` ("refs/rp/runs/"), without it, sorted. */
bool gitp_refstore_list(GitRefStore *s, const char *prefix, GitStrs *out, GitErr *err);
/* File `path` at the cache's `ref` (*data NULL when either is missing;
 * NUL-terminated) and the ref's commit (*tip, hex; NULL when none). */
bool gitp_refstore_read(GitRefStore *s, const char *ref, const char *path, char **data, size_t *len, char **tip,
                        GitErr *err);
/* Commits `data` as `path` on `parent` (hex; NULL: the ref's first
 * commit) and pushes it to `ref`; on success the cache's ref is it. */
bool gitp_refstore_write(GitRefStore *s, const char *ref, const char *parent, const char *path, const char *data,
                         size_t len, const char *message, GitErr *err);

/* Asks git's credential helper about an http(s) `url`, as git does: runs
 * `git credential OP` (exec'd, never through a shell) with the URL's
 * protocol, host and path, and *user / *pass (when set) on its standard
 * input; never prompts. OP "fill" sets *user and *pass (malloc'd) and says
 * whether it got a password; "approve" and "reject" tell the helper how
 * they did. The password never reaches an argv, a message or a log. */
bool gitp_credential(const char *op, const char *url, char **user, char **pass);

#endif
