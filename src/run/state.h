/* state.h — the durable files under rp's state directory.
 *
 * Journals and deploy histories are NDJSON files that only grow. A record
 * is one line written with a single write() and made durable with fsync()
 * before the call returns, so once an append has returned, no crash or
 * `kill -9` can take it back. A crash during an append leaves at most one
 * incomplete last line: readers skip it (and say so), and the next writer
 * cuts it off before appending. doc/state.md describes the layout. */
#ifndef RP_STATE_H
#define RP_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/value.h"

/* $RP_STATE_DIR when set and not empty, else `.rp` in the directory of
 * the pipeline file (malloc'd). */
char *state_dir_for(const char *pipeline_file);

/* Whether `name` is safe as one path component: 1..128 of [A-Za-z0-9._-],
 * not starting with '.'. Run ids and environment names must be. */
bool state_name_ok(const char *name);

/* Creates the state directory if it is missing, with a .gitignore of
 * `*` in it so that `git add -A` never commits journals and locks. */
bool state_dir_create(const char *state_dir, char **err);
/* mkdir -p; each directory created is made durable in its parent. */
bool state_mkdirs(const char *path, char **err);
/* fsync the directory holding entries just created or renamed. */
bool state_fsync_dir(const char *dir, char **err);

/* Opens `path` for appending (O_RDWR | O_APPEND | O_CLOEXEC), creating it and
 * syncing its directory when new. Returns the fd, or -1 with *err. */
int state_open_append(const char *path, char **err);
/* Appends `record` as one JSON line: under a short flock(LOCK_EX) (so
 * concurrent appenders never cut each other's lines), an incomplete last
 * line left by a crashed writer is truncated away, then one write() and
 * fsync(). A short write is undone. `path` is only for messages. */
bool state_append(int fd, const char *path, Value record, char **err);
/* The same without waiting for the disk: survives kill -9, not a power
 * cut. For records whose loss costs nothing but repeated work. */
bool state_append_unsynced(int fd, const char *path, Value record, char **err);

/* What a reader found in an NDJSON file. */
typedef struct StateRead {
  Value records;  /* list of the valid records, in file order */
  bool torn;      /* the last line was incomplete or invalid: ignored */
  size_t invalid; /* complete but invalid lines before it: skipped */
} StateRead;

/* Reads every complete, valid line of `path`. A missing file is an empty
 * list (true); other read errors are false with *err. */
bool state_read(const char *path, StateRead *out, char **err);
/* An empty read (out->records a new empty list). */
void state_read_init(StateRead *out);
/* Adds the records of NDJSON `text` to out (initialised), as state_read. */
void state_parse(const char *text, size_t len, StateRead *out);

/* Sleeps `ms` milliseconds, signals or not. */
void state_sleep_ms(int64_t ms);
/* Wall-clock time in milliseconds since the epoch. */
int64_t state_now_ms(void);
/* "2026-11-22T23:01:03.123Z" (malloc'd); sorts as the times do. */
char *state_format_time(int64_t ms);
/* Parses what state_format_time writes (fraction optional); false if not. */
bool state_parse_time(const char *s, int64_t *ms);
/* This machine's name (malloc'd), "localhost" when unknown. */
char *state_hostname(void);

#endif
