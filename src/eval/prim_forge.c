/* prim_forge.c — github.*, gitlab.* and oidc.*: feedback on the pull or
 * merge request and the CI platform's identity token, over prim/forge.h.
 * Where a job runs on the platform, its variables supply the defaults
 * (GITHUB_REPOSITORY, CI_PROJECT_ID, ...), so a pipeline names only what
 * differs. */
#include <stdlib.h>
#include <string.h>

#include "eval/prim.h"
#include "prim/forge.h"

static void *make_net(void) { return net_new(); }
static void free_net(void *n) { net_free(n); }
static Net *net(Interp *I) { return interp_slot(I, "net", make_net, free_net); }

/* Each platform's defaults: where its jobs say the API and project are,
 * and the secret its token is read from when `token:` is not given. */
typedef struct Platform {
  ForgeKind kind;
  const char *name, *api_var, *api_default, *repo_var, *token_secret;
} Platform;

static const Platform github = {FORGE_GITHUB, "github", "GITHUB_API_URL", "https://api.github.com",
                                "GITHUB_REPOSITORY", "GITHUB_TOKEN"};
static const Platform gitlab = {FORGE_GITLAB, "gitlab", "CI_API_V4_URL", "https://gitlab.com/api/v4",
                                "CI_PROJECT_ID", "GITLAB_TOKEN"};

static const char *env_or(const char *var, const char *fallback) {
  const char *v = getenv(var);
  return v && *v ? v : fallback;
}

/* The target from the trailing `token repo api` arguments (at `at`). */
static bool target(Interp *I, const CallSite *cs, const Platform *p, Value *args, int nargs, int at, Forge *f) {
  Value token, repo, api;
  ARG(at, V_STRING, false, &token);
  ARG(at + 1, V_STRING, false, &repo);
  ARG(at + 2, V_STRING, false, &api);
  f->kind = p->kind;
  f->api = api.kind == V_STRING ? str_chars(api) : env_or(p->api_var, p->api_default);
  f->repo = repo.kind == V_STRING ? str_chars(repo) : env_or(p->repo_var, NULL);
  if (token.kind == V_STRING) {
    f->token = str_chars(token);
  } else {
    char *err = NULL;
    if (!secrets_read(interp_secrets(I), p->token_secret, &f->token, &err)) {
      FAIL("%s: no token: %s (or pass token:)", p->name, err);
      free(err);
      return false;
    }
  }
  interp_add_secret(I, f->token); /* masked even when passed as a plain string */
  return true;
}

static bool fail_with(Interp *I, const CallSite *cs, char *err) { return prim_fail(I, cs, err); }

static bool comment(Interp *I, const CallSite *cs, const Platform *p, Value *args, int nargs, Value *out) {
  Value number, text, key;
  ARG(0, V_INT, true, &number);
  ARG(1, V_STRING, true, &text);
  ARG(2, V_STRING, true, &key);
  Forge f;
  if (!target(I, cs, p, args, nargs, 3, &f)) return false;
  Value stand_in = v_map();
  map_set(stand_in, "action", v_cstr("dry-run"));
  if (prim_dry_run(I, out, stand_in, "%s.comment %s #%lld key %s", p->name, f.repo ? f.repo : "?",
                   (long long)number.as.i, str_chars(key)))
    return true;
  ForgeComment c;
  char *err = NULL;
  if (!forge_comment(net(I), &f, number.as.i, str_chars(key), str_chars(text), &c, &err)) return fail_with(I, cs, err);
  *out = v_map();
  map_set(*out, "action", v_cstr(c.action));
  map_set(*out, "id", v_int(c.id));
  return true;
}

