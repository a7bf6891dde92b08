package io.sigcar.accept;

import static io.sigcar.accept.H2Client.CONTINUATION;
import static io.sigcar.accept.H2Client.DATA;
import static io.sigcar.accept.H2Client.END_HEADERS;
import static io.sigcar.accept.H2Client.END_STREAM;
import static io.sigcar.accept.H2Client.GOAWAY;
import static io.sigcar.accept.H2Client.HEADERS;
import static io.sigcar.accept.H2Client.RST_STREAM;
import static io.sigcar.accept.H2Client.WINDOW_UPDATE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HTTP/2 attacks on the h2c listener with a hand-written frame client: rapid reset
 * (CVE-2023-44487), CONTINUATION floods, MadeYouReset (CVE-2025-8671), and requests whose
 * header section HTTP/2 forbids. Each must end in GOAWAY, a close or a stream error after
 * bounded work, with a bounded (or zero) number of requests reaching the app.
 */
class Http2AttackTest {

    @TempDir
    static Path keys;
    static WireHarness wire;

    static final int ENHANCE_YOUR_CALM = 0xb;
    static final int PROTOCOL_ERROR = 0x1;
    static final int CANCEL = 0x8;
    /** Sidecar's RST budget per window: the app may see at most about this many. */
    static final int RST_BUDGET = Acceptor.H2_RST_BUDGET;

