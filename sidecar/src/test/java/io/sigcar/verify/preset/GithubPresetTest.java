package io.sigcar.verify.preset;

import static io.sigcar.verify.preset.Fixtures.NOW;
import static io.sigcar.verify.preset.Fixtures.assertRejected;
import static io.sigcar.verify.preset.Fixtures.assertVerified;
import static io.sigcar.verify.preset.Fixtures.keys;
import static io.sigcar.verify.preset.Fixtures.request;

import io.sigcar.reject.Reason;
import io.sigcar.verify.Verdict;
import io.sigcar.verify.Verifier;
import io.sigcar.verify.preset.Fixtures.Preset;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The {@code X-Hub-Signature-256} header: what parses, what does not, and why time plays no part. */
class GithubPresetTest {

    private static final String SECRET = "github-secret-0123456789abcdef0123456789";
    private static final String BODY = "{\"action\":\"opened\"}";

    private final Verifier github = new GithubPreset(PresetConfig.of("gh"), keys(Map.of("gh", SECRET)), Fixtures.CRYPTO);

    private static String good() {
        return Preset.GITHUB.signed(SECRET, Fixtures.utf8(BODY)).headerValues("x-hub-signature-256").getFirst();
    }

    static Stream<Arguments> headers() {
        String hex = good().substring("sha256=".length());
        return Stream.of(
                Arguments.of("as GitHub sends it", "sha256=" + hex, null),
                Arguments.of("upper-case hex is the same bytes", "sha256=" + hex.toUpperCase(), null),
                Arguments.of("surrounding spaces", "  sha256=" + hex + " ", null),
                Arguments.of("empty value", "", Reason.MALFORMED_SIGNATURE),
                Arguments.of("no prefix", hex, Reason.MALFORMED_SIGNATURE),
                Arguments.of("sha1 prefix", "sha1=" + hex.substring(0, 40), Reason.MALFORMED_SIGNATURE),
                Arguments.of("prefix in upper case", "SHA256=" + hex, Reason.MALFORMED_SIGNATURE),
                Arguments.of("63 hex digits", "sha256=" + hex.substring(1), Reason.MALFORMED_SIGNATURE),
                Arguments.of("65 hex digits", "sha256=" + hex + "0", Reason.MALFORMED_SIGNATURE),
                Arguments.of("a non-hex digit", "sha256=" + hex.substring(1) + "g", Reason.MALFORMED_SIGNATURE),
                Arguments.of("a non-ASCII digit", "sha256=" + hex.substring(1) + "\u0661", Reason.MALFORMED_SIGNATURE),
                Arguments.of("wrong but well-formed", "sha256=" + "0".repeat(64), Reason.BAD_SIGNATURE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("headers")
    void signatureHeader(String name, String value, Reason expected) {
        Verdict verdict = github.verify(request(Map.of(GithubPreset.SIGNATURE_HEADER, value), BODY, NOW));
        if (expected == null) {
            assertVerified("gh", "github", verdict);
        } else {
            assertRejected(expected, verdict);
        }
    }

    @Test
    void noTimestampMeansNoAgeCheck() {
        // GitHub signs no time; a delivery verifies whenever it arrives (replay protection needs X-GitHub-Delivery).
        var request = request(Map.of(GithubPreset.SIGNATURE_HEADER, good()), BODY, NOW.plus(Duration.ofDays(365)));
        assertVerified("gh", "github", github.verify(request));
    }

    @Test
    void theLegacySha1HeaderIsNotEnough() {
        var request = request(Map.of("X-Hub-Signature", "sha1=" + "0".repeat(40)), BODY, NOW);
        assertRejected(Reason.MISSING_SIGNATURE, github.verify(request));
    }
}
