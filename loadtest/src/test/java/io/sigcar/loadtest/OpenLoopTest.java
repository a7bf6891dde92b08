package io.sigcar.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
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
                connections, null, 5000, false, 1);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
            // The wait for the busy connection is the server's doing: latency, not the generator's lag.
            assertTrue(r.lag().getValueAtPercentile(99) < 20_000_000L, "lag p99 " + r.lag().getValueAtPercentile(99));
        }
    }

    @Test
    void aStalledServerShowsAsLatencyOnEveryRequestItDelayed() throws Exception {
        // At 0.5 s every connection stops being answered for 300 ms. At 400/s that delays the ~120
        // requests due in the stall (and a few queued behind them): the one due t ms into the stall
        // waits at least 300 - t ms. So at least (300 - v) * 0.4 requests must show latency >= v ms, for
        // every v: each delayed request counted, from its own due time. None of it is lag.
        long[] stallUntil = {0};
        try (Server server = new Server(n -> {
            synchronized (stallUntil) {
                if (n == 200) {
                    stallUntil[0] = System.nanoTime() + 300_000_000L;
                }
            }
            long left;
            synchronized (stallUntil) {
                left = stallUntil[0] - System.nanoTime();
            }
            if (left > 0) {
                sleep(left / 1_000_000 + 1);
            }
            return OK;
        })) {
            OpenLoop.Result r = OpenLoop.run(options(server.url("/"), 400, 1.5, 8, List.of()));
            assertEquals(0, r.errors() + r.dropped(), r.firstProblem());
            assertEquals(600, r.ok(), 1.0);
            for (long v = 25; v <= 275; v += 25) {
                long delayed = r.latency().getCountBetweenValues(v * 1_000_000L, Long.MAX_VALUE);
                assertTrue(delayed >= (300 - v) * 0.4 - 3, delayed + " requests at >= " + v + " ms");
            }
            // A closed-loop count: only the 8 in flight when it began would have been slow.
            assertTrue(r.latency().getCountBetweenValues(100_000_000L, Long.MAX_VALUE) > 8 * 5);
            assertTrue(r.lag().getValueAtPercentile(99) < 20_000_000L, "lag p99 " + r.lag().getValueAtPercentile(99));
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
                : n % 10 == 5 ? "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nthe body ends with the connection"
                : n % 10 == 7 ? "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"
                : "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n")) {
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
    void aSilentServerTimesOutAsErrors() throws Exception {
        try (Server server = new Server(n -> {
            sleep(n % 2 == 0 ? 10_000 : 0);
            return OK;
        })) {
            var o = new OpenLoop.Options(server.url("/"), "GET", new byte[0], List.of(), 20, 1.0, 0, 2, null, 300,
                    false, 1);
            long t0 = System.nanoTime();
            OpenLoop.Result r = OpenLoop.run(o);
            assertTrue(System.nanoTime() - t0 < 4_000_000_000L, "ended on time");
            assertTrue(r.errors() > 0 && r.ok() > 0, r.ok() + " ok, " + r.errors() + " errors");
            assertTrue(r.firstProblem().startsWith("SocketTimeoutException:no answer in 300 ms"), r.firstProblem());
        }
    }

    @Test
    void mainPrintsEverySummaryKeyTheMarksAndTheHistogram(@TempDir Path dir) throws Exception {
        try (Server server = new Server(n -> OK)) {
            Path body = dir.resolve("body");
            Files.write(body, new byte[1024]);
            Path hgrm = dir.resolve("l.hgrm");
            var out = new java.io.ByteArrayOutputStream();
            var err = new java.io.ByteArrayOutputStream();
            PrintStream stdout = System.out;
            PrintStream stderr = System.err;
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            try {
                OpenLoop.main(new String[] {"--url", server.url("/m").toString(), "--body", body.toString(),
                    "--rate", "2000", "--duration", "0.5", "--warmup", "0.2", "--connections", "4", "--hgrm",
                    hgrm.toString(), "--marks", "true", "--threads", "2"});
            } finally {
                System.setOut(stdout);
                System.setErr(stderr);
            }
            String line = out.toString(StandardCharsets.UTF_8).strip();
            List<String> keys = java.util.Arrays.stream(line.split(" ")).map(kv -> kv.split("=")[0]).toList();
            assertEquals(List.of("rate", "achieved", "ok", "non2xx", "errors", "dropped", "p50_us", "p90_us", "p99_us",
                    "p999_us", "max_us", "service_p50_us", "service_p99_us", "lag_p50_us", "lag_p99_us"), keys, line);
            assertTrue(line.startsWith("rate=2000 achieved=2000 ok=1000 non2xx=0 errors=0 dropped=0 "), line);
            assertEquals("measure-start\nmeasure-end", err.toString(StandardCharsets.UTF_8).strip());
            assertTrue(Files.readString(hgrm).contains("Value     Percentile TotalCount"), Files.readString(hgrm));
            // Warm-up requests go out but are not counted.
            assertEquals(1400, server.requests.get(), 2.0);
        }
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
