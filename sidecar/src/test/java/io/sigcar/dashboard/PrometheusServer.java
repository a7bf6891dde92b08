package io.sigcar.dashboard;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * A real Prometheus (Debian's {@code prometheus} package) scraping the given targets every second,
 * with its own config and TSDB in a temp directory, and the few HTTP API calls a dashboard test needs.
 */
final class PrometheusServer implements AutoCloseable {

    static final Path BINARY = Path.of(System.getProperty("sigcar.prometheus", "/usr/bin/prometheus"));
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One scrape target. {@code labels} become target labels on every series, the way a PodMonitor's
     * relabelling attaches {@code namespace} and {@code pod} in Kubernetes.
     */
    record Target(String job, int port, Map<String, String> labels) {}

    private final Process process;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    final int port;

    PrometheusServer(Path dir, List<Target> targets) throws IOException, InterruptedException {
        if (!Files.isExecutable(BINARY)) {
            throw new IllegalStateException("no Prometheus at " + BINARY + ": the dashboard test needs a real one"
                    + " (apt-get install prometheus, or -Dsigcar.prometheus=/path/to/prometheus)");
        }
        StringBuilder yml = new StringBuilder("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                + "  evaluation_interval: 1s\nscrape_configs:\n");
        for (Target t : targets) {
            yml.append("  - job_name: ").append(t.job()).append("\n    metrics_path: /metrics\n")
                    .append("    static_configs:\n      - targets: ['127.0.0.1:").append(t.port()).append("']\n")
                    .append("        labels:\n");
            t.labels().forEach((k, v) -> yml.append("          ").append(k).append(": '").append(v).append("'\n"));
        }
        Path config = Files.writeString(dir.resolve("prometheus.yml"), yml);
        this.port = freePort();
        this.log = dir.resolve("prometheus.log");
        this.process = new ProcessBuilder(BINARY.toString(), "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + port,
                "--log.level=info")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            await("Prometheus ready", Duration.ofSeconds(60), () -> get("/-/ready").statusCode() == 200);
        } catch (AssertionError | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Waits until every configured target has been scraped and reported up. */
    void awaitTargetsUp(Duration timeout) throws InterruptedException {
        await("every scrape target up", timeout, () -> {
            JsonNode active = api("/api/v1/targets").get("activeTargets");
            if (active.isEmpty()) {
                return false;
            }
            for (JsonNode t : active) {
                if (!"up".equals(t.get("health").asString())) {
                    return false;
                }
            }
            return true;
        });
    }

    /** An instant query; returns the {@code result} array (one element per series). */
    JsonNode query(String expr, Instant at) {
        return api("/api/v1/query?query=" + enc(expr) + "&time=" + at.getEpochSecond() + "."
                + String.format("%03d", at.getNano() / 1_000_000)).get("result");
    }

    /** The sum of an instant query's values, NaN when it returns nothing. */
    double sum(String expr) {
        JsonNode result = query(expr, Instant.now());
        if (result.isEmpty()) {
            return Double.NaN;
        }
        double s = 0;
        for (JsonNode r : result) {
            s += value(r);
        }
        return s;
    }

    /** Values of one label across the series matching a selector: what Grafana's label_values() lists. */
    List<String> labelValues(String selector, String label) {
        JsonNode data = api("/api/v1/label/" + label + "/values?match[]=" + enc(selector));
        TreeSet<String> values = new TreeSet<>();
        data.forEach(v -> values.add(v.asString()));
        return new ArrayList<>(values);
    }

    static double value(JsonNode vectorSample) {
        String v = vectorSample.get("value").get(1).asString();
        return switch (v) {
            case "NaN" -> Double.NaN;
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(v);
        };
    }

    private JsonNode api(String pathAndQuery) {
        HttpResponse<String> r = get(pathAndQuery);
        JsonNode body = JSON.readTree(r.body());
        if (r.statusCode() != 200 || !"success".equals(body.path("status").asString())) {
            throw new AssertionError("Prometheus " + pathAndQuery + " -> HTTP " + r.statusCode() + ": " + r.body());
        }
        return body.get("data");
    }

    private HttpResponse<String> get(String pathAndQuery) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Polls every 100 ms until the condition holds; fails with Prometheus's log after the timeout. */
    void await(String what, Duration timeout, Check condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("Prometheus exited (" + process.exitValue() + ") waiting for " + what
                        + "; its log:\n" + logTail());
            }
            try {
                if (condition.holds()) {
                    return;
                }
            } catch (Exception e) {
                last = e; // not listening yet, or a query before the first scrape
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + what
                + (last == null ? "" : " (last error: " + last + ")") + "; Prometheus log:\n" + logTail());
    }

    /** A condition polled by {@link #await}. */
    interface Check {
        boolean holds() throws Exception;
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
