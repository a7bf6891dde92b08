package io.sigcar.dashboard;

import io.sigcar.inject.TestPkiAccess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;

/**
 * {@code sigcar inject} as its own JVM, as it runs in its pod: the golden cases' injector config, a
 * certificate pair from a throwaway CA in the Secret's file layout, ready once {@code /readyz} says so
 * (which is after its warm-up review). {@link #trust} is the client TLS context the API server would have.
 */
final class InjectorProcess implements AutoCloseable {

    final int webhook;
    final int admin;
    final SSLContext trust;
    private final SigcarProcess process;

    InjectorProcess(Path dir, String ownNamespace) throws Exception {
        this.webhook = PrometheusServer.freePort();
        this.admin = PrometheusServer.freePort();
        Path tls = Files.createDirectories(dir.resolve("injector-tls"));
        this.trust = TestPkiAccess.writePairAndTrust(tls);
        this.process = new SigcarProcess(dir.resolve("injector.log"), admin, Duration.ofSeconds(90), List.of(
                "inject",
                "--config", TestPkiAccess.goldenDir().resolve("injector.yaml").toAbsolutePath().toString(),
                "--tls-cert", tls.resolve("tls.crt").toString(), "--tls-key", tls.resolve("tls.key").toString(),
                "--listen", "127.0.0.1:" + webhook, "--admin", "127.0.0.1:" + admin,
                "--namespace", ownNamespace));
    }

    @Override
    public void close() throws InterruptedException {
        process.close();
    }
}
