package io.sigcar.accept;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * HTTP/1.1 framing and request-smuggling corpus: raw bytes from a socket through the real
 * sidecar to an app that logs and strictly re-parses every byte it gets. Each vector has an
 * expected class (refused, or forwarded exactly) and is also checked for a desync, defined in
 * {@link #desync}. The vectors are the classes of smuggler.py, PortSwigger's header
 * permutations and HTTP Garden's findings, written down as data in {@code smuggling/*.tsv}
 * and multiplied here by every byte value.
 */
class SmugglingCorpusTest {

    @TempDir
    static Path keys;
    static WireHarness wire;

    static final AtomicInteger TRIED = new AtomicInteger();
    static final AtomicInteger REJECTED = new AtomicInteger();
    static final AtomicInteger FORWARDED = new AtomicInteger();
    static final AtomicInteger DESYNCS = new AtomicInteger();
    /** Refusals answered by Sigcar (problem+json with a reason code) versus by Vert.x/Netty's decoder. */
    static final AtomicInteger OURS = new AtomicInteger();
    static final AtomicInteger DECODER = new AtomicInteger();
    static final List<String> DECODER_ANSWERED = java.util.Collections.synchronizedList(new ArrayList<>());

    /** What must happen to a vector. */
    sealed interface Expect {}

    /** Refused with {@code status} (0: 400 or 501), the connection closed, nothing forwarded. */
    record Reject(int status) implements Expect {}

    /** Closed without an answer, nothing forwarded (Vert.x's answer to an HTTP/2.0 request line). */
    record Drop() implements Expect {}

    /** Exactly these bodies reach the app, in order, each at the client's target; then maybe a refusal. */
    record Forward(List<String> bodies, boolean thenReject) implements Expect {}

    record Vector(String family, String name, byte[] bytes, Expect expect) {
        @Override
        public String toString() {
            return family + "/" + name;
        }
    }

    @BeforeAll
    static void start() throws Exception {
        wire = new WireHarness(keys, Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            // Every request the sidecar says it forwarded reached the app, and nothing else did.
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (wire.forwardedPerAudit() != wire.upstream.seen().size() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(wire.upstream.seen().size(), wire.forwardedPerAudit(), "audit and app disagree");
            assertEquals(List.of(), wire.upstream.faults(), "the app's parser faulted");
            System.out.printf("smuggling corpus: %d vectors tried, %d rejected, %d forwarded, %d desyncs; "
                    + "refusals answered by sigcar: %d, by the decoder: %d%n", TRIED.get(), REJECTED.get(),
                    FORWARDED.get(), DESYNCS.get(), OURS.get(), DECODER.get());
            System.out.println("answered by the decoder without a reason code: " + DECODER_ANSWERED);
            // Only an unsupported HTTP version is answered by Vert.x itself (501, then close).
            assertTrue(DECODER_ANSWERED.stream().allMatch(a -> a.startsWith("framing/version-")
                    || a.startsWith("framing/lower-version")), "refusals without a reason code: " + DECODER_ANSWERED);
        } finally {
            wire.close();
        }
    }

    // ---------------------------------------------------------------- the corpus

    static final String HEAD = "POST /public/x HTTP/1.1\r\nHost: a\r\n";

    static Stream<Vector> corpus() {
        List<Vector> all = new ArrayList<>();
        for (String[] row : table("te-mutations.tsv")) {
            String name = row[0];
            String m = new String(RawClient.unescape(row[1]), StandardCharsets.ISO_8859_1);
            String kind = row[2];
            all.add(new Vector("cl.te", name, bytes(HEAD + "Content-Length: 5\r\n" + m + "\r\n\r\n0\r\n\r\n"),
                    kind.equals("other") ? forward("0\r\n\r\n") : new Reject(0)));
            all.add(new Vector("te.cl", name, bytes(HEAD + m + "\r\nContent-Length: 5\r\n\r\n0\r\n\r\n"),
                    kind.equals("other") ? forward("0\r\n\r\n") : new Reject(0)));
            all.add(new Vector("te", name, bytes(HEAD + m + "\r\n\r\n5\r\nhello\r\n0\r\n\r\n"), switch (kind) {
                case "chunked" -> forward("hello");
                case "other" -> new Forward(List.of(""), true); // no framing: the chunks are a bad next request
                case "te", "bad" -> new Reject(0);
                default -> throw new IllegalArgumentException("kind " + kind + " of " + name);
            }));
        }
        for (String[] row : table("framing.tsv")) {
            all.add(new Vector("framing", row[0], RawClient.unescape(row[1]), expectation(row[2])));
        }
        return all.stream();
    }

    /** smuggler.py's byte sweeps: every byte around the value (TE only), after the name and before the line (CL.TE). */
    static List<Vector> byteSweeps() {
        List<Vector> all = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            String c = String.valueOf((char) b);
            String hex = String.format("%02x", b);
            boolean ows = b == ' ' || b == '\t';
            boolean tchar = isTchar(b);
            // smuggler.py's byte sweeps: around the value (TE only), after the name and before the line (CL.TE).
            String head = HEAD.replace("/public/x", "/public/sweep-" + hex);
            all.add(new Vector("value-suffix", hex, bytes(head.replace("sweep", "vs") + "Transfer-Encoding: chunked" + c
                    + "\r\n\r\n5\r\nhello\r\n0\r\n\r\n"), ows ? forward("hello") : new Reject(0)));
            all.add(new Vector("value-prefix", hex, bytes(head.replace("sweep", "vp") + "Transfer-Encoding:" + c
                    + "chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"), ows ? forward("hello") : new Reject(0)));
            all.add(new Vector("name-suffix", hex, bytes(head.replace("sweep", "ns") + "Content-Length: 5\r\nTransfer-Encoding" + c
                    + ": chunked\r\n\r\n0\r\n\r\n"), tchar ? forward("0\r\n\r\n") : new Reject(0)));
            all.add(new Vector("line-prefix", hex, bytes(head.replace("sweep", "lp") + "Content-Length: 5\r\n" + c
                    + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), tchar ? forward("0\r\n\r\n") : new Reject(0)));
        }
        return all;
    }

    static Forward forward(String body) {
        return new Forward(List.of(body), false);
    }

    static Expect expectation(String s) {
        if (s.equals("reject")) {
            return new Reject(0);
        }
        if (s.startsWith("reject:")) {
            return new Reject(Integer.parseInt(s.substring(7)));
        }
        if (s.equals("drop")) {
            return new Drop();
        }
        if (s.startsWith("fwd:")) {
            boolean then = s.endsWith(";reject");
            String body = s.substring(4, then ? s.length() - 7 : s.length());
            return new Forward(List.of(new String(RawClient.unescape(body), StandardCharsets.ISO_8859_1)), then);
        }
        throw new IllegalArgumentException("expectation " + s);
    }

    static boolean isTchar(int b) {
        return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z')
                || "!#$%&'*+-.^_`|~".indexOf(b) >= 0;
    }

    static List<String[]> table(String name) {
        try (InputStream in = SmugglingCorpusTest.class.getResourceAsStream("/smuggling/" + name)) {
            List<String[]> rows = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] row = line.split("\t", -1);
                if (row.length != 3) {
                    throw new IllegalArgumentException(name + ": not 3 columns: " + line);
                }
                rows.add(row);
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    // ---------------------------------------------------------------- the check

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void vector(Vector v) throws Exception {
        check(v);
    }

    /**
     * The 1024 byte-sweep vectors run 16 at a time, each at its own target so the app's log
     * tells them apart; the check per vector is the same as for the named ones.
     */
    @Test
    void byteSweep() throws Exception {
        List<Vector> sweep = byteSweeps();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(16)) {
            for (Vector v : sweep) {
                pool.execute(() -> {
                    try {
                        check(v);
                    } catch (Throwable t) {
                        failures.add(t.getMessage());
                    }
                });
            }
        }
        assertEquals(List.of(), failures, failures.size() + " of " + sweep.size() + " byte-sweep vectors failed");
    }

    static final AtomicInteger IDS = new AtomicInteger();

    static void check(Vector named) throws Exception {
        // Each vector gets its own target, so what the app logged can be told apart per vector.
        String raw = new String(named.bytes(), StandardCharsets.ISO_8859_1);
        Vector v = raw.contains("/public/x") ? new Vector(named.family(), named.name(),
                bytes(raw.replaceFirst("/public/x", "/public/x-" + IDS.incrementAndGet())), named.expect()) : named;
        TRIED.incrementAndGet();
        int faultsBefore = wire.upstream.faults().size();
        int forwards = v.expect() instanceof Forward f ? f.bodies().size() : 0;
        boolean refusal = v.expect() instanceof Reject || v.expect() instanceof Drop || (v.expect() instanceof Forward f && f.thenReject());
        RawClient.Exchange ex = RawClient.send(wire.ports.proxy(), v.bytes(), forwards + (refusal ? 1 : 0), refusal,
                5_000);
        String target = targetOf(v.bytes());
        List<RawUpstream.Seen> reached = wire.upstream.seen().stream().filter(s -> s.target().equals(target)).toList();

        // A fault cannot be told apart by target; run concurrently, one vector's fault may show in another's.
        String desync = desync(v, ex, reached, wire.upstream.faults().subList(faultsBefore,
                wire.upstream.faults().size()));
        if (desync != null) {
            DESYNCS.incrementAndGet();
        }
        assertNull(desync, v + ": DESYNC");
        if (reached.isEmpty()) {
            REJECTED.incrementAndGet();
        } else {
            FORWARDED.incrementAndGet();
        }

        String answers = ex.responses().stream().map(RawClient.Response::text).toList().toString();
        assertTrue(!ex.timedOut(), v + ": the sidecar neither answered nor closed in time: " + answers);
        switch (v.expect()) {
            case Reject r -> {
                assertEquals(0, reached.size(), v + ": refused vector reached the app: " + reached);
                assertTrue(!ex.responses().isEmpty(), v + ": a refusal expected, got nothing");
                // Bytes after the refused head may already sit in Netty's buffer: Vert.x answers those
                // with its own bare 400 before the close lands. Nothing reaches the app either way.
                for (RawClient.Response late : ex.responses().subList(1, ex.responses().size())) {
                    assertEquals(400, late.status(), v + ": after the refusal only a 400 may follow: " + answers);
                }
                int status = ex.responses().getFirst().status();
                if (ex.responses().getFirst().text().contains("application/problem+json")) {
                    OURS.incrementAndGet();
                } else {
                    DECODER.incrementAndGet();
                    DECODER_ANSWERED.add(v + " " + ex.responses().getFirst().head().lines().findFirst().orElse(""));
                }
                assertTrue(r.status() == 0 ? status == 400 || status == 501 : status == r.status(),
                        v + ": status " + status + ": " + answers);
                assertTrue(ex.closed(), v + ": connection must close after a framing refusal");
            }
            case Drop d -> {
                assertEquals(0, reached.size(), v + ": dropped vector reached the app: " + reached);
                assertEquals(0, ex.responses().size(), v + ": " + answers);
                assertTrue(ex.closed(), v + ": connection must close");
            }
            case Forward f -> {
                assertEquals(f.bodies(), reached.stream().map(s -> new String(s.body(), StandardCharsets.ISO_8859_1))
                        .toList(), v + ": forwarded bodies");
                for (int i = 0; i < f.bodies().size(); i++) {
                    assertEquals(200, ex.responses().get(i).status(), v + ": " + answers);
                }
                if (f.thenReject()) {
                    assertEquals(f.bodies().size() + 1, ex.responses().size(), v + ": " + answers);
                    assertEquals(400, ex.responses().getLast().status(), v + ": " + answers);
                    assertTrue(ex.closed(), v + ": connection must close after the refusal");
                }
            }
        }
    }

    /** The target as a lenient reader of the request line takes it (Netty allows runs of spaces and tabs). */
    static String targetOf(byte[] request) {
        java.util.regex.Matcher first = java.util.regex.Pattern.compile("^\\s*\\S+[ \\t]+(\\S+)")
                .matcher(new String(request, StandardCharsets.ISO_8859_1));
        return first.find() ? first.group(1) : "";
    }

    /**
     * Null, or why this exchange is a desync. A desync is any of: (1) the app's strict parser
     * could not frame the bytes the sidecar sent it; (2) the app received a different number of
     * requests than the client got answers from the app (each app answer is "ok", so that count is
     * the number of requests in the client's bytes as the sidecar framed and forwarded them);
     * (3) a forwarded request is not one the client sent: another target, or a header field that
     * was not in the client's header section and is not one the sidecar adds (a merged trailer,
     * a smuggled second request's field), or a client-sent {@code Sigcar-*} field.
     */
    static String desync(Vector v, RawClient.Exchange ex, List<RawUpstream.Seen> reached, List<String> faults) {
        if (!faults.isEmpty()) {
            return "the app could not frame what the sidecar sent: " + faults;
        }
        long appAnswers = ex.responses().stream().filter(r -> r.status() == 200
                && Arrays.equals(r.body(), "ok".getBytes(StandardCharsets.US_ASCII))).count();
        if (appAnswers != reached.size()) {
            return reached.size() + " requests reached the app but the client got " + appAnswers + " app answers";
        }
        String sent = new String(v.bytes(), StandardCharsets.ISO_8859_1);
        String target = targetOf(v.bytes());
        Set<String> allowed = new HashSet<>(Set.of("host", "content-length", "x-forwarded-for", "x-forwarded-proto",
                "x-forwarded-host", "forwarded"));
        int headEnd = sent.indexOf("\r\n\r\n");
        for (String line : sent.substring(0, Math.max(0, headEnd)).split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                allowed.add(line.substring(0, colon).toLowerCase(Locale.ROOT));
            }
        }
        for (RawUpstream.Seen s : reached) {
            if (!s.target().equals(target)) {
                return "the app got target " + s.target() + ", the client sent " + target;
            }
            for (String[] h : s.headers()) {
                if (!allowed.contains(h[0]) || h[0].startsWith("sigcar-")) {
                    return "the app got field " + h[0] + " that the client's header section did not carry";
                }
            }
        }
        return null;
    }
}
