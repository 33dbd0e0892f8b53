/* codec.c — base64, and SHA-256 over libcrypto's EVP interface. */
#include "core/codec.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
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

/* ---- SHA-256 ---- */

struct Sha256 {
  EVP_MD_CTX *ctx;
};

/* libcrypto fails only without memory or without its default provider:
 * like allocation failure, nothing a caller could do about it. */
static void need(int ok, const char *what) {
  if (ok) return;
  fprintf(stderr, "rp: libcrypto: %s failed\n", what);
  abort();
}

Sha256 *sha256_new(void) {
  Sha256 *s = xmalloc(sizeof *s);
  s->ctx = EVP_MD_CTX_new();
  need(s->ctx && EVP_DigestInit_ex(s->ctx, EVP_sha256(), NULL), "SHA-256 init");
  return s;
}

void sha256_update(Sha256 *s, const void *data, size_t n) {
  need(EVP_DigestUpdate(s->ctx, data, n), "SHA-256 update");
}

char *sha256_finish(Sha256 *s) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  need(EVP_DigestFinal_ex(s->ctx, md, &n), "SHA-256 final");
  EVP_MD_CTX_free(s->ctx);
  free(s);
  Buf b = {0};
  buf_puts(&b, "sha256:");
  for (unsigned int i = 0; i < n; i++) buf_printf(&b, "%02x", md[i]);
  return buf_take(&b);
}

char *sha256_digest(const void *data, size_t n) {
  Sha256 *s = sha256_new();
  sha256_update(s, data, n);
  return sha256_finish(s);
}
