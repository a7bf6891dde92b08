package io.sigcar.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sigcar.config.Field;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that asks for a large answer and then stops reading it is cut at {@code send-timeout}:
 * its connection, the app's connection behind it and its in-flight slot are all freed. A client
 * that pauses for less than that and then reads on gets the whole answer. A WebSocket tunnel,
 * which the forward stage no longer watches, is cut by the connection-wide watch at twice that.
 */
class SlowReaderTest {

    static final Map<Field, String> SETTINGS = Map.of(Field.ROUTES, "name=all,path=/,action=allow",
            Field.SEND_TIMEOUT, "1s", Field.AUDIT, "false");

    @TempDir
    Path keys;

    @Test
    void anHttp1ClientThatStopsReadingIsCutAtTheSendTimeout() throws Exception {
        try (FaultyApp app = new FaultyApp();
                ProxyHarness proxy = new ProxyHarness(app.port(), keys, SETTINGS, InstantSource.system(),
                        ProxyHarness::none);
                Socket s = new Socket()) {
            s.setReceiveBufferSize(4096); // before connect, so the window stays small
            s.connect(new InetSocketAddress("127.0.0.1", proxy.ports.proxy()), 5_000);
            s.getOutputStream().write("GET /big?kb=65536 HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            long start = System.nanoTime();
            Load.await("the app to start answering", 5_000, () -> app.concurrent.get() == 1);
            Load.await("the sidecar to cut the reader", 6_000, () -> Load.sample(proxy.metrics(),
                    "sigcar_rejections_total{reason=\"send_timeout\"}") == 1);
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis >= 900, "cut after " + millis + " ms, before the 1 s send-timeout");
            Load.await("the app's request to be dropped too", 5_000,
                    () -> Load.sample(proxy.metrics(), "sigcar_upstream_active") == 0);
            Load.await("the client's connection and in-flight slot to be freed", 5_000, () -> {
                String metrics = proxy.metrics();
                return Load.sample(metrics, "sigcar_requests_inflight") == 0
                        && Load.sample(metrics, "sigcar_connections_active") == 0;
            });
            // What was queued for the client is gone with a reset: reading ends, it does not hang.
            s.setSoTimeout(5_000);
            long received = 0;
            InputStream in = s.getInputStream();
            byte[] buf = new byte[65536];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    received += n;
                }
            } catch (java.net.SocketException reset) {
                // the expected end
            }
            assertTrue(received < 64L << 20, "the client got only part of the answer: " + received);
            System.out.printf("slow reader: cut %d ms after its request, %d KiB reached it%n", millis, received / 1024);
        }
    }

    @Test
    void aClientThatPausesShorterThanTheSendTimeoutGetsTheWholeAnswer() throws Exception {
        try (FaultyApp app = new FaultyApp();
                ProxyHarness proxy = new ProxyHarness(app.port(), keys, SETTINGS, InstantSource.system(),
                        ProxyHarness::none);
                Socket s = new Socket()) {
            // A normal receive buffer: with a tiny one, the window updates themselves make the
            // client slower than the 32 KiB per send-timeout that this test's 1 s asks for.
            s.connect(new InetSocketAddress("127.0.0.1", proxy.ports.proxy()), 5_000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET /big?kb=4096 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            byte[] buf = new byte[16384];
            long received = 0;
            int reads = 0;
            for (int n; (n = in.read(buf)) >= 0; ) {
                received += n;
                if (++reads % 32 == 0) {
                    Thread.sleep(500); // stalls under the 1 s send-timeout, long enough to fill every buffer
                }
            }
            assertTrue(received > 4L << 20, "the whole 4 MiB answer arrived: " + received);
            assertEquals(0, Load.sample(proxy.metrics(), "sigcar_rejections_total{reason=\"send_timeout\"}"));
        }
    }

    @Test
    void anHttp2StreamThatStopsReadingIsResetAndTheConnectionLivesOn() throws Exception {
        Vertx vertx = Vertx.vertx();
        try (FaultyApp app = new FaultyApp();
                ProxyHarness proxy = new ProxyHarness(app.port(), keys, SETTINGS, InstantSource.system(),
                        ProxyHarness::none)) {
            var client = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
                    .setHttp2ClearTextUpgrade(false));
            RequestOptions big = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
                    .setPort(proxy.ports.proxy()).setURI("/big?kb=65536");
            HttpClientResponse stalled = client.request(big).compose(r -> r.send())
                    .await(10, TimeUnit.SECONDS);
            stalled.pause(); // flow control stops the sidecar's writes: the stream's window never reopens
            var ended = stalled.end();
            Load.await("the sidecar to reset the stream", 6_000, () -> Load.sample(proxy.metrics(),
                    "sigcar_rejections_total{reason=\"send_timeout\"}") == 1);
            assertThrows(Exception.class, () -> ended.await(5, TimeUnit.SECONDS), "the stalled answer must not end");
            Load.await("the app's request to be dropped too", 5_000,
                    () -> Load.sample(proxy.metrics(), "sigcar_upstream_active") == 0);
            // Same client, same connection: a normal request still works.
            int status = client.request(big.setURI("/ok")).compose(r -> r.send())
                    .compose(r -> r.body().map(b -> r.statusCode())).await(10, TimeUnit.SECONDS);
            assertEquals(200, status);
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aWebSocketClientThatStopsReadingIsCutAtTwiceTheSendTimeout() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            // An app that floods every WebSocket with binary messages, with back-pressure.
            var app = vertx.createHttpServer().webSocketHandler(ws -> flood(ws, 65_536))
                    .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
            try (ProxyHarness proxy = new ProxyHarness(app.actualPort(), keys, SETTINGS, InstantSource.system(),
                    ProxyHarness::none);
                    Socket s = new Socket()) {
                s.setReceiveBufferSize(4096);
                s.connect(new InetSocketAddress("127.0.0.1", proxy.ports.proxy()), 5_000);
                s.getOutputStream().write(("GET /live HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\n"
                        + "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                s.setSoTimeout(5_000);
                byte[] head = new byte[12];
                assertEquals(12, s.getInputStream().readNBytes(head, 0, 12));
                assertEquals("HTTP/1.1 101", new String(head, StandardCharsets.US_ASCII), "the tunnel is open");
                long start = System.nanoTime(); // from here on the client reads nothing
                Load.await("the connection-wide watch to cut the tunnel", 8_000, () -> Load.sample(proxy.metrics(),
                        "sigcar_rejections_total{reason=\"send_timeout\"}") == 1);
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertTrue(millis >= 1_900, "cut after " + millis + " ms, before twice the 1 s send-timeout");
                Load.await("the connection to be gone", 5_000,
                        () -> Load.sample(proxy.metrics(), "sigcar_connections_active") == 0);
                System.out.printf("slow WebSocket reader: cut %d ms after the 101%n", millis);
            } finally {
                app.close().await(10, TimeUnit.SECONDS);
            }
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    /**
     * {@code send-buffer} fixes the kernel's send buffer of the sidecar's client sockets, read back
     * from the kernel itself ({@code ss}'s skmem {@code tb}; Linux doubles what was set), while
     * without it the buffer of a socket that carries a large answer autotunes past that bound.
     */
    @Test
    void theSendBufferBoundsWhatTheKernelHoldsForAClient() throws Exception {
        long bounded = kernelSendBuffer(Map.of(Field.ROUTES, "name=all,path=/,action=allow",
                Field.SEND_TIMEOUT, "30s", Field.SEND_BUFFER, "65536", Field.AUDIT, "false"));
        long autotuned = kernelSendBuffer(Map.of(Field.ROUTES, "name=all,path=/,action=allow",
                Field.SEND_TIMEOUT, "30s", Field.AUDIT, "false"));
        System.out.printf("send-buffer: kernel send buffer %d bytes with send-buffer 65536, %d autotuned%n",
                bounded, autotuned);
        assertEquals(131072, bounded, "Linux keeps twice the SO_SNDBUF that was set");
        assertTrue(autotuned > bounded, "without the setting the kernel autotunes: " + autotuned);
    }

    /** The kernel's send buffer of the sidecar's side of a connection that has taken part of an 8 MiB answer. */
    private long kernelSendBuffer(Map<Field, String> settings) throws Exception {
        try (FaultyApp app = new FaultyApp();
                ProxyHarness proxy = new ProxyHarness(app.port(), keys, settings, InstantSource.system(),
                        ProxyHarness::none);
                Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", proxy.ports.proxy()), 5_000);
            s.getOutputStream().write("GET /big?kb=8192 HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            byte[] buf = new byte[65536];
            for (long got = 0; got < 2 << 20; ) {
                got += in.read(buf); // read part of it, so the buffer has had a fast flow to tune to
            }
            Load.await("the sidecar's buffer to fill again", 5_000, () -> sendBuffer(proxy.ports.proxy(),
                    s.getLocalPort()) > 0);
            Thread.sleep(300); // the answer keeps flowing into the now unread socket
            return sendBuffer(proxy.ports.proxy(), s.getLocalPort());
        }
    }

    /** skmem's {@code tb} (sk_sndbuf) of the socket from {@code local} to {@code peer}, from iproute2's ss. */
    private static long sendBuffer(int local, int peer) throws Exception {
        Process ss = new ProcessBuilder("ss", "-tmnH", "state", "established", "( sport = :" + local + " and dport = :"
                + peer + " )").redirectErrorStream(true).start();
        String out = new String(ss.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertTrue(ss.waitFor(5, TimeUnit.SECONDS) && ss.exitValue() == 0, "ss (iproute2, .ci/setup) ran: " + out);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\btb(\\d+)").matcher(out);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /** Writes {@code left} 1 KiB messages, waiting for drain whenever the socket's queue is full. */
    private static void flood(io.vertx.core.http.ServerWebSocket ws, int left) {
        io.vertx.core.buffer.Buffer kb = io.vertx.core.buffer.Buffer.buffer(new byte[1024]);
        int remaining = left;
        while (remaining > 0 && !ws.writeQueueFull()) {
            ws.writeBinaryMessage(kb);
            remaining--;
        }
        if (remaining > 0) {
            int rest = remaining;
            ws.drainHandler(v -> flood(ws, rest));
        }
    }
}
