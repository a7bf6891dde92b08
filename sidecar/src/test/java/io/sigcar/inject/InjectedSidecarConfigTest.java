package io.sigcar.inject;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.sigcar.config.LogLevel;
import io.sigcar.config.Settings;
import io.sigcar.config.SidecarConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the injector writes must be what the proxy accepts: every injected sidecar's variables and
 * arguments, from the golden files, go through the proxy's own config loader.
 */
class InjectedSidecarConfigTest {

    static Stream<String> injectedCases() throws Exception {
        return GoldenTest.cases().filter(c -> {
            try {
                return Reviews.yamlFile(GoldenTest.DIR.resolve(c).resolve("result.yaml")).get("result").asText()
                        .equals("patched");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("injectedCases")
    void theProxyAcceptsTheInjectedConfig(String name, @TempDir Path dir) throws Exception {
        Pod pod = Reviews.strictPod(Reviews.yamlFile(GoldenTest.DIR.resolve(name).resolve("injected.yaml")));
        List<Container> all = new ArrayList<>(pod.getSpec().getContainers());
        if (pod.getSpec().getInitContainers() != null) {
            all.addAll(pod.getSpec().getInitContainers());
        }
        Container sidecar = all.stream().filter(c -> c.getName().equals(PodMutator.CONTAINER)).findFirst()
                .orElseThrow();
        Map<String, String> env = new HashMap<>();
        for (EnvVar e : sidecar.getEnv()) {
            env.put(e.getName(), e.getValue());
        }
        // The mounted keys Secret: one 32-byte key per keyid the sidecar is told about.
        Path keys = Files.createDirectories(dir.resolve("keys"));
        Files.write(keys.resolve("default"), new byte[32]);
        for (String var : List.of("SIGCAR_GITHUB_KEYS", "SIGCAR_STRIPE_KEYS", "SIGCAR_SLACK_KEYS")) {
            for (String id : env.getOrDefault(var, "").split(",")) {
                if (!id.isEmpty()) {
                    Files.write(keys.resolve(id), new byte[32]);
                }
            }
        }
        assertEquals(PodMutator.KEYS_DIR, env.get("SIGCAR_KEYS"));
        env.put("SIGCAR_KEYS", keys.toString());
        assertEquals("proxy", sidecar.getArgs().getFirst());
        Optional<Path> file = Optional.empty();
        if (sidecar.getArgs().contains("--config")) {
            String path = sidecar.getArgs().get(sidecar.getArgs().indexOf("--config") + 1);
            assertTrue(path.startsWith(PodMutator.POLICY_DIR + "/"), path);
            // The ConfigMap's file: routes that use the presets the annotation enabled.
            file = Optional.of(Files.writeString(dir.resolve("sigcar.yaml"),
                    "routes:\n  - {name: hooks, path: /hooks/github, action: verify, schemes: [github]}\n"));
        }
        Settings settings = Settings.load(file, env, Map.of());
        SidecarConfig config = SidecarConfig.from(settings);
        LogLevel.parse(settings.get(io.sigcar.config.Field.LOG_LEVEL).text());
        int listen = sidecar.getPorts().getFirst().getContainerPort();
        assertEquals(listen, config.listen().port());
        assertEquals(sidecar.getPorts().get(1).getContainerPort(), config.admin().port());
        assertEquals("127.0.0.1", config.upstream().address().host());
        assertEquals(sidecar.getStartupProbe().getHttpGet().getPort().getIntVal(), config.admin().port());
    }
}
