package io.sigcar.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sigcar.config.Field;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The app fails in each way it can: not listening (502 fast), too slow (504 at the timeout),
 * dropping the connection mid-response (the client sees the cut, never a hang). Afterwards
 * nothing is left behind: no request in flight, no upstream request open, no buffer growth.
 */
class UpstreamFaultTest {

    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static final Map<Field, String> SETTINGS = Map.of(Field.ROUTES, "name=all,path=/,action=allow",
            Field.UPSTREAM_TIMEOUT, "1s", Field.UPSTREAM_CONNECT_TIMEOUT, "1s", Field.AUDIT, "false");

    @TempDir
    Path keys;

    @Test
    void appNotListeningIs502InUnderASecond() throws Exception {
        int nobody = SidecarProcess.freePort();
        try (ProxyHarness proxy = new ProxyHarness(nobody, keys, SETTINGS, InstantSource.system(), ProxyHarness::none)) {
            for (int i = 0; i < 5; i++) {
                long start = System.nanoTime();
                HttpResponse<String> r = CLIENT.send(get(proxy, "/x"), HttpResponse.BodyHandlers.ofString());
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertEquals(502, r.statusCode());
                assertTrue(r.body().contains("\"reason\":\"upstream_unavailable\""), r.body());
                assertTrue(millis < 1_000, "502 took " + millis + " ms");
            }
        }
    }

    @Test
    void slowAppIs504AtTheUpstreamTimeout() throws Exception {
        try (FaultyApp app = new FaultyApp();
                ProxyHarness proxy = new ProxyHarness(app.port(), keys, SETTINGS, InstantSource.system(),
                        ProxyHarness::none)) {
            long start = System.nanoTime();
            HttpResponse<String> r = CLIENT.send(get(proxy, "/slow?ms=4000"), HttpResponse.BodyHandlers.ofString());
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(504, r.statusCode());
            assertTrue(r.body().contains("\"reason\":\"upstream_timeout\""), r.body());
            assertTrue(millis >= 950 && millis < 3_000, "504 after " + millis + " ms with upstream-timeout 1s");
        }
    }

    @Test
    void appDroppingTheConnectionMidResponseCutsTheClientToo() throws Exception {
        try (FaultyApp app = new FaultyApp();
                ProxyHarness proxy = new ProxyHarness(app.port(), keys, SETTINGS, InstantSource.system(),
                        ProxyHarness::none)) {
            String got = readUntilClosed(proxy, "/reset");
            assertTrue(got.startsWith("HTTP/1.1 200"), "the head was already relayed: " + got.lines().findFirst());
            assertTrue(got.contains("content-length: 100000"), "the promised length is passed on");
            int body = got.length() - got.indexOf("\r\n\r\n") - 4;
            assertTrue(body < 100_000, "the client can tell the body was cut: " + body + " bytes");
        }
    }

    @Test
    void aClientThatLeavesBeforeTheAnswerIsNotTheAppsFailure() throws Exception {
        // The client's app connection closes with it; that close must not be read as the app failing.
        try (FaultyApp app = new FaultyApp();
                ProxyHarness proxy = new ProxyHarness(app.port(), keys, SETTINGS, InstantSource.system(),
                        ProxyHarness::none)) {
            int clients = 20;
            for (int i = 0; i < clients; i++) {
                try (Socket s = new Socket("127.0.0.1", proxy.ports.proxy())) {
                    s.getOutputStream().write("GET /slow?ms=400 HTTP/1.1\r\nHost: a\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    Thread.sleep(50); // the request is at the app by now
                }
            }
            settle(proxy);
            String metrics = proxy.metrics();
            assertEquals(clients, Load.sample(metrics, "sigcar_rejections_total{reason=\"client_closed\"}"), metrics);
            assertEquals(0, Load.sample(metrics, "sigcar_rejections_total{reason=\"upstream_unavailable\"}"), metrics);
        }
    }

    private static final int WARM_ROUNDS = 7;
    private static final int ROUNDS = 12;

    @Test
    void faultsLeaveNoRequestsConnectionsOrBuffersBehind() throws Exception {
        try (FaultyApp app = new FaultyApp();
                ProxyHarness proxy = new ProxyHarness(app.port(), keys, SETTINGS, InstantSource.system(),
                        ProxyHarness::none)) {
            // Netty's allocator takes on chunks over the first rounds (2.0-2.3 MiB after one round,
            // 2.4-3.0 MiB after 7 to 11, with or without a leak): the baseline is taken once it has.
            for (int i = 0; i < WARM_ROUNDS; i++) {
                faultRound(proxy);
            }
            settle(proxy);
            double warm = Load.sample(proxy.metrics(), "sigcar_buffers_direct_bytes");
            for (int i = 0; i < ROUNDS; i++) {
                faultRound(proxy);
            }
            settle(proxy);
            String metrics = proxy.metrics();
            double direct = Load.sample(metrics, "sigcar_buffers_direct_bytes");
            System.getLogger(UpstreamFaultTest.class.getName()).log(System.Logger.Level.INFO, String.format(
                    "faults: direct memory %.0f KiB after %d rounds, %.0f KiB after %d more", warm / 1024, WARM_ROUNDS,
                    direct / 1024, ROUNDS));
            // 12 rounds leaking even one 100 kB relay each would add > 1 MiB.
            assertTrue(direct - warm < 1024 * 1024, "direct memory grew from " + warm + " to " + direct);
            assertEquals(0, Load.sample(metrics, "sigcar_upstream_active"), metrics);
        }
    }

    /** Every fault once, plus normal traffic, including clients that walk away mid-response. */
    private void faultRound(ProxyHarness proxy) throws Exception {
        assertEquals(504, CLIENT.send(get(proxy, "/slow?ms=1500"), HttpResponse.BodyHandlers.discarding()).statusCode());
        readUntilClosed(proxy, "/reset");
        try (Socket s = new Socket("127.0.0.1", proxy.ports.proxy())) { // leaves after the first bytes
            s.getOutputStream().write("GET /big?kb=2048 HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertTrue(s.getInputStream().read(new byte[100]) > 0);
        }
        for (int i = 0; i < 5; i++) {
            assertEquals(200, CLIENT.send(get(proxy, "/big?kb=256"), HttpResponse.BodyHandlers.discarding()).statusCode());
        }
    }

    private static void settle(ProxyHarness proxy) throws Exception {
        Load.await("nothing in flight", 10_000, () -> {
            String m = proxy.metrics();
            return Load.sample(m, "sigcar_requests_inflight") == 0
                    && Load.sample(m, "sigcar_upstream_active") == 0;
        });
    }

    private static String readUntilClosed(ProxyHarness proxy, String path) throws Exception {
        try (Socket s = new Socket("127.0.0.1", proxy.ports.proxy())) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: a\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    got.write(buf, 0, n);
                }
            } catch (SocketTimeoutException hang) {
                throw new AssertionError("the client was left hanging after " + got.size() + " bytes");
            } catch (java.net.SocketException reset) {
                // a reset is as clear a cut as an EOF
            }
            return got.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private static HttpRequest get(ProxyHarness proxy, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.ports.proxy() + path))
                .timeout(Duration.ofSeconds(10)).build();
    }
}
