package io.sigcar.crypto;

import java.nio.ByteBuffer;

/**
 * An incremental MAC or digest over a message that arrives in pieces.
 *
 * <p>Belongs to one thread at a time. After {@link #finish} or {@link #close} every
 * call throws {@link IllegalStateException}.
 */
public interface Hasher extends AutoCloseable {

    Algorithm algorithm();

    Hasher update(byte[] in, int off, int len);

    /** Feeds {@code in}'s remaining bytes (heap or direct) and advances its position to its limit. */
    Hasher update(ByteBuffer in);

    /** Writes the result to {@code out[outOff, outOff+outputLength)} and ends this hasher. */
    void finish(byte[] out, int outOff);

    default Hasher update(byte[] in) {
        return update(in, 0, in.length);
    }

    default byte[] finish() {
        byte[] out = new byte[algorithm().outputLength()];
        finish(out, 0);
        return out;
    }

    /** Ends this hasher without a result; safe to call more than once. */
    @Override
    void close();
}
