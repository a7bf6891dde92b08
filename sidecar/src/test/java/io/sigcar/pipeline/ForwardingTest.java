package io.sigcar.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sigcar.config.Field;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The accept, policy and forward stages over real sockets: what reaches the app, what
 * does not, and what the client is told. Verification is covered by its own tests.
 */
class ForwardingTest {

    @TempDir
    static Path keys;
    static ProxyHarness proxy;
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        proxy = new ProxyHarness(keys, Map.of(
                Field.ROUTES, "name=counted,path=/counted,action=allow;"
                        + "name=public,path=/public/,action=allow;name=admin,path=/admin,action=deny;"
                        + "name=small,path=/small,action=allow,max-body=10",
                Field.UPSTREAM_TIMEOUT, "1s", Field.REQUEST_TIMEOUT, "1s", Field.MAX_HEADERS, "20",
                Field.IDLE_TIMEOUT, "2s"),
                InstantSource.system(), ProxyHarness::none);
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + proxy.ports.proxy() + path);
    }

    @Test
    void allowedRouteForwardsBodyAndRewritesHeaders() throws Exception {
        int before = proxy.upstream.seen.size();
        var r = send(HttpRequest.newBuilder(uri("/public/echo?x=1")).POST(HttpRequest.BodyPublishers.ofString("hello"))
                .header("Sigcar-Key-Id", "forged").header("X-Custom", "kept"));
        assertEquals(200, r.statusCode());
        assertEquals("echo:hello", r.body());
        assertEquals("yes", r.headers().firstValue("x-upstream").orElse(null));
        RecordingUpstream.Seen seen = proxy.upstream.seen.get(before);
        assertEquals("/public/echo?x=1", seen.uri());
        assertEquals("hello", new String(seen.body()));
        assertNull(seen.header("sigcar-key-id"), "a client-sent Sigcar-* header must never reach the app");
        assertEquals("kept", seen.header("x-custom"));
        assertEquals("127.0.0.1", seen.header("x-forwarded-for"));
        assertEquals("http", seen.header("x-forwarded-proto"));
        assertEquals("127.0.0.1:" + proxy.ports.proxy(), seen.header("x-forwarded-host"));
    }

    /** The client's forwarding fields are extended or replaced, never sent twice; the app sees one of each. */
    @Test
    void forwardingFieldsReachTheAppOnceEach() throws Exception {
        int before = proxy.upstream.seen.size();
        var r = send(HttpRequest.newBuilder(uri("/public/forwarded")).header("X-Forwarded-For", "203.0.113.7")
                .header("Forwarded", "for=203.0.113.7").header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-Host", "forged.example"));
        assertEquals(200, r.statusCode());
        RecordingUpstream.Seen seen = proxy.upstream.seen.get(before);
        assertEquals(List.of("203.0.113.7, 127.0.0.1"), seen.headers().get("x-forwarded-for"));
        assertEquals(List.of("for=203.0.113.7, for=\"127.0.0.1\";proto=http"), seen.headers().get("forwarded"));
        assertEquals(List.of("http"), seen.headers().get("x-forwarded-proto"));
        assertEquals(List.of("127.0.0.1:" + proxy.ports.proxy()), seen.headers().get("x-forwarded-host"));
        assertEquals(List.of("127.0.0.1:" + proxy.ports.proxy()), seen.headers().get("host"));
        assertEquals(List.of("0"), seen.headers().get("content-length"));
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of("deny route", "GET /admin/users HTTP/1.1\r\nHost: a\r\n\r\n", 403, "denied"),
                Arguments.of("no route: verify by default, no scheme", "GET /orders HTTP/1.1\r\nHost: a\r\n\r\n", 401,
                        "unsupported_scheme"),
                Arguments.of("CL and TE", "POST /public/x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, null),
                Arguments.of("Transfer-Encoding not chunked", "POST /public/x HTTP/1.1\r\nHost: a\r\n"
                        + "Transfer-Encoding: gzip\r\n\r\n", 400, null),
                Arguments.of("too many header fields", "GET /public/x HTTP/1.1\r\nHost: a\r\n"
                        + "X-H: 1\r\n".repeat(25) + "\r\n", 431, "headers_too_large"),
                Arguments.of("body never completes", "POST /public/x HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n"
                        + "\r\nab", 408, "request_timeout"),
                Arguments.of("two Content-Length", "POST /public/x HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
                        + "Content-Length: 2\r\n\r\nab", 400, null),
                Arguments.of("Content-Length with a sign", "POST /public/x HTTP/1.1\r\nHost: a\r\n"
                        + "Content-Length: +2\r\n\r\nab", 400, null),
                Arguments.of("Content-Length of 19 digits", "POST /public/x HTTP/1.1\r\nHost: a\r\n"
                        + "Content-Length: 0000000000000000002\r\n\r\nab", 400, "ambiguous_framing"),
                Arguments.of("dot segment", "GET /public/../admin HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bad_request"),
                Arguments.of("encoded slash", "GET /public/..%2fadmin HTTP/1.1\r\nHost: a\r\n\r\n", 400,
                        "bad_request"),
                Arguments.of("servlet-style dot segment", "GET /public/..;/admin HTTP/1.1\r\nHost: a\r\n\r\n", 400,
                        "bad_request"),
                Arguments.of("fragment in target", "GET /public/x#/../../admin HTTP/1.1\r\nHost: a\r\n\r\n", 400,
                        "bad_request"),
                Arguments.of("absolute-form target", "GET http://a/public/x HTTP/1.1\r\nHost: a\r\n\r\n", 400,
                        "bad_request"),
                Arguments.of("Connection naming a field", "GET /public/x HTTP/1.1\r\nHost: a\r\nConnection: x-tenant"
                        + "\r\nX-Tenant: 7\r\n\r\n", 400, "bad_request"),
                Arguments.of("prefix is segment-wise", "GET /publicity HTTP/1.1\r\nHost: a\r\n\r\n", 401,
                        "unsupported_scheme"),
                Arguments.of("100-continue with a body over the limit", "POST /small HTTP/1.1\r\nHost: a\r\n"
                        + "Content-Length: 11\r\nExpect: 100-continue\r\n\r\n", 413, "body_too_large"),
                Arguments.of("body over route limit", "POST /small HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n"
                        + "hello world", 413, "body_too_large"),
                Arguments.of("no Host", "GET /public/x HTTP/1.1\r\n\r\n", 400, null),
                Arguments.of("request line too long", "GET /public/" + "a".repeat(9000) + " HTTP/1.1\r\nHost: a\r\n\r\n",
                        414, null),
                Arguments.of("headers too large", "GET /public/x HTTP/1.1\r\nHost: a\r\nX-Big: " + "b".repeat(17000)
                        + "\r\n\r\n", 431, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refusedRequestsNeverReachTheApp(String name, String request, int status, String reason) throws Exception {
        int before = proxy.upstream.seen.size();
        String answer = proxy.raw(request);
        // Netty answers line-length errors itself, as HTTP/1.0; the status is what matters.
        assertTrue(answer.matches("(?s)HTTP/1\\.[01] " + status + " .*"), name + ": " + answer);
        if (reason != null) {
            assertTrue(answer.contains("\"reason\":\"" + reason + "\""), answer);
            assertTrue(answer.contains("application/problem+json"), answer);
        }
        assertEquals(before, proxy.upstream.seen.size(), name + ": the app must see nothing");
    }

    @Test
    void h2cUpgradeIsServedAndForwarded() throws Exception {
        HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        var first = h2.send(HttpRequest.newBuilder(uri("/public/h2")).POST(HttpRequest.BodyPublishers.ofString("a"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, first.statusCode());
        var second = h2.send(HttpRequest.newBuilder(uri("/public/h2")).POST(HttpRequest.BodyPublishers.ofString("b"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(HttpClient.Version.HTTP_2, second.version(), "the upgraded connection speaks HTTP/2");
        assertEquals("echo:b", second.body());
    }

    @Test
    void h2cExchangesAreRecordedAsServed() throws Exception {
        // On HTTP/2, ending the response closes the stream: that close must not be mistaken for a
        // client that left, or every h2c request would be recorded as failed while it succeeded.
        HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        for (int i = 0; i < 2; i++) { // the first upgrades, the second is a real HTTP/2 stream
            var r = h2.send(HttpRequest.newBuilder(uri("/public/h2-outcome-" + i))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            String line = waitForAuditLine("/public/h2-outcome-" + i);
            assertTrue(line.contains("\"outcome\":\"allowed\""), line);
            assertTrue(line.contains("\"status\":200"), line);
        }
    }

    @Test
    void h2cPriorKnowledgeIsServed() throws Exception {
        // The HTTP/2 connection preface, then SETTINGS: a server without h2c answers garbage or closes.
        String answer = proxy.raw("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + "\u0000\u0000\u0000\u0004\u0000\u0000\u0000\u0000\u0000");
        assertTrue(answer.length() >= 9 && answer.charAt(3) == 0x04, "server SETTINGS frame expected");
    }

    @Test
    void idleConnectionsAreClosed() throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", proxy.ports.proxy())) {
            s.setSoTimeout(10_000);
            long start = System.nanoTime();
            assertEquals(-1, s.getInputStream().read(), "the sidecar closes a silent connection");
            // A fresh connection owes its first head within request-timeout (1 s here). Its clock
            // starts at the accept, which may come before connect() returns here: a little slack.
            long millis = (System.nanoTime() - start) / 1_000_000L;
            assertTrue(millis >= 900 && millis < 8_000, "closed at the 1 s request timeout, took " + millis + " ms");
        }
    }

    @Test
    void slowAppGives504() throws Exception {
        var r = send(HttpRequest.newBuilder(uri("/public/slow?ms=3000")));
        assertEquals(504, r.statusCode());
        assertTrue(r.body().contains("upstream_timeout"), r.body());
    }

    @Test
    void appDownGives502Quickly(@TempDir Path otherKeys) throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (ProxyHarness down = new ProxyHarness(otherKeys, Map.of(Field.ROUTES, "name=all,path=/,action=allow"),
                InstantSource.system(), ProxyHarness::none)) {
            String answer = down.raw("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
            // The same app, seen through a second sidecar aimed at a closed port.
            try (ProxyHarness dead = new ProxyHarness(down.upstream, otherKeys, Map.of(
                    Field.ROUTES, "name=all,path=/,action=allow", Field.UPSTREAM, "127.0.0.1:" + closedPort),
                    InstantSource.system(), ProxyHarness::none)) {
                long start = System.nanoTime();
                String refused = dead.raw("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
                assertTrue(refused.startsWith("HTTP/1.1 502"), refused);
                assertTrue(refused.contains("upstream_unavailable"), refused);
                assertTrue(System.nanoTime() - start < 2_000_000_000L, "502 must come quickly");
            }
        }
    }

    @Test
    void everyRequestGetsOneAuditLineWithoutSecrets() throws Exception {
        send(HttpRequest.newBuilder(uri("/public/audited?token=abc")).POST(HttpRequest.BodyPublishers.ofString(
                "secret-body")).header("Signature", "sig1=:c2VjcmV0:"));
        String line = waitForAuditLine("/public/audited");
        assertTrue(line.startsWith("{\"time\":\""), line);
        assertTrue(line.contains("\"route\":\"public\""), line);
        assertTrue(line.contains("\"method\":\"POST\""), line);
        assertTrue(line.contains("\"outcome\":\"allowed\""), line);
        assertTrue(line.contains("\"status\":200"), line);
        assertTrue(!line.contains("secret-body") && !line.contains("c2VjcmV0") && !line.contains("token=abc"),
                "no body, signature or query in the audit line: " + line);
    }

    private static String waitForAuditLine(String path) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (String line : proxy.audit.toString(java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                if (line.contains("\"path\":\"" + path + "\"")) {
                    return line;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no audit line for " + path + " in: " + proxy.audit);
    }

    /**
     * App connections follow the requests in flight, not the clients: twenty keep-alive clients
     * taking turns are served over the idle app connection their event loop keeps, and while
     * they stay open and idle they hold none of their own (one per client ran a 64 MiB heap out
     * of memory at 6,700 idle clients).
     */
    @Test
    void appConnectionsFollowRequestsNotClients() throws Exception {
        int before = proxy.upstream.seen.size();
        var clients = new java.util.ArrayList<java.net.Socket>();
        try {
            for (int i = 0; i < 20; i++) {
                clients.add(new java.net.Socket("127.0.0.1", proxy.ports.proxy()));
            }
            for (int round = 0; round < 2; round++) {
                for (var s : clients) {
                    s.getOutputStream().write(("GET /public/turn-" + round + " HTTP/1.1\r\nHost: a\r\n\r\n")
                            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    assertTrue(readAnswer(s).startsWith("HTTP/1.1 200"));
                }
            }
            var peers = new java.util.HashSet<Integer>();
            proxy.upstream.seen.subList(before, before + 40).forEach(seen -> peers.add(seen.peerPort()));
            assertTrue(peers.size() <= 2, "40 requests in turn took at most 2 app connections, not one per client: "
                    + peers);
            double open = Load.sample(proxy.metrics(), "sigcar_upstream_connections");
            assertTrue(open >= 1 && open < 5, "20 idle clients hold no app connection each: " + open);
        } finally {
            for (var s : clients) {
                s.close();
            }
        }
    }

    /**
     * What the app does to its connection does not reach the client's: an app that closes after
     * an answer gets a new connection for the next request, a 1xx is not relayed, a HEAD answer
     * has no body, and pipelined requests are answered in order.
     */
    @Test
    void aClientConnectionOutlivesWhatTheAppDoesToItsLink() throws Exception {
        int before = proxy.upstream.seen.size();
        try (var s = new java.net.Socket("127.0.0.1", proxy.ports.proxy())) {
            var out = s.getOutputStream();
            java.util.function.Consumer<String> send = text -> {
                try {
                    out.write(text.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            };
            send.accept("GET /public/close HTTP/1.1\r\nHost: a\r\n\r\n");
            String closed = readAnswer(s);
            assertTrue(closed.startsWith("HTTP/1.1 200"), closed);
            assertFalse(closed.toLowerCase(java.util.Locale.ROOT).contains("connection: close"),
                    "the app's Connection field is hop-by-hop: " + closed);
            send.accept("GET /public/after-close HTTP/1.1\r\nHost: a\r\n\r\n");
            assertTrue(readAnswer(s).startsWith("HTTP/1.1 200"), "served over a new app connection");
            send.accept("GET /public/hints HTTP/1.1\r\nHost: a\r\n\r\n");
            String hinted = readAnswer(s);
            assertTrue(hinted.startsWith("HTTP/1.1 200"), "the 103 is not relayed: " + hinted);
            send.accept("HEAD /public/head HTTP/1.1\r\nHost: a\r\n\r\n");
            String head = readHead(s);
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
            send.accept("GET /public/p1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /public/p2 HTTP/1.1\r\nHost: a\r\n"
                    + "Content-Length: 3\r\n\r\nabc");
            assertTrue(readAnswer(s).startsWith("HTTP/1.1 200"), "first pipelined request");
            assertTrue(readAnswer(s).startsWith("HTTP/1.1 200"), "second pipelined request, right after the HEAD's"
                    + " answer: no body bytes were left in between");
        }
        var seen = proxy.upstream.seen.subList(before, proxy.upstream.seen.size());
        assertEquals(java.util.List.of("/public/close", "/public/after-close", "/public/hints", "/public/head",
                "/public/p1", "/public/p2"), seen.stream().map(RecordingUpstream.Seen::uri).toList());
        assertTrue(seen.get(0).peerPort() != seen.get(1).peerPort(), "a new app connection after the app closed");
        assertEquals("abc", new String(seen.get(5).body(), java.nio.charset.StandardCharsets.US_ASCII));
    }

    /**
     * The app's status line reaches the client as the app wrote it; a 304 that has no length
     * field goes on without one (no chunked framing is put on an answer that has no body), and
     * the connection carries the next request.
     */
    @Test
    void theAppsStatusLineIsRelayed() throws Exception {
        try (var s = new java.net.Socket("127.0.0.1", proxy.ports.proxy())) {
            var out = s.getOutputStream();
            out.write("GET /public/not-modified HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String notModified = readHead(s);
            assertTrue(notModified.startsWith("HTTP/1.1 304 Not Modified\r\n"), notModified);
            String fields = notModified.toLowerCase(java.util.Locale.ROOT);
            assertFalse(fields.contains("transfer-encoding"), notModified);
            assertFalse(fields.contains("content-length"), notModified);
            out.write("GET /public/phrase HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String phrase = readAnswer(s);
            assertTrue(phrase.startsWith("HTTP/1.1 200 Fine Thanks\r\n"), "the next answer, with the app's phrase: "
                    + phrase);
            out.write("GET /public/plain HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String plain = readAnswer(s);
            assertTrue(plain.startsWith("HTTP/1.1 200 OK\r\n"), plain);
        }
    }

    /**
     * The admin listener gets none of the proxy's guards: a head slower than the proxy's
     * request-timeout (1 s here) is still answered there, where the proxy cuts it.
     */
    @Test
    void theAdminListenerHasNoProxyGuards() throws Exception {
        try (var s = new java.net.Socket("127.0.0.1", proxy.ports.admin())) {
            s.getOutputStream().write("GET /healthz HTTP/1.1\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            Thread.sleep(1_500);
            s.getOutputStream().write("Host: a\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            assertTrue(readHead(s).startsWith("HTTP/1.1 200"), "the scrape was answered after 1.5 s");
        }
        try (var s = new java.net.Socket("127.0.0.1", proxy.ports.proxy())) {
            s.getOutputStream().write("GET /public/slow-head HTTP/1.1\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            Thread.sleep(1_500);
            String answer;
            try {
                s.getOutputStream().write("Host: a\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                answer = readHead(s);
            } catch (java.io.IOException cut) {
                answer = cut.toString();
            }
            assertFalse(answer.startsWith("HTTP/1.1 200"), "the proxy's head deadline still holds: " + answer);
        }
    }

    /** A response head without reading a body (the answer to a HEAD request, or a 101). */
    static String readHead(java.net.Socket s) throws Exception {
        s.setSoTimeout(5_000);
        var in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new java.io.EOFException("closed after: " + head);
            }
            head.append((char) c);
        }
        return head.toString();
    }

    /** One whole answer with a Content-Length body, read off a keep-alive socket. */
    private static String readAnswer(java.net.Socket s) throws Exception {
        String head = readHead(s);
        var m = java.util.regex.Pattern.compile("(?im)^content-length:\\s*(\\d+)").matcher(head);
        assertTrue(m.find(), head);
        s.getInputStream().readNBytes(Integer.parseInt(m.group(1)));
        return head;
    }

    @Test
    void histogramCountsMatchTheRequestsSent() throws Exception {
        double answeredBefore = Load.sample(proxy.metrics(), "sigcar_upstream_responses_total{code=\"2xx\"}");
        for (int i = 0; i < 7; i++) {
            assertEquals(200, send(HttpRequest.newBuilder(uri("/counted"))).statusCode());
        }
        String m = proxy.metrics();
        assertTrue(m.contains("sigcar_request_duration_seconds_count{outcome=\"allowed\",route=\"counted\"} 7"), m);
        assertTrue(m.contains("sigcar_request_duration_seconds_bucket{outcome=\"allowed\",route=\"counted\",le=\"+Inf\"} 7"),
                "buckets add up to the count");
        assertTrue(m.contains("sigcar_upstream_duration_seconds_count"), "upstream histogram");
        assertEquals(answeredBefore + 7, Load.sample(m, "sigcar_upstream_responses_total{code=\"2xx\"}"),
                "the app's answers by status class");
        assertFalse(m.contains("vertx_http_"), "Vert.x's own HTTP meters are off (ours count the same)");
    }

    @Test
    void metricsCountWhatWasSent() throws Exception {
        for (int i = 0; i < 3; i++) {
            send(HttpRequest.newBuilder(uri("/admin/x")));
        }
        String m = proxy.metrics();
        assertTrue(m.contains("sigcar_request_duration_seconds_bucket"), "histogram exported");
        assertTrue(m.matches("(?s).*sigcar_rejections_total\\{reason=\"denied\"} ([3-9]|\\d\\d+)\\.0.*"), m);
        assertTrue(m.contains("sigcar_crypto_provider{algorithm=\"hmac-sha256\",provider=\"native\"}"), "crypto gauge");
    }
}
