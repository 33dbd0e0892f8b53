/* cmdutil.c — options, times and tables for the state commands. */
#include "cmd/cmdutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "run/state.h"

/* The value of option argv[*i] (`--as NAME` or `--as=NAME`), advancing *i. */
static const char *option_value(int argc, char **argv, int *i) {
  const char *eq = !strncmp(argv[*i], "--", 2) ? strchr(argv[*i], '=') : NULL;
  if (eq) return eq + 1;
  return *i + 1 < argc ? argv[++*i] : NULL;
}

static bool is_option(const char *arg, const char *name) {
  size_t n = strlen(name);
  return !strncmp(arg, name, n) && (arg[n] == '\0' || arg[n] == '=');
}

bool state_opts_parse(int argc, char **argv, unsigned allowed, int minargs, int maxargs,
                      const char *usage, StateOpts *o) {
  memset(o, 0, sizeof *o);
  bool dashdash = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char **slot = NULL;
    if (!dashdash && a[0] == '-' && a[1]) {
      if (!strcmp(a, "--")) {
        dashdash = true;
        continue;
      }
      if (!strcmp(a, "--json") && (allowed & OPT_JSON)) {
        o->json = true;
        continue;
      }
      if (!strcmp(a, "-f") || is_option(a, "--file")) slot = &o->file;
      else if (is_option(a, "--as") && (allowed & OPT_AS)) slot = &o->as;
      else if (is_option(a, "--comment") && (allowed & OPT_AS)) slot = &o->comment;
      if (!slot) {
        fprintf(stderr, "rp %s: unknown option '%s'\nusage: rp %s\n", argv[0], a, usage);
        return false;
      }
      const char *v = option_value(argc, argv, &i);
      if (!v) {
        fprintf(stderr, "rp %s: %s needs a value\nusage: rp %s\n", argv[0], a, usage);
        return false;
      }
      *slot = v;
      continue;
    }
    if (o->nargs == maxargs) {
      fprintf(stderr, "rp %s: unexpected argument '%s'\nusage: rp %s\n", argv[0], a, usage);
      return false;
    }
    o->args[o->nargs++] = a;
  }
  if (o->nargs < minargs) {
    fprintf(stderr, "rp %s: missing arguments\nusage: rp %s\n", argv[0], usage);
    return false;
  }
  return true;
}

char *state_opts_dir(const StateOpts *o) { return state_dir_for(pipeline_path(o->file)); }

void format_local_time(int64_t ms, Buf *out) {
  if (!ms) {
    buf_putc(out, '-');
    return;
  }
  time_t t = (time_t)(ms / 1000);
  struct tm tm;
  char text[64];
  if (!localtime_r(&t, &tm) || !strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm)) {
    buf_printf(out, "@%lld", (long long)t);
    return;
  }
  buf_puts(out, text);
}

void format_recorded_time(Value at, Buf *out) {
  int64_t ms;
  if (!is_str(at)) buf_putc(out, '-');
  else if (state_parse_time(str_chars(at), &ms)) format_local_time(ms, out);
  else buf_puts(out, str_chars(at));
}

int print_json_line(Value v) {
  Buf b = {0};
  json_encode(v, &b, false);
  buf_putc(&b, '\n');
  fwrite(b.data, 1, b.len, stdout);
  buf_free(&b);
  if (fflush(stdout) == 0 && !ferror(stdout)) return EXIT_OK;
  fprintf(stderr, "rp: cannot write the output: %s\n", strerror(errno));
  return EXIT_FAIL;
}

void table_init(Table *t, size_t ncols) { *t = (Table){.ncols = ncols}; }

void table_cell_take(Table *t, char *text) {
  if (!text || !*text) {
    free(text);
    text = xstrdup("-");
  }
  if (t->ncells == t->cap) {
    t->cap = t->cap ? t->cap * 2 : 32;
    t->cells = xrealloc(t->cells, t->cap * sizeof *t->cells);
  }
  t->cells[t->ncells++] = text;
}

void table_cell(Table *t, const char *text) { table_cell_take(t, text ? xstrdup(text) : NULL); }

void table_print(const Table *t, FILE *out) {
  size_t *width = xcalloc(t->ncols, sizeof *width);
  for (size_t i = 0; i < t->ncells; i++) {
    size_t n = strlen(t->cells[i]);
    if (n > width[i % t->ncols]) width[i % t->ncols] = n;
  }
  for (size_t i = 0; i < t->ncells; i++) {
    size_t col = i % t->ncols;
    if (col + 1 == t->ncols || i + 1 == t->ncells) fprintf(out, "%s\n", t->cells[i]);
    else fprintf(out, "%-*s  ", (int)width[col], t->cells[i]);
  }
  free(width);
}

void table_free(Table *t) {
  for (size_t i = 0; i < t->ncells; i++) free(t->cells[i]);
  free(t->cells);
  *t = (Table){0};
}
