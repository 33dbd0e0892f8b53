/* test_registry.c — unit tests of the network primitives' pure parts, and
 * (with arguments) a command-line driver of the registry and http APIs
 * that tests/registry.sh, tests/http.sh and bench/registry-copy.sh run
 * against real servers.
 *
 *   test_registry                      run the unit tests
 *   test_registry [-u USER -p PASS] [-c CONFIG.json] [-n PAGE] [-t MS] [-r N] CMD ARGS
 *     tags REPO | exists REF | digest REF | copy SRC DST | delete REF
 *     copyn N SRC DST   N copies in one client, "{}" in DST replaced by 0..N-1;
 *                       prints the median milliseconds per copy
 *     prune REPO MATCH KEEP OLDER_MS [dry] | latest REPO ALLOW semver|newest
 *     http METHOD URL [-H LINE]... [-j JSON] [-b BODY]
 *     wait URL STATUS TIMEOUT_MS EVERY_MS */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prim/http.h"
#include "prim/net.h"
#include "prim/registry.h"
#include "core/util.h"

static int failures, checks;

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    checks++;                                                                                      \
    if (!(cond)) {                                                                                 \
      failures++;                                                                                  \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                     \
    }                                                                                              \
  } while (0)

static void check_str(const char *got, const char *want, int line) {
  checks++;
  if (!got || strcmp(got, want) != 0) {
    failures++;
    fprintf(stderr, "%s:%d: got '%s', want '%s'\n", __FILE__, line, got ? got : "(null)", want);
  }
}
#define CHECK_STR(got, want) check_str((got), (want), __LINE__)

static void test_redact(void) {
  char *s = net_redact_url("https://alice:hunter2@reg.example.com:5000/v2/x?n=2&token=abc&last=b");
  CHECK_STR(s, "https://reg.example.com:5000/v2/x?n=2&token=***&last=b");
  CHECK(!strstr(s, "hunter2") && !strstr(s, "abc"));
  free(s);
  s = net_redact_url("http://h/p?a=1#frag");
  CHECK_STR(s, "http://h/p?a=1#frag");
  free(s);
  s = net_redact_url("http://h/p?X-Amz-Signature=zzz&password=p");
  CHECK_STR(s, "http://h/p?X-Amz-Signature=***&password=***");
  free(s);
}

static void test_refs(void) {
  RegOptions o = {.docker_config = "/nonexistent/config.json", .retries = 0};
  char *err = NULL;
  RegClient *c = reg_new(&o, &err);
  CHECK(c != NULL);
  const char *bad[] = {"Host:5000/UPPER:tag", "127.0.0.1:1/repo:t@sha256:abc", "127.0.0.1:1/re po",
                       "127.0.0.1:1/repo:-bad"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    err = NULL;
    CHECK(reg_exists(c, bad[i], &err) == -1);
    CHECK(err && strstr(err, bad[i]));
    free(err);
  }
  RegList l;
  err = NULL;
  CHECK(!reg_tags(c, "127.0.0.1:1/repo:tag", &l, &err));
  CHECK(err && strstr(err, "without tag"));
  free(err);
  /* Nothing listens on port 1: an error naming the URL, not a crash. */
  err = NULL;
  CHECK(!reg_tags(c, "127.0.0.1:1/some/repo", &l, &err));
  CHECK(err && strstr(err, "http://127.0.0.1:1/v2/some/repo/tags/list"));
  free(err);
  err = NULL;
  CHECK(reg_latest(c, "127.0.0.1:1/repo", "(", REG_SEMVER, &err) == NULL);
  CHECK(err && strstr(err, "bad regex"));
  free(err);
  reg_free(c);
}

static void test_docker_config(void) {
  char path[] = "/tmp/rp-test-config-XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  const char *bad = "{\"auths\":{\"127.0.0.1:1\":{\"auth\":\"!!notbase64\"}}}";
  CHECK(write(fd, bad, strlen(bad)) == (ssize_t)strlen(bad));
  close(fd);
  RegOptions o = {.docker_config = path};
  char *err = NULL;
  CHECK(reg_new(&o, &err) == NULL);
  CHECK(err && strstr(err, path) && strstr(err, "127.0.0.1:1") && !strstr(err, "notbase64"));
  free(err);
  unlink(path);
}

static int unit_tests(void) {
  test_redact();
  test_refs();
  test_docker_config();
  printf("%d checks, %d failed\n", checks, failures);
  return failures ? 1 : 0;
}

/* ---- driver ---- */

static int fail(char *err) {
  fprintf(stderr, "error: %s\n", err ? err : "(no message)");
  free(err);
  return 1;
}

static int print_list(bool ok, RegList *l, char *err) {
  if (!ok) return fail(err);
  for (size_t i = 0; i < l->n; i++) puts(l->items[i]);
  reg_list_free(l);
  return 0;
}

static int run_http(int argc, char **argv) {
  if (argc < 2) return 2;
  const char *hdrs[16];
  HttpOptions o = http_defaults();
  o.headers = hdrs;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "-H") == 0 && o.nheaders < 16) hdrs[o.nheaders++] = argv[i + 1];
    else if (strcmp(argv[i], "-j") == 0) o.json = argv[i + 1];
    else if (strcmp(argv[i], "-b") == 0) o.body = argv[i + 1], o.body_len = strlen(argv[i + 1]);
    else if (strcmp(argv[i], "-t") == 0) o.timeout_ms = atol(argv[i + 1]);
    else if (strcmp(argv[i], "-r") == 0) o.retries = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "-R") == 0) o.max_redirects = atoi(argv[i + 1]);
    else return 2;
  }
  Net *net = net_new();
  NetResponse resp;
  char *err = NULL;
  bool ok = http_request(net, argv[0], argv[1], &o, &resp, &err);
  net_free(net);
  if (!ok) return fail(err);
  printf("status %ld\n", resp.status);
  for (size_t i = 0; i < resp.nheaders; i++)
    printf("header %s: %s\n", resp.headers[i].name, resp.headers[i].value);
  printf("body %s\n", resp.body);
  net_response_free(&resp);
  return 0;
}

