/* natives_git.c — git.* for pipelines, over prim/git.h (libgit2). The
 * repository read by sha/branch/tags/... is the one holding the pipeline
 * file; clone/commit/push/tag work on the directory they are given. */
#include <stdlib.h>
#include <string.h>

#include "prim/git.h"
#include "eval/natives.h"

#define ARG(i, name, kind, req, out)                                                    \
  if (!native_arg(I, cs, args, nargs, (i), (name), (kind), (req), (out))) return false

static void *make_ctx(void) { return gitp_new(); }
static void free_ctx(void *c) { gitp_free(c); }
static GitCtx *ctx(Interp *I) { return interp_slot(I, "git", make_ctx, free_ctx); }

/* A failed git call: its message (URLs already redacted, tokens masked);
 * a push that lost a race says so first, for std/gitops to retry. */
static bool git_fail(Interp *I, const CallSite *cs, GitErr *e) {
  const char *prefix = e->kind == GIT_ERR_REMOTE_MOVED ? "remote moved: " : "";
  char *shown = interp_mask(I, e->msg ? e->msg : "git failed");
  interp_error(I, cs->src, cs->node->pos, "%s: %s%s", cs->name, prefix, shown);
  free(shown);
  gitp_err_free(e);
  return false;
}

static const char *opt_str(Value v) { return v.kind == V_STRING ? str_chars(v) : NULL; }

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
  ARG(0, "rev", V_STRING, false, &rev);
  char *dir = interp_pipeline_dir(I);
  GitErr e = {0};
  char *sha = gitp_sha(ctx(I), dir, opt_str(rev), &e);
  free(dir);
  return text_result(I, cs, sha, &e, out);
}

static bool n_short_sha(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value n;
  ARG(0, "n", V_INT, false, &n);
  char *dir = interp_pipeline_dir(I);
  GitErr e = {0};
  char *sha = gitp_short_sha(ctx(I), dir, NULL, n.kind == V_INT ? (int)n.as.i : 7, &e);
  free(dir);
  return text_result(I, cs, sha, &e, out);
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
  ARG(0, "at", V_STRING, false, &at);
  char *dir = interp_pipeline_dir(I);
  GitStrs s = {0};
  GitErr e = {0};
  bool ok = gitp_tags(ctx(I), dir, opt_str(at), &s, &e);
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
  ARG(0, "match", V_STRING, false, &match);
  char *dir = interp_pipeline_dir(I);
  GitErr e = {0};
  char *t = gitp_latest_tag(ctx(I), dir, opt_str(match), &e);
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
  map_set(m, "author", v_cstr(c->author_name ? c->author_name : ""));
  map_set(m, "email", v_cstr(c->author_email ? c->author_email : ""));
  map_set(m, "time", v_int(c->time));
  return m;
}

static bool n_log(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value since, until;
  ARG(0, "since", V_STRING, false, &since);
  ARG(1, "until", V_STRING, false, &until);
  char *dir = interp_pipeline_dir(I);
  GitCommits c = {0};
  GitErr e = {0};
  bool ok = gitp_log(ctx(I), dir, opt_str(since), opt_str(until), &c, &e);
  free(dir);
  if (!ok) return git_fail(I, cs, &e);
  *out = v_list();
  for (size_t i = 0; i < c.n; i++) list_push(*out, commit_value(&c.items[i]));
  gitp_commits_free(&c);
  return true;
}

static bool n_changed_files(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value base;
  ARG(0, "base", V_STRING, true, &base);
  char *dir = interp_pipeline_dir(I);
  GitStrs s = {0};
  GitErr e = {0};
  bool ok = gitp_changed_files(ctx(I), dir, str_chars(base), true, &s, &e);
  free(dir);
  if (!ok) return git_fail(I, cs, &e);
  *out = strs_value(&s);
  return true;
}

/* In a dry run: say it, do nothing. */
static bool dry(Interp *I, Value *out, Value stand_in, const char *fmt, const char *a, const char *b) {
  if (!interp_dry_run(I)) return false;
  char *line = xasprintf(fmt, a ? a : "", b ? b : "");
  char *shown = interp_mask(I, line);
  interp_emit(I, "stdout", shown);
  free(shown);
  free(line);
  *out = stand_in;
  return true;
}

