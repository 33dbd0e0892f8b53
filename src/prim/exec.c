/* exec.c — spawning programs and multiplexing their output. */
#define _GNU_SOURCE /* posix_spawn_file_actions_addchdir_np */
#include "prim/exec.h"

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

#include "core/util.h"

typedef struct Stream {
  int fd;
  const char *name;
  ExecLines lines; /* the incomplete last line */
  Buf capture;     /* what the program printed, up to the limit */
} Stream;

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Passes on pieces of EXEC_LINE_MAX bytes of the line being kept, while
 * it is longer than that. */
static void pass_long(ExecLines *l, ExecLinesFn fn, void *ctx, const char *stream) {
  size_t at = 0;
  while (l->line.len - at > EXEC_LINE_MAX && !memchr(l->line.data + at, '\n', EXEC_LINE_MAX)) {
    size_t took = fn(ctx, stream, l->line.data + at, EXEC_LINE_MAX, false);
    if (!took) break;
    at += took;
  }
  memmove(l->line.data, l->line.data + at, l->line.len - at);
  l->line.len -= at;
}

void exec_lines_feed(ExecLines *l, ExecLinesFn fn, void *ctx, const char *stream, const char *data, size_t n) {
  const char *nl = memrchr(data, '\n', n);
  if (nl) {
    size_t upto = (size_t)(nl - data) + 1;
    if (l->line.len) {
      buf_putn(&l->line, data, upto);
      pass_long(l, fn, ctx, stream);
      fn(ctx, stream, l->line.data, l->line.len, true);
      l->line.len = 0;
    } else {
      fn(ctx, stream, data, upto, true);
    }
    data += upto, n -= upto;
  }
  buf_putn(&l->line, data, n);
  pass_long(l, fn, ctx, stream);
}

void exec_lines_end(ExecLines *l, ExecLinesFn fn, void *ctx, const char *stream) {
  if (l->line.len && fn) fn(ctx, stream, l->line.data, l->line.len, true);
  buf_free(&l->line);
}

static void deliver(const ExecOptions *opt, Stream *s, const char *data, size_t n, bool *truncated) {
  size_t room = opt->capture_limit > s->capture.len ? opt->capture_limit - s->capture.len : 0;
  if (n > room) *truncated = true;
  buf_putn(&s->capture, data, n < room ? n : room);
  if (opt->on_lines) exec_lines_feed(&s->lines, opt->on_lines, opt->ctx, s->name, data, n);
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

/* The pipes of one run: [0] read end, [1] write end; -1 when unused. */
typedef struct Pipes {
  int in[2], out[2], err[2];
} Pipes;

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

static void close_pipes(Pipes *p) {
  for (int i = 0; i < 2; i++) close_fd(&p->in[i]), close_fd(&p->out[i]), close_fd(&p->err[i]);
}

static bool open_pipes(const ExecOptions *opt, Pipes *p, char **error) {
  *p = (Pipes){{-1, -1}, {-1, -1}, {-1, -1}};
  if (pipe2(p->out, O_CLOEXEC) == 0 && pipe2(p->err, O_CLOEXEC) == 0 &&
      (!opt->input || pipe2(p->in, O_CLOEXEC) == 0)) {
    /* the parent's end of stdin must not block: output is read meanwhile */
    if (p->in[1] >= 0) fcntl(p->in[1], F_SETFL, fcntl(p->in[1], F_GETFL) | O_NONBLOCK);
    return true;
  }
  *error = xasprintf("cannot create a pipe: %s", strerror(errno));
  close_pipes(p);
  return false;
}

static pid_t spawn(const ExecOptions *opt, const Pipes *p, const sigset_t *child_mask, ExecResult *res,
                   char **error) {
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  if (p->in[0] >= 0) posix_spawn_file_actions_adddup2(&fa, p->in[0], 0);
  else posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, p->out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, p->err[1], 2);
  if (opt->dir) posix_spawn_file_actions_addchdir_np(&fa, opt->dir);
  /* the run's driver ignores SIGXFSZ for itself (cmd/run.c): a program
   * starts with the default */
  sigset_t dfl;
  sigemptyset(&dfl);
  sigaddset(&dfl, SIGXFSZ);
  posix_spawnattr_setsigdefault(&attr, &dfl);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  posix_spawnattr_setsigmask(&attr, child_mask);
  /* with a timeout of its own the program gets its own process group, so
   * the timeout kills its whole tree; otherwise it stays in the stage's
   * group, which the stage's timeout kills */
  if (opt->timeout_ms > 0 || opt->own_group) {
    posix_spawnattr_setpgroup(&attr, 0);
    flags |= POSIX_SPAWN_SETPGROUP;
  }
  posix_spawnattr_setflags(&attr, flags);
  char **envp = merged_env(opt->env_add);
  pid_t pid = -1;
  int rc = opt->path ? posix_spawn(&pid, opt->path, &fa, &attr, opt->argv, envp)
                     : posix_spawnp(&pid, opt->argv[0], &fa, &attr, opt->argv, envp);
  if (rc != 0) {
    pid = -1;
    if (opt->dir && rc == ENOENT && access(opt->dir, X_OK) != 0) {
      *error = xasprintf("cannot change to directory %s: %s", opt->dir, strerror(errno));
    } else if (rc == ENOENT) {
      res->not_found = true;
      *error = xasprintf("%s: command not found", opt->path ? opt->path : opt->argv[0]);
    } else {
      *error = xasprintf("cannot run %s: %s", opt->path ? opt->path : opt->argv[0], strerror(rc));
    }
  }
  free(envp);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  return pid;
}

