/* registry.c — OCI Distribution client: references, authentication,
 * manifests and blobs, then the registry.* operations on top. */
#include "prim/registry.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/codec.h"
#include "core/secrets.h"
#include "core/util.h"
#include "core/value.h"
#include "prim/net.h"
#include "prim/semver.h"

#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
static const char ACCEPT[] = "Accept: " MT_OCI_MANIFEST ", " MT_OCI_INDEX ", " MT_DOCKER_MANIFEST
                             ", " MT_DOCKER_LIST;

enum { MAX_PAGES = 10000, MAX_INDEX_DEPTH = 4 };

/* ---- client state ---- */

typedef struct Token {
  char *scope, *token;
  int64_t expires_ms; /* monotonic */
} Token;

typedef enum AuthKind { AUTH_UNKNOWN, AUTH_BASIC, AUTH_BEARER } AuthKind;

typedef struct Host {
  char *name; /* host[:port] as in references */
  char *base; /* scheme://api-host[:port] */
  char *basic; /* base64 "user:password", or NULL */
  AuthKind auth;
  Token *tokens;
  size_t ntokens, tokens_cap;
} Host;

typedef struct AuthEntry {
  char *host, *basic;
} AuthEntry;

struct RegClient {
  Net *net;
  RegOptions opt;
  char *username, *password, *plain_http;
  char *basic_all; /* base64 of the explicit username:password */
  AuthEntry *auths; /* from the docker config */
  size_t nauths, auths_cap;
  Host **hosts;
  size_t nhosts, hosts_cap;
  Secrets *secrets; /* every credential and token, masked in messages in all their forms */
  int requests;
};

void reg_list_free(RegList *l) {
  for (size_t i = 0; i < l->n; i++) free(l->items[i]);
  free(l->items);
  *l = (RegList){0};
}

static void list_add(RegList *l, char *s) { VEC_PUSH(l->items, l->n, l->cap, s); }

int reg_request_count(const RegClient *c) { return c->requests; }

/* ---- small helpers ---- */

static void url_escape(Buf *b, const char *s) {
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (isalnum(ch) || strchr("-._~", ch)) buf_putc(b, (char)ch);
    else buf_printf(b, "%%%02X", ch);
  }
}

/* Parses a protocol answer; "invalid JSON at LINE:COL: why" otherwise. */
static bool parse_json(const char *text, size_t len, Value *out, char **err) {
  char *why = NULL;
  *out = V_NULL_VALUE;
  if (json_parse(text, len, out, &why)) return true;
  *err = xasprintf("invalid JSON at %s", why);
  free(why);
  return false;
}

/* Masks every known secret in `msg` (defence in depth: no message is
 * built from credentials, but servers may echo them, base64 and all). */
static char *scrub(const RegClient *c, char *msg) {
  if (!msg || !c->secrets) return msg;
  char *masked = secrets_mask(c->secrets, msg);
  free(msg);
  return masked;
}

static void add_secret(RegClient *c, const char *s) {
  if (!s || !*s) return;
  if (!c->secrets) c->secrets = secrets_new();
  secrets_add(c->secrets, s);
}

/* ---- references ---- */

typedef struct Ref {
  char *host, *repo, *tag, *digest;
} Ref;

static void ref_free(Ref *r) {
  free(r->host);
  free(r->repo);
  free(r->tag);
  free(r->digest);
}

/* The manifest reference to ask for: the digest when pinned, else the tag. */
static const char *ref_reference(const Ref *r) { return r->digest ? r->digest : r->tag; }

static bool valid_repo(const char *s) {
  if (!*s) return false;
  for (const char *p = s; *p; p++) {
    unsigned char ch = (unsigned char)*p;
    if (!(islower(ch) || isdigit(ch) || strchr("._-/", ch))) return false;
  }
  return s[0] != '/' && s[strlen(s) - 1] != '/' && !strstr(s, "//");
}

static bool valid_tag(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 128 || !(isalnum((unsigned char)s[0]) || s[0] == '_')) return false;
  for (const char *p = s; *p; p++)
    if (!(isalnum((unsigned char)*p) || strchr("_.-", *p))) return false;
  return true;
}

static bool valid_digest(const char *s) {
  const char *colon = strchr(s, ':');
  if (!colon || colon == s || !colon[1]) return false;
  for (const char *p = colon + 1; *p; p++)
    if (!isxdigit((unsigned char)*p)) return false;
  return strncmp(s, "sha256:", 7) != 0 || strlen(colon + 1) == 64;
}

/* Parses `s`; with `repo_only`, a tag or digest is an error. */
static bool parse_ref(const char *s, bool repo_only, Ref *r, char **err) {
  *r = (Ref){0};
  const char *what = repo_only ? "repository" : "image reference";
  char *rest = xstrdup(s);
  char *at = strchr(rest, '@');
  if (at) {
    *at = 0;
    r->digest = xstrdup(at + 1);
  }
  char *slash = strchr(rest, '/');
  char *name = rest;
  if (slash && (memchr(rest, '.', (size_t)(slash - rest)) || memchr(rest, ':', (size_t)(slash - rest)) ||
                strncmp(rest, "localhost/", 10) == 0)) {
    r->host = xstrndup(rest, (size_t)(slash - rest));
    name = slash + 1;
  } else {
    r->host = xstrdup("docker.io");
  }
  char *colon = strrchr(name, ':');
  if (colon) {
    *colon = 0;
    r->tag = xstrdup(colon + 1);
  }
  if (strcmp(r->host, "docker.io") == 0 && !strchr(name, '/')) r->repo = xasprintf("library/%s", name);
  else r->repo = xstrdup(name);
  free(rest);

  const char *bad = NULL;
  if (!valid_repo(r->repo)) bad = "bad repository name";
  else if (r->tag && !valid_tag(r->tag)) bad = "bad tag";
  else if (r->digest && !valid_digest(r->digest)) bad = "bad digest";
  else if (repo_only && (r->tag || r->digest)) bad = "expected a repository without tag or digest";
  if (bad) {
    *err = xasprintf("%s '%s': %s", what, s, bad);
    ref_free(r);
    return false;
  }
  if (!repo_only && !r->tag && !r->digest) r->tag = xstrdup("latest");
  return true;
}

/* ---- hosts and credentials ---- */

static bool loopback(const char *host) {
  size_t n = strcspn(host, ":");
  if (host[0] == '[') return strncmp(host, "[::1]", 5) == 0;
  return (n == 9 && strncmp(host, "localhost", 9) == 0) || strncmp(host, "127.", 4) == 0;
}

static bool listed(const char *list, const char *host) {
  size_t hl = strlen(host);
  for (const char *p = list; p && *p;) {
    size_t n = strcspn(p, ",");
    if (n == hl && strncmp(p, host, n) == 0) return true;
    p += n + (p[n] == ',');
  }
  return false;
}

