/* cmd_fmt.c — rp fmt [-w | --check] [FILE...]: print, rewrite or check
 * the canonical layout of pipeline files (src/lang/fmt.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <limits.h>
#include <sys/stat.h>

#include "cmd/cmd.h"
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
  Source *src = source_load(path);
  if (!src) {
    fprintf(stderr, "rp: cannot read %s: %s\n", path, strerror(errno));
    return EXIT_USAGE;
  }
  Diags d = {0};
  Program *p = parse_program(src, &d);
  int rc = EXIT_OK;
  if (d.nerrors) {
    diags_print(&d, stderr, want_color(stderr));
    rc = EXIT_USAGE;
  } else {
    char *out = fmt_program(p);
    bool changed = strcmp(out, src->text) != 0;
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
  }
  diags_free(&d);
  program_free(p);
  source_free(src);
  return rc;
}

int cmd_fmt(int argc, char **argv) {
  FmtMode mode = MODE_PRINT;
  int first = 1;
  for (; first < argc && argv[first][0] == '-' && argv[first][1]; first++) {
    const char *a = argv[first];
    if (!strcmp(a, "--")) {
      first++;
      break;
    }
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs("usage: rp fmt [-w | --check] [FILE...]\n\n"
            "Print each FILE (default ./pipeline.rp) in the canonical layout, comments kept.\n"
            "  -w       rewrite the files in place (only those that change)\n"
            "  --check  print the names of the files that would change; exit 1 if any\n"
            "A file that does not parse is left alone: its errors are printed, exit 2.\n"
            "The layout rules: doc/fmt.md.\n",
            stdout);
      return EXIT_OK;
    }
    if (!strcmp(a, "-w") && mode != MODE_CHECK) mode = MODE_WRITE;
    else if (!strcmp(a, "--check") && mode != MODE_WRITE) mode = MODE_CHECK;
    else {
      fprintf(stderr, "rp: fmt: %s '%s'\nusage: rp fmt [-w | --check] [FILE...]\n",
              !strcmp(a, "-w") || !strcmp(a, "--check") ? "-w and --check exclude each other, at" : "unknown option",
              a);
      return EXIT_USAGE;
    }
  }
  if (first == argc) return fmt_file(pipeline_path(NULL), mode);
  int rc = EXIT_OK;
  for (int i = first; i < argc; i++) {
    int r = fmt_file(argv[i], mode);
    if (r > rc) rc = r;
  }
  return rc;
}
