package io.sigcar.chart;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The strict parse really refuses what Kubernetes would not accept, so the chart tests can fail. */
class StrictModelTest {

    private static final String DEPLOYMENT = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: x, namespace: y}
            spec:
              selector: {matchLabels: {a: b}}
              template:
                metadata: {labels: {a: b}}
                spec:
                  containers:
                    - name: c
                      image: i
                      %s
            """;

    @Test
    void acceptsAValidObject() {
        StrictModel.parse(HelmChart.YAML.readTree(DEPLOYMENT.formatted("imagePullPolicy: Always")));
    }

    @Test
    void refusesAMisspelledFieldDeepInside() {
        AssertionError e = assertThrows(AssertionError.class,
                () -> StrictModel.parse(HelmChart.YAML.readTree(DEPLOYMENT.formatted("imagePullPolicyy: Always"))));
        assertTrue(e.getMessage().contains("$.spec.template.spec.containers[0].imagePullPolicyy"), e.getMessage());
    }

    @Test
    void refusesAFieldAtTheWrongLevel() {
        AssertionError e = assertThrows(AssertionError.class,
                () -> StrictModel.parse(HelmChart.YAML.readTree(DEPLOYMENT.formatted("readOnlyRootFilesystem: true"))));
        assertTrue(e.getMessage().contains("readOnlyRootFilesystem"), e.getMessage());
    }

    @Test
    void refusesKindsTheChartShouldNotRender() {
        assertThrows(AssertionError.class, () -> StrictModel.parse(HelmChart.YAML.readTree("""
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRole
                metadata: {name: too-much}
                """)));
    }
}
