/* sh.c — running shell commands. */
#include "sh.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
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

static pid_t spawn(const ShOptions *opt, int out[2], int err[2], char **error) {
  pid_t pid = fork();
  if (pid < 0) {
    *error = xasprintf("cannot start a process: %s", strerror(errno));
    return -1;
  }
  if (pid > 0) return pid;
  /* child: own process group, so a timeout can kill the whole tree */
  setpgid(0, 0);
  dup2(out[1], 1);
  dup2(err[1], 2);
  close(out[0]), close(out[1]), close(err[0]), close(err[1]);
  int devnull = open("/dev/null", O_RDONLY);
  if (devnull >= 0) dup2(devnull, 0), close(devnull);
  if (opt->dir && chdir(opt->dir) != 0) {
    dprintf(2, "rp: cannot change to directory %s: %s\n", opt->dir, strerror(errno));
    _exit(127);
  }
  for (char *const *e = opt->env_add; e && *e; e++) putenv(*e);
  execl("/bin/sh", "sh", "-c", opt->cmd, (char *)NULL);
  dprintf(2, "rp: cannot run /bin/sh: %s\n", strerror(errno));
  _exit(127);
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
  if (pid < 0) {
    close(out[0]), close(err[0]);
    return false;
  }
  setpgid(pid, pid); /* also from the parent: no race with the kill below */
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
