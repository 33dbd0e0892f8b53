/* table.c — text tables, local times and JSON lines. */
#include "cmd/table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "run/state.h"

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

void terminal_text(const char *s, Buf *out) {
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || *s == 0x7f) buf_printf(out, "\\x%02x", (unsigned char)*s);
    else buf_putc(out, *s);
}

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
