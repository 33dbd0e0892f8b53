/* net.c — HTTP requests over one reused libcurl easy handle. */
#include "config.h"
#include "prim/net.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"

struct Net {
  CURL *curl;
  bool transient; /* of the last failure */
};

Net *net_new(void) {
  /* Reference-counted inside libcurl; cheap after the first call. */
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return NULL;
  Net *net = xcalloc(1, sizeof *net);
  net->curl = curl_easy_init();
  if (!net->curl) {
    free(net);
    curl_global_cleanup();
    return NULL;
  }
  return net;
}

void net_free(Net *net) {
  if (!net) return;
  curl_easy_cleanup(net->curl);
  free(net);
  curl_global_cleanup();
}

void net_request_init(NetRequest *req, const char *method, const char *url) {
  *req = (NetRequest){
      .method = method,
      .url = url,
      .timeout_ms = 30000,
      .connect_timeout_ms = 10000,
      .retries = 2,
      .backoff_ms = 200,
      .max_redirects = 5,
      .max_body = (size_t)64 << 20,
  };
}

int64_t net_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void net_sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

/* ---- URL redaction ---- */

static bool secret_param(const char *name, size_t len) {
  static const char *const words[] = {"token", "password", "passwd", "secret", "key",
                                      "sig", "credential", "auth"};
  char low[64];
  if (len >= sizeof low) len = sizeof low - 1;
  for (size_t i = 0; i < len; i++) low[i] = (char)tolower((unsigned char)name[i]);
  low[len] = 0;
  for (size_t i = 0; i < sizeof words / sizeof *words; i++)
    if (strstr(low, words[i])) return true;
  return false;
}

char *net_redact_url(const char *url) {
  char *plain = strip_userinfo(url);
  const char *p = plain, *q = strchr(p, '?');
  if (!q) return plain;
  Buf b = {0};
  buf_putn(&b, p, (size_t)(q - p) + 1);
  for (p = q + 1; *p && *p != '#';) {
    size_t plen = strcspn(p, "&#");
    const char *eq = memchr(p, '=', plen);
    if (eq && secret_param(p, (size_t)(eq - p))) {
      buf_putn(&b, p, (size_t)(eq - p) + 1);
      buf_puts(&b, "***");
    } else {
      buf_putn(&b, p, plen);
    }
    p += plen;
    if (*p == '&') buf_putc(&b, *p++);
  }
  buf_puts(&b, p);
  free(plain);
  return buf_take(&b);
}

/* ---- response collection ---- */

typedef struct Transfer {
  CURL *curl;
  const NetRequest *req;
  NetResponse *resp;
  Buf body;
  bool too_big, download_failed;
} Transfer;

static void clear_headers(NetResponse *resp) {
  for (size_t i = 0; i < resp->nheaders; i++) {
    free(resp->headers[i].name);
    free(resp->headers[i].value);
  }
  resp->nheaders = 0;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud) {
  Transfer *t = ud;
  size_t len = size * n;
  if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
    clear_headers(t->resp); /* a new response (after a redirect or 100) */
    return len;
  }
  const char *colon = memchr(data, ':', len);
  if (!colon || colon == data) return len;
  const char *v = colon + 1, *end = data + len;
  while (v < end && (*v == ' ' || *v == '\t')) v++;
  while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ')) end--;
  NetHeader h = {xstrndup(data, (size_t)(colon - data)), xstrndup(v, (size_t)(end - v))};
  VEC_PUSH(t->resp->headers, t->resp->nheaders, t->resp->headers_cap, h);
  return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *ud) {
  Transfer *t = ud;
  size_t len = size * n;
  long status = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  if (t->req->download && status >= 200 && status < 300) {
    if (fwrite(data, 1, len, t->req->download) != len) {
      t->download_failed = true;
      return 0;
    }
    return len;
  }
  if (t->body.len + len > t->req->max_body) {
    t->too_big = true;
    return 0;
  }
  buf_putn(&t->body, data, len);
  return len;
}

static size_t on_read(char *data, size_t size, size_t n, void *ud) {
  const NetRequest *req = ud;
  size_t got = fread(data, size, n, req->upload);
  if (got == 0 && ferror(req->upload)) return CURL_READFUNC_ABORT;
  return got;
}

/* ---- one attempt ---- */

static struct curl_slist *build_headers(const NetRequest *req) {
  struct curl_slist *list = NULL;
  for (size_t i = 0; i < req->nheaders; i++) list = curl_slist_append(list, req->headers[i]);
  /* Large bodies would otherwise wait a second for "100 Continue". */
  list = curl_slist_append(list, "Expect:");
  return list;
}

static bool is(const char *method, const char *name) { return strcmp(method, name) == 0; }

/* The body and the verb. CURLOPT_CUSTOMREQUEST is only set when curl's
 * own choice (GET, HEAD, POST for fields, PUT for uploads) is not the
 * verb, since a custom verb also sticks across 303 redirects. */
