/* natives_net.c — yaml.*, http.* and registry.* for pipelines, over
 * prim/yaml.h (libyaml), prim/http.h and prim/registry.h (libcurl). One
 * HTTP connection and one anonymous registry client per run. */
#include <stdlib.h>
#include <string.h>

#include "prim/http.h"
#include "prim/registry.h"
#include "prim/yaml.h"
#include "eval/natives.h"

#define ARG(i, name, kind, req, out)                                                    \
  if (!native_arg(I, cs, args, nargs, (i), (name), (kind), (req), (out))) return false

static bool fail_msg(Interp *I, const CallSite *cs, char *msg) {
  char *shown = interp_mask(I, msg ? msg : "failed");
  interp_error(I, cs->src, cs->node->pos, "%s: %s", cs->name, shown);
  free(shown);
  free(msg);
  return false;
}

/* In a dry run: say it, do nothing (*out = stand_in). */
static bool dry(Interp *I, Value *out, Value stand_in, char *line) {
  if (!interp_dry_run(I)) {
    free(line);
    value_release(stand_in);
    return false;
  }
  char *shown = interp_mask(I, line);
  interp_emit(I, "stdout", shown);
  free(shown);
  free(line);
  *out = stand_in;
  return true;
}

/* ---- yaml ---- */

static bool n_yaml_read(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value file;
  ARG(0, "file", V_STRING, true, &file);
  char *err = NULL;
  return yaml_read_file(str_chars(file), out, &err) || fail_msg(I, cs, err);
}

static bool n_yaml_get(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value file, path;
  ARG(0, "file", V_STRING, true, &file);
  ARG(1, "path", V_STRING, true, &path);
  char *err = NULL;
  return yaml_get_file(str_chars(file), str_chars(path), out, &err) || fail_msg(I, cs, err);
}

static bool n_yaml_set(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value file, path, v;
  ARG(0, "file", V_STRING, true, &file);
  ARG(1, "path", V_STRING, true, &path);
  ARG(2, "value", V_NULL, false, &v);
  char *text = value_to_cstr(v);
  bool said = dry(I, out, V_NULL_VALUE, xasprintf("[dry-run] yaml.set %s %s = %s", str_chars(file), str_chars(path), text));
  free(text);
  if (said) return true;
  char *err = NULL;
  if (!yaml_set_file(str_chars(file), str_chars(path), v, &err)) return fail_msg(I, cs, err);
  *out = V_NULL_VALUE;
  return true;
}

static bool n_yaml_delete(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value file, path;
  ARG(0, "file", V_STRING, true, &file);
  ARG(1, "path", V_STRING, true, &path);
  if (dry(I, out, V_NULL_VALUE, xasprintf("[dry-run] yaml.delete %s %s", str_chars(file), str_chars(path))))
    return true;
  char *err = NULL;
  if (!yaml_delete_file(str_chars(file), str_chars(path), &err)) return fail_msg(I, cs, err);
  *out = V_NULL_VALUE;
  return true;
}

static bool n_yaml_parse(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value text;
  ARG(0, "text", V_STRING, true, &text);
  char *err = NULL;
  return yaml_load(str_chars(text), as_str(text)->len, "yaml.parse", out, &err) || fail_msg(I, cs, err);
}

static bool n_yaml_encode(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value v;
  ARG(0, "value", V_NULL, false, &v);
  Buf b = {0};
  yaml_encode(v, &b);
  *out = v_str(b.data ? b.data : "", b.len);
  buf_free(&b);
  return true;
}

/* ---- http ---- */

static void *make_net(void) { return net_new(); }
static void free_net(void *n) { net_free(n); }
static Net *net(Interp *I) { return interp_slot(I, "net", make_net, free_net); }

/* Response headers as a map with lower-case names. */
static Value headers_value(const NetResponse *r) {
  Value m = v_map();
  for (size_t i = 0; i < r->nheaders; i++) {
    char *name = xstrdup(r->headers[i].name);
    for (char *p = name; *p; p++)
      if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    map_set(m, name, v_cstr(r->headers[i].value));
    free(name);
  }
  return m;
}