/* Writes what the pipe takes now; closes stdin once all is written or the
 * program stopped reading (EPIPE: SIGPIPE is blocked meanwhile). */
static void feed_input(const ExecOptions *opt, int *fd, size_t *done) {
  while (*done < opt->input_len) {
    ssize_t n = write(*fd, opt->input + *done, opt->input_len - *done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n <= 0) break;
    *done += (size_t)n;
  }
  close_fd(fd);
}

/* Delivers what the tail files gained since the last call. */
static void drain_tails(const ExecOptions *opt, const int tails[2], Stream streams[2], ExecResult *res) {
  char chunk[8192];
  for (int i = 0; i < 2; i++) {
    ssize_t n;
    while (tails[i] >= 0 && (n = read(tails[i], chunk, sizeof chunk)) > 0)
      deliver(opt, &streams[i], chunk, (size_t)n, &res->truncated);
  }
}

/* Polls stdout, stderr (and stdin while there is input left) until both
 * outputs close or the deadline passes; the tail files, if any, every 50 ms. */
static void pump(const ExecOptions *opt, pid_t pid, Pipes *p, Stream streams[2], const int tails[2],
                 ExecResult *res) {
  int64_t deadline = opt->timeout_ms > 0 ? now_ms() + opt->timeout_ms : 0;
  size_t fed = 0;
  if (p->in[1] >= 0) feed_input(opt, &p->in[1], &fed);
  char chunk[EXEC_LINE_MAX]; /* a pipe's worth: one block of lines per read */
  while (streams[0].fd >= 0 || streams[1].fd >= 0) {
    struct pollfd pfd[3];
    int np = 0;
    for (int i = 0; i < 2; i++)
      if (streams[i].fd >= 0) pfd[np++] = (struct pollfd){streams[i].fd, POLLIN, 0};
    if (p->in[1] >= 0) pfd[np++] = (struct pollfd){p->in[1], POLLOUT, 0};
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
    if (tails[0] >= 0 || tails[1] >= 0) wait = wait < 0 || wait > 50 ? 50 : wait;
    int r = poll(pfd, (nfds_t)np, wait);
    if (r < 0 && errno == EINTR) continue;
    for (int k = 0; k < np; k++) {
      if (!(pfd[k].revents & (POLLIN | POLLOUT | POLLHUP | POLLERR))) continue;
      if (pfd[k].fd == p->in[1]) {
        feed_input(opt, &p->in[1], &fed);
        continue;
      }
      Stream *s = pfd[k].fd == streams[0].fd ? &streams[0] : &streams[1];
      ssize_t n = read(s->fd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        close_fd(&s->fd);
        continue;
      }
      deliver(opt, s, chunk, (size_t)n, &res->truncated);
    }
    drain_tails(opt, tails, streams, res);
  }
  drain_tails(opt, tails, streams, res); /* what was written as it ended */
  close_fd(&p->in[1]);
}

bool exec_run(const ExecOptions *opt, ExecResult *res, char **error) {
  memset(res, 0, sizeof *res);
  Pipes p;
  if (!open_pipes(opt, &p, error)) return false;
  /* A program that exits before reading all its input must not kill us
   * with SIGPIPE: block it while feeding, give the child the old mask, and
   * swallow one that arrived meanwhile. */
  sigset_t pipe_set, old_mask;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  sigprocmask(SIG_BLOCK, &pipe_set, &old_mask);
  sigset_t pending_before;
  sigpending(&pending_before);
  pid_t pid = spawn(opt, &p, &old_mask, res, error);
  close_fd(&p.in[0]), close_fd(&p.out[1]), close_fd(&p.err[1]);
  Stream streams[2] = {{p.out[0], "stdout", {{0}}, {0}}, {p.err[0], "stderr", {{0}}, {0}}};
  p.out[0] = p.err[0] = -1;
  int tails[2] = {opt->tail_out ? open(opt->tail_out, O_RDONLY | O_CLOEXEC) : -1,
                  opt->tail_err ? open(opt->tail_err, O_RDONLY | O_CLOEXEC) : -1};
  if (pid > 0) pump(opt, pid, &p, streams, tails, res);
  for (int i = 0; i < 2; i++) close_fd(&tails[i]);
  for (int i = 0; i < 2; i++) {
    close_fd(&streams[i].fd);
    exec_lines_end(&streams[i].lines, opt->on_lines, opt->ctx, streams[i].name);
  }
  close_pipes(&p);
  sigset_t pending;
  if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) && !sigismember(&pending_before, SIGPIPE)) {
    struct timespec zero = {0, 0};
    sigtimedwait(&pipe_set, NULL, &zero);
  }
  sigprocmask(SIG_SETMASK, &old_mask, NULL);
  if (pid <= 0) {
    buf_free(&streams[0].capture), buf_free(&streams[1].capture);
    return false;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  /* the program is gone; anything it left behind in its group goes too */
  if (res->timed_out) kill(-pid, SIGKILL);
  res->code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  res->out = buf_take(&streams[0].capture);
  res->err = buf_take(&streams[1].capture);
  if (!res->out) res->out = xstrdup("");
  if (!res->err) res->err = xstrdup("");
  return true;
}

