/* fmt.c — rp fmt [-w | --check] [FILE...]: print, rewrite or check
 * the canonical layout of pipeline files (src/lang/fmt.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <limits.h>
#include <sys/stat.h>

#include "cmd/cmd.h"
#include "cmd/load.h"
#include "cmd/options.h"
#include "lang/fmt.h"
#include "lang/parser.h"

typedef enum FmtMode { MODE_PRINT, MODE_WRITE, MODE_CHECK } FmtMode;

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

/* Format one file. Returns EXIT_OK, EXIT_FAIL (--check: it would change)
 * or EXIT_USAGE (unreadable, parse errors, cannot write). */
static int fmt_file(const char *path, FmtMode mode) {
  Program *p = pipeline_load(path, NULL);
  if (!p) return EXIT_USAGE;
  int rc = EXIT_OK;
  char *out = fmt_program(p);
  bool changed = strcmp(out, p->src->text) != 0;
  if (mode == MODE_PRINT) {
    fputs(out, stdout);
  } else if (mode == MODE_CHECK && changed) {
    printf("%s\n", path);
    rc = EXIT_FAIL;
  } else if (mode == MODE_WRITE && changed && !rewrite(path, out)) {
    fprintf(stderr, "rp: cannot write %s: %s\n", path, strerror(errno));
    rc = EXIT_USAGE;
  }
  free(out);
  parse_file_free(p);
  return rc;
}

int cmd_fmt(const Options *o) {
  if (o->write && o->check) {
    fputs("rp fmt: -w and --check exclude each other\n", stderr);
    return EXIT_USAGE;
  }
  FmtMode mode = o->write ? MODE_WRITE : o->check ? MODE_CHECK : MODE_PRINT;
  if (!o->file && !o->args.n) return fmt_file(pipeline_path(NULL), mode);
  int rc = o->file ? fmt_file(o->file, mode) : EXIT_OK;
  for (int i = 0; i < o->args.n; i++) {
    int r = fmt_file(o->args.v[i], mode);
    if (r > rc) rc = r;
  }
  return rc;
}
