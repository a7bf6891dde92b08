package io.sigcar.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/** The chart lints strictly and renders, for every ci values file, objects Kubernetes would accept. */
class ChartRenderTest {

    static Stream<Path> ciValues() {
        return HelmChart.ciValues().stream();
    }

    @Test
    void everyToggleHasACiValuesFile() {
        Set<String> names = new HashSet<>();
        HelmChart.ciValues().forEach(p -> names.add(p.getFileName().toString()));
        for (String expected : List.of("default-values.yaml", "cert-manager-values.yaml", "monitoring-values.yaml",
                "regular-container-values.yaml", "failure-ignore-values.yaml", "custom-values.yaml")) {
            assertTrue(names.contains(expected), "missing ci/" + expected + " in " + names);
        }
    }

    @Test
    void lintsStrictlyWithDefaults(@TempDir Path work) throws Exception {
        LintResult result = HelmChart.lint(null, work);
        assertFalse(result.isFailed(), String.join("\n", result.getMessages()));
    }

    @ParameterizedTest
    @MethodSource("ciValues")
    void lintsStrictlyWith(Path values, @TempDir Path work) throws Exception {
        LintResult result = HelmChart.lint(values, work);
        assertFalse(result.isFailed(), values + ":\n" + String.join("\n", result.getMessages()));
    }

