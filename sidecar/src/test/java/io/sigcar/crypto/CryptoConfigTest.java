package io.sigcar.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Provider configuration: good entries parse, bad ones fail with the field and the reason. */
class CryptoConfigTest {

    @Test
    void defaultsAreAutoEverywhere() {
        CryptoConfig c = CryptoConfig.defaults();
        for (Algorithm a : Algorithm.values()) {
            assertEquals(ProviderChoice.AUTO, c.choice(a));
        }
    }

    @Test
    void entriesOverrideTheirAlgorithmOnly() {
        CryptoConfig c = CryptoConfig.parse(List.of(" hmac-sha256 = jdk", "sha-512=bouncycastle"), "--crypto");
        assertEquals(ProviderChoice.JDK, c.choice(Algorithm.HMAC_SHA256));
        assertEquals(ProviderChoice.BOUNCYCASTLE, c.choice(Algorithm.SHA_512));
        assertEquals(ProviderChoice.AUTO, c.choice(Algorithm.BLAKE3_KEYED));
    }

    static Stream<Arguments> badEntries() {
        return Stream.of(
                Arguments.of("hmac-sha256", "--crypto: 'hmac-sha256' is not algorithm=provider"),
                Arguments.of("=jdk", "--crypto: '=jdk' is not algorithm=provider"),
                Arguments.of("md5=jdk", "--crypto: unknown algorithm 'md5' (expected one of hmac-sha256, blake3-keyed, sha-256, sha-512)"),
                Arguments.of("sha-256=openssl", "--crypto: unknown provider 'openssl' for sha-256 (expected one of auto, native, jdk, bouncycastle)"),
                Arguments.of("blake3-keyed=jdk", "--crypto: the jdk provider does not implement blake3-keyed (choose auto, native or bouncycastle)"));
    }

    @ParameterizedTest
    @MethodSource("badEntries")
    void badEntriesNameTheFieldAndReason(String entry, String message) {
        var e = assertThrows(IllegalArgumentException.class, () -> CryptoConfig.parse(List.of(entry), "--crypto"));
        assertEquals(message, e.getMessage());
    }

    @Test
    void duplicatesAreRefused() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> CryptoConfig.parse(List.of("sha-256=jdk", "sha-256=native"), "SIGCAR_CRYPTO"));
        assertEquals("SIGCAR_CRYPTO: sha-256 is set more than once", e.getMessage());
    }
}
