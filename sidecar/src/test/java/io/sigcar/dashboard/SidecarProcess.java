package io.sigcar.dashboard;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * {@code sigcar proxy} as its own JVM, as it runs in a pod: a small heap (so the GC panels see real
 * collections), configured by flags, ready once {@code /readyz} says so.
 */
final class SidecarProcess implements AutoCloseable {

    final int proxy;
    final int admin;
    private final SigcarProcess process;

    SidecarProcess(Path dir, Path keys, int upstreamPort) throws IOException, InterruptedException {
        this.proxy = PrometheusServer.freePort();
        this.admin = PrometheusServer.freePort();
        this.process = new SigcarProcess(dir.resolve("sidecar.log"), admin, Duration.ofSeconds(60), List.of(
                "proxy", "--keys", keys.toString(), "--key-algorithms", "client-b=blake3-keyed",
                "--listen", "127.0.0.1:" + proxy, "--admin", "127.0.0.1:" + admin,
                "--upstream", "127.0.0.1:" + upstreamPort, "--audit", "false"));
    }

    @Override
    public void close() throws InterruptedException {
        process.close();
    }
}
