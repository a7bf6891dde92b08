package io.sigcar.verify.rfc9421;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.sigcar.crypto.Algorithm;
import io.sigcar.reject.Reason;
import io.sigcar.verify.Verdict;
import io.sigcar.verify.keys.VerifyKey;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Rfc9421Signer's output verifies with Rfc9421Verifier, for both MACs and many component mixes. */
class RoundTripTest {

    static final long NOW = 1_750_000_000L;

    static Stream<Arguments> cases() {
        List<String> base = List.of("@method", "@authority", "@path", "@query");
        byte[] json = "{\"hello\": \"world\"}".getBytes(StandardCharsets.UTF_8);
        byte[] none = new byte[0];
        Stream.Builder<Arguments> out = Stream.builder();
        for (Algorithm alg : List.of(Algorithm.HMAC_SHA256, Algorithm.BLAKE3_KEYED)) {
            out.add(Arguments.of(alg, "GET", "https://api.example.com/items", base, none));
            out.add(Arguments.of(alg, "POST", "http://svc.ns.svc:8080/orders?id=7&x=%20y+z", base, json));
            out.add(Arguments.of(alg, "PUT", "https://API.Example.com:443/a%2Fb/?q", Stream.concat(base.stream(),
                    Stream.of("@target-uri", "@request-target", "@scheme", "\"@query-param\";name=\"q\"",
                            "content-type", "\"x-list\";sf", "\"x-dict\";key=\"b\"", "\"x-multi\";bs")).toList(), json));
            out.add(Arguments.of(alg, "DELETE", "https://api.example.com/items/9?caf%C3%A9=cr%C3%A8me&b=1",
                    Stream.concat(base.stream(), Stream.of("\"@query-param\";name=\"caf%C3%A9\"")).toList(), none));
        }
        return out.build();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void signThenVerify(Algorithm alg, String method, String uri, List<String> components, byte[] body)
            throws Exception {
        VerifyKey key = Fixtures.key("rt-" + alg.id(), alg, Fixtures.bytes(32, alg.ordinal()));
        Map<String, List<String>> headers = new LinkedHashMap<>();
        headers.put("Content-Type", List.of("application/json"));
        headers.put("X-List", List.of("a,   b;q=1", "(c d)"));
        headers.put("X-Dict", List.of("a=1,  b=(x y);z"));
        headers.put("X-Multi", List.of(" one, two ", "three"));
        Rfc9421Signer.Signed signed = new Rfc9421Signer(Fixtures.CRYPTO).sign(
                new Rfc9421Signer.Request(method, URI.create(uri), headers, body),
                new Rfc9421Signer.Spec("sig1", components, key.id(), NOW, NOW + 60, "nonce-" + method, true),
                key.macKey());
        if (body.length == 0) {
            assertNull(signed.contentDigest());
        }
        TestRequest request = TestRequest.of(method, uri, headers, body).with(signed);
        Rfc9421Verifier verifier = new Rfc9421Verifier(Rfc9421Config.defaults().withClock(Fixtures.at(NOW + 5))
                .withRequireNonce(true), Fixtures.lookup(key), new MemoryReplayGuard(10), Fixtures.CRYPTO);
        Verdict first = verifier.verify(request);
        assertEquals(new Verdict.Verified(key.id(), "rfc9421", alg), Fixtures.who(first), signed.signatureBase());
        assertEquals(1, ((Verdict.Verified) first).claims().size(), "its nonce is what a shared store would claim");
        assertEquals(Reason.REPLAYED, assertInstanceOf(Verdict.Rejected.class, verifier.verify(request)).reason());
    }
}