/* A docker config key ("https://host/v1/", "host") reduced to its host. */
static char *auth_key_host(const char *key) {
  const char *p = strstr(key, "://");
  p = p ? p + 3 : key;
  char *h = xstrndup(p, strcspn(p, "/"));
  if (strcmp(h, "index.docker.io") == 0 || strcmp(h, "registry-1.docker.io") == 0) {
    free(h);
    h = xstrdup("docker.io");
  }
  return h;
}

static char *config_path(const RegOptions *opt) {
  if (opt->docker_config) return xstrdup(opt->docker_config);
  const char *dir = getenv("DOCKER_CONFIG");
  if (dir && *dir) return xasprintf("%s/config.json", dir);
  const char *home = getenv("HOME");
  return home ? xasprintf("%s/.docker/config.json", home) : NULL;
}

static bool load_docker_config(RegClient *c, char **err) {
  char *path = config_path(&c->opt);
  if (!path) return true;
  size_t len;
  char *text = read_file(path, &len);
  if (!text) { /* no config: anonymous */
    free(path);
    return true;
  }
  Value root;
  char *jerr = NULL;
  bool ok = parse_json(text, len, &root, &jerr);
  if (!ok) {
    *err = xasprintf("%s: %s", path, jerr);
    free(jerr);
  }
  Value auths = value_get(root, "auths");
  Map *am = auths.kind == V_MAP ? as_map(auths) : NULL;
  for (size_t i = 0; ok && am && i < am->n; i++) {
    Value e = am->vals[i];
    const char *key = am->keys[i]->data;
    const char *auth = value_get_str(e, "auth");
    const char *user = value_get_str(e, "username"), *pass = value_get_str(e, "password");
    char *basic = NULL;
    if (auth && *auth) {
      Buf plain = {0};
      char bad;
      if (!base64_decode(auth, &plain, &bad) || !plain.data || !strchr(plain.data, ':')) {
        *err = xasprintf("%s: the auth entry for '%s' is not base64 of user:password", path, key);
        ok = false;
      } else {
        basic = xstrdup(auth);
        add_secret(c, strchr(plain.data, ':') + 1);
      }
      buf_free(&plain);
    } else if (user && pass) {
      char *up = xasprintf("%s:%s", user, pass);
      basic = base64_encode(up, strlen(up));
      free(up);
      add_secret(c, pass);
    }
    if (basic) {
      add_secret(c, basic);
      AuthEntry ae = {auth_key_host(key), basic};
      VEC_PUSH(c->auths, c->nauths, c->auths_cap, ae);
    }
  }
  value_release(root);
  free(text);
  free(path);
  return ok;
}

static Host *get_host(RegClient *c, const char *name) {
  for (size_t i = 0; i < c->nhosts; i++)
    if (strcmp(c->hosts[i]->name, name) == 0) return c->hosts[i];
  Host *h = xcalloc(1, sizeof *h);
  h->name = xstrdup(name);
  const char *api = strcmp(name, "docker.io") == 0 ? "registry-1.docker.io" : name;
  bool plain = loopback(name) || listed(c->plain_http, name);
  h->base = xasprintf("%s://%s", plain ? "http" : "https", api);
  if (c->basic_all) h->basic = xstrdup(c->basic_all);
  for (size_t i = 0; !h->basic && i < c->nauths; i++)
    if (strcmp(c->auths[i].host, name) == 0) h->basic = xstrdup(c->auths[i].basic);
  VEC_PUSH(c->hosts, c->nhosts, c->hosts_cap, h);
  return h;
}

static void host_free(Host *h) {
  for (size_t i = 0; i < h->ntokens; i++) {
    free(h->tokens[i].scope);
    free(h->tokens[i].token);
  }
  free(h->tokens);
  free(h->name);
  free(h->base);
  free(h->basic);
  free(h);
}

RegClient *reg_new(const RegOptions *opt, char **err) {
  RegClient *c = xcalloc(1, sizeof *c);
  if (opt) c->opt = *opt;
  c->username = c->opt.username ? xstrdup(c->opt.username) : NULL;
  c->password = c->opt.password ? xstrdup(c->opt.password) : NULL;
  c->plain_http = c->opt.plain_http ? xstrdup(c->opt.plain_http) : NULL;
  c->opt.docker_config = c->opt.docker_config ? xstrdup(c->opt.docker_config) : NULL;
  if (c->username && c->password) {
    char *up = xasprintf("%s:%s", c->username, c->password);
    c->basic_all = base64_encode(up, strlen(up));
    free(up);
    add_secret(c, c->password);
    add_secret(c, c->basic_all);
  }
  c->net = net_new();
  if (!c->net) {
    *err = xstrdup("registry: cannot initialise libcurl");
    reg_free(c);
    return NULL;
  }
  if (!(c->username && c->password) && !load_docker_config(c, err)) {
    reg_free(c);
    return NULL;
  }
  return c;
}

void reg_free(RegClient *c) {
  if (!c) return;
  net_free(c->net);
  for (size_t i = 0; i < c->nhosts; i++) host_free(c->hosts[i]);
  free(c->hosts);
  for (size_t i = 0; i < c->nauths; i++) {
    free(c->auths[i].host);
    free(c->auths[i].basic);
  }
  free(c->auths);
  secrets_free(c->secrets);
  free(c->username);
  free(c->password);
  free(c->plain_http);
  free(c->basic_all);
  free((char *)c->opt.docker_config);
  free(c);
}

/* ---- requests and authentication ---- */

typedef struct Call {
  const char *method;
  Host *host;
  char *url;           /* owned */
  const char *scope;   /* token scope this request needs */
  const char *extra[3]; /* further "Name: value" headers */
  const char *body;
  size_t body_len;
  FILE *upload, *download;
  int64_t upload_len;
  bool blob;           /* a blob transfer: no overall time limit */
} Call;

