package io.sigcar.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Native, JDK and Bouncy Castle must agree byte for byte: random keys, lengths 0..1 MiB
 * (boundaries of blocks, chunks and the critical-call limit included), heap and direct
 * memory, non-zero offsets, and incremental runs over random chunkings.
 */
class DifferentialTest {

    private static final long SEED = Long.getLong("sigcar.test.seed", 0x5EED_C0DEL);
    private static final int MIB = 1 << 20;
    private static final int[] BOUNDARY_LENGTHS = {0, 1, 31, 32, 63, 64, 65, 127, 128, 1023, 1024, 1025, 4096,
        16 * 1024, 65535, 65536, 65537, 131073, MIB};

    private static CryptoProvider nativeProvider;
    private static final CryptoProvider JDK = new JdkProvider();
    private static final CryptoProvider BC = new BouncyCastleProvider();

    @BeforeAll
    static void loadNative() {
        NativeStatus status = NativeLibrary.status();
        assertTrue(status.loaded(), () -> "libsigcar must load in tests: " + status.failure());
        nativeProvider = new NativeProvider();
    }

    static Stream<Arguments> cases() {
        SplittableRandom random = new SplittableRandom(SEED);
        List<Arguments> cases = new ArrayList<>();
        for (Algorithm algorithm : Algorithm.values()) {
            for (int length : BOUNDARY_LENGTHS) {
                cases.add(Arguments.of(algorithm, length, random.nextLong()));
            }
            for (int i = 0; i < 12; i++) {
                // Mostly small bodies, as in real traffic, with a tail up to 1 MiB.
                int length = i < 8 ? random.nextInt(4096) : random.nextInt(MIB + 1);
                cases.add(Arguments.of(algorithm, length, random.nextLong()));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} len={1} seed={2}")
    @MethodSource("cases")
    void providersAgree(Algorithm algorithm, int length, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int offset = random.nextInt(17);
        byte[] buffer = new byte[offset + length + random.nextInt(17)];
        random.nextBytes(buffer);
        byte[] key = algorithm.kind() == Algorithm.Kind.MAC ? randomKey(algorithm, random) : null;

        byte[] oracle = oneShotHeap(BC, algorithm, key, buffer, offset, length);
        List<CryptoProvider> providers = new ArrayList<>(List.of(nativeProvider, BC));
        if (JDK.supports(algorithm)) {
            providers.add(JDK);
        }
        for (CryptoProvider p : providers) {
            String who = p.name() + " " + algorithm + " len=" + length + " off=" + offset;
            assertHex(oracle, oneShotHeap(p, algorithm, key, buffer, offset, length), who + " heap one-shot");
            assertHex(oracle, oneShotBuffer(p, algorithm, key, heapBuffer(buffer, offset, length)), who + " heap ByteBuffer");
            assertHex(oracle, oneShotBuffer(p, algorithm, key, directBuffer(buffer, offset, length)), who + " direct ByteBuffer");
            assertHex(oracle, incremental(p, algorithm, key, buffer, offset, length, new SplittableRandom(seed ^ 1)),
                    who + " incremental");
        }
    }

    private static byte[] randomKey(Algorithm algorithm, SplittableRandom random) {
        // HMAC keys cover short, block-sized and longer-than-a-block (hashed first) keys.
        int length = algorithm == Algorithm.BLAKE3_KEYED ? 32 : 1 + random.nextInt(200);
        byte[] key = new byte[length];
        random.nextBytes(key);
        return key;
    }

    static byte[] oneShotHeap(CryptoProvider p, Algorithm a, byte[] key, byte[] in, int off, int len) {
        byte[] out = new byte[a.outputLength() + 3];
        if (key != null) {
            try (MacKey k = p.macKey(a, key)) {
                k.mac(in, off, len, out, 3);
            }
        } else {
            p.digest(a, in, off, len, out, 3);
        }
        return java.util.Arrays.copyOfRange(out, 3, out.length);
    }

    private static byte[] oneShotBuffer(CryptoProvider p, Algorithm a, byte[] key, ByteBuffer in) {
        byte[] out = new byte[a.outputLength()];
        int limit = in.limit();
        if (key != null) {
            try (MacKey k = p.macKey(a, key)) {
                k.mac(in, out, 0);
            }
        } else {
            p.digest(a, in, out, 0);
        }
        assertEquals(limit, in.position(), "the buffer must be consumed");
        return out;
    }

    private static byte[] incremental(CryptoProvider p, Algorithm a, byte[] key, byte[] in, int off, int len,
            SplittableRandom random) {
        MacKey k = key != null ? p.macKey(a, key) : null;
        try (Hasher h = k != null ? k.newHasher() : p.digest(a)) {
            int pos = off;
            int end = off + len;
            while (pos < end) {
                int n = Math.min(end - pos, random.nextInt(4) == 0 ? random.nextInt(70_000) : random.nextInt(300));
                switch (random.nextInt(3)) {
                    case 0 -> h.update(in, pos, n);
                    case 1 -> h.update(heapBuffer(in, pos, n));
                    default -> h.update(directBuffer(in, pos, n));
                }
                pos += n;
            }
            return h.finish();
        } finally {
            if (k != null) {
                k.close();
            }
        }
    }

    /** A heap buffer whose position is not at zero and whose array has bytes outside the window. */
    static ByteBuffer heapBuffer(byte[] in, int off, int len) {
        return ByteBuffer.wrap(in, off, len);
    }

    static ByteBuffer directBuffer(byte[] in, int off, int len) {
        ByteBuffer b = ByteBuffer.allocateDirect(len + 5);
        b.position(5);
        b.put(in, off, len);
        b.position(5);
        return b;
    }

    private static void assertHex(byte[] expected, byte[] actual, String what) {
        HexFormat hex = HexFormat.of();
        assertEquals(hex.formatHex(expected), hex.formatHex(actual), what);
    }

    @org.junit.jupiter.api.Test
    void routedCryptoAgreesWithOracle() {
        Crypto crypto = Crypto.create(CryptoConfig.defaults());
        byte[] key = new byte[32];
        new SplittableRandom(SEED).nextBytes(key);
        byte[] msg = "GET /orders?id=7 HTTP/1.1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (Algorithm a : Algorithm.values()) {
            byte[] k = a.kind() == Algorithm.Kind.MAC ? key : null;
            assertArrayEquals(oneShotHeap(BC, a, k, msg, 0, msg.length), oneShotHeap(crypto, a, k, msg, 0, msg.length),
                    a.id());
        }
    }
}
