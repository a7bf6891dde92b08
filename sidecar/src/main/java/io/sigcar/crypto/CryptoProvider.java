package io.sigcar.crypto;

import java.nio.ByteBuffer;

/**
 * The crypto operations Sigcar's verify stage needs; native, Bouncy Castle and JDK
 * implementations agree byte for byte, and {@link Crypto} routes between them.
 *
 * <p>Inputs are {@code byte[]} slices or {@link ByteBuffer}s, heap or direct; Netty
 * buffers go through {@link ByteBufs}. Bad arguments (null, out-of-range slices, wrong
 * key length, closed state) throw the usual Java exceptions, never crash the JVM.
 */
public interface CryptoProvider {

    /** Stable provider name: {@code native}, {@code bouncycastle}, {@code jdk}, or a router's. */
    String name();

    boolean supports(Algorithm algorithm);

    /** Prepares a MAC key; throws {@link IllegalArgumentException} for a key of the wrong shape. */
    MacKey macKey(Algorithm algorithm, byte[] key);

    /** Starts an incremental digest. */
    Hasher digest(Algorithm algorithm);

    void digest(Algorithm algorithm, byte[] in, int off, int len, byte[] out, int outOff);

    /** Digests {@code in}'s remaining bytes and advances its position to its limit. */
    void digest(Algorithm algorithm, ByteBuffer in, byte[] out, int outOff);

    /** Constant-time equality: the time taken depends on the lengths only, never on the contents. */
    boolean equal(byte[] a, byte[] b);

    default byte[] digest(Algorithm algorithm, byte[] in) {
        byte[] out = new byte[algorithm.outputLength()];
        digest(algorithm, in, 0, in.length, out, 0);
        return out;
    }
}
