package io.sigcar.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sigcar.crypto.Algorithm;
import io.sigcar.crypto.Crypto;
import io.sigcar.crypto.CryptoConfig;
import io.sigcar.crypto.MacKey;
import io.sigcar.verify.rfc9421.Rfc9421Signer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Every query of the dashboard, and every alert expression we hand to the chart, evaluated by a real
 * Prometheus that scraped a real {@code sigcar proxy} process through a signed load.
 * Namespace and pod come from target labels, as a PodMonitor's relabelling sets them in Kubernetes.
 */
class DashboardPrometheusTest {

    static final String NAMESPACE = "sigcar-test";
    static final String POD = "orders-7d9f6c5b4-x2x9k";

    /**
     * Panels fed only by {@code sigcar inject}, which is built on another branch. Until the injector is a
     * scrape target here (see {@link #injectorTarget()}), these panels must return nothing, and the test
     * says so; once it is wired in they return data, the test fails, and the panel leaves this list.
     */
    static final Set<String> PANELS_NEEDING_THE_INJECTOR = Set.of("Admission reviews/s by result",
            "Pods injected / skipped", "Admission review latency");

    /** Panels whose right value after this load is 0 (checked to be 0, not just present). */
    static final Set<String> PANELS_EXPECTED_ZERO = Set.of("Key reload failures", "Crypto fallback");

    /** What an alert must do after this load: fire, stay quiet, or either (it depends on the machine's speed). */
    enum Expect { FIRES, QUIET, EITHER, NEEDS_THE_INJECTOR }

    /** An alert rule's expression, with the threshold last. */
    record Alert(String name, String expr, Expect expect) {}

    /**
     * The chart's alerts (helm/sigcar/templates/prometheusrule.yaml on the chart branch, commit 16ef1fb, with
     * the default values substituted). After the merge, render that template instead of keeping this copy.
     */
    static final List<Alert> ALERTS = List.of(
            new Alert("SigcarRejectionRateHigh", "sum by (namespace, pod) (rate(sigcar_request_duration_seconds_count"
                    + "{outcome=\"rejected\"}[5m])) / sum by (namespace, pod) (rate(sigcar_request_duration_seconds_count"
                    + "[5m])) > 0.05", Expect.FIRES),
            new Alert("SigcarUpstreamErrors", "((sum by (namespace, pod) (rate(vertx_http_client_responses_total"
                    + "{code=~\"5..\"}[5m])) or 0 * sum by (namespace, pod) (rate(sigcar_request_duration_seconds_count"
                    + "[5m]))) + sum by (namespace, pod) (rate(sigcar_request_duration_seconds_count"
                    + "{outcome=\"upstream_error\"}[5m]))) / sum by (namespace, pod) (rate("
                    + "sigcar_request_duration_seconds_count{outcome=~\"verified|allowed|upstream_error\"}[5m])) > 0.01",
                    Expect.FIRES),
            new Alert("SigcarLatencySloBreached", "histogram_quantile(0.99, sum by (namespace, pod, le) (rate("
                    + "sigcar_request_duration_seconds_bucket{outcome=~\"verified|allowed\"}[5m]))) > 0.025", Expect.EITHER),
            new Alert("SigcarCryptoFallback", "max by (namespace, pod) (sigcar_crypto_fallback) == 1", Expect.QUIET),
            new Alert("SigcarNonceCacheNearlyFull", "max by (namespace, pod) (sigcar_nonce_cache_fill)"
                    + " / max by (namespace, pod) (sigcar_nonce_cache_capacity) > 0.8", Expect.QUIET),
            new Alert("SigcarNoKeys", "max by (namespace, pod) (sigcar_keys_loaded) == 0", Expect.QUIET),
            new Alert("SigcarKeyReloadFailed", "delta(sigcar_keys_reload_failures[15m]) > 0", Expect.QUIET),
            new Alert("SigcarInjectorErrors", "sum by (namespace, pod) (rate(sigcar_injector_reviews_total"
                    + "{result=\"error\"}[5m])) > 0", Expect.NEEDS_THE_INJECTOR));

    static final Crypto CRYPTO = Crypto.create(CryptoConfig.defaults());
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    static final byte[] HMAC_KEY = "a-dashboard-test-hmac-key-of-40-bytes!!!".getBytes(StandardCharsets.US_ASCII);
    static final byte[] BLAKE_KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    static final byte[] WRONG_KEY = "some-other-key-that-is-32-bytes-long!!".getBytes(StandardCharsets.US_ASCII);

    /** The injector's admin endpoint, once {@code sigcar inject} is on this branch; empty until then. */
    static Optional<PrometheusServer.Target> injectorTarget() {
        return Optional.empty();
    }

