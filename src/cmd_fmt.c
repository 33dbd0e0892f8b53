/* cmd_fmt.c — rp fmt [-w | --check] [FILE...]: print, rewrite or check
 * the canonical layout of pipeline files (src/lang/fmt.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "lang/fmt.h"
#include "lang/parser.h"

typedef enum FmtMode { MODE_PRINT, MODE_WRITE, MODE_CHECK } FmtMode;

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
    } else if (mode == MODE_WRITE && changed && !write_file_atomic(path, out, strlen(out))) {
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