static bool request(Interp *I, const CallSite *cs, const char *method, Value *args, int nargs, Value *out) {
  Value url, headers, json, body, timeout, retry;
  ARG(0, "url", V_STRING, true, &url);
  bool has_body = strcmp(method, "GET") && strcmp(method, "DELETE");
  ARG(has_body ? 3 : 1, "headers", V_MAP, false, &headers);
  if (has_body) {
    ARG(1, "json", V_NULL, false, &json);
    ARG(2, "body", V_STRING, false, &body);
  } else {
    json = body = V_NULL_VALUE;
  }
  ARG(has_body ? 4 : 2, "timeout", V_DURATION, false, &timeout);
  ARG(has_body ? 5 : 3, "retry", V_INT, false, &retry);
  HttpOptions opt = http_defaults();
  size_t nh = headers.kind == V_MAP ? map_len(headers) : 0;
  char **lines = xcalloc(nh + 1, sizeof *lines);
  for (size_t i = 0; i < nh; i++) {
    Value hv = as_map(headers)->vals[i];
    char *text = value_to_cstr(hv);
    if (value_is_secret(hv)) interp_add_secret(I, text);
    lines[i] = xasprintf("%s: %s", as_map(headers)->keys[i]->data, text);
    free(text);
  }
  opt.headers = (const char *const *)lines;
  opt.nheaders = nh;
  Buf jb = {0};
  if (json.kind != V_NULL) {
    json_encode(json, &jb, false);
    opt.json = jb.data;
  } else if (body.kind == V_STRING) {
    opt.body = str_chars(body);
    opt.body_len = as_str(body)->len;
  }
  if (timeout.kind == V_DURATION) opt.timeout_ms = (long)timeout.as.i;
  if (retry.kind == V_INT) opt.retries = (int)retry.as.i;
  bool ok;
  char *shown_url = net_redact_url(str_chars(url));
  if (has_body && dry(I, out, V_NULL_VALUE,
                      xasprintf("[dry-run] %s %s%s%s", method, shown_url, jb.data ? " " : "", jb.data ? jb.data : ""))) {
    *out = v_map();
    map_set(*out, "status", v_int(0));
    ok = true;
  } else {
    NetResponse r = {0};
    char *err = NULL;
    ok = http_request(net(I), method, str_chars(url), &opt, &r, &err);
    if (ok) {
      *out = v_map();
      map_set(*out, "status", v_int(r.status));
      map_set(*out, "headers", headers_value(&r));
      map_set(*out, "body", v_str(r.body ? r.body : "", r.body_len));
      Value parsed = V_NULL_VALUE;
      char *jerr = NULL;
      if (r.body_len && !json_parse(r.body, r.body_len, &parsed, &jerr)) parsed = V_NULL_VALUE;
      free(jerr);
      map_set(*out, "json", parsed); /* null unless the body is JSON */
      net_response_free(&r);
    } else {
      fail_msg(I, cs, err);
    }
  }
  free(shown_url);
  buf_free(&jb);
  for (size_t i = 0; i < nh; i++) free(lines[i]);
  free(lines);
  return ok;
}

static bool n_http_get(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  return request(I, cs, "GET", args, nargs, out);
}
static bool n_http_post(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  return request(I, cs, "POST", args, nargs, out);
}
static bool n_http_put(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  return request(I, cs, "PUT", args, nargs, out);
}
static bool n_http_delete(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  return request(I, cs, "DELETE", args, nargs, out);
}

static bool n_http_wait(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value url, status, timeout, every;
  ARG(0, "url", V_STRING, true, &url);
  ARG(1, "status", V_INT, false, &status);
  ARG(2, "timeout", V_DURATION, false, &timeout);
  ARG(3, "every", V_DURATION, false, &every);
  long got = 0;
  char *err = NULL;
  if (!http_wait(net(I), str_chars(url), status.kind == V_INT ? (long)status.as.i : 0,
                 timeout.kind == V_DURATION ? (long)timeout.as.i : 120000,
                 every.kind == V_DURATION ? (long)every.as.i : 2000, &got, &err))
    return fail_msg(I, cs, err);
  *out = v_int(got);
  return true;
}

