package io.sigcar.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Settings from file, environment and flags: precedence, and errors that name source, field and reason. */
class SidecarConfigTest {

    @TempDir
    static Path keys;

    private static SidecarConfig load(Optional<Path> file, Map<String, String> env, Map<Field, String> flags) {
        return SidecarConfig.from(Settings.load(file, env, flags));
    }

    @Test
    void flagsBeatEnvironmentBeatFile(@TempDir Path dir) throws Exception {
        Path yaml = Files.writeString(dir.resolve("s.yaml"), "keys: " + keys + "\nmax-age: 10s\nfuture-skew: 3s\n"
                + "routes:\n  - {name: hc, path: /healthz, methods: [GET, HEAD], action: allow}\n");
        Map<Field, String> flags = new EnumMap<>(Field.class);
        flags.put(Field.MAX_AGE, "20s");
        SidecarConfig c = load(Optional.of(yaml), Map.of("SIGCAR_MAX_AGE", "15s", "SIGCAR_FUTURE_SKEW", "4s"), flags);
        assertEquals(20, c.verification().maxAge().toSeconds());
        assertEquals(4, c.verification().futureSkew().toSeconds());
        assertEquals("hc", c.routes().getFirst().name());
        assertEquals(java.util.Set.of("GET", "HEAD"), c.routes().getFirst().methods());
    }

    static Stream<Arguments> badValues() {
        return Stream.of(
                Arguments.of(Field.LISTEN, "8000", "flag --listen: listen: '8000' is not host:port"),
                Arguments.of(Field.MAX_BODY_BYTES, "-1", "flag --max-body-bytes: max-body-bytes: -1 is outside"),
                Arguments.of(Field.NONCE_CAPACITY, "1000", "flag --nonce-capacity: nonce-capacity: 1000 is not a power of two"),
                Arguments.of(Field.KEY_ALGORITHM, "sha-256", "is a digest, not a MAC"),
                Arguments.of(Field.ROUTES, "name=a,path=/x,action=maybe", "routes[0].action: 'maybe' is not verify, allow or deny"),
                Arguments.of(Field.ROUTES, "name=a,path=x,action=allow", "routes[0].path: path pattern must start with '/'"),
                Arguments.of(Field.ROUTES, "name=a,path=/x,action=verify,schemes=oauth", "routes[0].schemes: unknown scheme 'oauth'"),
                Arguments.of(Field.ROUTES, "name=A B,path=/x,action=allow", "routes[0].name"),
                Arguments.of(Field.ROUTES, "name=a,path=/x,action=verify,schemes=github", "routes[0].schemes: preset 'github' is not enabled"),
                Arguments.of(Field.ROUTES, "name=a,path=/x,host=a.example:8443,action=allow", "routes[0].host: 'a.example:8443' has a port"),
                Arguments.of(Field.ROUTES, "name=a,path=/x,action=allow,keys=k1", "routes[0]: keys and schemes only apply to action=verify"),
                Arguments.of(Field.SEND_BUFFER, "100", "flag --send-buffer: send-buffer: must be 0 (the kernel's autotuning) or at least 4096"),
                Arguments.of(Field.SEND_BUFFER, "64k", "flag --send-buffer: send-buffer: '64k'"),
                Arguments.of(Field.UPSTREAM_TIMEOUT, "0", "upstream-timeout: '0' is under 1s"),
                Arguments.of(Field.MAX_AGE, "99999999999999h", "max-age: '99999999999999h' is longer than 7 days"),
                Arguments.of(Field.REQUIRE_NONCE, "maybe", "require-nonce: 'maybe' is not true or false"),
                Arguments.of(Field.HISTOGRAM_BUCKETS, "0.5,0.1", "buckets must be positive and increasing"));
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("badValues")
    void badValuesNameSourceFieldAndReason(Field field, String value, String message) {
        Map<Field, String> flags = new EnumMap<>(Field.class);
        flags.put(Field.KEYS, keys.toString());
        flags.put(field, value);
        var e = assertThrows(ConfigException.class, () -> load(Optional.empty(), Map.of(), flags));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void unknownFileKeysAndMissingKeysAreNamed(@TempDir Path dir) throws Exception {
        Path yaml = Files.writeString(dir.resolve("s.yaml"), "keys: " + keys + "\nmax_age: 5s\n");
        var e = assertThrows(ConfigException.class, () -> load(Optional.of(yaml), Map.of(), Map.of()));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith(yaml + ": max_age: unknown setting"),
                e.getMessage());
        var missing = assertThrows(ConfigException.class, () -> load(Optional.empty(), Map.of(), Map.of()));
        org.junit.jupiter.api.Assertions.assertTrue(missing.getMessage().contains("keys: is required (flag --keys, "
                + "environment SIGCAR_KEYS)"), missing.getMessage());
    }
}
