package io.sigcar.crypto;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * The FFM provider over libsigcar. Heap arrays and buffers are handed to C in place
 * (critical downcalls), so the hot path neither copies nor allocates native memory.
 */
final class NativeProvider implements CryptoProvider {

    static final String NAME = "native";

    NativeProvider() {
        if (!NativeLibrary.status().loaded()) {
            throw new IllegalStateException("native provider unavailable: " + NativeLibrary.status().failure());
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean supports(Algorithm algorithm) {
        return true;
    }

    @Override
    public MacKey macKey(Algorithm algorithm, byte[] key) {
        algorithm.checkKey(key);
        return switch (algorithm) {
            case HMAC_SHA256 -> new NativeMacKey.Hmac(key);
            case BLAKE3_KEYED -> new NativeMacKey.Blake3(key);
            default -> throw new IllegalArgumentException(algorithm + " is not a MAC");
        };
    }

    @Override
    public Hasher digest(Algorithm algorithm) {
        algorithm.requireKind(Algorithm.Kind.DIGEST);
        return NativeHasher.digest(algorithm);
    }

    @Override
    public void digest(Algorithm algorithm, byte[] in, int off, int len, byte[] out, int outOff) {
        digest(algorithm, Segments.of(in, off, len), Segments.out(out, outOff, algorithm));
    }

    @Override
    public void digest(Algorithm algorithm, ByteBuffer in, byte[] out, int outOff) {
        digest(algorithm, Segments.of(in), Segments.out(out, outOff, algorithm));
        in.position(in.limit());
    }

    private static void digest(Algorithm algorithm, MemorySegment in, MemorySegment out) {
        algorithm.requireKind(Algorithm.Kind.DIGEST);
        if (in.byteSize() > LibSigcar.MAX_CRITICAL_BYTES) {
            try (NativeHasher h = NativeHasher.digest(algorithm)) {
                h.feed(in);
                h.finishInto(out);
            }
            return;
        }
        int rc;
        try {
            rc = algorithm == Algorithm.SHA_256
                    ? (int) LibSigcar.Sha256.SHA256.invokeExact(in, in.byteSize(), out)
                    : (int) LibSigcar.Sha512.SHA512.invokeExact(in, in.byteSize(), out);
        } catch (Throwable t) {
            throw Segments.rethrow(t);
        }
        // Constant names: built per call, the name took 8 % of the RFC 9421 verify benchmark's CPU samples.
        LibSigcar.check(rc, algorithm == Algorithm.SHA_256 ? "sigcar_sha256" : "sigcar_sha512");
    }

    @Override
    public boolean equal(byte[] a, byte[] b) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        if (a.length != b.length) {
            return false; // lengths are public (a MAC's length is fixed); contents are not
        }
        int rc;
        try {
            rc = (int) LibSigcar.Compare.EQUAL.invokeExact(MemorySegment.ofArray(a), MemorySegment.ofArray(b),
                    (long) a.length);
        } catch (Throwable t) {
            throw Segments.rethrow(t);
        }
        LibSigcar.check(rc, "sigcar_equal");
        return rc == 1;
    }
}
