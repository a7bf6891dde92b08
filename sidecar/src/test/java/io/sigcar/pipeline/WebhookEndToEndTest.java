package io.sigcar.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.sigcar.config.Field;
import io.sigcar.crypto.Algorithm;
import io.sigcar.crypto.Crypto;
import io.sigcar.crypto.CryptoConfig;
import io.sigcar.crypto.MacKey;
import io.sigcar.verify.preset.GithubPreset;
import io.sigcar.verify.preset.SlackPreset;
import io.sigcar.verify.preset.StripePreset;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Webhook presets through the whole sidecar: real key files, real native crypto, a real
 * app behind it. Valid deliveries arrive byte for byte; every other one arrives nowhere.
 */
class WebhookEndToEndTest {

    @TempDir
    static Path keys;
    static ProxyHarness proxy;
    static final HttpClient CLIENT = HttpClient.newHttpClient();
    static final Crypto CRYPTO = Crypto.create(CryptoConfig.defaults());
    static final byte[] GITHUB_SECRET = "a-github-webhook-secret-of-32-bytes!".getBytes(StandardCharsets.US_ASCII);
    static final byte[] STRIPE_SECRET = "whsec_a-stripe-secret-at-least-32-bytes".getBytes(StandardCharsets.US_ASCII);
    static final byte[] SLACK_SECRET = "a-slack-signing-secret-0123456789ab".getBytes(StandardCharsets.US_ASCII);

    @BeforeAll
    static void start() throws Exception {
        Files.write(keys.resolve("github-1"), GITHUB_SECRET);
        Files.write(keys.resolve("stripe-1"), STRIPE_SECRET);
        Files.write(keys.resolve("slack-1"), SLACK_SECRET);
        proxy = new ProxyHarness(keys, Map.of(
                Field.GITHUB_KEYS, "github-1", Field.STRIPE_KEYS, "stripe-1", Field.SLACK_KEYS, "slack-1",
                Field.ROUTES, "name=github,path=/hooks/github,action=verify,schemes=github;"
                        + "name=stripe,path=/hooks/stripe,action=verify,schemes=stripe;"
                        + "name=slack,path=/hooks/slack,action=verify,schemes=slack"),
                InstantSource.system(), Verifications::build);
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
    }

