package io.sigcar.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.sigcar.config.Field;
import io.sigcar.config.Settings;
import io.sigcar.config.SidecarConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/** The injector's config (ConfigMap key injector.yaml) has the contract's shape and the values given. */
class InjectorConfigTest {

    static JsonNode injectorYaml(Path values) {
        List<JsonNode> docs = HelmChart.render(values);
        ConfigMap cm = StrictModel.parse(HelmChart.named(docs, "ConfigMap",
                HelmChart.only(docs, "Deployment").at("/spec/template/spec/volumes").findValues("configMap")
                        .getFirst().path("name").asString()), ConfigMap.class);
        String text = cm.getData().get("injector.yaml");
        assertNotNull(text, "ConfigMap key injector.yaml");
        return HelmChart.YAML.readTree(text);
    }

    @Test
    void defaultsAreTheContractsExample() {
        JsonNode expected = HelmChart.YAML.readTree("""
                sidecar:
                  image: ghcr.io/sigcar/sigcar:0.1.0
                  imagePullPolicy: IfNotPresent
                  nativeSidecar: true
                  listenPort: 8000
                  adminPort: 9901
                  upstreamPort: 8080
                  takeoverPortName: http
                  keysSecret: sigcar-keys
                  logLevel: info
                  resources:
                    requests: {cpu: 50m, memory: 208Mi}
                    limits: {memory: 256Mi}
                  settings:
                    max-age: 300s
                    future-skew: 30s
                    max-body-bytes: "1048576"
                """);
        assertEquals(expected, injectorYaml(HelmChart.CHART.resolve("ci/default-values.yaml")));
    }

    @Test
    void customValuesAreCarriedOver() {
        JsonNode s = injectorYaml(HelmChart.CHART.resolve("ci/custom-values.yaml")).path("sidecar");
        assertEquals("registry.example.com/mirror/sigcar:0.1.0-debug", s.path("image").asString(),
                "the sidecar's own repository does not inherit the injector's digest");
        assertEquals("payments-keys", s.path("keysSecret").asString());
        assertEquals("web", s.path("takeoverPortName").asString());
        assertEquals(9090, s.path("upstreamPort").asInt());
        assertTrue(s.path("upstreamPort").isInt(), "ports are numbers, not strings");
        assertEquals("debug", s.path("logLevel").asString());
        assertEquals("2", s.at("/resources/limits/cpu").asString());
        assertEquals("8388608", s.at("/settings/max-body-bytes").asString());
        assertTrue(s.at("/settings/max-body-bytes").isString(), "settings are strings, as env values are");
        assertEquals("true", s.at("/settings/require-nonce").asString());
    }

    @Test
    void regularContainerToggle() {
        JsonNode s = injectorYaml(HelmChart.CHART.resolve("ci/regular-container-values.yaml")).path("sidecar");
        assertTrue(s.path("nativeSidecar").isBoolean());
        assertEquals(false, s.path("nativeSidecar").asBoolean());
    }

    @Test
    void sidecarImageFollowsTheInjectorImageByDefault() throws Exception {
        Path values = java.nio.file.Files.createTempFile("sigcar-values", ".yaml");
        try {
            java.nio.file.Files.writeString(values, """
                    image:
                      repository: mirror.example/sigcar
                      tag: 0.1.1
                    """);
            List<JsonNode> docs = HelmChart.render(values);
            assertEquals("mirror.example/sigcar:0.1.1", injectorYaml(values).at("/sidecar/image").asString());
            assertEquals("mirror.example/sigcar:0.1.1", StrictModel.parse(HelmChart.only(docs, "Deployment"),
                    Deployment.class).getSpec().getTemplate().getSpec().getContainers().getFirst().getImage());
        } finally {
            java.nio.file.Files.delete(values);
        }
    }

    static Stream<Path> ciValues() {
        return HelmChart.ciValues().stream();
    }

    /** The settings the chart passes become SIGCAR_* variables; the real sidecar config must accept them. */
    @ParameterizedTest
    @MethodSource("ciValues")
    void settingsAreAcceptedByTheSidecarsOwnConfigParser(Path values, @org.junit.jupiter.api.io.TempDir Path keys) {
        JsonNode settings = injectorYaml(values).at("/sidecar/settings");
        Map<String, String> env = new HashMap<>();
        Map<String, Field> byKey = new HashMap<>();
        for (Field f : Field.values()) {
            byKey.put(f.key(), f);
        }
        settings.properties().forEach(e -> {
            Field f = byKey.get(e.getKey());
            assertNotNull(f, "not a sidecar setting: " + e.getKey());
            env.put(f.env(), e.getValue().asString());
        });
        env.put(Field.KEYS.env(), keys.toString());
        SidecarConfig config = SidecarConfig.from(Settings.load(Optional.empty(), env, Map.of()));
        assertNotNull(config);
    }
}
