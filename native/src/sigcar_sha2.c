/*
 * HMAC-SHA256 with prepared keys, SHA-256/512 digests and the constant-time
 * compare, all over OpenSSL 3 libcrypto.
 *
 * We use libcrypto's low-level SHA256_CTX/SHA512_CTX API, deprecated since 3.0
 * but still shipped and still backed by the same SHA-NI/AVX2 assembly as EVP.
 * The reason: a prepared HMAC key is two SHA-256 midstates (key^ipad and
 * key^opad already absorbed), and a per-call copy of a plain struct costs
 * nothing. Copying an EVP_MD_CTX or EVP_MAC_CTX allocates on the heap on every
 * call, and sharing one context between event-loop threads is not safe.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "sigcar.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#define HMAC_KEY_MAGIC 0x53474b4559484d43ULL   /* an initialised prepared key */
#define HMAC_STATE_MAGIC 0x5347484d41435354ULL /* an initialised HMAC state */
#define SHA_STATE_MAGIC 0x5347534841535453ULL  /* an initialised SHA state */

typedef struct {
  SHA256_CTX inner; /* after absorbing key ^ ipad */
  SHA256_CTX outer; /* after absorbing key ^ opad */
  uint64_t magic;
} sigcar_hmac_key;

typedef struct {
  SHA256_CTX inner;
  uint64_t magic;
} sigcar_hmac_state;

typedef struct {
  SHA256_CTX ctx;
  uint64_t magic;
} sigcar_sha256_state;

typedef struct {
  SHA512_CTX ctx;
  uint64_t magic;
} sigcar_sha512_state;

size_t sigcar_hmac_key_size(void) { return sizeof(sigcar_hmac_key); }
size_t sigcar_hmac_state_size(void) { return sizeof(sigcar_hmac_state); }
size_t sigcar_sha256_state_size(void) { return sizeof(sigcar_sha256_state); }
size_t sigcar_sha512_state_size(void) { return sizeof(sigcar_sha512_state); }

static int bad_input(const uint8_t *in, size_t in_len) { return in == NULL && in_len != 0; }

/* ---- HMAC-SHA256 (RFC 2104) ---- */

int sigcar_hmac_key_init(void *key_ctx, const uint8_t *key, size_t key_len) {
  if (key_ctx == NULL || bad_input(key, key_len)) {
    return SIGCAR_EINVAL;
  }
  sigcar_hmac_key *k = key_ctx;
  k->magic = 0;
  uint8_t block[SHA256_CBLOCK];
  uint8_t pad[SHA256_CBLOCK];
  SHA256_CTX hashed_key;
  memset(block, 0, sizeof block);
  /* Every libcrypto result is checked: a silently failed step would leave a zero block,
   * i.e. the empty key, and anyone could forge MACs. The low-level API never allocates. */
  int ok = 1;
  if (key_len > SHA256_CBLOCK) {
    ok = SHA256_Init(&hashed_key) && SHA256_Update(&hashed_key, key, key_len) && SHA256_Final(block, &hashed_key);
  } else if (key_len > 0) {
    memcpy(block, key, key_len);
  }
  for (size_t i = 0; ok && i < SHA256_CBLOCK; i++) {
    pad[i] = block[i] ^ 0x36;
  }
  ok = ok && SHA256_Init(&k->inner) && SHA256_Update(&k->inner, pad, sizeof pad);
  for (size_t i = 0; ok && i < SHA256_CBLOCK; i++) {
    pad[i] = block[i] ^ 0x5c;
  }
  ok = ok && SHA256_Init(&k->outer) && SHA256_Update(&k->outer, pad, sizeof pad);
  OPENSSL_cleanse(block, sizeof block);
  OPENSSL_cleanse(pad, sizeof pad);
  OPENSSL_cleanse(&hashed_key, sizeof hashed_key);
  if (!ok) {
    OPENSSL_cleanse(k, sizeof *k);
    return SIGCAR_ECRYPTO;
  }
  k->magic = HMAC_KEY_MAGIC;
  return SIGCAR_OK;
}

int sigcar_hmac_key_wipe(void *key_ctx) {
  if (key_ctx == NULL) {
    return SIGCAR_EINVAL;
  }
  OPENSSL_cleanse(key_ctx, sizeof(sigcar_hmac_key));
  return SIGCAR_OK;
}

static const sigcar_hmac_key *valid_key(const void *key_ctx) {
  const sigcar_hmac_key *k = key_ctx;
  return (k != NULL && k->magic == HMAC_KEY_MAGIC) ? k : NULL;
}

static int hmac_outer(const sigcar_hmac_key *k, SHA256_CTX *inner, uint8_t out[SIGCAR_SHA256_LEN]) {
  uint8_t inner_digest[SIGCAR_SHA256_LEN];
  SHA256_CTX outer = k->outer;
  int ok = SHA256_Final(inner_digest, inner) && SHA256_Update(&outer, inner_digest, sizeof inner_digest) &&
           SHA256_Final(out, &outer);
  OPENSSL_cleanse(&outer, sizeof outer);
  OPENSSL_cleanse(inner_digest, sizeof inner_digest);
  if (!ok) {
    OPENSSL_cleanse(out, SIGCAR_SHA256_LEN);
    return SIGCAR_ECRYPTO;
  }
  return SIGCAR_OK;
}