    @Test
    void everyPanelQueryReturnsSeriesFromARealPrometheus(@TempDir Path dir) throws Exception {
        Path keys = Files.createDirectories(dir.resolve("keys"));
        Files.write(keys.resolve("client-h"), HMAC_KEY);
        Files.write(keys.resolve("client-b"), BLAKE_KEY);
        try (TestApp app = new TestApp();
                SidecarProcess sidecar = new SidecarProcess(dir, keys, app.port())) {
            List<PrometheusServer.Target> targets = new ArrayList<>(List.of(new PrometheusServer.Target("sigcar",
                    sidecar.admin, Map.of("namespace", NAMESPACE, "pod", POD))));
            injectorTarget().ifPresent(targets::add);
            try (PrometheusServer prom = new PrometheusServer(Files.createDirectories(dir.resolve("prometheus")),
                    targets)) {
                prom.awaitTargetsUp(Duration.ofSeconds(60));

                // Warm-up: one round creates the lazily registered series (verify timers, app status codes),
                // and a scrape of it gives every rate below a starting sample from before the main load.
                Load load = new Load(sidecar.proxy);
                load.round(0);
                awaitScraped(prom, load.sent);
                Instant loadStart = Instant.now();
                for (int i = 1; i <= 40; i++) {
                    load.round(i);
                }
                awaitScraped(prom, load.sent);
                Instant at = Instant.now();
                long loadSeconds = Duration.between(loadStart, at).toSeconds();
                String window = Math.max(15, loadSeconds + 5) + "s";
                System.out.printf("dashboard test: %d requests (%s) in %d s, rate window %s%n", load.sent, load.byKind,
                        loadSeconds, window);

                Map<String, String> vars = resolveVariables(prom, new GrafanaDashboard(GrafanaDashboard.FILE), window);
                List<String> failures = new ArrayList<>();
                checkPanels(prom, vars, at, failures);
                checkAlerts(prom, at, failures);
                assertTrue(failures.isEmpty(), failures.size() + " failures:\n" + String.join("\n", failures));
            }
        }
    }

    /** Resolves namespace and pod through their own label_values queries, as Grafana would. */
    private static Map<String, String> resolveVariables(PrometheusServer prom, GrafanaDashboard d, String window) {
        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("__rate_interval", window);
        vars.put("__interval", "5s");
        vars.put("__range", window);
        vars.put("datasource", "prometheus");
        for (GrafanaDashboard.Variable v : d.queryVariables()) {
            String selector = GrafanaDashboard.substitute(v.selector(), vars);
            List<String> values = prom.labelValues(selector, v.label());
            assertFalse(values.isEmpty(), "variable " + v.name() + ": label_values(" + selector + ", " + v.label()
                    + ") is empty");
            vars.put(v.name(), GrafanaDashboard.regexOf(values));
            System.out.printf("variable %s = %s%n", v.name(), values);
            // Every value selected, as with "All" but spelled out, so the test also exercises the (a|b) form
            // once the injector's namespace and pod join the sidecar's.
            String expected = switch (v.name()) {
                case "namespace" -> NAMESPACE;
                case "pod" -> POD;
                default -> throw new AssertionError("unexpected variable " + v.name());
            };
            assertTrue(values.contains(expected), v.name() + " lists " + values + ", not " + expected);
        }
        return vars;
    }

    private static void checkPanels(PrometheusServer prom, Map<String, String> vars, Instant at, List<String> failures)
            throws Exception {
        GrafanaDashboard d = new GrafanaDashboard(GrafanaDashboard.FILE);
        for (GrafanaDashboard.Panel p : d.panels()) {
            boolean needsInjector = PANELS_NEEDING_THE_INJECTOR.contains(p.title());
            double panelMax = Double.NEGATIVE_INFINITY;
            for (GrafanaDashboard.Target t : p.targets()) {
                String expr = GrafanaDashboard.substitute(t.expr(), vars);
                String where = "panel '" + p.title() + "' (id " + p.id() + ") target " + t.refId() + ": " + expr;
                if (expr.contains("$")) {
                    failures.add(where + ": unresolved variable");
                    continue;
                }
                JsonNode result = prom.query(expr, at);
                if (needsInjector) {
                    if (!result.isEmpty()) {
                        failures.add(where + ": returns data, so the injector is wired in now; remove the panel from"
                                + " PANELS_NEEDING_THE_INJECTOR");
                    }
                    continue;
                }
                if (result.isEmpty()) {
                    failures.add(where + ": no series");
                    continue;
                }
                for (JsonNode series : result) {
                    double v = PrometheusServer.value(series);
                    if (!Double.isFinite(v)) {
                        failures.add(where + ": " + series.get("metric") + " = " + v);
                    }
                    panelMax = Math.max(panelMax, v);
                }
                System.out.printf("  %-32s %s  %s%n", p.title(), t.refId(), summary(result));
            }
            if (needsInjector) {
                System.out.printf("  %-32s (needs the injector: no data, as expected until it is wired)%n", p.title());
            } else if (panelMax == Double.NEGATIVE_INFINITY) {
                continue; // no series at all: already reported per target
            } else if (PANELS_EXPECTED_ZERO.contains(p.title())) {
                if (panelMax != 0) {
                    failures.add("panel '" + p.title() + "': expected 0 after this load, max " + panelMax);
                }
            } else if (!(panelMax > 0)) {
                failures.add("panel '" + p.title() + "': every value is 0 after the load (max " + panelMax + ")");
            }
        }
    }