static void set_body(CURL *c, const NetRequest *req) {
  const char *m = req->method;
  const char *implied = "GET";
  if (is(m, "HEAD")) {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    implied = "HEAD";
  } else if (req->upload) {
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(c, CURLOPT_READDATA, req);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)req->upload_len);
    implied = "PUT";
  } else if (req->body || is(m, "POST") || is(m, "PUT") || is(m, "PATCH")) {
    /* An empty body still goes as "Content-Length: 0", as servers expect. */
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body ? req->body : "");
    implied = "POST";
  }
  if (!is(m, implied)) curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m);
}

static CURLcode attempt(Net *net, const NetRequest *req, Transfer *t, char *errbuf) {
  CURL *c = net->curl;
  /* The handle was reset after its last use (options only: its
   * connection cache survives, so requests reuse connections). */
  curl_easy_setopt(c, CURLOPT_URL, req->url);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, t);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, t);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_USERAGENT, "rp/" PACKAGE_VERSION);
  if (req->max_redirects > 0) {
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, (long)req->max_redirects);
  }
  if (req->timeout_ms > 0) {
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, req->timeout_ms);
  } else {
    /* No overall limit for big transfers, but a stalled one still ends. */
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
  }
  long ct = req->connect_timeout_ms;
  if (req->timeout_ms > 0 && (ct <= 0 || ct > req->timeout_ms)) ct = req->timeout_ms;
  if (ct > 0) curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, ct);
  set_body(c, req);
  struct curl_slist *hdrs = build_headers(req);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);

  CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &t->resp->status);
  /* Drop the pointers to this call's stack and header list at once. */
  curl_easy_reset(c);
  curl_slist_free_all(hdrs);
  return rc;
}

/* Transport errors worth another try: the peer may come back. */
static bool transient(CURLcode rc) {
  switch (rc) {
  case CURLE_COULDNT_CONNECT:
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_OPERATION_TIMEDOUT:
  case CURLE_GOT_NOTHING:
  case CURLE_SEND_ERROR:
  case CURLE_RECV_ERROR:
  case CURLE_PARTIAL_FILE:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
    return true;
  default:
    return false;
  }
}

static bool rewind_files(const NetRequest *req) {
  if (req->upload && fseek(req->upload, 0, SEEK_SET) != 0) return false;
  if (req->download) {
    if (fflush(req->download) != 0 || fseek(req->download, 0, SEEK_SET) != 0) return false;
    if (ftruncate(fileno(req->download), 0) != 0) return false;
  }
  return true;
}

static char *transport_error(const NetRequest *req, CURLcode rc, const char *errbuf,
                             const Transfer *t, int attempts) {
  char *url = net_redact_url(req->url);
  const char *why = errbuf[0] ? errbuf : curl_easy_strerror(rc);
  if (t->too_big) why = "response body too large";
  if (t->download_failed) why = "cannot write the downloaded body";
  if (rc == CURLE_TOO_MANY_REDIRECTS) why = "too many redirects (a redirect loop?)";
  char *msg = attempts > 1 ? xasprintf("%s %s: %s (after %d attempts)", req->method, url, why, attempts)
                           : xasprintf("%s %s: %s", req->method, url, why);
  free(url);
  return msg;
}

bool net_perform(Net *net, const NetRequest *req, NetResponse *resp, char **err) {
  *resp = (NetResponse){0};
  long pause = req->backoff_ms > 0 ? req->backoff_ms : 100;
  for (int n = 0;; n++) {
    char errbuf[CURL_ERROR_SIZE] = "";
    Transfer t = {.curl = net->curl, .req = req, .resp = resp};
    clear_headers(resp);
    resp->status = 0;
    if (!rewind_files(req)) {
      char *url = net_redact_url(req->url);
      *err = xasprintf("%s %s: cannot rewind the request body", req->method, url);
      free(url);
      net_response_free(resp);
      return false;
    }
    CURLcode rc = attempt(net, req, &t, errbuf);
    bool retry = n < req->retries &&
                 (rc == CURLE_OK ? resp->status >= 500 : transient(rc) && !t.too_big);
    if (!retry) {
      net->transient = rc != CURLE_OK && transient(rc) && !t.too_big;
      if (rc != CURLE_OK) {
        *err = transport_error(req, rc, errbuf, &t, n + 1);
        buf_free(&t.body);
        net_response_free(resp);
        return false;
      }
      resp->body_len = t.body.len;
      resp->body = t.body.data ? buf_take(&t.body) : xstrdup("");
      return true;
    }
    buf_free(&t.body);
    net_sleep_ms(pause);
    pause *= 2;
  }
}

void net_response_free(NetResponse *resp) {
  clear_headers(resp);
  free(resp->headers);
  free(resp->body);
  *resp = (NetResponse){0};
}

bool net_failure_transient(const Net *net) { return net->transient; }

const char *net_header(const NetResponse *resp, const char *name) {
  for (size_t i = 0; i < resp->nheaders; i++)
    if (strcasecmp(resp->headers[i].name, name) == 0) return resp->headers[i].value;
  return NULL;
}
