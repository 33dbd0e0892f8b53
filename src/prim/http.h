/* http.h — the http.* primitives: get, post, put, delete and wait.
 *
 * A thin layer over net.h that the interpreter wraps into rp values:
 * each call returns {status, headers, body}. Any status is a result, not
 * an error (a pipeline decides what a 404 means); errors are transport
 * failures, named with the (redacted) URL. */
#ifndef RP_PRIM_HTTP_H
#define RP_PRIM_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "prim/net.h"

typedef struct HttpOptions {
  const char *const *headers; /* "Name: value" lines */
  size_t nheaders;
  const char *json;     /* body text sent with Content-Type: application/json */
  const char *body;     /* or a raw body (Content-Type from `headers`) */
  size_t body_len;
  long timeout_ms;      /* per attempt; 0 = 30 s */
  int retries;          /* extra attempts on connection errors and 5xx; <0 = 2 */
  long backoff_ms;      /* 0 = 200 ms, doubling */
  int max_redirects;    /* <0 = 5; 0 = do not follow */
} HttpOptions;

/* HttpOptions with the defaults above. */
HttpOptions http_defaults(void);

/* `method` any HTTP verb. `opt` may be NULL for the defaults. */
bool http_request(Net *net, const char *method, const char *url, const HttpOptions *opt,
                  NetResponse *resp, char **err);
bool http_get(Net *net, const char *url, const HttpOptions *opt, NetResponse *resp, char **err);
bool http_post(Net *net, const char *url, const HttpOptions *opt, NetResponse *resp, char **err);
bool http_put(Net *net, const char *url, const HttpOptions *opt, NetResponse *resp, char **err);
bool http_delete(Net *net, const char *url, const HttpOptions *opt, NetResponse *resp, char **err);

/* Polls `url` with GET every `every_ms` until it answers `status` (0: any
 * 2xx), for at most `timeout_ms`. Connection errors count as "not yet";
 * errors that waiting cannot cure (a malformed URL) end it at once.
 * On success *got is the status seen; on timeout false, with a message
 * naming the URL and the last status or error. */
bool http_wait(Net *net, const char *url, long status, long timeout_ms, long every_ms, long *got,
               char **err);

#endif
