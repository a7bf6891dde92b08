package io.sigcar.dashboard;

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

/**
 * {@code sigcar proxy} as its own JVM, as it runs in a pod: a small heap (so the GC panels see real
 * collections), configured by flags, ready once {@code /readyz} says so.
 */
final class SidecarProcess implements AutoCloseable {

    final int proxy;
    final int admin;
    private final Process process;
    private final Path log;

    SidecarProcess(Path dir, Path keys, int upstreamPort) throws IOException, InterruptedException {
        this.proxy = PrometheusServer.freePort();
        this.admin = PrometheusServer.freePort();
        this.log = dir.resolve("sidecar.log");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "io.sigcar.cli.Main", "proxy", "--keys", keys.toString(),
                "--key-algorithms", "client-b=blake3-keyed",
                "--listen", "127.0.0.1:" + proxy, "--admin", "127.0.0.1:" + admin,
                "--upstream", "127.0.0.1:" + upstreamPort, "--audit", "false");
        this.process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            awaitReady(Duration.ofSeconds(60));
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
                throw new AssertionError("sigcar proxy exited (" + process.exitValue() + "): " + Files.readString(log));
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
        throw new AssertionError("sigcar proxy not ready after " + timeout + ": " + Files.readString(log));
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
