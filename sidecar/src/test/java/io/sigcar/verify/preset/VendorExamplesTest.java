package io.sigcar.verify.preset;

import static io.sigcar.verify.preset.Fixtures.assertRejected;
import static io.sigcar.verify.preset.Fixtures.assertVerified;
import static io.sigcar.verify.preset.Fixtures.hmac;
import static io.sigcar.verify.preset.Fixtures.keys;
import static io.sigcar.verify.preset.Fixtures.request;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.Unpooled;
import io.sigcar.crypto.MacKey;
import io.sigcar.reject.Reason;
import io.sigcar.verify.Verifier;
import io.sigcar.verify.preset.Fixtures.Preset;
import io.sigcar.verify.preset.Fixtures.Request;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The worked examples the vendors publish verify, and our signers reproduce them byte for byte.
 *
 * <p>Stripe publishes the scheme ({@code "<t>.<body>"}, HMAC-SHA256, hex {@code v1}) but no
 * secret/payload/signature triple to check against; its own SDK's signer stands in for one in
 * {@link VendorSdkCrossCheckTest}.
 */
class VendorExamplesTest {

    /** docs.slack.dev "Verifying requests from Slack": a slash command's form body. */
    private static final String SLACK_BODY = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow"
            + "&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner"
            + "&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J"
            + "%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";

    record Example(Preset preset, String secret, String body, long timestamp, Map<String, String> headers) {}

    static Stream<Arguments> examples() {
        return Stream.of(
                // docs.github.com "Validating webhook deliveries", "Testing the webhook payload validation".
                Arguments.of("github docs", new Example(Preset.GITHUB, "It's a Secret to Everybody", "Hello, World!",
                        1_700_000_000L, Map.of("X-Hub-Signature-256",
                                "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"))),
                Arguments.of("slack docs", new Example(Preset.SLACK, "8f742231b10e8888abcd99yyyzzz85a5", SLACK_BODY,
                        1531420618L, Map.of("X-Slack-Request-Timestamp", "1531420618", "X-Slack-Signature",
                                "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void publishedExampleVerifies(String name, Example e) {
        Verifier v = e.preset().create(PresetConfig.of("doc"), keys(Map.of("doc", e.secret())));
        Instant at = Instant.ofEpochSecond(e.timestamp());
        assertVerified("doc", e.preset().scheme(), v.verify(request(e.headers(), e.body(), at)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void ourSignerReproducesIt(String name, Example e) {
        try (MacKey key = hmac(e.secret())) {
            assertEquals(e.headers(), e.preset().sign(key, Unpooled.wrappedBuffer(Fixtures.utf8(e.body())), e.timestamp()));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void oneWrongByteInTheExampleFails(String name, Example e) {
        Verifier v = e.preset().create(PresetConfig.of("doc"), keys(Map.of("doc", e.secret())));
        Request r = request(e.headers(), e.body() + " ", Instant.ofEpochSecond(e.timestamp()));
        assertRejected(Reason.BAD_SIGNATURE, v.verify(r));
    }
}
