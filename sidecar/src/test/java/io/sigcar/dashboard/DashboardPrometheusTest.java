package io.sigcar.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sigcar.crypto.Algorithm;
import io.sigcar.crypto.Crypto;
import io.sigcar.crypto.CryptoConfig;
import io.sigcar.crypto.MacKey;
import io.sigcar.inject.TestPkiAccess;
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
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Every query of the dashboard, and every alert expression we hand to the chart, evaluated by a real
 * Prometheus that scraped a real {@code sigcar proxy} process through a signed load, and a real
 * {@code sigcar inject} process answering AdmissionReviews over TLS (injected, skipped and refused pods).
 * Namespace and pod come from target labels, as a PodMonitor's relabelling sets them in Kubernetes.
 * Every panel must return series.
 */
class DashboardPrometheusTest {

    static final String NAMESPACE = "sigcar-test";
    static final String POD = "orders-7d9f6c5b4-x2x9k";
    static final String INJECTOR_NAMESPACE = "sigcar-system";
    static final String INJECTOR_POD = "sigcar-injector-5c8d7f9b6-q4w2z";

    /** Panels whose right value after this load is 0 (checked to be 0, not just present). */
    static final Set<String> PANELS_EXPECTED_ZERO = Set.of("Key reload failures", "Crypto fallback");

