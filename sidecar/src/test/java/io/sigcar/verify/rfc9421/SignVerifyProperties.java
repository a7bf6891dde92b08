package io.sigcar.verify.rfc9421;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.sigcar.crypto.Algorithm;
import io.sigcar.crypto.MacKey;
import io.sigcar.reject.Reason;
import io.sigcar.verify.Verdict;
import io.sigcar.verify.keys.VerifyKey;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Builders;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Properties of signing then verifying with the real providers (native HMAC-SHA256 and keyed
 * BLAKE3): any valid request that {@link Rfc9421Signer} signs verifies with {@link Rfc9421Verifier};
 * any single-byte change to its body, and any change to a covered component or the signature,
 * does not. Tries are bounded so the whole class stays within a few seconds.
 */
class SignVerifyProperties {

    private static final long CREATED = 1_750_000_000L;

    /** One generated request and how it is signed. */
    record Case(String method, String authority, String path, String query, Map<String, List<String>> headers,
            byte[] body, String keyId, Algorithm algorithm, byte[] secret, List<String> coveredHeaders, String nonce) {

        String uri() {
            return "https://" + authority + path + (query == null ? "" : "?" + query);
        }
    }

    /** What a change touches; each must turn a verified request into a rejected one. */
    enum Change { METHOD, AUTHORITY, PATH, QUERY, HEADER, SIGNATURE_BYTE, CREATED_PARAM }

    @Property(tries = 300)
    void signedRequestsVerify(@ForAll("cases") Case c) throws Exception {
        try (Signed s = sign(c)) {
            assertEquals(new Verdict.Verified(c.keyId(), "rfc9421", c.algorithm()), s.verifier().verify(s.request()),
                    s.signed().signatureBase());
        }
    }

    @Property(tries = 200)
    void anySingleBodyByteChangeFails(@ForAll("withBody") Case c, @ForAll int position, @ForAll byte flip)
            throws Exception {
        byte[] changed = c.body().clone();
        int at = Math.floorMod(position, changed.length);
        changed[at] ^= (byte) (flip == 0 ? 1 : flip);
        try (Signed s = sign(c)) {
            Verdict verdict = s.verifier().verify(s.request().withBody(changed));
            assertEquals(Reason.DIGEST_MISMATCH, assertInstanceOf(Verdict.Rejected.class, verdict).reason());
        }
    }

    @Property(tries = 300)
    void anyChangeToACoveredComponentFails(@ForAll("cases") Case c, @ForAll Change change) throws Exception {
        try (Signed s = sign(c)) {
            TestRequest r = s.request();
            TestRequest changed = switch (change) {
                case METHOD -> new TestRequest(r.method().equals("GET") ? "POST" : "GET", r.scheme(), r.authority(),
                        r.rawPath(), r.rawQuery(), r.headers(), r.bytes(), r.receivedAt());
                case AUTHORITY -> new TestRequest(r.method(), r.scheme(), "x" + r.authority(), r.rawPath(),
                        r.rawQuery(), r.headers(), r.bytes(), r.receivedAt());
                case PATH -> new TestRequest(r.method(), r.scheme(), r.authority(), r.rawPath() + "x", r.rawQuery(),
                        r.headers(), r.bytes(), r.receivedAt());
                case QUERY -> new TestRequest(r.method(), r.scheme(), r.authority(), r.rawPath(),
                        r.rawQuery() == null ? "z" : r.rawQuery() + "&z", r.headers(), r.bytes(), r.receivedAt());
                case HEADER -> c.coveredHeaders().isEmpty()
                        ? r.withHeader("signature-input", s.signed().signatureInput().replace("\"@path\"", "\"@query\" \"@path\""))
                        : r.withHeader(c.coveredHeaders().getFirst(), c.headers().get(c.coveredHeaders().getFirst())
                                .getFirst() + "x");
                case SIGNATURE_BYTE -> r.withHeader("signature", flipFirstSignatureByte(s.signed().signature()));
                case CREATED_PARAM -> r.withHeader("signature-input", s.signed().signatureInput()
                        .replace("created=" + CREATED, "created=" + (CREATED - 1)));
            };
            Verdict verdict = s.verifier().verify(changed);
            Verdict.Rejected rejected = assertInstanceOf(Verdict.Rejected.class, verdict, s.signed().signatureBase());
            // Covering a component twice is refused before the MAC; every other change reaches it and fails there.
            assertEquals(change == Change.HEADER && c.coveredHeaders().isEmpty() ? Reason.MALFORMED_SIGNATURE
                    : Reason.BAD_SIGNATURE, rejected.reason(), rejected.detail());
        }
    }

    /** A signed request with the verifier and key that should accept it; closes the native key. */
    private record Signed(TestRequest request, Rfc9421Signer.Signed signed, Rfc9421Verifier verifier, MacKey key)
            implements AutoCloseable {
        @Override
        public void close() {
            key.close();
        }
    }