static bool status(Interp *I, const CallSite *cs, const Platform *p, Value *args, int nargs, Value *out) {
  Value sha, state, context, url, description;
  ARG(0, V_STRING, true, &sha);
  ARG(1, V_STRING, true, &state);
  ARG(2, V_STRING, true, &context);
  ARG(3, V_STRING, false, &url);
  ARG(4, V_STRING, false, &description);
  Forge f;
  if (!target(I, cs, p, args, nargs, 5, &f)) return false;
  if (prim_dry_run(I, out, v_bool(true), "%s.status %s %s %s: %s", p->name, f.repo ? f.repo : "?", str_chars(sha),
                   str_chars(context), str_chars(state)))
    return true;
  char *err = NULL;
  if (!forge_status(net(I), &f, str_chars(sha), str_chars(state), str_chars(context), prim_opt_str(url),
                    prim_opt_str(description), &err))
    return fail_with(I, cs, err);
  *out = v_bool(true);
  return true;
}

static bool gh_comment(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  return comment(I, cs, &github, args, nargs, out);
}
static bool gh_status(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  return status(I, cs, &github, args, nargs, out);
}
static bool gl_comment(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  return comment(I, cs, &gitlab, args, nargs, out);
}
static bool gl_status(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  return status(I, cs, &gitlab, args, nargs, out);
}

static const Primitive github_prims[] = {
    {"comment", "pr text key=\"rp\" token? repo? api?", gh_comment,
     "`{action, id}`: creates, or updates in place, the PR comment marked with `key`"},
    {"status", "sha state context=\"rp\" url? description? token? repo? api?", gh_status,
     "`true`: sets the commit status named `context`"},
};
static const Primitive gitlab_prims[] = {
    {"comment", "mr text key=\"rp\" token? project? api?", gl_comment,
     "`{action, id}`: creates, or updates in place, the MR note marked with `key`"},
    {"status", "sha state name=\"rp\" url? description? token? project? api?", gl_status,
     "`true`: sets the commit status named `name`"},
};

const PrimFamily prim_family_github =
    PRIM_FAMILY("github", "GitHub's REST API over libcurl; defaults from a job's GITHUB_* variables, the token from "
                          "`secret(\"GITHUB_TOKEN\")`.",
                "primitives-forge.md", github_prims);
const PrimFamily prim_family_gitlab =
    PRIM_FAMILY("gitlab", "GitLab's v4 API over libcurl; defaults from a job's CI_* variables, the token from "
                          "`secret(\"GITLAB_TOKEN\")`.",
                "primitives-forge.md", gitlab_prims);

/* ---- oidc ---- */

/* GitHub Actions hands out tokens on request; GitLab mints them for the
 * job from its `id_tokens:` (a variable per token), so rp reads that
 * variable and checks it was minted for the audience asked for. */
static bool o_token(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value audience, var;
  ARG(0, V_STRING, true, &audience);
  ARG(1, V_STRING, true, &var);
  char *err = NULL, *token = NULL;
  if (getenv("ACTIONS_ID_TOKEN_REQUEST_URL")) {
    const char *request_token = getenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
    if (request_token) interp_add_secret(I, request_token);
    token = forge_oidc_github(net(I), getenv("ACTIONS_ID_TOKEN_REQUEST_URL"), request_token, str_chars(audience), &err);
  } else if (getenv(str_chars(var))) {
    const char *jwt = getenv(str_chars(var));
    interp_add_secret(I, jwt);
    if (forge_jwt_has_audience(jwt, str_chars(audience), &err)) token = xstrdup(jwt);
  } else {
    err = xasprintf("no identity token here: in GitHub Actions give the job `permissions: id-token: write`; in GitLab "
                    "CI declare `id_tokens: { %s: { aud: \"%s\" } }`",
                    str_chars(var), str_chars(audience));
  }
  if (!token) return fail_with(I, cs, err);
  interp_add_secret(I, token);
  *out = value_mark_secret(v_str_take(token));
  return true;
}

static const Primitive oidc_prims[] = {
    {"token", "audience var=\"RP_ID_TOKEN\"", o_token,
     "the CI platform's OIDC token for `audience` (a secret); GitLab reads it from the `id_tokens` variable `var`"},
};

const PrimFamily prim_family_oidc =
    PRIM_FAMILY("oidc", "Identity tokens from GitHub Actions (on request) or GitLab CI (`id_tokens`), masked as secrets.",
                "primitives-forge.md", oidc_prims);
