package io.sigcar.crypto;

import java.nio.ByteBuffer;

/**
 * A MAC key prepared once and used for many messages, from any number of threads.
 *
 * <p>Closing wipes the key material the provider holds and makes every later call
 * throw {@link KeyClosedException}.
 */
public interface MacKey extends AutoCloseable {

    Algorithm algorithm();

    /** Name of the provider that computes this MAC. */
    String provider();

    /** Writes the MAC of {@code in[off, off+len)} to {@code out[outOff, outOff+length)}. */
    void mac(byte[] in, int off, int len, byte[] out, int outOff);

    /**
     * Writes the MAC of {@code in}'s remaining bytes (heap or direct) to {@code out}
     * and advances its position to its limit.
     */
    void mac(ByteBuffer in, byte[] out, int outOff);

    /** Starts an incremental MAC for a message that arrives in pieces; one thread at a time. */
    Hasher newHasher();

    default byte[] mac(byte[] in) {
        byte[] out = new byte[algorithm().outputLength()];
        mac(in, 0, in.length, out, 0);
        return out;
    }

    @Override
    void close();
}
