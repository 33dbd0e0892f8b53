/* test_exec.c — the spawn core: argv (no shell), stdin, capture, lines. */
#include <stdlib.h>
#include <string.h>

#include "check_exec.h"
#include "prim/exec.h"
#include "prim/sh.h"
#include "core/util.h"

typedef struct Lines {
  Buf text;
  int n;
} Lines;

static size_t collect(void *ctx, const char *stream, const char *data, size_t len, bool whole) {
  Lines *l = ctx;
  for (const char *p = data, *end = data + len; whole && p < end;) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    buf_printf(&l->text, "%s:%.*s|", stream, (int)n, p);
    l->n++;
    p += n + 1;
  }
  return len;
}

static void test_argv_is_not_a_shell(void) {
  char *argv[] = {"printf", "%s\\n", "$HOME; echo pwned", "a b", NULL};
  Lines l = {0};
  ExecOptions o = {.argv = argv, .capture_limit = 1024, .on_lines = collect, .ctx = &l};
  ExecResult r;
  char *err = NULL;
  CHECK(exec_run(&o, &r, &err));
  CHECK(r.code == 0);
  CHECK_STR(r.out, "$HOME; echo pwned\na b\n");
  CHECK_STR(l.text.data, "stdout:$HOME; echo pwned|stdout:a b|");
  exec_result_free(&r);
  buf_free(&l.text);
}

static void test_stdin_and_stderr(void) {
  char *argv[] = {"sh", "-c", "tr a-z A-Z; echo oops >&2; exit 3", NULL};
  ExecOptions o = {.argv = argv, .input = "hello\nworld", .input_len = 11, .capture_limit = 1024};
  ExecResult r;
  char *err = NULL;
  CHECK(exec_run(&o, &r, &err));
  CHECK(r.code == 3);
  CHECK_STR(r.out, "HELLO\nWORLD");
  CHECK_STR(r.err, "oops\n");
  exec_result_free(&r);
}

/* more input than a pipe holds, to a program that reads none of it: no
 * SIGPIPE death, no deadlock */
static void test_unread_input(void) {
  size_t n = 1 << 20;
  char *big = xmalloc(n);
  memset(big, 'x', n);
  char *argv[] = {"true", NULL};
  ExecOptions o = {.argv = argv, .input = big, .input_len = n, .capture_limit = 1024};
  ExecResult r;
  char *err = NULL;
  CHECK(exec_run(&o, &r, &err));
  CHECK(r.code == 0);
  exec_result_free(&r);
  /* and a large input read whole */
  char *wc[] = {"wc", "-c", NULL};
  o.argv = wc;
  CHECK(exec_run(&o, &r, &err));
  CHECK(atoi(r.out) == (int)n);
  exec_result_free(&r);
  free(big);
}

static void test_not_found(void) {
  char *argv[] = {"rp-no-such-program", NULL};
  ExecOptions o = {.argv = argv, .capture_limit = 1024};
  ExecResult r;
  char *err = NULL;
  CHECK(!exec_run(&o, &r, &err));
  CHECK(r.not_found);
  CHECK_STR(err, "rp-no-such-program: command not found");
  free(err);
  CHECK(!exec_on_path("rp-no-such-program"));
  CHECK(exec_on_path("sh"));
}

static void test_timeout(void) {
  char *argv[] = {"sleep", "5", NULL};
  ExecOptions o = {.argv = argv, .timeout_ms = 200, .capture_limit = 1024};
  ExecResult r;
  char *err = NULL;
  CHECK(exec_run(&o, &r, &err));
  CHECK(r.timed_out);
  CHECK(r.code == 128 + 9);
  exec_result_free(&r);
}

static void test_display(void) {
  char *argv[] = {"helm", "upgrade", "--set", "a=b,c", "it's", "", "x y", "$HOME", NULL};
  char *s = exec_argv_display(argv);
  CHECK_STR(s, "helm upgrade --set a=b,c 'it'\\''s' '' 'x y' '$HOME'");
  free(s);
}

/* sh() runs on the same core: direct commands, shell commands, 127 */
static void test_sh_on_exec(void) {
  ShOptions o = {.cmd = "echo direct", .capture_limit = 1024};
  ShResult r;
  char *err = NULL;
  CHECK(sh_run(&o, &r, &err));
  CHECK_STR(r.out, "direct\n");
  sh_result_free(&r);
  o.cmd = "echo $((1+2)) | cat";
  CHECK(sh_run(&o, &r, &err));
  CHECK_STR(r.out, "3\n");
  sh_result_free(&r);
  o.cmd = "rp-no-such-program arg";
  CHECK(sh_run(&o, &r, &err));
  CHECK(r.code == 127);
  sh_result_free(&r);
}

int main(void) {
  test_argv_is_not_a_shell();
  test_stdin_and_stderr();
  test_unread_input();
  test_not_found();
  test_timeout();
  test_display();
  test_sh_on_exec();
  return CHECK_DONE();
}
