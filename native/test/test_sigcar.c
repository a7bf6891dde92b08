/*
 * Known-answer and misuse tests for libsigcar: the official BLAKE3 keyed_hash
 * vectors (one-shot and incremental, every chunking below), RFC 4231
 * HMAC-SHA256, FIPS 180 SHA-256/512 and the compare. Exits non-zero on the
 * first failure, naming the case.
 */
#include "sigcar.h"

#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond, ...)                                                                           \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                        \
      fprintf(stderr, __VA_ARGS__);                                                                \
      fputc('\n', stderr);                                                                         \
      failures++;                                                                                  \
    }                                                                                              \
  } while (0)

static size_t unhex(const char *hex, uint8_t *out, size_t cap) {
  size_t n = strlen(hex) / 2;
  if (n > cap) {
    fprintf(stderr, "hex string too long\n");
    exit(2);
  }
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    if (sscanf(hex + 2 * i, "%2x", &v) != 1) {
      fprintf(stderr, "bad hex: %s\n", hex);
      exit(2);
    }
    out[i] = (uint8_t)v;
  }
  return n;
}

/* 8-byte aligned scratch for states, as the header requires. */
static alignas(16) uint8_t state[4096];
static alignas(16) uint8_t key_ctx[1024];

static void test_blake3_vectors(const char *path) {
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    perror(path);
    exit(2);
  }
  CHECK(sigcar_blake3_state_size() <= sizeof state, "blake3 state larger than scratch");
  const uint8_t *key = (const uint8_t *)"whats the Elvish word for friend";
  static uint8_t input[102400];
  for (size_t i = 0; i < sizeof input; i++) {
    input[i] = (uint8_t)(i % 251);
  }
  static const size_t chunkings[] = {1, 7, 64, 1023, 1024, 4096, 65536};
  char line[1024];
  char hex[600];
  int cases = 0;
  while (fgets(line, sizeof line, f) != NULL) {
    if (line[0] == '#' || line[0] == '\n') {
      continue;
    }
    size_t len;
    if (sscanf(line, "%zu %599s", &len, hex) != 2 || len > sizeof input) {
      fprintf(stderr, "bad vector line: %s\n", line);
      exit(2);
    }
    uint8_t expected[300];
    size_t out_len = unhex(hex, expected, sizeof expected);
    uint8_t got[300];

    CHECK(sigcar_blake3_keyed(key, 32, input, len, got, out_len) == SIGCAR_OK, "one-shot rc");
    CHECK(memcmp(got, expected, out_len) == 0, "blake3 one-shot extended, len %zu", len);
    CHECK(sigcar_blake3_keyed(key, 32, input, len, got, 32) == SIGCAR_OK, "one-shot rc");
    CHECK(memcmp(got, expected, 32) == 0, "blake3 one-shot default length, len %zu", len);

    for (size_t c = 0; c < sizeof chunkings / sizeof chunkings[0]; c++) {
      CHECK(sigcar_blake3_init_keyed(state, key, 32) == SIGCAR_OK, "init rc");
      for (size_t off = 0; off < len; off += chunkings[c]) {
        size_t n = len - off < chunkings[c] ? len - off : chunkings[c];
        CHECK(sigcar_blake3_update(state, input + off, n) == SIGCAR_OK, "update rc");
      }
      memset(got, 0, sizeof got);
      CHECK(sigcar_blake3_final(state, got, out_len) == SIGCAR_OK, "final rc");
      CHECK(memcmp(got, expected, out_len) == 0, "blake3 incremental len %zu chunk %zu", len,
            chunkings[c]);
    }
    cases++;
  }
  fclose(f);
  CHECK(cases == 22, "expected 22 official keyed_hash vectors, read %d", cases);
  printf("blake3 keyed_hash: %d official vectors x (2 one-shot + 7 chunkings) ok, simd=%s\n", cases,
         sigcar_blake3_simd());
}

struct hmac_case {
  const char *name;
  const char *key_hex;
  size_t key_repeat; /* when non-zero, key is key_hex's single byte repeated */
  const char *data;
  int data_is_hex;
  const char *mac_hex; /* may be truncated (test case 5) */
};

