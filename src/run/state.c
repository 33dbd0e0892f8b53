/* state.c — durable NDJSON files and the state directory. */
#include "run/state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

char *state_dir_for(const char *pipeline_file) {
  const char *env = getenv("RP_STATE_DIR");
  if (env && *env) return xstrdup(env);
  const char *slash = pipeline_file ? strrchr(pipeline_file, '/') : NULL;
  if (!slash) return xstrdup(".rp");
  if (slash == pipeline_file) return xstrdup("/.rp");
  return xasprintf("%.*s/.rp", (int)(slash - pipeline_file), pipeline_file);
}

bool state_name_ok(const char *name) {
  size_t n = name ? strlen(name) : 0;
  if (n == 0 || n > 128 || name[0] == '.') return false;
  for (size_t i = 0; i < n; i++) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool state_fsync_dir(const char *dir, char **err) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || fsync(fd) != 0) {
    *err = xasprintf("%s: %s", dir, strerror(errno));
    if (fd >= 0) close(fd);
    return false;
  }
  close(fd);
  return true;
}

/* The directory part of `path` ("." when none), malloc'd. */
static char *parent_of(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return xstrdup(".");
  if (slash == path) return xstrdup("/");
  return xstrndup(path, (size_t)(slash - path));
}

bool state_mkdirs(const char *path, char **err) {
  struct stat st;
  if (stat(path, &st) == 0) {
    if (S_ISDIR(st.st_mode)) return true;
    *err = xasprintf("%s: not a directory", path);
    return false;
  }
  char *parent = parent_of(path);
  bool ok = strcmp(parent, path) == 0 || state_mkdirs(parent, err);
  if (ok && mkdir(path, 0777) != 0 && errno != EEXIST) {
    *err = xasprintf("%s: %s", path, strerror(errno));
    ok = false;
  } else if (ok) {
    ok = state_fsync_dir(parent, err);
  }
  free(parent);
  return ok;
}

bool state_dir_create(const char *state_dir, char **err) {
  struct stat st;
  if (stat(state_dir, &st) == 0) return state_mkdirs(state_dir, err); /* says if it is not a directory */
  if (!state_mkdirs(state_dir, err)) return false;
  char *path = xasprintf("%s/.gitignore", state_dir);
  bool ok = write_file_atomic(path, "*\n", 2);
  if (!ok) *err = xasprintf("%s: %s", path, strerror(errno));
  free(path);
  return ok;
}

int state_open_append(const char *path, char **err) {
  int fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
  if (fd >= 0) return fd;
  if (errno != ENOENT) {
    *err = xasprintf("%s: %s", path, strerror(errno));
    return -1;
  }
  fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0) {
    *err = xasprintf("%s: %s", path, strerror(errno));
    return -1;
  }
  /* The new name must survive a crash too, not only the data. */
  char *dir = parent_of(path);
  bool ok = fsync(fd) == 0 && state_fsync_dir(dir, err);
  free(dir);
  if (!ok) {
    if (!*err) *err = xasprintf("%s: %s", path, strerror(errno));
    close(fd);
    return -1;
  }
  return fd;
}

/* Size of the file up to and including its last '\n' (0 when none). */
static bool complete_size(int fd, off_t size, off_t *out) {
  char buf[4096];
  off_t end = size;
  while (end > 0) {
    off_t start = end > (off_t)sizeof buf ? end - (off_t)sizeof buf : 0;
    ssize_t n = pread(fd, buf, (size_t)(end - start), start);
    if (n != end - start) return false;
    for (ssize_t i = n - 1; i >= 0; i--)
      if (buf[i] == '\n') {
        *out = start + i + 1;
        return true;
      }
    end = start;
  }
  *out = 0;
  return true;
}

/* Under the lock: an incomplete last line was left by a writer that died
 * mid-write; our line would be glued to it and both lost, so it goes. */
