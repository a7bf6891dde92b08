package io.sigcar.crypto;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;

/**
 * The downcall handles into libsigcar: every symbol is looked up when this class initialises
 * (only after {@link NativeLibrary} has opened and ABI-checked the library), each family's
 * handles are linked when that family is first used.
 *
 * <p>The crypto calls are {@code critical(true)}: they never block and never call back
 * into Java, so they may skip the thread-state transition and read heap arrays in place.
 * Callers keep each call short by feeding large inputs in {@link #MAX_CRITICAL_BYTES} pieces.
 */
final class LibSigcar {

    /** The most bytes one critical call hashes, so the GC is never held off for long (~20 µs). */
    static final int MAX_CRITICAL_BYTES = 64 * 1024;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option CRITICAL = Linker.Option.critical(true);

    private static final FunctionDescriptor INT = FunctionDescriptor.of(JAVA_INT);
    private static final FunctionDescriptor SIZE = FunctionDescriptor.of(JAVA_LONG);
    private static final FunctionDescriptor STRING = FunctionDescriptor.of(ADDRESS);

    private static final MethodHandle VERSION = plain("sigcar_version", STRING);
    private static final MethodHandle BLAKE3_VERSION = plain("sigcar_blake3_version", STRING);
    private static final MethodHandle OPENSSL_VERSION = plain("sigcar_openssl_version", STRING);
    private static final MethodHandle BLAKE3_SIMD = plain("sigcar_blake3_simd", STRING);

    /**
     * Every symbol the holders below link, looked up when this class initialises: a library
     * without one fails the load (and Sigcar falls back to Bouncy Castle), never a request.
     */
    private static final List<String> SYMBOLS = List.of("sigcar_noop",
            "sigcar_blake3_state_size", "sigcar_blake3_keyed", "sigcar_blake3_init_keyed", "sigcar_blake3_update",
            "sigcar_blake3_final",
            "sigcar_hmac_key_size", "sigcar_hmac_key_init", "sigcar_hmac_key_wipe",
            "sigcar_hmac_state_size", "sigcar_hmac_sha256", "sigcar_hmac_init", "sigcar_hmac_update",
            "sigcar_hmac_final",
            "sigcar_sha256_state_size", "sigcar_sha256", "sigcar_sha256_init", "sigcar_sha256_update",
            "sigcar_sha256_final",
            "sigcar_sha512_state_size", "sigcar_sha512", "sigcar_sha512_init", "sigcar_sha512_update",
            "sigcar_sha512_final",
            "sigcar_equal");

    static {
        SYMBOLS.forEach(LibSigcar::address);
    }

    // The downcall handles live in holder classes, one per family, linked on first use: each new
    // call shape spins classes at run time (the AOT cache cannot hold them), several ms each, and
    // the start (the first proxied request) needs only the HMAC key set-up, if any.

    /** Keyed BLAKE3. */
    static final class Blake3 {
        static final long BLAKE3_STATE_SIZE = size("sigcar_blake3_state_size");
        // (key, key_len, in, in_len, out, out_len)
        static final MethodHandle BLAKE3_KEYED = critical("sigcar_blake3_keyed",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG));
        // (state, key, key_len)
        static final MethodHandle BLAKE3_INIT = critical("sigcar_blake3_init_keyed",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
        // (state, in, in_len)
        static final MethodHandle BLAKE3_UPDATE = critical("sigcar_blake3_update",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
        // (state, out, out_len)
        static final MethodHandle BLAKE3_FINAL = critical("sigcar_blake3_final",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));

        private Blake3() {}
    }

    /** HMAC-SHA256 keys: what loading and wiping a key needs. */
    static final class HmacKey {
        static final long HMAC_KEY_SIZE = size("sigcar_hmac_key_size");
        // (key_ctx, key, key_len)
        static final MethodHandle HMAC_KEY_INIT = critical("sigcar_hmac_key_init",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
        // (key_ctx)
        static final MethodHandle HMAC_KEY_WIPE = critical("sigcar_hmac_key_wipe",
                FunctionDescriptor.of(JAVA_INT, ADDRESS));

        private HmacKey() {}
    }