/* ---- registry ---- */

static void *make_reg(void) {
  RegOptions o = {0};
  o.retries = -1;
  char *err = NULL;
  RegClient *c = reg_new(&o, &err);
  free(err);
  return c;
}
static void free_reg(void *c) { reg_free(c); }

/* The run's anonymous client, or one for the given credentials. */
static RegClient *reg_client(Interp *I, const CallSite *cs, Value user, Value password, bool *temporary) {
  *temporary = user.kind == V_STRING || password.kind == V_STRING;
  if (!*temporary) {
    RegClient *c = interp_slot(I, "registry", make_reg, free_reg);
    if (!c) interp_error(I, cs->src, cs->node->pos, "%s: cannot start a registry client", cs->name);
    return c;
  }
  if (password.kind == V_STRING) interp_add_secret(I, str_chars(password));
  RegOptions o = {0};
  o.retries = -1;
  o.username = user.kind == V_STRING ? str_chars(user) : NULL;
  o.password = password.kind == V_STRING ? str_chars(password) : NULL;
  char *err = NULL;
  RegClient *c = reg_new(&o, &err);
  if (!c) fail_msg(I, cs, err);
  return c;
}

static void reg_done(RegClient *c, bool temporary) {
  if (temporary) reg_free(c);
}

static Value list_value(RegList *l) {
  Value v = v_list();
  for (size_t i = 0; i < l->n; i++) list_push(v, v_cstr(l->items[i]));
  reg_list_free(l);
  return v;
}

/* The credentials are the last two parameters of every registry.* call. */
#define CREDS(first)                                                                    \
  Value user, password;                                                                 \
  ARG((first), "user", V_STRING, false, &user);                                         \
  ARG((first) + 1, "password", V_STRING, false, &password);                             \
  bool temporary;                                                                       \
  RegClient *c = reg_client(I, cs, user, password, &temporary);                         \
  if (!c) return false

static bool n_reg_tags(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value repo;
  ARG(0, "repo", V_STRING, true, &repo);
  CREDS(1);
  RegList l = {0};
  char *err = NULL;
  bool ok = reg_tags(c, str_chars(repo), &l, &err);
  reg_done(c, temporary);
  if (!ok) return fail_msg(I, cs, err);
  *out = list_value(&l);
  return true;
}

static bool n_reg_exists(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value ref;
  ARG(0, "ref", V_STRING, true, &ref);
  CREDS(1);
  char *err = NULL;
  int r = reg_exists(c, str_chars(ref), &err);
  reg_done(c, temporary);
  if (r < 0) return fail_msg(I, cs, err);
  *out = v_bool(r == 1);
  return true;
}

static bool n_reg_digest(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value ref;
  ARG(0, "ref", V_STRING, true, &ref);
  CREDS(1);
  char *err = NULL;
  char *d = reg_digest(c, str_chars(ref), &err);
  reg_done(c, temporary);
  if (!d) return fail_msg(I, cs, err);
  *out = v_str_take(d);
  return true;
}

static bool n_reg_copy(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value src, dst;
  ARG(0, "src", V_STRING, true, &src);
  ARG(1, "dst", V_STRING, true, &dst);
  if (dry(I, out, value_retain(dst), xasprintf("[dry-run] registry.copy %s %s", str_chars(src), str_chars(dst))))
    return true;
  CREDS(2);
  char *digest = NULL, *err = NULL;
  RegCopyStats st = {0};
  bool ok = reg_copy(c, str_chars(src), str_chars(dst), &digest, &st, &err);
  reg_done(c, temporary);
  if (!ok) return fail_msg(I, cs, err);
  *out = digest ? v_str_take(digest) : V_NULL_VALUE;
  return true;
}

