package io.sigcar.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.function.Executable;

/**
 * Every misuse of the crypto API ends in a Java exception, for every provider, and never
 * reaches C with a bad pointer or length (a JVM crash would fail the whole test run).
 */
class MisuseTest {

    private static final byte[] KEY32 = new byte[32];

    static List<CryptoProvider> providers() {
        assertTrue(NativeLibrary.status().loaded(), NativeLibrary.status().failure());
        return List.of(new NativeProvider(), new BouncyCastleProvider(), new JdkProvider());
    }

    static Stream<Arguments> macCases() {
        return providers().stream().flatMap(p -> Stream.of(Algorithm.HMAC_SHA256, Algorithm.BLAKE3_KEYED)
                .filter(p::supports).map(a -> Arguments.of(p, a)));
    }

    static Stream<Arguments> digestCases() {
        return providers().stream().flatMap(p -> Stream.of(Algorithm.SHA_256, Algorithm.SHA_512)
                .map(a -> Arguments.of(p, a)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("macCases")
    void badKeysAreRefused(CryptoProvider p, Algorithm a) {
        assertThrows(NullPointerException.class, () -> p.macKey(a, null));
        assertThrows(IllegalArgumentException.class, () -> p.macKey(a, new byte[0]));
        if (a == Algorithm.BLAKE3_KEYED) {
            assertThrows(IllegalArgumentException.class, () -> p.macKey(a, new byte[31]));
            assertThrows(IllegalArgumentException.class, () -> p.macKey(a, new byte[33]));
        }
        assertThrows(IllegalArgumentException.class, () -> p.macKey(Algorithm.SHA_256, KEY32));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("macCases")
    void badSlicesAreRefused(CryptoProvider p, Algorithm a) {
        try (MacKey key = p.macKey(a, KEY32)) {
            byte[] in = new byte[10];
            byte[] out = new byte[32];
            assertOutOfBounds(() -> key.mac(in, -1, 5, out, 0));
            assertOutOfBounds(() -> key.mac(in, 0, -1, out, 0));
            assertOutOfBounds(() -> key.mac(in, 6, 5, out, 0));
            assertOutOfBounds(() -> key.mac(in, Integer.MAX_VALUE, 1, out, 0));
            assertOutOfBounds(() -> key.mac(in, 0, 5, out, 1));
            assertOutOfBounds(() -> key.mac(in, 0, 5, new byte[31], 0));
            assertOutOfBounds(() -> key.mac(ByteBuffer.allocate(4), out, -1));
            assertThrows(NullPointerException.class, () -> key.mac(null, 0, 0, out, 0));
            assertThrows(NullPointerException.class, () -> key.mac(in, 0, 0, null, 0));
            assertThrows(NullPointerException.class, () -> key.mac((ByteBuffer) null, out, 0));
            // The key still works after all that, and gives the oracle's answer.
            assertArrayEquals(new BouncyCastleProvider().macKey(a, KEY32).mac(in), key.mac(in));
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("macCases")
    void closedKeysAndFinishedHashersAreRefused(CryptoProvider p, Algorithm a) {
        MacKey key = p.macKey(a, KEY32);
        Hasher open = key.newHasher();
        Hasher h = key.newHasher();
        h.update(new byte[3]);
        h.finish();
        assertThrows(IllegalStateException.class, () -> h.update(new byte[1]));
        assertThrows(IllegalStateException.class, h::finish);
        h.close(); // idempotent
        key.close();
        key.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> key.mac(new byte[1]));
        assertThrows(IllegalStateException.class, key::newHasher);
        if (p instanceof NativeProvider && a == Algorithm.HMAC_SHA256) {
            // The prepared HMAC midstates are wiped, so a hasher made before the close cannot
            // finish with them. (A BLAKE3 hasher took its own copy of the key at init.)
            assertThrows(IllegalStateException.class, () -> open.update(new byte[1]).finish());
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("digestCases")
    void digestMisuseIsRefused(CryptoProvider p, Algorithm a) {
        byte[] out = new byte[a.outputLength()];
        assertOutOfBounds(() -> p.digest(a, new byte[4], 2, 3, out, 0));
        assertOutOfBounds(() -> p.digest(a, new byte[4], 0, 4, out, 1));
        assertThrows(NullPointerException.class, () -> p.digest(a, null, 0, 0, out, 0));
        assertThrows(IllegalArgumentException.class, () -> p.digest(Algorithm.HMAC_SHA256));
        Hasher h = p.digest(a);
        h.close();
        assertThrows(IllegalStateException.class, () -> h.update(new byte[1]));
        assertThrows(IllegalStateException.class, h::finish);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("providers")
    void compareIsExact(CryptoProvider p) {
        byte[] a = new byte[32];
        byte[] b = new byte[32];
        assertTrue(p.equal(a, b));
        for (int i = 0; i < 32; i++) {
            b[i] = 1;
            assertTrue(!p.equal(a, b), "byte " + i + " differs");
            b[i] = 0;
        }
        assertTrue(!p.equal(a, new byte[31]));
        assertTrue(p.equal(new byte[0], new byte[0]));
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = Algorithm.class, names = {"HMAC_SHA256", "BLAKE3_KEYED"})
    void wipeZeroesTheOffHeapKeyMaterial(Algorithm a) {
        byte[] keyBytes = new byte[32];
        java.util.Arrays.fill(keyBytes, (byte) 0x5a);
        NativeMacKey key = (NativeMacKey) new NativeProvider().macKey(a, keyBytes);
        java.lang.foreign.MemorySegment material = key.material();
        assertTrue(material.elements(java.lang.foreign.ValueLayout.JAVA_BYTE).anyMatch(b -> b.get(
                java.lang.foreign.ValueLayout.JAVA_BYTE, 0) != 0), "material is there before the wipe");
        key.wipe();
        assertTrue(material.elements(java.lang.foreign.ValueLayout.JAVA_BYTE).allMatch(b -> b.get(
                java.lang.foreign.ValueLayout.JAVA_BYTE, 0) == 0), "every byte is zero after the wipe");
        key.close();
    }

    @Test
    void nativeRefusesNullCompare() {
        CryptoProvider p = new NativeProvider();
        assertThrows(NullPointerException.class, () -> p.equal(null, new byte[1]));
    }

    private static void assertOutOfBounds(Executable e) {
        assertThrows(IndexOutOfBoundsException.class, e);
    }
}