pid_t exec_start(const ExecOptions *opt, const char *log, char **error) {
  int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    *error = xasprintf("cannot open %s: %s", log, strerror(errno));
    return -1;
  }
  Pipes p = {{-1, -1}, {-1, fd}, {-1, fd}};
  if (opt->input && pipe2(p.in, O_CLOEXEC) != 0) {
    *error = xasprintf("cannot create a pipe: %s", strerror(errno));
    close(fd);
    return -1;
  }
  ExecOptions o = *opt;
  o.own_group = true;
  ExecResult res = {0};
  /* as exec_run: a child that quits before reading its input is EPIPE */
  sigset_t pipe_set, old_mask, pending;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  sigprocmask(SIG_BLOCK, &pipe_set, &old_mask);
  pid_t pid = spawn(&o, &p, &old_mask, &res, error);
  close_fd(&p.in[0]);
  close(fd);
  for (size_t done = 0; pid > 0 && p.in[1] >= 0 && done < opt->input_len;) {
    ssize_t n = write(p.in[1], opt->input + done, opt->input_len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += (size_t)n;
  }
  close_fd(&p.in[1]);
  if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE)) {
    struct timespec zero = {0, 0};
    sigtimedwait(&pipe_set, NULL, &zero);
  }
  sigprocmask(SIG_SETMASK, &old_mask, NULL);
  return pid;
}

pid_t exec_spawn(const ExecOptions *opt, int fds[2], bool *not_found, char **error) {
  ExecOptions o = *opt;
  o.own_group = true;
  o.input = NULL;
  Pipes p;
  if (!open_pipes(&o, &p, error)) return -1;
  ExecResult res = {0};
  sigset_t mask;
  sigprocmask(SIG_SETMASK, NULL, &mask);
  pid_t pid = spawn(&o, &p, &mask, &res, error);
  close_fd(&p.out[1]), close_fd(&p.err[1]);
  *not_found = res.not_found;
  if (pid > 0) fds[0] = p.out[0], fds[1] = p.err[0], p.out[0] = p.err[0] = -1;
  close_pipes(&p);
  return pid;
}

void exec_stop(pid_t pid, int64_t grace_ms) {
  if (pid <= 0) return;
  kill(-pid, SIGTERM);
  int status;
  for (int64_t waited = 0; waited < grace_ms; waited += 20) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      kill(-pid, SIGKILL); /* what it left in its group */
      return;
    }
    usleep(20000);
  }
  kill(-pid, SIGKILL);
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
}

void exec_result_free(ExecResult *res) {
  free(res->out);
  free(res->err);
  res->out = res->err = NULL;
}

bool exec_on_path(const char *name) {
  if (!*name) return false;
  if (strchr(name, '/')) return access(name, X_OK) == 0;
  const char *path = getenv("PATH");
  if (!path) path = "/usr/bin:/bin";
  for (const char *d = path;;) {
    size_t n = strcspn(d, ":");
    char *full = xasprintf("%.*s/%s", (int)n, n ? d : ".", name);
    bool ok = access(full, X_OK) == 0;
    free(full);
    if (ok) return true;
    if (!d[n]) return false;
    d += n + 1;
  }
}

static bool plain_word(const char *w) {
  if (!*w) return false;
  for (const char *c = w; *c; c++)
    if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@+,%^", *c)) return false;
  return true;
}

char *exec_argv_display(char *const *argv) {
  Buf b = {0};
  for (char *const *a = argv; *a; a++) {
    if (a != argv) buf_putc(&b, ' ');
    if (plain_word(*a)) {
      buf_puts(&b, *a);
      continue;
    }
    buf_putc(&b, '\'');
    for (const char *c = *a; *c; c++)
      if (*c == '\'') buf_puts(&b, "'\\''");
      else buf_putc(&b, *c);
    buf_putc(&b, '\'');
  }
  return b.data ? buf_take(&b) : xstrdup("");
}
