package io.sigcar.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.sigcar.policy.Policy;
import io.sigcar.policy.Route;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Fuzzes the config and policy loader: a YAML file's bytes, and the compact {@code --routes} form.
 *
 * <p>Properties: loading ends in a {@link SidecarConfig} or a {@link ConfigException} whose message
 * starts with the source it blames (the file, a flag, or the defaults), never any other exception;
 * a config that loads has unique route names, and its policy matches requests without throwing.
 */
class SidecarConfigFuzzTest {

    private static final Path DIR = tempDir();
    private static final Path FILE = DIR.resolve("sigcar.yaml");

    @FuzzTest(maxDuration = "4m")
    void yaml(byte[] data) throws IOException {
        Files.write(FILE, data);
        SidecarConfig config;
        try {
            config = SidecarConfig.from(Settings.load(Optional.of(FILE), Map.of(), Map.of()));
        } catch (ConfigException e) {
            assertNamesSource(e, FILE.toString(), "default", "configuration");
            return;
        }
        assertPolicyWorks(config);
    }

    @FuzzTest(maxDuration = "3m")
    void routesFlag(byte[] data) {
        Map<Field, String> flags = new EnumMap<>(Field.class);
        flags.put(Field.KEYS, DIR.toString());
        flags.put(Field.GITHUB_KEYS, "gh");
        flags.put(Field.ROUTES, new String(data, StandardCharsets.ISO_8859_1));
        SidecarConfig config;
        try {
            config = SidecarConfig.from(Settings.load(Optional.empty(), Map.of(), flags));
        } catch (ConfigException e) {
            assertNamesSource(e, "flag --routes");
            return;
        }
        assertPolicyWorks(config);
    }

    private static void assertNamesSource(ConfigException e, String... sources) {
        String message = e.getMessage();
        assertNotNull(message);
        assertTrue(List.of(sources).stream().anyMatch(s -> message.startsWith(s + ": ")), message);
    }

    private static void assertPolicyWorks(SidecarConfig config) {
        Set<String> names = new HashSet<>();
        for (Route route : config.routes()) {
            assertTrue(names.add(route.name()), "route name twice: " + route.name());
        }
        Policy policy = new Policy(config.routes());
        for (String path : List.of("/", "/api/x", "/hooks/github", "/a/b/c", "/%2e%2e/")) {
            for (String authority : List.of("example.com", "api.example.com:8443", "[::1]:80", "")) {
                Route route = policy.match("POST", authority, path);
                assertNotNull(route);
                if (route.name().equals("default")) {
                    assertEquals(io.sigcar.policy.Action.VERIFY, route.action(), "fallback must verify");
                }
            }
        }
    }

    private static Path tempDir() {
        try {
            Path dir = Files.createTempDirectory("sigcar-config-fuzz");
            dir.toFile().deleteOnExit();
            dir.resolve("sigcar.yaml").toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
