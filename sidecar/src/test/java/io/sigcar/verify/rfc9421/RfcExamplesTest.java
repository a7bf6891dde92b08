package io.sigcar.verify.rfc9421;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.sigcar.crypto.Algorithm;
import io.sigcar.reject.Reason;
import io.sigcar.verify.Verdict;
import io.sigcar.verify.replay.TimeWindow;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.greenbytes.http.sfv.InnerList;
import org.greenbytes.http.sfv.Parser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * RFC 9421 Appendix B, as published: the B.2 test request, the signature bases of B.2.1 to
 * B.2.6, and the one shared-key signature (B.2.5), which must verify exactly and fail on any
 * single changed byte.
 */
class RfcExamplesTest {

    /** RFC 9421 Appendix B.2, the test request. */
    static final String TEST_REQUEST = """
            POST /foo?param=Value&Pet=dog HTTP/1.1
            Host: example.com
            Date: Tue, 20 Apr 2021 02:07:55 GMT
            Content-Type: application/json
            Content-Digest: sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:
            Content-Length: 18

            {"hello": "world"}""";

    static final String B25_INPUT = "sig-b25=(\"date\" \"@authority\" \"content-type\");created=1618884473;"
            + "keyid=\"test-shared-secret\"";
    static final String B25_SIGNATURE = "sig-b25=:pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=:";

    /** B.2.5 covers neither the method, the path nor the digest, so only the window is ours. */
    private static Rfc9421Verifier verifier() {
        Rfc9421Config config = Rfc9421Config.defaults().withRequiredComponents(List.of())
                .withDigestRequiredWithBody(false)
                .withWindow(new TimeWindow(Duration.ofMinutes(5), Duration.ofSeconds(30)))
                .withClock(Fixtures.at(Fixtures.RFC_CREATED + 10));
        return new Rfc9421Verifier(config,
                Fixtures.lookup(Fixtures.key("test-shared-secret", Algorithm.HMAC_SHA256, Fixtures.RFC_SHARED_SECRET)),
                new MemoryReplayGuard(100), Fixtures.CRYPTO);
    }

    private static TestRequest b25() {
        return TestRequest.parse("https", TEST_REQUEST).withHeader("signature-input", B25_INPUT)
                .withHeader("signature", B25_SIGNATURE);
    }

    @Test
    void b25VerifiesAsPublished() {
        assertEquals(new Verdict.Verified("test-shared-secret", "rfc9421", Algorithm.HMAC_SHA256),
                verifier().verify(b25()));
    }

    @Test
    void b25FailsTheDefaultPolicyWhichWantsTheMethodCovered() {
        Rfc9421Config strict = Rfc9421Config.defaults().withClock(Fixtures.at(Fixtures.RFC_CREATED));
        Verdict verdict = new Rfc9421Verifier(strict, Fixtures.lookup(Fixtures.key("test-shared-secret",
                Algorithm.HMAC_SHA256, Fixtures.RFC_SHARED_SECRET)), new MemoryReplayGuard(1), Fixtures.CRYPTO)
                .verify(b25());
        assertEquals(Reason.MISSING_COMPONENT, assertInstanceOf(Verdict.Rejected.class, verdict).reason());
    }

    @Test
    void b25IsStaleTodayWithTheRealClock() {
        Rfc9421Config config = Rfc9421Config.defaults().withRequiredComponents(List.of())
                .withDigestRequiredWithBody(false);
        Verdict verdict = new Rfc9421Verifier(config, Fixtures.lookup(Fixtures.key("test-shared-secret",
                Algorithm.HMAC_SHA256, Fixtures.RFC_SHARED_SECRET)), new MemoryReplayGuard(1), Fixtures.CRYPTO)
                .verify(b25());
        assertEquals(Reason.STALE, assertInstanceOf(Verdict.Rejected.class, verdict).reason());
    }

