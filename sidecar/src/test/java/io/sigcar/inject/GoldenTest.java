package io.sigcar.inject;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.zjsonpatch.JsonDiff;
import io.fabric8.zjsonpatch.JsonPatch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden files, one directory per case under {@code testdata/inject/}: {@code pod.yaml} (input),
 * optional {@code case.yaml} (namespace, opt-in path, or {@code from: CASE} to feed another case's
 * output back in), and the expected {@code result.yaml}, {@code patch.json} and {@code injected.yaml}.
 * The patch is applied to the input exactly as the API server would, the result must parse strictly
 * as a fabric8 Pod, and feeding it back in must give an empty patch. Run with
 * {@code -Dsigcar.golden.update=true} to rewrite the expected files; without it any drift fails.
 */
class GoldenTest {

    static final Path DIR = Path.of("src", "test", "resources", "testdata", "inject");
    static final boolean UPDATE = Boolean.getBoolean("sigcar.golden.update");
    static final String INJECTOR_NAMESPACE = "sigcar-system";
    static final String VERSION = "0.1.0-test";

    static AdmissionHandler handler() {
        InjectorConfig config = InjectorConfig.load(DIR.resolve("injector.yaml"));
        return new AdmissionHandler(new PodMutator(config, VERSION), INJECTOR_NAMESPACE);
    }

    static Stream<String> cases() throws IOException {
        try (Stream<Path> s = Files.list(DIR)) {
            // Cases fed from another case's output run after it.
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted((a, b) -> {
                boolean fa = Files.exists(DIR.resolve(a).resolve("case.yaml")) && from(a) != null;
                boolean fb = Files.exists(DIR.resolve(b).resolve("case.yaml")) && from(b) != null;
                return fa == fb ? a.compareTo(b) : fa ? 1 : -1;
            }).toList().stream();
        }
    }

    private static String from(String name) {
        try {
            JsonNode c = Reviews.yamlFile(DIR.resolve(name).resolve("case.yaml"));
            return c.hasNonNull("from") ? c.get("from").asString() : null;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void golden(String name) throws Exception {
        Path dir = DIR.resolve(name);
        JsonNode c = Files.exists(dir.resolve("case.yaml")) ? Reviews.yamlFile(dir.resolve("case.yaml"))
                : Reviews.JSON.createObjectNode();
        String namespace = c.path("namespace").asText("apps");
        Decision.OptIn via = c.path("optIn").asText("pod").equals("namespace") ? Decision.OptIn.NAMESPACE
                : Decision.OptIn.POD;
        JsonNode pod = c.hasNonNull("from") ? Reviews.yamlFile(DIR.resolve(c.get("from").asString()).resolve(
                "injected.yaml")) : Reviews.yamlFile(dir.resolve("pod.yaml"));

        AdmissionHandler.Response answer = handler().review(Reviews.podReview("uid-" + name, namespace, pod), via);
        assertEquals(200, answer.httpStatus(), new String(answer.body(), StandardCharsets.UTF_8));
        JsonNode response = Reviews.response(answer.body());
        assertEquals("uid-" + name, response.get("uid").asString());
        ObjectNode result = Reviews.JSON.createObjectNode();
        result.put("allowed", response.get("allowed").asBoolean());
        result.put("code", response.path("status").path("code").asInt());
        result.put("message", response.path("status").path("message").asString());
        result.put("result", answer.result().label());
        result.put("reason", answer.reason());
        JsonNode patch = Reviews.patch(response);
        if (response.hasNonNull("patch")) {
            assertEquals("JSONPatch", response.get("patchType").asString());
            assertFalse(patch.isEmpty(), "a patch, when sent, is not empty");
        }
        JsonNode injected = JsonPatch.apply(patch, pod);
        Pod strict = Reviews.strictPod(injected);
        checkInvariants(strict);

        if (answer.result() == AdmissionHandler.Result.PATCHED) {
            // Reinvocation (reinvocationPolicy: IfNeeded) or a second webhook: no change the second time.
            AdmissionHandler.Response again = handler().review(Reviews.podReview("again", namespace, injected), via);
            JsonNode r2 = Reviews.response(again.body());
            assertTrue(r2.get("allowed").asBoolean());
            assertFalse(r2.hasNonNull("patch"), "injecting an injected pod must give no patch");
            assertEquals("already_injected", again.reason());
        }

        if (UPDATE) {
            Files.writeString(dir.resolve("result.yaml"), Reviews.toYaml(result));
            Files.writeString(dir.resolve("patch.json"),
                    Reviews.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(patch) + "\n");
            Files.writeString(dir.resolve("injected.yaml"), Reviews.toYaml(injected));
            return;
        }
        compare(name, "result.yaml", Reviews.yamlFile(dir.resolve("result.yaml")), result);
        compare(name, "patch.json", Reviews.JSON.readTree(Files.readString(dir.resolve("patch.json"))), patch);
        compare(name, "injected.yaml", Reviews.yamlFile(dir.resolve("injected.yaml")), injected);
    }

    /** Parsed comparison; on drift the message is the JSON Patch from expected to actual. */
    private static void compare(String name, String file, JsonNode expected, JsonNode actual) {
        if (!expected.equals(actual)) {
            fail(name + "/" + file + " drifted (rerun with -Dsigcar.golden.update=true if intended); "
                    + "expected -> actual: " + JsonDiff.asJson(expected, actual).toPrettyString());
        }
    }

    /** What the API server would refuse: bad or duplicate port names, port numbers used twice. */
    private static void checkInvariants(Pod pod) {
        List<Container> all = new ArrayList<>(pod.getSpec().getContainers());
        if (pod.getSpec().getInitContainers() != null) {
            all.addAll(pod.getSpec().getInitContainers());
        }
        Set<String> names = new HashSet<>();
        Set<Integer> numbers = new HashSet<>();
        Set<String> containerNames = new HashSet<>();
        for (Container c : all) {
            assertTrue(containerNames.add(c.getName()), "duplicate container " + c.getName());
            for (ContainerPort p : c.getPorts() == null ? List.<ContainerPort>of() : c.getPorts()) {
                if (p.getName() != null) {
                    assertTrue(Validate.isPortName(p.getName()), "bad port name " + p.getName());
                    assertTrue(names.add(p.getName()), "duplicate port name " + p.getName());
                }
                assertTrue(numbers.add(p.getContainerPort()), "port " + p.getContainerPort() + " used twice");
            }
        }
    }
}
