package io.sigcar.crypto;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Feeds Netty buffers (what Vert.x request bodies are made of) to the crypto API without
 * copying: each buffer is viewed through its NIO buffers, heap or direct. The readable
 * bytes are used; the reader index does not move.
 */
public final class ByteBufs {

    private ByteBufs() {}

    public static void update(Hasher hasher, ByteBuf buf) {
        Objects.requireNonNull(buf, "buf");
        int count = buf.nioBufferCount();
        if (count == 1) {
            hasher.update(buf.nioBuffer());
        } else if (count > 1) {
            for (ByteBuffer part : buf.nioBuffers()) {
                hasher.update(part);
            }
        } else {
            // A buffer with no NIO view (rare custom types): copy through a small array.
            byte[] chunk = new byte[Math.min(buf.readableBytes(), 8192)];
            for (int i = buf.readerIndex(); i < buf.writerIndex(); i += chunk.length) {
                int n = Math.min(chunk.length, buf.writerIndex() - i);
                buf.getBytes(i, chunk, 0, n);
                hasher.update(chunk, 0, n);
            }
        }
    }

    public static void mac(MacKey key, ByteBuf buf, byte[] out, int outOff) {
        Objects.requireNonNull(buf, "buf");
        if (buf.nioBufferCount() == 1) {
            key.mac(buf.nioBuffer(), out, outOff);
            return;
        }
        try (Hasher hasher = key.newHasher()) {
            update(hasher, buf);
            hasher.finish(out, outOff);
        }
    }

    public static void digest(CryptoProvider provider, Algorithm algorithm, ByteBuf buf, byte[] out, int outOff) {
        Objects.requireNonNull(buf, "buf");
        if (buf.nioBufferCount() == 1) {
            provider.digest(algorithm, buf.nioBuffer(), out, outOff);
            return;
        }
        try (Hasher hasher = provider.digest(algorithm)) {
            update(hasher, buf);
            hasher.finish(out, outOff);
        }
    }
}
