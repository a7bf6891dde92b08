/*
 * Throughput of libsigcar called straight from C, with no JVM in the way. Compare with
 * the JMH figures (sidecar/BENCHMARKS.md) to see what the FFM boundary adds.
 * Usage: make bench
 */
#define _POSIX_C_SOURCE 199309L /* clock_gettime under -std=c11 */

#include "sigcar.h"

#include <stdalign.h>
#include <stdio.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static alignas(16) uint8_t key_ctx[1024];
static uint8_t input[1 << 20];

int main(void) {
  static const size_t sizes[] = {64, 1024, 16384, 1 << 20};
  uint8_t key[32] = {0};
  uint8_t out[64];
  for (size_t i = 0; i < sizeof input; i++) {
    input[i] = (uint8_t)i;
  }
  if (sigcar_hmac_key_init(key_ctx, key, sizeof key) != SIGCAR_OK) {
    return 1;
  }
  printf("libsigcar %s, BLAKE3 %s (%s), %s\n", sigcar_version(), sigcar_blake3_version(),
         sigcar_blake3_simd(), sigcar_openssl_version());
  printf("%-12s %9s %12s %9s\n", "function", "bytes", "ns/op", "MB/s");
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
    size_t n = sizes[s];
    long iters = (long)((256u << 20) / n);
    for (int f = 0; f < 3; f++) {
      const char *name = f == 0 ? "blake3-keyed" : f == 1 ? "hmac-sha256" : "sha-256";
      double t0 = now();
      for (long i = 0; i < iters; i++) {
        int rc = f == 0   ? sigcar_blake3_keyed(key, 32, input, n, out, 32)
                 : f == 1 ? sigcar_hmac_sha256(key_ctx, input, n, out)
                          : sigcar_sha256(input, n, out);
        if (rc != SIGCAR_OK) {
          return 1;
        }
      }
      double t = now() - t0;
      printf("%-12s %9zu %12.1f %9.0f\n", name, n, t / (double)iters * 1e9,
             (double)n * (double)iters / t / 1e6);
    }
  }
  return 0;
}
