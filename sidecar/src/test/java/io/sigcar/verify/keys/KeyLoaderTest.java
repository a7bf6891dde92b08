package io.sigcar.verify.keys;

import static io.sigcar.verify.keys.KeyFiles.key;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sigcar.crypto.Algorithm;
import io.sigcar.crypto.Crypto;
import io.sigcar.crypto.CryptoConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Loading a key directory: what counts as a key, and every refusal naming its file and rule. */
class KeyLoaderTest {

    private static final Crypto CRYPTO = Crypto.create(CryptoConfig.defaults());
    private static final byte[] MESSAGE = KeyFiles.ascii("GET /orders");

    @TempDir
    Path dir;

    @Test
    void loadsRegularFilesAndSymlinksAsRawBytes(@TempDir Path elsewhere) throws IOException {
        byte[] a = KeyFiles.keyEndingInWhitespace(40, 1);
        byte[] b = key(32, 2);
        byte[] c = key(64, 3);
        Files.write(dir.resolve("a"), a);
        Files.write(dir.resolve("b.blake3"), b);
        Files.write(elsewhere.resolve("target"), c);
        Files.createSymbolicLink(dir.resolve("c_link"), elsewhere.resolve("target"));
        Files.write(dir.resolve(".hidden"), KeyFiles.ascii("short"));
        Files.createDirectory(dir.resolve("..2026_11_23_x"));
        Files.createDirectory(dir.resolve("subdir"));
        Files.createSymbolicLink(dir.resolve("dangling"), dir.resolve("nowhere"));
        KeyConfig config = KeyConfig.of(dir, Algorithm.HMAC_SHA256)
                .withAlgorithms(Map.of("b.blake3", Algorithm.BLAKE3_KEYED));

        KeySet set = new KeyLoader(config, CRYPTO).load(KeySet.empty());

        assertEquals(Set.of("a", "b.blake3", "c_link"), set.ids());
        assertEquals(3, set.size());
        assertEquals(Algorithm.BLAKE3_KEYED, set.find("b.blake3").orElseThrow().algorithm());
        // The trailing " \n" is part of the key: the MAC matches the untrimmed bytes.
        assertArrayEquals(CRYPTO.macKey(Algorithm.HMAC_SHA256, a).mac(MESSAGE),
                set.find("a").orElseThrow().macKey().mac(MESSAGE));
        assertArrayEquals(CRYPTO.macKey(Algorithm.BLAKE3_KEYED, b).mac(MESSAGE),
                set.find("b.blake3").orElseThrow().macKey().mac(MESSAGE));
        assertArrayEquals(CRYPTO.macKey(Algorithm.HMAC_SHA256, c).mac(MESSAGE),
                set.find("c_link").orElseThrow().macKey().mac(MESSAGE));
        assertTrue(set.find("missing").isEmpty());
        assertTrue(set.find(null).isEmpty());
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of("short", new byte[31], Algorithm.HMAC_SHA256, "hmac-sha256 keys must be at least 32 bytes"),
                Arguments.of("b3short", new byte[31], Algorithm.BLAKE3_KEYED, "blake3-keyed keys must be exactly 32"),
                Arguments.of("b3long", new byte[33], Algorithm.BLAKE3_KEYED, "blake3-keyed keys must be exactly 32"),
                Arguments.of("empty", new byte[0], Algorithm.HMAC_SHA256, "key file is empty"),
                Arguments.of("huge", new byte[4097], Algorithm.HMAC_SHA256, "larger than the 4096-byte limit"),
                Arguments.of("bad name", new byte[32], Algorithm.HMAC_SHA256, "file name is not a safe keyid"),
                Arguments.of("x".repeat(129), new byte[32], Algorithm.HMAC_SHA256, "not a safe keyid"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refusesABadFileByPathAndRule(String name, byte[] content, Algorithm algorithm, String rule)
            throws IOException {
        Files.write(dir.resolve("good"), key(32, 9));
        Files.write(dir.resolve(name), content);
        KeyConfig config = KeyConfig.of(dir, Algorithm.HMAC_SHA256).withAlgorithms(
                KeyConfig.isSafeKeyId(name) ? Map.of(name, algorithm) : Map.of());

        KeyLoadException e = assertThrows(KeyLoadException.class,
                () -> new KeyLoader(config, CRYPTO).load(KeySet.empty()));

        assertEquals(1, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().startsWith(dir.resolve(name) + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(rule), e.getMessage());
    }

    @Test
    void aTextKeyEndingInANewlineIsKeptWholeAndWarnedAbout() throws IOException {
        byte[] echoed = KeyFiles.ascii("correct-horse-battery-staple-0123456789\n");
        Files.write(dir.resolve("echoed"), echoed);
        try (KeyFiles.LogCapture log = new KeyFiles.LogCapture(KeyLoader.class)) {
            KeySet set = new KeyLoader(KeyConfig.of(dir, Algorithm.HMAC_SHA256), CRYPTO).load(KeySet.empty());
            assertArrayEquals(CRYPTO.macKey(Algorithm.HMAC_SHA256, echoed).mac(MESSAGE),
                    set.find("echoed").orElseThrow().macKey().mac(MESSAGE));
            assertTrue(log.text().contains("WARNING key echoed ends with a newline"), log.text());
            assertFalse(log.text().contains("horse"), log.text());
        }
    }

    @Test
    void anEmptyDirectoryIsAnError() {
        KeyLoadException e = assertThrows(KeyLoadException.class,
                () -> new KeyLoader(KeyConfig.of(dir, Algorithm.HMAC_SHA256), CRYPTO).load(KeySet.empty()));
        assertTrue(e.getMessage().contains(dir + ": no key files"), e.getMessage());
    }

    @Test
    void aDirectoryOfOnlyKubernetesEntriesIsAnError() throws IOException {
        Files.createDirectory(dir.resolve("..2026_11_23_x"));
        Files.createSymbolicLink(dir.resolve("..data"), Path.of("..2026_11_23_x"));
        assertThrows(KeyLoadException.class,
                () -> new KeyLoader(KeyConfig.of(dir, Algorithm.HMAC_SHA256), CRYPTO).load(KeySet.empty()));
    }

    @Test
    void aMissingDirectoryIsAnErrorNamingIt() {
        Path missing = dir.resolve("nope");
        KeyLoadException e = assertThrows(KeyLoadException.class,
                () -> new KeyLoader(KeyConfig.of(missing, Algorithm.HMAC_SHA256), CRYPTO).load(KeySet.empty()));
        assertTrue(e.getMessage().startsWith(missing + ": cannot list"), e.getMessage());
    }

    @Test
    void allBadFilesAreReportedTogether() throws IOException {
        Files.write(dir.resolve("one"), new byte[8]);
        Files.write(dir.resolve("two"), new byte[9]);
        KeyLoadException e = assertThrows(KeyLoadException.class,
                () -> new KeyLoader(KeyConfig.of(dir, Algorithm.HMAC_SHA256), CRYPTO).load(KeySet.empty()));
        assertEquals(2, e.problems().size());
        assertTrue(e.problems().get(0).startsWith(dir.resolve("one").toString()));
        assertTrue(e.problems().get(1).startsWith(dir.resolve("two").toString()));
    }

    @Test
    void aShortPresetKeyIsAcceptedWithAWarningNamingOnlyItsKeyid() throws IOException {
        // GitHub's documented example secret, 26 bytes.
        byte[] secret = KeyFiles.ascii("It's a Secret to Everybody");
        Files.write(dir.resolve("github"), secret);
        KeyConfig config = KeyConfig.of(dir, Algorithm.HMAC_SHA256).withPresetKeys(Set.of("github"), false);

        KeySet set;
        try (KeyFiles.LogCapture log = new KeyFiles.LogCapture(KeyLoader.class)) {
            set = new KeyLoader(config, CRYPTO).load(KeySet.empty());
            assertTrue(log.text().contains("WARNING preset key github is shorter than 32 bytes"), log.text());
            assertFalse(log.text().contains("Secret to Everybody"), log.text());
        }
        assertEquals(Set.of("github"), set.shortPresetKeys());
        assertArrayEquals(CRYPTO.macKey(Algorithm.HMAC_SHA256, secret).mac(MESSAGE),
                set.find("github").orElseThrow().macKey().mac(MESSAGE));
    }

    @Test
    void aShortPresetKeyIsRefusedWhenConfiguredSo() throws IOException {
        Files.write(dir.resolve("github"), KeyFiles.ascii("It's a Secret to Everybody"));
        KeyConfig config = KeyConfig.of(dir, Algorithm.HMAC_SHA256).withPresetKeys(Set.of("github"), true);
        KeyLoadException e = assertThrows(KeyLoadException.class,
                () -> new KeyLoader(config, CRYPTO).load(KeySet.empty()));
        assertTrue(e.getMessage().startsWith(dir.resolve("github") + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("refuseShortPresetKeys"), e.getMessage());
    }

    @Test
    void theShortKeyExceptionIsOnlyForPresetKeys() throws IOException {
        Files.write(dir.resolve("stripe"), new byte[26]);
        KeyConfig config = KeyConfig.of(dir, Algorithm.HMAC_SHA256).withPresetKeys(Set.of("github"), false);
        assertThrows(KeyLoadException.class, () -> new KeyLoader(config, CRYPTO).load(KeySet.empty()));
    }

    @Test
    void aPresetKeyBoundToBlake3MustStillBe32Bytes() throws IOException {
        Files.write(dir.resolve("github"), new byte[26]);
        KeyConfig config = KeyConfig.of(dir, Algorithm.BLAKE3_KEYED).withPresetKeys(Set.of("github"), false);
        assertThrows(KeyLoadException.class, () -> new KeyLoader(config, CRYPTO).load(KeySet.empty()));
    }

    @Test
    void configErrorsNameTheField() {
        assertMessage(KeyConfig.FIELD_DIRECTORY,
                () -> new KeyConfig(null, Algorithm.HMAC_SHA256, Map.of(), Set.of(), false));
        assertMessage(KeyConfig.FIELD_DEFAULT_ALGORITHM, () -> KeyConfig.of(dir, null));
        assertMessage(KeyConfig.FIELD_DEFAULT_ALGORITHM, () -> KeyConfig.of(dir, Algorithm.SHA_256));
        assertMessage(KeyConfig.FIELD_ALGORITHMS + "[k]",
                () -> KeyConfig.of(dir, Algorithm.HMAC_SHA256).withAlgorithms(Map.of("k", Algorithm.SHA_512)));
        assertMessage(KeyConfig.FIELD_ALGORITHMS,
                () -> KeyConfig.of(dir, Algorithm.HMAC_SHA256).withAlgorithms(Map.of("a/b", Algorithm.HMAC_SHA256)));
        assertMessage(KeyConfig.FIELD_PRESET_KEYS,
                () -> KeyConfig.of(dir, Algorithm.HMAC_SHA256).withPresetKeys(Set.of("../x"), false));
    }

    private static void assertMessage(String field, org.junit.jupiter.api.function.Executable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
        assertTrue(e.getMessage().startsWith(field + ": "), e.getMessage());
    }
}