static Call call_new(Host *h, const char *method, const char *scope, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static Call call_new(Host *h, const char *method, const char *scope, const char *fmt, ...) {
  Buf b = {0};
  buf_puts(&b, h->base);
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  return (Call){.method = method, .host = h, .url = buf_take(&b), .scope = scope};
}

static const char *cached_token(Host *h, const char *scope) {
  int64_t now = net_now_ms();
  for (size_t i = 0; i < h->ntokens; i++)
    if (strcmp(h->tokens[i].scope, scope) == 0 && h->tokens[i].expires_ms > now)
      return h->tokens[i].token;
  return NULL;
}

static void cache_token(Host *h, const char *scope, const char *token, int64_t expires_ms) {
  for (size_t i = 0; i < h->ntokens; i++)
    if (strcmp(h->tokens[i].scope, scope) == 0) {
      free(h->tokens[i].token);
      h->tokens[i].token = xstrdup(token);
      h->tokens[i].expires_ms = expires_ms;
      return;
    }
  Token t = {xstrdup(scope), xstrdup(token), expires_ms};
  VEC_PUSH(h->tokens, h->ntokens, h->tokens_cap, t);
}

/* Value of `key` in a challenge's `key="value"` list, or NULL. Malloc'd. */
static char *challenge_param(const char *params, const char *key) {
  size_t kl = strlen(key);
  for (const char *p = params; *p;) {
    while (*p == ' ' || *p == ',') p++;
    const char *eq = strchr(p, '=');
    if (!eq) break;
    bool match = (size_t)(eq - p) == kl && strncasecmp(p, key, kl) == 0;
    const char *v = eq + 1;
    const char *end;
    char *val;
    if (*v == '"') {
      end = strchr(v + 1, '"');
      if (!end) end = v + strlen(v);
      val = xstrndup(v + 1, (size_t)(end - v - 1));
      if (*end) end++;
    } else {
      end = v + strcspn(v, ",");
      val = xstrndup(v, (size_t)(end - v));
    }
    if (match) return val;
    free(val);
    p = end;
  }
  return NULL;
}

static bool perform(RegClient *c, NetRequest *req, NetResponse *resp, char **err) {
  c->requests++;
  return net_perform(c->net, req, resp, err);
}

static NetRequest base_request(RegClient *c, const char *method, const char *url) {
  NetRequest req;
  net_request_init(&req, method, url);
  if (c->opt.timeout_ms > 0) req.timeout_ms = c->opt.timeout_ms;
  if (c->opt.retries >= 0) req.retries = c->opt.retries;
  return req;
}

/* Asks the token server in `params` for a token covering `scope`. */
static bool fetch_token(RegClient *c, Host *h, const char *params, const char *scope,
                        char **err) {
  char *realm = challenge_param(params, "realm");
  char *service = challenge_param(params, "service");
  char *want = challenge_param(params, "scope");
  if (!realm) {
    *err = xasprintf("%s: bearer challenge without a realm", h->name);
    free(service);
    free(want);
    return false;
  }
  Buf url = {0};
  buf_puts(&url, realm);
  char sep = strchr(realm, '?') ? '&' : '?';
  if (service) {
    buf_printf(&url, "%cservice=", sep);
    url_escape(&url, service);
    sep = '&';
  }
  const char *scopes = want ? want : scope;
  for (const char *p = scopes; p && *p;) { /* one scope= per space-separated scope */
    size_t n = strcspn(p, " ");
    char *one = xstrndup(p, n);
    buf_printf(&url, "%cscope=", sep);
    url_escape(&url, one);
    sep = '&';
    free(one);
    p += n + (p[n] == ' ');
  }
  char *auth = h->basic ? xasprintf("Authorization: Basic %s", h->basic) : NULL;
  const char *hdrs[1] = {auth};
  NetRequest req = base_request(c, "GET", url.data);
  req.headers = hdrs;
  req.nheaders = auth ? 1 : 0;
  NetResponse resp;
  bool ok = perform(c, &req, &resp, err);
  free(auth);
  char *shown = net_redact_url(realm);
  if (ok && resp.status != 200) {
    *err = xasprintf("token server %s answered %ld for %s%s", shown, resp.status, h->name,
                     h->basic ? " (credentials refused?)" : " (no credentials for this host)");
    ok = false;
  }
  if (ok) {
    Value root;
    char *jerr = NULL;
    parse_json(resp.body, resp.body_len, &root, &jerr);
    const char *tok = value_get_str(root, "token");
    if (!tok) tok = value_get_str(root, "access_token");
    Value exp = value_get(root, "expires_in");
    if (!tok) {
      *err = xasprintf("token server %s: %s", shown, jerr ? jerr : "no token in the answer");
      ok = false;
    } else {
      /* The spec's default lifetime is 60 s; renew a little early. */
      double secs = exp.kind == V_INT ? (double)exp.as.i : exp.kind == V_FLOAT ? exp.as.f : 0;
      if (!(secs > 0)) secs = 60;
      int64_t life = (int64_t)(secs * 1000);
      int64_t until = net_now_ms() + life - (life > 10000 ? 5000 : life / 2);
      add_secret(c, tok);
      cache_token(h, scope, tok, until);
      if (want && strcmp(want, scope) != 0) cache_token(h, want, tok, until);
      h->auth = AUTH_BEARER;
    }
    free(jerr);
    value_release(root);
  }
  net_response_free(&resp);
  free(shown);
  free(realm);
  free(service);
  free(want);
  buf_free(&url);
  return ok;
}

/* Reacts to a 401: true when a retry with new credentials makes sense. */
static bool authenticate(RegClient *c, Host *h, const NetResponse *resp, const char *scope,
                         char **err) {
  const char *chal = net_header(resp, "WWW-Authenticate");
  if (chal && strncasecmp(chal, "Bearer ", 7) == 0) return fetch_token(c, h, chal + 7, scope, err);
  if (chal && strncasecmp(chal, "Basic", 5) == 0 && h->basic && h->auth != AUTH_BASIC) {
    h->auth = AUTH_BASIC;
    return true;
  }
  *err = xasprintf("%s: authentication %s", h->name,
                   h->basic ? "failed (credentials refused)"
                            : "required and no credentials for this host "
                              "(give username and password, or log in to the registry)");
  return false;
}

/* Sends `call`, authenticating on a 401 and trying once more. Auth is only
 * attached to URLs of the call's own host, so a Location pointing
 * elsewhere never receives our credentials. */
static bool call_send(RegClient *c, Call *call, NetResponse *resp, char **err) {
  Host *h = call->host;
  size_t bl = strlen(h->base);
  bool own = strncmp(call->url, h->base, bl) == 0 && (call->url[bl] == '/' || !call->url[bl]);
  for (int round = 0;; round++) {
    char *auth = NULL;
    if (own && h->auth == AUTH_BASIC && h->basic) {
      auth = xasprintf("Authorization: Basic %s", h->basic);
    } else if (own && h->auth == AUTH_BEARER) {
      const char *tok = cached_token(h, call->scope);
      if (tok) auth = xasprintf("Authorization: Bearer %s", tok);
    }
    const char *hdrs[5];
    size_t n = 0;
    for (size_t i = 0; i < 3 && call->extra[i]; i++) hdrs[n++] = call->extra[i];
    if (auth) hdrs[n++] = auth;
    NetRequest req = base_request(c, call->method, call->url);
    req.headers = hdrs;
    req.nheaders = n;
    req.body = call->body;
    req.body_len = call->body_len;
    req.upload = call->upload;
    req.upload_len = call->upload_len;
    req.download = call->download;
    if (call->blob) req.timeout_ms = 0;
    bool ok = perform(c, &req, resp, err);
    free(auth);
    if (!ok) return false;
    if (resp->status != 401 || !own) return true;
    if (round > 0) { /* fresh credentials were refused too */
      char *url = net_redact_url(call->url);
      *err = xasprintf("%s %s: authentication failed for %s (credentials refused)", call->method,
                       url, h->name);
      free(url);
      net_response_free(resp);
      return false;
    }
    bool again = authenticate(c, h, resp, call->scope, err);
    net_response_free(resp);
    if (!again) return false;
  }
}

/* "METHOD URL: STATUS (CODE: message)" for an unexpected answer. */
static char *status_error(const Call *call, const NetResponse *resp, const char *what) {
  char *url = net_redact_url(call->url);
  Buf detail = {0};
  Value root = V_NULL_VALUE;
  char *jerr = NULL;
  const char *ctype = net_header(resp, "Content-Type");
  bool json = resp->body_len && parse_json(resp->body, resp->body_len, &root, &jerr);
  Value errs = value_get(root, "errors");
  if (errs.kind == V_LIST && list_len(errs) > 0) {
    const char *code = value_get_str(list_get(errs, 0), "code");
    const char *msg = value_get_str(list_get(errs, 0), "message");
    buf_printf(&detail, " (%s%s%s)", code ? code : "error", msg ? ": " : "", msg ? msg : "");
  } else if (resp->body_len && !json) {
    buf_printf(&detail, " (a %s body, not registry JSON)", ctype ? ctype : "untyped");
  }
  char *m = xasprintf("%s %s: %s%ld%s", call->method, url, what ? what : "", resp->status,
                      detail.data ? detail.data : "");
  buf_free(&detail);
  free(jerr);
  value_release(root);
  free(url);
  return m;
}

static void call_free(Call *call) { free(call->url); }

/* Parses a JSON response body, naming the URL on failure. */
static bool body_json(const Call *call, const NetResponse *resp, Value *out, char **err) {
  char *jerr = NULL;
  bool ok = parse_json(resp->body, resp->body_len, out, &jerr);
  if (!ok) {
    char *url = net_redact_url(call->url);
    const char *ctype = net_header(resp, "Content-Type");
    *err = xasprintf("%s %s: %s%s%s", call->method, url, jerr, ctype ? " (Content-Type: " : "",
                     ctype ? ctype : "");
    if (ctype) {
      char *m = xasprintf("%s)", *err);
      free(*err);
      *err = m;
    }
    free(url);
    free(jerr);
  }
  return ok;
}

static char *pull_scope(const char *repo) { return xasprintf("repository:%s:pull", repo); }

/* ---- manifests and blobs ---- */

typedef struct Manifest {
  char *body, *media_type, *digest;
  size_t len;
} Manifest;

static void manifest_free(Manifest *m) {
  free(m->body);
  free(m->media_type);
  free(m->digest);
  *m = (Manifest){0};
}

static bool is_index_type(const char *mt) {
  return mt && (strcmp(mt, MT_OCI_INDEX) == 0 || strcmp(mt, MT_DOCKER_LIST) == 0);
}

/* The manifest's media type: its own `mediaType` field, else the
 * Content-Type (Docker schema 2 requires the field; OCI makes it optional). */
static char *manifest_type(Value root, const char *content_type) {
  const char *mt = value_get_str(root, "mediaType");
  if (mt) return xstrdup(mt);
  if (content_type && strncmp(content_type, "application/", 12) == 0 &&
      !strstr(content_type, "application/json"))
    return xstrndup(content_type, strcspn(content_type, "; "));
  bool index = root.kind == V_MAP && map_has(root, "manifests");
  return xstrdup(index ? MT_OCI_INDEX : MT_OCI_MANIFEST);
}

/* GETs a manifest. Its digest is the registry's Docker-Content-Digest,
 * else computed; when asked for by digest, the content must hash to it. */
static bool get_manifest(RegClient *c, const char *host, const char *repo, const char *reference,
                         Manifest *m, char **err) {
  *m = (Manifest){0};
  char *scope = pull_scope(repo);
  Call call = call_new(get_host(c, host), "GET", scope, "/v2/%s/manifests/%s", repo, reference);
  call.extra[0] = ACCEPT;
  NetResponse resp;
  Value root = V_NULL_VALUE;
  bool ok = call_send(c, &call, &resp, err);
  if (ok && resp.status != 200) {
    *err = status_error(&call, &resp, resp.status == 404 ? "manifest unknown, " : NULL);
    ok = false;
  }
  if (ok) ok = body_json(&call, &resp, &root, err);
  if (ok) {
    char *computed = sha256_digest(resp.body, resp.body_len);
    const char *dg = net_header(&resp, "Docker-Content-Digest");
    bool pinned = strncmp(reference, "sha256:", 7) == 0;
    if (pinned && strcmp(computed, reference) != 0) {
      char *url = net_redact_url(call.url);
      *err = xasprintf("GET %s: the content does not match its digest (got %s)", url, computed);
      free(url);
      ok = false;
    }
    m->digest = xstrdup(dg && !pinned ? dg : computed);
    free(computed);
    m->media_type = manifest_type(root, net_header(&resp, "Content-Type"));
    m->len = resp.body_len;
    m->body = resp.body;
    resp.body = NULL;
  }
  if (!ok) manifest_free(m);
  value_release(root);
  net_response_free(&resp);
  call_free(&call);
  free(scope);
  return ok;
}

static bool put_manifest(RegClient *c, const char *host, const char *repo, const char *reference,
                         const Manifest *m, char **digest_out, char **err) {
  char *scope = xasprintf("repository:%s:pull,push", repo);
  Call call = call_new(get_host(c, host), "PUT", scope, "/v2/%s/manifests/%s", repo, reference);
  char *ct = xasprintf("Content-Type: %s", m->media_type);
  call.extra[0] = ct;
  call.body = m->body;
  call.body_len = m->len;
  NetResponse resp;
  bool ok = call_send(c, &call, &resp, err);
  if (ok && resp.status != 201) {
    *err = status_error(&call, &resp, NULL);
    ok = false;
  }
  if (ok && digest_out) {
    const char *dg = net_header(&resp, "Docker-Content-Digest");
    *digest_out = xstrdup(dg ? dg : m->digest);
  }
  net_response_free(&resp);
  free(ct);
  call_free(&call);
  free(scope);
  return ok;
}

/* HEAD of a manifest: its status, and its digest when found. */
static bool head_manifest(RegClient *c, const Ref *r, long *status, char **digest, char **err) {
  char *scope = pull_scope(r->repo);
  Call call = call_new(get_host(c, r->host), "HEAD", scope, "/v2/%s/manifests/%s", r->repo,
                       ref_reference(r));
  call.extra[0] = ACCEPT;
  NetResponse resp;
  bool ok = call_send(c, &call, &resp, err);
  if (ok) {
    *status = resp.status;
    if (resp.status != 200 && resp.status != 404) {
      *err = status_error(&call, &resp, NULL);
      ok = false;
    }
    const char *dg = net_header(&resp, "Docker-Content-Digest");
    if (ok && digest && resp.status == 200) {
      if (dg) *digest = xstrdup(dg);
      else if (r->digest) *digest = xstrdup(r->digest);
      else { /* the header is optional: hash the manifest instead */
        Manifest m;
        ok = get_manifest(c, r->host, r->repo, ref_reference(r), &m, err);
        if (ok) *digest = xstrdup(m.digest);
        manifest_free(&m);
      }
    }
    net_response_free(&resp);
  }
  call_free(&call);
  free(scope);
  return ok;
}

/* Finishes the upload session at `location` (of repository dst) with
 * the `size` bytes of f as blob `digest`. */
static bool upload_blob(RegClient *c, const Ref *dst, const char *location, const char *digest, FILE *f,
                        long size, char **err) {
  char *push_scope = xasprintf("repository:%s:pull,push", dst->repo);
  Host *dh = get_host(c, dst->host);
  Call put = {.method = "PUT", .host = dh, .scope = push_scope, .upload = f, .upload_len = size, .blob = true};
  Buf u = {0};
  if (location[0] == '/') buf_puts(&u, dh->base);
  buf_printf(&u, "%s%cdigest=", location, strchr(location, '?') ? '&' : '?');
  url_escape(&u, digest);
  put.url = buf_take(&u);
  put.extra[0] = "Content-Type: application/octet-stream";
  NetResponse resp;
  bool ok = call_send(c, &put, &resp, err);
  if (ok && resp.status != 201) {
    *err = status_error(&put, &resp, NULL);
    ok = false;
  }
  net_response_free(&resp);
  call_free(&put);
  free(push_scope);
  return ok;
}

/* GETs blob `digest` of r into f. */
static bool download_blob(RegClient *c, const Ref *r, const char *digest, FILE *f, char **err) {
  char *scope = pull_scope(r->repo);
  Call get = call_new(get_host(c, r->host), "GET", scope, "/v2/%s/blobs/%s", r->repo, digest);
  get.download = f;
  get.blob = true;
  NetResponse resp;
  bool ok = call_send(c, &get, &resp, err);
  if (ok && resp.status != 200) {
    *err = status_error(&get, &resp, NULL);
    ok = false;
  }
  net_response_free(&resp);
  call_free(&get);
  free(scope);
  return ok;
}

/* Downloads blob `digest` of src into a temporary file, then finishes
 * the upload session at `location` with it. */
static bool stream_blob(RegClient *c, const Ref *src, const Ref *dst, const char *digest,
                        const char *location, char **err) {
  FILE *tmp = tmpfile();
  if (!tmp) {
    *err = xasprintf("copy %s: cannot create a temporary file for blob %s", src->repo, digest);
    return false;
  }
  bool ok = download_blob(c, src, digest, tmp, err);
  long size = ok && fflush(tmp) == 0 ? ftell(tmp) : -1;
  if (ok && size < 0) {
    *err = xasprintf("copy %s: cannot write blob %s to a temporary file", src->repo, digest);
    ok = false;
  }
  ok = ok && upload_blob(c, dst, location, digest, tmp, size, err);
  fclose(tmp);
  return ok;
}

/* Makes blob `digest` of src present in dst: a mount on the same host,
 * else an upload; a refused mount falls back to the upload it opened. */
static bool copy_blob(RegClient *c, const Ref *src, const Ref *dst, const char *digest,
                      RegCopyStats *st, char **err) {
  bool same_host = strcmp(src->host, dst->host) == 0;
  Host *dh = get_host(c, dst->host);
  char *scope = NULL;
  NetResponse resp;
  bool ok;
  Call call;
  if (same_host) {
    scope = xasprintf("repository:%s:pull,push repository:%s:pull", dst->repo, src->repo);
    call = call_new(dh, "POST", scope, "/v2/%s/blobs/uploads/?mount=%s&from=%s", dst->repo, digest,
                    src->repo);
  } else {
    scope = xasprintf("repository:%s:pull,push", dst->repo);
    call = call_new(dh, "HEAD", scope, "/v2/%s/blobs/%s", dst->repo, digest);
    ok = call_send(c, &call, &resp, err);
    call_free(&call);
    if (!ok) {
      free(scope);
      return false;
    }
    long status = resp.status;
    net_response_free(&resp);
    if (status == 200) {
      st->blobs_present++;
      free(scope);
      return true;
    }
    call = call_new(dh, "POST", scope, "/v2/%s/blobs/uploads/", dst->repo);
  }
  ok = call_send(c, &call, &resp, err);
  if (ok && resp.status == 201) {
    st->blobs_mounted++;
  } else if (ok && resp.status == 202 && net_header(&resp, "Location")) {
    char *loc = xstrdup(net_header(&resp, "Location"));
    net_response_free(&resp);
    ok = stream_blob(c, src, dst, digest, loc, err);
    if (ok) st->blobs_streamed++;
    free(loc);
  } else if (ok) {
    *err = status_error(&call, &resp, NULL);
    ok = false;
  }
  net_response_free(&resp);
  call_free(&call);
  free(scope);
  return ok;
}

/* The JSON of manifest `m` of repository `r`; false with *err set. */
static bool parse_manifest(const Ref *r, const Manifest *m, Value *out, char **err) {
  char *jerr = NULL;
  bool ok = parse_json(m->body, m->len, out, &jerr);
  if (!ok) *err = xasprintf("manifest %s of %s/%s: %s", m->digest, r->host, r->repo, jerr);
  free(jerr);
  return ok;
}

/* How many items the list root[key] has; 0 when it is not a list. */
static size_t list_len_of(Value root, const char *key) {
  Value l = value_get(root, key);
  return l.kind == V_LIST ? list_len(l) : 0;
}

/* The digest of item i < list_len_of(root, key), or NULL. */
static const char *item_digest(Value root, const char *key, size_t i) {
  return value_get_str(list_get(value_get(root, key), i), "digest");
}

/* Copies what manifest `m` refers to (blobs; for an index, each child
 * manifest by digest, recursively) from src to dst. */
static bool copy_contents(RegClient *c, const Ref *src, const Ref *dst, const Manifest *m,
                          int depth, RegCopyStats *st, char **err) {
  Value root;
  bool ok = parse_manifest(src, m, &root, err);
  if (ok && is_index_type(m->media_type)) {
    for (size_t i = 0; ok && i < list_len_of(root, "manifests"); i++) {
      const char *dg = item_digest(root, "manifests", i);
      Manifest child;
      if (!dg) continue;
      if (depth >= MAX_INDEX_DEPTH) {
        *err = xasprintf("manifest %s of %s/%s: indexes nested too deeply", m->digest, src->host,
                         src->repo);
        ok = false;
        break;
      }
      ok = get_manifest(c, src->host, src->repo, dg, &child, err) &&
           copy_contents(c, src, dst, &child, depth + 1, st, err) &&
           put_manifest(c, dst->host, dst->repo, dg, &child, NULL, err);
      if (ok) st->manifests++;
      manifest_free(&child);
    }
  } else if (ok) {
    const char *cfg = value_get_str(value_get(root, "config"), "digest");
    if (cfg) ok = copy_blob(c, src, dst, cfg, st, err);
    for (size_t i = 0; ok && i < list_len_of(root, "layers"); i++) {
      Value layer = list_get(value_get(root, "layers"), i);
      const char *dg = value_get_str(layer, "digest"); /* set only when layer is a map */
      /* Foreign layers (with urls) are not in the registry: skip them. */
      if (dg && !map_has(layer, "urls")) ok = copy_blob(c, src, dst, dg, st, err);
    }
  }
  value_release(root);
  return ok;
}

/* ---- creation time (prune, latest newest) ---- */

/* RFC 3339 text to Unix milliseconds; false when malformed. */
static bool parse_rfc3339(const char *s, int64_t *ms) {
  struct tm tm = {0};
  int n = 0;
  if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
             &tm.tm_min, &tm.tm_sec, &n) != 6)
    return false;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const char *p = s + n;
  int64_t frac = 0, scale = 1000;
  if (*p == '.')
    for (p++; isdigit((unsigned char)*p); p++)
      if (scale > 1) frac += (*p - '0') * (scale /= 10);
  int64_t off = 0;
  if (*p == '+' || *p == '-') {
    int oh, om;
    if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2) return false;
    off = (*p == '+' ? 1 : -1) * (oh * 3600 + om * 60);
  } else if (*p != 'Z' && *p != 'z') {
    return false;
  }
  *ms = ((int64_t)timegm(&tm) - off) * 1000 + frac;
  return true;
}

