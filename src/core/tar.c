/* tar.c — deterministic ustar archives, and extraction that cannot leave
 * its directory (tar.h). */
#include "core/tar.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "core/value.h"

enum { BLOCK = 512, NAME_MAX_USTAR = 100, CHUNK = 64 * 1024 };
#define SIZE_LIMIT 077777777777ULL /* what 11 octal digits hold: 8 GiB - 1 */

char *tar_shown_name(const char *name) {
  Buf b = {0};
  Value v = v_cstr(name);
  json_encode(v, &b, false); /* "\n" and "\u001b", never the byte itself */
  value_release(v);
  return buf_take(&b);
}

/* ---- plain I/O ---- */

static bool write_all(TarWriter *w, const void *data, size_t n, char **err) {
  const char *p = data;
  sha256_update(w->sha, data, n);
  w->size += n;
  while (n) {
    ssize_t k = write(w->fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      *err = xasprintf("writing the archive: %s", strerror(k < 0 ? errno : EIO));
      return false;
    }
    p += k, n -= (size_t)k;
  }
  return true;
}

/* Up to n bytes; fewer only at the end of the file. -1 on an error. */
static ssize_t read_full(int fd, void *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t k = read(fd, (char *)buf + got, n - got);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) return -1;
    if (k == 0) break;
    got += (size_t)k;
  }
  return (ssize_t)got;
}

/* ---- writing ---- */

void tar_writer_init(TarWriter *w, int fd) { *w = (TarWriter){.fd = fd, .sha = sha256_new()}; }

void tar_writer_abort(TarWriter *w) {
  if (w->sha) free(sha256_finish(w->sha));
  w->sha = NULL;
}

/* width - 1 octal digits, then NUL */
static void octal(char *field, size_t width, uint64_t v) {
  field[width - 1] = '\0';
  for (size_t i = width - 1; i-- > 0; v >>= 3) field[i] = (char)('0' + (v & 7));
}

static void checksum(unsigned char *h) {
  unsigned sum = 0;
  memset(h + 148, ' ', 8);
  for (int i = 0; i < BLOCK; i++) sum += h[i];
  octal((char *)h + 148, 7, sum); /* six digits, NUL, then the space left there */
}

static bool header(TarWriter *w, const char *name, char type, unsigned mode, uint64_t size, char **err) {
  unsigned char h[BLOCK] = {0};
  memcpy(h, name, strlen(name) < NAME_MAX_USTAR ? strlen(name) : NAME_MAX_USTAR);
  octal((char *)h + 100, 8, mode);
  octal((char *)h + 108, 8, 0);
  octal((char *)h + 116, 8, 0);
  octal((char *)h + 124, 12, size);
  octal((char *)h + 136, 12, 0);
  h[156] = (unsigned char)type;
  memcpy(h + 257, "ustar", 6);
  memcpy(h + 263, "00", 2);
  checksum(h);
  return write_all(w, h, BLOCK, err);
}

static bool padding(TarWriter *w, uint64_t size, char **err) {
  static const char zero[BLOCK];
  size_t pad = (size_t)((BLOCK - size % BLOCK) % BLOCK);
  return !pad || write_all(w, zero, pad, err);
}

/* A name too long for ustar's field goes first in a pax `path` record. */
static bool entry(TarWriter *w, const char *name, char type, unsigned mode, uint64_t size, char **err) {
  size_t n = strlen(name);
  if (n >= NAME_MAX_USTAR) {
    size_t len = n + 7, digits = 1; /* " path=" and "\n", then the length's own digits */
    while (snprintf(NULL, 0, "%zu", len + digits) != (int)digits) digits++;
    char *rec = xasprintf("%zu path=%s\n", len + digits, name);
    size_t rlen = strlen(rec);
    bool ok = header(w, "././@PaxHeader", 'x', 0644, rlen, err) && write_all(w, rec, rlen, err) &&
              padding(w, rlen, err);
    free(rec);
    if (!ok) return false;
  }
  return header(w, name, type, mode, size, err);
}

bool tar_add_dir(TarWriter *w, const char *name, char **err) {
  char *dir = xasprintf("%s/", name);
  bool ok = entry(w, dir, '5', 0755, 0, err);
  free(dir);
  return ok;
}

