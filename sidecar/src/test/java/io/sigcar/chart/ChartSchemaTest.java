package io.sigcar.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sigcar.config.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** values.schema.json refuses what the chart does not know, and values.yaml documents every value. */
class ChartSchemaTest {

    private static final JsonNode SCHEMA = JsonMapper.builder().build()
            .readTree(HelmChart.CHART.resolve("values.schema.json").toFile());

    static Stream<Arguments> badValues() {
        return Stream.of(
                Arguments.of("replicas: 3\n", "replicas"),
                Arguments.of("injector:\n  replicas: 3\n", "replicas"),
                Arguments.of("webhook:\n  failurePolicy: Sometimes\n", "failurePolicy"),
                Arguments.of("webhook:\n  timeoutSeconds: 60\n", "timeoutSeconds"),
                Arguments.of("sidecar:\n  settings:\n    max-agee: 10s\n", "max-agee"),
                Arguments.of("sidecar:\n  settings:\n    max-body-bytes: 1048576\n", "max-body-bytes"),
                Arguments.of("sidecar:\n  settings:\n    listen: 0.0.0.0:1\n", "listen"),
                Arguments.of("monitoring:\n  podMonitor:\n    enable: true\n", "enable"),
                Arguments.of("certManager:\n  issuerRef:\n    kind: Vault\n", "kind"));
    }

    @ParameterizedTest
    @MethodSource("badValues")
    void templateRefusesBadValuesNamingTheKey(String yaml, String key, @TempDir Path dir) throws Exception {
        Path values = dir.resolve("bad-values.yaml");
        Files.writeString(values, yaml);
        Exception e = assertThrows(Exception.class, () -> HelmChart.template("sigcar", "sigcar-system", values));
        assertTrue(e.getMessage().contains("values don't meet the specifications of the schema"), e.getMessage());
        assertTrue(e.getMessage().contains(key), "the error names " + key + ": " + e.getMessage());
    }

    @Test
    void everyObjectInTheSchemaIsClosed() {
        List<String> open = new ArrayList<>();
        closed(SCHEMA, "$", open);
        assertEquals(List.of(), open, "objects without additionalProperties: false (or a typed map)");
    }

    /** Kubernetes-shaped passthroughs (affinity terms, selectors, env sources) are the only open objects. */
    private static final Set<String> PASSTHROUGH = Set.of(
            "$.injector.extraEnv[].valueFrom", "$.injector.affinity.nodeAffinity", "$.injector.affinity.podAffinity",
            "$.injector.affinity.podAntiAffinity", "$.injector.topologySpreadConstraints[].labelSelector");

    private static void closed(JsonNode node, String path, List<String> open) {
        boolean object = node.path("type").isString() && node.path("type").asString().equals("object");
        if (object && node.has("properties")) {
            if (!node.path("additionalProperties").isBoolean() || node.path("additionalProperties").asBoolean()) {
                open.add(path);
            }
            node.path("properties").properties().forEach(e -> closed(e.getValue(), path + "." + e.getKey(), open));
        } else if (object && !node.has("additionalProperties")
                && !PASSTHROUGH.contains(path)) {
            open.add(path);
        }
        if (node.has("items")) {
            closed(node.path("items"), path + "[]", open);
        }
    }

    @Test
    void schemaSettingsAreExactlyTheSidecarsSettingsTheInjectorDoesNotOwn() {
        Set<String> expected = new TreeSet<>();
        for (Field f : Field.values()) {
            expected.add(f.key());
        }
        // The injector derives these from ports, the keys Secret mount, sidecar.logLevel and the
        // sidecar.replayStoreSecret mount.
        expected.removeAll(Set.of("listen", "upstream", "admin", "keys", "log-level", "replay-store-password-file"));
        Set<String> inSchema = new TreeSet<>();
        SCHEMA.at("/properties/sidecar/properties/settings/properties").propertyNames().forEach(inSchema::add);
        assertEquals(expected, inSchema);
    }

    /** Every leaf of values.yaml has a `## @param path` line and the schema knows it; no @param is stale. */
    @Test
    void everyValueIsDocumentedAndInTheSchema() throws Exception {
        String text = Files.readString(HelmChart.CHART.resolve("values.yaml"));
        Set<String> params = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^\\s*## @param (\\S+) \\S").matcher(text);
        while (m.find()) {
            params.add(m.group(1));
        }
        Set<String> leaves = new TreeSet<>();
        leaves(HelmChart.YAML.readTree(text), "", leaves);
        assertEquals(leaves, params, "## @param lines vs values");
        for (String leaf : leaves) {
            JsonNode s = SCHEMA;
            for (String part : leaf.split("\\.")) {
                s = s.path("properties").path(part);
            }
            assertTrue(s.isObject() && !s.isEmpty(), "schema lacks " + leaf);
        }
    }

    /** A leaf is a scalar, a list, an empty map, or a free-form map documented as one value. */
    private static void leaves(JsonNode node, String prefix, Set<String> out) {
        if (node.isObject() && !node.isEmpty() && !prefix.equals("sidecar.settings") && !prefix.equals("commonLabels")) {
            node.properties().forEach(e -> leaves(e.getValue(), prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), out));
        } else {
            out.add(prefix);
        }
    }
}
