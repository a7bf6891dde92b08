package io.sigcar.crypto;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * A native MAC key: the key (BLAKE3) or its prepared HMAC midstates live off-heap in a
 * shared arena, readable by every event-loop thread, wiped and freed on close.
 *
 * <p>Closing while other threads still use the key must never yield a MAC computed from
 * half-wiped material. Close therefore works like a seqlock writer: it publishes
 * {@code closed} and a full fence, then wipes. Every use reads the key inside a downcall
 * and re-checks {@code closed} afterwards; a use that could have seen a wiped byte sees
 * {@code closed} and throws instead of returning a result.
 */
abstract sealed class NativeMacKey implements MacKey {

    protected final Arena arena = Arena.ofShared();
    private final Algorithm algorithm;
    private volatile boolean closed;

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
            checkStillOpen(out);
        }
    }

    abstract void oneShot(MemorySegment in, MemorySegment out);

    @Override
    public abstract NativeHasher newHasher();

    /** Wipes the key material, then frees it. */
    abstract void wipe();

    /** The off-heap key material, for the test that proves {@link #wipe()} zeroes it. */
    abstract MemorySegment material();

    @Override
    public final synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        VarHandle.fullFence(); // closed is visible before any byte is wiped
        wipe();
        // A downcall still running holds the arena; it is at most one 64 KiB piece, so wait it out.
        while (true) {
            try {
                arena.close();
                return;
            } catch (IllegalStateException inUse) {
                Thread.onSpinWait();
            }
        }
    }

    final void ensureOpen() {
        if (closed) {
            throw new KeyClosedException(algorithm + " key is closed");
        }
    }

    /**
     * Called after a downcall that read the key: if the key was closed meanwhile, the result
     * may come from wiped bytes, so it is erased and the call fails.
     */
    final void checkStillOpen(MemorySegment result) {
        VarHandle.acquireFence(); // the key reads in the downcall come before this check
        if (closed) {
            if (result != null) {
                result.fill((byte) 0);
            }
            throw new KeyClosedException(algorithm + " key was closed while in use");
        }
    }

    /** HMAC-SHA256: the inner and outer SHA-256 midstates, computed once. */
    static final class Hmac extends NativeMacKey {
        private final MemorySegment ctx;

        Hmac(byte[] key) {
            super(Algorithm.HMAC_SHA256);
            ctx = arena.allocate(LibSigcar.HmacKey.HMAC_KEY_SIZE, 16);
            int rc;
            try {
                rc = (int) LibSigcar.HmacKey.HMAC_KEY_INIT.invokeExact(ctx, MemorySegment.ofArray(key),
                        (long) key.length);
            } catch (Throwable t) {
                arena.close();
                throw Segments.rethrow(t);
            }
            if (rc < 0) {
                arena.close();
                LibSigcar.check(rc, "sigcar_hmac_key_init");
            }
        }

        @Override
        void oneShot(MemorySegment in, MemorySegment out) {
            int rc;
            try {
                rc = (int) LibSigcar.Hmac.HMAC.invokeExact(ctx, in, in.byteSize(), out);
            } catch (Throwable t) {
                throw Segments.rethrow(t);
            }
            LibSigcar.check(rc, "sigcar_hmac_sha256");
        }

        @Override
        public NativeHasher newHasher() {
            ensureOpen();
            return NativeHasher.hmac(this, ctx);
        }

        @Override
        void wipe() {
            try {
                int rc = (int) LibSigcar.HmacKey.HMAC_KEY_WIPE.invokeExact(ctx);
                LibSigcar.check(rc, "sigcar_hmac_key_wipe");
            } catch (Throwable t) {
                throw Segments.rethrow(t);
            }
        }

        /** The prepared context, for the benchmark that compares call styles. */
        MemorySegment context() {
            return ctx;
        }

        @Override
        MemorySegment material() {
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
                rc = (int) LibSigcar.Blake3.BLAKE3_KEYED.invokeExact(key, key.byteSize(), in, in.byteSize(), out,
                        out.byteSize());
            } catch (Throwable t) {
                throw Segments.rethrow(t);
            }
            LibSigcar.check(rc, "sigcar_blake3_keyed");
        }

        @Override
        public NativeHasher newHasher() {
            ensureOpen();
            return NativeHasher.blake3(this, key);
        }

        @Override
        void wipe() {
            key.fill((byte) 0);
        }

        @Override
        MemorySegment material() {
            return key;
        }
    }
}
