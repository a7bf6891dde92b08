package io.sigcar.pipeline;

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
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A WebSocket upgrade passes through only once its handshake request verified; then frames flow both ways. */
class WebSocketTest {

    @Test
    void verifiedUpgradePassesAndUnsignedIsRefused(@TempDir Path keys) throws Exception {
        byte[] secret = "a-websocket-client-key-of-32-bytes!!".getBytes(StandardCharsets.US_ASCII);
        Files.write(keys.resolve("ws-client"), secret);
        try (ProxyHarness proxy = new ProxyHarness(keys, Map.of(Field.ROUTES,
                "name=open,path=/open/,action=allow"), InstantSource.system(), Verifications::build)) {
            URI uri = URI.create("ws://127.0.0.1:" + proxy.ports.proxy() + "/live?room=1");

            int before = proxy.upstream.seen.size();
            var unsigned = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(uri, new Collect());
            var refused = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class, unsigned::join);
            assertTrue(refused.getCause() instanceof WebSocketHandshakeException, refused.toString());
            assertEquals(401, ((WebSocketHandshakeException) refused.getCause()).getResponse().statusCode());
            assertEquals(before, proxy.upstream.seen.size(), "an unsigned handshake never reaches the app");

            Map<String, String> headers;
            Crypto crypto = Crypto.create(CryptoConfig.defaults());
            try (MacKey key = crypto.macKey(Algorithm.HMAC_SHA256, secret)) {
                URI httpUri = URI.create("http://127.0.0.1:" + proxy.ports.proxy() + "/live?room=1");
                headers = new Rfc9421Signer(crypto).sign(new Rfc9421Signer.Request("GET", httpUri, Map.of(),
                        new byte[0]), new Rfc9421Signer.Spec("sig1", List.of("@method", "@authority", "@path",
                        "@query"), "ws-client", Instant.now().getEpochSecond(), null, null, true), key).headers();
            }
            Collect messages = new Collect();
            WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder();
            headers.forEach(builder::header);
            WebSocket ws = builder.buildAsync(uri, messages).get(10, TimeUnit.SECONDS);
            ws.sendText("hello", true).get(10, TimeUnit.SECONDS);
            assertEquals("echo:hello", messages.next.get(10, TimeUnit.SECONDS));
            var handshake = proxy.upstream.seen.getLast();
            assertEquals("WEBSOCKET", handshake.method());
            assertEquals("ws-client", handshake.header("sigcar-key-id"));
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
            ws.abort(); // the client's end of the tunnel is gone
            // A closed tunnel gives its max-connections slot back (it once kept it for good).
            Load.await("the tunnel's connection slot to be released", 5_000,
                    () -> Load.sample(proxy.metrics(), "sigcar_connections_active") == 0);
        }
    }

    /**
     * The extensions a client offers are the app's to accept: the 101 carries the app's answer and
     * nothing of the sidecar's own (an offer accepted twice is a failed handshake to browsers). The
     * sidecar's server has no WebSocket extension handler at all.
     */
    @Test
    void theAppAloneAnswersTheExtensionOffer(@TempDir Path keys) throws Exception {
        Files.write(keys.resolve("unused"), "a-key-the-open-route-never-asks-for".getBytes(StandardCharsets.US_ASCII));
        try (ProxyHarness proxy = new ProxyHarness(keys, Map.of(Field.ROUTES,
                "name=open,path=/open/,action=allow"), InstantSource.system(), Verifications::build);
             java.net.Socket s = new java.net.Socket("127.0.0.1", proxy.ports.proxy())) {
            s.getOutputStream().write(("GET /open/live HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String answer = ForwardingTest.readHead(s).toLowerCase(java.util.Locale.ROOT);
            assertTrue(answer.startsWith("http/1.1 101"), answer);
            // The app (Vert.x, deflate on) accepts the offer once; the relayed head says so once.
            assertEquals(1, answer.split("permessage-deflate", -1).length - 1, answer);
        }
    }

    /** Hands the first text message to a future. */
    static final class Collect implements WebSocket.Listener {
        final CompletableFuture<String> next = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                next.complete(partial.toString());
            }
            webSocket.request(1);
            return null;
        }
    }
}
