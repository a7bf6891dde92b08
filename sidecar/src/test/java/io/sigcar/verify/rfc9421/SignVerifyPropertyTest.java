package io.sigcar.verify.rfc9421;

import static io.sigcar.verify.rfc9421.Generate.printable;
import static io.sigcar.verify.rfc9421.Generate.size;
import static io.sigcar.verify.rfc9421.Generate.string;
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
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Properties of signing then verifying with the real providers (native HMAC-SHA256 and keyed
 * BLAKE3): any valid request that {@link Rfc9421Signer} signs verifies with {@link Rfc9421Verifier};
 * any single-byte change to its body, and any change to a covered component or the signature,
 * does not.
 *
 * <p>Seeded property tests: each run draws a fresh seed unless {@code -Dsigcar.property.seed=N} is
 * given; every failure message names the seed and the try, so a failing run replays exactly.
 */
class SignVerifyPropertyTest {

    private static final long SEED = seed();
    private static final long CREATED = 1_750_000_000L;

    /** One generated request and how it is signed. */
    record Case(String method, String authority, String path, String query, Map<String, List<String>> headers,
            byte[] body, String keyId, Algorithm algorithm, byte[] secret, List<String> coveredHeaders, String nonce) {

        String uri() {
            return "https://" + authority + path + (query == null ? "" : "?" + query);
        }

        @Override
        public String toString() {
            return method + " " + uri() + " headers=" + headers + " covered=" + coveredHeaders + " keyid=" + keyId
                    + " alg=" + algorithm + " nonce=" + nonce + " secret=" + Base64.getEncoder().encodeToString(secret)
                    + " body(" + body.length + ")=" + Base64.getEncoder().encodeToString(body);
        }
    }

    /** What a change touches; each must turn a verified request into a rejected one. */
    enum Change { METHOD, AUTHORITY, PATH, QUERY, HEADER, SIGNATURE_BYTE, CREATED_PARAM }

    @Test
    void signedRequestsVerify() {
        SplittableRandom random = new SplittableRandom(SEED);
        for (int i = 0; i < 300; i++) {
            Case c = randomCase(random, 0);
            String at = at(i, c);
            try (Signed s = sign(c, at)) {
                assertEquals(new Verdict.Verified(c.keyId(), "rfc9421", c.algorithm()),
                        Fixtures.who(s.verifier().verify(s.request())),
                        at + "\nbase:\n" + s.signed().signatureBase());
            }
        }
    }

    @Test
    void anySingleBodyByteChangeFails() {
        SplittableRandom random = new SplittableRandom(SEED);
        for (int i = 0; i < 200; i++) {
            Case c = randomCase(random, 1);
            int position = random.nextInt(c.body().length);
            byte flip = (byte) random.nextInt(1, 256);
            String at = at(i, c) + "\nflip " + flip + " at " + position;
            byte[] changed = c.body().clone();
            changed[position] ^= flip;
            try (Signed s = sign(c, at)) {
                Verdict verdict = s.verifier().verify(s.request().withBody(changed));
                assertEquals(Reason.DIGEST_MISMATCH, assertInstanceOf(Verdict.Rejected.class, verdict, at).reason(), at);
            }
        }
    }

