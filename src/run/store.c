/* store.c — the state interface, and its directory backend: the files of
 * run/state.h under one directory (doc/state.md, "Layout"). */
#include "run/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- names ---- */

static const char *const space_dirs[] = {"runs", "history", "ephemeral", "cache", "groups"};

static bool blob_names_ok(const char *run, const char *name, char **err) {
  if (!state_name_ok(run)) *err = xasprintf("'%s' is not a run id", run ? run : "");
  else if (!state_name_ok(name)) *err = xasprintf("'%s' cannot name an artifact", name ? name : "");
  return !*err;
}

/* Names become file names and ref names: the same rule for both. */
static bool name_ok(StoreSpace sp, const char *name, char **err) {
  if (state_name_ok(name)) return true;
  if (sp == SPACE_RUNS) *err = xasprintf("'%s' is not a run id", name ? name : "");
  else if (sp == SPACE_CACHE) *err = xasprintf("'%s' cannot name a stage's cache file", name ? name : "");
  else if (sp == SPACE_GROUPS) *err = xasprintf("'%s' cannot name a concurrency group's file", name ? name : "");
  else *err = xasprintf("'%s' cannot name an environment's %s file", name ? name : "",
                        sp == SPACE_HISTORY ? "history" : "ephemeral");
  return false;
}

static bool lock_name_ok(StoreLockKind k, const char *name, char **err) {
  if (state_name_ok(name)) return true;
  if (k == SLOCK_DEPLOY) *err = xasprintf("'%s' cannot name an environment's lock file", name ? name : "");
  else *err = xasprintf("'%s' is not a run id", name ? name : "");
  return false;
}

/* ---- the interface ---- */

void store_close(Store *s) {
  if (!s) return;
  s->ops->close(s);
  free(s->spec);
  free(s);
}

bool store_create_run(Store *s, const char *id, bool *exists, char **err) {
  *exists = false;
  return name_ok(SPACE_RUNS, id, err) && s->ops->create_run(s, id, exists, err);
}

bool store_exists(Store *s, StoreSpace sp, const char *name, bool *yes, char **err) {
  *yes = false;
  return name_ok(sp, name, err) && s->ops->exists(s, sp, name, yes, err);
}

bool store_append(Store *s, StoreSpace sp, const char *name, Value record, Durability d, char **err) {
  if (!name_ok(sp, name, err)) return false;
  Value one = v_list();
  list_push(one, value_retain(record));
  bool ok = s->ops->append(s, sp, name, one, d, err);
  value_release(one);
  return ok;
}

bool store_flush(Store *s, StoreSpace sp, const char *name, char **err) {
  return name_ok(sp, name, err) && s->ops->flush(s, sp, name, err);
}

bool store_read(Store *s, StoreSpace sp, const char *name, StateRead *out, char **err) {
  out->records = V_NULL_VALUE;
  return name_ok(sp, name, err) && s->ops->read(s, sp, name, out, err);
}

bool store_list(Store *s, StoreSpace sp, Value *out, char **err) { return s->ops->list(s, sp, out, err); }

LockResult store_lock(Store *s, StoreLockKind k, const char *name, const char *what, const char *run_id,
                      int64_t wait_ms, LockWaitFn on_wait, void *ctx, FileLock *l, char **err) {
  *l = (FileLock){.fd = -1};
  if (!lock_name_ok(k, name, err)) return LOCK_FAILED;
  return s->ops->lock(s, k, name, what, run_id, wait_ms, on_wait, ctx, l, err);
}

LockResult store_lock_env(Store *s, FileLock *l, const char *env, const char *run_id, int64_t wait_ms,
                          LockWaitFn on_wait, void *ctx, char **err) {
  char *what = xasprintf("environment '%s'", env ? env : "");
  LockResult r = store_lock(s, SLOCK_DEPLOY, env, what, run_id, wait_ms, on_wait, ctx, l, err);
  free(what);
  return r;
}

