/* prim_git.c — git.* for pipelines, over prim/git.h (libgit2). The
 * repository read by sha/branch/tags/... is the one holding the pipeline
 * file; clone/commit/push/tag work on the directory they are given. */
#include <stdlib.h>
#include <string.h>

#include "eval/prim.h"
#include "prim/git.h"

static void *make_ctx(void) { return gitp_new(); }
static void free_ctx(void *c) { gitp_free(c); }
static GitCtx *ctx(Interp *I) { return interp_slot(I, "git", make_ctx, free_ctx); }

/* A failed git call: its message (URLs already redacted, tokens masked);
 * a push that lost a race says so first, for std/gitops to retry. */
static bool git_fail(Interp *I, const CallSite *cs, GitErr *e) {
  char *msg = xasprintf("%s%s", e->kind == GIT_ERR_REMOTE_MOVED ? "remote moved: " : "", e->msg ? e->msg : "git failed");
  gitp_err_free(e);
  return prim_fail(I, cs, msg);
}

/* A token from secret() or a plain string; masked in all output either way. */
static const char *token_of(Interp *I, Value v) {
  if (v.kind != V_STRING) return NULL;
  interp_add_secret(I, str_chars(v));
  return str_chars(v);
}

static Value strs_value(GitStrs *s) {
  Value l = v_list();
  for (size_t i = 0; i < s->n; i++) list_push(l, v_cstr(s->items[i]));
  gitp_strs_free(s);
  return l;
}

static bool text_result(Interp *I, const CallSite *cs, char *text, GitErr *e, Value *out) {
  if (!text) return git_fail(I, cs, e);
  *out = v_str_take(text);
  return true;
}

static bool n_sha(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value rev;
  ARG(0, V_STRING, false, &rev);
  char *dir = interp_pipeline_dir(I);
  GitErr e = {0};
  char *sha = gitp_sha(ctx(I), dir, prim_opt_str(rev), &e);
  free(dir);
  return text_result(I, cs, sha, &e, out);
}

static bool n_short_sha(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value n;
  ARG(0, V_INT, true, &n);
  char *dir = interp_pipeline_dir(I);
  GitErr e = {0};
  char *sha = gitp_short_sha(ctx(I), dir, NULL, (int)n.as.i, &e);
  free(dir);
  return text_result(I, cs, sha, &e, out);
}

static bool n_tree_sha(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value path;
  ARG(0, V_STRING, true, &path);
  char *dir = interp_pipeline_dir(I), *sha = NULL;
  GitErr e = {0};
  bool ok = gitp_tree_sha(ctx(I), dir, str_chars(path), &sha, &e);
  free(dir);
  if (!ok) return git_fail(I, cs, &e);
  *out = sha ? v_str_take(sha) : V_NULL_VALUE; /* null: uncommitted changes under it */
  return true;
}

static bool n_branch(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  (void)args, (void)nargs;
  char *dir = interp_pipeline_dir(I), *branch = NULL;
  GitErr e = {0};
  bool ok = gitp_branch(ctx(I), dir, &branch, &e);
  free(dir);
  if (!ok) return git_fail(I, cs, &e);
  *out = branch ? v_str_take(branch) : V_NULL_VALUE; /* null: a detached HEAD */
  return true;
}

static bool n_tags(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value at;
  ARG(0, V_STRING, false, &at);
  char *dir = interp_pipeline_dir(I);
  GitStrs s = {0};
  GitErr e = {0};
  bool ok = gitp_tags(ctx(I), dir, prim_opt_str(at), &s, &e);
  free(dir);
  if (!ok) return git_fail(I, cs, &e);
  *out = strs_value(&s);
  return true;
}

static bool n_describe(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  (void)args, (void)nargs;
  char *dir = interp_pipeline_dir(I);
  GitErr e = {0};
  char *d = gitp_describe(ctx(I), dir, &e);
  free(dir);
  return text_result(I, cs, d, &e, out);
}