static const struct hmac_case rfc4231[] = {
    {"RFC 4231 case 1", "0b", 20, "Hi There", 0,
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
    {"RFC 4231 case 2", "4a656665", 0, "what do ya want for nothing?", 0,
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
    {"RFC 4231 case 3", "aa", 20,
     "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
     1, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
    {"RFC 4231 case 4", "0102030405060708090a0b0c0d0e0f10111213141516171819", 0,
     "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
     1, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
    {"RFC 4231 case 5", "0c", 20, "Test With Truncation", 0, "a3b6167473100ee06e0c796c2955552b"},
    {"RFC 4231 case 6", "aa", 131, "Test Using Larger Than Block-Size Key - Hash Key First", 0,
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
    {"RFC 4231 case 7", "aa", 131,
     "This is a test using a larger than block-size key and a larger than block-size data. The key "
     "needs to be hashed before being used by the HMAC algorithm.",
     0, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
};

static void test_hmac(void) {
  CHECK(sigcar_hmac_key_size() <= sizeof key_ctx, "hmac key larger than scratch");
  CHECK(sigcar_hmac_state_size() <= sizeof state, "hmac state larger than scratch");
  for (size_t i = 0; i < sizeof rfc4231 / sizeof rfc4231[0]; i++) {
    const struct hmac_case *c = &rfc4231[i];
    uint8_t key[200];
    size_t key_len;
    if (c->key_repeat) {
      unhex(c->key_hex, key, 1);
      memset(key, key[0], c->key_repeat);
      key_len = c->key_repeat;
    } else {
      key_len = unhex(c->key_hex, key, sizeof key);
    }
    uint8_t data[300];
    size_t data_len = c->data_is_hex ? unhex(c->data, data, sizeof data) : strlen(c->data);
    if (!c->data_is_hex) {
      memcpy(data, c->data, data_len);
    }
    uint8_t expected[32];
    size_t mac_len = unhex(c->mac_hex, expected, sizeof expected);

    uint8_t got[32];
    CHECK(sigcar_hmac_key_init(key_ctx, key, key_len) == SIGCAR_OK, "%s key init", c->name);
    CHECK(sigcar_hmac_sha256(key_ctx, data, data_len, got) == SIGCAR_OK, "%s rc", c->name);
    CHECK(memcmp(got, expected, mac_len) == 0, "%s one-shot", c->name);
    /* The prepared key is reusable: a second call gives the same MAC. */
    CHECK(sigcar_hmac_sha256(key_ctx, data, data_len, got) == SIGCAR_OK, "%s rc", c->name);
    CHECK(memcmp(got, expected, mac_len) == 0, "%s second call", c->name);

    CHECK(sigcar_hmac_init(state, key_ctx) == SIGCAR_OK, "%s init", c->name);
    for (size_t off = 0; off < data_len; off += 3) {
      size_t n = data_len - off < 3 ? data_len - off : 3;
      CHECK(sigcar_hmac_update(state, data + off, n) == SIGCAR_OK, "%s update", c->name);
    }
    memset(got, 0, sizeof got);
    CHECK(sigcar_hmac_final(state, key_ctx, got) == SIGCAR_OK, "%s final", c->name);
    CHECK(memcmp(got, expected, mac_len) == 0, "%s incremental", c->name);
    CHECK(sigcar_hmac_final(state, key_ctx, got) == SIGCAR_EINVAL, "%s double final", c->name);
  }
  CHECK(sigcar_hmac_key_wipe(key_ctx) == SIGCAR_OK, "wipe");
  uint8_t out[32];
  CHECK(sigcar_hmac_sha256(key_ctx, (const uint8_t *)"x", 1, out) == SIGCAR_EINVAL,
        "a wiped key must be refused");
  printf("hmac-sha256: %zu RFC 4231 cases (one-shot, reuse, incremental) ok\n",
         sizeof rfc4231 / sizeof rfc4231[0]);
}

static void test_sha2(void) {
  /* FIPS 180-2 examples for "abc". */
  uint8_t expected256[32], expected512[64], got[64];
  unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", expected256, 32);
  unhex("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
        "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        expected512, 64);
  const uint8_t *abc = (const uint8_t *)"abc";
  CHECK(sigcar_sha256(abc, 3, got) == SIGCAR_OK && memcmp(got, expected256, 32) == 0, "sha256 abc");
  CHECK(sigcar_sha512(abc, 3, got) == SIGCAR_OK && memcmp(got, expected512, 64) == 0, "sha512 abc");
  CHECK(sigcar_sha256_init(state) == SIGCAR_OK, "sha256 init");
  CHECK(sigcar_sha256_update(state, abc, 1) == SIGCAR_OK, "sha256 update");
  CHECK(sigcar_sha256_update(state, abc + 1, 2) == SIGCAR_OK, "sha256 update");
  CHECK(sigcar_sha256_final(state, got) == SIGCAR_OK && memcmp(got, expected256, 32) == 0,
        "sha256 incremental");
  CHECK(sigcar_sha256_final(state, got) == SIGCAR_EINVAL, "sha256 double final");
  CHECK(sigcar_sha512_init(state) == SIGCAR_OK, "sha512 init");
  CHECK(sigcar_sha512_update(state, abc, 2) == SIGCAR_OK, "sha512 update");
  CHECK(sigcar_sha512_update(state, abc + 2, 1) == SIGCAR_OK, "sha512 update");
  CHECK(sigcar_sha512_final(state, got) == SIGCAR_OK && memcmp(got, expected512, 64) == 0,
        "sha512 incremental");
  printf("sha-256/sha-512: FIPS 180 examples ok\n");
}

static void test_misuse(void) {
  uint8_t key[33] = {0};
  uint8_t out[32];
  CHECK(sigcar_blake3_keyed(key, 31, key, 1, out, 32) == SIGCAR_EKEYLEN, "short blake3 key");
  CHECK(sigcar_blake3_keyed(key, 33, key, 1, out, 32) == SIGCAR_EKEYLEN, "long blake3 key");
  CHECK(sigcar_blake3_keyed(NULL, 32, key, 1, out, 32) == SIGCAR_EINVAL, "null key");
  CHECK(sigcar_blake3_keyed(key, 32, NULL, 1, out, 32) == SIGCAR_EINVAL, "null input");
  CHECK(sigcar_blake3_keyed(key, 32, NULL, 0, out, 32) == SIGCAR_OK, "null empty input is fine");
  CHECK(sigcar_blake3_keyed(key, 32, key, 1, out, 0) == SIGCAR_ELEN, "zero out_len");
  memset(state, 0, sizeof state);
  CHECK(sigcar_blake3_update(state, key, 1) == SIGCAR_EINVAL, "update before init");
  CHECK(sigcar_blake3_final(state, out, 32) == SIGCAR_EINVAL, "final before init");
  CHECK(sigcar_hmac_update(state, key, 1) == SIGCAR_EINVAL, "hmac update before init");
  CHECK(sigcar_sha256_update(state, key, 1) == SIGCAR_EINVAL, "sha update before init");
  memset(key_ctx, 0, sizeof key_ctx);
  CHECK(sigcar_hmac_init(state, key_ctx) == SIGCAR_EINVAL, "hmac init with unprepared key");
  CHECK(sigcar_hmac_key_init(NULL, key, 32) == SIGCAR_EINVAL, "null key ctx");
  printf("misuse: error codes ok\n");
}

static void test_equal(void) {
  uint8_t a[64], b[64];
  for (int i = 0; i < 64; i++) {
    a[i] = b[i] = (uint8_t)i;
  }
  CHECK(sigcar_equal(a, b, 64) == 1, "equal");
  b[63] ^= 1;
  CHECK(sigcar_equal(a, b, 64) == 0, "last byte differs");
  b[63] ^= 1;
  b[0] ^= 0x80;
  CHECK(sigcar_equal(a, b, 64) == 0, "first byte differs");
  CHECK(sigcar_equal(a, b, 0) == 1, "empty");
  CHECK(sigcar_equal(NULL, b, 1) == SIGCAR_EINVAL, "null");
  printf("equal: ok\n");
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s blake3_keyed_vectors.txt\n", argv[0]);
    return 2;
  }
  printf("libsigcar %s (abi %d), BLAKE3 %s, %s\n", sigcar_version(), sigcar_abi_version(),
         sigcar_blake3_version(), sigcar_openssl_version());
  CHECK(sigcar_abi_version() == SIGCAR_ABI_VERSION, "abi version");
  CHECK(sigcar_noop() == SIGCAR_OK, "noop");
  test_blake3_vectors(argv[1]);
  test_hmac();
  test_sha2();
  test_misuse();
  test_equal();
  if (failures) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("all native tests passed\n");
  return 0;
}
