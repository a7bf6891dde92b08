package io.sigcar.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.sigcar.config.ConfigException;
import io.sigcar.config.Field;
import io.sigcar.crypto.Algorithm;
import io.sigcar.crypto.Crypto;
import io.sigcar.crypto.CryptoConfig;
import io.sigcar.crypto.MacKey;
import io.sigcar.verify.preset.StripePreset;
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
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two sidecars, as two replicas of one Deployment, sharing a real {@code redis-server}
 * ({@code replay-store: redis://}, password from a file): a nonce or a webhook accepted by one is
 * refused by the other; with Redis gone, requests that need the check get 503
 * {@code replay_store_unavailable} and reach no app, and once it is back the same request (the
 * client's retry) is accepted.
 */
class SharedReplayTest {

    static final Crypto CRYPTO = Crypto.create(CryptoConfig.defaults());
    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final byte[] SECRET = "an-hmac-client-key-of-at-least-32-bytes".getBytes(StandardCharsets.US_ASCII);
    static final byte[] STRIPE = "whsec_a-stripe-secret-at-least-32-bytes".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    private Map<Field, String> settings(RedisServer redis, Path passwordFile) {
        return Map.of(Field.REQUIRE_NONCE, "true", Field.STRIPE_KEYS, "stripe-1", Field.AUDIT, "false",
                Field.REQUIRED_COMPONENTS, "@method,@path",
                Field.REPLAY_STORE, "redis://127.0.0.1:" + redis.port + "/0",
                Field.REPLAY_STORE_PASSWORD_FILE, passwordFile.toString(), Field.REPLAY_STORE_TIMEOUT, "500ms",
                Field.ROUTES, "name=stripe,path=/hooks/stripe,action=verify,schemes=stripe;name=api,path=/,action=verify");
    }

    @Test
    void replicasShareNoncesAndWebhooksAndFailClosedWithoutTheStore() throws Exception {
        Path keys = Files.createDirectory(dir.resolve("keys"));
        Files.write(keys.resolve("client-h"), SECRET);
        Files.write(keys.resolve("stripe-1"), STRIPE);
        Path password = Files.writeString(dir.resolve("redis-password"), "a-redis-password-from-a-secret\n");
        try (RedisServer redis = new RedisServer(dir.resolve("redis"), "a-redis-password-from-a-secret");
                ProxyHarness a = new ProxyHarness(keys, settings(redis, password), InstantSource.system(),
                        Verifications::build);
                ProxyHarness b = new ProxyHarness(keys, settings(redis, password), InstantSource.system(),
                        Verifications::build)) {
            long now = Instant.now().getEpochSecond();
            Map<String, String> signed = rfc9421("n-" + System.nanoTime(), now);
            assertEquals(200, send(a, "/api/orders", signed).statusCode(), "first use, on replica A");
            var onB = send(b, "/api/orders", signed);
            assertEquals(401, onB.statusCode(), onB.body());
            assertTrue(onB.body().contains("\"reason\":\"replayed\""), onB.body());
            var againOnA = send(a, "/api/orders", signed);
            assertTrue(againOnA.body().contains("\"reason\":\"replayed\""), "A's own table: " + againOnA.body());

            Map<String, String> stripe;
            try (MacKey k = CRYPTO.macKey(Algorithm.HMAC_SHA256, STRIPE)) {
                stripe = StripePreset.sign(k, Unpooled.wrappedBuffer(body()), now);
            }
            assertEquals(200, send(b, "/hooks/stripe", stripe).statusCode(), "a Stripe event, on replica B");
            var stripeOnA = send(a, "/hooks/stripe", stripe);
            assertTrue(stripeOnA.body().contains("\"reason\":\"replayed\""), stripeOnA.body());
            assertEquals(1, a.upstream.seen.size(), "A forwarded its one first use");
            assertEquals(1, b.upstream.seen.size(), "B forwarded its one first use");

            redis.kill();
            Map<String, String> retried = rfc9421("n-" + System.nanoTime(), now);
            long t0 = System.nanoTime();
            var down = send(a, "/api/orders", retried);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(503, down.statusCode(), down.body());
            assertTrue(down.body().contains("\"reason\":\"replay_store_unavailable\""), down.body());
            assertEquals(1, a.upstream.seen.size(), "nothing was forwarded without the check");
            assertTrue(a.metrics().contains("sigcar_replay_store_up 0.0"), "the state gauge shows it");
            assertTrue(Load.sample(a.metrics(), "sigcar_replay_store_errors_total") >= 1);
            // Requests that need no nonce check do not depend on the store.
            System.out.printf("replay store down: 503 after %d ms (timeout 500 ms)%n", ms);

            redis.start();
            Load.await("the sidecar to reach Redis again", 10_000, () -> send(a, "/api/orders", retried)
                    .statusCode() == 200);
            assertEquals(2, a.upstream.seen.size(), "the retry, judged afresh, went through once");
            var retryOnB = send(b, "/api/orders", retried);
            assertTrue(retryOnB.body().contains("\"reason\":\"replayed\""), retryOnB.body());
            assertTrue(a.metrics().contains("sigcar_replay_store_up 1.0"));

            // Up but silent: the timeout decides, not the socket.
            redis.signal("STOP");
            Map<String, String> stuck = rfc9421("n-" + System.nanoTime(), now);
            t0 = System.nanoTime();
            var slow = send(a, "/api/orders", stuck);
            long slowMs = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(503, slow.statusCode(), slow.body());
            assertTrue(slow.body().contains("\"reason\":\"replay_store_unavailable\""), slow.body());
            assertTrue(slowMs >= 450, "answered at the 500 ms timeout, not before: " + slowMs + " ms");
            redis.signal("CONT");
            Load.await("the sidecar to get answers again", 10_000, () -> send(a, "/api/orders", stuck)
                    .statusCode() == 200);
            System.out.printf("replay store silent: 503 after %d ms (timeout 500 ms)%n", slowMs);
            assertEquals(3, a.upstream.seen.size());
            assertTrue(Load.sample(a.metrics(), "sigcar_replay_store_duration_seconds_count") >= 6);
        }
    }

    @Test
    void aPasswordInTheUriIsRefusedAndNamed() throws Exception {
        Path keys = Files.createDirectory(dir.resolve("keys"));
        var e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class, () -> new ProxyHarness(keys,
                Map.of(Field.REPLAY_STORE, "redis://:hunter2@127.0.0.1:6379"), InstantSource.system(),
                Verifications::build));
        assertTrue(e.getMessage().contains("replay-store"), e.getMessage());
        assertTrue(e.getMessage().contains("replay-store-password-file"), e.getMessage());
        assertTrue(!e.getMessage().contains("hunter2"), "the password is not echoed: " + e.getMessage());
    }

    private static byte[] body() {
        return "{\"order\":42}".getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, String> rfc9421(String nonce, long created) throws Exception {
        try (MacKey key = CRYPTO.macKey(Algorithm.HMAC_SHA256, SECRET)) {
            return new Rfc9421Signer(CRYPTO).sign(new Rfc9421Signer.Request("POST",
                    URI.create("http://sidecar/api/orders"), Map.of(), body()), new Rfc9421Signer.Spec("sig1",
                    List.of("@method", "@path"), "client-h", created, null, nonce, true), key).headers();
        }
    }

    private static HttpResponse<String> send(ProxyHarness proxy, String path, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.ports.proxy() + path))
                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofByteArray(body()));
        headers.forEach(b::header);
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
