/*
 * sigcar.h: the flat C ABI of Sigcar's native crypto core.
 *
 * Every function takes ints, sizes and pointers and returns an int status
 * (SIGCAR_OK or a negative SIGCAR_E* code). Nothing here allocates: all
 * state (prepared HMAC keys, incremental hashers) lives in memory the caller
 * provides and owns, sized by the *_size() queries. Nothing here blocks, so
 * every entry point is safe for Java's critical (no thread-state transition)
 * downcalls.
 *
 * Global state: none that is mutable, except the CPU-feature cache inside the
 * BLAKE3 sources, which is written once on first use with an idempotent value.
 *
 * Thread safety: a prepared HMAC key is read-only after sigcar_hmac_key_init
 * and may be shared by any number of threads. A hasher state belongs to one
 * thread at a time.
 */
#ifndef SIGCAR_H
#define SIGCAR_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define SIGCAR_EXPORT __attribute__((visibility("default")))
#else
#define SIGCAR_EXPORT
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever a signature or a state layout changes; Java refuses a mismatch. */
#define SIGCAR_ABI_VERSION 1

#define SIGCAR_OK 0
#define SIGCAR_EINVAL (-1)   /* null pointer where data is required, or a state that was never initialised */
#define SIGCAR_EKEYLEN (-2)  /* key of the wrong length */
#define SIGCAR_ELEN (-3)     /* output length out of range */
#define SIGCAR_ECRYPTO (-4)  /* libcrypto reported a failure; no result was produced */

#define SIGCAR_BLAKE3_KEY_LEN 32
#define SIGCAR_BLAKE3_OUT_LEN 32
#define SIGCAR_SHA256_LEN 32
#define SIGCAR_SHA512_LEN 64

/* ---- library facts ---- */
SIGCAR_EXPORT int sigcar_abi_version(void);
/* Static NUL-terminated strings; never freed. */
SIGCAR_EXPORT const char *sigcar_version(void);
SIGCAR_EXPORT const char *sigcar_blake3_version(void);
SIGCAR_EXPORT const char *sigcar_openssl_version(void);
/* The SIMD path BLAKE3 dispatches to on this CPU: "avx512", "avx2", "sse41", "sse2" or "portable". */
SIGCAR_EXPORT const char *sigcar_blake3_simd(void);
/* Does nothing; the cost of calling it is the cost of crossing the FFM boundary. */
SIGCAR_EXPORT int sigcar_noop(void);

/* ---- state sizes (bytes); all states need 8-byte alignment ---- */
SIGCAR_EXPORT size_t sigcar_blake3_state_size(void);
SIGCAR_EXPORT size_t sigcar_hmac_key_size(void);
SIGCAR_EXPORT size_t sigcar_hmac_state_size(void);
SIGCAR_EXPORT size_t sigcar_sha256_state_size(void);
SIGCAR_EXPORT size_t sigcar_sha512_state_size(void);

/* ---- keyed BLAKE3 ---- */
SIGCAR_EXPORT int sigcar_blake3_keyed(const uint8_t *key, size_t key_len,
                                      const uint8_t *in, size_t in_len,
                                      uint8_t *out, size_t out_len);
SIGCAR_EXPORT int sigcar_blake3_init_keyed(void *state, const uint8_t *key, size_t key_len);
SIGCAR_EXPORT int sigcar_blake3_update(void *state, const uint8_t *in, size_t in_len);
/* Extended output: out_len may be any length from 1 up. The state stays usable (update or finalize again). */
SIGCAR_EXPORT int sigcar_blake3_final(const void *state, uint8_t *out, size_t out_len);

/* ---- HMAC-SHA256 with a prepared key ---- */
/* Precomputes the inner and outer SHA-256 midstates; any key length (RFC 2104). */
SIGCAR_EXPORT int sigcar_hmac_key_init(void *key_ctx, const uint8_t *key, size_t key_len);
/* Overwrites a prepared key with zeros so it cannot be recovered from freed memory. */
SIGCAR_EXPORT int sigcar_hmac_key_wipe(void *key_ctx);
SIGCAR_EXPORT int sigcar_hmac_sha256(const void *key_ctx, const uint8_t *in, size_t in_len,
                                     uint8_t out[SIGCAR_SHA256_LEN]);
SIGCAR_EXPORT int sigcar_hmac_init(void *state, const void *key_ctx);
SIGCAR_EXPORT int sigcar_hmac_update(void *state, const uint8_t *in, size_t in_len);
SIGCAR_EXPORT int sigcar_hmac_final(void *state, const void *key_ctx, uint8_t out[SIGCAR_SHA256_LEN]);

/* ---- SHA-2 digests for RFC 9530 Content-Digest ---- */
SIGCAR_EXPORT int sigcar_sha256(const uint8_t *in, size_t in_len, uint8_t out[SIGCAR_SHA256_LEN]);
SIGCAR_EXPORT int sigcar_sha512(const uint8_t *in, size_t in_len, uint8_t out[SIGCAR_SHA512_LEN]);
SIGCAR_EXPORT int sigcar_sha256_init(void *state);
SIGCAR_EXPORT int sigcar_sha256_update(void *state, const uint8_t *in, size_t in_len);
SIGCAR_EXPORT int sigcar_sha256_final(void *state, uint8_t out[SIGCAR_SHA256_LEN]);
SIGCAR_EXPORT int sigcar_sha512_init(void *state);
SIGCAR_EXPORT int sigcar_sha512_update(void *state, const uint8_t *in, size_t in_len);
SIGCAR_EXPORT int sigcar_sha512_final(void *state, uint8_t out[SIGCAR_SHA512_LEN]);

/* ---- constant-time compare ---- */
/* 1 when equal, 0 when not, SIGCAR_EINVAL on null; time depends only on len. */
SIGCAR_EXPORT int sigcar_equal(const uint8_t *a, const uint8_t *b, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* SIGCAR_H */
