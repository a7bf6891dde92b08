package io.sigcar.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sigcar.config.Field;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * At twice its capacity the sidecar sheds at once (503 {@code overloaded}, Retry-After) instead
 * of queueing, never lets more than {@code max-in-flight} reach the app, refuses connections over
 * {@code max-connections}, and serves normally again once the load stops.
 */
class OverloadTest {

    static final int MAX_IN_FLIGHT = 20;

    @TempDir
    Path keys;

    record Answer(int status, String body, String retryAfter, long millis) {}

    @Test
    void twiceTheInFlightLimitShedsFastAndRecovers() throws Exception {
        try (FaultyApp app = new FaultyApp();
                ProxyHarness proxy = new ProxyHarness(app.port(), keys, Map.of(Field.ROUTES,
                        "name=all,path=/,action=allow", Field.MAX_IN_FLIGHT, String.valueOf(MAX_IN_FLIGHT),
                        Field.AUDIT, "false"), InstantSource.system(), ProxyHarness::none)) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            assertEquals(200, client.send(get(proxy, "/ok"), HttpResponse.BodyHandlers.discarding()).statusCode());
            List<CompletableFuture<Answer>> load = new ArrayList<>();
            for (int i = 0; i < 2 * MAX_IN_FLIGHT; i++) {
                long start = System.nanoTime();
                load.add(client.sendAsync(get(proxy, "/hold"), HttpResponse.BodyHandlers.ofString())
                        .thenApply(r -> new Answer(r.statusCode(), r.body(), r.headers().firstValue("retry-after")
                                .orElse(null), (System.nanoTime() - start) / 1_000_000)));
            }
            // The app holds what got in; everything else must already be answered.
            Load.await("half the load held by the app, the other half shed", 20_000,
                    () -> app.arrivals.get() == MAX_IN_FLIGHT + 1
                            && load.stream().filter(CompletableFuture::isDone).count() == MAX_IN_FLIGHT);
            long[] shedMillis = load.stream().filter(CompletableFuture::isDone).map(CompletableFuture::join)
                    .peek(a -> {
                        assertEquals(503, a.status());
                        assertTrue(a.body().contains("\"reason\":\"overloaded\""), a.body());
                        assertEquals("1", a.retryAfter());
                    }).mapToLong(Answer::millis).toArray();
            String metrics = proxy.metrics();
            assertEquals(MAX_IN_FLIGHT, Load.sample(metrics, "sigcar_requests_inflight"));
            assertEquals(MAX_IN_FLIGHT, Load.sample(metrics, "sigcar_rejections_total{reason=\"overloaded\"}"));
            System.out.printf("overload: %d of %d shed, shed answer p50 %d ms, max %d ms%n", shedMillis.length,
                    load.size(), Load.percentile(shedMillis, 50), Load.percentile(shedMillis, 100));

            app.release();
            for (var f : load) {
                Answer a = f.get(10, TimeUnit.SECONDS);
                assertTrue(a.status() == 200 || a.status() == 503, "only served or shed: " + a);
            }
            assertEquals(MAX_IN_FLIGHT, load.stream().map(CompletableFuture::join).filter(a -> a.status() == 200).count());
            assertTrue(app.maxConcurrent.get() <= MAX_IN_FLIGHT, "the app saw " + app.maxConcurrent.get() + " at once");
            Load.await("in-flight back to 0", 5_000,
                    () -> Load.sample(proxy.metrics(), "sigcar_requests_inflight") == 0);
            // Recovered: a full window of concurrent requests is served again.
            List<CompletableFuture<HttpResponse<String>>> after = new ArrayList<>();
            for (int i = 0; i < MAX_IN_FLIGHT; i++) {
                after.add(client.sendAsync(get(proxy, "/ok"), HttpResponse.BodyHandlers.ofString()));
            }
            for (var f : after) {
                assertEquals(200, f.get(10, TimeUnit.SECONDS).statusCode());
            }
        }
    }

    @Test
    void connectionsOverTheLimitAreClosedAtOnceAndFreedSlotsAreReused() throws Exception {
        try (FaultyApp app = new FaultyApp();
                ProxyHarness proxy = new ProxyHarness(app.port(), keys, Map.of(Field.ROUTES,
                        "name=all,path=/,action=allow", Field.MAX_CONNECTIONS, "10", Field.AUDIT, "false"),
                        InstantSource.system(), ProxyHarness::none)) {
            List<Socket> open = new ArrayList<>();
            try {
                for (int i = 0; i < 10; i++) {
                    Socket s = connect(proxy);
                    assertTrue(exchange(s).startsWith("HTTP/1.1 200"), "connection " + i + " is served");
                    open.add(s);
                }
                assertEquals(10, Load.sample(proxy.metrics(), "sigcar_connections_active"));
                long start = System.nanoTime();
                try (Socket extra = connect(proxy)) {
                    String got = exchange(extra);
                    assertFalse(got.startsWith("HTTP/1.1 200"), "the 11th connection must not be served: " + got);
                }
                long refusedMillis = (System.nanoTime() - start) / 1_000_000;
                assertTrue(refusedMillis < 2_000, "refused in " + refusedMillis + " ms");
                assertEquals(1, Load.sample(proxy.metrics(), "sigcar_rejections_total{reason=\"overloaded\"}"));

                open.removeFirst().close();
                Load.await("the closed slot to be freed", 5_000,
                        () -> Load.sample(proxy.metrics(), "sigcar_connections_active") == 9);
                try (Socket again = connect(proxy)) {
                    assertTrue(exchange(again).startsWith("HTTP/1.1 200"), "a freed slot is usable again");
                }
            } finally {
                for (Socket s : open) {
                    s.close();
                }
            }
        }
    }

    @Test
    void connectionsThatSendNothingCountAgainstTheLimitFromTheirAccept() throws Exception {
        try (FaultyApp app = new FaultyApp();
                ProxyHarness proxy = new ProxyHarness(app.port(), keys, Map.of(Field.ROUTES,
                        "name=all,path=/,action=allow", Field.MAX_CONNECTIONS, "10", Field.AUDIT, "false"),
                        InstantSource.system(), ProxyHarness::none)) {
            List<Socket> silent = new ArrayList<>();
            try {
                for (int i = 0; i < 10; i++) {
                    silent.add(connect(proxy)); // not a byte: Vert.x has not seen these connections yet
                }
                Load.await("ten silent connections counted", 5_000,
                        () -> Load.sample(proxy.metrics(), "sigcar_connections_active") == 10);
                try (Socket extra = connect(proxy)) {
                    String got = exchange(extra);
                    assertFalse(got.startsWith("HTTP/1.1 200"), "the 11th connection must not be served: " + got);
                }
                assertEquals(1, Load.sample(proxy.metrics(), "sigcar_rejections_total{reason=\"overloaded\"}"));
                assertEquals(0, app.arrivals.get(), "nothing reached the app");
                silent.removeFirst().close();
                Load.await("the silent slot to be freed", 5_000,
                        () -> Load.sample(proxy.metrics(), "sigcar_connections_active") == 9);
                try (Socket again = connect(proxy)) {
                    assertTrue(exchange(again).startsWith("HTTP/1.1 200"), "a freed slot is usable again");
                }
            } finally {
                for (Socket s : silent) {
                    s.close();
                }
            }
        }
    }

    private static HttpRequest get(ProxyHarness proxy, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.ports.proxy() + path))
                .timeout(Duration.ofSeconds(20)).build();
    }

    private static Socket connect(ProxyHarness proxy) throws Exception {
        Socket s = new Socket("127.0.0.1", proxy.ports.proxy());
        s.setSoTimeout(5_000);
        return s;
    }

    /** One keep-alive GET; the answer's bytes, or what arrived before the connection ended. */
    private static String exchange(Socket s) throws Exception {
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        try {
            out.write("GET /ok HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            StringBuilder got = new StringBuilder();
            byte[] buf = new byte[4096];
            for (int n; (n = in.read(buf)) >= 0; ) {
                got.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                if (got.toString().endsWith("\r\n\r\nok")) {
                    break;
                }
            }
            return got.toString();
        } catch (java.net.SocketException reset) {
            return "reset: " + reset.getMessage();
        }
    }
}
