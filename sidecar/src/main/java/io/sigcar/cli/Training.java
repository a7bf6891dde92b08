package io.sigcar.cli;

import io.netty.buffer.Unpooled;
import io.sigcar.crypto.Algorithm;
import io.sigcar.crypto.Crypto;
import io.sigcar.crypto.MacKey;
import io.sigcar.verify.preset.GithubPreset;
import io.sigcar.verify.preset.SlackPreset;
import io.sigcar.verify.preset.StripePreset;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The AOT training workload ({@code demo --train}): the request paths a sidecar serves, sent for
 * a while through the demo's sidecar so that the JVM's AOT cache records them, classes and
 * method profiles both (JEP 483, 515). Every scheme, POST and GET, HTTP/1.1 keep-alive and h2c,
 * accepted requests and refused ones, from a few clients at once so the event loop sees
 * concurrency as it does in a pod.
 */
final class Training {

    private static final int CLIENTS = 4;

    private final Crypto crypto;
    private final Map<String, byte[]> secrets;
    private final String base;
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicInteger unexpected = new AtomicInteger();
    /** The first unexpected answers, for the message. */
    private final java.util.Queue<String> surprises = new java.util.concurrent.ConcurrentLinkedQueue<>();

    Training(Crypto crypto, Map<String, byte[]> secrets, String base) {
        this.crypto = crypto;
        this.secrets = secrets;
        this.base = base;
    }

    /** Sends until {@code length} has passed; returns how many answers were not the expected status. */
    int run(Duration length) throws Exception {
        long end = System.nanoTime() + length.toNanos();
        List<Future<?>> clients = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < CLIENTS; i++) {
                // Three clients on HTTP/1.1 (what most callers speak), one on h2c.
                HttpClient http = HttpClient.newBuilder()
                        .version(i == 0 ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1).build();
                clients.add(threads.submit(() -> {
                    while (System.nanoTime() < end) {
                        round(http);
                    }
                    return null;
                }));
            }
            for (Future<?> c : clients) {
                c.get();
            }
        }
        return unexpected.get();
    }

    int sent() {
        return sent.get();
    }

    /** Up to three of the unexpected answers: request, expected and actual status, the reason code. */
    List<String> surprises() {
        return List.copyOf(surprises);
    }

    /** One of each request; bodies and nonces differ per round, as webhooks and nonces are single use. */
    private void round(HttpClient http) throws Exception {
        long n = sequence.incrementAndGet();
        long now = Instant.now().getEpochSecond();
        // Not the tour's body: its Stripe and Slack events, signed in the same second, would be replays.
        String body = "{\"training\":" + n + ",\"amount\":\"19.99\"}";
        String api = base + "/api/orders?id=" + n;
        send(http, "POST", api, body, rfc("demo-hmac", "hmac-sha256", "POST", api, body, now, "train-h-" + n), 200);
        send(http, "POST", api, body, rfc("demo-blake3", "blake3-keyed", "POST", api, body, now, null), 200);
        send(http, "GET", api, "", rfc("demo-hmac", "hmac-sha256", "GET", api, "", now, null), 200);
        send(http, "POST", base + "/hooks/github", body, preset("github", body, now), 200);
        send(http, "POST", base + "/hooks/stripe", body, preset("stripe", body, now), 200);
        send(http, "POST", base + "/hooks/slack", body, preset("slack", body, now), 200);
        send(http, "GET", base + "/healthz", "", Map.of(), 200);
        send(http, "POST", api, body, Map.of(), 401);
        send(http, "POST", base + "/hooks/github", body + " ", preset("github", body, now), 401);
    }

    private Map<String, String> rfc(String keyId, String alg, String method, String uri, String body, long created,
            String nonce) {
        return Rfc9421Signing.sign(crypto, URI.create(uri), method, Map.of(), body.getBytes(StandardCharsets.UTF_8),
                secrets.get(keyId), keyId, alg, created, nonce);
    }

    private Map<String, String> preset(String scheme, String body, long now) {
        return webhook(crypto, secrets.get(scheme), scheme, body, now);
    }

    /** The headers a webhook sender ({@code github}, {@code stripe} or {@code slack}) signs {@code body} with. */
    static Map<String, String> webhook(Crypto crypto, byte[] secret, String scheme, String body, long now) {
        try (MacKey k = crypto.macKey(Algorithm.HMAC_SHA256, secret)) {
            var buf = Unpooled.wrappedBuffer(body.getBytes(StandardCharsets.UTF_8));
            return switch (scheme) {
                case "github" -> GithubPreset.sign(k, buf);
                case "stripe" -> StripePreset.sign(k, buf, now);
                default -> SlackPreset.sign(k, buf, now);
            };
        }
    }

    private void send(HttpClient http, String method, String uri, String body, Map<String, String> headers, int expect)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(uri)).method(method, body.isEmpty()
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        sent.incrementAndGet();
        if (r.statusCode() != expect && unexpected.incrementAndGet() <= 3) {
            surprises.add(method + " " + URI.create(uri).getPath() + " (" + r.version() + "): expected " + expect
                    + ", got " + r.statusCode() + " " + r.body().strip());
        }
    }
}
