/* exec.h — run a program from an argv (never through a shell): optional
 * data on its standard input, live output in blocks of lines, bounded capture.
 * The spawn-and-poll core shared by sh() and the CLI primitives. */
#ifndef RP_EXEC_H
#define RP_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/util.h"

/* A line longer than this (bytes, without a newline yet) is passed on in
 * pieces of about this size: memory stays bounded whatever a program
 * prints, and a reader sees it as several lines. */
enum { EXEC_LINE_MAX = 64 * 1024 };

/* Output as it arrives ("stdout" or "stderr"), in blocks of whole lines:
 * data[0..len) is one or more lines, each ending with '\n' (the last one
 * may not, at the end of the output). Returns len. With `whole` false it is
 * instead the start of a line longer than EXEC_LINE_MAX: the callback
 * returns how much of it it took, and the rest comes again, with more. */
typedef size_t (*ExecLinesFn)(void *ctx, const char *stream, const char *data, size_t len, bool whole);

/* What a program printed, cut into blocks of whole lines for an
 * ExecLinesFn as it arrives: the incomplete last line is kept. A block
 * fed holds at most EXEC_LINE_MAX bytes (a pipe's read), so lines passed
 * straight from it are not longer; a kept line that grows longer is
 * passed on in pieces. Linear in what the program prints. */
typedef struct ExecLines {
  Buf line;
} ExecLines;
void exec_lines_feed(ExecLines *l, ExecLinesFn fn, void *ctx, const char *stream, const char *data, size_t n);
/* The end of the output: passes on the incomplete last line, frees l. */
void exec_lines_end(ExecLines *l, ExecLinesFn fn, void *ctx, const char *stream);

typedef struct ExecOptions {
  char *const *argv;      /* argv[0] is looked up on PATH unless it has a '/' */
  const char *path;       /* the program file, when not argv[0] (NULL) */
  const char *dir;        /* working directory, or NULL */
  char *const *env_add;   /* "NAME=value" entries added to the environment */
  const char *input;      /* written to standard input (NULL: /dev/null) */
  size_t input_len;
  int64_t timeout_ms;     /* 0: none; else the program gets its own process group */
  bool own_group;         /* a process group of its own in any case (exec_start) */
  const char *tail_out;   /* files the program writes its output to instead of its */
  const char *tail_err;   /* stdout/stderr (a container's): read as they grow, as those */
  size_t capture_limit;   /* bytes kept per stream (the rest still streams) */
  ExecLinesFn on_lines;
  void *ctx;
} ExecOptions;

typedef struct ExecResult {
  int code;        /* exit status; 128+N when killed by signal N */
  bool timed_out;
  bool not_found;  /* with a false return: argv[0] is not on PATH */
  char *out, *err; /* captured (malloc'd, NUL-terminated) */
  bool truncated;
} ExecResult;

/* False when the program could not be started (*error set, malloc'd;
 * res->not_found when it does not exist). */
bool exec_run(const ExecOptions *opt, ExecResult *res, char **error);
void exec_result_free(ExecResult *res);

/* Starts a program in the background, in a process group of its own,
 * its standard output and error appended to `log` and its input the
 * whole of opt->input (then end of file). Its pid, or -1 with *error. */
pid_t exec_start(const ExecOptions *opt, const char *log, char **error);
/* Starts a program in a process group of its own, its standard input
 * /dev/null, its output on two pipes: fds[0] and fds[1] get their read
 * ends (close-on-exec) for the caller to read, on_lines and the timeout
 * are not used. Its pid, or -1 with *error (*not_found when argv[0] does
 * not exist). */
pid_t exec_spawn(const ExecOptions *opt, int fds[2], bool *not_found, char **error);
/* Stops what exec_start started: SIGTERM to its group, SIGKILL after
 * grace_ms, and reaps it. */
void exec_stop(pid_t pid, int64_t grace_ms);

/* Whether a program of that name is on PATH (or, with a '/', executable). */
bool exec_on_path(const char *name);

/* argv as one line a POSIX shell would read back as the same words: words
 * with shell syntax are single-quoted. For display ("[dry-run] ..."). */
char *exec_argv_display(char *const *argv);

#endif
