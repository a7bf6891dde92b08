package io.sigcar.verify.preset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.sigcar.reject.Reason;
import io.sigcar.verify.FuzzRequest;
import io.sigcar.verify.Verdict;
import io.sigcar.verify.Verifier;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Fuzzes the header parsers of the github, stripe and slack presets through their verifiers, with
 * real native HMAC. A request comes from {@link FuzzRequest}; each preset has the vendor's
 * documented secret (keyid {@code doc}) and a random one nobody holds (keyid {@code random}).
 *
 * <p>Properties: {@code verify} never throws; a rejection has one of the preset reasons; only the
 * documented secret can verify, and only when the JDK's own HMAC-SHA256 over the vendor's signed
 * bytes equals a signature the header carries.
 */
class PresetHeadersFuzzTest {

    /** The Slack docs example's timestamp: "now" for every input, so seeds can be the vendors' examples. */
    static final Instant NOW = Instant.ofEpochSecond(1531420618L);

    static final String GITHUB_SECRET = "It's a Secret to Everybody";
    static final String SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
    static final String STRIPE_SECRET = "whsec_sigcar_fuzz_seed_secret";

    private static final Set<Reason> REASONS = EnumSet.of(Reason.MISSING_SIGNATURE, Reason.MALFORMED_SIGNATURE,
            Reason.STALE, Reason.FROM_FUTURE, Reason.BAD_SIGNATURE);

    private static final Verifier GITHUB = verifier(Fixtures.Preset.GITHUB, GITHUB_SECRET);
    private static final Verifier STRIPE = verifier(Fixtures.Preset.STRIPE, STRIPE_SECRET);
    private static final Verifier SLACK = verifier(Fixtures.Preset.SLACK, SLACK_SECRET);

    @FuzzTest(maxDuration = "3m")
    void github(byte[] data) throws Exception {
        FuzzRequest request = FuzzRequest.parse(data, NOW);
        if (verified(GITHUB.verify(request))) {
            String header = HexMac.single(request.headerValues("x-hub-signature-256"));
            assertEquals("sha256=" + hmac(GITHUB_SECRET, "", request.bytes()), header.toLowerCase(Locale.ROOT));
        }
    }

    @FuzzTest(maxDuration = "3m")
    void stripe(byte[] data) throws Exception {
        FuzzRequest request = FuzzRequest.parse(data, NOW);
        if (verified(STRIPE.verify(request))) {
            String header = HexMac.single(request.headerValues("stripe-signature")).toLowerCase(Locale.ROOT);
            String t = null;
            for (String item : header.split(",", -1)) {
                t = item.startsWith("t=") ? item.substring(2) : t;
            }
            assertTrue(List.of(header.split(",")).contains("v1=" + hmac(STRIPE_SECRET, t + ".", request.bytes())),
                    header);
        }
    }

    @FuzzTest(maxDuration = "3m")
    void slack(byte[] data) throws Exception {
        FuzzRequest request = FuzzRequest.parse(data, NOW);
        if (verified(SLACK.verify(request))) {
            String ts = HexMac.single(request.headerValues("x-slack-request-timestamp"));
            String header = HexMac.single(request.headerValues("x-slack-signature"));
            assertEquals("v0=" + hmac(SLACK_SECRET, "v0:" + ts + ":", request.bytes()), header.toLowerCase(Locale.ROOT));
        }
    }

    /** The vendors' examples in the corpus verify, so each target's verified branch and oracle run. */
    @ParameterizedTest
    @CsvSource({"github, github-docs-example", "github, duplicated-header", "github, uppercase-hex", "stripe, stripe-signed-seed",
            "stripe, rolled-secret-two-v1", "slack, slack-docs-example"})
    void vendorSeedsVerify(String preset, String seed) throws Exception {
        byte[] data;
        try (var in = getClass().getResourceAsStream("PresetHeadersFuzzTestInputs/" + preset + "/" + seed)) {
            data = in.readAllBytes();
        }
        Verifier verifier = switch (preset) {
            case "github" -> GITHUB;
            case "stripe" -> STRIPE;
            default -> SLACK;
        };
        assertEquals(new Verdict.Verified("doc", preset, io.sigcar.crypto.Algorithm.HMAC_SHA256),
                verifier.verify(FuzzRequest.parse(data, NOW)));
        switch (preset) {
            case "github" -> github(data);
            case "stripe" -> stripe(data);
            default -> slack(data);
        }
    }

    private static boolean verified(Verdict verdict) {
        if (verdict instanceof Verdict.Rejected rejected) {
            assertTrue(REASONS.contains(rejected.reason()), rejected.toString());
            return false;
        }
        assertEquals("doc", ((Verdict.Verified) verdict).keyId(), "a key nobody holds verified");
        return true;
    }

    private static Verifier verifier(Fixtures.Preset preset, String secret) {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String randomSecret = HexFormat.of().formatHex(random);
        return preset.create(PresetConfig.of("random", "doc"), Fixtures.keys(Map.of("doc", secret, "random", randomSecret)));
    }

    /** Lower-case hex HMAC-SHA256 of {@code prefix || body} by the JDK: the oracle, not our code. */
    private static String hmac(String secret, String prefix, byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        mac.update(prefix.getBytes(StandardCharsets.ISO_8859_1));
        return HexFormat.of().formatHex(mac.doFinal(body));
    }
}
