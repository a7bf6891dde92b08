package io.sigcar.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpenLoopTest {

    /** A tiny real HTTP/1.1 server on loopback; {@code answer} maps the request count to a raw response. */
    private static final class Server implements AutoCloseable {
        final ServerSocket socket;
        final ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        final AtomicLong requests = new AtomicLong();
        final List<String> firstHeads = new java.util.concurrent.CopyOnWriteArrayList<>();

        Server(LongFunction<String> answer) throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            pool.submit(() -> {
                while (!socket.isClosed()) {
                    Socket s = socket.accept();
                    pool.submit(() -> serve(s, answer));
                }
                return null;
            });
        }

        private Void serve(Socket s, LongFunction<String> answer) throws IOException {
            try (s) {
                var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
                OutputStream out = s.getOutputStream();
                while (true) {
                    StringBuilder head = new StringBuilder();
                    long length = 0;
                    for (String l = in.readLine(); l != null && !l.isEmpty(); l = in.readLine()) {
                        head.append(l).append('\n');
                        if (l.toLowerCase().startsWith("content-length:")) {
                            length = Long.parseLong(l.substring(15).trim());
                        }
                    }
                    if (head.isEmpty()) {
                        return null;
                    }
                    for (long left = length; left > 0; left--) {
                        if (in.read() < 0) {
                            return null;
                        }
                    }
                    if (firstHeads.size() < 3) {
                        firstHeads.add(head.toString());
                    }
                    String response = answer.apply(requests.getAndIncrement());
                    out.write(response.getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    if (response.contains("Connection: close")) {
                        return null;
                    }
                }
            }
        }

        URI url(String path) {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort() + path);
        }

        @Override
        public void close() throws IOException {
            socket.close();
            pool.shutdownNow();
        }
    }

    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n";

    private static OpenLoop.Options options(URI url, double rate, double seconds, int connections, List<String> blocks) {
        return new OpenLoop.Options(url, "POST", "hello".getBytes(StandardCharsets.US_ASCII), blocks, rate, seconds, 0,
                connections, null, 5000, false);
    }

    @Test
    void aStallCountsForEveryRequestItDelayedNotJustTheOneInFlight() throws Exception {
        // Request 100 (0.5 s in, at 200/s) takes 300 ms. ~60 more requests fall due meanwhile on the one
        // connection; measured from their due time, each waited up to 300 ms. A closed-loop tool would
        // time one slow request and 299 fast ones, and its p90 would show nothing.
        try (Server server = new Server(n -> {
            if (n == 100) {
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return OK;
        })) {
            OpenLoop.Result r = OpenLoop.run(options(server.url("/x"), 200, 1.5, 1, List.of()));
            assertEquals(0, r.errors(), r.firstProblem());
            assertEquals(300, r.ok(), 1.0);
            assertTrue(r.latency().getValueAtPercentile(90) > 100_000_000L,
                    "p90 from the due time must show the stall: " + r.latency().getValueAtPercentile(90));
            assertTrue(r.latency().getValueAtPercentile(90) > 5 * r.service().getValueAtPercentile(90),
                    "service time (from the send) hides it: " + r.service().getValueAtPercentile(90));
            assertTrue(r.latency().getMaxValue() >= 300_000_000L);
        }
    }

    @Test
    void keepsTheRateAndCyclesThroughHeaderBlocks() throws Exception {
        try (Server server = new Server(n -> OK)) {
            OpenLoop.Result r = OpenLoop.run(options(server.url("/p?q=1"), 400, 1.0, 4,
                    List.of("X-Pool: a", "X-Pool: b\nX-Other: 1")));
            assertEquals(0, r.errors() + r.non2xx(), r.firstProblem());
            assertEquals(400, r.ok(), 2.0);
            assertTrue(server.firstHeads.stream().anyMatch(h -> h.contains("X-Pool: a")), server.firstHeads.toString());
            assertTrue(server.firstHeads.stream().anyMatch(h -> h.contains("X-Pool: b\nX-Other: 1")),
                    server.firstHeads.toString());
            assertTrue(server.firstHeads.getFirst().startsWith("POST /p?q=1 HTTP/1.1\nHost: 127.0.0.1:"),
                    server.firstHeads.getFirst());
        }
    }

    @Test
    void countsNon2xxChunkedBodiesAndReconnectsAfterClose() throws Exception {
        try (Server server = new Server(n -> n % 10 == 0
                ? "HTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno"
                : "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")) {
            OpenLoop.Result r = OpenLoop.run(options(server.url("/"), 200, 1.0, 2, List.of()));
            assertEquals(0, r.errors(), r.firstProblem());
            assertEquals(20, r.non2xx(), 1.0);
            assertEquals(180, r.ok(), 1.0);
            assertTrue(r.firstProblem().startsWith("status:401"), r.firstProblem());
        }
    }

    @Test
    void aServerFarBehindEndsTheRunOnTimeAndCountsWhatItDropped() throws Exception {
        // 20 ms per answer on one connection is 50/s; 400/s are offered for 1 s. The run must end about
        // when it was due to (plus the 1 s a request may be late), not drain the backlog, and report
        // the ~300 requests it never sent as dropped.
        try (Server server = new Server(n -> {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return OK;
        })) {
            long t0 = System.nanoTime();
            OpenLoop.Result r = OpenLoop.run(options(server.url("/"), 400, 1.0, 1, List.of()));
            assertTrue(System.nanoTime() - t0 < 4_000_000_000L, "ended on time");
            assertEquals(0, r.errors() + r.non2xx(), r.firstProblem());
            assertEquals(400, r.ok() + r.dropped(), 1.0);
            assertTrue(r.dropped() > 200, "dropped " + r.dropped());
        }
    }

    @Test
    void aClosedPortIsCountedAsErrorsAndTheRunStillEnds() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        long t0 = System.nanoTime();
        OpenLoop.Result r = OpenLoop.run(options(URI.create("http://127.0.0.1:" + port + "/"), 100, 0.5, 2, List.of()));
        assertEquals(0, r.ok());
        assertEquals(50, r.errors(), 1.0);
        assertTrue(System.nanoTime() - t0 < 10_000_000_000L);
    }

    @Test
    void badOptionsNameTheOption(@TempDir Path dir) throws Exception {
        var e = assertThrows(IllegalArgumentException.class,
                () -> OpenLoop.parse(new String[] {"--url", "http://127.0.0.1:1/", "--rate", "fast", "--duration", "1"}));
        assertTrue(e.getMessage().startsWith("--rate: 'fast'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> OpenLoop.parse(new String[] {"--url", "https://x/", "--rate", "1", "--duration", "1"}));
        assertTrue(e.getMessage().startsWith("--url"), e.getMessage());
        Path blocks = dir.resolve("h");
        Files.writeString(blocks, "A: 1\nB: 2\n\nA: 3\n\n\nA: 4\n");
        var o = OpenLoop.parse(new String[] {"--url", "http://127.0.0.1:1/", "--rate", "1", "--duration", "1",
            "--headers", blocks.toString()});
        assertEquals(List.of("A: 1\nB: 2", "A: 3", "A: 4"), o.headerBlocks());
        assertEquals("GET", o.method());
    }
}
