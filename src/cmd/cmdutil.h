/* cmdutil.h — what the commands reading and writing run state share
 * (rp runs, status, history, approve, reject; doc/state.md). */
#ifndef RP_CMD_STATE_H
#define RP_CMD_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/value.h"
#include "core/util.h"

/* The options of these commands. Strings are borrowed from argv. */
typedef struct StateOpts {
  const char *file;     /* -f FILE: the pipeline; locates the state directory */
  bool json;            /* --json */
  const char *as;       /* --as NAME */
  const char *comment;  /* --comment TEXT */
  const char *args[2];  /* positional arguments */
  int nargs;
} StateOpts;

enum { OPT_JSON = 1, OPT_AS = 2 }; /* which options a command takes */

/* Parses argv[1..] into *o: at least `minargs`, at most `maxargs`
 * positional arguments. On a usage error, says so on stderr naming
 * `usage` and returns false. */
bool state_opts_parse(int argc, char **argv, unsigned allowed, int minargs, int maxargs,
                      const char *usage, StateOpts *o);
/* The state directory of the pipeline -f names (malloc'd). */
char *state_opts_dir(const StateOpts *o);

/* "2026-11-22 23:01:03" in local time; "-" for 0. */
void format_local_time(int64_t ms, Buf *out);
/* Like format_local_time, from a recorded "...Z" time; the text itself
 * when it does not parse, "-" when not a string. */
void format_recorded_time(Value at, Buf *out);
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
