package io.sigcar.crypto;

import java.nio.ByteBuffer;

/**
 * One stateful pure-Java MAC or digest computation (a JDK {@code Mac}, a Bouncy Castle
 * {@code HMac}, ...). Not thread-safe; it returns to its keyed start state after
 * {@link #doFinal} or {@link #reset}.
 */
interface JavaEngine {

    void update(byte[] in, int off, int len);

    /** Consumes {@code in}'s remaining bytes. */
    void update(ByteBuffer in);

    void doFinal(byte[] out, int outOff);

    void reset();

    /** Feeds a buffer through {@code engine}'s array method, copying only when the buffer has no array. */
    static void updateViaArray(JavaEngine engine, ByteBuffer in, byte[] scratch) {
        if (in.hasArray()) {
            engine.update(in.array(), in.arrayOffset() + in.position(), in.remaining());
            in.position(in.limit());
            return;
        }
        while (in.hasRemaining()) {
            int n = Math.min(in.remaining(), scratch.length);
            in.get(scratch, 0, n);
            engine.update(scratch, 0, n);
        }
    }
}