typedef struct TagInfo {
  char *tag, *digest;
  int64_t created;
} TagInfo;

/* Creation time of manifest `m`: its config's `created`; for an index
 * the newest child's. Missing or unreadable times count as 0 (oldest). */
static bool manifest_created(RegClient *c, const Ref *r, const Manifest *m, int depth,
                             int64_t *out, char **err) {
  *out = 0;
  Value root;
  bool ok = parse_manifest(r, m, &root, err);
  if (ok && is_index_type(m->media_type)) {
    for (size_t i = 0; ok && depth < MAX_INDEX_DEPTH && i < list_len_of(root, "manifests"); i++) {
      const char *dg = item_digest(root, "manifests", i);
      Manifest child;
      int64_t t;
      if (!dg) continue;
      ok = get_manifest(c, r->host, r->repo, dg, &child, err) &&
           manifest_created(c, r, &child, depth + 1, &t, err);
      if (ok && t > *out) *out = t;
      manifest_free(&child);
    }
  } else if (ok) {
    const char *cfg = value_get_str(value_get(root, "config"), "digest");
    if (cfg) {
      char *scope = pull_scope(r->repo);
      Call call = call_new(get_host(c, r->host), "GET", scope, "/v2/%s/blobs/%s", r->repo, cfg);
      NetResponse resp;
      ok = call_send(c, &call, &resp, err);
      if (ok && resp.status != 200) {
        *err = status_error(&call, &resp, NULL);
        ok = false;
      }
      Value conf = V_NULL_VALUE;
      if (ok) ok = body_json(&call, &resp, &conf, err);
      const char *created = value_get_str(conf, "created");
      if (created) parse_rfc3339(created, out);
      value_release(conf);
      net_response_free(&resp);
      call_free(&call);
      free(scope);
    }
  }
  value_release(root);
  return ok;
}

