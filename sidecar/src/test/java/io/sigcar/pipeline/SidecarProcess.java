package io.sigcar.pipeline;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code sigcar proxy} as a separate JVM, the way a pod runs it (same main class and
 * classpath as the jar), so signals, exit codes and process limits are real.
 */
final class SidecarProcess implements AutoCloseable {

    final Process process;
    final int port;
    final int admin;
    final Path log;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /**
     * Starts and waits for {@code /readyz}.
     *
     * @param jvmArgs e.g. {@code -Xmx128m} or {@code -Dsigcar.native.path=...}
     * @param args    proxy flags; listen and admin are added
     */
    SidecarProcess(Path dir, List<String> jvmArgs, String... args) throws Exception {
        this.port = freePort();
        this.admin = freePort();
        this.log = dir.resolve("sidecar-" + port + ".log");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.sigcar.cli.Main", "proxy",
                "--listen", "127.0.0.1:" + port, "--admin", "127.0.0.1:" + admin));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("SIGCAR_NATIVE_LIB");
        this.process = pb.start();
        awaitReady();
    }

    private void awaitReady() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("sidecar exited with " + process.exitValue() + ": " + output());
            }
            try {
                if (admin("/readyz").statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("sidecar never became ready: " + output());
    }

    HttpResponse<String> admin(String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + path))
                .timeout(java.time.Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The value of one Prometheus sample line starting with {@code series}, or NaN. */
    double metric(String series) throws Exception {
        for (String line : admin("/metrics").body().split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).strip());
            }
        }
        return Double.NaN;
    }

    /** The non-zero {@code sigcar_rejections_total} samples, by reason. */
    Map<String, Double> rejections() throws Exception {
        Map<String, Double> counts = new java.util.TreeMap<>();
        var sample = java.util.regex.Pattern.compile("sigcar_rejections_total\\{.*reason=\"([a-z_]+)\".*\\} (\\S+)");
        for (String line : admin("/metrics").body().split("\n")) {
            var m = sample.matcher(line);
            if (m.matches() && Double.parseDouble(m.group(2)) > 0) {
                counts.merge(m.group(1), Double.parseDouble(m.group(2)), Double::sum);
            }
        }
        return counts;
    }

    String output() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
