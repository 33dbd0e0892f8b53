/* sh.h — run a shell command: live output, bounded capture,
 * its own process group so a timeout kills everything it started. */
#ifndef RP_SH_H
#define RP_SH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "prim/exec.h"


/* The variable the command reaches /bin/sh in: it runs `eval "$RP_SH"`,
 * so the command is never on an argv (which every user can read). */
#define SH_COMMAND_VAR "RP_SH"

/* A shell elsewhere (a container's: prim/container.h) that reads its
 * script from standard input. Its output goes to its own stdout/stderr,
 * or, where the CLI that runs it may lose that (buildah's chroot
 * isolation), the prologue sends it to files rp reads as they grow. */
typedef struct ShShell {
  char *const *argv;
  const char *prologue;  /* the script's first lines, or NULL */
  const char *out, *err; /* those files, on this machine; NULL: none */
} ShShell;

typedef struct ShOptions {
  const char *cmd;        /* run by /bin/sh (or directly, without shell syntax) */
  const char *dir;        /* working directory, or NULL */
  char *const *env_add;   /* "NAME=value" entries added to the environment */
  const ShShell *shell;   /* NULL: /bin/sh here */
  int64_t timeout_ms;     /* 0: none */
  size_t capture_limit;   /* bytes kept per stream (the rest still streams) */
  ExecLinesFn on_lines;   /* output as it arrives, in blocks of lines */
  void *ctx;
} ShOptions;

typedef struct ShResult {
  int code;        /* exit status; 128+N when killed by signal N */
  bool timed_out;
  char *out, *err; /* captured (malloc'd, NUL-terminated) */
  bool truncated;
} ShResult;

/* What a shell reading standard input runs: each "NAME=value" of env
 * exported, single-quoted (nothing in a value is shell syntax), then
 * `tail`. Names that are not shell names are left out; of two entries
 * of one name the first wins, as in an environment. Malloc'd. */
char *sh_stdin_script(char *const *env, const char *tail);

/* False when the command could not be started (*error set, malloc'd). */
bool sh_run(const ShOptions *opt, ShResult *res, char **error);
void sh_result_free(ShResult *res);
/* Starts the command here (opt->shell, the timeout and the capture are not
 * used) in a process group of its own, its output on two pipes whose read
 * ends go to fds[0] (stdout) and fds[1] (stderr), as exec_spawn. Its pid;
 * 0 when it ended at once with *code (a program that does not exist: 127,
 * said through on_lines as sh_run says it); -1 with *error. */
pid_t sh_spawn(const ShOptions *opt, int fds[2], int *code, char **error);

#endif