/* Digest and creation time of one tag. */
static bool tag_info(RegClient *c, const Ref *repo, const char *tag, TagInfo *ti, char **err) {
  Manifest m;
  ti->tag = xstrdup(tag);
  ti->digest = NULL;
  ti->created = 0;
  if (!get_manifest(c, repo->host, repo->repo, tag, &m, err)) return false;
  ti->digest = xstrdup(m.digest);
  bool ok = manifest_created(c, repo, &m, 0, &ti->created, err);
  manifest_free(&m);
  return ok;
}

static void tag_infos_free(TagInfo *t, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(t[i].tag);
    free(t[i].digest);
  }
  free(t);
}

static int newest_first(const void *pa, const void *pb) {
  const TagInfo *a = pa, *b = pb;
  if (a->created != b->created) return a->created > b->created ? -1 : 1;
  return strcmp(b->tag, a->tag);
}

/* ---- regex filter ---- */

typedef struct Filter {
  pcre2_code *code;
  pcre2_match_data *md;
} Filter;

static bool filter_init(Filter *f, const char *pattern, char **err) {
  *f = (Filter){0};
  if (!pattern) return true;
  int ec;
  PCRE2_SIZE off;
  f->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &ec, &off, NULL);
  if (!f->code) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(ec, msg, sizeof msg);
    *err = xasprintf("bad regex '%s' at offset %zu: %s", pattern, (size_t)off, (char *)msg);
    return false;
  }
  pcre2_jit_compile(f->code, PCRE2_JIT_COMPLETE); /* best effort */
  f->md = pcre2_match_data_create_from_pattern(f->code, NULL);
  return true;
}

