package io.sigcar.verify.rfc9421;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sigcar.crypto.Algorithm;
import io.sigcar.reject.Reason;
import io.sigcar.verify.Verdict;
import io.sigcar.verify.keys.KeyLookup;
import io.sigcar.verify.keys.VerifyKey;
import io.sigcar.verify.replay.ReplayGuard;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every reason the RFC 9421 verifier gives, each reached by a request built to provoke it. */
class VerifierReasonsTest {

    static final long NOW = 1_800_000_000L;
    static final byte[] SECRET = Fixtures.bytes(32, 7);
    static final VerifyKey KEY = Fixtures.key("client-a", Algorithm.HMAC_SHA256, SECRET);
    static final Rfc9421Signer SIGNER = new Rfc9421Signer(Fixtures.CRYPTO);
    static final String URL = "https://api.example.com/orders?id=7";
    static final byte[] BODY = "{\"qty\": 2}".getBytes(StandardCharsets.UTF_8);
    static final List<String> COMPONENTS = List.of("@method", "@authority", "@path", "@query", "content-type");
    static final EnumSet<Reason> REACHED = EnumSet.noneOf(Reason.class);

    static Rfc9421Config config() {
        return Rfc9421Config.defaults().withClock(Fixtures.at(NOW));
    }

    static Rfc9421Signer.Spec spec(List<String> components, long created, Long expires, String nonce) {
        return new Rfc9421Signer.Spec("sig1", components, "client-a", created, expires, nonce, true);
    }

    static TestRequest signed(Rfc9421Signer.Spec spec, byte[] body, Map<String, List<String>> extra, VerifyKey key) {
        Map<String, List<String>> headers = new java.util.LinkedHashMap<>(extra);
        headers.put("content-type", List.of("application/json"));
        try {
            Rfc9421Signer.Signed s = SIGNER.sign(new Rfc9421Signer.Request("POST", URI.create(URL), headers, body),
                    spec, key.macKey());
            return TestRequest.of("POST", URL, headers, body).with(s);
        } catch (ComponentException e) {
            throw new AssertionError(e);
        }
    }

    static TestRequest good() {
        return signed(spec(COMPONENTS, NOW, null, null), BODY, Map.of(), KEY);
    }

    static TestRequest goodWithNonce(String nonce) {
        return signed(spec(COMPONENTS, NOW, null, nonce), BODY, Map.of(), KEY);
    }

    static Verdict verify(Rfc9421Config config, KeyLookup keys, ReplayGuard guard, TestRequest request) {
        return new Rfc9421Verifier(config, keys, guard, Fixtures.CRYPTO).verify(request);
    }

    static Verdict verify(TestRequest request) {
        return verify(config(), Fixtures.lookup(KEY), new MemoryReplayGuard(100), request);
    }

    static TestRequest editInput(TestRequest r, String from, String to) {
        String input = r.headerValues("signature-input").getFirst();
        assertTrue(input.contains(from), input);
        return r.withHeader("signature-input", input.replace(from, to));
    }

