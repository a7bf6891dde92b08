package io.sigcar.verify.rfc9421;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.sigcar.crypto.Algorithm;
import io.sigcar.reject.Reason;
import io.sigcar.verify.FuzzRequest;
import io.sigcar.verify.Verdict;
import io.sigcar.verify.keys.VerifyKey;
import io.sigcar.verify.replay.ReplayGuard;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.greenbytes.http.sfv.ByteSequenceItem;
import org.greenbytes.http.sfv.Parser;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Fuzzes the whole RFC 9421 verifier, real native crypto included, over a request read by
 * {@link FuzzRequest}. Only keyid {@code test-shared-secret} (RFC 9421 B.1.5) has a key an input
 * can know; every other keyid gets a random key made at start-up, so nothing signed with it can be
 * in the input.
 *
 * <p>Properties: {@code verify} never throws; a rejection has a verify-stage reason and a detail;
 * a signature under a random key never verifies; and whenever a request does verify, the JDK's
 * own HMAC-SHA256 over the signature base equals the signature sent, and with a body, every
 * sha-256/sha-512 member of Content-Digest equals the JDK's digest of it.
 */
class Rfc9421VerifierFuzzTest {

    private static final String KNOWN = "test-shared-secret";
    private static final long NOW = Fixtures.RFC_CREATED + 10;

    private static final Set<Reason> VERIFY_REASONS = EnumSet.of(Reason.MISSING_SIGNATURE, Reason.MALFORMED_SIGNATURE,
            Reason.UNSUPPORTED_ALGORITHM, Reason.MISSING_COMPONENT, Reason.MISSING_PARAMETER, Reason.MISSING_DIGEST,
            Reason.DIGEST_MISMATCH, Reason.STALE, Reason.FROM_FUTURE, Reason.REPLAYED, Reason.BAD_SIGNATURE,
            Reason.UNKNOWN_KEY, Reason.ALGORITHM_MISMATCH);

    private static final VerifyKey KNOWN_KEY = Fixtures.key(KNOWN, Algorithm.HMAC_SHA256, Fixtures.RFC_SHARED_SECRET);
    private static final VerifyKey RANDOM_HMAC = Fixtures.key("random", Algorithm.HMAC_SHA256, random());
    private static final VerifyKey RANDOM_BLAKE3 = Fixtures.key("random", Algorithm.BLAKE3_KEYED, random());

    /** Forgets every nonce between inputs, so an outcome depends on its input alone. */
    private static final class ForgetfulGuard implements ReplayGuard {
        private final Set<List<String>> seen = new HashSet<>();

        @Override
        public Optional<Reason> checkAndRecord(String keyId, String nonce, long expiresAtEpochSecond) {
            return seen.add(List.of(keyId, nonce)) ? Optional.empty() : Optional.of(Reason.REPLAYED);
        }

        @Override
        public void forget(String keyId, String nonce) {
            seen.remove(List.of(keyId, nonce));
        }
    }

    private static final ForgetfulGuard GUARD = new ForgetfulGuard();

    /** Components are not required, so the RFC's own examples get as far as the MAC. */
    private static final Rfc9421Verifier VERIFIER = new Rfc9421Verifier(
            Rfc9421Config.defaults().withRequiredComponents(List.of()).withClock(Fixtures.at(NOW)),
            id -> id.equals(KNOWN) ? Optional.of(KNOWN_KEY)
                    : id.startsWith("blake3") ? Optional.of(RANDOM_BLAKE3)
                    : id.startsWith("none") ? Optional.empty() : Optional.of(RANDOM_HMAC),
            GUARD, Fixtures.CRYPTO);

    @FuzzTest(maxDuration = "4m")
    void verify(byte[] data) throws Exception {
        GUARD.seen.clear();
        FuzzRequest request = FuzzRequest.parse(data, Instant.ofEpochSecond(NOW));
        Verdict verdict = VERIFIER.verify(request);
        if (verdict instanceof Verdict.Rejected rejected) {
            assertTrue(VERIFY_REASONS.contains(rejected.reason()), rejected.toString());
            assertNotNull(rejected.detail());
            return;
        }
        Verdict.Verified verified = (Verdict.Verified) verdict;
        assertEquals(KNOWN, verified.keyId(), "a signature under a key nobody holds verified");
        assertEquals(Algorithm.HMAC_SHA256, verified.algorithm());
        assertTrue(oracleAgrees(request), "verified, but the JDK's HMAC over the base disagrees");
        if (request.bytes().length > 0) {
            // With a body the verifier must have checked Content-Digest against it.
            digestMatches(request.headerValues("content-digest"), request.bytes());
        }
    }

    /** The committed seeds that must verify, so the verified branch and its oracle are exercised. */
    @ParameterizedTest
    @ValueSource(strings = {"signed-with-test-shared-secret", "two-signatures-one-unknown-key"})
    void signedSeedsVerify(String seed) throws Exception {
        byte[] data;
        try (var in = getClass().getResourceAsStream("Rfc9421VerifierFuzzTestInputs/verify/" + seed)) {
            data = in.readAllBytes();
        }
        GUARD.seen.clear();
        Verdict.Verified ok = assertInstanceOf(Verdict.Verified.class,
                VERIFIER.verify(FuzzRequest.parse(data, Instant.ofEpochSecond(NOW))));
        assertEquals(new Verdict.Verified(KNOWN, Rfc9421Verifier.SCHEME, Algorithm.HMAC_SHA256),
                new Verdict.Verified(ok.keyId(), ok.scheme(), ok.algorithm()));
        // Its nonce, accepted by the local table, is what a shared replay store would be asked to claim.
        assertEquals(GUARD.seen.stream().map(p -> p.get(1)).sorted().toList(),
                ok.claims().stream().map(io.sigcar.verify.replay.Claim::token).sorted().toList());
        verify(data);
    }

    /** Some signature with the known keyid whose JDK HMAC over its base equals the bytes sent. */
    private static boolean oracleAgrees(FuzzRequest request) throws Exception {
        Map<String, SignatureFields.Entry> entries = SignatureFields.parse(request.headerValues("signature-input"),
                request.headerValues("signature"));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Fixtures.RFC_SHARED_SECRET, "HmacSHA256"));
        for (SignatureFields.Entry entry : entries.values()) {
            if (entry.signature() == null || !KNOWN.equals(Params.of(entry.input()).keyId())) {
                continue;
            }
            try {
                String base = SignatureBase.build(entry.input(), Message.of(request));
                if (MessageDigest.isEqual(mac.doFinal(base.getBytes(StandardCharsets.ISO_8859_1)), entry.signature())) {
                    return true;
                }
            } catch (ComponentException e) {
                // This entry did not verify; another may have.
            }
        }
        return false;
    }

    private static void digestMatches(List<String> field, byte[] body) throws Exception {
        var members = new Parser(field).parseDictionary().get();
        for (String alg : List.of("sha-256", "sha-512")) {
            if (members.get(alg) instanceof ByteSequenceItem item) {
                byte[] sent = new byte[item.get().remaining()];
                item.get().duplicate().get(sent);
                byte[] expected = MessageDigest.getInstance(alg.toUpperCase(java.util.Locale.ROOT)).digest(body);
                assertArrayEquals(expected, sent, alg + " " + Base64.getEncoder().encodeToString(sent));
            }
        }
    }

    private static byte[] random() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return key;
    }
}