static bool filter_match(const Filter *f, const char *s) {
  if (!f->code) return true;
  return pcre2_match(f->code, (PCRE2_SPTR)s, strlen(s), 0, 0, f->md, NULL) >= 0;
}

static void filter_free(Filter *f) {
  pcre2_match_data_free(f->md);
  pcre2_code_free(f->code);
}

/* ---- operations ---- */

static char *finish(RegClient *c, char **err) { return *err = scrub(c, *err); }

/* "<...>; rel="next"" to the next page's URL, or NULL. */
static char *next_page(const Host *h, const char *link) {
  if (!link || !strstr(link, "rel=\"next\"")) return NULL;
  const char *lt = strchr(link, '<'), *gt = lt ? strchr(lt, '>') : NULL;
  if (!gt) return NULL;
  if (lt[1] == '/') return xasprintf("%s%.*s", h->base, (int)(gt - lt - 1), lt + 1);
  return xstrndup(lt + 1, (size_t)(gt - lt - 1));
}

static bool tags_of(RegClient *c, const Ref *r, RegList *out, char **err) {
  *out = (RegList){0};
  Host *h = get_host(c, r->host);
  char *scope = pull_scope(r->repo);
  Call call = c->opt.page_size > 0
                  ? call_new(h, "GET", scope, "/v2/%s/tags/list?n=%d", r->repo, c->opt.page_size)
                  : call_new(h, "GET", scope, "/v2/%s/tags/list", r->repo);
  bool ok = true;
  for (int page = 0; ok; page++) {
    NetResponse resp;
    if (page >= MAX_PAGES) {
      char *url = net_redact_url(call.url);
      *err = xasprintf("GET %s: more than %d pages of tags", url, MAX_PAGES);
      free(url);
      ok = false;
      break;
    }
    if (!(ok = call_send(c, &call, &resp, err))) break;
    Value root = V_NULL_VALUE;
    if (resp.status != 200) {
      *err = status_error(&call, &resp, resp.status == 404 ? "repository unknown, " : NULL);
      ok = false;
    } else {
      ok = body_json(&call, &resp, &root, err);
    }
    Value tags = value_get(root, "tags");
    if (ok && (root.kind != V_MAP || (tags.kind != V_LIST && tags.kind != V_NULL))) {
      char *url = net_redact_url(call.url);
      *err = xasprintf("GET %s: not a tag list", url);
      free(url);
      ok = false;
    }
    for (size_t i = 0; ok && tags.kind == V_LIST && i < list_len(tags); i++)
      if (is_str(list_get(tags, i))) list_add(out, xstrdup(str_chars(list_get(tags, i))));
    value_release(root);
    char *next = ok ? next_page(h, net_header(&resp, "Link")) : NULL;
    net_response_free(&resp);
    if (!next) break;
    free(call.url);
    call.url = next;
  }
  call_free(&call);
  free(scope);
  if (!ok) reg_list_free(out);
  return ok;
}