    @Test
    void everySignatureByteMatters() {
        byte[] signature = Base64.getDecoder().decode("pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=");
        Rfc9421Verifier verifier = verifier();
        for (int i = 0; i < signature.length; i++) {
            for (int bit : new int[] {0x01, 0x80}) {
                byte[] changed = signature.clone();
                changed[i] ^= (byte) bit;
                TestRequest request = b25().withHeader("signature",
                        "sig-b25=:" + Base64.getEncoder().encodeToString(changed) + ":");
                Verdict verdict = verifier.verify(request);
                assertEquals(Reason.BAD_SIGNATURE, assertInstanceOf(Verdict.Rejected.class, verdict,
                        "byte " + i).reason(), "byte " + i);
            }
        }
        TestRequest truncated = b25().withHeader("signature", "sig-b25=:"
                + Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(signature, 31)) + ":");
        assertEquals(Reason.BAD_SIGNATURE, ((Verdict.Rejected) verifier.verify(truncated)).reason());
    }

    @ParameterizedTest
    @MethodSource("coveredFields")
    void everyByteOfACoveredFieldMatters(String field) {
        Rfc9421Verifier verifier = verifier();
        String original = b25().headerValues(field).getFirst().trim();
        for (int i = 0; i < original.length(); i++) {
            char[] chars = original.toCharArray();
            chars[i] ^= 0x01;
            TestRequest request = b25().withHeader(field, new String(chars));
            if (field.equals("host")) {
                request = new TestRequest(request.method(), request.scheme(), new String(chars), request.rawPath(),
                        request.rawQuery(), request.headers(), request.bytes(), request.receivedAt());
            }
            Verdict verdict = verifier.verify(request);
            assertEquals(Reason.BAD_SIGNATURE, assertInstanceOf(Verdict.Rejected.class, verdict,
                    field + " position " + i).reason(), field + " position " + i);
        }
    }

    static Stream<String> coveredFields() {
        return Stream.of("date", "content-type", "host");
    }

    @Test
    void everyByteOfTheSignatureParamsMatters() {
        Rfc9421Verifier verifier = verifier();
        for (int i = 0; i < B25_INPUT.length(); i++) {
            char[] chars = B25_INPUT.toCharArray();
            chars[i] ^= 0x01;
            String changed = new String(chars);
            Verdict verdict = verifier.verify(b25().withHeader("signature-input", changed));
            assertInstanceOf(Verdict.Rejected.class, verdict, "position " + i + ": " + changed);
        }
    }

    /** The signature bases of RFC 9421 B.2.1–B.2.6 (requests), rebuilt from their Signature-Input. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("publishedBases")
    void signatureBaseMatchesTheRfc(String label, String signatureInput, String expectedBase) throws Exception {
        InnerList input = (InnerList) Parser.parseDictionary(signatureInput).get().get(label);
        assertEquals(expectedBase, SignatureBase.build(input, Message.of(TestRequest.parse("https", TEST_REQUEST))));
    }

    static Stream<Arguments> publishedBases() {
        String digest = "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:";
        return Stream.of(
                Arguments.of("sig-b21",
                        "sig-b21=();created=1618884473;keyid=\"test-key-rsa-pss\";nonce=\"b3k2pp5k7z-50gnwp.yemd\"",
                        "\"@signature-params\": ();created=1618884473;keyid=\"test-key-rsa-pss\";"
                                + "nonce=\"b3k2pp5k7z-50gnwp.yemd\""),
                Arguments.of("sig-b22",
                        "sig-b22=(\"@authority\" \"content-digest\" \"@query-param\";name=\"Pet\");"
                                + "created=1618884473;keyid=\"test-key-rsa-pss\";tag=\"header-example\"",
                        "\"@authority\": example.com\n"
                                + "\"content-digest\": " + digest + "\n"
                                + "\"@query-param\";name=\"Pet\": dog\n"
                                + "\"@signature-params\": (\"@authority\" \"content-digest\" \"@query-param\""
                                + ";name=\"Pet\");created=1618884473;keyid=\"test-key-rsa-pss\";tag=\"header-example\""),
                Arguments.of("sig-b23",
                        "sig-b23=(\"date\" \"@method\" \"@path\" \"@query\" \"@authority\" \"content-type\" "
                                + "\"content-digest\" \"content-length\");created=1618884473;keyid=\"test-key-rsa-pss\"",
                        "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n"
                                + "\"@method\": POST\n"
                                + "\"@path\": /foo\n"
                                + "\"@query\": ?param=Value&Pet=dog\n"
                                + "\"@authority\": example.com\n"
                                + "\"content-type\": application/json\n"
                                + "\"content-digest\": " + digest + "\n"
                                + "\"content-length\": 18\n"
                                + "\"@signature-params\": (\"date\" \"@method\" \"@path\" \"@query\" \"@authority\" "
                                + "\"content-type\" \"content-digest\" \"content-length\");created=1618884473;"
                                + "keyid=\"test-key-rsa-pss\""),
                Arguments.of("sig-b25", B25_INPUT,
                        "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n"
                                + "\"@authority\": example.com\n"
                                + "\"content-type\": application/json\n"
                                + "\"@signature-params\": (\"date\" \"@authority\" \"content-type\");"
                                + "created=1618884473;keyid=\"test-shared-secret\""),
                Arguments.of("sig-b26",
                        "sig-b26=(\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" \"content-length\");"
                                + "created=1618884473;keyid=\"test-key-ed25519\"",
                        "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n"
                                + "\"@method\": POST\n"
                                + "\"@path\": /foo\n"
                                + "\"@authority\": example.com\n"
                                + "\"content-type\": application/json\n"
                                + "\"content-length\": 18\n"
                                + "\"@signature-params\": (\"date\" \"@method\" \"@path\" \"@authority\" "
                                + "\"content-type\" \"content-length\");created=1618884473;keyid=\"test-key-ed25519\""));
    }

    @Test
    void requiredLabelMustBePresent() {
        Rfc9421Verifier verifier = new Rfc9421Verifier(Rfc9421Config.defaults().withRequiredComponents(List.of())
                .withDigestRequiredWithBody(false).withRequiredLabels(Set.of("sig-b25", "other"))
                .withClock(Fixtures.at(Fixtures.RFC_CREATED)),
                Fixtures.lookup(Fixtures.key("test-shared-secret", Algorithm.HMAC_SHA256, Fixtures.RFC_SHARED_SECRET)),
                new MemoryReplayGuard(1), Fixtures.CRYPTO);
        Verdict verdict = verifier.verify(b25());
        assertEquals(Reason.MISSING_SIGNATURE, assertInstanceOf(Verdict.Rejected.class, verdict).reason());
    }
}