    /** What an alert must do after this load: fire, stay quiet, or either (it depends on the machine's speed). */
    enum Expect { FIRES, QUIET, EITHER }

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
            new Alert("SigcarUpstreamErrors", "((sum by (namespace, pod) (rate(sigcar_upstream_responses_total"
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
                    + "{result=\"error\"}[5m])) > 0", Expect.FIRES));

    static final ObjectMapper JSON = new ObjectMapper();
    static final Crypto CRYPTO = Crypto.create(CryptoConfig.defaults());
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    static final byte[] HMAC_KEY = "a-dashboard-test-hmac-key-of-40-bytes!!!".getBytes(StandardCharsets.US_ASCII);
    static final byte[] BLAKE_KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    static final byte[] WRONG_KEY = "some-other-key-that-is-32-bytes-long!!".getBytes(StandardCharsets.US_ASCII);

    @Test
    void everyPanelQueryReturnsSeriesFromARealPrometheus(@TempDir Path dir) throws Exception {
        Path keys = Files.createDirectories(dir.resolve("keys"));
        Files.write(keys.resolve("client-h"), HMAC_KEY);
        Files.write(keys.resolve("client-b"), BLAKE_KEY);
        try (TestApp app = new TestApp();
                SidecarProcess sidecar = new SidecarProcess(dir, keys, app.port());
                InjectorProcess injector = new InjectorProcess(dir, INJECTOR_NAMESPACE)) {
            List<PrometheusServer.Target> targets = List.of(
                    new PrometheusServer.Target("sigcar", sidecar.admin, Map.of("namespace", NAMESPACE, "pod", POD)),
                    new PrometheusServer.Target("sigcar-injector", injector.admin,
                            Map.of("namespace", INJECTOR_NAMESPACE, "pod", INJECTOR_POD)));
            try (PrometheusServer prom = new PrometheusServer(Files.createDirectories(dir.resolve("prometheus")),
                    targets)) {
                prom.awaitTargetsUp(Duration.ofSeconds(60));

                // Warm-up: one round creates the lazily registered series (verify timers, app status codes),
                // and a scrape of it gives every rate below a starting sample from before the main load.
                // The injector's reviews run alongside, every other round, over TLS as the API server sends them.
                Load load = new Load(sidecar.proxy);
                try (Admissions admissions = new Admissions(injector)) {
                    load.round(0);
                    admissions.round(0);
                    awaitScraped(prom, load.sent, admissions.sent);
                    Instant loadStart = Instant.now();
                    for (int i = 1; i <= 40; i++) {
                        load.round(i);
                        if (i % 2 == 0) {
                            admissions.round(i);
                        }
                    }
                    awaitScraped(prom, load.sent, admissions.sent);
                    Instant at = Instant.now();
                    long loadSeconds = Duration.between(loadStart, at).toSeconds();
                    String window = Math.max(15, loadSeconds + 5) + "s";
                    System.out.printf("dashboard test: %d requests (%s), %d admission reviews (%s) in %d s,"
                            + " rate window %s%n", load.sent, load.byKind, admissions.sent, admissions.byCase,
                            loadSeconds, window);

                    Map<String, String> vars = resolveVariables(prom, new GrafanaDashboard(GrafanaDashboard.FILE),
                            window);
                    List<String> failures = new ArrayList<>();
                    checkPanels(prom, vars, at, failures);
                    checkAlerts(prom, at, failures);
                    assertTrue(failures.isEmpty(), failures.size() + " failures:\n" + String.join("\n", failures));
                }
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
            // with the injector's namespace and pod next to the sidecar's.
            List<String> expected = switch (v.name()) {
                case "namespace" -> List.of(INJECTOR_NAMESPACE, NAMESPACE);
                case "pod" -> List.of(POD, INJECTOR_POD);
                default -> throw new AssertionError("unexpected variable " + v.name());
            };
            assertTrue(values.containsAll(expected), v.name() + " lists " + values + ", not all of " + expected);
        }
        return vars;
    }

    private static void checkPanels(PrometheusServer prom, Map<String, String> vars, Instant at, List<String> failures)
            throws Exception {
        GrafanaDashboard d = new GrafanaDashboard(GrafanaDashboard.FILE);
        for (GrafanaDashboard.Panel p : d.panels()) {
            double panelMax = Double.NEGATIVE_INFINITY;
            for (GrafanaDashboard.Target t : p.targets()) {
                String expr = GrafanaDashboard.substitute(t.expr(), vars);
                String where = "panel '" + p.title() + "' (id " + p.id() + ") target " + t.refId() + ": " + expr;
                if (expr.contains("$")) {
                    failures.add(where + ": unresolved variable");
                    continue;
                }
                JsonNode result = prom.query(expr, at);
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
            if (panelMax == Double.NEGATIVE_INFINITY) {
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
            if (baseResult.isEmpty()) {
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

    /** Polls until Prometheus has scraped as many finished requests and reviews as the load sent. */
    private static void awaitScraped(PrometheusServer prom, int sent, int reviews) throws InterruptedException {
        prom.await("Prometheus to scrape " + sent + " requests and " + reviews + " admission reviews",
                Duration.ofSeconds(30), () -> prom.sum("sum(sigcar_request_duration_seconds_count{namespace=\""
                        + NAMESPACE + "\"})") == sent && prom.sum("sum(sigcar_injector_reviews_total{namespace=\""
                        + INJECTOR_NAMESPACE + "\"})") == reviews);
    }

    /**
     * AdmissionReviews of golden-case pods, POSTed over TLS to the injector's /inject as the API server does,
     * each answer checked: two injected, three skipped (not opted in, opted out, hostNetwork), and one
     * refused for a bad annotation, which the injector counts as an error (so SigcarInjectorErrors fires).
     */
    static final class Admissions implements AutoCloseable {
        /** Golden case, and what its answer must be: "patched", "skipped" or "refused". */
        static final Map<String, String> CASES = orderedMap("plain", "patched", "label-opt-in", "patched",
                "not-opted-in", "skipped", "opted-out", "skipped", "host-network", "skipped",
                "bad-annotation", "refused");

        final int port;
        final HttpClient client;
        int sent;
        final Map<String, Integer> byCase = new LinkedHashMap<>();

        Admissions(InjectorProcess injector) {
            this.port = injector.webhook;
            this.client = HttpClient.newBuilder().sslContext(injector.trust).connectTimeout(Duration.ofSeconds(10))
                    .build();
        }

        void round(int i) throws Exception {
            for (Map.Entry<String, String> c : CASES.entrySet()) {
                String uid = c.getKey() + "-" + i;
                HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + port
                        + "/inject")).timeout(Duration.ofSeconds(30)).header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(TestPkiAccess.goldenPodReview(c.getKey(), uid,
                                "apps"))).build(), HttpResponse.BodyHandlers.ofByteArray());
                sent++;
                byCase.merge(c.getKey(), 1, Integer::sum);
                String body = new String(r.body(), StandardCharsets.UTF_8);
                assertEquals(200, r.statusCode(), c.getKey() + ": " + body);
                JsonNode resp = JSON.readTree(r.body()).get("response");
                assertEquals(uid, resp.get("uid").asString(), body);
                switch (c.getValue()) {
                    case "patched" -> assertTrue(resp.get("allowed").asBoolean() && resp.hasNonNull("patch"),
                            c.getKey() + ": " + body);
                    case "skipped" -> assertTrue(resp.get("allowed").asBoolean() && !resp.hasNonNull("patch"),
                            c.getKey() + ": " + body);
                    case "refused" -> assertFalse(resp.get("allowed").asBoolean(), c.getKey() + ": " + body);
                    default -> throw new AssertionError(c.getValue());
                }
            }
        }

        private static Map<String, String> orderedMap(String... kv) {
            Map<String, String> m = new LinkedHashMap<>();
            for (int i = 0; i < kv.length; i += 2) {
                m.put(kv[i], kv[i + 1]);
            }
            return m;
        }

        @Override
        public void close() {
            client.close();
        }
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