bool reg_tags(RegClient *c, const char *repo, RegList *out, char **err) {
  Ref r;
  *out = (RegList){0};
  if (!parse_ref(repo, true, &r, err)) return false;
  bool ok = tags_of(c, &r, out, err);
  ref_free(&r);
  if (!ok) finish(c, err);
  return ok;
}

int reg_exists(RegClient *c, const char *ref, char **err) {
  Ref r;
  if (!parse_ref(ref, false, &r, err)) return -1;
  long status = 0;
  bool ok = head_manifest(c, &r, &status, NULL, err);
  ref_free(&r);
  if (!ok) {
    finish(c, err);
    return -1;
  }
  return status == 200;
}

char *reg_digest(RegClient *c, const char *ref, char **err) {
  Ref r;
  if (!parse_ref(ref, false, &r, err)) return NULL;
  long status = 0;
  char *digest = NULL;
  bool ok = head_manifest(c, &r, &status, &digest, err);
  if (ok && status == 404) {
    *err = xasprintf("%s: manifest unknown", ref);
    ok = false;
  }
  ref_free(&r);
  if (!ok) finish(c, err);
  return ok ? digest : NULL;
}

bool reg_copy(RegClient *c, const char *src, const char *dst, char **digest_out,
              RegCopyStats *stats, char **err) {
  RegCopyStats local = {0};
  RegCopyStats *st = stats ? stats : &local;
  *st = (RegCopyStats){0};
  int before = c->requests;
  Ref s, d;
  if (!parse_ref(src, false, &s, err)) return false;
  if (!parse_ref(dst, false, &d, err)) {
    ref_free(&s);
    return false;
  }
  Manifest m;
  bool ok = get_manifest(c, s.host, s.repo, ref_reference(&s), &m, err);
  if (ok && d.digest && strcmp(d.digest, m.digest) != 0) {
    *err = xasprintf("copy %s to %s: the source has digest %s", src, dst, m.digest);
    ok = false;
  }
  bool same_repo = strcmp(s.host, d.host) == 0 && strcmp(s.repo, d.repo) == 0;
  if (ok && !same_repo) ok = copy_contents(c, &s, &d, &m, 0, st, err);
  if (ok) ok = put_manifest(c, d.host, d.repo, ref_reference(&d), &m, digest_out, err);
  if (ok) st->manifests++;
  manifest_free(&m);
  ref_free(&s);
  ref_free(&d);
  st->requests = c->requests - before;
  if (!ok) finish(c, err);
  return ok;
}

static bool delete_digest(RegClient *c, const Ref *r, const char *digest, char **err) {
  char *scope = xasprintf("repository:%s:delete", r->repo);
  Call call = call_new(get_host(c, r->host), "DELETE", scope, "/v2/%s/manifests/%s", r->repo, digest);
  NetResponse resp;
  bool ok = call_send(c, &call, &resp, err);
  if (ok && resp.status != 202 && resp.status != 200) {
    *err = status_error(&call, &resp, resp.status == 405 ? "deletion disabled on the registry, " : NULL);
    ok = false;
  }
  net_response_free(&resp);
  call_free(&call);
  free(scope);
  return ok;
}

bool reg_delete(RegClient *c, const char *ref, char **err) {
  Ref r;
  if (!parse_ref(ref, false, &r, err)) return false;
  long status = 0;
  char *digest = NULL;
  bool ok = head_manifest(c, &r, &status, &digest, err);
  if (ok && status == 404) {
    *err = xasprintf("registry.delete %s: manifest unknown", ref);
    ok = false;
  }
  if (ok) ok = delete_digest(c, &r, digest, err);
  free(digest);
  ref_free(&r);
  if (!ok) finish(c, err);
  return ok;
}

static bool digest_in(const TagInfo *t, size_t n, const char *digest) {
  for (size_t i = 0; i < n; i++)
    if (t[i].digest && strcmp(t[i].digest, digest) == 0) return true;
  return false;
}