static bool n_clone(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value url, dir, branch, token;
  ARG(0, "url", V_STRING, true, &url);
  ARG(1, "dir", V_STRING, true, &dir);
  ARG(2, "branch", V_STRING, false, &branch);
  ARG(3, "token", V_STRING, false, &token);
  const char *tok = token_of(I, token);
  char *shown_url = gitp_redact_url(str_chars(url));
  bool said = dry(I, out, v_cstr(str_chars(dir)), "[dry-run] git clone %s %s", shown_url, str_chars(dir));
  free(shown_url);
  if (said) return true;
  GitErr e = {0};
  if (!gitp_clone(ctx(I), str_chars(url), str_chars(dir), opt_str(branch), tok, &e)) return git_fail(I, cs, &e);
  *out = value_retain(dir);
  return true;
}

static bool n_commit(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value dir, message, paths, author;
  ARG(0, "dir", V_STRING, true, &dir);
  ARG(1, "message", V_STRING, true, &message);
  ARG(2, "paths", V_LIST, false, &paths);
  ARG(3, "author", V_STRING, false, &author);
  if (dry(I, out, v_cstr("0000000000000000000000000000000000000000"), "[dry-run] git commit in %s: %s",
          str_chars(dir), str_chars(message)))
    return true;
  size_t n = paths.kind == V_LIST ? list_len(paths) : 0;
  const char **p = xcalloc(n + 1, sizeof *p);
  for (size_t i = 0; i < n; i++) {
    Value it = list_get(paths, i);
    if (it.kind != V_STRING) {
      free(p);
      return interp_error(I, cs->src, cs->node->pos, "%s: paths must be strings", cs->name);
    }
    p[i] = str_chars(it);
  }
  char *sha = NULL;
  GitErr e = {0};
  bool ok = gitp_commit(ctx(I), str_chars(dir), str_chars(message), p, n, opt_str(author), &sha, &e);
  free(p);
  if (!ok) return git_fail(I, cs, &e);
  *out = sha ? v_str_take(sha) : V_NULL_VALUE; /* null: nothing to commit */
  return true;
}

static bool n_push(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value dir, remote, ref, token;
  ARG(0, "dir", V_STRING, true, &dir);
  ARG(1, "remote", V_STRING, false, &remote);
  ARG(2, "ref", V_STRING, false, &ref);
  ARG(3, "token", V_STRING, false, &token);
  const char *tok = token_of(I, token);
  if (dry(I, out, V_NULL_VALUE, "[dry-run] git push from %s to %s", str_chars(dir),
          remote.kind == V_STRING ? str_chars(remote) : "origin"))
    return true;
  GitErr e = {0};
  if (!gitp_push(ctx(I), str_chars(dir), opt_str(remote), opt_str(ref), tok, &e)) return git_fail(I, cs, &e);
  *out = V_NULL_VALUE;
  return true;
}

static bool n_tag(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value name, message, dir;
  ARG(0, "name", V_STRING, true, &name);
  ARG(1, "message", V_STRING, false, &message);
  ARG(2, "dir", V_STRING, false, &dir);
  char *repo = dir.kind == V_STRING ? xstrdup(str_chars(dir)) : interp_pipeline_dir(I);
  bool said = dry(I, out, value_retain(name), "[dry-run] git tag %s in %s", str_chars(name), repo);
  GitErr e = {0};
  bool ok = said || gitp_tag(ctx(I), repo, str_chars(name), opt_str(message), &e);
  free(repo);
  if (!ok) return git_fail(I, cs, &e);
  if (!said) *out = value_retain(name);
  return true;
}

static const Native table[] = {
    {"git", "sha", n_sha},         {"git", "short_sha", n_short_sha},
    {"git", "branch", n_branch},   {"git", "tags", n_tags},
    {"git", "describe", n_describe}, {"git", "latest_tag", n_latest_tag},
    {"git", "log", n_log},         {"git", "changed_files", n_changed_files},
    {"git", "clone", n_clone},     {"git", "commit", n_commit},
    {"git", "push", n_push},       {"git", "tag", n_tag},
};

void natives_register_git(Interp *I) { interp_register(I, table, (int)(sizeof table / sizeof table[0])); }
