package io.sigcar.inject;

import java.nio.file.Path;

/** Lets tests in other packages write a webhook certificate pair. */
public final class TestPkiAccess {

    private TestPkiAccess() {}

    /** Writes tls.crt and tls.key (Kubernetes Secret layout) into {@code dir}. */
    public static void writePair(Path dir) throws Exception {
        TestPki.Leaf leaf = new TestPki().leaf("injector");
        TestPki.publish(dir, leaf.certPem(), leaf.keyPem());
    }
}
