/* lock.c — flock-based locks that say who holds them. */
#include "run/lock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/value.h"
#include "run/state.h"

static char *field_dup(Value rec, const char *key) {
  Value v = map_get(rec, key);
  return is_str(v) ? xstrdup(str_chars(v)) : NULL;
}

/* Reads the holder's note. It is rewritten right after locking, so a
 * reader may catch it empty or half written: try again briefly. */
static void read_holder(const char *path, LockHolder *out) {
  memset(out, 0, sizeof *out);
  for (int tries = 0; tries < 5; tries++) {
    size_t len;
    char *text = read_file(path, &len);
    Value rec;
    char *perr = NULL;
    bool ok = text && len > 0 && json_parse(text, len, &rec, &perr);
    free(text);
    free(perr);
    if (ok && rec.kind == V_MAP) {
      lock_holder_from_note(rec, out);
      value_release(rec);
      return;
    }
    if (ok) value_release(rec);
    state_sleep_ms(10);
  }
}

void lock_holder_from_note(Value note, LockHolder *out) {
  out->run = field_dup(note, "run");
  out->host = field_dup(note, "host");
  out->since = field_dup(note, "since");
  Value pid = map_get(note, "pid"), expires = map_get(note, "expires");
  out->pid = pid.kind == V_INT ? (long)pid.as.i : 0;
  out->expires_ms = 0;
  if (is_str(expires)) state_parse_time(str_chars(expires), &out->expires_ms);
}

char *lock_holder_describe(const LockHolder *h) {
  if (!h->run) return xstrdup("an unknown holder");
  if (h->expires_ms) { /* a lease: how long it may still hold */
    int64_t left = h->expires_ms - state_now_ms();
    return xasprintf("run %s (pid %ld on %s since %s; its lease expires in %llds)", h->run, h->pid,
                     h->host ? h->host : "?", h->since ? h->since : "?", (long long)(left > 0 ? (left + 999) / 1000 : 0));
  }
  return xasprintf("run %s (pid %ld on %s since %s)", h->run, h->pid, h->host ? h->host : "?",
                   h->since ? h->since : "?");
}

void lock_holder_free(LockHolder *h) {
  free(h->run);
  free(h->host);
  free(h->since);
  memset(h, 0, sizeof *h);
}

/* Leaves the holder's note in the (locked) file. */
static bool write_note(int fd, const char *run_id) {
  Value note = v_map();
  map_set(note, "run", v_cstr(run_id ? run_id : ""));
  map_set(note, "pid", v_int(getpid()));
  map_set(note, "host", v_str_take(state_hostname()));
  map_set(note, "since", v_str_take(state_format_time(state_now_ms())));
  Buf b = {0};
  json_encode(note, &b, false);
  buf_putc(&b, '\n');
  value_release(note);
  bool ok = ftruncate(fd, 0) == 0 && pwrite(fd, b.data, b.len, 0) == (ssize_t)b.len;
  buf_free(&b);
  return ok;
}

static char *parent_dir(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
}

/* ---- waiting in line ----
 * flock(2) wakes waiters in no order, so waiters queue with tickets:
 * PATH.queue/<number>, numbered under a short lock on PATH.queue/next.
 * Each waiter holds a flock on its own ticket, so a ticket whose flock can
 * be taken belongs to a waiter that died and is removed. A waiter tries
 * the lock only when no live ticket is older than its own. A ticket is
 * locked before it is renamed into place: no one sees one unlocked. */

typedef struct Ticket {
  char *dir;
  long long number;
  int fd;
} Ticket;

