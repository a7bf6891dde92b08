package io.sigcar.inject;

import java.nio.file.Path;
import javax.net.ssl.SSLContext;

/** Lets tests in other packages write a webhook certificate pair and build AdmissionReviews. */
public final class TestPkiAccess {

    private TestPkiAccess() {}

    /** Writes tls.crt and tls.key (Kubernetes Secret layout) into {@code dir}. */
    public static void writePair(Path dir) throws Exception {
        writePairAndTrust(dir);
    }

    /**
     * Writes tls.crt and tls.key (Kubernetes Secret layout) into {@code dir}, signed by a fresh test CA,
     * and returns a client TLS context that trusts that CA (as the API server trusts the webhook's caBundle).
     */
    public static SSLContext writePairAndTrust(Path dir) throws Exception {
        TestPki pki = new TestPki();
        TestPki.Leaf leaf = pki.leaf("injector");
        TestPki.publish(dir, leaf.certPem(), leaf.keyPem());
        return pki.clientContext();
    }

    /** The golden cases' directory (src/test/resources/testdata/inject, relative to the module). */
    public static Path goldenDir() {
        return GoldenTest.DIR;
    }

    /** A CREATE AdmissionReview of the pod in a golden case's {@code pod.yaml}, as the API server sends it. */
    public static byte[] goldenPodReview(String goldenCase, String uid, String namespace) throws Exception {
        return Reviews.podReview(uid, namespace, Reviews.yamlFile(GoldenTest.DIR.resolve(goldenCase)
                .resolve("pod.yaml")));
    }
}
