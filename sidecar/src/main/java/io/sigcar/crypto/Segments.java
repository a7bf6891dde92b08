package io.sigcar.crypto;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Objects;

/** Views of Java arrays and buffers as memory segments, checked before they reach C. */
final class Segments {

    private Segments() {}

    /** {@code a[off, off+len)} as a heap segment; no copy. */
    static MemorySegment of(byte[] a, int off, int len) {
        Objects.requireNonNull(a, "input");
        Objects.checkFromIndexSize(off, len, a.length);
        return MemorySegment.ofArray(a).asSlice(off, len);
    }

    /** A buffer's remaining bytes, heap or direct; no copy. */
    static MemorySegment of(ByteBuffer b) {
        Objects.requireNonNull(b, "input");
        return MemorySegment.ofBuffer(b);
    }

    /** Room for one result of {@code algorithm} at {@code out[outOff]}. */
    static MemorySegment out(byte[] out, int outOff, Algorithm algorithm) {
        Objects.requireNonNull(out, "output");
        Objects.checkFromIndexSize(outOff, algorithm.outputLength(), out.length);
        return MemorySegment.ofArray(out).asSlice(outOff, algorithm.outputLength());
    }

    /** Downcalls declare Throwable; only unchecked ones can actually occur. */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("unexpected checked exception from a downcall", t);
    }
}
