/* lock.h — one deploy at a time per environment.
 *
 * STATE/locks/<ENV>.lock is locked with flock(2): the kernel releases it
 * when the last descriptor of the holder's open file closes, so a holder
 * that crashes or is killed never leaves a stale lock. While it holds the
 * lock, the holder keeps {run, pid, host, since} in the file, so a waiter
 * can say whom it waits for. The file is never removed (removing it would
 * let two processes lock two different files of the same name).
 *
 * Across fork (the scheduler runs each stage in a child): take the lock
 * in the parent before forking the deploy stage's child. The child then
 * shares it (same open file) and the environment stays locked while
 * either lives (a child dies with its parent: run/sched.c). The descriptor is O_CLOEXEC, so commands the stage execs (and
 * daemons they leave behind) never hold it. The parent calls lock_release
 * after reaping the child; the child need do nothing (exiting closes its
 * copy).
 *
 * Waiters are served first come, first served: each takes a numbered
 * ticket in STATE/locks/<ENV>.lock.queue/ and tries the lock only when no
 * live waiter came before it (a waiter that died leaves no ticket that
 * counts). */
#ifndef RP_LOCK_H
#define RP_LOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/value.h"

typedef struct FileLock {
  int fd;      /* -1 when not held */
  char *path;
  pid_t pid;   /* the process that took it: only it clears the note */
  void *lease; /* a git backend's lease instead (run/store_git.c); NULL */
} FileLock;

typedef struct LockHolder {
  char *run;   /* NULL when the file says nothing (yet) */
  long pid;
  char *host;
  char *since; /* UTC, as state_format_time writes it */
  int64_t expires_ms; /* a lease's end (git backend); 0 for a flock */
} LockHolder;

typedef enum LockResult {
  LOCK_ACQUIRED,
  LOCK_TIMED_OUT, /* *err names the holder */
  LOCK_FAILED,    /* an I/O error; *err names the file */
} LockResult;

/* Called once, when the lock is found held and we start waiting. */
typedef void (*LockWaitFn)(const LockHolder *holder, void *ctx);

/* Locks the file at `path` for run `run_id` (run/store.c names the files).
 * wait_ms: 0 = try once, < 0 = wait as long as it takes; `what` names it
 * in messages ("environment 'prod'", "run 2026…"). */
LockResult lock_acquire_file(FileLock *l, const char *path, const char *what, const char *run_id,
                             int64_t wait_ms, LockWaitFn on_wait, void *ctx, char **err);
/* Closes this process's descriptor; no-op when not held. Called in a
 * forked child, it leaves the parent's lock and note alone. */
void lock_release(FileLock *l);

/* Who holds the lock at `path` now: *held false when nobody. */
bool lock_holder_file(const char *path, bool *held, LockHolder *out, char **err);
/* The holder a note {run, pid, host, since, expires?} names (a map). */
void lock_holder_from_note(Value note, LockHolder *out);
/* "run R (pid P on H since T)", malloc'd; a lease adds the time left. */
char *lock_holder_describe(const LockHolder *h);
void lock_holder_free(LockHolder *h);

#endif
