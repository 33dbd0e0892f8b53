/* net.h — HTTP requests over libcurl, shared by the http and registry
 * primitives.
 *
 * One Net holds one CURL easy handle that every request reuses, so
 * requests to the same host share a kept-alive connection (and TLS
 * session). A request is retried, with exponential backoff, after a
 * connection error or a 5xx answer; a 4xx answer is returned at once.
 * Errors are values: false plus a malloc'd message that names the
 * method and the URL with any user:password@ and secret-looking query
 * values replaced by "***". Header values are never put in messages. */
#ifndef RP_PRIM_NET_H
#define RP_PRIM_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct Net Net;

typedef struct NetHeader {
  char *name, *value;
} NetHeader;

/* The final response (after redirects): its status, headers and body. */
typedef struct NetResponse {
  long status;
  NetHeader *headers;
  size_t nheaders, headers_cap;
  char *body; /* NUL-terminated; empty when the body went to `download` */
  size_t body_len;
} NetResponse;

typedef struct NetRequest {
  const char *method; /* GET, HEAD, POST, PUT, PATCH, DELETE, ... */
  const char *url;
  const char *const *headers; /* "Name: value" lines */
  size_t nheaders;
  const char *body; /* in-memory body (may be NULL with body_len 0) */
  size_t body_len;
  FILE *upload;         /* or a body read from this file, from its start */
  int64_t upload_len;
  FILE *download;       /* when set, a 2xx body is written here instead */
  long timeout_ms;      /* whole request; 0 = none (then low_speed applies) */
  long connect_timeout_ms;
  int retries;          /* extra attempts after connection errors and 5xx */
  long backoff_ms;      /* pause before the first retry; doubles each time */
  int max_redirects;    /* 0 = do not follow redirects */
  size_t max_body;      /* larger in-memory bodies are an error */
} NetRequest;

Net *net_new(void);
void net_free(Net *net);

/* Defaults: 30 s timeout, 10 s to connect, 2 retries from 200 ms,
 * 5 redirects, 64 MiB body limit. */
void net_request_init(NetRequest *req, const char *method, const char *url);

/* Performs `req`. True when an HTTP response arrived (any status, 4xx and
 * 5xx included: retries exhausted, the last answer is returned); false
 * with *err on a transport error, a redirect loop or an oversized body. */
bool net_perform(Net *net, const NetRequest *req, NetResponse *resp, char **err);
void net_response_free(NetResponse *resp);

/* After net_perform failed: whether trying again later could succeed
 * (connection refused, timeout, ...) rather than never (a malformed URL,
 * an unsupported scheme, a redirect loop, a certificate problem). */
bool net_failure_transient(const Net *net);

/* First header named `name` (case-insensitive), or NULL. */
const char *net_header(const NetResponse *resp, const char *name);

/* `url` fit for a message: without its userinfo (strip_userinfo), and the
 * values of query parameters whose names suggest a secret (token,
 * password, secret, key, sig, credential, auth) replaced by "***". Malloc'd. */
char *net_redact_url(const char *url);

/* Current monotonic time in milliseconds (for deadlines and backoff). */
int64_t net_now_ms(void);
void net_sleep_ms(long ms);

#endif
