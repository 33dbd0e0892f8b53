/* gzip.c — gzip streams over zlib (gzip.h). */
#include "core/gzip.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "core/util.h"

enum { CHUNK = 1 << 16 };

static bool put(int fd, const unsigned char *p, size_t n, char **err) {
  while (n) {
    ssize_t k = write(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      *err = xasprintf("writing: %s", strerror(k < 0 ? errno : EIO));
      return false;
    }
    p += k, n -= (size_t)k;
  }
  return true;
}

static ssize_t get(int fd, unsigned char *p, size_t n) {
  ssize_t k;
  while ((k = read(fd, p, n)) < 0 && errno == EINTR) {}
  return k;
}

/* Runs zlib over all of `in`: deflate (level 6, gzip wrapping) or inflate. */
static bool pump(int in, int out, bool compress, char **err) {
  z_stream z = {0};
  int rc = compress ? deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) : inflateInit2(&z, 15 + 16);
  if (rc != Z_OK) {
    *err = xstrdup("zlib cannot start");
    return false;
  }
  unsigned char ib[CHUNK], ob[CHUNK];
  bool ok = true, eof = false;
  if (lseek(in, 0, SEEK_SET) != 0) ok = (*err = xasprintf("reading: %s", strerror(errno)), false);
  rc = Z_OK;
  while (ok && rc != Z_STREAM_END) {
    if (z.avail_in == 0 && !eof) {
      ssize_t k = get(in, ib, sizeof ib);
      if (k < 0) ok = (*err = xasprintf("reading: %s", strerror(errno)), false);
      eof = k == 0;
      z.next_in = ib, z.avail_in = k > 0 ? (uInt)k : 0;
    }
    z.next_out = ob, z.avail_out = sizeof ob;
    rc = compress ? deflate(&z, eof ? Z_FINISH : Z_NO_FLUSH) : inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) ok = (*err = xasprintf("gzip: %s", z.msg ? z.msg : "bad data"), false);
    else if (!compress && rc == Z_BUF_ERROR && eof && z.avail_in == 0) ok = (*err = xstrdup("gzip: the data is truncated"), false);
    ok = ok && put(out, ob, sizeof ob - z.avail_out, err);
  }
  if (ok && !compress && (z.avail_in || get(in, ib, 1) > 0)) ok = (*err = xstrdup("gzip: data after the stream"), false);
  if (compress) deflateEnd(&z);
  else inflateEnd(&z);
  return ok;
}

bool gzip_fd(int in, int out, char **err) { return pump(in, out, true, err); }
bool gunzip_fd(int in, int out, char **err) { return pump(in, out, false, err); }