static bool n_reg_delete(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value ref;
  ARG(0, "ref", V_STRING, true, &ref);
  if (dry(I, out, V_NULL_VALUE, xasprintf("[dry-run] registry.delete %s", str_chars(ref)))) return true;
  CREDS(1);
  char *err = NULL;
  bool ok = reg_delete(c, str_chars(ref), &err);
  reg_done(c, temporary);
  if (!ok) return fail_msg(I, cs, err);
  *out = V_NULL_VALUE;
  return true;
}

static const char *pattern_text(Value v) {
  return v.kind == V_REGEX ? as_regex(v)->pattern : v.kind == V_STRING ? str_chars(v) : NULL;
}

static bool n_reg_prune(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value repo, match, keep_last, older, keep, dry_run;
  ARG(0, "repo", V_STRING, true, &repo);
  ARG(1, "match", V_NULL, false, &match);
  ARG(2, "keep_last", V_INT, false, &keep_last);
  ARG(3, "older_than", V_DURATION, false, &older);
  ARG(4, "keep", V_NULL, false, &keep);
  ARG(5, "dry_run", V_BOOL, false, &dry_run);
  CREDS(6);
  RegPrune p = {pattern_text(match), pattern_text(keep), keep_last.kind == V_INT ? (int)keep_last.as.i : 0,
                older.kind == V_DURATION ? older.as.i : 0,
                interp_dry_run(I) || (dry_run.kind == V_BOOL && dry_run.as.b)};
  RegList deleted = {0};
  char *err = NULL;
  bool ok = reg_prune(c, str_chars(repo), &p, &deleted, &err);
  reg_done(c, temporary);
  if (!ok) return fail_msg(I, cs, err);
  *out = list_value(&deleted);
  if (p.dry_run) {
    char *what = value_to_cstr(*out);
    char *line = xasprintf("[dry-run] registry.prune %s would delete %s", str_chars(repo), what);
    interp_emit(I, "stdout", line);
    free(line);
    free(what);
  }
  return true;
}

static bool n_reg_latest(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value repo, allow, strategy;
  ARG(0, "repo", V_STRING, true, &repo);
  ARG(1, "allow", V_NULL, false, &allow);
  ARG(2, "strategy", V_STRING, false, &strategy);
  RegStrategy st = REG_SEMVER;
  if (strategy.kind == V_STRING) {
    if (!strcmp(str_chars(strategy), "newest")) st = REG_NEWEST;
    else if (strcmp(str_chars(strategy), "semver"))
      return fail_msg(I, cs, xasprintf("strategy must be \"semver\" or \"newest\", not \"%s\"", str_chars(strategy)));
  }
  CREDS(3);
  char *err = NULL;
  char *tag = reg_latest(c, str_chars(repo), pattern_text(allow), st, &err);
  reg_done(c, temporary);
  if (!tag && err) return fail_msg(I, cs, err);
  *out = tag ? v_str_take(tag) : V_NULL_VALUE;
  return true;
}

static const Native table[] = {
    {"yaml", "read", n_yaml_read},       {"yaml", "get", n_yaml_get},
    {"yaml", "set", n_yaml_set},         {"yaml", "delete", n_yaml_delete},
    {"yaml", "parse", n_yaml_parse},     {"yaml", "encode", n_yaml_encode},
    {"http", "get", n_http_get},         {"http", "post", n_http_post},
    {"http", "put", n_http_put},         {"http", "delete", n_http_delete},
    {"http", "wait", n_http_wait},
    {"registry", "tags", n_reg_tags},    {"registry", "exists", n_reg_exists},
    {"registry", "digest", n_reg_digest}, {"registry", "copy", n_reg_copy},
    {"registry", "delete", n_reg_delete}, {"registry", "prune", n_reg_prune},
    {"registry", "latest", n_reg_latest},
};

void natives_register_net(Interp *I) { interp_register(I, table, (int)(sizeof table / sizeof table[0])); }