    @ParameterizedTest
    @MethodSource("ciValues")
    void everyRenderedObjectParsesStrictly(Path values) {
        List<JsonNode> docs = HelmChart.render(values);
        assertFalse(docs.isEmpty());
        Set<String> seen = new HashSet<>();
        for (JsonNode doc : docs) {
            HasMetadata o = StrictModel.parse(doc);
            assertNotNull(o.getMetadata().getName(), StrictModel.typeOf(doc));
            assertTrue(seen.add(StrictModel.typeOf(doc) + "/" + o.getMetadata().getName()), "rendered twice: " + doc);
            Map<String, String> labels = o.getMetadata().getLabels();
            assertNotNull(labels, o.getMetadata().getName() + " has no labels");
            for (String l : List.of("app.kubernetes.io/name", "app.kubernetes.io/instance",
                    "app.kubernetes.io/managed-by", "app.kubernetes.io/version", "helm.sh/chart")) {
                assertTrue(labels.containsKey(l), o.getMetadata().getName() + " lacks label " + l);
            }
            if (!doc.path("kind").asString().equals("MutatingWebhookConfiguration")) {
                assertNotNull(o.getMetadata().getNamespace(), o.getMetadata().getName() + " has no namespace");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("ciValues")
    void injectorRunsLockedDown(Path values) {
        List<JsonNode> docs = HelmChart.render(values);
        Deployment d = StrictModel.parse(HelmChart.only(docs, "Deployment"), Deployment.class);
        PodSpec pod = d.getSpec().getTemplate().getSpec();
        assertEquals(Boolean.FALSE, pod.getAutomountServiceAccountToken(), "the injector needs no API token");
        assertEquals(Boolean.TRUE, pod.getSecurityContext().getRunAsNonRoot());
        assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType());
        Container c = pod.getContainers().getFirst();
        assertEquals(Boolean.TRUE, c.getSecurityContext().getReadOnlyRootFilesystem());
        assertEquals(Boolean.FALSE, c.getSecurityContext().getAllowPrivilegeEscalation());
        assertEquals(List.of("ALL"), c.getSecurityContext().getCapabilities().getDrop());
        assertEquals("/healthz", c.getLivenessProbe().getHttpGet().getPath());
        assertEquals("/readyz", c.getReadinessProbe().getHttpGet().getPath());
        assertEquals("metrics", c.getReadinessProbe().getHttpGet().getPort().getStrVal());
        assertTrue(c.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/tmp")));
        assertNotNull(c.getResources().getRequests().get("memory"));
        assertNotNull(c.getResources().getLimits().get("memory"));
        assertEquals("metadata.namespace", c.getEnv().stream().filter(e -> e.getName().equals("SIGCAR_INJECTOR_NAMESPACE"))
                .findFirst().orElseThrow().getValueFrom().getFieldRef().getFieldPath());
        List<String> args = c.getArgs();
        assertEquals("inject", args.getFirst());
        assertEquals("/etc/sigcar-injector/injector.yaml", args.get(args.indexOf("--config") + 1));
        assertEquals("/etc/sigcar-injector/tls/tls.crt", args.get(args.indexOf("--tls-cert") + 1));
        assertEquals("/etc/sigcar-injector/tls/tls.key", args.get(args.indexOf("--tls-key") + 1));
        assertEquals("0.0.0.0:8443", args.get(args.indexOf("--listen") + 1));
        assertNotNull(d.getSpec().getTemplate().getMetadata().getAnnotations().get("checksum/config"));
        assertNotNull(pod.getAffinity().getPodAntiAffinity(), "replicas spread over nodes");

        Service svc = StrictModel.parse(HelmChart.only(docs, "Service"), Service.class);
        var https = svc.getSpec().getPorts().stream().filter(p -> p.getName().equals("https")).findFirst().orElseThrow();
        assertEquals(443, https.getPort());
        assertEquals("https", https.getTargetPort().getStrVal());
        assertEquals(8443, c.getPorts().stream().filter(p -> p.getName().equals("https")).findFirst().orElseThrow()
                .getContainerPort());
        assertTrue(svc.getSpec().getPorts().stream().anyMatch(p -> p.getName().equals("metrics")));
        assertEquals(d.getSpec().getSelector().getMatchLabels(), svc.getSpec().getSelector(),
                "the Service selects exactly the injector pods");

        PodDisruptionBudget pdb = StrictModel.parse(HelmChart.only(docs, "PodDisruptionBudget"), PodDisruptionBudget.class);
        assertEquals(d.getSpec().getSelector().getMatchLabels(), pdb.getSpec().getSelector().getMatchLabels());
        assertTrue(d.getSpec().getReplicas() > pdb.getSpec().getMinAvailable().getIntVal(),
                "a node drain can always evict one injector");
        assertTrue(HelmChart.all(docs, "Role").isEmpty() && HelmChart.all(docs, "ClusterRole").isEmpty(),
                "the injector is granted no RBAC");
    }

    @Test
    void defaultsRenderTheDocumentedInjector() {
        List<JsonNode> docs = HelmChart.render(HelmChart.CHART.resolve("ci/default-values.yaml"));
        Deployment d = StrictModel.parse(HelmChart.only(docs, "Deployment"), Deployment.class);
        assertEquals("sigcar-injector", d.getMetadata().getName());
        assertEquals(2, d.getSpec().getReplicas());
        assertEquals("ghcr.io/sigcar/sigcar:0.1.0", d.getSpec().getTemplate().getSpec().getContainers().getFirst().getImage());
        for (String off : List.of("PodMonitor", "ServiceMonitor", "PrometheusRule", "Certificate", "Issuer")) {
            assertTrue(HelmChart.all(docs, off).isEmpty(), off + " must be off by default");
        }
        assertTrue(docs.stream().noneMatch(x -> x.path("metadata").path("labels").has("grafana_dashboard")));
    }

    /**
     * `helm test` pods are hooks, which helm-java's template leaves out of its output (the
     * `helm template` command prints them). The same template is rendered without its hook
     * annotation from a copy of the chart, and checked like every other object.
     */
    @Test
    void helmTestPodCallsTheInjectorsHealthEndpoints(@TempDir Path work) throws Exception {
        Path copy = work.resolve("sigcar");
        HelmChart.copyTree(HelmChart.CHART, copy);
        Path test = copy.resolve("templates/tests/test-injector.yaml");
        String template = java.nio.file.Files.readString(test);
        assertTrue(template.contains("    helm.sh/hook: test\n"), "the pod is a helm test hook");
        java.nio.file.Files.writeString(test, template.replace("    helm.sh/hook: test\n", ""));
        List<JsonNode> docs = HelmChart.documents(new com.marcnuri.helm.Helm(copy).template().withName(HelmChart.RELEASE)
                .withNamespace(HelmChart.NAMESPACE).withKubeVersion(HelmChart.KUBE_VERSION)
                .set("webhook.tls.reuseExisting", false).call());
        io.fabric8.kubernetes.api.model.Pod pod = StrictModel.parse(HelmChart.only(docs, "Pod"),
                io.fabric8.kubernetes.api.model.Pod.class);
        assertEquals("Never", pod.getSpec().getRestartPolicy());
        String script = String.join(" ", pod.getSpec().getContainers().getFirst().getCommand());
        assertTrue(script.contains("http://sigcar-injector.sigcar-system.svc:9901"), script);
        assertTrue(script.contains("/healthz") && script.contains("/readyz"), script);
        assertEquals(Boolean.TRUE, pod.getSpec().getSecurityContext().getRunAsNonRoot());
    }

    @Test
    void customValuesReachTheInjector() {
        List<JsonNode> docs = HelmChart.render(HelmChart.CHART.resolve("ci/custom-values.yaml"));
        Deployment d = StrictModel.parse(HelmChart.only(docs, "Deployment"), Deployment.class);
        assertEquals("payments-sigcar-injector", d.getMetadata().getName());
        PodSpec pod = d.getSpec().getTemplate().getSpec();
        assertEquals("registry.example.com/mirror/sigcar@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                pod.getContainers().getFirst().getImage());
        assertEquals("system-cluster-critical", pod.getPriorityClassName());
        assertEquals("regcred", pod.getImagePullSecrets().getFirst().getName());
        assertEquals(Map.of("kubernetes.io/os", "linux"), pod.getNodeSelector());
        assertEquals("dedicated", pod.getTolerations().getFirst().getKey());
        assertNotNull(pod.getAffinity().getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution());
        assertEquals("384Mi", pod.getContainers().getFirst().getResources().getLimits().get("memory").toString());
        assertEquals("payments", d.getMetadata().getLabels().get("team"));
        PodDisruptionBudget pdb = StrictModel.parse(HelmChart.only(docs, "PodDisruptionBudget"), PodDisruptionBudget.class);
        assertEquals(2, pdb.getSpec().getMinAvailable().getIntVal());
    }

    @Test
    void aConfigChangeRollsTheInjector() throws Exception {
        String before = checksum(HelmChart.render(HelmChart.CHART.resolve("ci/default-values.yaml")));
        String after = checksum(HelmChart.render(HelmChart.CHART.resolve("ci/regular-container-values.yaml")));
        assertFalse(before.equals(after), "the injector config changed, so must the pod template");
        assertEquals(before, checksum(HelmChart.render(HelmChart.CHART.resolve("ci/failure-ignore-values.yaml"))),
                "webhook settings do not touch the injector config, so no roll");
    }

    private static String checksum(List<JsonNode> docs) {
        return HelmChart.only(docs, "Deployment").path("spec").path("template").path("metadata")
                .path("annotations").path("checksum/config").asString();
    }

    @Test
    void monitoringObjectsWhenEnabled() {
        List<JsonNode> docs = HelmChart.render(HelmChart.CHART.resolve("ci/monitoring-values.yaml"));
        JsonNode pm = HelmChart.only(docs, "PodMonitor");
        assertEquals("true", pm.at("/spec/selector/matchLabels/sigcar.io~1injected").asString());
        assertEquals("sigcar-admin", pm.at("/spec/podMetricsEndpoints/0/port").asString());
        assertEquals("/metrics", pm.at("/spec/podMetricsEndpoints/0/path").asString());
        assertTrue(pm.at("/spec/namespaceSelector/any").asBoolean());
        assertEquals("kube-prometheus-stack", pm.at("/metadata/labels/release").asString());

        JsonNode sm = HelmChart.only(docs, "ServiceMonitor");
        assertEquals("metrics", sm.at("/spec/endpoints/0/port").asString());
        Service svc = StrictModel.parse(HelmChart.only(docs, "Service"), Service.class);
        sm.at("/spec/selector/matchLabels").properties().forEach(e ->
                assertEquals(e.getValue().asString(), svc.getMetadata().getLabels().get(e.getKey()),
                        "the ServiceMonitor selects the injector Service by " + e.getKey()));

        JsonNode dash = docs.stream().filter(x -> x.path("kind").asString().equals("ConfigMap")
                && x.at("/metadata/labels/grafana_dashboard").asString().equals("1")).findFirst().orElseThrow();
        assertEquals("monitoring", dash.at("/metadata/namespace").asString());
        JsonNode json = tools.jackson.databind.json.JsonMapper.builder().build()
                .readTree(dash.at("/data/sigcar.json").asString());
        assertFalse(json.path("title").asString().isEmpty(), "the dashboard is the chart's JSON file, parsed");
        assertEquals(1, HelmChart.all(docs, "PrometheusRule").size());
    }
}
