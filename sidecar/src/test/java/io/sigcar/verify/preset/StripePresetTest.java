package io.sigcar.verify.preset;

import static io.sigcar.verify.preset.Fixtures.NOW;
import static io.sigcar.verify.preset.Fixtures.assertRejected;
import static io.sigcar.verify.preset.Fixtures.assertVerified;
import static io.sigcar.verify.preset.Fixtures.hmac;
import static io.sigcar.verify.preset.Fixtures.keys;
import static io.sigcar.verify.preset.Fixtures.request;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.Unpooled;
import io.sigcar.crypto.MacKey;
import io.sigcar.reject.Reason;
import io.sigcar.verify.Verdict;
import io.sigcar.verify.Verifier;
import io.sigcar.verify.replay.TimeWindow;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The {@code Stripe-Signature} header: its items, several {@code v1}s, and the tolerance window. */
class StripePresetTest {

    private static final String SECRET = "whsec_stripe0123456789abcdef0123456789";
    private static final String OTHER = "whsec_other0123456789abcdef01234567890";
    private static final String BODY = "{\"id\":\"evt_1\",\"object\":\"event\"}";
    private static final long T = NOW.getEpochSecond();

    private final Verifier stripe = new StripePreset(PresetConfig.of("st"), keys(Map.of("st", SECRET)), Fixtures.CRYPTO);

    private static String v1(String secret, long t) {
        try (MacKey key = hmac(secret)) {
            String header = StripePreset.sign(key, Unpooled.wrappedBuffer(Fixtures.utf8(BODY)), t)
                    .get(StripePreset.SIGNATURE_HEADER);
            return header.substring(header.indexOf(",v1=") + 4);
        }
    }

    static Stream<Arguments> headers() {
        String good = v1(SECRET, T);
        String bad = v1(OTHER, T);
        return Stream.of(
                Arguments.of("as Stripe sends it", "t=" + T + ",v1=" + good, null),
                Arguments.of("our v1 second of two (rolled secret)", "t=" + T + ",v1=" + bad + ",v1=" + good, null),
                Arguments.of("v0 and unknown schemes ignored", "t=" + T + ",v1=" + good + ",v0=abc,v9=zz", null),
                Arguments.of("t after the signatures", "v1=" + good + ",t=" + T, null),
                Arguments.of("only a foreign v1", "t=" + T + ",v1=" + bad, Reason.BAD_SIGNATURE),
                Arguments.of("right v1 for another t", "t=" + (T - 1) + ",v1=" + good, Reason.BAD_SIGNATURE),
                Arguments.of("empty value", "", Reason.MALFORMED_SIGNATURE),
                Arguments.of("no t", "v1=" + good, Reason.MALFORMED_SIGNATURE),
                Arguments.of("two t", "t=" + T + ",t=" + T + ",v1=" + good, Reason.MALFORMED_SIGNATURE),
                Arguments.of("no v1, only v0", "t=" + T + ",v0=" + good, Reason.MALFORMED_SIGNATURE),
                Arguments.of("t not a number", "t=now,v1=" + good, Reason.MALFORMED_SIGNATURE),
                Arguments.of("t negative", "t=-" + T + ",v1=" + good, Reason.MALFORMED_SIGNATURE),
                Arguments.of("t with a plus sign", "t=+" + T + ",v1=" + good, Reason.MALFORMED_SIGNATURE),
                Arguments.of("t empty", "t=,v1=" + good, Reason.MALFORMED_SIGNATURE),
                Arguments.of("t overflows a long", "t=99999999999999999999,v1=" + good, Reason.MALFORMED_SIGNATURE),
                Arguments.of("a v1 with bad hex, another good", "t=" + T + ",v1=" + good.substring(1) + "x,v1=" + good,
                        Reason.MALFORMED_SIGNATURE),
                Arguments.of("a v1 too short", "t=" + T + ",v1=" + good.substring(2), Reason.MALFORMED_SIGNATURE),
                Arguments.of("an item without =", "t=" + T + ",v1=" + good + ",junk", Reason.MALFORMED_SIGNATURE),
                Arguments.of("a trailing comma", "t=" + T + ",v1=" + good + ",", Reason.MALFORMED_SIGNATURE),
                Arguments.of("spaces after commas", "t=" + T + ", v1=" + good, Reason.MALFORMED_SIGNATURE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("headers")
    void signatureHeader(String name, String value, Reason expected) {
        Verdict verdict = stripe.verify(request(Map.of(StripePreset.SIGNATURE_HEADER, value), BODY, NOW));
        if (expected == null) {
            assertVerified("st", "stripe", verdict);
        } else {
            assertRejected(expected, verdict);
        }
    }

    static Stream<Arguments> clock() {
        return Stream.of(
                Arguments.of("signed just now", 0, null),
                Arguments.of("300 s old: the edge", 300, null),
                Arguments.of("301 s old", 301, Reason.STALE),
                Arguments.of("a day old", 86_400, Reason.STALE),
                Arguments.of("300 s ahead: the edge", -300, null),
                Arguments.of("301 s ahead", -301, Reason.FROM_FUTURE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clock")
    void defaultToleranceIsFiveMinutesEitherWay(String name, long ageSeconds, Reason expected) {
        var request = request(Map.of(StripePreset.SIGNATURE_HEADER, "t=" + T + ",v1=" + v1(SECRET, T)), BODY,
                NOW.plusSeconds(ageSeconds));
        Verdict verdict = stripe.verify(request);
        if (expected == null) {
            assertVerified("st", "stripe", verdict);
        } else {
            assertRejected(expected, verdict);
        }
    }

    @Test
    void toleranceIsConfigurable() {
        PresetConfig tight = PresetConfig.of("st").withWindow(new TimeWindow(Duration.ofSeconds(60), Duration.ZERO));
        Verifier v = new StripePreset(tight, keys(Map.of("st", SECRET)), Fixtures.CRYPTO);
        var request = request(Map.of(StripePreset.SIGNATURE_HEADER, "t=" + T + ",v1=" + v1(SECRET, T)), BODY, NOW);
        assertVerified("st", "stripe", v.verify(request.at(NOW.plusSeconds(60))));
        assertRejected(Reason.STALE, v.verify(request.at(NOW.plusSeconds(61))));
        assertVerified("st", "stripe", v.verify(request.at(NOW)));
        assertRejected(Reason.FROM_FUTURE, v.verify(request.at(NOW.minusSeconds(1))));
    }

    @Test
    void staleIsJudgedBeforeTheMac() {
        // A stale request never costs a MAC, and a forged one cannot learn whether its MAC was right.
        var request = request(Map.of(StripePreset.SIGNATURE_HEADER, "t=" + T + ",v1=" + "0".repeat(64)), BODY,
                NOW.plusSeconds(301));
        assertRejected(Reason.STALE, stripe.verify(request));
    }

    @Test
    void signerWritesOneV1PerKeyInOrder() {
        try (MacKey a = hmac(SECRET); MacKey b = hmac(OTHER)) {
            String header = StripePreset.sign(List.of(a, b), Unpooled.wrappedBuffer(Fixtures.utf8(BODY)), T)
                    .get(StripePreset.SIGNATURE_HEADER);
            assertEquals("t=" + T + ",v1=" + v1(SECRET, T) + ",v1=" + v1(OTHER, T), header);
        }
    }
}