static bool n_latest_tag(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value match;
  ARG(0, V_STRING, false, &match);
  char *dir = interp_pipeline_dir(I);
  GitErr e = {0};
  char *t = gitp_latest_tag(ctx(I), dir, prim_opt_str(match), &e);
  free(dir);
  if (!t && e.kind == GIT_ERR_NONE) {
    *out = V_NULL_VALUE; /* no tag yet */
    return true;
  }
  return text_result(I, cs, t, &e, out);
}

static Value commit_value(const GitCommitInfo *c) {
  Value m = v_map();
  map_set(m, "sha", v_cstr(c->sha));
  map_set(m, "short_sha", v_str(c->sha, strlen(c->sha) < 7 ? strlen(c->sha) : 7));
  map_set(m, "type", c->cc.type ? v_cstr(c->cc.type) : V_NULL_VALUE);
  map_set(m, "scope", c->cc.scope ? v_cstr(c->cc.scope) : V_NULL_VALUE);
  map_set(m, "breaking", v_bool(c->cc.breaking));
  map_set(m, "subject", v_cstr(c->cc.subject ? c->cc.subject : c->header));
  map_set(m, "body", v_cstr(c->cc.body ? c->cc.body : ""));
  /* `feat!: x` without a footer: the description says what breaks
   * (Conventional Commits 1.0.0, rule 13) */
  const char *note = c->cc.breaking_note ? c->cc.breaking_note : c->cc.breaking ? c->cc.subject : NULL;
  map_set(m, "breaking_note", note ? v_cstr(note) : V_NULL_VALUE);
  map_set(m, "author", v_cstr(c->author_name ? c->author_name : ""));
  map_set(m, "email", v_cstr(c->author_email ? c->author_email : ""));
  map_set(m, "time", v_int(c->time));
  return m;
}

static bool n_log(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value since, until;
  ARG(0, V_STRING, false, &since);
  ARG(1, V_STRING, false, &until);
  char *dir = interp_pipeline_dir(I);
  GitCommits c = {0};
  GitErr e = {0};
  bool ok = gitp_log(ctx(I), dir, prim_opt_str(since), prim_opt_str(until), &c, &e);
  free(dir);
  if (!ok) return git_fail(I, cs, &e);
  *out = v_list();
  for (size_t i = 0; i < c.n; i++) list_push(*out, commit_value(&c.items[i]));
  gitp_commits_free(&c);
  return true;
}

static bool n_changed_files(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value base;
  ARG(0, V_STRING, true, &base);
  char *dir = interp_pipeline_dir(I);
  GitStrs s = {0};
  GitErr e = {0};
  bool ok = gitp_changed_files(ctx(I), dir, str_chars(base), true, &s, &e);
  free(dir);
  if (!ok) return git_fail(I, cs, &e);
  *out = strs_value(&s);
  return true;
}

static bool n_clone(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value url, dir, branch, token;
  ARG(0, V_STRING, true, &url);
  ARG(1, V_STRING, true, &dir);
  ARG(2, V_STRING, false, &branch);
  ARG(3, V_STRING, false, &token);
  const char *tok = token_of(I, token);
  char *shown_url = gitp_redact_url(str_chars(url));
  bool said = prim_dry_run(I, out, value_retain(dir), "git clone %s %s", shown_url, str_chars(dir));
  free(shown_url);
  if (said) return true;
  GitErr e = {0};
  if (!gitp_clone(ctx(I), str_chars(url), str_chars(dir), prim_opt_str(branch), tok, &e)) return git_fail(I, cs, &e);
  *out = value_retain(dir);
  return true;
}

