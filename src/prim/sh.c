/* sh.c — running shell commands (on the spawn core of exec.c). */
#include "prim/sh.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
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

static void put_quoted(Buf *b, const char *s) {
  buf_putc(b, '\'');
  for (; *s; s++)
    if (*s == '\'') buf_puts(b, "'\\''");
    else buf_putc(b, *s);
  buf_putc(b, '\'');
}

static bool shell_name(const char *s, size_t n) {
  bool ok = n > 0;
  for (size_t i = 0; ok && i < n; i++)
    ok = s[i] == '_' || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') || (i && s[i] >= '0' && s[i] <= '9');
  return ok;
}

/* Whether NAME= is among the entries before `e` (the first one wins, as
 * in an environment). */
static bool set_before(char *const *env, char *const *e, size_t n) {
  for (; env < e; env++)
    if (!strncmp(*env, *e, n + 1)) return true;
  return false;
}

char *sh_stdin_script(char *const *env, const char *tail) {
  Buf b = {0};
  for (char *const *e = env; e && *e; e++) {
    size_t n = strcspn(*e, "=");
    if ((*e)[n] != '=' || !shell_name(*e, n) || set_before(env, e, n)) continue;
    buf_printf(&b, "%.*s=", (int)n, *e);
    put_quoted(&b, *e + n + 1);
    buf_printf(&b, "; export %.*s\n", (int)n, *e);
  }
  buf_puts(&b, tail);
  return buf_take(&b);
}

/* In a container: the shell there reads the values and the command as its
 * script; the command's own standard input is /dev/null, so it cannot
 * read the rest of the script. */
static bool run_in_shell(const ShOptions *opt, ShResult *res, char **error) {
  size_t n = 0;
  while (opt->env_add && opt->env_add[n]) n++;
  char **env = xcalloc(n + 3, sizeof *env);
  size_t k = 0;
  env[k++] = xasprintf(SH_COMMAND_VAR "=%s", opt->cmd); /* first: it wins */
  if (opt->dir) env[k++] = xasprintf("RP_SH_DIR=%s", opt->dir);
  if (n) memcpy(env + k, opt->env_add, n * sizeof *env);
  char *body = sh_stdin_script(env, opt->dir ? "cd \"$RP_SH_DIR\" && eval \"$" SH_COMMAND_VAR "\" </dev/null\n"
                                              : "eval \"$" SH_COMMAND_VAR "\" </dev/null\n");
  char *text = xasprintf("%s%s", opt->shell->prologue ? opt->shell->prologue : "", body);
  free(body);
  const char *files[] = {opt->shell->out, opt->shell->err};
  for (int i = 0; i < 2; i++) { /* empty, for this command's output only */
    int fd = files[i] ? open(files[i], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
    if (fd >= 0) close(fd);
  }
  ExecOptions eo = {.argv = opt->shell->argv,
                    .tail_out = opt->shell->out,
                    .tail_err = opt->shell->err,
                    .input = text,
                    .input_len = strlen(text),
                    .timeout_ms = opt->timeout_ms,
                    .capture_limit = opt->capture_limit,
                    .on_lines = opt->on_lines,
                    .ctx = opt->ctx};
  ExecResult er;
  bool ok = exec_run(&eo, &er, error);
  free(env[0]);
  if (opt->dir) free(env[1]);
  free(env);
  free(text);
  if (!ok) return false;
  *res = (ShResult){er.code, er.timed_out, er.out, er.err, er.truncated};
  return true;
}

/* How a command is run here: directly, or by /bin/sh with the command in
 * its environment. What it holds is freed by invocation_free. */
typedef struct Invocation {
  ExecOptions eo;
  bool direct;
  char **words, *entry, **env;
  char *shargv[4];
} Invocation;

static void invocation_of(const ShOptions *opt, Invocation *p) {
  *p = (Invocation){.direct = !needs_shell(opt->cmd), .shargv = {"sh", "-c", "eval \"$" SH_COMMAND_VAR "\"", NULL}};
  p->words = p->direct ? split_words(opt->cmd) : NULL;
  p->env = p->direct ? NULL : env_with_command(opt, &p->entry);
  p->eo = (ExecOptions){.argv = p->direct ? p->words : p->shargv,
                        .path = p->direct ? NULL : "/bin/sh",
                        .dir = opt->dir,
                        .env_add = p->direct ? opt->env_add : p->env,
                        .timeout_ms = opt->timeout_ms,
                        .capture_limit = opt->capture_limit,
                        .on_lines = opt->on_lines,
                        .ctx = opt->ctx};
}

static void invocation_free(Invocation *p) {
  free_words(p->words);
  free(p->entry);
  free(p->env);
}

/* A program run directly that does not exist is reported as the shell
 * does: said on stderr, status 127. */
static void say_not_found(const ShOptions *opt, const char *error) {
  if (!opt->on_lines) return;
  char *line = xasprintf("%s\n", error);
  opt->on_lines(opt->ctx, "stderr", line, strlen(line), true);
  free(line);
}

bool sh_run(const ShOptions *opt, ShResult *res, char **error) {
  memset(res, 0, sizeof *res);
  if (opt->shell) return run_in_shell(opt, res, error);
  Invocation p;
  invocation_of(opt, &p);
  ExecResult er;
  bool ok = exec_run(&p.eo, &er, error);
  invocation_free(&p);
  if (!ok && er.not_found && p.direct) {
    say_not_found(opt, *error);
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

pid_t sh_spawn(const ShOptions *opt, int fds[2], int *code, char **error) {
  Invocation p;
  invocation_of(opt, &p);
  bool not_found = false;
  pid_t pid = exec_spawn(&p.eo, fds, &not_found, error);
  invocation_free(&p);
  if (pid < 0 && not_found && p.direct) {
    say_not_found(opt, *error);
    free(*error);
    *error = NULL;
    *code = 127;
    return 0;
  }
  return pid;
}

void sh_result_free(ShResult *res) {
  free(res->out);
  free(res->err);
  res->out = res->err = NULL;
}
