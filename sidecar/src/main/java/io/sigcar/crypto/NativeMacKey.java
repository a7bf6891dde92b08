package io.sigcar.crypto;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * A native MAC key: the key (BLAKE3) or its prepared HMAC midstates live off-heap in a
 * shared arena, readable by every event-loop thread, wiped and freed on close.
 */
abstract sealed class NativeMacKey implements MacKey {

    protected final Arena arena = Arena.ofShared();
    private final Algorithm algorithm;

    NativeMacKey(Algorithm algorithm) {
        this.algorithm = algorithm;
    }

    @Override
    public Algorithm algorithm() {
        return algorithm;
    }

    @Override
    public String provider() {
        return NativeProvider.NAME;
    }

    @Override
    public void mac(byte[] in, int off, int len, byte[] out, int outOff) {
        mac(Segments.of(in, off, len), Segments.out(out, outOff, algorithm));
    }

    @Override
    public void mac(ByteBuffer in, byte[] out, int outOff) {
        mac(Segments.of(in), Segments.out(out, outOff, algorithm));
        in.position(in.limit());
    }

    private void mac(MemorySegment in, MemorySegment out) {
        ensureOpen();
        if (in.byteSize() > LibSigcar.MAX_CRITICAL_BYTES) {
            try (NativeHasher h = newHasher()) {
                h.feed(in);
                h.finishInto(out);
            }
        } else {
            oneShot(in, out);
        }
    }

    abstract void oneShot(MemorySegment in, MemorySegment out);

    @Override
    public abstract NativeHasher newHasher();

    /** Wipes the key material, then frees it. */
    abstract void wipe();

    @Override
    public final synchronized void close() {
        if (arena.scope().isAlive()) {
            wipe();
            arena.close();
        }
    }

    final void ensureOpen() {
        if (!arena.scope().isAlive()) {
            throw new IllegalStateException(algorithm + " key is closed");
        }
    }

    /** HMAC-SHA256: the inner and outer SHA-256 midstates, computed once. */
    static final class Hmac extends NativeMacKey {
        private final MemorySegment ctx;

        Hmac(byte[] key) {
            super(Algorithm.HMAC_SHA256);
            ctx = arena.allocate(LibSigcar.HMAC_KEY_SIZE, 16);
            int rc;
            try {
                rc = (int) LibSigcar.HMAC_KEY_INIT.invokeExact(ctx, MemorySegment.ofArray(key), (long) key.length);
            } catch (Throwable t) {
                arena.close();
                throw Segments.rethrow(t);
            }
            LibSigcar.check(rc, "sigcar_hmac_key_init");
        }

        @Override
        void oneShot(MemorySegment in, MemorySegment out) {
            int rc;
            try {
                rc = (int) LibSigcar.HMAC.invokeExact(ctx, in, in.byteSize(), out);
            } catch (Throwable t) {
                throw Segments.rethrow(t);
            }
            LibSigcar.check(rc, "sigcar_hmac_sha256");
        }

        @Override
        public NativeHasher newHasher() {
            ensureOpen();
            return NativeHasher.hmac(ctx);
        }

        @Override
        void wipe() {
            try {
                int rc = (int) LibSigcar.HMAC_KEY_WIPE.invokeExact(ctx);
                LibSigcar.check(rc, "sigcar_hmac_key_wipe");
            } catch (Throwable t) {
                throw Segments.rethrow(t);
            }
        }

        /** The prepared context, for the benchmark that compares call styles. */
        MemorySegment context() {
            return ctx;
        }
    }

    /** Keyed BLAKE3: keying is just loading 32 bytes, so we keep the key itself. */
    static final class Blake3 extends NativeMacKey {
        private final MemorySegment key;

        Blake3(byte[] key) {
            super(Algorithm.BLAKE3_KEYED);
            this.key = arena.allocate(key.length, 16);
            this.key.copyFrom(MemorySegment.ofArray(key));
        }

        @Override
        void oneShot(MemorySegment in, MemorySegment out) {
            int rc;
            try {
                rc = (int) LibSigcar.BLAKE3_KEYED.invokeExact(key, key.byteSize(), in, in.byteSize(), out,
                        out.byteSize());
            } catch (Throwable t) {
                throw Segments.rethrow(t);
            }
            LibSigcar.check(rc, "sigcar_blake3_keyed");
        }

        @Override
        public NativeHasher newHasher() {
            ensureOpen();
            return NativeHasher.blake3(key);
        }

        @Override
        void wipe() {
            key.fill((byte) 0);
        }
    }
}