static bool take_ticket(Ticket *t, const char *path, char **err) {
  t->dir = xasprintf("%s.queue", path);
  t->fd = -1;
  if (!state_mkdirs(t->dir, err)) return false;
  char *next = xasprintf("%s/next", t->dir), *tmp = xasprintf("%s/.new-%ld", t->dir, (long)getpid());
  int cfd = open(next, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  bool ok = cfd >= 0 && flock(cfd, LOCK_EX) == 0;
  if (ok) {
    char buf[32] = {0};
    ssize_t n = pread(cfd, buf, sizeof buf - 1, 0);
    t->number = n > 0 ? atoll(buf) + 1 : 1;
    int len = snprintf(buf, sizeof buf, "%lld\n", t->number);
    t->fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    char *final = xasprintf("%s/%020lld", t->dir, t->number);
    ok = t->fd >= 0 && flock(t->fd, LOCK_EX) == 0 && rename(tmp, final) == 0 && ftruncate(cfd, 0) == 0 &&
         pwrite(cfd, buf, (size_t)len, 0) == len;
    free(final);
  }
  if (!ok) *err = xasprintf("%s: %s", t->dir, strerror(errno));
  if (cfd >= 0) close(cfd); /* releases the counter */
  free(next);
  free(tmp);
  return ok;
}

/* Whether a live ticket older than ours is still in line; removes the
 * tickets of waiters that died. */
static bool someone_ahead(const Ticket *t) {
  DIR *d = opendir(t->dir);
  if (!d) return false;
  bool ahead = false;
  struct dirent *e;
  while (!ahead && (e = readdir(d))) {
    char *end;
    long long n = strtoll(e->d_name, &end, 10);
    if (*end || end == e->d_name || n >= t->number) continue;
    char *p = xasprintf("%s/%s", t->dir, e->d_name);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
      unlink(p); /* its waiter is gone */
    else if (fd >= 0)
      ahead = true;
    if (fd >= 0) close(fd);
    free(p);
  }
  closedir(d);
  return ahead;
}

static void leave_line(Ticket *t) {
  if (t->fd >= 0) {
    char *p = xasprintf("%s/%020lld", t->dir, t->number);
    unlink(p);
    free(p);
    close(t->fd);
  }
  free(t->dir);
  t->dir = NULL;
  t->fd = -1;
}

static LockResult gave_up(const char *path, const char *what, int64_t wait_ms, char **err) {
  LockHolder h;
  read_holder(path, &h);
  char *who = lock_holder_describe(&h);
  *err = xasprintf("%s is locked by %s; gave up after %lld ms", what, who, (long long)wait_ms);
  free(who);
  lock_holder_free(&h);
  return LOCK_TIMED_OUT;
}

LockResult lock_acquire_file(FileLock *l, const char *path, const char *what, const char *run_id,
                             int64_t wait_ms, LockWaitFn on_wait, void *ctx, char **err) {
  l->fd = -1;
  l->path = NULL;
  char *dir = parent_dir(path);
  bool made = state_mkdirs(dir, err);
  free(dir);
  if (!made) return LOCK_FAILED;
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0) {
    *err = xasprintf("%s: %s", path, strerror(errno));
    return LOCK_FAILED;
  }
  Ticket t = {0};
  if (!take_ticket(&t, path, err)) {
    leave_line(&t);
    close(fd);
    return LOCK_FAILED;
  }
  int64_t deadline = state_now_ms() + wait_ms, pause = 10;
  bool told = false;
  LockResult r = LOCK_ACQUIRED;
  for (;;) {
    if (!someone_ahead(&t)) {
      if (flock(fd, LOCK_EX | LOCK_NB) == 0) break;
      if (errno != EWOULDBLOCK && errno != EINTR) {
        *err = xasprintf("%s: %s", path, strerror(errno));
        r = LOCK_FAILED;
        break;
      }
    }
    int64_t now = state_now_ms();
    if (wait_ms >= 0 && now >= deadline) {
      r = gave_up(path, what, wait_ms, err);
      break;
    }
    if (!told && on_wait) {
      LockHolder h;
      read_holder(path, &h);
      on_wait(&h, ctx);
      lock_holder_free(&h);
    }
    told = true;
    int64_t nap = pause;
    if (wait_ms >= 0 && deadline - now < nap) nap = deadline - now;
    state_sleep_ms(nap);
    if (pause < 200) pause *= 2; /* polling: flock has no timed wait */
  }
  leave_line(&t);
  if (r == LOCK_ACQUIRED && !write_note(fd, run_id)) {
    *err = xasprintf("%s: %s", path, strerror(errno));
    r = LOCK_FAILED;
  }
  if (r != LOCK_ACQUIRED) {
    close(fd);
    return r;
  }
  l->fd = fd;
  l->path = xstrdup(path);
  l->pid = getpid();
  return LOCK_ACQUIRED;
}

void lock_release(FileLock *l) {
  if (l->fd >= 0) {
    /* Clear the note first: an empty file under a free lock reads
     * "nobody". A forked child closing its copy must not clear it. */
    if (l->pid == getpid() && ftruncate(l->fd, 0) != 0) { /* advisory: flock is the lock */
    }
    close(l->fd); /* releases the flock unless a forked child still has it */
  }
  l->fd = -1;
  free(l->path);
  l->path = NULL;
}

bool lock_holder_file(const char *path, bool *held, LockHolder *out, char **err) {
  memset(out, 0, sizeof *out);
  *held = false;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return true;
    *err = xasprintf("%s: %s", path, strerror(errno));
    return false;
  }
  if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
    flock(fd, LOCK_UN);
  } else if (errno == EWOULDBLOCK) {
    *held = true;
    read_holder(path, out);
  } else {
    *err = xasprintf("%s: %s", path, strerror(errno));
    close(fd);
    return false;
  }
  close(fd);
  return true;
}
