/* codec.c — base64. */
#include "core/codec.h"

#include <string.h>

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *base64_encode(const void *data, size_t n) {
  const unsigned char *s = data;
  Buf b = {0};
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) | (i + 2 < n ? s[i + 2] : 0);
    buf_putc(&b, B64[v >> 18 & 63]);
    buf_putc(&b, B64[v >> 12 & 63]);
    buf_putc(&b, i + 1 < n ? B64[v >> 6 & 63] : '=');
    buf_putc(&b, i + 2 < n ? B64[v & 63] : '=');
  }
  return b.data ? buf_take(&b) : xstrdup("");
}

bool base64_decode(const char *text, Buf *out, char *bad) {
  unsigned acc = 0;
  int bits = 0;
  for (const char *p = text; *p; p++) {
    if (*p == '=' || *p == '\n' || *p == '\r') continue;
    const char *at = strchr(B64, *p);
    if (!at) {
      *bad = *p;
      return false;
    }
    acc = acc << 6 | (unsigned)(at - B64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      buf_putc(out, (char)(acc >> bits & 0xff));
    }
  }
  return true;
}
