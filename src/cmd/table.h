/* table.h — how the commands that show run state print it (rp runs,
 * status, history; doc/state.md): text tables, local times, JSON lines. */
#ifndef RP_TABLE_H
#define RP_TABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/value.h"
#include "core/util.h"

/* "2026-11-22 23:01:03" in local time; "-" for 0. */
void format_local_time(int64_t ms, Buf *out);
/* Like format_local_time, from a recorded "...Z" time; the text itself
 * when it does not parse, "-" when not a string. */
void format_recorded_time(Value at, Buf *out);
/* Text from a record (a URL from event data, say) for a terminal: each
 * control character as \xNN, so that none can move the cursor or recolour. */
void terminal_text(const char *s, Buf *out);
/* Writes `v` as one line of JSON; EXIT_OK, or EXIT_FAIL when stdout fails. */
int print_json_line(Value v);

/* A text table: columns padded to their widest cell, two spaces apart. */
typedef struct Table {
  char **cells;
  size_t ncols, ncells, cap;
} Table;

void table_init(Table *t, size_t ncols);
void table_cell(Table *t, const char *text); /* copied; NULL or "" prints as "-" */
void table_cell_take(Table *t, char *text);  /* takes a malloc'd string */
void table_print(const Table *t, FILE *out);
void table_free(Table *t);

#endif