int sigcar_hmac_sha256(const void *key_ctx, const uint8_t *in, size_t in_len,
                       uint8_t out[SIGCAR_SHA256_LEN]) {
  const sigcar_hmac_key *k = valid_key(key_ctx);
  if (k == NULL || bad_input(in, in_len) || out == NULL) {
    return SIGCAR_EINVAL;
  }
  SHA256_CTX inner = k->inner;
  int rc = SHA256_Update(&inner, in, in_len) ? hmac_outer(k, &inner, out) : SIGCAR_ECRYPTO;
  OPENSSL_cleanse(&inner, sizeof inner);
  return rc;
}

int sigcar_hmac_init(void *state, const void *key_ctx) {
  const sigcar_hmac_key *k = valid_key(key_ctx);
  if (state == NULL || k == NULL) {
    return SIGCAR_EINVAL;
  }
  sigcar_hmac_state *s = state;
  s->inner = k->inner;
  s->magic = HMAC_STATE_MAGIC;
  return SIGCAR_OK;
}

int sigcar_hmac_update(void *state, const uint8_t *in, size_t in_len) {
  sigcar_hmac_state *s = state;
  if (s == NULL || s->magic != HMAC_STATE_MAGIC || bad_input(in, in_len)) {
    return SIGCAR_EINVAL;
  }
  return SHA256_Update(&s->inner, in, in_len) ? SIGCAR_OK : SIGCAR_ECRYPTO;
}

int sigcar_hmac_final(void *state, const void *key_ctx, uint8_t out[SIGCAR_SHA256_LEN]) {
  sigcar_hmac_state *s = state;
  const sigcar_hmac_key *k = valid_key(key_ctx);
  if (s == NULL || s->magic != HMAC_STATE_MAGIC || k == NULL || out == NULL) {
    return SIGCAR_EINVAL;
  }
  int rc = hmac_outer(k, &s->inner, out);
  /* SHA256_Final consumed the state; a second final must fail, not return garbage. */
  OPENSSL_cleanse(s, sizeof *s);
  return rc;
}

/* ---- SHA-256 / SHA-512 ---- */

int sigcar_sha256(const uint8_t *in, size_t in_len, uint8_t out[SIGCAR_SHA256_LEN]) {
  if (bad_input(in, in_len) || out == NULL) {
    return SIGCAR_EINVAL;
  }
  SHA256_CTX ctx;
  int ok = SHA256_Init(&ctx) && SHA256_Update(&ctx, in, in_len) && SHA256_Final(out, &ctx);
  return ok ? SIGCAR_OK : SIGCAR_ECRYPTO;
}

int sigcar_sha512(const uint8_t *in, size_t in_len, uint8_t out[SIGCAR_SHA512_LEN]) {
  if (bad_input(in, in_len) || out == NULL) {
    return SIGCAR_EINVAL;
  }
  SHA512_CTX ctx;
  int ok = SHA512_Init(&ctx) && SHA512_Update(&ctx, in, in_len) && SHA512_Final(out, &ctx);
  return ok ? SIGCAR_OK : SIGCAR_ECRYPTO;
}

int sigcar_sha256_init(void *state) {
  sigcar_sha256_state *s = state;
  if (s == NULL) {
    return SIGCAR_EINVAL;
  }
  if (!SHA256_Init(&s->ctx)) {
    return SIGCAR_ECRYPTO;
  }
  s->magic = SHA_STATE_MAGIC;
  return SIGCAR_OK;
}

int sigcar_sha256_update(void *state, const uint8_t *in, size_t in_len) {
  sigcar_sha256_state *s = state;
  if (s == NULL || s->magic != SHA_STATE_MAGIC || bad_input(in, in_len)) {
    return SIGCAR_EINVAL;
  }
  return SHA256_Update(&s->ctx, in, in_len) ? SIGCAR_OK : SIGCAR_ECRYPTO;
}

int sigcar_sha256_final(void *state, uint8_t out[SIGCAR_SHA256_LEN]) {
  sigcar_sha256_state *s = state;
  if (s == NULL || s->magic != SHA_STATE_MAGIC || out == NULL) {
    return SIGCAR_EINVAL;
  }
  int ok = SHA256_Final(out, &s->ctx);
  s->magic = 0;
  return ok ? SIGCAR_OK : SIGCAR_ECRYPTO;
}

int sigcar_sha512_init(void *state) {
  sigcar_sha512_state *s = state;
  if (s == NULL) {
    return SIGCAR_EINVAL;
  }
  if (!SHA512_Init(&s->ctx)) {
    return SIGCAR_ECRYPTO;
  }
  s->magic = SHA_STATE_MAGIC;
  return SIGCAR_OK;
}

int sigcar_sha512_update(void *state, const uint8_t *in, size_t in_len) {
  sigcar_sha512_state *s = state;
  if (s == NULL || s->magic != SHA_STATE_MAGIC || bad_input(in, in_len)) {
    return SIGCAR_EINVAL;
  }
  return SHA512_Update(&s->ctx, in, in_len) ? SIGCAR_OK : SIGCAR_ECRYPTO;
}

int sigcar_sha512_final(void *state, uint8_t out[SIGCAR_SHA512_LEN]) {
  sigcar_sha512_state *s = state;
  if (s == NULL || s->magic != SHA_STATE_MAGIC || out == NULL) {
    return SIGCAR_EINVAL;
  }
  int ok = SHA512_Final(out, &s->ctx);
  s->magic = 0;
  return ok ? SIGCAR_OK : SIGCAR_ECRYPTO;
}

/* ---- constant-time compare ---- */

int sigcar_equal(const uint8_t *a, const uint8_t *b, size_t len) {
  if (len == 0) {
    return 1;
  }
  if (a == NULL || b == NULL) {
    return SIGCAR_EINVAL;
  }
  return CRYPTO_memcmp(a, b, len) == 0 ? 1 : 0;
}
