/* sh.c — running shell commands (on the spawn core of exec.c). */
#include "prim/sh.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "prim/exec.h"

/* Like make: a command with no shell syntax is run directly, without
 * starting a shell first (which costs more than most such commands). */
static bool needs_shell(const char *cmd) {
  static const char *builtins[] = {"cd", "export", "exit", "set", "unset", ".", "source", "eval", "exec",
                                   "alias", "ulimit", "umask", "wait", "trap", "read", "shift", "if",
                                   "for", "while", "case", "until", "return", "local", NULL};
  if (strpbrk(cmd, "\"'\\$`|&;<>(){}[]*?~#=%!\n\t")) return true;
  const char *p = cmd;
  while (*p == ' ') p++;
  size_t n = strcspn(p, " ");
  if (n == 0) return true;
  for (int i = 0; builtins[i]; i++)
    if (strlen(builtins[i]) == n && !strncmp(p, builtins[i], n)) return true;
  return false;
}

static char **split_words(const char *cmd) {
  char **argv = xcalloc(strlen(cmd) / 2 + 2, sizeof *argv);
  int n = 0;
  for (const char *p = cmd; *p;) {
    while (*p == ' ') p++;
    if (!*p) break;
    size_t len = strcspn(p, " ");
    argv[n++] = xstrndup(p, len);
    p += len;
  }
  return argv;
}

static void free_words(char **argv) {
  for (char **a = argv; a && *a; a++) free(*a);
  free(argv);
}

/* The shell reads the command from its environment: any process on the
 * machine can read an argv, only the same user an environment. */
static char **env_with_command(const ShOptions *opt, char **entry) {
  size_t n = 0;
  while (opt->env_add && opt->env_add[n]) n++;
  char **env = xcalloc(n + 2, sizeof *env);
  env[0] = *entry = xasprintf(SH_COMMAND_VAR "=%s", opt->cmd); /* first: it wins */
  if (n) memcpy(env + 1, opt->env_add, n * sizeof *env);
  return env;
}

bool sh_run(const ShOptions *opt, ShResult *res, char **error) {
  memset(res, 0, sizeof *res);
  bool direct = !needs_shell(opt->cmd);
  char **words = direct ? split_words(opt->cmd) : NULL;
  char *entry = NULL;
  char **env = direct ? NULL : env_with_command(opt, &entry);
  char *shargv[] = {"sh", "-c", "eval \"$" SH_COMMAND_VAR "\"", NULL};
  ExecOptions eo = {.argv = direct ? words : shargv,
                    .path = direct ? NULL : "/bin/sh",
                    .dir = opt->dir,
                    .env_add = direct ? opt->env_add : env,
                    .timeout_ms = opt->timeout_ms,
                    .capture_limit = opt->capture_limit,
                    .on_lines = opt->on_lines,
                    .ctx = opt->ctx};
  ExecResult er;
  bool ok = exec_run(&eo, &er, error);
  free_words(words);
  free(entry);
  free(env);
  if (!ok && er.not_found && direct) { /* reported like the shell does, as status 127 */
    if (opt->on_lines) {
      char *line = xasprintf("%s\n", *error);
      opt->on_lines(opt->ctx, "stderr", line, strlen(line), true);
      free(line);
    }
    res->code = 127;
    res->out = xstrdup("");
    res->err = *error;
    *error = NULL;
    return true;
  }
  if (!ok) return false;
  res->code = er.code;
  res->timed_out = er.timed_out;
  res->truncated = er.truncated;
  res->out = er.out;
  res->err = er.err;
  return true;
}

void sh_result_free(ShResult *res) {
  free(res->out);
  free(res->err);
  res->out = res->err = NULL;
}