static bool n_commit(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value dir, message, author;
  ARG(0, V_STRING, true, &dir);
  ARG(1, V_STRING, true, &message);
  ARG(3, V_STRING, false, &author);
  const char **p;
  size_t n;
  if (!prim_strings(I, cs, args, nargs, 2, &p, &n)) return false;
  char *sha = NULL;
  GitErr e = {0};
  bool said = prim_dry_run(I, out, v_cstr("0000000000000000000000000000000000000000"), "git commit in %s: %s",
                           str_chars(dir), str_chars(message));
  bool ok = said || gitp_commit(ctx(I), str_chars(dir), str_chars(message), p, n, prim_opt_str(author), &sha, &e);
  free(p);
  if (!ok) return git_fail(I, cs, &e);
  if (!said) *out = sha ? v_str_take(sha) : V_NULL_VALUE; /* null: nothing to commit */
  return true;
}

static bool n_push(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value dir, remote, ref, token, force;
  ARG(0, V_STRING, true, &dir);
  ARG(1, V_STRING, true, &remote);
  ARG(2, V_STRING, false, &ref);
  ARG(3, V_STRING, false, &token);
  ARG(4, V_BOOL, true, &force);
  const char *tok = token_of(I, token);
  if (prim_dry_run(I, out, V_NULL_VALUE, "git push from %s to %s%s", str_chars(dir), str_chars(remote),
                   force.as.b ? " (forced)" : ""))
    return true;
  GitErr e = {0};
  if (!gitp_push(ctx(I), str_chars(dir), str_chars(remote), prim_opt_str(ref), force.as.b, tok, &e))
    return git_fail(I, cs, &e);
  *out = V_NULL_VALUE;
  return true;
}

static bool n_tag(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value name, message, dir;
  ARG(0, V_STRING, true, &name);
  ARG(1, V_STRING, false, &message);
  ARG(2, V_STRING, false, &dir);
  char *repo = dir.kind == V_STRING ? xstrdup(str_chars(dir)) : interp_pipeline_dir(I);
  bool said = prim_dry_run(I, out, value_retain(name), "git tag %s in %s", str_chars(name), repo);
  GitErr e = {0};
  bool ok = said || gitp_tag(ctx(I), repo, str_chars(name), prim_opt_str(message), &e);
  free(repo);
  if (!ok) return git_fail(I, cs, &e);
  if (!said) *out = value_retain(name);
  return true;
}

static const Primitive prims[] = {
    {"sha", "rev?", n_sha, "the commit id of `rev` (HEAD when not given)"},
    {"short_sha", "n=7", n_short_sha, "HEAD's commit id, abbreviated to `n` hex digits"},
    {"tree_sha", "path", n_tree_sha,
     "the id of `path` (relative to the pipeline's directory) at HEAD: its tree, or a file's blob; null when the "
     "work tree has uncommitted changes under it (a `cache` key)"},
    {"branch", "", n_branch, "the branch, or null when HEAD is detached"},
    {"tags", "at?", n_tags, "the tags on the commit `at` (HEAD when not given)"},
    {"describe", "", n_describe, "`git describe --tags --always` for HEAD"},
    {"latest_tag", "match?", n_latest_tag, "the nearest tag reachable from HEAD whose name matches the glob `match` (`\"v*\"`), or null when there is none (no release yet)"},
    {"log", "since? until?", n_log,
     "list of `{sha, short_sha, type, scope, breaking, breaking_note, subject, body, author, email, time}` with Conventional Commit "
     "fields, from `since` (a tag) to `until`"},
    {"changed_files", "base", n_changed_files, "paths changed since `merge-base(base, HEAD)`, working tree included"},
    {"clone", "url dir branch? token?", n_clone, "`dir`"},
    {"commit", "dir message paths? author?", n_commit, "the new commit's sha, or null when nothing changed"},
    {"push", "dir remote=\"origin\" ref? token? force=false", n_push,
     "null. Never forced unless `force: true`. A push rejected because the remote moved raises an error starting "
     "`git.push: remote moved:` — fetch, re-apply, retry"},
    {"tag", "name message? dir?", n_tag, "`name`"},
};

const PrimFamily prim_family_git =
    PRIM_FAMILY("git", "The repository holding the pipeline file, through libgit2: no `git` executable is run.",
                "primitives-git.md", prims);