    private static Signed sign(Case c) throws ComponentException {
        MacKey key = Fixtures.CRYPTO.macKey(c.algorithm(), c.secret());
        List<String> components = new ArrayList<>(Rfc9421Config.DEFAULT_COMPONENTS);
        components.addAll(c.coveredHeaders());
        Rfc9421Signer.Signed signed = new Rfc9421Signer(Fixtures.CRYPTO).sign(
                new Rfc9421Signer.Request(c.method(), URI.create(c.uri()), c.headers(), c.body()),
                new Rfc9421Signer.Spec("sig1", components, c.keyId(), CREATED, null, c.nonce(), true), key);
        TestRequest request = TestRequest.of(c.method(), c.uri(), c.headers(), c.body()).with(signed);
        request = new TestRequest(request.method(), request.scheme(), request.authority(), request.rawPath(),
                request.rawQuery(), request.headers(), request.bytes(), Instant.ofEpochSecond(CREATED));
        Rfc9421Verifier verifier = new Rfc9421Verifier(Rfc9421Config.defaults().withClock(Fixtures.at(CREATED + 1)),
                Fixtures.lookup(new VerifyKey(c.keyId(), c.algorithm(), key)), new MemoryReplayGuard(4), Fixtures.CRYPTO);
        return new Signed(request, signed, verifier, key);
    }

    private static String flipFirstSignatureByte(String signatureField) {
        int start = signatureField.indexOf(":") + 1;
        byte[] mac = Base64.getDecoder().decode(signatureField.substring(start, signatureField.lastIndexOf(':')));
        mac[0] ^= 1;
        return signatureField.substring(0, start) + Base64.getEncoder().encodeToString(mac) + ":";
    }

    @Provide
    Arbitrary<Case> cases() {
        return caseBuilder(0);
    }

    @Provide
    Arbitrary<Case> withBody() {
        return caseBuilder(1);
    }

    private static Arbitrary<Case> caseBuilder(int minBody) {
        Arbitrary<String> token = Arbitraries.strings().withCharRange('a', 'z').withChars('-').ofMinLength(1).ofMaxLength(12)
                .filter(s -> Character.isLetter(s.charAt(0)));
        Arbitrary<String> pathSegment = Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9')
                .withChars("-._~!$&'()*+,;=:@").ofMaxLength(10)
                .map(s -> s.replace("&", "%26"));
        Arbitrary<String> path = pathSegment.list().ofMinSize(1).ofMaxSize(4).map(l -> "/" + String.join("/", l));
        Arbitrary<String> query = Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9').withChars("=&+.")
                .ofMaxLength(24).injectNull(0.3);
        Arbitrary<String> value = Arbitraries.strings().withCharRange(' ', '~').ofMinLength(1).ofMaxLength(30)
                .map(String::strip).filter(s -> !s.isEmpty());
        Arbitrary<Map<String, List<String>>> headers = Arbitraries.maps(token.map(t -> "x-" + t),
                value.list().ofMinSize(1).ofMaxSize(2)).ofMaxSize(4);
        Arbitrary<String> authority = Arbitraries.of("example.com", "api.example.com:8443", "svc.ns.svc:8080",
                "127.0.0.1:8000", "[::1]:9000");
        return Builders.withBuilder(() -> new Object[11])
                .use(Arbitraries.of("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")).in((a, m) -> set(a, 0, m))
                .use(authority).in((a, v) -> set(a, 1, v))
                .use(path).in((a, v) -> set(a, 2, v))
                .use(query).in((a, v) -> set(a, 3, v))
                .use(headers).in((a, v) -> set(a, 4, v))
                .use(Arbitraries.bytes().array(byte[].class).ofMinSize(minBody).ofMaxSize(600)).in((a, v) -> set(a, 5, v))
                .use(Arbitraries.strings().alpha().numeric().withChars("-_.").ofMinLength(1).ofMaxLength(20))
                .in((a, v) -> set(a, 6, v))
                .use(Arbitraries.of(Algorithm.HMAC_SHA256, Algorithm.BLAKE3_KEYED)).in((a, v) -> set(a, 7, v))
                .use(Arbitraries.bytes().array(byte[].class).ofSize(32)).in((a, v) -> set(a, 8, v))
                .use(Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(16).injectNull(0.5))
                .in((a, v) -> set(a, 10, v))
                .build(SignVerifyProperties::toCase);
    }

    private static Object[] set(Object[] a, int i, Object v) {
        a[i] = v;
        return a;
    }

    @SuppressWarnings("unchecked")
    private static Case toCase(Object[] a) {
        Map<String, List<String>> headers = new LinkedHashMap<>((Map<String, List<String>>) a[4]);
        List<String> covered = headers.keySet().stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
        return new Case((String) a[0], (String) a[1], (String) a[2], (String) a[3], headers, (byte[]) a[5],
                (String) a[6], (Algorithm) a[7], (byte[]) a[8], covered, (String) a[10]);
    }
}
