/* sha256.h — SHA-256 (FIPS 180-4), for content digests ("sha256:<hex>")
 * where a registry does not send Docker-Content-Digest. */
#ifndef RP_PRIM_SHA256_H
#define RP_PRIM_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct Sha256 {
  uint32_t h[8];
  uint64_t len;          /* bytes hashed so far */
  unsigned char buf[64]; /* a partial block */
} Sha256;

void sha256_init(Sha256 *s);
void sha256_update(Sha256 *s, const void *data, size_t n);
void sha256_final(Sha256 *s, unsigned char out[32]);

/* "sha256:" followed by the 64 lower-case hex digits of `data`'s hash;
 * malloc'd. */
char *sha256_digest(const void *data, size_t n);

#endif
