/* test_lock.c — per-environment deploy locks between processes. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check_state.h"
#include "run/lock.h"
#include "run/state.h"

/* A child that locks `env` as `run`, says so on the pipe, holds the lock
 * for hold_ms, releases it and lingers a while (so only the release, not
 * its exit, can free the lock). hold_ms < 0: hold until killed. */
static pid_t spawn_holder(const char *dir, const char *env, const char *run, int hold_ms) {
  int fds[2];
  if (pipe(fds) != 0) abort();
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    FileLock l;
    char *err = NULL;
    if (store_lock_env(dir_store(dir), &l, env, run, 0, NULL, NULL, &err) != LOCK_ACQUIRED) _exit(2);
    if (write(fds[1], "x", 1) != 1) _exit(3);
    if (hold_ms < 0) for (;;) pause();
    struct timespec ts = {hold_ms / 1000, (long)(hold_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    lock_release(&l);
    sleep(2);
    _exit(0);
  }
  close(fds[1]);
  char c;
  CHECK(read(fds[0], &c, 1) == 1); /* the child holds the lock now */
  close(fds[0]);
  return pid;
}

static void reap(pid_t pid, bool kill_it) {
  if (kill_it) kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
}

typedef struct Waited {
  int calls;
  char *run;
  long pid;
} Waited;

static void on_wait(const LockHolder *h, void *ctx) {
  Waited *w = ctx;
  w->calls++;
  free(w->run);
  w->run = h->run ? xstrdup(h->run) : NULL;
  w->pid = h->pid;
}

static void test_in_process(void) {
  char *dir = scratch_dir(), *err = NULL;
  FileLock l;
  CHECK(store_lock_env(dir_store(dir), &l, "prod", "run-1", 0, NULL, NULL, &err) == LOCK_ACQUIRED);
  CHECK(l.fd >= 0 && (fcntl(l.fd, F_GETFD) & FD_CLOEXEC)); /* exec'd commands never hold it */
  bool held = false;
  LockHolder h;
  CHECK(store_holder(dir_store(dir), SLOCK_DEPLOY, "prod", &held, &h, &err) && held);
  CHECK_STR(h.run, "run-1");
  CHECK_INT(h.pid, getpid());
  char *host = state_hostname();
  CHECK_STR(h.host, host);
  free(host);
  int64_t since;
  CHECK(h.since && state_parse_time(h.since, &since) && since <= state_now_ms());
  char *who = lock_holder_describe(&h);
  CHECK(strstr(who, "run run-1 (pid ") == who);
  free(who);
  lock_holder_free(&h);
  lock_release(&l);
  CHECK(l.fd == -1);
  CHECK(store_holder(dir_store(dir), SLOCK_DEPLOY, "prod", &held, &h, &err) && !held && !h.run);
  /* other environments are independent; bad names are refused */
  CHECK(store_lock_env(dir_store(dir), &l, "uat", "run-2", 0, NULL, NULL, &err) == LOCK_ACQUIRED);
  FileLock m;
  CHECK(store_lock_env(dir_store(dir), &m, "prod", "run-3", 0, NULL, NULL, &err) == LOCK_ACQUIRED);
  lock_release(&m);
  lock_release(&l);
  CHECK(store_lock_env(dir_store(dir), &l, "../etc", "run-2", 0, NULL, NULL, &err) == LOCK_FAILED);
  CHECK(err && strstr(err, "../etc"));
  free(err);
  rm_rf(dir);
}

static void test_wait_for_release(void) {
  char *dir = scratch_dir(), *err = NULL;
  pid_t holder = spawn_holder(dir, "prod", "run-A", 300);
  Waited w = {0};
  int64_t t0 = state_now_ms();
  FileLock l;
  CHECK(store_lock_env(dir_store(dir), &l, "prod", "run-B", 5000, on_wait, &w, &err) == LOCK_ACQUIRED);
  int64_t waited = state_now_ms() - t0;
  CHECK(waited >= 200 && waited < 1500); /* got it at the release, not at the child's exit */
  CHECK_INT(w.calls, 1);
  CHECK_STR(w.run, "run-A");
  CHECK_INT(w.pid, holder);
  bool held;
  LockHolder h;
  CHECK(store_holder(dir_store(dir), SLOCK_DEPLOY, "prod", &held, &h, &err) && held);
  CHECK_STR(h.run, "run-B");
  lock_holder_free(&h);
  lock_release(&l);
  free(w.run);
  reap(holder, true);
  printf("waited %lld ms for a 300 ms holder\n", (long long)waited);
  rm_rf(dir);
}

static void test_timeout_and_kill(void) {
  char *dir = scratch_dir(), *err = NULL;
  pid_t holder = spawn_holder(dir, "prod", "run-A", -1);
  FileLock l;
  int64_t t0 = state_now_ms();
  CHECK(store_lock_env(dir_store(dir), &l, "prod", "run-B", 250, NULL, NULL, &err) == LOCK_TIMED_OUT);
  int64_t waited = state_now_ms() - t0;
  CHECK(waited >= 250 && waited < 1500);
  CHECK(err && strstr(err, "environment 'prod' is locked by run run-A (pid "));
  if (err) printf("timeout message: %s\n", err);
  free(err), err = NULL;
  CHECK(l.fd == -1);
  /* try once: no waiting at all */
  t0 = state_now_ms();
  CHECK(store_lock_env(dir_store(dir), &l, "prod", "run-B", 0, NULL, NULL, &err) == LOCK_TIMED_OUT);
  CHECK(state_now_ms() - t0 < 200);
  free(err), err = NULL;
  /* kill -9 the holder: the kernel releases its lock */
  reap(holder, true);
  CHECK(store_lock_env(dir_store(dir), &l, "prod", "run-B", 1000, NULL, NULL, &err) == LOCK_ACQUIRED);
  lock_release(&l);
  rm_rf(dir);
}

/* The parent locks, forks the deploy stage, and releases its copy: the
 * child keeps the environment locked until it ends. */
static void test_shared_across_fork(void) {
  char *dir = scratch_dir(), *err = NULL;
  FileLock l;
  CHECK(store_lock_env(dir_store(dir), &l, "prod", "run-F", 0, NULL, NULL, &err) == LOCK_ACQUIRED);
  pid_t child = fork();
  if (child == 0) {
    for (;;) pause();
  }
  /* close the parent's descriptor without clearing the note, as a parent
   * that dies would */
  close(l.fd);
  l.fd = -1;
  lock_release(&l);
  bool held;
  LockHolder h;
  CHECK(store_holder(dir_store(dir), SLOCK_DEPLOY, "prod", &held, &h, &err) && held);
  CHECK_STR(h.run, "run-F");
  lock_holder_free(&h);
  reap(child, true);
  CHECK(store_holder(dir_store(dir), SLOCK_DEPLOY, "prod", &held, &h, &err) && !held);
  lock_holder_free(&h);

  /* a child releasing its copy leaves the parent's lock and note alone */
  CHECK(store_lock_env(dir_store(dir), &l, "prod", "run-G", 0, NULL, NULL, &err) == LOCK_ACQUIRED);
  child = fork();
  if (child == 0) {
    lock_release(&l);
    free(dir);
    _exit(0);
  }
  reap(child, false);
  CHECK(store_holder(dir_store(dir), SLOCK_DEPLOY, "prod", &held, &h, &err) && held);
  CHECK_STR(h.run, "run-G");
  lock_holder_free(&h);
  lock_release(&l);
  CHECK(store_holder(dir_store(dir), SLOCK_DEPLOY, "prod", &held, &h, &err) && !held);
  rm_rf(dir);
}

/* Tickets in the environment's queue: how many waiters are in line. */
static int in_line(const char *dir, const char *env) {
  char *q = xasprintf("%s/locks/%s.lock.queue", dir, env);
  DIR *d = opendir(q);
  int n = 0;
  for (struct dirent *e; d && (e = readdir(d));) n += e->d_name[0] >= '0' && e->d_name[0] <= '9';
  if (d) closedir(d);
  free(q);
  return n;
}

/* A waiter that says its letter on the pipe once it has the lock. It is
 * another run: it does not share the parent's lock (fd held). */
static pid_t spawn_waiter(const char *dir, const char *env, char letter, int out, int held) {
  pid_t pid = fork();
  if (pid == 0) {
    close(held);
    FileLock l;
    char *err = NULL, run[] = {'r', 'u', 'n', '-', letter, 0};
    if (store_lock_env(dir_store(dir), &l, env, run, -1, NULL, NULL, &err) != LOCK_ACQUIRED) _exit(2);
    if (write(out, &letter, 1) != 1) _exit(3);
    struct timespec ts = {0, 20 * 1000000L};
    nanosleep(&ts, NULL);
    lock_release(&l);
    _exit(0);
  }
  return pid;
}

static void wait_in_line(const char *dir, const char *env, int n) {
  for (int tries = 0; in_line(dir, env) < n && tries < 1000; tries++) {
    struct timespec ts = {0, 5 * 1000000L};
    nanosleep(&ts, NULL);
  }
  CHECK_INT(in_line(dir, env), n);
}

/* Waiters are served in the order they came, whatever the polling does;
 * one that died in line holds nobody up. */
static void test_first_come_first_served(void) {
  char *dir = scratch_dir(), *err = NULL;
  for (int round = 0; round < 3; round++) {
    FileLock l;
    CHECK(store_lock_env(dir_store(dir), &l, "prod", "holder", 0, NULL, NULL, &err) == LOCK_ACQUIRED);
    int fds[2];
    if (pipe(fds) != 0) abort();
    const char *order = "ABCDEF";
    pid_t pids[6];
    for (int i = 0; i < 6; i++) {
      pids[i] = spawn_waiter(dir, "prod", order[i], fds[1], l.fd);
      wait_in_line(dir, "prod", i + 1);
    }
    kill(pids[2], SIGKILL); /* C dies in line */
    waitpid(pids[2], NULL, 0);
    close(fds[1]);
    lock_release(&l);
    char got[8] = {0};
    size_t n = 0;
    ssize_t k;
    while (n < sizeof got - 1 && (k = read(fds[0], got + n, sizeof got - 1 - n)) > 0) n += (size_t)k;
    close(fds[0]);
    CHECK_STR(got, "ABDEF");
    for (int i = 0; i < 6; i++)
      if (i != 2) waitpid(pids[i], NULL, 0);
    CHECK_INT(in_line(dir, "prod"), 0);
  }
  rm_rf(dir);
}

int main(void) {
  test_in_process();
  test_wait_for_release();
  test_timeout_and_kill();
  test_shared_across_fork();
  test_first_come_first_served();
  return check_done();
}
