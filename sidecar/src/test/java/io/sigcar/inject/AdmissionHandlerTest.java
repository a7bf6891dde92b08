package io.sigcar.inject;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The pure review function: unreadable input, other kinds and operations, every bad annotation value. */
class AdmissionHandlerTest {

    private final AdmissionHandler handler = GoldenTest.handler();

    private static ObjectNode pod(String... annotations) {
        ObjectNode pod = Reviews.JSON.createObjectNode();
        pod.put("apiVersion", "v1").put("kind", "Pod");
        ObjectNode meta = pod.putObject("metadata");
        meta.put("name", "p");
        ObjectNode a = meta.putObject("annotations");
        a.put("sigcar.io/inject", "true");
        for (int i = 0; i < annotations.length; i += 2) {
            a.put(annotations[i], annotations[i + 1]);
        }
        pod.putObject("spec").putArray("containers").addObject().put("name", "app").put("image", "x");
        return pod;
    }

    static Stream<Arguments> unreadable() {
        return Stream.of(
                Arguments.of("", "empty body"),
                Arguments.of("{", "not a readable AdmissionReview"),
                Arguments.of("[]", "not a JSON object"),
                Arguments.of("null", "not a JSON object"),
                Arguments.of("{\"apiVersion\":\"admission.k8s.io/v1beta1\",\"kind\":\"AdmissionReview\"}",
                        "not an admission.k8s.io/v1 AdmissionReview"),
                Arguments.of("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}", "no request.uid"),
                Arguments.of("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":"
                        + "{\"uid\":\"u\",\"operation\":[1]}}", "not a readable AdmissionReview"));
    }

    @ParameterizedTest
    @MethodSource("unreadable")
    void unreadableInputIsA400WithAReason(String body, String reason) {
        AdmissionHandler.Response r = handler.review(body.getBytes(StandardCharsets.UTF_8), Decision.OptIn.POD);
        assertEquals(400, r.httpStatus());
        assertEquals(AdmissionHandler.Result.ERROR, r.result());
        assertTrue(new String(r.body(), StandardCharsets.UTF_8).contains(reason), new String(r.body()));
    }

    @Test
    void otherKindsAndOperationsAreAllowedUnchanged() throws Exception {
        ObjectNode review = (ObjectNode) Reviews.JSON.readTree(Reviews.podReview("u1", "apps", pod()));
        ((ObjectNode) review.get("request").get("kind")).put("group", "apps").put("kind", "Deployment");
        JsonNode r = answer(review, "not_a_pod");
        assertTrue(r.get("allowed").asBoolean());
        assertTrue(r.get("status").get("message").asString().contains("apps/Deployment"), r.toString());

        review = (ObjectNode) Reviews.JSON.readTree(Reviews.podReview("u2", "apps", pod()));
        ((ObjectNode) review.get("request")).put("subResource", "ephemeralcontainers");
        assertTrue(answer(review, "not_a_pod").get("allowed").asBoolean());

        review = (ObjectNode) Reviews.JSON.readTree(Reviews.podReview("u3", "apps", pod()));
        ((ObjectNode) review.get("request")).put("operation", "UPDATE");
        assertTrue(answer(review, "not_create").get("allowed").asBoolean());
    }

    private JsonNode answer(JsonNode review, String reason) throws Exception {
        AdmissionHandler.Response r = handler.review(Reviews.JSON.writeValueAsBytes(review), Decision.OptIn.POD);
        assertEquals(200, r.httpStatus());
        assertEquals(reason, r.reason());
        JsonNode resp = Reviews.response(r.body());
        assertEquals(review.get("request").get("uid").asString(), resp.get("uid").asString());
        assertFalse(resp.hasNonNull("patch"));
        return resp;
    }

    @Test
    void aPodThatCannotBeReadIsRefusedNotInjectedBroken() throws Exception {
        ObjectNode bad = pod();
        ((ObjectNode) bad.get("spec")).put("containers", "not a list");
        JsonNode r = Reviews.response(handler.review(Reviews.podReview("u", "apps", bad)));
        assertFalse(r.get("allowed").asBoolean());
        assertTrue(r.get("status").get("message").asString().startsWith("sigcar: cannot read the pod"), r.toString());

        ObjectNode empty = pod();
        ((ObjectNode) empty.get("spec")).putArray("containers");
        r = Reviews.response(handler.review(Reviews.podReview("u", "apps", empty)));
        assertFalse(r.get("allowed").asBoolean());
        assertEquals("sigcar: the pod has no containers", r.get("status").get("message").asString());
    }

