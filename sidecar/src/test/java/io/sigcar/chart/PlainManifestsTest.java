package io.sigcar.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** k8s/ is what the chart renders (no drift), and every plain manifest and example parses strictly. */
class PlainManifestsTest {

    @Test
    void plainManifestsMatchTheChart() throws Exception {
        if (Boolean.getBoolean("sigcar.regenerate")) {
            PlainManifests.write();
        }
        String expected = PlainManifests.render();
        String actual = Files.exists(PlainManifests.FILE) ? Files.readString(PlainManifests.FILE) : "";
        if (!expected.equals(actual)) {
            throw new AssertionError("k8s/sigcar.yaml is out of date with helm/sigcar. Regenerate it with:\n  "
                    + PlainManifests.REGENERATE + "\n" + firstDifference(expected, actual));
        }
    }

    private static String firstDifference(String expected, String actual) {
        List<String> e = expected.lines().toList();
        List<String> a = actual.lines().toList();
        for (int i = 0; i < Math.max(e.size(), a.size()); i++) {
            String el = i < e.size() ? e.get(i) : "<end>";
            String al = i < a.size() ? a.get(i) : "<end>";
            if (!el.equals(al)) {
                return "first difference at line " + (i + 1) + ":\n  chart:  " + el + "\n  k8s/:   " + al;
            }
        }
        return "";
    }

    @Test
    void plainManifestsParseStrictlyAndUseCertManager() throws Exception {
        List<JsonNode> docs = HelmChart.documents(Files.readString(PlainManifests.FILE));
        docs.forEach(StrictModel::parse);
        assertEquals(HelmChart.NAMESPACE, HelmChart.only(docs, "Namespace").at("/metadata/name").asString());
        for (JsonNode d : docs) {
            if (!List.of("Namespace", "MutatingWebhookConfiguration").contains(d.path("kind").asString())) {
                assertEquals(HelmChart.NAMESPACE, d.at("/metadata/namespace").asString(), d.toString());
            }
        }
        MutatingWebhookConfiguration webhook = StrictModel.parse(
                HelmChart.only(docs, "MutatingWebhookConfiguration"), MutatingWebhookConfiguration.class);
        assertEquals("sigcar-system/sigcar-injector", webhook.getMetadata().getAnnotations().get("cert-manager.io/inject-ca-from"));
        assertTrue(HelmChart.all(docs, "Secret").isEmpty(), "no private key is committed");
        assertEquals("sigcar-injector-tls", HelmChart.named(docs, "Certificate", "sigcar-injector").at("/spec/secretName").asString());
    }

    @Test
    void exampleAppOptsInAndParsesStrictly() throws Exception {
        Path dir = HelmChart.REPO.resolve("k8s/example");
        List<JsonNode> docs = new java.util.ArrayList<>();
        for (String f : List.of("echo.yaml", "keys.yaml")) {
            docs.addAll(HelmChart.documents(Files.readString(dir.resolve(f))));
        }
        docs.forEach(StrictModel::parse);
        Deployment echo = StrictModel.parse(HelmChart.only(docs, "Deployment"), Deployment.class);
        var meta = echo.getSpec().getTemplate().getMetadata();
        assertEquals("true", meta.getAnnotations().get("sigcar.io/inject"));
        assertEquals("true", meta.getLabels().get("sigcar.io/inject"), "seen by the pod-label webhook");
        Container app = echo.getSpec().getTemplate().getSpec().getContainers().getFirst();
        String takeover = InjectorConfigTest.injectorYaml(HelmChart.CHART.resolve("ci/default-values.yaml"))
                .at("/sidecar/takeoverPortName").asString();
        assertTrue(app.getPorts().stream().anyMatch(p -> takeover.equals(p.getName())),
                "the app names the port the sidecar takes over: " + takeover);
        Service svc = StrictModel.parse(HelmChart.only(docs, "Service"), Service.class);
        assertEquals(takeover, svc.getSpec().getPorts().getFirst().getTargetPort().getStrVal(),
                "the Service targets the port by name, so it follows the sidecar");
        assertEquals(echo.getSpec().getSelector().getMatchLabels(), svc.getSpec().getSelector());
        Secret keys = StrictModel.parse(HelmChart.only(docs, "Secret"), Secret.class);
        String keysSecret = InjectorConfigTest.injectorYaml(HelmChart.CHART.resolve("ci/default-values.yaml"))
                .at("/sidecar/keysSecret").asString();
        assertEquals(keysSecret, keys.getMetadata().getName(), "the chart's default keys Secret");
        String placeholder = keys.getStringData().get("client-1");
        assertNotNull(placeholder);
        assertTrue(placeholder.length() < 32, "the placeholder must be refused by the sidecar (HMAC keys >= 32 bytes)");
        assertTrue(Files.readString(dir.resolve("README.md")).contains("sigcar sign"), "the walk-through signs a request");
    }
}
