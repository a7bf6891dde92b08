package io.sigcar.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.sigcar.config.Field;
import io.sigcar.config.Settings;
import io.sigcar.config.SidecarConfig;
import io.sigcar.crypto.Crypto;
import io.sigcar.crypto.CryptoConfig;
import io.sigcar.pipeline.Sidecar;
import io.sigcar.pipeline.Verifications;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The chart's alert rules are valid PromQL (promtool), name only metrics a real sidecar exports,
 * and fire in a real Prometheus scraping a real sidecar when their condition holds, while the
 * others stay quiet.
 */
class AlertRulesTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** Made by the injector, which is not built in this module: checked by name against the contract. */
    private static final Set<String> INJECTOR_METRICS = Set.of("sigcar_injector_reviews_total");

    /** The PrometheusRule's spec.groups as a Prometheus rule file, rendered with extra values. */
    private static String ruleFile(Path dir, String extraValues) throws Exception {
        Path extra = dir.resolve("extra-values.yaml");
        Files.writeString(extra, extraValues);
        List<JsonNode> docs = HelmChart.documents(HelmChart.template(HelmChart.RELEASE, HelmChart.NAMESPACE,
                HelmChart.CHART.resolve("ci/monitoring-values.yaml"), extra));
        ObjectNode file = JSON.createObjectNode();
        file.set("groups", HelmChart.only(docs, "PrometheusRule").at("/spec/groups"));
        return HelmChart.YAML.writeValueAsString(file);
    }

    private static Set<String> metricNames(String rules) {
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("\\b((?:sigcar|vertx)_[a-z0-9_]+)\\b").matcher(
                HelmChart.YAML.readTree(rules).findValues("expr").toString());
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    @Test
    void promtoolAcceptsTheRules(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, ruleFile(dir, "{}\n"));
        Process p = new ProcessBuilder("promtool", "check", "rules", rules.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool hung");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("SUCCESS: 9 rules found"), out);
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void alertsFireInARealPrometheusScrapingARealSidecar(@TempDir Path dir) throws Exception {
        HttpServer app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] oops = "oops".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        app.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(exchange.getRequestURI().getPath().endsWith("/ok") ? 200 : 500, oops.length);
            try (OutputStream body = exchange.getResponseBody()) {
                body.write(oops);
            }
        });
        app.start();
        Path keys = Files.createDirectories(dir.resolve("keys"));
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Files.write(keys.resolve("client-1"), key);
        Map<Field, String> flags = new EnumMap<>(Field.class);
        flags.put(Field.LISTEN, "127.0.0.1:0");
        flags.put(Field.ADMIN, "127.0.0.1:0");
        flags.put(Field.UPSTREAM, "127.0.0.1:" + app.getAddress().getPort());
        flags.put(Field.KEYS, keys.toString());
        flags.put(Field.ROUTES, "name=open,path=/open,action=allow;name=api,path=/,action=verify");
        flags.put(Field.AUDIT, "false");
        SidecarConfig config = SidecarConfig.from(Settings.load(Optional.empty(), Map.of(), flags));
        Process prometheus = null;
        try (Sidecar sidecar = new Sidecar(config, Crypto.create(CryptoConfig.defaults()), InstantSource.system(),
                OutputStream.nullOutputStream(), Verifications::build)) {
            Sidecar.Ports ports = sidecar.start().await(30, TimeUnit.SECONDS);
            // HTTP/1.1: the JDK client's default h2c upgrade meets a sidecar bug (forwarded h2 exchanges
            // are recorded as upstream_error/request_timeout), reported separately.
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            traffic(http, ports.proxy());

            // Every metric the rules name is one this sidecar exports (the injector's by contract).
            String scrape = get(http, "http://127.0.0.1:" + ports.admin() + "/metrics");
            String rules = ruleFile(dir, """
                    monitoring:
                      prometheusRule:
                        for: 0s
                        latencySloSeconds: 0.0001
                    """);
            for (String name : metricNames(rules)) {
                if (!INJECTOR_METRICS.contains(name)) {
                    assertTrue(Pattern.compile("(?m)^" + name + "[{ ]").matcher(scrape).find(),
                            name + " is not exported by the sidecar:\n" + scrape);
                }
            }

            Files.writeString(dir.resolve("rules.yaml"), rules);
            Files.writeString(dir.resolve("prometheus.yml"), """
                    global: {scrape_interval: 1s, evaluation_interval: 1s}
                    rule_files: [rules.yaml]
                    scrape_configs:
                      - job_name: sigcar
                        static_configs:
                          - targets: ["127.0.0.1:%d"]
                            labels: {namespace: demo, pod: echo-0}
                    """.formatted(ports.admin()));
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            prometheus = new ProcessBuilder("prometheus", "--config.file=" + dir.resolve("prometheus.yml"),
                    "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                    "--log.level=warn").redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile())
                    .start();

            Set<String> expected = Set.of("SigcarRejectionRateHigh", "SigcarUpstreamErrors", "SigcarLatencySloBreached");
            Set<String> firing = new TreeSet<>();
            JsonNode ruleStates = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (System.nanoTime() < deadline && !firing.containsAll(expected)) {
                traffic(http, ports.proxy());
                assertTrue(prometheus.isAlive(), () -> "prometheus exited: " + log(dir));
                HttpResponse<String> answer;
                try {
                    answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/rules"))
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                } catch (java.io.IOException notUpYet) {
                    answer = null;
                }
                if (answer == null || answer.statusCode() != 200) { // starting: refused, or 503 until ready
                    Thread.sleep(200);
                    continue;
                }
                ruleStates = JSON.readTree(answer.body());
                firing.clear();
                for (JsonNode r : ruleStates.at("/data/groups").findValues("rules").stream()
                        .flatMap(g -> ((ArrayNode) g).valueStream()).toList()) {
                    assertFalse(r.path("health").asString().equals("err"), () -> "rule failed to evaluate: " + r);
                    if (r.path("state").asString().equals("firing")) {
                        firing.add(r.path("name").asString());
                    }
                }
                Thread.sleep(250);
            }
            assertEquals(expected, firing, () -> "rules: " + firing + "\nprometheus log:\n" + log(dir));
            for (JsonNode r : ruleStates.at("/data/groups").findValues("rules").stream()
                    .flatMap(g -> ((ArrayNode) g).valueStream()).toList()) {
                assertEquals("ok", r.path("health").asString(), () -> "every rule evaluates cleanly: " + r);
            }
            // Native crypto is loaded, keys are loaded, the nonce cache is empty: those alerts stay quiet.
            assertFalse(firing.contains("SigcarCryptoFallback"));
            assertFalse(firing.contains("SigcarNoKeys"));
            assertFalse(firing.contains("SigcarNonceCacheNearlyFull"));
            assertFalse(firing.contains("SigcarReplayStoreUnavailable"));
        } finally {
            if (prometheus != null) {
                prometheus.destroy();
                if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                    prometheus.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
            app.stop(0);
        }
    }

    /** Unsigned requests (rejected) and requests on the allow route (the app answers 500, or 200 on /ok). */
    private static void traffic(HttpClient http, int proxyPort) throws Exception {
        for (int i = 0; i < 5; i++) {
            assertEquals(401, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxyPort + "/api/orders"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode());
            assertEquals(500, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxyPort + "/open"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode());
            assertEquals(200, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxyPort + "/open/ok"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode());
        }
    }

    private static String get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static String log(Path dir) {
        try {
            return Files.readString(dir.resolve("prometheus.log"));
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
