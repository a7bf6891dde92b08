package io.sigcar.accept;

import static io.sigcar.accept.H2Client.DATA;
import static io.sigcar.accept.H2Client.END_HEADERS;
import static io.sigcar.accept.H2Client.END_STREAM;
import static io.sigcar.accept.H2Client.GOAWAY;
import static io.sigcar.accept.H2Client.HEADERS;
import static io.sigcar.accept.H2Client.PING;
import static io.sigcar.accept.Http2AttackTest.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sigcar.config.Field;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An HTTP/2 connection is closed once it has had no open stream for idle-timeout +
 * request-timeout, the same allowance an HTTP/1.x connection gets for its next head. Vert.x's
 * own idle timeout counts every frame read, so before this a client that sent a PING now and then
 * held its connection (and a {@code max-connections} slot) for good. Streams that stay open longer
 * than that, and connections reached by an h2c upgrade, are not cut.
 */
class Http2IdleTest {

    @TempDir
    static Path keys;
    static WireHarness wire;
    static final long REQUEST_MS = 1_000;
    static final long IDLE_MS = 2_000;
    /** When a connection with no open stream is closed. */
    static final long ALLOWED_MS = IDLE_MS + REQUEST_MS;
    /** Scheduling slack on a loaded 2-core machine. */
    static final long SLACK_MS = 2_500;

    @BeforeAll
    static void start() throws Exception {
        wire = new WireHarness(keys, Map.of(Field.REQUEST_TIMEOUT, REQUEST_MS + "ms",
                Field.IDLE_TIMEOUT, IDLE_MS + "ms"));
    }

    @AfterAll
    static void stop() throws Exception {
        wire.close();
    }

    static boolean answered(H2Client c, int stream) {
        return c.received.stream()
                .anyMatch(f -> f.type() == DATA && f.stream() == stream && (f.flags() & END_STREAM) != 0);
    }

    /** PINGs every 200 ms until the connection closes or {@code untilMs} have passed since {@code t0}. */
    static void ping(H2Client c, long t0, long untilMs) throws Exception {
        while (!c.isClosed() && (System.nanoTime() - t0) / 1_000_000 < untilMs) {
            try {
                c.frame(PING, 0, 0, new byte[8]);
                c.flush();
            } catch (java.io.IOException closed) {
                return;
            }
            Thread.sleep(200);
        }
    }

    @Test
    void aConnectionThatOnlyPingsAfterItsLastStreamIsClosedWithGoaway() throws Exception {
        try (H2Client c = new H2Client(wire.ports.proxy())) {
            c.frame(HEADERS, END_HEADERS | END_STREAM, 1, H2Client.block("GET", "/public/idle-1"));
            c.flush();
            assertTrue(waitFor(() -> answered(c, 1), 10), "stream 1 answered");
            long t0 = System.nanoTime();
            ping(c, t0, ALLOWED_MS + SLACK_MS);
            assertTrue(c.awaitClosed(5), "closed although it kept pinging");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("http/2 idle: a pinging connection with no stream closed after %d ms (allowed %d ms)%n",
                    ms, ALLOWED_MS);
            assertTrue(ms >= ALLOWED_MS - 50 && ms < ALLOWED_MS + SLACK_MS, ms + " ms");
            assertTrue(c.count(PING) > 0, "the sidecar answered the PINGs: Vert.x's idle timer saw traffic");
            assertEquals(1, c.count(GOAWAY), "one GOAWAY before the close");
            assertEquals(0, c.goawayCode(), "GOAWAY NO_ERROR: every stream was answered");
        }
    }

    @Test
    void aStreamOpenLongerThanTheAllowanceIsNotCut() throws Exception {
        long hold = ALLOWED_MS + 1_500;
        try (H2Client c = new H2Client(wire.ports.proxy())) {
            long t0 = System.nanoTime();
            c.frame(HEADERS, END_HEADERS | END_STREAM, 1, H2Client.block("GET", "/public/hold-" + hold));
            c.flush();
            ping(c, t0, hold + SLACK_MS); // the PINGs keep Vert.x's idle timeout away while the app takes its time
            assertTrue(answered(c, 1), "the held stream was answered");
            assertFalse(c.isClosed(), "cut while a stream was open");
            assertEquals(0, c.count(GOAWAY));
            // Once it ends, the allowance starts again, and a new stream in it is served.
            c.frame(HEADERS, END_HEADERS | END_STREAM, 3, H2Client.block("GET", "/public/idle-3"));
            c.flush();
            assertTrue(waitFor(() -> answered(c, 3), 10), "stream 3 answered");
        }
    }

    /** Vert.x's connection handler runs for the HTTP/1.1 connection; its head deadline must not cut the h2c one. */
    @Test
    void anUpgradedConnectionInUseOutlivesTheAllowance() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            var client = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
                    .setHttp2ClearTextUpgrade(true));
            RequestOptions get = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
                    .setPort(wire.ports.proxy());
            HttpConnection first = null;
            long t0 = System.nanoTime();
            int served = 0;
            while ((System.nanoTime() - t0) / 1_000_000 < ALLOWED_MS + 2_000) {
                var response = client.request(get.setURI("/public/up-" + served)).compose(r -> r.send())
                        .await(10, TimeUnit.SECONDS);
                assertEquals(200, response.statusCode());
                assertEquals(HttpVersion.HTTP_2, response.version(), "upgraded to h2c");
                response.body().await(10, TimeUnit.SECONDS);
                if (first == null) {
                    first = response.request().connection();
                }
                assertSame(first, response.request().connection(), "the same connection throughout, request " + served);
                served++;
                Thread.sleep(300);
            }
            assertTrue(served > 10, "served " + served);
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }
}