bool store_holder(Store *s, StoreLockKind k, const char *name, bool *held, LockHolder *out, char **err) {
  memset(out, 0, sizeof *out);
  *held = false;
  return lock_name_ok(k, name, err) && s->ops->holder(s, k, name, held, out, err);
}

void store_unlock(Store *s, FileLock *l) {
  if (s) s->ops->unlock(s, l);
}

void store_forget(Store *s, FileLock *l) {
  if (s) s->ops->forget(s, l);
}

char *store_where(Store *s, StoreSpace sp, const char *name) { return s->ops->where(s, sp, name); }

bool store_put_blob(Store *s, const char *run, const char *name, int fd, char **err) {
  *err = NULL;
  return blob_names_ok(run, name, err) && s->ops->put_blob(s, run, name, fd, err);
}

int store_get_blob(Store *s, const char *run, const char *name, char **err) {
  *err = NULL;
  return blob_names_ok(run, name, err) ? s->ops->get_blob(s, run, name, err) : -1;
}

int store_tmpfile(char **err) {
  const char *dir = getenv("TMPDIR");
  if (!dir || !*dir) dir = "/tmp";
  char *path = xasprintf("%s/rp-XXXXXX", dir);
  int fd = mkstemp(path);
  if (fd >= 0) { /* gone with its last descriptor */
    unlink(path);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  free(path);
  if (fd < 0) *err = xasprintf("%s: cannot make a temporary file: %s", dir, strerror(errno));
  return fd;
}

/* The lines of a read, as text, for comparing records. */
static Value encoded(Value records) {
  Value out = v_map();
  for (size_t i = 0; i < list_len(records); i++) {
    Buf b = {0};
    json_encode(list_get(records, i), &b, false);
    map_set(out, b.data ? b.data : "", v_bool(true));
    buf_free(&b);
  }
  return out;
}

static bool copy_log(Store *from, Store *to, StoreSpace sp, const char *name, size_t *logs, size_t *records,
                     char **err) {
  StateRead src, dst;
  bool exists = false;
  if (!store_read(from, sp, name, &src, err)) return false;
  bool ok = store_exists(to, sp, name, &exists, err) &&
            (exists || sp != SPACE_RUNS || store_create_run(to, name, &exists, err)) &&
            store_read(to, sp, name, &dst, err);
  if (ok) {
    Value have = encoded(dst.records), missing = v_list();
    for (size_t i = 0; i < list_len(src.records); i++) {
      Buf b = {0};
      json_encode(list_get(src.records, i), &b, false);
      if (!map_has(have, b.data)) list_push(missing, value_retain(list_get(src.records, i)));
      buf_free(&b);
    }
    if (list_len(missing)) {
      ok = to->ops->append(to, sp, name, missing, STORE_SYNCED, err);
      *logs += 1;
      *records += list_len(missing);
    }
    value_release(missing);
    value_release(have);
    value_release(dst.records);
  }
  value_release(src.records);
  return ok;
}

bool store_copy(Store *from, Store *to, size_t *logs, size_t *records, char **err) {
  *logs = *records = 0;
  for (int sp = SPACE_RUNS; sp <= SPACE_CACHE; sp++) {
    Value names;
    if (!store_list(from, (StoreSpace)sp, &names, err)) return false;
    bool ok = true;
    for (size_t i = 0; ok && i < list_len(names); i++)
      ok = copy_log(from, to, (StoreSpace)sp, str_chars(list_get(names, i)), logs, records, err);
    value_release(names);
    if (!ok) return false;
  }
  return true;
}

/* ---- the directory backend ---- */

static const char *dir_of(Store *s) { return s->impl; }

static char *log_path(Store *s, StoreSpace sp, const char *name) {
  if (sp == SPACE_RUNS) return xasprintf("%s/runs/%s/journal.ndjson", dir_of(s), name);
  return xasprintf("%s/%s/%s.ndjson", dir_of(s), space_dirs[sp], name);
}

static char *lock_path(Store *s, StoreLockKind k, const char *name) {
  if (k == SLOCK_OWNER) return xasprintf("%s/runs/%s/owner.lock", dir_of(s), name);
  if (k == SLOCK_DECISIONS) return xasprintf("%s/runs/%s/decisions.lock", dir_of(s), name);
  return xasprintf("%s/locks/%s.lock", dir_of(s), name);
}

static bool dir_create_run(Store *s, const char *id, bool *exists, char **err) {
  char *runs = xasprintf("%s/runs", dir_of(s)), *dir = xasprintf("%s/%s", runs, id);
  bool ok = state_dir_create(dir_of(s), err) && state_mkdirs(runs, err); /* with its .gitignore */
  if (ok && mkdir(dir, 0777) != 0) {
    *exists = errno == EEXIST;
    *err = *exists ? xasprintf("%s: run %s exists already", dir, id) : xasprintf("%s: %s", dir, strerror(errno));
    ok = false;
  }
  ok = ok && state_fsync_dir(runs, err); /* the new run's name survives a crash */
  if (ok) {
    char *path = log_path(s, SPACE_RUNS, id);
    int fd = state_open_append(path, err);
    ok = fd >= 0;
    if (ok) close(fd);
    free(path);
  }
  free(dir);
  free(runs);
  return ok;
}

static bool dir_exists(Store *s, StoreSpace sp, const char *name, bool *yes, char **err) {
  (void)err;
  char *path = log_path(s, sp, name);
  struct stat st;
  *yes = stat(path, &st) == 0;
  free(path);
  return true;
}

/* A lazy record is written at once too: a write costs no more. */
static bool dir_append(Store *s, StoreSpace sp, const char *name, Value records, Durability d, char **err) {
  char *path = log_path(s, sp, name);
  bool ok = true;
  if (sp != SPACE_RUNS) { /* a run's directory is made by create_run */
    char *dir = xasprintf("%s/%s", dir_of(s), space_dirs[sp]);
    ok = state_mkdirs(dir, err);
    free(dir);
  }
  int fd = ok ? state_open_append(path, err) : -1;
  for (size_t i = 0; fd >= 0 && ok && i < list_len(records); i++)
    ok = d == STORE_SYNCED ? state_append(fd, path, list_get(records, i), err)
              : state_append_unsynced(fd, path, list_get(records, i), err);
  if (fd >= 0) close(fd);
  free(path);
  return ok && fd >= 0;
}

static bool dir_flush(Store *s, StoreSpace sp, const char *name, char **err) {
  char *path = log_path(s, sp, name);
  int fd = state_open_append(path, err);
  bool ok = fd >= 0 && fdatasync(fd) == 0;
  if (fd >= 0 && !ok) *err = xasprintf("%s: %s", path, strerror(errno));
  if (fd >= 0) close(fd);
  free(path);
  return ok;
}

static bool dir_read(Store *s, StoreSpace sp, const char *name, StateRead *out, char **err) {
  char *path = log_path(s, sp, name);
  bool ok = state_read(path, out, err);
  free(path);
  return ok;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* runs/: the run directories; history/, ephemeral/: NAME.ndjson files. */
static bool dir_list(Store *s, StoreSpace sp, Value *out, char **err) {
  char *path = xasprintf("%s/%s", dir_of(s), space_dirs[sp]);
  DIR *d = opendir(path);
  if (!d) {
    bool none = errno == ENOENT;
    if (none) *out = v_list();
    else *err = xasprintf("%s: %s", path, strerror(errno));
    free(path);
    return none;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t len = strlen(e->d_name);
    char *name = sp == SPACE_RUNS ? xstrdup(e->d_name)
                 : len > 7 && !strcmp(e->d_name + len - 7, ".ndjson") ? xstrndup(e->d_name, len - 7)
                                                                        : NULL;
    if (name && state_name_ok(name)) VEC_PUSH(names, n, cap, name);
    else free(name);
  }
  closedir(d);
  free(path);
  if (n) qsort(names, n, sizeof *names, by_name);
  *out = v_list();
  for (size_t i = 0; i < n; i++) list_push(*out, v_str_take(names[i]));
  free(names);
  return true;
}

static LockResult dir_lock(Store *s, StoreLockKind k, const char *name, const char *what, const char *run_id,
                           int64_t wait_ms, LockWaitFn on_wait, void *ctx, FileLock *l, char **err) {
  char *path = lock_path(s, k, name);
  LockResult r = lock_acquire_file(l, path, what, run_id, wait_ms, on_wait, ctx, err);
  free(path);
  return r;
}

static bool dir_holder(Store *s, StoreLockKind k, const char *name, bool *held, LockHolder *out, char **err) {
  char *path = lock_path(s, k, name);
  bool ok = lock_holder_file(path, held, out, err);
  free(path);
  return ok;
}

static void dir_unlock(Store *s, FileLock *l) {
  (void)s;
  lock_release(l); /* in a forked child it only closes its copy */
}

static char *dir_where(Store *s, StoreSpace sp, const char *name) { return log_path(s, sp, name); }

/* Copies all of `from` (from its start) to `to`; false with errno set. */
static bool copy_fd(int from, int to) {
  char buf[1 << 16];
  if (lseek(from, 0, SEEK_SET) != 0) return false;
  for (;;) {
    ssize_t k = read(from, buf, sizeof buf);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return k == 0;
    for (ssize_t off = 0; off < k;) {
      ssize_t w = write(to, buf + off, (size_t)(k - off));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return w == 0 ? (errno = EIO, false) : false;
      off += w;
    }
  }
}

/* artifacts/<RUN>/<NAME>.tar: written beside, synced, then renamed into
 * place, so that a reader never sees half an archive. */
static bool dir_put_blob(Store *s, const char *run, const char *name, int fd, char **err) {
  char *dir = xasprintf("%s/artifacts/%s", dir_of(s), run), *path = xasprintf("%s/%s.tar", dir, name),
       *tmp = xasprintf("%s/.%s.tar.%ld", dir, name, (long)getpid());
  bool ok = state_dir_create(dir_of(s), err) && state_mkdirs(dir, err);
  int out = ok ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
  if (ok && (out < 0 || !copy_fd(fd, out) || fdatasync(out) != 0 || rename(tmp, path) != 0)) {
    *err = xasprintf("%s: %s", path, strerror(errno));
    ok = false;
  }
  if (out >= 0) close(out);
  ok = ok && state_fsync_dir(dir, err);
  if (!ok) unlink(tmp);
  free(tmp);
  free(path);
  free(dir);
  return ok;
}

static int dir_get_blob(Store *s, const char *run, const char *name, char **err) {
  char *path = xasprintf("%s/artifacts/%s/%s.tar", dir_of(s), run, name);
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) *err = xasprintf("%s: %s", path, strerror(errno));
  free(path);
  return fd;
}

static void dir_close(Store *s) { free(s->impl); }

static const StoreOps dir_ops = {
    .name = "directory", .create_run = dir_create_run, .exists = dir_exists, .append = dir_append,
    .flush = dir_flush,  .read = dir_read,             .list = dir_list,     .lock = dir_lock,
    .holder = dir_holder, .unlock = dir_unlock,        .forget = dir_unlock, .where = dir_where,
    .put_blob = dir_put_blob, .get_blob = dir_get_blob, .close = dir_close,
};

Store *store_open_for(const char *spec, const char *pipeline_file, char **err) {
  if (spec && !strncmp(spec, "git:", 4)) return store_open_git(spec + 4, pipeline_file, err);
  if (spec) return store_open_dir(spec);
  char *dir = state_dir_for(pipeline_file);
  Store *s = store_open_dir(dir);
  free(dir);
  return s;
}

Store *store_open_dir(const char *dir) {
  Store *s = xcalloc(1, sizeof *s);
  s->ops = &dir_ops;
  s->spec = xstrdup(dir);
  s->impl = xstrdup(dir);
  return s;
}
