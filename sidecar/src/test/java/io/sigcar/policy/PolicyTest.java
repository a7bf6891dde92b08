package io.sigcar.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Route matching: order, prefixes, globs, methods and hosts; unmatched requests fall to verify. */
class PolicyTest {

    private static final Policy POLICY = new Policy(List.of(
            route("health", "/healthz", Set.of("GET"), null, Action.ALLOW),
            route("admin", "/admin/", Set.of(), null, Action.DENY),
            route("events", "/hooks/*/events", Set.of("POST"), null, Action.VERIFY),
            route("static", "/static/**", Set.of(), "cdn.example.com", Action.ALLOW)));

    private static Route route(String name, String path, Set<String> methods, String host, Action action) {
        return new Route(name, PathPattern.parse(path), methods, host, action, -1, Set.of(), Set.of());
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("GET", "a:80", "/healthz", "health"),
                Arguments.of("POST", "a", "/healthz", "default"),
                Arguments.of("GET", "a", "/healthzz", "default"),
                Arguments.of("GET", "a", "/healthz/live", "health"),
                Arguments.of("GET", "a", "/admin/users", "admin"),
                Arguments.of("GET", "a", "/administrator", "default"),
                Arguments.of("POST", "a", "/hooks/github/events", "events"),
                Arguments.of("POST", "a", "/hooks/a/b/events", "default"),
                Arguments.of("GET", "cdn.example.com:443", "/static/css/x.css", "static"),
                Arguments.of("GET", "CDN.example.com", "/static/x", "default"),
                Arguments.of("GET", "[::1]:8000", "/static/x", "default"),
                Arguments.of("GET", "other.example.com", "/static/x", "default"));
    }

    @ParameterizedTest(name = "{0} {1} {2} -> {3}")
    @MethodSource("cases")
    void firstMatchingRuleWins(String method, String authority, String path, String expected) {
        Route r = POLICY.match(method, authority.toLowerCase(java.util.Locale.ROOT).equals(authority) ? authority
                : authority, path);
        assertEquals(expected, r.name());
        if (expected.equals("default")) {
            assertEquals(Action.VERIFY, r.action(), "unmatched requests are verified: fail closed");
        }
    }
}
