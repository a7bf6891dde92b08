package io.sigcar.verify.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sigcar.reject.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The freshness window at its edges, one second either side, with a fixed clock. */
class TimeWindowTest {

    private static final TimeWindow WINDOW = new TimeWindow(Duration.ofSeconds(300), Duration.ofSeconds(30));
    private static final Instant NOW = Instant.ofEpochSecond(1_800_000_000L);
    private static final long T = NOW.getEpochSecond();

    static Stream<Arguments> edges() {
        return Stream.of(
                Arguments.of("created now", T, null, null),
                Arguments.of("oldest accepted", T - 300, null, null),
                Arguments.of("one second too old", T - 301, null, Reason.STALE),
                Arguments.of("furthest future accepted", T + 30, null, null),
                Arguments.of("one second too far ahead", T + 31, null, Reason.FROM_FUTURE),
                Arguments.of("expires now", T - 10, T, null),
                Arguments.of("expired one second ago", T - 10, T - 1, Reason.STALE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("edges")
    void edgesAreExact(String name, long created, Long expires, Reason expected) {
        assertEquals(Optional.ofNullable(expected), WINDOW.check(created, expires, NOW), name);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("edges")
    void noncesAreRememberedUntilTheWindowWouldRefuseThemAnyway(String name, long created, Long expires,
            Reason expected) {
        long until = WINDOW.rememberUntil(created, expires);
        assertEquals(expires == null ? created + 300 : Math.min(created + 300, expires), until, name);
    }
}
