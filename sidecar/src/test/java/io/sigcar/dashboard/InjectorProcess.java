package io.sigcar.dashboard;

import io.sigcar.inject.TestPkiAccess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
    private final Process process;
    private final Path log;

    InjectorProcess(Path dir, String ownNamespace) throws Exception {
        this.webhook = PrometheusServer.freePort();
        this.admin = PrometheusServer.freePort();
        this.log = dir.resolve("injector.log");
        Path tls = Files.createDirectories(dir.resolve("injector-tls"));
        this.trust = TestPkiAccess.writePairAndTrust(tls);
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "io.sigcar.cli.Main", "inject",
                "--config", TestPkiAccess.goldenDir().resolve("injector.yaml").toAbsolutePath().toString(),
                "--tls-cert", tls.resolve("tls.crt").toString(), "--tls-key", tls.resolve("tls.key").toString(),
                "--listen", "127.0.0.1:" + webhook, "--admin", "127.0.0.1:" + admin,
                "--namespace", ownNamespace);
        this.process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            awaitReady(Duration.ofSeconds(90));
        } catch (AssertionError e) {
            close();
            throw e;
        }
    }

    private void awaitReady(Duration timeout) throws InterruptedException, IOException {
        HttpClient client = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("sigcar inject exited (" + process.exitValue() + "): "
                        + Files.readString(log));
            }
            try {
                var r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/readyz"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("sigcar inject not ready after " + timeout + ": " + Files.readString(log));
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
