package io.sigcar.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Netty buffers of every shape give the same MAC and digest as the plain bytes, and keep their reader index. */
class ByteBufsTest {

    private static final byte[] KEY = new byte[32];

    static Stream<Arguments> buffers() {
        byte[] body = new byte[100_000];
        new SplittableRandom(7).nextBytes(body);
        ByteBuf pooledDirect = PooledByteBufAllocator.DEFAULT.directBuffer(body.length).writeBytes(body);
        ByteBuf heapWithReaderIndex = Unpooled.buffer().writeBytes(new byte[11]).writeBytes(body);
        heapWithReaderIndex.readerIndex(11);
        CompositeByteBuf composite = Unpooled.compositeBuffer();
        composite.addComponent(true, Unpooled.wrappedBuffer(body, 0, 30_000));
        composite.addComponent(true, Unpooled.directBuffer().writeBytes(body, 30_000, 50_000));
        composite.addComponent(true, Unpooled.wrappedBuffer(body, 80_000, 20_000));
        return Stream.of(
                Arguments.of("pooled direct", body, pooledDirect),
                Arguments.of("heap, reader index 11", body, heapWithReaderIndex),
                Arguments.of("composite heap+direct+heap", body, composite),
                Arguments.of("read-only heap", body, Unpooled.wrappedBuffer(body).asReadOnly()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("buffers")
    void nettyBuffersMatchPlainBytes(String shape, byte[] body, ByteBuf buf) {
        Crypto crypto = Crypto.create(CryptoConfig.defaults());
        int readerIndex = buf.readerIndex();
        try {
            for (Algorithm a : Algorithm.values()) {
                byte[] expected = DifferentialTest.oneShotHeap(new BouncyCastleProvider(), a,
                        a.kind() == Algorithm.Kind.MAC ? KEY : null, body, 0, body.length);
                byte[] viaNetty = new byte[a.outputLength()];
                if (a.kind() == Algorithm.Kind.MAC) {
                    try (MacKey key = crypto.macKey(a, KEY)) {
                        ByteBufs.mac(key, buf, viaNetty, 0);
                        assertArrayEquals(expected, viaNetty, shape + " " + a + " one-shot");
                        try (Hasher h = key.newHasher()) {
                            ByteBufs.update(h, buf);
                            assertArrayEquals(expected, h.finish(), shape + " " + a + " incremental");
                        }
                    }
                } else {
                    ByteBufs.digest(crypto, a, buf, viaNetty, 0);
                    assertArrayEquals(expected, viaNetty, shape + " " + a);
                }
                assertEquals(readerIndex, buf.readerIndex(), "reader index must not move");
            }
        } finally {
            buf.release();
        }
    }
}
