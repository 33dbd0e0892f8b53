/* fmt.c — rp fmt [-w | --check | --diff] [FILE...]: print, rewrite,
 * check or diff the canonical layout of pipeline files (src/lang/fmt.h).
 * FILE "-" is standard input, as gofmt and rustfmt read it, for editors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/load.h"
#include "cmd/options.h"
#include "lang/fmt.h"
#include "lang/parser.h"
#include "prim/exec.h"

typedef enum FmtMode { MODE_PRINT, MODE_WRITE, MODE_CHECK, MODE_DIFF } FmtMode;

static const char stdin_name[] = "<stdin>";

/* Replace the file's text, keeping what a user would expect to survive an
 * edit: a symlink stays a symlink (its target is rewritten) and the
 * permissions stay (an executable script stays executable). */
static bool rewrite(const char *path, const char *text) {
  char *real = realpath(path, NULL);
  struct stat st;
  bool ok = real && stat(real, &st) == 0 && write_file_atomic(real, text, strlen(text)) &&
            chmod(real, st.st_mode & 07777) == 0;
  free(real);
  return ok;
}

/* The program in standard input, its errors printed; NULL on errors. */
static Program *load_stdin(void) {
  /* read from fd 0, not /dev/stdin: an editor's pipe may be a socket,
   * which cannot be opened by path */
  Buf text = {0};
  char chunk[65536];
  ssize_t n;
  while ((n = read(0, chunk, sizeof chunk)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) buf_putn(&text, chunk, (size_t)n);
  if (n < 0 || (text.len && memchr(text.data, 0, text.len))) {
    fprintf(stderr, "rp: cannot read standard input: %s\n", n < 0 ? strerror(errno) : "it holds a NUL byte");
    buf_free(&text);
    return NULL;
  }
  Source *src = source_from_string(stdin_name, text.data ? text.data : "");
  buf_free(&text);
  Diags d = {0};
  Program *p = parse_program(src, &d);
  diags_print(&d, stderr, want_color(stderr));
  bool failed = d.nerrors > 0;
  diags_free(&d);
  if (!failed) return p;
  parse_file_free(p);
  return NULL;
}

/* diff -u of the file (or its text, from standard input) and `formatted`,
 * labelled a/PATH and b/PATH as git labels them, on stdout. */
static bool print_diff(const char *path, const char *original, const char *formatted) {
  char tmp[] = "/tmp/rp-fmt-XXXXXX";
  const char *old = path;
  if (!strcmp(path, stdin_name)) {
    int fd = mkstemp(tmp);
    bool ok = fd >= 0 && write(fd, original, strlen(original)) == (ssize_t)strlen(original);
    if (fd >= 0) close(fd);
    if (!ok) return false;
    old = tmp;
  }
  char *a = xasprintf("a/%s", path), *b = xasprintf("b/%s", path);
  char *argv[] = {"diff", "-u", "--label", a, "--label", b, (char *)old, "-", NULL};
  ExecOptions eo = {.argv = argv, .input = formatted, .input_len = strlen(formatted), .capture_limit = SIZE_MAX};
  ExecResult res = {0};
  char *err = NULL;
  bool ok = exec_run(&eo, &res, &err) && res.code <= 1;
  if (ok) fputs(res.out, stdout);
  else fprintf(stderr, "rp: diff: %s\n", err ? err : res.err);
  exec_result_free(&res);
  free(err);
  free(a);
  free(b);
  if (old == tmp) unlink(tmp);
  return ok;
}

/* Format one file. Returns EXIT_OK, EXIT_FAIL (--check, --diff: it would
 * change) or EXIT_USAGE (unreadable, parse errors, cannot write). */
static int fmt_file(const char *path, FmtMode mode) {
  Program *p = strcmp(path, "-") ? pipeline_load(path, NULL) : load_stdin();
  if (!p) return EXIT_USAGE;
  int rc = EXIT_OK;
  char *out = fmt_program(p);
  bool changed = strcmp(out, p->src->text) != 0;
  if (mode == MODE_PRINT) {
    fputs(out, stdout);
  } else if (mode == MODE_CHECK && changed) {
    printf("%s\n", path);
    rc = EXIT_FAIL;
  } else if (mode == MODE_DIFF && changed) {
    rc = print_diff(p->src->path, p->src->text, out) ? EXIT_FAIL : EXIT_USAGE;
  } else if (mode == MODE_WRITE && changed && !rewrite(path, out)) {
    fprintf(stderr, "rp: cannot write %s: %s\n", path, strerror(errno));
    rc = EXIT_USAGE;
  }
  free(out);
  parse_file_free(p);
  return rc;
}

int cmd_fmt(const Options *o) {
  if (o->write + o->check + o->diff > 1) {
    fputs("rp fmt: -w, --check and --diff exclude each other\n", stderr);
    return EXIT_USAGE;
  }
  FmtMode mode = o->write ? MODE_WRITE : o->check ? MODE_CHECK : o->diff ? MODE_DIFF : MODE_PRINT;
  for (int i = 0; mode == MODE_WRITE && i < o->args.n; i++)
    if (!strcmp(o->args.v[i], "-")) {
      fputs("rp fmt: -w cannot rewrite standard input\n", stderr);
      return EXIT_USAGE;
    }
  if (!o->file && !o->args.n) return fmt_file(pipeline_path(NULL), mode);
  int rc = o->file ? fmt_file(o->file, mode) : EXIT_OK;
  for (int i = 0; i < o->args.n; i++) {
    int r = fmt_file(o->args.v[i], mode);
    if (r > rc) rc = r;
  }
  return rc;
}