bool tar_add_file(TarWriter *w, int dirfd, const char *name, char **err) {
  int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  char *shown = tar_shown_name(name);
  bool ok = false;
  if (fd < 0 && errno == ELOOP) *err = xasprintf("%s is a symbolic link: artifacts hold regular files and directories only", shown);
  else if (fd < 0) *err = xasprintf("%s: %s", shown, strerror(errno));
  else if (fstat(fd, &st) != 0) *err = xasprintf("%s: %s", shown, strerror(errno));
  else if (!S_ISREG(st.st_mode)) *err = xasprintf("%s is not a regular file: artifacts hold regular files and directories only", shown);
  else if ((uint64_t)st.st_size > SIZE_LIMIT) *err = xasprintf("%s is larger than 8 GiB, the most an artifact's file may hold", shown);
  else ok = entry(w, name, '0', st.st_mode & 0111 ? 0755 : 0644, (uint64_t)st.st_size, err);
  uint64_t left = ok ? (uint64_t)st.st_size : 0;
  char *buf = ok ? xmalloc(CHUNK) : NULL;
  while (ok && left) {
    ssize_t k = read_full(fd, buf, left < CHUNK ? (size_t)left : CHUNK);
    if (k <= 0) { /* it shrank while being read */
      *err = xasprintf("%s: %s", shown, k < 0 ? strerror(errno) : "changed while it was archived");
      ok = false;
    } else {
      ok = write_all(w, buf, (size_t)k, err);
      left -= (uint64_t)k;
    }
  }
  ok = ok && padding(w, (uint64_t)st.st_size, err);
  if (ok) w->files++;
  free(buf);
  free(shown);
  if (fd >= 0) close(fd);
  return ok;
}

bool tar_finish(TarWriter *w, char **digest, char **err) {
  static const char zero[2 * BLOCK];
  bool ok = write_all(w, zero, sizeof zero, err);
  *digest = sha256_finish(w->sha);
  w->sha = NULL;
  if (!ok) {
    free(*digest);
    *digest = NULL;
  }
  return ok;
}

/* ---- reading ---- */

typedef enum { E_END, E_FILE, E_DIR } EntryKind;

typedef struct Reader {
  int fd;
  Sha256 *sha; /* tar_check only */
  unsigned char h[BLOCK];
  char *name;       /* the entry's, normalised */
  uint64_t size;    /* its data's */
  unsigned mode;
  EntryKind kind;
} Reader;

static bool block(Reader *r, unsigned char *b, bool *eof, char **err) {
  ssize_t k = read_full(r->fd, b, BLOCK);
  if (k < 0) {
    *err = xasprintf("reading the archive: %s", strerror(errno));
    return false;
  }
  *eof = k == 0;
  if (k > 0 && k < BLOCK) {
    *err = xstrdup("the archive is truncated");
    return false;
  }
  if (k > 0 && r->sha) sha256_update(r->sha, b, BLOCK);
  return true;
}

static bool number(const unsigned char *f, size_t width, uint64_t *out) {
  uint64_t v = 0;
  size_t i = 0;
  while (i < width && f[i] == ' ') i++;
  for (; i < width && f[i] >= '0' && f[i] <= '7'; i++) {
    if (v > (UINT64_MAX >> 3)) return false;
    v = v * 8 + (uint64_t)(f[i] - '0');
  }
  for (; i < width; i++)
    if (f[i] != ' ' && f[i]) return false; /* base-256 and junk alike */
  *out = v;
  return true;
}

