/* prim_http.c — http.*: requests and health checks over prim/http.h
 * (libcurl), one connection per run. */
#include <stdlib.h>
#include <string.h>

#include "eval/prim.h"
#include "prim/http.h"

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

/* A dry run's stand-in for a response. */
static Value no_response(void) {
  Value r = v_map();
  map_set(r, "status", v_int(0));
  return r;
}

static bool request(Interp *I, const CallSite *cs, const char *method, Value *args, int nargs, Value *out) {
  Value url, headers, json, body, timeout, retry;
  ARG(0, V_STRING, true, &url);
  bool has_body = strcmp(method, "GET") && strcmp(method, "DELETE");
  ARG(has_body ? 3 : 1, V_MAP, false, &headers);
  if (has_body) {
    ARG(1, V_NULL, false, &json);
    ARG(2, V_STRING, false, &body);
  } else {
    json = body = V_NULL_VALUE;
  }
  ARG(has_body ? 4 : 2, V_DURATION, false, &timeout);
  ARG(has_body ? 5 : 3, V_INT, false, &retry);
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
  if (has_body && prim_dry_run(I, out, no_response(), "%s %s%s%s", method, shown_url, jb.data ? " " : "",
                               jb.data ? jb.data : "")) {
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
      prim_fail(I, cs, err);
    }
  }
  free(shown_url);
  buf_free(&jb);
  for (size_t i = 0; i < nh; i++) free(lines[i]);
  free(lines);
  return ok;
}

static bool n_get(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  return request(I, cs, "GET", args, nargs, out);
}
static bool n_post(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  return request(I, cs, "POST", args, nargs, out);
}
static bool n_put(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  return request(I, cs, "PUT", args, nargs, out);
}
static bool n_delete(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  return request(I, cs, "DELETE", args, nargs, out);
}

static bool n_wait(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value url, status, timeout, every;
  ARG(0, V_STRING, true, &url);
  ARG(1, V_INT, false, &status);
  ARG(2, V_DURATION, true, &timeout);
  ARG(3, V_DURATION, true, &every);
  long got = 0;
  char *err = NULL;
  if (!http_wait(net(I), str_chars(url), status.kind == V_INT ? (long)status.as.i : 0, (long)timeout.as.i,
                 (long)every.as.i, &got, &err))
    return prim_fail(I, cs, err);
  *out = v_int(got);
  return true;
}

static const Primitive prims[] = {
    {"get", "url headers? timeout? retry?", n_get,
     "`{status, headers, body, json}` (`json` is null unless the body is JSON)"},
    {"post", "url json? body? headers? timeout? retry?", n_post,
     "the same; `json:` sends the encoded value, `body:` a text as is"},
    {"put", "url json? body? headers? timeout? retry?", n_put, "the same"},
    {"delete", "url headers? timeout? retry?", n_delete, "the same"},
    {"wait", "url status? timeout=2m every=2s", n_wait,
     "the status seen once the URL answers `status` (any 2xx when not given); raises on timeout"},
};

const PrimFamily prim_family_http = PRIM_FAMILY(
    "http", "libcurl. Connection errors and 5xx are retried with backoff; a 4xx is returned, not raised.",
    "primitives-http.md", prims);