static int run_wait(int argc, char **argv) {
  if (argc < 4) return 2;
  Net *net = net_new();
  char *err = NULL;
  long got = 0;
  bool ok = http_wait(net, argv[0], atol(argv[1]), atol(argv[2]), atol(argv[3]), &got, &err);
  net_free(net);
  if (!ok) return fail(err);
  printf("status %ld\n", got);
  return 0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The in-process cost of a copy, as a pipeline step pays it: no process
 * start-up, the client's connection and tokens reused. */
static int copy_n(RegClient *c, int n, const char *src, const char *dst_pattern) {
  if (n <= 0) return 2;
  double *ms = xcalloc((size_t)n, sizeof *ms);
  const char *hole = strstr(dst_pattern, "{}");
  if (!hole) return free(ms), 2;
  for (int i = 0; i < n; i++) {
    char *dst = xasprintf("%.*s%d%s", (int)(hole - dst_pattern), dst_pattern, i, hole + 2);
    char *err = NULL;
    int64_t t0 = net_now_ms();
    bool ok = reg_copy(c, src, dst, NULL, NULL, &err);
    ms[i] = (double)(net_now_ms() - t0);
    free(dst);
    if (!ok) return free(ms), fail(err);
  }
  qsort(ms, (size_t)n, sizeof *ms, cmp_double);
  printf("%.1f\n", n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2);
  free(ms);
  return 0;
}

static int run_registry(RegOptions *o, int argc, char **argv) {
  const char *cmd = argv[0];
  char *err = NULL;
  RegClient *c = reg_new(o, &err);
  if (!c) return fail(err);
  int rc = 0;
  RegList l;
  if (strcmp(cmd, "tags") == 0 && argc == 2) {
    bool ok = reg_tags(c, argv[1], &l, &err);
    rc = print_list(ok, &l, err);
  } else if (strcmp(cmd, "exists") == 0 && argc == 2) {
    int e = reg_exists(c, argv[1], &err);
    rc = e < 0 ? fail(err) : (puts(e ? "true" : "false"), 0);
  } else if (strcmp(cmd, "digest") == 0 && argc == 2) {
    char *d = reg_digest(c, argv[1], &err);
    rc = d ? (puts(d), 0) : fail(err);
    free(d);
  } else if (strcmp(cmd, "copy") == 0 && argc == 3) {
    char *d = NULL;
    RegCopyStats st;
    if (reg_copy(c, argv[1], argv[2], &d, &st, &err)) {
      printf("%s\nmanifests=%d mounted=%d present=%d streamed=%d requests=%d\n", d, st.manifests,
             st.blobs_mounted, st.blobs_present, st.blobs_streamed, st.requests);
      free(d);
    } else {
      rc = fail(err);
    }
  } else if (strcmp(cmd, "copyn") == 0 && argc == 4) {
    rc = copy_n(c, atoi(argv[1]), argv[2], argv[3]);
  } else if (strcmp(cmd, "delete") == 0 && argc == 2) {
    rc = reg_delete(c, argv[1], &err) ? 0 : fail(err);
  } else if (strcmp(cmd, "prune") == 0 && (argc == 5 || argc == 6)) {
    RegPrune p = {.match = *argv[2] ? argv[2] : NULL, .keep_last = atoi(argv[3]),
                  .older_than_ms = atoll(argv[4]), .dry_run = argc == 6};
    bool ok = reg_prune(c, argv[1], &p, &l, &err);
    rc = print_list(ok, &l, err);
  } else if (strcmp(cmd, "latest") == 0 && argc == 4) {
    RegStrategy s = strcmp(argv[3], "newest") == 0 ? REG_NEWEST : REG_SEMVER;
    char *t = reg_latest(c, argv[1], *argv[2] ? argv[2] : NULL, s, &err);
    rc = t ? (puts(t), 0) : err ? fail(err) : (puts("(none)"), 0);
    free(t);
  } else {
    rc = 2;
  }
  if (getenv("RP_TEST_COUNT_REQUESTS")) fprintf(stderr, "requests=%d\n", reg_request_count(c));
  reg_free(c);
  return rc;
}

int main(int argc, char **argv) {
  if (argc == 1) return unit_tests();
  RegOptions o = {.retries = -1};
  int i = 1;
  for (; i + 1 < argc && argv[i][0] == '-' && argv[i][1] && !argv[i][2]; i += 2) {
    switch (argv[i][1]) {
    case 'u': o.username = argv[i + 1]; break;
    case 'p': o.password = argv[i + 1]; break;
    case 'c': o.docker_config = argv[i + 1]; break;
    case 'n': o.page_size = atoi(argv[i + 1]); break;
    case 't': o.timeout_ms = atol(argv[i + 1]); break;
    case 'r': o.retries = atoi(argv[i + 1]); break;
    default: return 2;
    }
  }
  if (i >= argc) return 2;
  int rc;
  if (strcmp(argv[i], "http") == 0) rc = run_http(argc - i - 1, argv + i + 1);
  else if (strcmp(argv[i], "wait") == 0) rc = run_wait(argc - i - 1, argv + i + 1);
  else rc = run_registry(&o, argc - i, argv + i);
  if (rc == 2) fprintf(stderr, "usage: see the comment at the top of test_registry.c\n");
  return rc;
}