static bool header_ok(const unsigned char *h) {
  uint64_t want;
  if (!number(h + 148, 8, &want)) return false;
  unsigned sum = 0;
  for (int i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? ' ' : h[i];
  return sum == want;
}

/* The data of the current entry, n bytes and the padding after it, into
 * out (NULL: skipped), or written to fd `to` (>= 0). */
static bool data(Reader *r, uint64_t n, Buf *out, int to, char **err) {
  unsigned char b[BLOCK];
  for (uint64_t left = n; left;) {
    bool eof;
    if (!block(r, b, &eof, err)) return false;
    if (eof) {
      *err = xstrdup("the archive is truncated");
      return false;
    }
    size_t k = left < BLOCK ? (size_t)left : BLOCK;
    if (out) buf_putn(out, (char *)b, k);
    for (size_t off = 0; to >= 0 && off < k;) {
      ssize_t wk = write(to, b + off, k - off);
      if (wk < 0 && errno == EINTR) continue;
      if (wk <= 0) {
        *err = xasprintf("writing: %s", strerror(wk < 0 ? errno : EIO));
        return false;
      }
      off += (size_t)wk;
    }
    left -= k;
  }
  return true;
}

/* `path=` of a pax record set, or NULL. */
static char *pax_path(const char *recs, size_t n) {
  char *path = NULL;
  for (size_t at = 0; at < n;) {
    char *end;
    unsigned long len = strtoul(recs + at, &end, 10);
    if (len == 0 || at + len > n || *end != ' ') break;
    const char *kv = end + 1, *stop = recs + at + len - 1; /* its '\n' */
    if (stop > kv && !strncmp(kv, "path=", 5)) {
      free(path);
      path = xstrndup(kv + 5, (size_t)(stop - kv - 5));
    }
    at += len;
  }
  return path;
}

/* A name made safe, or why not: relative, no `..`, "./" and "." dropped. */
static char *normalised(const char *raw, char **err) {
  char *shown = tar_shown_name(raw);
  Buf b = {0};
  bool bad = raw[0] == '/';
  if (bad) *err = xasprintf("%s is an absolute path", shown);
  for (const char *p = raw; !bad && *p;) {
    const char *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    if (n == 2 && !strncmp(p, "..", 2)) {
      *err = xasprintf("%s reaches outside its directory ('..')", shown);
      bad = true;
    } else if (n && !(n == 1 && *p == '.')) {
      if (b.len) buf_putc(&b, '/');
      buf_putn(&b, p, n);
    }
    p += n + (slash != NULL);
  }
  free(shown);
  if (bad) {
    buf_free(&b);
    return NULL;
  }
  return b.len ? buf_take(&b) : (buf_free(&b), xstrdup(""));
}

/* The next file or directory entry (pax and GNU long names applied). */
static bool next(Reader *r, char **err) {
  char *long_name = NULL;
  free(r->name);
  r->name = NULL;
  for (;;) {
    bool eof;
    if (!block(r, r->h, &eof, err)) break;
    bool zero = true;
    for (int i = 0; i < BLOCK && zero; i++) zero = !r->h[i];
    if (eof || zero) {
      r->kind = E_END;
      free(long_name);
      return true;
    }
    uint64_t size;
    if (!header_ok(r->h) || !number(r->h + 124, 12, &size) || !number(r->h + 100, 8, &(uint64_t){0})) {
      *err = xstrdup("the archive has a damaged header");
      break;
    }
    char type = (char)r->h[156];
    if (type == 'x' || type == 'L') {
      if (size > 1 << 20) {
        *err = xstrdup("the archive has a name record over 1 MiB");
        break;
      }
      Buf b = {0};
      if (!data(r, size, &b, -1, err)) {
        buf_free(&b);
        break;
      }
      buf_putc(&b, '\0');
      char *name = type == 'x' ? pax_path(b.data, size) : xstrndup(b.data, strlen(b.data));
      buf_free(&b);
      if (name) free(long_name), long_name = name;
      continue;
    }
    if (type == 'g') {
      if (!data(r, size, NULL, -1, err)) break;
      continue;
    }
    char raw[256 + 1] = {0};
    if (!long_name) {
      size_t plen = strnlen((char *)r->h + 345, 155);
      if (!memcmp(r->h + 257, "ustar", 5) && plen) snprintf(raw, sizeof raw, "%.*s/", (int)plen, (char *)r->h + 345);
      strncat(raw, (char *)r->h, strnlen((char *)r->h, NAME_MAX_USTAR));
    }
    const char *name = long_name ? long_name : raw;
    char *shown = tar_shown_name(name);
    if (type != '0' && type != '\0' && type != '7' && type != '5') {
      const char *what = type == '2' ? "a symbolic link" : type == '1' ? "a hard link"
                         : type == '3' || type == '4' ? "a device" : type == '6' ? "a FIFO" : "of an unknown type";
      *err = xasprintf("%s is %s: artifacts hold regular files and directories only", shown, what);
      free(shown);
      break;
    }
    free(shown);
    if (!(r->name = normalised(name, err))) break;
    free(long_name);
    long_name = NULL;
    r->size = type == '5' ? 0 : size;
    uint64_t mode = 0;
    number(r->h + 100, 8, &mode);
    r->mode = mode & 0111 ? 0755 : 0644;
    r->kind = type == '5' ? E_DIR : E_FILE;
    if (r->kind == E_FILE && !*r->name) {
      *err = xstrdup("the archive has a file without a name");
      break;
    }
    return true;
  }
  free(long_name);
  return false;
}

/* Whether `name` can be extracted under dirfd as things are: no directory
 * on its way is a symbolic link or a file, and a file is not a directory. */
static bool path_clear(int dirfd, const char *name, EntryKind kind, char **err) {
  bool ok = true;
  for (const char *p = name; ok && *p;) {
    const char *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - name) : strlen(name);
    char *upto = xstrndup(name, n);
    struct stat st;
    bool last = !slash;
    if (fstatat(dirfd, upto, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      free(upto);
      break; /* made when extracted */
    }
    char *shown = tar_shown_name(upto);
    if (S_ISLNK(st.st_mode) && !(last && kind == E_FILE)) /* a file replaces a link, never writes through it */
      ok = (*err = xasprintf("%s is a symbolic link: nothing is extracted through one", shown), false);
    else if (!last && !S_ISDIR(st.st_mode))
      ok = (*err = xasprintf("%s is not a directory", shown), false);
    else if (last && (kind == E_FILE) == S_ISDIR(st.st_mode))
      ok = (*err = xasprintf("%s is %s", shown, kind == E_FILE ? "a directory" : "not a directory"), false);
    free(shown);
    free(upto);
    p = slash ? slash + 1 : p + strlen(p);
  }
  return ok;
}

bool tar_check(int fd, int dirfd, char **digest, size_t *files, char **err) {
  Reader r = {.fd = fd, .sha = sha256_new()};
  *digest = NULL;
  *files = 0;
  bool ok = lseek(fd, 0, SEEK_SET) == 0 || (*err = xasprintf("reading the archive: %s", strerror(errno)), false);
  while (ok && (ok = next(&r, err)) && r.kind != E_END) {
    ok = (dirfd < 0 || !*r.name || path_clear(dirfd, r.name, r.kind, err)) && data(&r, r.size, NULL, -1, err);
    *files += r.kind == E_FILE;
  }
  if (ok) { /* what follows the end blocks counts too: the digest is the file's */
    unsigned char b[BLOCK];
    for (bool eof = false; ok && !eof;) {
      ssize_t k = read_full(fd, b, BLOCK);
      if (k < 0) ok = (*err = xasprintf("reading the archive: %s", strerror(errno)), false);
      else if (k > 0) sha256_update(r.sha, b, (size_t)k);
      eof = k <= 0;
    }
  }
  char *d = sha256_finish(r.sha);
  if (ok) *digest = d;
  else free(d);
  free(r.name);
  return ok;
}

/* The directory `path` (n bytes of it) under dirfd, made as needed, never
 * through a symbolic link: an fd, or -1 with *err. */
static int open_dirs(int dirfd, const char *path, size_t n, char **err) {
  int cur = dup(dirfd);
  char *copy = xstrndup(path, n);
  for (char *p = copy, *slash; cur >= 0 && *p; p = slash ? slash + 1 : p + strlen(p)) {
    slash = strchr(p, '/');
    if (slash) *slash = '\0';
    int fd = openat(cur, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && (mkdirat(cur, p, 0755) == 0 || errno == EEXIST))
      fd = openat(cur, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      struct stat st;
      bool link = fstatat(cur, p, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
      char *upto = xstrndup(path, (size_t)(p - copy) + strlen(p)), *shown = tar_shown_name(upto);
      *err = link ? xasprintf("%s is a symbolic link: nothing is extracted through one", shown)
                  : xasprintf("%s: %s", shown, strerror(errno));
      free(shown);
      free(upto);
    }
    close(cur);
    cur = fd;
  }
  free(copy);
  return cur;
}

/* One file: written beside its place, then renamed onto it, so that
 * whatever was there (a link to elsewhere) is replaced, never written to. */
static bool extract_file(Reader *r, int dirfd, char **err) {
  const char *slash = strrchr(r->name, '/'), *base = slash ? slash + 1 : r->name;
  int dir = open_dirs(dirfd, r->name, slash ? (size_t)(slash - r->name) : 0, err);
  if (dir < 0) return false;
  char tmp[64];
  int fd = -1;
  for (int i = 0; fd < 0 && i < 100; i++) {
    snprintf(tmp, sizeof tmp, ".rp-extract-%ld-%d", (long)getpid(), rand());
    fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, r->mode);
    if (fd < 0 && errno != EEXIST) break;
  }
  char *shown = tar_shown_name(r->name);
  bool ok = fd >= 0 || (*err = xasprintf("%s: %s", shown, strerror(errno)), false);
  ok = ok && data(r, r->size, NULL, fd, err);
  if (ok && fchmod(fd, r->mode) != 0) ok = (*err = xasprintf("%s: %s", shown, strerror(errno)), false);
  if (fd >= 0) close(fd);
  if (ok && renameat(dir, tmp, dir, base) != 0) ok = (*err = xasprintf("%s: %s", shown, strerror(errno)), false);
  if (!ok && fd >= 0) unlinkat(dir, tmp, 0);
  free(shown);
  close(dir);
  return ok;
}

bool tar_extract(int fd, int dirfd, size_t *files, char **err) {
  Reader r = {.fd = fd};
  *files = 0;
  bool ok = lseek(fd, 0, SEEK_SET) == 0 || (*err = xasprintf("reading the archive: %s", strerror(errno)), false);
  while (ok && (ok = next(&r, err)) && r.kind != E_END) {
    if (r.kind == E_DIR) {
      int d = open_dirs(dirfd, r.name, strlen(r.name), err);
      ok = d >= 0;
      if (ok) close(d);
    } else {
      ok = extract_file(&r, dirfd, err);
      *files += ok;
    }
  }
  free(r.name);
  return ok;
}
