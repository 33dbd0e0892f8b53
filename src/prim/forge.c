/* forge.c — pull-request comments, commit statuses and OIDC tokens over
 * GitHub's and GitLab's REST APIs (see forge.h). */
#include "prim/forge.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/util.h"
#include "core/value.h"

enum { PAGE = 100, MAX_PAGES = 100 };

/* ---- checking what goes into a URL path ---- */

static bool name_char(char c) { return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.'; }

/* "owner/name" for GitHub; a numeric id or "group/sub/name" for GitLab. */
static bool repo_ok(ForgeKind kind, const char *r) {
  size_t parts = 1, len = 0;
  if (!*r) return false;
  for (const char *p = r; *p; p++) {
    if (*p == '/') {
      if (len == 0) return false;
      parts++, len = 0;
    } else if (!name_char(*p) || (len == 0 && *p == '.')) {
      return false;
    } else {
      len++;
    }
  }
  return len > 0 && (kind == FORGE_GITHUB ? parts == 2 : true);
}

static bool sha_ok(const char *s) {
  size_t n = strlen(s);
  if (n < 7 || n > 64) return false;
  for (; *s; s++)
    if (!isxdigit((unsigned char)*s)) return false;
  return true;
}

/* Markers are `<!-- rp:KEY -->`: a key must not close the comment. */
static bool key_ok(const char *k) {
  if (!*k || strlen(k) > 100) return false;
  for (; *k; k++)
    if (!name_char(*k) && *k != ':' && *k != '/') return false;
  return true;
}

/* GitLab takes a project path URL-encoded as one path segment. */
static char *repo_segment(const Forge *f) {
  if (f->kind == FORGE_GITHUB) return xasprintf("repos/%s", f->repo);
  Buf b = {0};
  buf_puts(&b, "projects/");
  for (const char *p = f->repo; *p; p++)
    if (*p == '/')
      buf_puts(&b, "%2F");
    else
      buf_putc(&b, *p);
  return buf_take(&b);
}

static bool target_ok(const Forge *f, char **err) {
  if (!f->api || strncmp(f->api, "http", 4) != 0) {
    *err = xasprintf("no API URL (set %s)", f->kind == FORGE_GITHUB ? "GITHUB_API_URL or api:" : "CI_API_V4_URL or api:");
    return false;
  }
  if (!f->repo || !repo_ok(f->kind, f->repo)) {
    *err = f->repo ? xasprintf("'%s' is not a %s", f->repo,
                               f->kind == FORGE_GITHUB ? "repository (owner/name)" : "project (an id or group/name)")
                   : xasprintf("no %s (set %s)", f->kind == FORGE_GITHUB ? "repository" : "project",
                               f->kind == FORGE_GITHUB ? "GITHUB_REPOSITORY or repo:" : "CI_PROJECT_ID or project:");
    return false;
  }
  if (!f->token || !*f->token) {
    *err = xstrdup("no token");
    return false;
  }
  return true;
}

/* ---- one API call ---- */

typedef struct Call {
  const char *method;
  char *url;
  Buf body;      /* JSON, empty for none */
  int retries;   /* a create is not retried: a lost answer must not post twice */
} Call;

static bool call(Net *net, const Forge *f, Call *c, NetResponse *resp, char **err) {
  const char *headers[5];
  size_t n = 0;
  char *auth = f->kind == FORGE_GITHUB ? xasprintf("Authorization: Bearer %s", f->token)
                                       : xasprintf("PRIVATE-TOKEN: %s", f->token);
  headers[n++] = auth;
  headers[n++] = f->kind == FORGE_GITHUB ? "Accept: application/vnd.github+json" : "Accept: application/json";
  headers[n++] = "User-Agent: rp";
  if (f->kind == FORGE_GITHUB) headers[n++] = "X-GitHub-Api-Version: 2022-11-28";
  if (c->body.len) headers[n++] = "Content-Type: application/json";
  NetRequest req;
  net_request_init(&req, c->method, c->url);
  req.headers = headers;
  req.nheaders = n;
  req.body = c->body.data;
  req.body_len = c->body.len;
  if (c->retries >= 0) req.retries = c->retries;
  bool ok = net_perform(net, &req, resp, err);
  free(auth);
  if (ok && (resp->status < 200 || resp->status > 299)) {
    char *shown = net_redact_url(c->url);
    *err = xasprintf("%s %s: HTTP %ld", c->method, shown, resp->status);
    free(shown);
    net_response_free(resp);
    ok = false;
  }
  return ok;
}

/* A response's JSON body (null when it is not JSON); frees the response. */
static Value parse_answer(NetResponse *r) {
  Value v = V_NULL_VALUE;
  char *jerr = NULL;
  if (!json_parse(r->body ? r->body : "", r->body_len, &v, &jerr)) v = V_NULL_VALUE;
  free(jerr);
  net_response_free(r);
  return v;
}

static void call_free(Call *c) {
  free(c->url);
  buf_free(&c->body);
}

/* ---- sticky comments ---- */

static char *marker(const char *key) { return xasprintf("<!-- rp:%s -->", key); }

static char *comments_url(const Forge *f, long long number) {
  char *seg = repo_segment(f);
  char *url = f->kind == FORGE_GITHUB ? xasprintf("%s/%s/issues/%lld/comments", f->api, seg, number)
                                      : xasprintf("%s/%s/merge_requests/%lld/notes", f->api, seg, number);
  free(seg);
  return url;
}

/* The id of the first comment whose body holds `mark`, walking the pages;
 * 0 when none. */
static bool find_marked(Net *net, const Forge *f, long long number, const char *mark, long long *id, char **err) {
  char *base = comments_url(f, number);
  *id = 0;
  bool ok = true;
  for (int page = 1; ok && !*id && page <= MAX_PAGES; page++) {
    Call c = {"GET", xasprintf("%s?per_page=%d&page=%d%s", base, PAGE, page,
                               f->kind == FORGE_GITLAB ? "&sort=asc&order_by=created_at" : ""),
              {0}, -1};
    NetResponse r = {0};
    ok = call(net, f, &c, &r, err);
    call_free(&c);
    if (!ok) break;
    Value list = parse_answer(&r);
    if (list.kind != V_LIST) {
      value_release(list);
      char *shown = net_redact_url(base);
      *err = xasprintf("GET %s: the answer is not a list of comments", shown);
      free(shown);
      ok = false;
      break;
    }
    size_t n = list_len(list);
    for (size_t i = 0; i < n && !*id; i++) {
      Value item = list_get(list, i);
      if (item.kind != V_MAP) continue;
      Value body = map_get(item, "body"), cid = map_get(item, "id");
      if (body.kind == V_STRING && cid.kind == V_INT && strstr(str_chars(body), mark)) *id = cid.as.i;
    }
    value_release(list);
    if (n < PAGE) break;
  }
  free(base);
  return ok;
}

bool forge_comment(Net *net, const Forge *f, long long number, const char *key, const char *text, ForgeComment *out,
                   char **err) {
  if (!target_ok(f, err)) return false;
  if (number <= 0) {
    *err = xasprintf("%lld is not a pull request number", number);
    return false;
  }
  if (!key_ok(key)) {
    *err = xasprintf("key '%s': use letters, digits and . _ - : / (at most 100)", key);
    return false;
  }
  char *mark = marker(key);
  long long id = 0;
  bool ok = find_marked(net, f, number, mark, &id, err);
  if (ok) {
    char *full = xasprintf("%s\n\n%s", text, mark);
    Value fields = v_map();
    map_set(fields, "body", v_str_take(full));
    char *base = comments_url(f, number);
    Call c = {id ? (f->kind == FORGE_GITHUB ? "PATCH" : "PUT") : "POST", NULL, {0}, id ? -1 : 0};
    if (!id) {
      c.url = base, base = NULL;
    } else if (f->kind == FORGE_GITHUB) {
      char *seg = repo_segment(f);
      c.url = xasprintf("%s/%s/issues/comments/%lld", f->api, seg, id);
      free(seg);
    } else {
      c.url = xasprintf("%s/%lld", base, id);
    }
    free(base);
    json_encode(fields, &c.body, false);
    value_release(fields);
    NetResponse r = {0};
    ok = call(net, f, &c, &r, err);
    call_free(&c);
    if (ok) {
      Value got = parse_answer(&r);
      out->action = id ? "updated" : "created";
      Value got_id = got.kind == V_MAP ? map_get(got, "id") : V_NULL_VALUE;
      out->id = got_id.kind == V_INT ? got_id.as.i : id;
      value_release(got);
    }
  }
  free(mark);
  return ok;
}

/* ---- commit statuses ---- */

/* rp's words and each platform's own, to the platform's. */
static const struct {
  const char *word, *github, *gitlab;
} states[] = {
    {"success", "success", "success"}, {"succeeded", "success", "success"}, {"failure", "failure", "failed"},
    {"failed", "failure", "failed"},   {"error", "error", "failed"},        {"pending", "pending", "pending"},
    {"running", "pending", "running"}, {"canceled", "error", "canceled"},   {"skipped", "success", "skipped"},
};

static const char *state_word(ForgeKind kind, const char *state) {
  for (size_t i = 0; i < sizeof states / sizeof *states; i++)
    if (!strcmp(states[i].word, state)) return kind == FORGE_GITHUB ? states[i].github : states[i].gitlab;
  return NULL;
}

bool forge_status(Net *net, const Forge *f, const char *sha, const char *state, const char *context, const char *url,
                  const char *description, char **err) {
  if (!target_ok(f, err)) return false;
  if (!sha_ok(sha)) {
    *err = xasprintf("'%s' is not a commit id", sha);
    return false;
  }
  const char *word = state_word(f->kind, state);
  if (!word) {
    *err = xasprintf("unknown state '%s' (success, failure, error, pending, running, canceled, skipped)", state);
    return false;
  }
  Value fields = v_map();
  map_set(fields, "state", v_cstr(word));
  map_set(fields, f->kind == FORGE_GITHUB ? "context" : "name", v_cstr(context));
  if (url) map_set(fields, "target_url", v_cstr(url));
  if (description) map_set(fields, "description", v_cstr(description));
  char *seg = repo_segment(f);
  Call c = {"POST", xasprintf("%s/%s/statuses/%s", f->api, seg, sha), {0}, -1};
  free(seg);
  json_encode(fields, &c.body, false);
  value_release(fields);
  NetResponse r = {0};
  bool ok = call(net, f, &c, &r, err);
  call_free(&c);
  if (ok) net_response_free(&r);
  return ok;
}

/* ---- OIDC ---- */

static char *url_escape(const char *s) {
  Buf b = {0};
  for (; *s; s++)
    if (isalnum((unsigned char)*s) || strchr("-._~", *s))
      buf_putc(&b, *s);
    else
      buf_printf(&b, "%%%02X", (unsigned char)*s);
  return buf_take(&b);
}

char *forge_oidc_github(Net *net, const char *request_url, const char *request_token, const char *audience,
                        char **err) {
  if (!request_url || !*request_url || !request_token || !*request_token) {
    *err = xstrdup("no ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN: give the job `permissions: id-token: write`");
    return NULL;
  }
  char *aud = url_escape(audience);
  Forge f = {FORGE_GITHUB, NULL, NULL, request_token};
  Call c = {"GET", xasprintf("%s%saudience=%s", request_url, strchr(request_url, '?') ? "&" : "?", aud), {0}, -1};
  free(aud);
  NetResponse r = {0};
  char *token = NULL;
  if (call(net, &f, &c, &r, err)) {
    Value got = parse_answer(&r);
    Value value = got.kind == V_MAP ? map_get(got, "value") : V_NULL_VALUE;
    if (value.kind == V_STRING)
      token = xstrdup(str_chars(value));
    else
      *err = xstrdup("the OIDC answer has no \"value\"");
    value_release(got);
  }
  call_free(&c);
  return token;
}

/* A JWT's middle part, base64url without padding, as a JSON value. */
static bool jwt_claims(const char *token, Value *out) {
  const char *a = strchr(token, '.'), *b = a ? strchr(a + 1, '.') : NULL;
  if (!b) return false;
  Buf text = {0}, bytes = {0};
  buf_putn(&text, a + 1, (size_t)(b - a - 1));
  for (size_t i = 0; i < text.len; i++)
    text.data[i] = text.data[i] == '-' ? '+' : text.data[i] == '_' ? '/' : text.data[i];
  char bad;
  bool ok = text.len && base64_decode(text.data, &bytes, &bad);
  char *jerr = NULL;
  ok = ok && json_parse(bytes.data ? bytes.data : "", bytes.len, out, &jerr);
  free(jerr);
  buf_free(&text);
  buf_free(&bytes);
  return ok;
}

bool forge_jwt_has_audience(const char *token, const char *audience, char **err) {
  Value claims;
  if (!jwt_claims(token, &claims)) {
    *err = xstrdup("the token is not a JWT");
    return false;
  }
  Value aud = claims.kind == V_MAP ? map_get(claims, "aud") : V_NULL_VALUE;
  bool yes = aud.kind == V_STRING && !strcmp(str_chars(aud), audience);
  for (size_t i = 0; aud.kind == V_LIST && i < list_len(aud) && !yes; i++) {
    Value a = list_get(aud, i);
    yes = a.kind == V_STRING && !strcmp(str_chars(a), audience);
  }
  value_release(claims);
  if (!yes) *err = xasprintf("the token's audience is not '%s'", audience);
  return yes;
}