    /** HMAC-SHA256 with a prepared key. */
    static final class Hmac {
        static final long HMAC_STATE_SIZE = size("sigcar_hmac_state_size");
        // (key_ctx, in, in_len, out)
        static final MethodHandle HMAC = critical("sigcar_hmac_sha256",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
        // (state, key_ctx)
        static final MethodHandle HMAC_INIT = critical("sigcar_hmac_init",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        // (state, in, in_len)
        static final MethodHandle HMAC_UPDATE = critical("sigcar_hmac_update",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
        // (state, key_ctx, out)
        static final MethodHandle HMAC_FINAL = critical("sigcar_hmac_final",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));

        private Hmac() {}
    }

    /** SHA-256. */
    static final class Sha256 {
        static final long SHA256_STATE_SIZE = size("sigcar_sha256_state_size");
        // (in, in_len, out)
        static final MethodHandle SHA256 = critical("sigcar_sha256",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS));
        // (state)
        static final MethodHandle SHA256_INIT = critical("sigcar_sha256_init",
                FunctionDescriptor.of(JAVA_INT, ADDRESS));
        // (state, in, in_len)
        static final MethodHandle SHA256_UPDATE = critical("sigcar_sha256_update",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
        // (state, out)
        static final MethodHandle SHA256_FINAL = critical("sigcar_sha256_final",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));

        private Sha256() {}
    }

    /** SHA-512. */
    static final class Sha512 {
        static final long SHA512_STATE_SIZE = size("sigcar_sha512_state_size");
        // (in, in_len, out)
        static final MethodHandle SHA512 = critical("sigcar_sha512",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS));
        // (state)
        static final MethodHandle SHA512_INIT = critical("sigcar_sha512_init",
                FunctionDescriptor.of(JAVA_INT, ADDRESS));
        // (state, in, in_len)
        static final MethodHandle SHA512_UPDATE = critical("sigcar_sha512_update",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
        // (state, out)
        static final MethodHandle SHA512_FINAL = critical("sigcar_sha512_final",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));

        private Sha512() {}
    }

    /** Constant-time comparison. */
    static final class Compare {
        // (a, b, len) -> 1 equal, 0 not
        static final MethodHandle EQUAL = critical("sigcar_equal",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));

        private Compare() {}
    }

    /** The benchmarks' calls: an empty call both ways, and HMAC with the thread-state transition. */
    static final class Bench {
        static final MethodHandle NOOP = critical("sigcar_noop", INT);
        /** The same empty call with the full thread-state transition, to price what critical saves. */
        static final MethodHandle NOOP_TRANSITION = plain("sigcar_noop", INT);
        /** HMAC without critical: needs native memory, for the copy-versus-pass benchmark. */
        static final MethodHandle HMAC_TRANSITION = plain("sigcar_hmac_sha256",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));

        private Bench() {}
    }

    private LibSigcar() {}

    static String version() {
        return string(VERSION);
    }

    static String blake3Version() {
        return string(BLAKE3_VERSION);
    }

    static String openSslVersion() {
        return string(OPENSSL_VERSION);
    }

    static String blake3Simd() {
        return string(BLAKE3_SIMD);
    }

    /**
     * Turns a library status code into an exception. The Java side validates first, so a
     * negative code here means a bug in Sigcar, and it must not pass silently.
     */
    static void check(int rc, String function) {
        if (rc < 0) {
            String what = switch (rc) {
                case -1 -> "invalid argument or uninitialised state";
                case -2 -> "wrong key length";
                case -3 -> "bad output length";
                case -4 -> "libcrypto reported a failure";
                default -> "error " + rc;
            };
            throw new IllegalStateException(function + " failed: " + what);
        }
    }

    private static String string(MethodHandle handle) {
        try {
            return NativeLibrary.cString((MemorySegment) handle.invokeExact());
        } catch (Throwable t) {
            throw new IllegalStateException("libsigcar string query failed", t);
        }
    }

    private static long size(String symbol) {
        try {
            return (long) plain(symbol, SIZE).invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("calling " + symbol + " failed", t);
        }
    }

    @SuppressWarnings("restricted") // the one place native code is linked; granted by --enable-native-access
    private static MethodHandle critical(String symbol, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(address(symbol), descriptor, CRITICAL);
    }

    @SuppressWarnings("restricted")
    private static MethodHandle plain(String symbol, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(address(symbol), descriptor);
    }

    private static MemorySegment address(String symbol) {
        return NativeLibrary.lookup().find(symbol)
                .orElseThrow(() -> new UnsatisfiedLinkError("symbol " + symbol + " not found in libsigcar"));
    }
}