bool reg_prune(RegClient *c, const char *repo, const RegPrune *p, RegList *deleted, char **err) {
  *deleted = (RegList){0};
  Ref r;
  if (!parse_ref(repo, true, &r, err)) return false;
  Filter f, kept = {0};
  RegList tags = {0};
  TagInfo *cand = NULL, *stay = NULL;
  size_t ncand = 0, candcap = 0, nstay = 0, staycap = 0;
  bool ok = filter_init(&f, p->match, err) && (!p->keep || filter_init(&kept, p->keep, err)) &&
            tags_of(c, &r, &tags, err);
  for (size_t i = 0; ok && i < tags.n; i++) {
    TagInfo ti;
    if (filter_match(&f, tags.items[i]) && !(kept.code && filter_match(&kept, tags.items[i]))) {
      ok = tag_info(c, &r, tags.items[i], &ti, err);
      VEC_PUSH(cand, ncand, candcap, ti);
    } else { /* only its digest matters: it must survive */
      Ref one = {r.host, r.repo, tags.items[i], NULL};
      long status;
      ti = (TagInfo){xstrdup(tags.items[i]), NULL, 0};
      ok = head_manifest(c, &one, &status, &ti.digest, err);
      VEC_PUSH(stay, nstay, staycap, ti);
    }
  }
  if (ok) {
    qsort(cand, ncand, sizeof *cand, newest_first);
    int64_t now = (int64_t)time(NULL) * 1000;
    size_t keep = p->keep_last > 0 ? (size_t)p->keep_last : 0;
    for (size_t i = 0; i < ncand; i++) {
      bool young = p->older_than_ms > 0 && now - cand[i].created < p->older_than_ms;
      if (i < keep || young) {
        TagInfo moved = cand[i];
        cand[i] = (TagInfo){0};
        VEC_PUSH(stay, nstay, staycap, moved);
      }
    }
    RegList gone_digests = {0};
    for (size_t i = 0; ok && i < ncand; i++) {
      if (!cand[i].tag || digest_in(stay, nstay, cand[i].digest)) continue;
      bool already = false;
      for (size_t j = 0; j < gone_digests.n; j++)
        if (strcmp(gone_digests.items[j], cand[i].digest) == 0) already = true;
      if (!already && !p->dry_run) ok = delete_digest(c, &r, cand[i].digest, err);
      if (!already) list_add(&gone_digests, xstrdup(cand[i].digest));
      if (ok) list_add(deleted, xstrdup(cand[i].tag));
    }
    reg_list_free(&gone_digests);
  }
  tag_infos_free(cand, ncand);
  tag_infos_free(stay, nstay);
  reg_list_free(&tags);
  filter_free(&f);
  filter_free(&kept);
  ref_free(&r);
  if (!ok) {
    reg_list_free(deleted);
    finish(c, err);
  }
  return ok;
}

char *reg_latest(RegClient *c, const char *repo, const char *allow, RegStrategy strategy,
                 char **err) {
  *err = NULL;
  Ref r;
  if (!parse_ref(repo, true, &r, err)) return NULL;
  Filter f;
  RegList tags = {0};
  char *best = NULL;
  SemVer bv = {0};
  int64_t bt = 0;
  bool ok = filter_init(&f, allow, err) && tags_of(c, &r, &tags, err);
  for (size_t i = 0; ok && i < tags.n; i++) {
    const char *t = tags.items[i];
    if (!filter_match(&f, t)) continue;
    if (strategy == REG_SEMVER) {
      SemVer v;
      if (!semver_parse(t, &v, NULL)) continue;
      int cmp = best ? semver_compare(&v, &bv) : 1;
      if (cmp > 0 || (cmp == 0 && strcmp(t, best) > 0)) { /* equal versions: the greater text */
        best = tags.items[i];
        semver_free(&bv);
        bv = v;
      } else {
        semver_free(&v);
      }
    } else {
      TagInfo ti;
      ok = tag_info(c, &r, t, &ti, err);
      if (ok && (!best || ti.created > bt || (ti.created == bt && strcmp(t, best) > 0))) {
        best = tags.items[i];
        bt = ti.created;
      }
      free(ti.tag);
      free(ti.digest);
    }
  }
  char *out = ok && best ? xstrdup(best) : NULL;
  semver_free(&bv);
  reg_list_free(&tags);
  filter_free(&f);
  ref_free(&r);
  if (!ok) finish(c, err);
  return out;
}

/* ---- single blobs and manifests: OCI artifacts ---- */

bool reg_blob_push(RegClient *c, const char *repo, FILE *f, int64_t size, const char *digest, char **err) {
  Ref r;
  if (!parse_ref(repo, true, &r, err)) return false;
  char *scope = xasprintf("repository:%s:pull,push", r.repo);
  Host *h = get_host(c, r.host);
  Call head = call_new(h, "HEAD", scope, "/v2/%s/blobs/%s", r.repo, digest);
  NetResponse resp;
  bool ok = call_send(c, &head, &resp, err), present = ok && resp.status == 200;
  if (ok) net_response_free(&resp);
  Call post = call_new(h, "POST", scope, "/v2/%s/blobs/uploads/", r.repo);
  if (ok && !present && (ok = call_send(c, &post, &resp, err))) {
    const char *loc = net_header(&resp, "Location");
    char *location = resp.status == 202 && loc ? xstrdup(loc) : NULL;
    if (!location) {
      *err = status_error(&post, &resp, NULL);
      ok = false;
    }
    net_response_free(&resp);
    ok = ok && upload_blob(c, &r, location, digest, f, (long)size, err);
    free(location);
  }
  call_free(&post);
  call_free(&head);
  free(scope);
  ref_free(&r);
  if (!ok) finish(c, err);
  return ok;
}

bool reg_blob_pull(RegClient *c, const char *repo, const char *digest, FILE *f, char **err) {
  Ref r;
  if (!parse_ref(repo, true, &r, err)) return false;
  bool ok = download_blob(c, &r, digest, f, err);
  if (ok && (fflush(f) != 0 || fseek(f, 0, SEEK_SET) != 0)) {
    *err = xasprintf("blob %s of %s: cannot read it back", digest, repo);
    ok = false;
  }
  if (ok) { /* what came is what was asked for, read back as a stream */
    Sha256 *sha = sha256_new();
    char buf[1 << 16];
    for (size_t k; (k = fread(buf, 1, sizeof buf, f)) > 0;) sha256_update(sha, buf, k);
    char *got = sha256_finish(sha);
    if (strcmp(got, digest)) {
      *err = xasprintf("blob %s of %s: the content does not match its digest (got %s)", digest, repo, got);
      ok = false;
    }
    free(got);
  }
  ref_free(&r);
  if (!ok) finish(c, err);
  return ok;
}

bool reg_manifest_push(RegClient *c, const char *ref, const char *media_type, const char *body, size_t len,
                       char **digest_out, char **err) {
  Ref r;
  if (!parse_ref(ref, false, &r, err)) return false;
  Manifest m = {.body = (char *)body, .len = len, .media_type = (char *)media_type, .digest = sha256_digest(body, len)};
  bool ok = put_manifest(c, r.host, r.repo, ref_reference(&r), &m, digest_out, err);
  free(m.digest);
  ref_free(&r);
  if (!ok) finish(c, err);
  return ok;
}

char *reg_manifest_pull(RegClient *c, const char *ref, size_t *len, char **digest_out, char **err) {
  Ref r;
  if (!parse_ref(ref, false, &r, err)) return NULL;
  Manifest m;
  bool ok = get_manifest(c, r.host, r.repo, ref_reference(&r), &m, err);
  char *body = NULL;
  if (ok) {
    body = m.body;
    *len = m.len;
    if (digest_out) *digest_out = m.digest, m.digest = NULL;
    m.body = NULL;
    manifest_free(&m);
  }
  ref_free(&r);
  if (!ok) finish(c, err);
  return body;
}
