package io.sigcar.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The webhook registration follows the blast-radius design: who is reviewed, on which path, and how it fails. */
class WebhookConfigurationTest {

    private static final List<String> EXCLUDED = List.of("kube-system", HelmChart.NAMESPACE);

    private static Map<String, MutatingWebhook> webhooks(String ciFile) {
        List<JsonNode> docs = HelmChart.render(HelmChart.CHART.resolve("ci/" + ciFile));
        MutatingWebhookConfiguration c = StrictModel.parse(HelmChart.only(docs, "MutatingWebhookConfiguration"),
                MutatingWebhookConfiguration.class);
        return c.getWebhooks().stream().collect(Collectors.toMap(MutatingWebhook::getName, Function.identity()));
    }

    private static LabelSelectorRequirement req(String key, String op, String... values) {
        return new LabelSelectorRequirement(key, op, List.of(values));
    }

    private static LabelSelector selector(LabelSelectorRequirement... reqs) {
        return new LabelSelector(List.of(reqs), Map.of());
    }

    @Test
    void twoWebhooksByDefault_namespaceLabelAndPodLabel() {
        Map<String, MutatingWebhook> hooks = webhooks("default-values.yaml");
        assertEquals(java.util.Set.of("ns.inject.sigcar.io", "pod.inject.sigcar.io"), hooks.keySet());

        MutatingWebhook ns = hooks.get("ns.inject.sigcar.io");
        assertEquals(selector(req("sigcar.io/inject", "In", "enabled"),
                req("kubernetes.io/metadata.name", "NotIn", EXCLUDED.toArray(String[]::new))), ns.getNamespaceSelector());
        assertNull(ns.getObjectSelector(), "every pod of a labelled namespace is reviewed; the annotation \"false\" opts out");
        assertEquals("/inject?opt-in=namespace", ns.getClientConfig().getService().getPath());

        MutatingWebhook pod = hooks.get("pod.inject.sigcar.io");
        assertEquals(selector(req("sigcar.io/inject", "NotIn", "enabled"),
                req("kubernetes.io/metadata.name", "NotIn", EXCLUDED.toArray(String[]::new))), pod.getNamespaceSelector(),
                "labelled namespaces are the first webhook's, so no pod is reviewed twice");
        assertEquals(selector(req("sigcar.io/inject", "In", "true")), pod.getObjectSelector());
        assertEquals("/inject", pod.getClientConfig().getService().getPath());

        for (MutatingWebhook h : hooks.values()) {
            assertCommon(h, "Fail", 5);
        }
    }

    private static void assertCommon(MutatingWebhook h, String failurePolicy, int timeout) {
        assertEquals(failurePolicy, h.getFailurePolicy(), h.getName());
        assertEquals(timeout, h.getTimeoutSeconds(), h.getName());
        assertEquals("None", h.getSideEffects(), h.getName());
        assertEquals(List.of("v1"), h.getAdmissionReviewVersions(), h.getName());
        assertEquals("IfNeeded", h.getReinvocationPolicy(), h.getName());
        assertEquals("Equivalent", h.getMatchPolicy(), h.getName());
        assertEquals(1, h.getRules().size());
        var rule = h.getRules().getFirst();
        assertEquals(List.of("CREATE"), rule.getOperations());
        assertEquals(List.of(""), rule.getApiGroups());
        assertEquals(List.of("v1"), rule.getApiVersions());
        assertEquals(List.of("pods"), rule.getResources());
        assertEquals("Namespaced", rule.getScope());
        var svc = h.getClientConfig().getService();
        assertEquals("sigcar-injector", svc.getName());
        assertEquals(HelmChart.NAMESPACE, svc.getNamespace());
        assertEquals(443, svc.getPort());
        assertNull(h.getClientConfig().getUrl());
    }

    @Test
    void helmTlsCaBundleSignsTheServingCertificateForTheServiceName() throws Exception {
        List<JsonNode> docs = HelmChart.render(HelmChart.CHART.resolve("ci/default-values.yaml"));
        Secret tls = StrictModel.parse(HelmChart.named(docs, "Secret", "sigcar-injector-tls"), Secret.class);
        assertEquals("kubernetes.io/tls", tls.getType());
        X509Certificate ca = cert(tls.getData().get("ca.crt"));
        X509Certificate serving = cert(tls.getData().get("tls.crt"));
        serving.verify(ca.getPublicKey());
        serving.checkValidity();
        assertTrue(serving.getSubjectAlternativeNames().stream().anyMatch(
                n -> n.get(1).equals("sigcar-injector.sigcar-system.svc")), "SANs: " + serving.getSubjectAlternativeNames());
        String key = new String(Base64.getDecoder().decode(tls.getData().get("tls.key")), java.nio.charset.StandardCharsets.US_ASCII);
        assertTrue(key.contains("PRIVATE KEY"), "tls.key is a PEM private key");
        for (MutatingWebhook h : webhooks("default-values.yaml").values()) {
            assertEquals(tls.getData().get("ca.crt"), h.getClientConfig().getCaBundle(), h.getName() + " trusts the CA");
        }
        MutatingWebhookConfiguration c = StrictModel.parse(HelmChart.only(docs, "MutatingWebhookConfiguration"),
                MutatingWebhookConfiguration.class);
        assertTrue(c.getMetadata().getAnnotations() == null
                || !c.getMetadata().getAnnotations().containsKey("cert-manager.io/inject-ca-from"));
    }