    /** Each alert's expression is valid, finds its metrics, and fires exactly when this load should make it fire. */
    private static void checkAlerts(PrometheusServer prom, Instant at, List<String> failures) {
        for (Alert a : ALERTS) {
            String base = a.expr().replaceAll("\\s*(>|==)\\s*[0-9.]+$", "");
            if (base.equals(a.expr())) {
                failures.add("alert " + a.name() + ": no trailing threshold to strip: " + a.expr());
                continue;
            }
            JsonNode baseResult = prom.query(base, at);
            JsonNode firing = prom.query(a.expr(), at);
            System.out.printf("  alert %-26s value %s, firing %s%n", a.name(), summary(baseResult), !firing.isEmpty());
            if (a.expect() == Expect.NEEDS_THE_INJECTOR) {
                if (!baseResult.isEmpty()) {
                    failures.add("alert " + a.name() + ": finds series, so the injector is wired in now; expect QUIET");
                }
            } else if (baseResult.isEmpty()) {
                failures.add("alert " + a.name() + ": its expression without the threshold has no series: " + base);
            } else if (a.expect() != Expect.EITHER && firing.isEmpty() == (a.expect() == Expect.FIRES)) {
                failures.add("alert " + a.name() + ": expected " + (a.expect() == Expect.FIRES ? "" : "not ")
                        + "to fire: " + a.expr() + " (value " + summary(baseResult) + ")");
            }
        }
    }

    private static String summary(JsonNode result) {
        List<String> parts = new ArrayList<>();
        for (JsonNode s : result) {
            parts.add(s.get("metric").toString().replace("\"", "") + "=" + s.get("value").get(1).asString());
        }
        return String.join(" ", parts);
    }

    /** Polls until Prometheus has scraped as many finished requests as the load sent. */
    private static void awaitScraped(PrometheusServer prom, int sent) throws InterruptedException {
        prom.await("Prometheus to scrape " + sent + " requests", Duration.ofSeconds(30), () ->
                prom.sum("sum(sigcar_request_duration_seconds_count{namespace=\"" + NAMESPACE + "\"})") == sent);
    }

    /** A mixed signed load, each request checked for the status its kind must get. */
    static final class Load {
        final int proxyPort;
        int sent;
        final Map<String, Integer> byKind = new LinkedHashMap<>();

        Load(int proxyPort) {
            this.proxyPort = proxyPort;
        }

        /** Ten requests (valid HMAC, some with nonces; valid BLAKE3; app 500; four refusals), every tenth round one more the app drops. */
        void round(int i) throws Exception {
            long now = Instant.now().getEpochSecond();
            send("hmac", 200, "/api/orders", "client-h", HMAC_KEY, Algorithm.HMAC_SHA256, now, "n-" + i + "-a");
            send("hmac", 200, "/api/orders", "client-h", HMAC_KEY, Algorithm.HMAC_SHA256, now, "n-" + i + "-b");
            send("hmac", 200, "/api/orders", "client-h", HMAC_KEY, Algorithm.HMAC_SHA256, now, null);
            send("blake3", 200, "/api/orders", "client-b", BLAKE_KEY, Algorithm.BLAKE3_KEYED, now, null);
            send("blake3", 200, "/api/orders", "client-b", BLAKE_KEY, Algorithm.BLAKE3_KEYED, now, null);
            send("app-500", 500, "/boom", "client-h", HMAC_KEY, Algorithm.HMAC_SHA256, now, null);
            send("unsigned", 401, "/api/orders", null, null, null, now, null);
            send("wrong-key", 401, "/api/orders", "client-h", WRONG_KEY, Algorithm.HMAC_SHA256, now, null);
            send("stale", 401, "/api/orders", "client-h", HMAC_KEY, Algorithm.HMAC_SHA256, now - 3600, null);
            send("unknown-key", 401, "/api/orders", "nobody", HMAC_KEY, Algorithm.HMAC_SHA256, now, null);
            if (i % 10 == 0) {
                send("app-drop", 502, "/drop", "client-h", HMAC_KEY, Algorithm.HMAC_SHA256, now, null);
            }
        }

        private void send(String kind, int status, String path, String keyId, byte[] key, Algorithm alg, long created,
                String nonce) throws Exception {
            URI uri = URI.create("http://127.0.0.1:" + proxyPort + path + "?id=7");
            byte[] body = "{\"qty\":3}".getBytes(StandardCharsets.UTF_8);
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body));
            if (keyId != null) {
                try (MacKey k = CRYPTO.macKey(alg, key)) {
                    new Rfc9421Signer(CRYPTO).sign(new Rfc9421Signer.Request("POST", uri, Map.of(), body),
                            new Rfc9421Signer.Spec("sig1", List.of("@method", "@authority", "@path", "@query"), keyId,
                                    created, null, nonce, true), k).headers().forEach(b::header);
                }
            }
            HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
            sent++;
            byKind.merge(kind, 1, Integer::sum);
            assertEquals(status, r.statusCode(), kind + " " + path + ": " + r.body());
        }
    }
}