static bool append_locked(int fd, const char *path, const char *line, size_t len, bool sync, char **err) {
  struct stat st;
  if (fstat(fd, &st) != 0) goto fail;
  off_t size = st.st_size;
  if (size > 0) {
    char last;
    if (pread(fd, &last, 1, size - 1) != 1) goto fail;
    if (last != '\n') {
      off_t keep;
      if (!complete_size(fd, size, &keep) || ftruncate(fd, keep) != 0) goto fail;
      size = keep;
    }
  }
  ssize_t n = write(fd, line, len);
  if (n != (ssize_t)len) {
    /* a short write: writing the rest says why (ENOSPC, EFBIG) */
    int e = n < 0 ? errno : write(fd, line + n, len - (size_t)n) < 0 ? errno : EIO;
    if (ftruncate(fd, size) != 0) { /* nothing better to do: readers skip it */
    }
    errno = e;
    goto fail;
  }
  /* fdatasync: the data and the new size reach the disk, which is all an
   * append needs (a kill -9 alone would lose nothing even without it) */
  if (sync && fdatasync(fd) != 0) goto fail;
  return true;
fail:
  *err = xasprintf("%s: %s", path, strerror(errno));
  return false;
}

static bool append(int fd, const char *path, Value record, bool sync, char **err) {
  Buf line = {0};
  json_encode(record, &line, false);
  buf_putc(&line, '\n');
  bool ok;
  if (flock(fd, LOCK_EX) != 0) {
    *err = xasprintf("%s: %s", path, strerror(errno));
    ok = false;
  } else {
    ok = append_locked(fd, path, line.data, line.len, sync, err);
    flock(fd, LOCK_UN);
  }
  buf_free(&line);
  return ok;
}

bool state_append(int fd, const char *path, Value record, char **err) {
  return append(fd, path, record, true, err);
}

bool state_append_unsynced(int fd, const char *path, Value record, char **err) {
  return append(fd, path, record, false, err);
}

bool state_read(const char *path, StateRead *out, char **err) {
  state_read_init(out);
  size_t len;
  char *text = read_file(path, &len);
  if (!text) {
    if (errno == ENOENT) return true;
    *err = xasprintf("%s: %s", path, strerror(errno));
    value_release(out->records);
    out->records = V_NULL_VALUE;
    return false;
  }
  state_parse(text, len, out);
  free(text);
  return true;
}

void state_parse(const char *text, size_t len, StateRead *out) {
  size_t pos = 0;
  while (pos < len) {
    char *nl = memchr(text + pos, '\n', len - pos);
    size_t end = nl ? (size_t)(nl - text) : len;
    Value rec;
    char *perr = NULL;
    bool ok = nl && json_parse(text + pos, end - pos, &rec, &perr) && rec.kind == V_MAP;
    if (ok) {
      list_push(out->records, rec);
    } else {
      if (!perr && nl) value_release(rec); /* parsed, but not an object */
      free(perr);
      bool last = !nl || end + 1 == len;
      if (last) out->torn = true;
      else out->invalid++;
    }
    pos = end + 1;
  }
}

void state_read_init(StateRead *out) {
  out->records = v_list();
  out->torn = false;
  out->invalid = 0;
}

void state_sleep_ms(int64_t ms) {
  struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

int64_t state_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *state_format_time(int64_t ms) {
  time_t secs = (time_t)(ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  return xasprintf("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                   tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

bool state_parse_time(const char *s, int64_t *ms) {
  struct tm tm = {0};
  int frac = 0, used = 0;
  if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &used) != 6)
    return false;
  const char *p = s + used;
  if (*p == '.') {
    int digits = 0;
    for (p++; *p >= '0' && *p <= '9'; p++, digits++)
      if (digits < 3) frac = frac * 10 + (*p - '0');
    for (; digits < 3; digits++) frac *= 10;
  }
  if (strcmp(p, "Z") != 0) return false;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  time_t t = timegm(&tm);
  if (t == (time_t)-1) return false;
  *ms = (int64_t)t * 1000 + frac;
  return true;
}

char *state_hostname(void) {
  char name[256];
  if (gethostname(name, sizeof name) != 0 || !name[0]) return xstrdup("localhost");
  name[sizeof name - 1] = 0;
  return xstrdup(name);
}
