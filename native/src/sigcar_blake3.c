/* Keyed BLAKE3 over the official C implementation, one-shot and incremental. */
#include "sigcar.h"

#include <string.h>

#include <openssl/crypto.h>

#include "blake3.h"

#define BLAKE3_STATE_MAGIC 0x53474233424c4b33ULL /* marks an initialised state */

typedef struct {
  blake3_hasher hasher;
  uint64_t magic;
} sigcar_blake3_state;

size_t sigcar_blake3_state_size(void) { return sizeof(sigcar_blake3_state); }

static int check_key(const uint8_t *key, size_t key_len) {
  if (key == NULL) {
    return SIGCAR_EINVAL;
  }
  return key_len == SIGCAR_BLAKE3_KEY_LEN ? SIGCAR_OK : SIGCAR_EKEYLEN;
}

int sigcar_blake3_keyed(const uint8_t *key, size_t key_len, const uint8_t *in, size_t in_len,
                        uint8_t *out, size_t out_len) {
  int rc = check_key(key, key_len);
  if (rc != SIGCAR_OK) {
    return rc;
  }
  if ((in == NULL && in_len != 0) || out == NULL) {
    return SIGCAR_EINVAL;
  }
  if (out_len == 0) {
    return SIGCAR_ELEN;
  }
  /* The hasher is ~2 KB on the stack: no allocation, and nothing shared between threads. */
  blake3_hasher hasher;
  blake3_hasher_init_keyed(&hasher, key);
  blake3_hasher_update(&hasher, in, in_len);
  blake3_hasher_finalize(&hasher, out, out_len);
  OPENSSL_cleanse(&hasher, sizeof hasher); /* it holds the key words */
  return SIGCAR_OK;
}

int sigcar_blake3_init_keyed(void *state, const uint8_t *key, size_t key_len) {
  if (state == NULL) {
    return SIGCAR_EINVAL;
  }
  int rc = check_key(key, key_len);
  if (rc != SIGCAR_OK) {
    return rc;
  }
  sigcar_blake3_state *s = state;
  blake3_hasher_init_keyed(&s->hasher, key);
  s->magic = BLAKE3_STATE_MAGIC;
  return SIGCAR_OK;
}

int sigcar_blake3_update(void *state, const uint8_t *in, size_t in_len) {
  sigcar_blake3_state *s = state;
  if (s == NULL || s->magic != BLAKE3_STATE_MAGIC || (in == NULL && in_len != 0)) {
    return SIGCAR_EINVAL;
  }
  blake3_hasher_update(&s->hasher, in, in_len);
  return SIGCAR_OK;
}

int sigcar_blake3_final(const void *state, uint8_t *out, size_t out_len) {
  const sigcar_blake3_state *s = state;
  if (s == NULL || s->magic != BLAKE3_STATE_MAGIC || out == NULL) {
    return SIGCAR_EINVAL;
  }
  if (out_len == 0) {
    return SIGCAR_ELEN;
  }
  blake3_hasher_finalize(&s->hasher, out, out_len);
  return SIGCAR_OK;
}