    @BeforeAll
    static void start() throws Exception {
        wire = new WireHarness(keys, Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        assertEquals(0, wire.upstream.faults().size(), "the app could not frame: " + wire.upstream.faults());
        wire.close();
    }

    static long reached(String path) {
        return wire.upstream.seen().stream().filter(s -> s.target().equals(path)).count();
    }

    @Test
    void aPlainRequestIsServed() throws Exception {
        try (H2Client c = new H2Client(wire.ports.proxy())) {
            c.frame(HEADERS, END_HEADERS | END_STREAM, 1, H2Client.block("GET", "/public/h2-plain"));
            c.flush();
            assertTrue(waitFor(() -> c.received.stream().anyMatch(f -> f.type() == DATA && f.stream() == 1
                    && (f.flags() & END_STREAM) != 0), 10), "response on stream 1");
            H2Client.Frame head = c.received.stream().filter(f -> f.type() == HEADERS).findFirst().orElseThrow();
            assertEquals(0x88, head.firstBlockByte(), ":status 200 (HPACK static index 8): "
                    + java.util.HexFormat.of().formatHex(head.payload()) + " flags " + head.flags());
            assertEquals(1, reached("/public/h2-plain"));
        }
    }

    /** The h2spec cases excluded in {@link H2specTest}: the refused frame never becomes a request. */
    @Test
    void framesOnClosedOrOlderStreamsNeverBecomeRequests() throws Exception {
        try (H2Client c = new H2Client(wire.ports.proxy())) {
            c.frame(HEADERS, END_HEADERS | END_STREAM, 1, H2Client.block("GET", "/public/h2-half-closed"));
            c.frame(HEADERS, END_HEADERS | END_STREAM, 1, H2Client.block("GET", "/public/h2-half-closed-again"));
            c.flush();
            assertTrue(waitFor(() -> c.received.stream().anyMatch(f -> f.type() == RST_STREAM && f.stream() == 1
                    || f.type() == GOAWAY), 10), "second HEADERS on a half-closed stream is refused");
            System.out.printf("h2 HEADERS on half-closed (remote) stream -> %s%n", c.received.stream()
                    .filter(f -> f.type() == RST_STREAM || f.type() == GOAWAY).findFirst()
                    .map(f -> (f.type() == RST_STREAM ? "RST_STREAM code " : "GOAWAY code ") + f.errorCode())
                    .orElseThrow());
        }
        try (H2Client c = new H2Client(wire.ports.proxy())) {
            c.frame(HEADERS, END_HEADERS | END_STREAM, 5, H2Client.block("GET", "/public/h2-stream-5"));
            c.frame(HEADERS, END_HEADERS | END_STREAM, 3, H2Client.block("GET", "/public/h2-stream-3"));
            c.flush();
            assertTrue(waitFor(() -> c.received.stream().anyMatch(f -> f.type() == RST_STREAM && f.stream() == 3
                    || f.type() == GOAWAY), 10), "a lower stream id is refused");
        }
        assertEquals(0, reached("/public/h2-half-closed-again"), "HEADERS on a half-closed stream became a request");
        assertEquals(0, reached("/public/h2-stream-3"), "a lower stream id became a request");
    }

    @Test
    void rapidResetIsCutOff() throws Exception {
        String path = "/public/h2-rapid-reset";
        int sent = 0;
        try (H2Client c = new H2Client(wire.ports.proxy())) {
            try {
                for (int i = 0; i < 5_000; i++) {
                    int stream = 1 + 2 * i;
                    c.frame(HEADERS, END_HEADERS | END_STREAM, stream, H2Client.block("GET", path));
                    c.frame(RST_STREAM, 0, stream, H2Client.int32(CANCEL));
                    sent++;
                    if (i % 50 == 0) {
                        c.flush();
                    }
                    if (c.isClosed()) {
                        break;
                    }
                }
                c.flush();
            } catch (IOException closedOnUs) {
                // the server hung up mid-flood: what we want
            }
            assertTrue(c.awaitGoawayOrClose(10), "rapid reset: no GOAWAY or close");
            assertTrue(c.awaitClosed(10), "rapid reset: connection not closed after GOAWAY");
            long app = reached(path);
            System.out.printf("rapid reset: %d HEADERS+RST pairs written, GOAWAY code %d, %d reached the app%n", sent,
                    c.goawayCode(), app);
            assertTrue(c.goawayCode() == ENHANCE_YOUR_CALM || c.goawayCode() == -1, "code " + c.goawayCode());
            assertTrue(app <= RST_BUDGET + 100, app + " requests reached the app");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"window-update-0", "data-after-end-stream"})
    void madeYouResetIsCutOff(String primitive) throws Exception {
        // The client never resets: it provokes the server into resetting, which a budget of
        // client RST_STREAMs alone would not count.
        String path = "/public/h2-myr-" + primitive;
        int sent = 0;
        try (H2Client c = new H2Client(wire.ports.proxy())) {
            try {
                for (int i = 0; i < 5_000; i++) {
                    int stream = 1 + 2 * i;
                    c.frame(HEADERS, END_HEADERS | END_STREAM, stream, H2Client.block("GET", path));
                    if (primitive.equals("window-update-0")) {
                        c.frame(WINDOW_UPDATE, 0, stream, H2Client.int32(0));
                    } else {
                        c.frame(DATA, END_STREAM, stream, "x".getBytes(StandardCharsets.US_ASCII));
                    }
                    sent++;
                    if (i % 50 == 0) {
                        c.flush();
                    }
                    if (c.isClosed()) {
                        break;
                    }
                }
                c.flush();
            } catch (IOException closedOnUs) {
                // the server hung up mid-flood
            }
            assertTrue(c.awaitGoawayOrClose(10), primitive + ": no GOAWAY or close");
            assertTrue(c.awaitClosed(10), primitive + ": connection not closed");
            long app = reached(path);
            System.out.printf("MadeYouReset (%s): %d streams opened, %d server RST_STREAMs, GOAWAY code %d, %d reached"
                    + " the app%n", primitive, sent, c.count(RST_STREAM), c.goawayCode(), app);
            assertTrue(app <= RST_BUDGET + 100, app + " requests reached the app");
        }
    }

    @Test
    void zeroLengthContinuationFloodIsCutOff() throws Exception {
        String path = "/public/h2-continuation-zero";
        int sent = 0;
        try (H2Client c = new H2Client(wire.ports.proxy())) {
            try {
                c.frame(HEADERS, END_STREAM, 1, H2Client.block("GET", path)); // no END_HEADERS
                for (int i = 0; i < 200_000 && !c.isClosed(); i++) {
                    c.frame(CONTINUATION, 0, 1, new byte[0]);
                    sent++;
                    if (i % 500 == 0) {
                        c.flush();
                    }
                }
                c.flush();
            } catch (IOException closedOnUs) {
                // the server hung up mid-flood
            }
            assertTrue(c.awaitGoawayOrClose(10), "no GOAWAY or close");
            assertTrue(c.awaitClosed(10), "connection not closed");
            System.out.printf("zero-length CONTINUATION flood: %d frames written before the close, GOAWAY code %d%n",
                    sent, c.goawayCode());
            assertEquals(0, reached(path));
        }
    }

    @Test
    void oversizedContinuationFloodIsCutOff() throws Exception {
        String path = "/public/h2-continuation-big";
        ByteArrayOutputStream chunk = new ByteArrayOutputStream();
        while (chunk.size() < 16_000) { // many small literal fields: every one is valid HPACK
            chunk.write(0x00);
            chunk.write(3);
            chunk.writeBytes("x-a".getBytes(StandardCharsets.US_ASCII));
            chunk.write(100);
            chunk.writeBytes("a".repeat(100).getBytes(StandardCharsets.US_ASCII));
        }
        long bytes = 0;
        try (H2Client c = new H2Client(wire.ports.proxy())) {
            try {
                c.frame(HEADERS, END_STREAM, 1, H2Client.block("GET", path));
                for (int i = 0; i < 4_000 && !c.isClosed(); i++) { // up to 64 MB of header block
                    c.frame(CONTINUATION, 0, 1, chunk.toByteArray());
                    bytes += chunk.size();
                    c.flush();
                }
            } catch (IOException closedOnUs) {
                // the server hung up mid-flood
            }
            assertTrue(c.awaitGoawayOrClose(10), "no GOAWAY or close");
            assertTrue(c.awaitClosed(10), "connection not closed");
            System.out.printf("oversized CONTINUATION flood: %d KiB written before the close, GOAWAY code %d%n",
                    bytes / 1024, c.goawayCode());
            assertTrue(bytes < 8L << 20, "the server read " + bytes + " bytes of one header block");
            assertEquals(0, reached(path));
        }
    }

    static Stream<Arguments> forbiddenHeaderSections() {
        return Stream.of(
                Arguments.of("content-length above DATA", new String[] {"content-length", "5"}, "abc"),
                Arguments.of("content-length below DATA", new String[] {"content-length", "2"}, "abc"),
                Arguments.of("transfer-encoding", new String[] {"transfer-encoding", "chunked"}, "abc"),
                Arguments.of("uppercase name", new String[] {"X-Upper", "1"}, null),
                Arguments.of("CR in value", new String[] {"x-a", "a\rb"}, null),
                Arguments.of("LF in value", new String[] {"x-a", "a\nb"}, null),
                Arguments.of("NUL in value", new String[] {"x-a", "a\u0000b"}, null),
                Arguments.of("connection", new String[] {"connection", "keep-alive"}, null),
                Arguments.of("keep-alive", new String[] {"keep-alive", "timeout=5"}, null),
                Arguments.of("proxy-connection", new String[] {"proxy-connection", "keep-alive"}, null),
                Arguments.of("upgrade", new String[] {"upgrade", "h2c"}, null),
                Arguments.of("te other than trailers", new String[] {"te", "gzip"}, null),
                Arguments.of("space in name", new String[] {"x a", "1"}, null),
                Arguments.of("colon in name", new String[] {"x:a", "1"}, null),
                Arguments.of("empty name", new String[] {"", "1"}, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("forbiddenHeaderSections")
    void forbiddenHeaderSectionsNeverReachTheApp(String name, String[] field, String body) throws Exception {
        String path = "/public/h2-bad-" + name.replace(' ', '-');
        try (H2Client c = new H2Client(wire.ports.proxy())) {
            byte[] block = H2Client.block(body == null ? "GET" : "POST", path, field);
            if (body == null) {
                c.frame(HEADERS, END_HEADERS | END_STREAM, 1, block);
            } else {
                c.frame(HEADERS, END_HEADERS, 1, block);
                c.frame(DATA, END_STREAM, 1, body.getBytes(StandardCharsets.US_ASCII));
            }
            c.flush();
            assertTrue(waitFor(() -> outcome(c) != null, 10), name + ": no answer");
            String outcome = outcome(c);
            System.out.printf("h2 %-26s -> %s%n", name, outcome);
            assertTrue(!outcome.startsWith("status"), name + ": answered " + outcome);
            assertEquals(0, reached(path), name + ": reached the app");
        }
    }

    /** How the server refused stream 1: RST_STREAM, GOAWAY, :status 400, or another :status (a failure). */
    static String outcome(H2Client c) {
        for (H2Client.Frame f : c.received) {
            if (f.type() == RST_STREAM && f.stream() == 1) {
                return "RST_STREAM code " + f.errorCode();
            }
            if (f.type() == GOAWAY) {
                return "GOAWAY code " + f.errorCode();
            }
            if (f.type() == HEADERS && f.stream() == 1) {
                int first = f.firstBlockByte();
                return first == 0x8c ? "refused: :status 400" : "status (HPACK byte 0x" + Integer.toHexString(first)
                        + ")";
            }
        }
        return c.isClosed() ? "closed" : null;
    }

    static boolean waitFor(java.util.function.BooleanSupplier condition, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }
}
