/* test_codec.c — base64 both ways, and SHA-256 digests (FIPS 180-4 test
 * vectors), whole and streamed in uneven pieces. */
#include "check.h"
#include "core/codec.h"

static void check_decode_at(const char *text, const char *want, const char *file, int line) {
  Buf b = {0};
  char bad = 0;
  if (check_at(base64_decode(text, &b, &bad), text, file, line))
    check_str_at(b.data ? b.data : "", want, text, file, line);
  buf_free(&b);
}
#define CHECK_DECODE(text, want) check_decode_at((text), (want), __FILE__, __LINE__)

static void test_base64(void) {
  const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"}; /* RFC 4648 §10 */
  const char *coded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (int i = 0; i < 7; i++) {
    char *e = base64_encode(plain[i], strlen(plain[i]));
    CHECK_STR(e, coded[i]);
    free(e);
    CHECK_DECODE(coded[i], plain[i]);
  }
  char *e = base64_encode("\xff\x00\xfe", 3); /* bytes, not text */
  CHECK_STR(e, "/wD+");
  free(e);
  CHECK_DECODE("dXNlcjpw\r\nYXNz", "user:pass"); /* line breaks and padding are skipped */
  CHECK_DECODE("Zg=", "f");
  Buf b = {0};
  char bad = 0;
  CHECK(!base64_decode("Zm9v!", &b, &bad));
  CHECK(bad == '!');
  buf_free(&b);
}

static void test_sha256(void) {
  char *d = sha256_digest("", 0);
  CHECK_STR(d, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  free(d);
  d = sha256_digest("abc", 3);
  CHECK_STR(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  free(d);
  const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"; /* 56 bytes */
  d = sha256_digest(two, strlen(two));
  CHECK_STR(d, "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  free(d);
  /* a million 'a's fed in uneven pieces */
  char chunk[997];
  memset(chunk, 'a', sizeof chunk);
  Sha256 *s = sha256_new();
  for (size_t left = 1000000; left;) {
    size_t n = left < sizeof chunk ? left : sizeof chunk;
    sha256_update(s, chunk, n);
    left -= n;
  }
  d = sha256_finish(s);
  CHECK_STR(d, "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  free(d);
}

int main(void) {
  test_base64();
  test_sha256();
  return check_done();
}
