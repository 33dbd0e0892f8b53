/* codec.h — bytes as text: base64 (RFC 4648), for registry credentials and
 * the base64()/unbase64() primitives, and SHA-256 content digests (over
 * libcrypto, which libcurl loads anyway). */
#ifndef RP_CODEC_H
#define RP_CODEC_H

#include <stdbool.h>
#include <stddef.h>

#include "core/util.h"

/* The padded base64 text of n bytes; malloc'd ("" for none). */
char *base64_encode(const void *data, size_t n);
/* Appends the bytes `text` encodes to *out. Padding and line breaks are
 * skipped wherever they are; any other character outside the alphabet
 * stops it: false, with *bad set to that character. */
bool base64_decode(const char *text, Buf *out, char *bad);

/* A digest is "sha256:" and 64 lower-case hex digits, malloc'd. Streamed
 * (a blob in pieces) or in one call. */
typedef struct Sha256 Sha256;
Sha256 *sha256_new(void);
void sha256_update(Sha256 *s, const void *data, size_t n);
char *sha256_finish(Sha256 *s); /* frees s */
char *sha256_digest(const void *data, size_t n);

#endif