    @Test
    void anyChangeToACoveredComponentFails() {
        SplittableRandom random = new SplittableRandom(SEED);
        Change[] changes = Change.values();
        for (int i = 0; i < 300; i++) {
            Case c = randomCase(random, 0);
            Change change = changes[random.nextInt(changes.length)];
            String at = at(i, c) + "\nchange " + change;
            try (Signed s = sign(c, at)) {
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
                            ? r.withHeader("signature-input",
                                    s.signed().signatureInput().replace("\"@path\"", "\"@query\" \"@path\""))
                            : r.withHeader(c.coveredHeaders().getFirst(), c.headers().get(c.coveredHeaders().getFirst())
                                    .getFirst() + "x");
                    case SIGNATURE_BYTE -> r.withHeader("signature", flipFirstSignatureByte(s.signed().signature()));
                    case CREATED_PARAM -> r.withHeader("signature-input", s.signed().signatureInput()
                            .replace("created=" + CREATED, "created=" + (CREATED - 1)));
                };
                Verdict verdict = s.verifier().verify(changed);
                Verdict.Rejected rejected = assertInstanceOf(Verdict.Rejected.class, verdict,
                        at + "\nbase:\n" + s.signed().signatureBase());
                // Covering a component twice is refused before the MAC; every other change reaches it and fails there.
                assertEquals(change == Change.HEADER && c.coveredHeaders().isEmpty() ? Reason.MALFORMED_SIGNATURE
                        : Reason.BAD_SIGNATURE, rejected.reason(), at + "\n" + rejected.detail());
            }
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

    private static Signed sign(Case c, String at) {
        MacKey key = Fixtures.CRYPTO.macKey(c.algorithm(), c.secret());
        List<String> components = new ArrayList<>(Rfc9421Config.DEFAULT_COMPONENTS);
        components.addAll(c.coveredHeaders());
        Rfc9421Signer.Signed signed;
        try {
            signed = new Rfc9421Signer(Fixtures.CRYPTO).sign(
                    new Rfc9421Signer.Request(c.method(), URI.create(c.uri()), c.headers(), c.body()),
                    new Rfc9421Signer.Spec("sig1", components, c.keyId(), CREATED, null, c.nonce(), true), key);
        } catch (ComponentException | RuntimeException e) {
            key.close();
            throw new AssertionError(at + "\nsigning failed: " + e, e);
        }
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

    // ---- seed and generators ----

    private static long seed() {
        String given = System.getProperty("sigcar.property.seed");
        return given == null || given.isBlank() ? new SplittableRandom().nextLong() : Long.parseLong(given.strip());
    }

    private static String at(int tryIndex, Object input) {
        return "seed " + SEED + ", try " + tryIndex + " (replay with -Dsigcar.property.seed=" + SEED + "): " + input;
    }

    private static final String LOWER = "abcdefghijklmnopqrstuvwxyz";
    private static final String DIGITS = "0123456789";
    private static final String ALPHA = LOWER + LOWER.toUpperCase(Locale.ROOT);

    /** A request whose body has at least {@code minBody} bytes (at most 600), signed over up to 4 extra headers. */
    private static Case randomCase(SplittableRandom random, int minBody) {
        String method = oneOf(random, "GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS");
        String authority = oneOf(random, "example.com", "api.example.com:8443", "svc.ns.svc:8080", "127.0.0.1:8000",
                "[::1]:9000");
        List<String> segments = new ArrayList<>();
        for (int n = size(random, 1, 4); segments.size() < n; ) {
            segments.add(string(random, LOWER + DIGITS + "-._~!$&'()*+,;=:@", 0, 10).replace("&", "%26"));
        }
        String path = "/" + String.join("/", segments);
        String query = random.nextInt(10) < 3 ? null : string(random, LOWER + DIGITS + "=&+.", 0, 24);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int n = size(random, 0, 4); headers.size() < n; ) {
            List<String> values = new ArrayList<>();
            for (int m = size(random, 1, 2); values.size() < m; ) {
                values.add(headerValue(random));
            }
            headers.put("x-" + token(random), List.copyOf(values));
        }
        byte[] body = bytes(random, size(random, minBody, 600));
        String keyId = string(random, ALPHA + DIGITS + "-_.", 1, 20);
        Algorithm algorithm = random.nextBoolean() ? Algorithm.HMAC_SHA256 : Algorithm.BLAKE3_KEYED;
        byte[] secret = bytes(random, 32);
        String nonce = random.nextBoolean() ? null : string(random, printable('!', '~'), 1, 16);
        List<String> covered = headers.keySet().stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
        return new Case(method, authority, path, query, headers, body, keyId, algorithm, secret, covered, nonce);
    }

    /** [a-z-]{1,12} starting with a letter. */
    private static String token(SplittableRandom random) {
        return LOWER.charAt(random.nextInt(LOWER.length())) + string(random, LOWER + "-", 0, 11);
    }

    /** Printable ASCII, 1-30 characters, no leading or trailing space. */
    private static String headerValue(SplittableRandom random) {
        while (true) {
            String v = string(random, printable(' ', '~'), 1, 30).strip();
            if (!v.isEmpty()) {
                return v;
            }
        }
    }

    @SafeVarargs
    private static <T> T oneOf(SplittableRandom random, T... choices) {
        return choices[random.nextInt(choices.length)];
    }

    private static byte[] bytes(SplittableRandom random, int length) {
        byte[] out = new byte[length];
        random.nextBytes(out);
        return out;
    }
}