    static Stream<Arguments> cases() {
        VerifyKey wrongSecret = Fixtures.key("client-a", Algorithm.HMAC_SHA256, Fixtures.bytes(32, 8));
        VerifyKey blake = Fixtures.key("client-a", Algorithm.BLAKE3_KEYED, SECRET);
        return Stream.of(
                c("unsigned", Reason.MISSING_SIGNATURE,
                        () -> verify(good().withHeader("signature-input").withHeader("signature"))),
                c("Signature-Input without Signature", Reason.MISSING_SIGNATURE,
                        () -> verify(good().withHeader("signature"))),
                c("required label absent", Reason.MISSING_SIGNATURE,
                        () -> verify(config().withRequiredLabels(Set.of("sig2")), Fixtures.lookup(KEY),
                                new MemoryReplayGuard(1), good())),
                c("Signature-Input not a dictionary", Reason.MALFORMED_SIGNATURE,
                        () -> verify(good().withHeader("signature-input", "sig1=(\"@method\""))),
                c("Signature not a byte sequence", Reason.MALFORMED_SIGNATURE,
                        () -> verify(good().withHeader("signature", "sig1=\"abc\""))),
                c("labels do not pair", Reason.MALFORMED_SIGNATURE,
                        () -> verify(good().withHeader("signature", "other=:AAAA:"))),
                c("created not an integer", Reason.MALFORMED_SIGNATURE,
                        () -> verify(editInput(good(), "created=" + NOW, "created=\"" + NOW + "\""))),
                c("covered component with req", Reason.MALFORMED_SIGNATURE,
                        () -> verify(editInput(good(), "\"content-type\"", "\"content-type\";req"))),
                c("no keyid", Reason.MISSING_PARAMETER,
                        () -> verify(editInput(good(), ";keyid=\"client-a\"", ""))),
                c("no created", Reason.MISSING_PARAMETER,
                        () -> verify(editInput(good(), "created=" + NOW + ";", ""))),
                c("no nonce though required", Reason.MISSING_PARAMETER,
                        () -> verify(config().withRequireNonce(true), Fixtures.lookup(KEY), new MemoryReplayGuard(1),
                                good())),
                c("path not covered", Reason.MISSING_COMPONENT,
                        () -> verify(signed(spec(List.of("@method", "@authority", "@query"), NOW, null, null), BODY,
                                Map.of(), KEY))),
                c("covered header absent", Reason.MISSING_COMPONENT,
                        () -> verify(good().withHeader("content-type"))),
                c("body added after signing", Reason.MISSING_DIGEST,
                        () -> verify(signed(spec(COMPONENTS, NOW, null, null), new byte[0], Map.of(), KEY)
                                .withBody(BODY))),
                c("body changed after signing", Reason.DIGEST_MISMATCH,
                        () -> verify(good().withBody("{\"qty\": 200}".getBytes(StandardCharsets.UTF_8)))),
                c("Content-Digest of unknown algorithms only", Reason.UNSUPPORTED_ALGORITHM,
                        () -> verify(signed(spec(COMPONENTS, NOW, null, null), BODY,
                                Map.of("content-digest", List.of("md5=:AAAAAAAAAAAAAAAAAAAAAA==:")), KEY))),
                c("alg unknown", Reason.UNSUPPORTED_ALGORITHM,
                        () -> verify(editInput(good(), "alg=\"hmac-sha256\"", "alg=\"rsa-pss-sha512\""))),
                c("alg a digest, not a MAC", Reason.UNSUPPORTED_ALGORITHM,
                        () -> verify(editInput(good(), "alg=\"hmac-sha256\"", "alg=\"sha-256\""))),
                c("alg differs from the key's", Reason.ALGORITHM_MISMATCH,
                        () -> verify(config(), Fixtures.lookup(blake), new MemoryReplayGuard(1), good())),
                c("created too old", Reason.STALE,
                        () -> verify(signed(spec(COMPONENTS, NOW - 301, null, null), BODY, Map.of(), KEY))),
                c("expired", Reason.STALE,
                        () -> verify(signed(spec(COMPONENTS, NOW - 10, NOW - 1, null), BODY, Map.of(), KEY))),
                c("created in the future", Reason.FROM_FUTURE,
                        () -> verify(signed(spec(COMPONENTS, NOW + 31, null, null), BODY, Map.of(), KEY))),
                c("unknown keyid", Reason.UNKNOWN_KEY,
                        () -> verify(config(), Fixtures.lookup(), new MemoryReplayGuard(1), good())),
                c("keyid not allowed", Reason.KEY_NOT_ALLOWED,
                        () -> verify(config().withAllowedKeyIds(Set.of("client-b")), Fixtures.lookup(KEY),
                                new MemoryReplayGuard(1), good())),
                c("wrong secret", Reason.BAD_SIGNATURE,
                        () -> verify(config(), Fixtures.lookup(wrongSecret), new MemoryReplayGuard(1), good())),
                c("method changed", Reason.BAD_SIGNATURE,
                        () -> {
                            TestRequest r = good();
                            return verify(new TestRequest("PUT", r.scheme(), r.authority(), r.rawPath(), r.rawQuery(),
                                    r.headers(), r.bytes(), r.receivedAt()));
                        }),
                c("nonce seen before", Reason.REPLAYED,
                        () -> {
                            MemoryReplayGuard guard = new MemoryReplayGuard(10);
                            TestRequest r = goodWithNonce("n-1");
                            assertInstanceOf(Verdict.Verified.class, verify(config(), Fixtures.lookup(KEY), guard, r));
                            return verify(config(), Fixtures.lookup(KEY), guard, r);
                        }),
                c("nonce cache full", Reason.NONCE_CACHE_FULL,
                        () -> verify(config(), Fixtures.lookup(KEY), new MemoryReplayGuard(0), goodWithNonce("n-2"))));
    }