    static Stream<Arguments> badAnnotations() {
        return Stream.of(
                Arguments.of("sigcar.io/upstream-port", "0", "'0' is not a port number 1..65535"),
                Arguments.of("sigcar.io/upstream-port", "65536", "is not a port number"),
                Arguments.of("sigcar.io/listen-port", "http", "'http' is not a port number"),
                Arguments.of("sigcar.io/listen-port", "9901", "is the sidecar's admin port"),
                Arguments.of("sigcar.io/keys-secret", "Bad_Name", "is not a Secret name"),
                Arguments.of("sigcar.io/policy", "cm:", "bad ConfigMap key"),
                Arguments.of("sigcar.io/policy", "CM", "does not start with a ConfigMap name"),
                Arguments.of("sigcar.io/preset", "gitlab=k1", "unknown preset 'gitlab'"),
                Arguments.of("sigcar.io/preset", "github", "is not preset=keyid"),
                Arguments.of("sigcar.io/preset", "github=a b", "bad keyid 'a b'"),
                Arguments.of("sigcar.io/preset", "github=a,github=b", "names preset 'github' twice"),
                Arguments.of("sigcar.io/cpu-request", "lots", "is not a Kubernetes quantity"),
                Arguments.of("sigcar.io/cpu-limit", "-1", "is not a Kubernetes quantity"),
                Arguments.of("sigcar.io/memory-request", "64MB", "is not a Kubernetes quantity"),
                Arguments.of("sigcar.io/memory-limit", "32Mi", "memory request 208Mi exceeds its limit 32Mi"),
                Arguments.of("sigcar.io/log-level", "verbose", "is not one of error, warn, info, debug, trace"),
                Arguments.of("sigcar.io/native-sidecar", "yes", "is not \"true\" or \"false\""),
                Arguments.of("sigcar.io/upstream_port", "80", "is not a sigcar annotation"));
    }

    @ParameterizedTest
    @MethodSource("badAnnotations")
    void everyBadAnnotationValueRefusesThePodNamingIt(String key, String value, String message) throws Exception {
        AdmissionHandler.Response r = handler.review(Reviews.podReview("u", "apps", pod(key, value)),
                Decision.OptIn.POD);
        assertEquals(200, r.httpStatus());
        JsonNode resp = Reviews.response(r.body());
        assertFalse(resp.get("allowed").asBoolean());
        assertEquals(400, resp.get("status").get("code").asInt());
        String text = resp.get("status").get("message").asString();
        assertTrue(text.contains(message), text);
        assertTrue(text.contains(key.startsWith("sigcar.io/memory-limit") ? "sigcar.io/memory" : key)
                || text.contains("admin port"), text);
        assertFalse(resp.hasNonNull("patch"));
        assertEquals(AdmissionHandler.Result.ERROR, r.result());
    }

    @Test
    void strictParsingRejectsUnknownFields() {
        ObjectNode pod = pod();
        ((ObjectNode) pod.get("spec").get("containers").get(0)).put("imagePolicy", "typo");
        assertThrows(UnrecognizedPropertyException.class, () -> Reviews.strictPod(pod));
        // While the lenient reader keeps the field, so a pod with newer fields round-trips.
        assertThrows(UnrecognizedPropertyException.class, () -> Reviews.strictPod(
                Reviews.JSON.valueToTree(Reviews.JSON.treeToValue(pod, io.fabric8.kubernetes.api.model.Pod.class))));
    }

    @Test
    void arbitraryBytesNeverThrow() throws Exception {
        Random random = new Random(42);
        byte[] valid = Reviews.podReview("u", "apps", pod("sigcar.io/preset", "github=k"));
        for (int i = 0; i < 500; i++) {
            byte[] b = valid.clone();
            int flips = 1 + random.nextInt(4);
            for (int f = 0; f < flips; f++) {
                b[random.nextInt(b.length)] = (byte) random.nextInt(256);
            }
            byte[] out = handler.review(b);
            assertTrue(out.length > 0);
        }
    }
}
