package io.sigcar.verify.preset;

import static io.sigcar.verify.preset.Fixtures.NOW;
import static io.sigcar.verify.preset.Fixtures.assertRejected;
import static io.sigcar.verify.preset.Fixtures.assertVerified;
import static io.sigcar.verify.preset.Fixtures.hmac;
import static io.sigcar.verify.preset.Fixtures.keys;
import static io.sigcar.verify.preset.Fixtures.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/** The two Slack headers: each one's format, the pair's presence, and the five-minute window. */
class SlackPresetTest {

    private static final String SECRET = "slack-signing-0123456789abcdef01234567";
    private static final String BODY = "token=abc&command=%2Fdeploy&text=prod";
    private static final String TS = Long.toString(NOW.getEpochSecond());

    private final Verifier slack = new SlackPreset(PresetConfig.of("sl"), keys(Map.of("sl", SECRET)), Fixtures.CRYPTO);

    private static String sig(String ts) {
        try (MacKey key = hmac(SECRET)) {
            return SlackPreset.sign(key, Unpooled.wrappedBuffer(Fixtures.utf8(BODY)), Long.parseLong(ts))
                    .get(SlackPreset.SIGNATURE_HEADER);
        }
    }

    /** Headers as name, value pairs; a null value leaves the header out. */
    private static Map<String, String> headers(String signature, String timestamp) {
        var map = new java.util.LinkedHashMap<String, String>();
        if (signature != null) {
            map.put(SlackPreset.SIGNATURE_HEADER, signature);
        }
        if (timestamp != null) {
            map.put(SlackPreset.TIMESTAMP_HEADER, timestamp);
        }
        return map;
    }

    static Stream<Arguments> cases() {
        String good = sig(TS);
        String hex = good.substring(3);
        return Stream.of(
                Arguments.of("as Slack sends it", good, TS, null),
                Arguments.of("signature absent", null, TS, Reason.MISSING_SIGNATURE),
                Arguments.of("timestamp absent", good, null, Reason.MISSING_SIGNATURE),
                Arguments.of("no v0= prefix", hex, TS, Reason.MALFORMED_SIGNATURE),
                Arguments.of("v1= prefix", "v1=" + hex, TS, Reason.MALFORMED_SIGNATURE),
                Arguments.of("bad hex", "v0=" + hex.substring(1) + "q", TS, Reason.MALFORMED_SIGNATURE),
                Arguments.of("hex too long", good + "00", TS, Reason.MALFORMED_SIGNATURE),
                Arguments.of("timestamp not numeric", good, "yesterday", Reason.MALFORMED_SIGNATURE),
                Arguments.of("timestamp with a fraction", good, TS + ".5", Reason.MALFORMED_SIGNATURE),
                Arguments.of("timestamp negative", good, "-" + TS, Reason.MALFORMED_SIGNATURE),
                Arguments.of("timestamp empty", good, "", Reason.MALFORMED_SIGNATURE),
                Arguments.of("timestamp in milliseconds", good, TS + "000", Reason.MALFORMED_SIGNATURE),
                Arguments.of("timestamp of 11 digits (past the year 2286)", good, "0" + TS, Reason.MALFORMED_SIGNATURE),
                Arguments.of("signature for another second", sig(Long.toString(NOW.getEpochSecond() - 1)), TS,
                        Reason.BAD_SIGNATURE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void headers(String name, String signature, String timestamp, Reason expected) {
        Verdict verdict = slack.verify(request(headers(signature, timestamp), BODY, NOW));
        if (expected == null) {
            assertVerified("sl", "slack", verdict);
        } else {
            assertRejected(expected, verdict);
        }
    }

    static Stream<Arguments> clock() {
        return Stream.of(
                Arguments.of("signed just now", 0, null),
                Arguments.of("300 s old: the edge", 300, null),
                Arguments.of("301 s old", 301, Reason.STALE),
                Arguments.of("300 s ahead: the edge", -300, null),
                Arguments.of("301 s ahead", -301, Reason.FROM_FUTURE),
                Arguments.of("an hour ahead", -3600, Reason.FROM_FUTURE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clock")
    void fiveMinutesEitherWay(String name, long ageSeconds, Reason expected) {
        Verdict verdict = slack.verify(request(headers(sig(TS), TS), BODY, NOW.plusSeconds(ageSeconds)));
        if (expected == null) {
            assertVerified("sl", "slack", verdict);
        } else {
            assertRejected(expected, verdict);
        }
    }

    @Test
    void toleranceIsConfigurable() {
        PresetConfig wide = PresetConfig.of("sl").withWindow(new TimeWindow(Duration.ofMinutes(10), Duration.ofSeconds(5)));
        Verifier v = new SlackPreset(wide, keys(Map.of("sl", SECRET)), Fixtures.CRYPTO);
        var request = request(headers(sig(TS), TS), BODY, NOW);
        assertVerified("sl", "slack", v.verify(request.at(NOW.plusSeconds(600))));
        assertRejected(Reason.STALE, v.verify(request.at(NOW.plusSeconds(601))));
        assertVerified("sl", "slack", v.verify(request.at(NOW.minusSeconds(5))));
        assertRejected(Reason.FROM_FUTURE, v.verify(request.at(NOW.minusSeconds(6))));
    }

    @Test
    void conflictingTimestampsAreMalformed() {
        var request = new Fixtures.Request(Map.of("x-slack-signature", List.of(sig(TS)),
                "x-slack-request-timestamp", List.of(TS, Long.toString(NOW.getEpochSecond() + 1))),
                Unpooled.wrappedBuffer(Fixtures.utf8(BODY)), NOW);
        assertRejected(Reason.MALFORMED_SIGNATURE, slack.verify(request));
    }

    @Test
    void eitherHeaderClaimsTheRequest() {
        assertTrue(slack.applies(request(headers(null, TS), BODY, NOW)));
        assertTrue(slack.applies(request(headers(sig(TS), null), BODY, NOW)));
    }

    @Test
    void signerPutsTheTimestampFirst() {
        try (MacKey key = hmac(SECRET)) {
            var headers = SlackPreset.sign(key, Unpooled.wrappedBuffer(Fixtures.utf8(BODY)), NOW.getEpochSecond());
            assertEquals(List.of(SlackPreset.TIMESTAMP_HEADER, SlackPreset.SIGNATURE_HEADER), List.copyOf(headers.keySet()));
        }
    }
}
