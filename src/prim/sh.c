/* sh.c — running shell commands. */
#define _GNU_SOURCE /* posix_spawn_file_actions_addchdir_np */
#include "sh.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../util.h"

typedef struct Stream {
  int fd;
  const char *name;
  Buf line;    /* the incomplete last line */
  Buf capture; /* what the command printed, up to the limit */
} Stream;

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void deliver(const ShOptions *opt, Stream *s, const char *data, size_t n, bool *truncated) {
  size_t room = opt->capture_limit > s->capture.len ? opt->capture_limit - s->capture.len : 0;
  if (n > room) *truncated = true;
  buf_putn(&s->capture, data, n < room ? n : room);
  for (size_t i = 0; i < n; i++) {
    if (data[i] != '\n') {
      buf_putc(&s->line, data[i]);
      continue;
    }
    if (opt->on_line) opt->on_line(opt->ctx, s->name, s->line.data ? s->line.data : "");
    s->line.len = 0;
    if (s->line.data) s->line.data[0] = 0;
  }
}

static void flush_partial(const ShOptions *opt, Stream *s) {
  if (s->line.len && opt->on_line) opt->on_line(opt->ctx, s->name, s->line.data);
  buf_free(&s->line);
}

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

extern char **environ;

/* environ plus the added entries (which win: they come first) */
static char **merged_env(char *const *add) {
  size_t na = 0, ne = 0;
  while (add && add[na]) na++;
  while (environ[ne]) ne++;
  char **envp = xcalloc(na + ne + 1, sizeof *envp);
  size_t k = 0;
  for (size_t i = 0; i < na; i++) envp[k++] = add[i];
  for (size_t i = 0; i < ne; i++) {
    size_t key = strcspn(environ[i], "=");
    bool overridden = false;
    for (size_t j = 0; j < na && !overridden; j++)
      overridden = !strncmp(add[j], environ[i], key) && add[j][key] == '=';
    if (!overridden) envp[k++] = environ[i];
  }
  return envp;
}

static pid_t spawn(const ShOptions *opt, int out[2], int err[2], char **error) {
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  posix_spawn_file_actions_addclose(&fa, out[0]);
  posix_spawn_file_actions_addclose(&fa, out[1]);
  posix_spawn_file_actions_addclose(&fa, err[0]);
  posix_spawn_file_actions_addclose(&fa, err[1]);
  if (opt->dir) posix_spawn_file_actions_addchdir_np(&fa, opt->dir);
  /* with a timeout of its own the command gets its own process group, so
   * the timeout kills its whole tree; otherwise it stays in the stage's
   * group, which the stage's timeout kills */
  if (opt->timeout_ms > 0) {
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  }
  char **envp = merged_env(opt->env_add);
  bool direct = !needs_shell(opt->cmd);
  char **argv = direct ? split_words(opt->cmd) : NULL;
  char *shargv[] = {"sh", "-c", (char *)opt->cmd, NULL};
  pid_t pid;
  int rc = direct ? posix_spawnp(&pid, argv[0], &fa, &attr, argv, envp)
                  : posix_spawn(&pid, "/bin/sh", &fa, &attr, shargv, envp);
  if (rc != 0) {
    if (opt->dir && rc == ENOENT && access(opt->dir, X_OK) != 0)
      *error = xasprintf("cannot change to directory %s: %s", opt->dir, strerror(errno));
    else if (direct && rc == ENOENT)
      pid = -2; /* as a shell would: exit status 127 */
    else
      *error = xasprintf("cannot run %s: %s", direct ? argv[0] : "/bin/sh", strerror(rc));
    if (pid != -2) pid = -1;
  }
  if (pid == -2) *error = xasprintf("%s: command not found", argv[0]);
  free_words(argv);
  free(envp);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  return pid;
}

bool sh_run(const ShOptions *opt, ShResult *res, char **error) {
  memset(res, 0, sizeof *res);
  int out[2], err[2];
  if (pipe(out) != 0) {
    *error = xasprintf("cannot create a pipe: %s", strerror(errno));
    return false;
  }
  if (pipe(err) != 0) {
    *error = xasprintf("cannot create a pipe: %s", strerror(errno));
    close(out[0]), close(out[1]);
    return false;
  }
  pid_t pid = spawn(opt, out, err, error);
  close(out[1]), close(err[1]);
  if (pid == -2) { /* not found: reported like the shell does, as status 127 */
    close(out[0]), close(err[0]);
    if (opt->on_line) opt->on_line(opt->ctx, "stderr", *error);
    res->code = 127;
    res->out = xstrdup("");
    res->err = *error;
    *error = NULL;
    return true;
  }
  if (pid < 0) {
    close(out[0]), close(err[0]);
    return false;
  }
  Stream streams[2] = {{out[0], "stdout", {0}, {0}}, {err[0], "stderr", {0}, {0}}};
  int64_t deadline = opt->timeout_ms > 0 ? now_ms() + opt->timeout_ms : 0;
  int open_fds = 2;
  char chunk[8192];
  while (open_fds > 0) {
    struct pollfd pfd[2];
    int np = 0;
    for (int i = 0; i < 2; i++)
      if (streams[i].fd >= 0) pfd[np++] = (struct pollfd){streams[i].fd, POLLIN, 0};
    int wait = -1;
    if (deadline) {
      int64_t left = deadline - now_ms();
      if (left <= 0) {
        res->timed_out = true;
        kill(-pid, SIGKILL);
        break;
      }
      wait = left > 1000 ? 1000 : (int)left;
    }
    int r = poll(pfd, (nfds_t)np, wait);
    if (r < 0 && errno == EINTR) continue;
    for (int k = 0; k < np; k++) {
      if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      Stream *s = pfd[k].fd == streams[0].fd ? &streams[0] : &streams[1];
      ssize_t n = read(s->fd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        close(s->fd);
        s->fd = -1;
        open_fds--;
        continue;
      }
      deliver(opt, s, chunk, (size_t)n, &res->truncated);
    }
  }
  for (int i = 0; i < 2; i++) {
    if (streams[i].fd >= 0) close(streams[i].fd);
    flush_partial(opt, &streams[i]);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  /* the shell is gone; anything it left behind in its group goes too */
  if (res->timed_out) kill(-pid, SIGKILL);
  res->code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  res->out = buf_take(&streams[0].capture);
  res->err = buf_take(&streams[1].capture);
  return true;
}

void sh_result_free(ShResult *res) {
  free(res->out);
  free(res->err);
  res->out = res->err = NULL;
}
