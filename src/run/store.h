/* store.h — where rp's state lives: one interface, several backends.
 *
 * Everything rp keeps between runs is a few append-only logs of JSON
 * records and a few locks:
 *   logs   runs/<RUN_ID> (a run's journal), history/<ENV>, ephemeral/<ENV>, cache/<STAGE>, groups/<GROUP>
 *   locks  a run's owner and decisions locks, an environment's deploy lock
 *   blobs  the archives of a run's artifacts (run/artifact.h)
 * A backend stores them: the directory backend as files (run/state.h,
 * the layout doc/state.md describes), the git backend under refs/rp/ of a
 * git repository (run/store_git.c). Journals, histories, locks and the
 * commands reach the state only through a Store. */
#ifndef RP_STORE_H
#define RP_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/value.h"
#include "run/lock.h"
#include "run/state.h"

/* The kinds of logs; each is named by a run id, an environment, (the
 * cache of `cache KEY` stages, run/cache.h) a stage, or a concurrency
 * group (run/group.h, which names its log). */
typedef enum StoreSpace { SPACE_RUNS, SPACE_HISTORY, SPACE_EPHEMERAL, SPACE_CACHE, SPACE_GROUPS } StoreSpace;
/* The kinds of locks: a run's owner and its decisions, an environment's deploys. */
typedef enum StoreLockKind { SLOCK_OWNER, SLOCK_DECISIONS, SLOCK_DEPLOY } StoreLockKind;

/* How durable an append is when it returns. */
typedef enum Durability {
  STORE_LAZY,    /* may wait in memory for the next written append to the log (a crash loses it) */
  STORE_WRITTEN, /* survives kill -9, maybe not a power cut */
  STORE_SYNCED,  /* survives a power cut too */
} Durability;

typedef struct Store Store;

typedef struct StoreOps {
  const char *name; /* "directory", "git" */
  /* Creates the log of a new run; *exists (and false) when it is there. */
  bool (*create_run)(Store *s, const char *id, bool *exists, char **err);
  /* Whether a log has been created or appended to. */
  bool (*exists)(Store *s, StoreSpace sp, const char *name, bool *yes, char **err);
  /* Appends `records` (a list of maps, borrowed), after any that waited:
   * a crash can lose lazy records, never reorder them. */
  bool (*append)(Store *s, StoreSpace sp, const char *name, Value records, Durability d, char **err);
  /* Makes what was appended to the log durable. */
  bool (*flush)(Store *s, StoreSpace sp, const char *name, char **err);
  /* Every valid record of a log (a missing log is empty). */
  bool (*read)(Store *s, StoreSpace sp, const char *name, StateRead *out, char **err);
  /* The names of the logs of a kind, sorted (a list of strings). */
  bool (*list)(Store *s, StoreSpace sp, Value *out, char **err);
  LockResult (*lock)(Store *s, StoreLockKind k, const char *name, const char *what, const char *run_id,
                     int64_t wait_ms, LockWaitFn on_wait, void *ctx, FileLock *l, char **err);
  bool (*holder)(Store *s, StoreLockKind k, const char *name, bool *held, LockHolder *out, char **err);
  void (*unlock)(Store *s, FileLock *l);
  /* In a forked child: drop this process's share of l without releasing it. */
  void (*forget)(Store *s, FileLock *l);
  /* The archive of an artifact, read from fd (from its start), kept as
   * `name` of run `run`; and back, a descriptor reading it from its start
   * (-1 with *err, which names where it was looked for). */
  bool (*put_blob)(Store *s, const char *run, const char *name, int fd, char **err);
  int (*get_blob)(Store *s, const char *run, const char *name, char **err);
  /* Where a log is, for messages (malloc'd; never a credential). */
  char *(*where)(Store *s, StoreSpace sp, const char *name);
  void (*close)(Store *s);
} StoreOps;

struct Store {
  const StoreOps *ops;
  char *spec;   /* as given, credentials stripped: for messages */
  void *impl;   /* the backend's */
};

/* A directory store (today's layout under `dir`). */
Store *store_open_dir(const char *dir);
/* A git store: `remote` is what follows "git:" in a spec (a URL, a path,
 * or a remote of the repository holding `pipeline_file`). It is fetched
 * from at once: NULL with *err, naming it, when it cannot be reached. */
Store *store_open_git(const char *remote, const char *pipeline_file, char **err);
/* The store `spec` names ("git:REMOTE", else a directory); with no spec,
 * the pipeline's state directory (state_dir_for). NULL with *err when it
 * cannot be reached. cmd/load.c chooses the spec. */
Store *store_open_for(const char *spec, const char *pipeline_file, char **err);
void store_close(Store *s); /* NULL is fine */

/* The operations, checking names where a name becomes a file or a ref. */
bool store_create_run(Store *s, const char *id, bool *exists, char **err);
bool store_exists(Store *s, StoreSpace sp, const char *name, bool *yes, char **err);
bool store_append(Store *s, StoreSpace sp, const char *name, Value record, Durability d, char **err);
bool store_flush(Store *s, StoreSpace sp, const char *name, char **err);
bool store_read(Store *s, StoreSpace sp, const char *name, StateRead *out, char **err);
bool store_list(Store *s, StoreSpace sp, Value *out, char **err);
LockResult store_lock(Store *s, StoreLockKind k, const char *name, const char *what, const char *run_id,
                      int64_t wait_ms, LockWaitFn on_wait, void *ctx, FileLock *l, char **err);
/* store_lock of environment `env`'s deploy lock. */
LockResult store_lock_env(Store *s, FileLock *l, const char *env, const char *run_id, int64_t wait_ms,
                          LockWaitFn on_wait, void *ctx, char **err);
bool store_holder(Store *s, StoreLockKind k, const char *name, bool *held, LockHolder *out, char **err);
void store_unlock(Store *s, FileLock *l);
void store_forget(Store *s, FileLock *l);
char *store_where(Store *s, StoreSpace sp, const char *name);
bool store_put_blob(Store *s, const char *run, const char *name, int fd, char **err);
int store_get_blob(Store *s, const char *run, const char *name, char **err);
/* An anonymous temporary file (in $TMPDIR, else /tmp), read-write: an fd,
 * or -1 with *err. */
int store_tmpfile(char **err);

/* rp state migrate: appends to `to` every record of `from` it lacks (runs,
 * histories, ephemeral instances, caches; locks are not copied), each log in its
 * order (the cache too). *logs and *records count what was copied. */
bool store_copy(Store *from, Store *to, size_t *logs, size_t *records, char **err);

#endif