    private static Arguments c(String name, Reason reason, Supplier<Verdict> run) {
        return Arguments.of(name, reason, run);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("cases")
    void reason(String name, Reason expected, Supplier<Verdict> run) {
        Verdict verdict = run.get();
        Verdict.Rejected rejected = assertInstanceOf(Verdict.Rejected.class, verdict, name);
        assertEquals(expected, rejected.reason(), rejected.detail());
        String detail = rejected.detail();
        assertFalse(detail.contains(Base64.getEncoder().encodeToString(SECRET)), detail);
        assertFalse(detail.contains(HexFormat.of().formatHex(SECRET)), detail);
        assertFalse(detail.contains(good().headerValues("signature").getFirst().substring(6, 30)), detail);
        REACHED.add(expected);
    }

    @AfterAll
    static void everyVerifierReasonWasReached() {
        EnumSet<Reason> expected = EnumSet.of(Reason.MISSING_SIGNATURE, Reason.MALFORMED_SIGNATURE,
                Reason.UNSUPPORTED_ALGORITHM, Reason.MISSING_COMPONENT, Reason.MISSING_PARAMETER,
                Reason.MISSING_DIGEST, Reason.DIGEST_MISMATCH, Reason.STALE, Reason.FROM_FUTURE, Reason.REPLAYED,
                Reason.BAD_SIGNATURE, Reason.UNKNOWN_KEY, Reason.KEY_NOT_ALLOWED, Reason.ALGORITHM_MISMATCH,
                Reason.NONCE_CACHE_FULL);
        if (REACHED.size() > 3) {
            // Only meaningful when the whole table ran, not a single filtered case.
            assertEquals(expected, REACHED);
        }
    }

    @Test
    void goodRequestVerifies() {
        assertEquals(new Verdict.Verified("client-a", "rfc9421", Algorithm.HMAC_SHA256), verify(good()));
    }

    @Test
    void aBadMacDoesNotSpendTheNonce() {
        MemoryReplayGuard guard = new MemoryReplayGuard(10);
        VerifyKey wrong = Fixtures.key("client-a", Algorithm.HMAC_SHA256, Fixtures.bytes(32, 9));
        TestRequest request = goodWithNonce("n-3");
        assertInstanceOf(Verdict.Rejected.class, verify(config(), Fixtures.lookup(wrong), guard, request));
        assertEquals(0, guard.size());
        assertInstanceOf(Verdict.Verified.class, verify(config(), Fixtures.lookup(KEY), guard, request));
        assertEquals(1, guard.size());
    }

    @Test
    void oneGoodSignatureSufficesUnlessEveryLabelIsRequired() {
        VerifyKey other = Fixtures.key("client-b", Algorithm.HMAC_SHA256, Fixtures.bytes(32, 10));
        TestRequest r = good();
        // A second, bogus signature under another label, listed first so it is tried first.
        TestRequest two = r.withHeader("signature-input",
                r.headerValues("signature-input").getFirst().replace("sig1=", "sig0=")
                        .replace("client-a", "client-b"),
                r.headerValues("signature-input").getFirst())
                .withHeader("signature", "sig0=:" + Base64.getEncoder().encodeToString(new byte[32]) + ":",
                        r.headerValues("signature").getFirst());
        KeyLookup both = Fixtures.lookup(KEY, other);
        assertEquals(new Verdict.Verified("client-a", "rfc9421", Algorithm.HMAC_SHA256),
                verify(config(), both, new MemoryReplayGuard(1), two));
        Verdict all = verify(config().withRequiredLabels(Set.of("sig0", "sig1")), both, new MemoryReplayGuard(1), two);
        assertEquals(Reason.BAD_SIGNATURE, assertInstanceOf(Verdict.Rejected.class, all).reason());
        assertInstanceOf(Verdict.Verified.class,
                verify(config().withRequiredLabels(Set.of("sig1")), both, new MemoryReplayGuard(1), two));
    }
}
