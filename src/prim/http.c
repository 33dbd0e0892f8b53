/* http.c — http.get/post/put/delete/wait over net.c. */
#include "prim/http.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"

HttpOptions http_defaults(void) {
  return (HttpOptions){.retries = -1, .max_redirects = -1};
}

static bool names_content_type(const HttpOptions *opt) {
  for (size_t i = 0; i < opt->nheaders; i++)
    if (strncasecmp(opt->headers[i], "Content-Type:", 13) == 0) return true;
  return false;
}

bool http_request(Net *net, const char *method, const char *url, const HttpOptions *opt,
                  NetResponse *resp, char **err) {
  HttpOptions def = http_defaults();
  if (!opt) opt = &def;
  NetRequest req;
  net_request_init(&req, method, url);
  if (opt->timeout_ms > 0) req.timeout_ms = opt->timeout_ms;
  if (opt->retries >= 0) req.retries = opt->retries;
  if (opt->backoff_ms > 0) req.backoff_ms = opt->backoff_ms;
  if (opt->max_redirects >= 0) req.max_redirects = opt->max_redirects;

  /* The caller's headers, plus a JSON content type unless they chose one. */
  const char **hdrs = xcalloc(opt->nheaders + 1, sizeof *hdrs);
  size_t n = 0;
  for (size_t i = 0; i < opt->nheaders; i++) hdrs[n++] = opt->headers[i];
  if (opt->json) {
    req.body = opt->json;
    req.body_len = strlen(opt->json);
    if (!names_content_type(opt)) hdrs[n++] = "Content-Type: application/json";
  } else if (opt->body) {
    req.body = opt->body;
    req.body_len = opt->body_len;
  }
  req.headers = hdrs;
  req.nheaders = n;
  bool ok = net_perform(net, &req, resp, err);
  free(hdrs);
  return ok;
}

bool http_get(Net *net, const char *url, const HttpOptions *opt, NetResponse *resp, char **err) {
  return http_request(net, "GET", url, opt, resp, err);
}

bool http_post(Net *net, const char *url, const HttpOptions *opt, NetResponse *resp, char **err) {
  return http_request(net, "POST", url, opt, resp, err);
}

bool http_put(Net *net, const char *url, const HttpOptions *opt, NetResponse *resp, char **err) {
  return http_request(net, "PUT", url, opt, resp, err);
}

bool http_delete(Net *net, const char *url, const HttpOptions *opt, NetResponse *resp,
                 char **err) {
  return http_request(net, "DELETE", url, opt, resp, err);
}

static bool status_matches(long got, long want) {
  return want == 0 ? got >= 200 && got < 300 : got == want;
}

bool http_wait(Net *net, const char *url, long status, long timeout_ms, long every_ms, long *got,
               char **err) {
  if (every_ms <= 0) every_ms = 1000;
  int64_t deadline = net_now_ms() + (timeout_ms > 0 ? timeout_ms : 60000);
  char *last = NULL;
  for (;;) {
    int64_t left = deadline - net_now_ms();
    /* Each probe is a single attempt: polling is the retry. */
    HttpOptions opt = http_defaults();
    opt.retries = 0;
    opt.timeout_ms = left < 10000 ? (left > 0 ? left : 1) : 10000;
    NetResponse resp;
    char *perr = NULL;
    if (http_get(net, url, &opt, &resp, &perr)) {
      long st = resp.status;
      net_response_free(&resp);
      if (status_matches(st, status)) {
        free(last);
        if (got) *got = st;
        return true;
      }
      free(last);
      last = xasprintf("last status %ld", st);
    } else if (!net_failure_transient(net)) { /* waiting will not fix a bad URL */
      free(last);
      *err = perr;
      return false;
    } else {
      free(last);
      last = perr;
    }
    if (net_now_ms() + every_ms > deadline) break;
    net_sleep_ms(every_ms);
  }
  char *u = net_redact_url(url);
  Buf want = {0};
  if (status) buf_printf(&want, "%ld", status);
  else buf_puts(&want, "2xx");
  *err = xasprintf("http.wait %s: no %s within %ld ms (%s)", u, want.data, timeout_ms, last);
  buf_free(&want);
  free(u);
  free(last);
  return false;
}
