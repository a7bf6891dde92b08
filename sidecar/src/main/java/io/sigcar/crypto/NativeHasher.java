package io.sigcar.crypto;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * An incremental native hash. Its C state lives in a Java {@code long[]} (8-byte aligned,
 * no pointers inside), so a request's hasher is ordinary garbage when the request ends:
 * no arena to open or close per request.
 *
 * <p>Trade-off: a keyed BLAKE3 state holds the key words, and the GC may copy the array
 * before {@link #close()} zeroes it; callers close hashers in try-with-resources. One
 * hasher must never be used by two threads at once: the C state would be corrupted.
 */
final class NativeHasher implements Hasher {

    private final Algorithm algorithm;
    private final long[] stateWords;
    private final MemorySegment state;
    /** The prepared key an HMAC needs again at the end; NULL for the others. */
    private final MemorySegment hmacKey;
    /** The key this hasher reads (at init, and for HMAC at the end); null for digests. */
    private final NativeMacKey owner;
    private boolean done;

    private NativeHasher(Algorithm algorithm, long stateSize, MemorySegment hmacKey, NativeMacKey owner) {
        this.algorithm = algorithm;
        this.stateWords = new long[(int) ((stateSize + 7) / 8)];
        this.state = MemorySegment.ofArray(stateWords);
        this.hmacKey = hmacKey;
        this.owner = owner;
    }

    static NativeHasher blake3(NativeMacKey owner, MemorySegment key) {
        NativeHasher h = new NativeHasher(Algorithm.BLAKE3_KEYED, LibSigcar.Blake3.BLAKE3_STATE_SIZE,
                MemorySegment.NULL, owner);
        try {
            LibSigcar.check((int) LibSigcar.Blake3.BLAKE3_INIT.invokeExact(h.state, key, key.byteSize()),
                    "sigcar_blake3_init_keyed");
        } catch (Throwable t) {
            throw Segments.rethrow(t);
        }
        h.checkOwnerStillOpen(null);
        return h;
    }

    static NativeHasher hmac(NativeMacKey owner, MemorySegment keyContext) {
        NativeHasher h = new NativeHasher(Algorithm.HMAC_SHA256, LibSigcar.Hmac.HMAC_STATE_SIZE, keyContext, owner);
        try {
            LibSigcar.check((int) LibSigcar.Hmac.HMAC_INIT.invokeExact(h.state, keyContext), "sigcar_hmac_init");
        } catch (Throwable t) {
            throw Segments.rethrow(t);
        }
        h.checkOwnerStillOpen(null);
        return h;
    }

    /** A key closed while this hasher read it may have been half wiped: discard, and fail. */
    private void checkOwnerStillOpen(MemorySegment result) {
        if (owner != null) {
            try {
                owner.checkStillOpen(result);
            } catch (KeyClosedException e) {
                close();
                throw e;
            }
        }
    }

    static NativeHasher digest(Algorithm algorithm) {
        boolean sha256 = algorithm == Algorithm.SHA_256;
        NativeHasher h = new NativeHasher(algorithm,
                sha256 ? LibSigcar.Sha256.SHA256_STATE_SIZE : LibSigcar.Sha512.SHA512_STATE_SIZE,
                MemorySegment.NULL, null);
        try {
            int rc = sha256
                    ? (int) LibSigcar.Sha256.SHA256_INIT.invokeExact(h.state)
                    : (int) LibSigcar.Sha512.SHA512_INIT.invokeExact(h.state);
            LibSigcar.check(rc, "sigcar_" + algorithm.id().replace("-", "") + "_init");
        } catch (Throwable t) {
            throw Segments.rethrow(t);
        }
        return h;
    }

    @Override
    public Algorithm algorithm() {
        return algorithm;
    }

    @Override
    public Hasher update(byte[] in, int off, int len) {
        feed(Segments.of(in, off, len));
        return this;
    }

    @Override
    public Hasher update(ByteBuffer in) {
        feed(Segments.of(in));
        in.position(in.limit());
        return this;
    }

    /** Feeds a segment in pieces no larger than one critical call may take. */
    void feed(MemorySegment in) {
        ensureOpen();
        long size = in.byteSize();
        long off = 0;
        do {
            long n = Math.min(size - off, LibSigcar.MAX_CRITICAL_BYTES);
            MemorySegment piece = in.asSlice(off, n);
            int rc;
            try {
                // One static handle per algorithm, so the JIT can inline the call.
                rc = switch (algorithm) {
                    case BLAKE3_KEYED -> (int) LibSigcar.Blake3.BLAKE3_UPDATE.invokeExact(state, piece, n);
                    case HMAC_SHA256 -> (int) LibSigcar.Hmac.HMAC_UPDATE.invokeExact(state, piece, n);
                    case SHA_256 -> (int) LibSigcar.Sha256.SHA256_UPDATE.invokeExact(state, piece, n);
                    case SHA_512 -> (int) LibSigcar.Sha512.SHA512_UPDATE.invokeExact(state, piece, n);
                };
            } catch (Throwable t) {
                throw Segments.rethrow(t);
            }
            LibSigcar.check(rc, "sigcar_" + algorithm.id().replace("-", "_") + "_update");
            off += n;
        } while (off < size);
    }

    @Override
    public void finish(byte[] out, int outOff) {
        finishInto(Segments.out(out, outOff, algorithm));
    }

    void finishInto(MemorySegment out) {
        ensureOpen();
        if (algorithm == Algorithm.HMAC_SHA256) {
            owner.ensureOpen();
        }
        int rc;
        try {
            rc = switch (algorithm) {
                case BLAKE3_KEYED -> (int) LibSigcar.Blake3.BLAKE3_FINAL.invokeExact(state, out, out.byteSize());
                case HMAC_SHA256 -> (int) LibSigcar.Hmac.HMAC_FINAL.invokeExact(state, hmacKey, out);
                case SHA_256 -> (int) LibSigcar.Sha256.SHA256_FINAL.invokeExact(state, out);
                case SHA_512 -> (int) LibSigcar.Sha512.SHA512_FINAL.invokeExact(state, out);
            };
        } catch (Throwable t) {
            throw Segments.rethrow(t);
        }
        LibSigcar.check(rc, algorithm + " final");
        if (algorithm == Algorithm.HMAC_SHA256) {
            checkOwnerStillOpen(out);
        }
        close();
    }

    private void ensureOpen() {
        if (done) {
            throw new IllegalStateException(algorithm + " hasher already finished or closed");
        }
    }

    @Override
    public void close() {
        if (!done) {
            done = true;
            // HMAC and BLAKE3 states carry key-derived bytes; do not leave them for the heap.
            Arrays.fill(stateWords, 0L);
        }
    }
}
