/* Library facts: versions, the BLAKE3 SIMD path, and the empty call used to price an FFM crossing. */
#include "sigcar.h"

#include <openssl/crypto.h>

#include "blake3.h"
#include "blake3_impl.h"

#ifndef SIGCAR_VERSION_STRING
#error "SIGCAR_VERSION_STRING must be set by the build"
#endif

int sigcar_abi_version(void) { return SIGCAR_ABI_VERSION; }

const char *sigcar_version(void) { return SIGCAR_VERSION_STRING; }

const char *sigcar_blake3_version(void) { return blake3_version(); }

const char *sigcar_openssl_version(void) { return OpenSSL_version(OPENSSL_VERSION); }

int sigcar_noop(void) { return SIGCAR_OK; }

/*
 * BLAKE3 keeps its chosen path private; its SIMD degree is the one public
 * trace of it. Degree 4 is shared by SSE2 and SSE4.1, so we ask the CPU the
 * same question BLAKE3's dispatcher asks to tell them apart.
 */
const char *sigcar_blake3_simd(void) {
  switch (blake3_simd_degree()) {
  case 16:
    return "avx512";
  case 8:
    return "avx2";
  case 4:
#if !defined(BLAKE3_NO_SSE41)
    if (__builtin_cpu_supports("sse4.1")) {
      return "sse41";
    }
#endif
    return "sse2";
  default:
    return "portable";
  }
}
