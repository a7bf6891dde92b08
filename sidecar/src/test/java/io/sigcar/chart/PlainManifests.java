package io.sigcar.chart;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Renders k8s/sigcar.yaml, the plain manifests for clusters without Helm, from the chart.
 * Run through PlainManifestsTest with -Dsigcar.regenerate=true (see {@link #REGENERATE}).
 */
final class PlainManifests {

    static final Path FILE = HelmChart.REPO.resolve("k8s/sigcar.yaml");
    static final Path VALUES = HelmChart.REPO.resolve("k8s/render-values.yaml");
    static final String REGENERATE = "./mvnw -B -q -pl sidecar -am test -Dtest=PlainManifestsTest"
            + " -Dsurefire.failIfNoSpecifiedTests=false -Dsigcar.regenerate=true";

    private PlainManifests() {}

    static String render() {
        String header = """
                # Sigcar for clusters without Helm: the injector (mutating admission webhook) in namespace
                # sigcar-system. GENERATED from helm/sigcar (release "sigcar", values k8s/render-values.yaml);
                # do not edit by hand. Regenerate with:
                #   %s
                # Needs cert-manager in the cluster: it issues the webhook certificate and injects the caBundle.
                # Apply:  kubectl apply -f k8s/sigcar.yaml
                ---
                apiVersion: v1
                kind: Namespace
                metadata:
                  name: %s
                  labels:
                    app.kubernetes.io/part-of: sigcar
                """.formatted(REGENERATE, HelmChart.NAMESPACE);
        String body = HelmChart.template(HelmChart.RELEASE, HelmChart.NAMESPACE, VALUES).strip() + "\n";
        return header + body;
    }

    static void write() throws IOException {
        Files.writeString(FILE, render());
    }
}
