package io.sigcar.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sigcar.config.Field;
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
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RFC 9421 through the whole sidecar: both algorithms, required nonces, and a full nonce cache failing closed. */
class Rfc9421EndToEndTest {

    static final Crypto CRYPTO = Crypto.create(CryptoConfig.defaults());
    static final HttpClient CLIENT = HttpClient.newHttpClient();

    private static HttpResponse<String> send(ProxyHarness proxy, String keyId, byte[] secret, Algorithm alg,
            String body, String nonce, long created) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + proxy.ports.proxy() + "/api/orders?id=7");
        Map<String, String> headers;
        try (MacKey key = CRYPTO.macKey(alg, secret)) {
            headers = new Rfc9421Signer(CRYPTO).sign(new Rfc9421Signer.Request("POST", uri, Map.of(),
                    body.getBytes(StandardCharsets.UTF_8)), new Rfc9421Signer.Spec("sig1",
                    List.of("@method", "@authority", "@path", "@query"), keyId, created, null, nonce, true), key)
                    .headers();
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void bothAlgorithmsVerifyAndRequiredNoncesAreSingleUse(@TempDir Path keys) throws Exception {
        byte[] hmac = "an-hmac-client-key-of-at-least-32-bytes".getBytes(StandardCharsets.US_ASCII);
        byte[] blake = new byte[32];
        new java.security.SecureRandom().nextBytes(blake);
        Files.write(keys.resolve("client-h"), hmac);
        Files.write(keys.resolve("client-b"), blake);
        try (ProxyHarness proxy = new ProxyHarness(keys, Map.of(Field.KEY_ALGORITHMS, "client-b=blake3-keyed",
                Field.REQUIRE_NONCE, "true"), InstantSource.system(), Verifications::build)) {
            long now = Instant.now().getEpochSecond();
            String body = "{\"qty\":3}";
            var ok = send(proxy, "client-h", hmac, Algorithm.HMAC_SHA256, body, "n-1", now);
            assertEquals(200, ok.statusCode(), ok.body());
            assertArrayEquals(body.getBytes(StandardCharsets.UTF_8), proxy.upstream.seen.getLast().body());
            assertEquals("client-h", proxy.upstream.seen.getLast().header("sigcar-key-id"));
            assertEquals(200, send(proxy, "client-b", blake, Algorithm.BLAKE3_KEYED, body, "n-2", now).statusCode());
            int seen = proxy.upstream.seen.size();
            var replay = send(proxy, "client-h", hmac, Algorithm.HMAC_SHA256, body, "n-1", now);
            assertEquals(401, replay.statusCode());
            assertTrue(replay.body().contains("\"reason\":\"replayed\""), replay.body());
            var noNonce = send(proxy, "client-h", hmac, Algorithm.HMAC_SHA256, body, null, now);
            assertTrue(noNonce.body().contains("\"reason\":\"missing_parameter\""), noNonce.body());
            var wrongAlg = send(proxy, "client-b", blake, Algorithm.HMAC_SHA256, body, "n-3", now);
            assertEquals(401, wrongAlg.statusCode());
            assertTrue(wrongAlg.body().contains("\"reason\":\"bad_signature\""), "a key failure looks like any other");
            assertEquals(seen, proxy.upstream.seen.size(), "refused requests never reach the app");
        }
    }

    @Test
    void knownAndUnknownKeyidsAreIndistinguishable(@TempDir Path keys) throws Exception {
        byte[] hmac = "an-hmac-client-key-of-at-least-32-bytes".getBytes(StandardCharsets.US_ASCII);
        Files.write(keys.resolve("client-h"), hmac);
        try (ProxyHarness proxy = new ProxyHarness(keys, Map.of(), InstantSource.system(), Verifications::build)) {
            long now = Instant.now().getEpochSecond();
            var known = send(proxy, "client-h", "another-key-that-is-at-least-32-bytes".getBytes(), Algorithm.HMAC_SHA256,
                    "x", null, now);
            var unknown = send(proxy, "nobody", hmac, Algorithm.HMAC_SHA256, "x", null, now);
            assertEquals(known.statusCode(), unknown.statusCode());
            assertEquals(known.body(), unknown.body());
            assertEquals(known.headers().map().keySet(), unknown.headers().map().keySet());
        }
    }

    @Test
    void aFullNonceCacheFailsClosed(@TempDir Path keys) throws Exception {
        byte[] hmac = "an-hmac-client-key-of-at-least-32-bytes".getBytes(StandardCharsets.US_ASCII);
        Files.write(keys.resolve("client-h"), hmac);
        try (ProxyHarness proxy = new ProxyHarness(keys, Map.of(Field.NONCE_CAPACITY, "64"), InstantSource.system(),
                Verifications::build)) {
            long now = Instant.now().getEpochSecond();
            int accepted = 0;
            int full = 0;
            for (int i = 0; i < 100; i++) {
                int before = proxy.upstream.seen.size();
                var r = send(proxy, "client-h", hmac, Algorithm.HMAC_SHA256, "x", "nonce-" + i, now);
                if (r.statusCode() == 200) {
                    accepted++;
                } else {
                    assertEquals(503, r.statusCode(), r.body());
                    assertTrue(r.body().contains("\"reason\":\"nonce_cache_full\""), r.body());
                    assertEquals(before, proxy.upstream.seen.size(), "a refused request never reaches the app");
                    full++;
                }
            }
            assertTrue(accepted <= 64 && full >= 36, "accepted " + accepted + ", refused " + full);
            assertTrue(proxy.metrics().contains("sigcar_rejections_total{reason=\"nonce_cache_full\"} " + full + ".0"));
        }
    }
}
