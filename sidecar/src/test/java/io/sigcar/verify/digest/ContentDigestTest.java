package io.sigcar.verify.digest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sigcar.crypto.Algorithm;
import io.sigcar.crypto.Crypto;
import io.sigcar.crypto.CryptoConfig;
import io.sigcar.reject.Reason;
import io.sigcar.verify.Verdict;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** RFC 9530 Content-Digest: the RFC's own {"hello": "world"} digests, mismatches and bad fields. */
class ContentDigestTest {

    static final ContentDigest DIGEST = new ContentDigest(Crypto.create(CryptoConfig.defaults()));
    static final byte[] HELLO = "{\"hello\": \"world\"}".getBytes(StandardCharsets.UTF_8);
    /** RFC 9530 §B (and RFC 9421 B.2) values for {"hello": "world"}. */
    static final String SHA256 = "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:";
    static final String SHA512 =
            "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:";

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("sha-256 as published", List.of(SHA256), null),
                Arguments.of("sha-512 as published", List.of(SHA512), null),
                Arguments.of("both in one line", List.of(SHA256 + ", " + SHA512), null),
                Arguments.of("both on two lines", List.of(SHA512, SHA256), null),
                Arguments.of("unknown algorithm beside a good one", List.of("md5=:AAAA:, " + SHA256), null),
                Arguments.of("one good, one bad", List.of(SHA256 + ", sha-512=:" + "A".repeat(86) + "==:"),
                        Reason.DIGEST_MISMATCH),
                Arguments.of("another sha-256 value", List.of("sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:"),
                        Reason.DIGEST_MISMATCH),
                Arguments.of("truncated digest", List.of("sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9D:"),
                        Reason.DIGEST_MISMATCH),
                Arguments.of("unknown algorithms only", List.of("md5=:AAAA:, unixsum=:AAAA:"),
                        Reason.UNSUPPORTED_ALGORITHM),
                Arguments.of("not a dictionary", List.of("sha-256=X48E9qOokqqrvdts8n=="), Reason.MALFORMED_SIGNATURE),
                Arguments.of("value not a byte sequence", List.of("sha-256=\"X48E\""), Reason.MALFORMED_SIGNATURE),
                Arguments.of("legacy Digest syntax", List.of("SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="),
                        Reason.MALFORMED_SIGNATURE),
                Arguments.of("absent", List.of(), Reason.MISSING_DIGEST));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void verify(String name, List<String> field, Reason expected) {
        ByteBuf body = Unpooled.wrappedBuffer(HELLO);
        Optional<Verdict.Rejected> result = DIGEST.verify(field, body);
        assertEquals(Optional.ofNullable(expected), result.map(Verdict.Rejected::reason), name);
        assertEquals(0, body.readerIndex());
    }

    @Test
    void compositeBuffersAreDigestedWhole() {
        ByteBuf split = Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(HELLO, 0, 5),
                Unpooled.directBuffer().writeBytes(HELLO, 5, HELLO.length - 5));
        assertEquals(Optional.empty(), DIGEST.verify(List.of(SHA256 + ", " + SHA512), split));
    }

    @Test
    void producesThePublishedValues() {
        assertEquals(SHA256, DIGEST.fieldValue(Algorithm.SHA_256, HELLO));
        assertEquals(SHA512, DIGEST.fieldValue(Algorithm.SHA_512, Unpooled.wrappedBuffer(HELLO)));
        assertThrows(IllegalArgumentException.class, () -> DIGEST.fieldValue(Algorithm.HMAC_SHA256, HELLO));
    }

    @Test
    void emptyBodyHasItsOwnDigest() {
        String empty = DIGEST.fieldValue(Algorithm.SHA_256, new byte[0]);
        assertTrue(empty.startsWith("sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:"), empty);
        assertEquals(Optional.empty(), DIGEST.verify(List.of(empty), Unpooled.EMPTY_BUFFER));
    }
}