    private static HttpResponse<String> post(String path, String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.ports.proxy() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Map<String, String> sign(String scheme, byte[] secret, String body, long time) {
        try (MacKey key = CRYPTO.macKey(Algorithm.HMAC_SHA256, secret)) {
            var buf = Unpooled.wrappedBuffer(body.getBytes(StandardCharsets.UTF_8));
            return switch (scheme) {
                case "github" -> GithubPreset.sign(key, buf);
                case "stripe" -> StripePreset.sign(key, buf, time);
                default -> SlackPreset.sign(key, buf, time);
            };
        }
    }

    @Test
    void validDeliveriesReachTheAppExactlyWithTheVerifiedKeyId() throws Exception {
        long now = Instant.now().getEpochSecond();
        for (String[] c : new String[][] {{"github", "github-1"}, {"stripe", "stripe-1"}, {"slack", "slack-1"}}) {
            byte[] secret = c[0].equals("github") ? GITHUB_SECRET : c[0].equals("stripe") ? STRIPE_SECRET : SLACK_SECRET;
            String body = "{\"event\":\"" + c[0] + "\",\"n\":\"\u00e9\"}";
            int before = proxy.upstream.seen.size();
            var r = post("/hooks/" + c[0], body, sign(c[0], secret, body, now));
            assertEquals(200, r.statusCode(), c[0] + ": " + r.body());
            var seen = proxy.upstream.seen.get(before);
            assertArrayEquals(body.getBytes(StandardCharsets.UTF_8), seen.body(), c[0]);
            assertEquals(c[1], seen.header("sigcar-key-id"), c[0]);
        }
    }

    @Test
    void everyBadDeliveryIsRefusedAndNeverForwarded() throws Exception {
        long now = Instant.now().getEpochSecond();
        String body = "{\"amount\":100}";
        Object[][] cases = {
            {"/hooks/github", body.replace("100", "900"), sign("github", GITHUB_SECRET, body, now), 401, "bad_signature"},
            {"/hooks/github", body, Map.of(), 401, "missing_signature"},
            {"/hooks/github", body, sign("github", "another-secret-that-is-32-bytes-long".getBytes(), body, now), 401,
                "bad_signature"},
            {"/hooks/github", body, Map.of("X-Hub-Signature-256", "sha256=zz"), 400, "malformed_signature"},
            {"/hooks/stripe", body, sign("stripe", STRIPE_SECRET, body, now - 301), 401, "stale"},
            {"/hooks/slack", body, sign("slack", SLACK_SECRET, body, now + 400), 401, "from_future"},
            {"/hooks/stripe", body, sign("github", GITHUB_SECRET, body, now), 401, "missing_signature"},
        };
        for (Object[] c : cases) {
            int before = proxy.upstream.seen.size();
            @SuppressWarnings("unchecked")
            var r = post((String) c[0], (String) c[1], (Map<String, String>) c[2]);
            assertEquals(c[3], r.statusCode(), c[0] + " " + c[4] + ": " + r.body());
            assertTrue(r.body().contains("\"reason\":\"" + c[4] + "\""), r.body());
            assertEquals(before, proxy.upstream.seen.size(), c[0] + " " + c[4] + ": the app must see nothing");
        }
    }

    /**
     * Each preset's webhook is single use within its window, through the sidecar's own nonce
     * table: Stripe and Slack by the verified signature (adding a bogus {@code v1} does not make a
     * replay new), GitHub by {@code X-GitHub-Delivery}; a GitHub delivery without the id, which
     * nothing identifies, still verifies each time. The app sees each event once.
     */
    @Test
    void replayedWebhooksAreRefusedAndNeverForwarded() throws Exception {
        long now = Instant.now().getEpochSecond();
        String body = "{\"event\":\"once\",\"at\":" + System.nanoTime() + "}";
        Map<String, String> stripe = sign("stripe", STRIPE_SECRET, body, now);
        Map<String, String> slack = sign("slack", SLACK_SECRET, body, now);
        Map<String, String> github = new java.util.HashMap<>(sign("github", GITHUB_SECRET, body, now));
        github.put("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-" + System.nanoTime());
        Map<String, String> stripeReordered = Map.of("Stripe-Signature", stripe.get("Stripe-Signature")
                + ",v1=" + "0".repeat(64));
        Object[][] cases = {
            {"/hooks/stripe", stripe, stripeReordered},
            {"/hooks/slack", slack, slack},
            {"/hooks/github", github, github},
        };
        for (Object[] c : cases) {
            @SuppressWarnings("unchecked")
            Map<String, String> first = (Map<String, String>) c[1];
            @SuppressWarnings("unchecked")
            Map<String, String> again = (Map<String, String>) c[2];
            int before = proxy.upstream.seen.size();
            assertEquals(200, post((String) c[0], body, first).statusCode(), c[0] + " first delivery");
            var replay = post((String) c[0], body, again);
            assertEquals(401, replay.statusCode(), c[0] + " replay: " + replay.body());
            assertTrue(replay.body().contains("\"reason\":\"replayed\""), replay.body());
            assertEquals(before + 1, proxy.upstream.seen.size(), c[0] + ": the app saw the event once");
        }
        Map<String, String> noId = sign("github", GITHUB_SECRET, body + " ", now);
        assertEquals(200, post("/hooks/github", body + " ", noId).statusCode());
        assertEquals(200, post("/hooks/github", body + " ", noId).statusCode(), "without an id, nothing to refuse by");
    }

    @Test
    void singleUseCanBeTurnedOff(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("stripe-1"), STRIPE_SECRET);
        try (ProxyHarness off = new ProxyHarness(dir, Map.of(Field.STRIPE_KEYS, "stripe-1",
                Field.WEBHOOK_SINGLE_USE, "false", Field.ROUTES, "name=stripe,path=/,action=verify,schemes=stripe"),
                InstantSource.system(), Verifications::build)) {
            String body = "{\"event\":\"twice\"}";
            Map<String, String> stripe = sign("stripe", STRIPE_SECRET, body, Instant.now().getEpochSecond());
            for (int i = 0; i < 2; i++) {
                HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + off.ports.proxy() + "/"))
                        .POST(HttpRequest.BodyPublishers.ofString(body));
                stripe.forEach(b::header);
                assertEquals(200, CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            }
            assertEquals(2, off.upstream.seen.size());
        }
    }

    @Test
    void wrongKeyAndUnknownKeyAnswersAreByteIdentical() throws Exception {
        String body = "x";
        var wrong = post("/hooks/github", body, sign("github", "another-secret-that-is-32-bytes-long".getBytes(), body, 0));
        var tampered = post("/hooks/github", body + "y", sign("github", GITHUB_SECRET, body, 0));
        assertEquals(wrong.body(), tampered.body());
        assertEquals(wrong.headers().map().get("content-type"), tampered.headers().map().get("content-type"));
        assertEquals(io.sigcar.reject.Responder.body(io.sigcar.reject.Reason.UNKNOWN_KEY).toString(), wrong.body());
    }

    @Test
    void verifyHistogramAndKeyGaugesAreExported() throws Exception {
        long now = Instant.now().getEpochSecond();
        post("/hooks/slack", "m", sign("slack", SLACK_SECRET, "m", now));
        String m = proxy.metrics();
        assertTrue(m.contains("sigcar_verify_duration_seconds_bucket{alg=\"hmac-sha256\",scheme=\"slack\""), m);
        assertTrue(m.contains("sigcar_keys_loaded 3.0"), m);
        assertTrue(m.contains("sigcar_nonce_cache_capacity "), m);
    }
}