    private static X509Certificate cert(String base64Pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Base64.getDecoder().decode(base64Pem)));
    }

    @Test
    void certManagerInjectsTheCaAndIssuesForTheServiceName() {
        List<JsonNode> docs = HelmChart.render(HelmChart.CHART.resolve("ci/cert-manager-values.yaml"));
        MutatingWebhookConfiguration c = StrictModel.parse(HelmChart.only(docs, "MutatingWebhookConfiguration"),
                MutatingWebhookConfiguration.class);
        assertEquals("sigcar-system/sigcar-injector", c.getMetadata().getAnnotations().get("cert-manager.io/inject-ca-from"));
        c.getWebhooks().forEach(h -> assertNull(h.getClientConfig().getCaBundle(), h.getName() + ": cert-manager fills it"));
        assertTrue(HelmChart.all(docs, "Secret").isEmpty(), "cert-manager writes the TLS Secret");

        JsonNode serving = HelmChart.named(docs, "Certificate", "sigcar-injector");
        assertEquals("sigcar-injector-tls", serving.at("/spec/secretName").asString());
        assertTrue(serving.at("/spec/dnsNames").toString().contains("\"sigcar-injector.sigcar-system.svc\""));
        assertEquals("sigcar-ca", serving.at("/spec/issuerRef/name").asString());
        assertEquals("PKCS8", serving.at("/spec/privateKey/encoding").asString(), "Java reads PKCS#8 keys");
        JsonNode ca = HelmChart.named(docs, "Certificate", "sigcar-ca");
        assertTrue(ca.at("/spec/isCA").asBoolean());
        assertEquals("sigcar-selfsigned", ca.at("/spec/issuerRef/name").asString());
        assertTrue(HelmChart.named(docs, "Issuer", "sigcar-selfsigned").at("/spec/selfSigned").isObject());
        assertEquals("sigcar-ca", HelmChart.named(docs, "Issuer", "sigcar-ca").at("/spec/ca/secretName").asString());
        // The injector mounts the Secret cert-manager writes.
        assertEquals("sigcar-injector-tls", HelmChart.only(docs, "Deployment")
                .at("/spec/template/spec/volumes").findValues("secretName").getFirst().asString());
    }

    @Test
    void certManagerWithAnExistingIssuerCreatesNoCa() {
        List<JsonNode> docs = HelmChart.render(HelmChart.CHART.resolve("ci/cert-manager-issuer-values.yaml"));
        assertTrue(HelmChart.all(docs, "Issuer").isEmpty());
        JsonNode serving = HelmChart.only(docs, "Certificate");
        assertEquals("corp-ca", serving.at("/spec/issuerRef/name").asString());
        assertEquals("ClusterIssuer", serving.at("/spec/issuerRef/kind").asString());
        assertEquals("720h", serving.at("/spec/duration").asString());
    }

    @Test
    void annotationOptInAddsAThirdWebhookThatNeverBlocks() {
        Map<String, MutatingWebhook> hooks = webhooks("failure-ignore-values.yaml");
        assertEquals(3, hooks.size());
        MutatingWebhook any = hooks.get("any.inject.sigcar.io");
        assertNotNull(any);
        assertEquals(selector(req("sigcar.io/inject", "NotIn", "enabled"),
                req("kubernetes.io/metadata.name", "NotIn", EXCLUDED.toArray(String[]::new))), any.getNamespaceSelector());
        assertEquals(selector(req("sigcar.io/inject", "NotIn", "true")), any.getObjectSelector(),
                "pods labelled true are the pod webhook's");
        assertEquals("/inject", any.getClientConfig().getService().getPath());
        for (MutatingWebhook h : hooks.values()) {
            assertCommon(h, "Ignore", 3);
        }
    }

    @Test
    void failurePolicyStaysIgnoreForTheAnnotationWebhookEvenWhenTheOthersFail() throws Exception {
        Path values = java.nio.file.Files.createTempFile("sigcar-values", ".yaml");
        try {
            java.nio.file.Files.writeString(values, "webhook:\n  annotationOptIn:\n    enabled: true\n");
            Map<String, MutatingWebhook> hooks = webhooksOf(HelmChart.render(values));
            assertEquals("Fail", hooks.get("ns.inject.sigcar.io").getFailurePolicy());
            assertEquals("Fail", hooks.get("pod.inject.sigcar.io").getFailurePolicy());
            assertEquals("Ignore", hooks.get("any.inject.sigcar.io").getFailurePolicy());
        } finally {
            java.nio.file.Files.delete(values);
        }
    }

    @Test
    void extraExcludedNamespacesAreAddedToEveryWebhook() {
        Map<String, MutatingWebhook> hooks = webhooks("custom-values.yaml");
        for (MutatingWebhook h : hooks.values()) {
            LabelSelectorRequirement names = h.getNamespaceSelector().getMatchExpressions().stream()
                    .filter(r -> r.getKey().equals("kubernetes.io/metadata.name")).findFirst().orElseThrow();
            assertEquals("NotIn", names.getOperator());
            assertEquals(List.of("kube-system", HelmChart.NAMESPACE, "monitoring", "istio-system"), names.getValues());
            assertEquals(10, h.getTimeoutSeconds());
            assertEquals("payments-sigcar-injector", h.getClientConfig().getService().getName());
        }
    }

    private static Map<String, MutatingWebhook> webhooksOf(List<JsonNode> docs) {
        return StrictModel.parse(HelmChart.only(docs, "MutatingWebhookConfiguration"), MutatingWebhookConfiguration.class)
                .getWebhooks().stream().collect(Collectors.toMap(MutatingWebhook::getName, Function.identity()));
    }
}
