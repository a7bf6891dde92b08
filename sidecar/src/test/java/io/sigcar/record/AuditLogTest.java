package io.sigcar.record;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The audit writer: whole lines, in batches rather than one write per request, bounded, drops counted. */
class AuditLogTest {

    private static final double[] BUCKETS = {0.001, 0.01};

    private static AuditLog.Entry entry(int i) {
        return new AuditLog.Entry(Instant.EPOCH, "default", "GET", "/p/" + i + "\"\n", null, Outcome.ALLOWED, null,
                200, i);
    }

    /** Records how many times the writer wrote, and everything it wrote. */
    private static class Counting extends OutputStream {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final AtomicInteger writes = new AtomicInteger();

        @Override
        public synchronized void write(int b) {
            writes.incrementAndGet();
            bytes.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            writes.incrementAndGet();
            bytes.write(b, off, len);
        }

        synchronized String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }

    /** The time is cached per second: every line must still read exactly as Instant.toString writes it. */
    @Test
    void timesAreWrittenAsInstantWritesThem() throws Exception {
        var random = new java.util.Random(42);
        List<Instant> times = new java.util.ArrayList<>(List.of(Instant.EPOCH, Instant.parse("2026-12-02T18:50:12Z"),
                Instant.parse("2026-12-02T18:50:12.001Z"), Instant.parse("2026-12-02T18:50:12.120Z"),
                Instant.parse("2026-12-02T18:50:12.000100Z"), Instant.parse("2026-12-02T18:50:12.000000001Z"),
                Instant.parse("2026-12-02T18:50:12.999999999Z"), Instant.parse("2026-12-02T18:50:13.5Z"),
                Instant.parse("+10000-01-01T00:00:00.5Z"), Instant.now()));
        long base = Instant.parse("2026-12-02T18:50:12Z").getEpochSecond();
        for (int i = 0; i < 2_000; i++) {
            int nano = switch (i % 4) {
                case 0 -> random.nextInt(1_000) * 1_000_000;
                case 1 -> random.nextInt(1_000_000) * 1_000;
                default -> random.nextInt(1_000_000_000);
            };
            times.add(Instant.ofEpochSecond(base + random.nextInt(3), nano)); // the same few seconds, in any order
        }
        try (var audit = new AuditLog(OutputStream.nullOutputStream(),
                new Metrics(new SimpleMeterRegistry(), BUCKETS, List.of("default")))) {
            for (Instant t : times) {
                AuditLine line = new AuditLine();
                audit.time(line, t);
                assertEquals(t.toString(), line.toString());
            }
        }
    }

    /**
     * A value's bytes are what escaping it in a String and encoding that as UTF-8 gives: quote,
     * backslash and control characters escaped, everything else (Latin-1, other planes, an
     * unpaired surrogate as '?') as String.getBytes writes it.
     */
    @Test
    void valuesAreEscapedAndEncodedAsStringsWouldBe() {
        var random = new java.util.Random(7);
        char[] pool = {'a', 'Z', '0', ' ', '/', '"', '\\', '\n', '\r', '\t', 0, 0x1f, 0x7f, 0x80, 0x9f, 0xe9, 0xff,
            0x100, 0x7ff, 0x800, 0x4e2d, 0xfffd, 0xd83d, 0xde00, 0xdbff, 0xdc00};
        for (int n = 0; n < 5_000; n++) {
            char[] value = new char[random.nextInt(12)];
            for (int i = 0; i < value.length; i++) {
                value[i] = pool[random.nextInt(pool.length)];
            }
            String s = new String(value);
            StringBuilder escaped = new StringBuilder();
            for (char c : value) {
                switch (c) {
                    case '"' -> escaped.append("\\\"");
                    case '\\' -> escaped.append("\\\\");
                    default -> escaped.append(c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c));
                }
            }
            assertArrayEquals(escaped.toString().getBytes(StandardCharsets.UTF_8), new AuditLine().text(s).copy(),
                    () -> s.chars().mapToObj(Integer::toHexString).toList().toString());
        }
        for (long v : new long[] {0, 7, 10, 99, 100, 200, 1_234_567, Long.MAX_VALUE, -1, -10, Long.MIN_VALUE}) {
            assertEquals(Long.toString(v), new AuditLine().number(v).toString());
        }
    }

    @Test
    void linesAreWholeInOrderAndWrittenInBatches() throws Exception {
        var registry = new SimpleMeterRegistry();
        var out = new Counting();
        int n = 5_000;
        try (var audit = new AuditLog(out, new Metrics(registry, BUCKETS, List.of("default")))) {
            for (int i = 0; i < n; i++) {
                audit.write(entry(i));
            }
        }
        String[] lines = out.text().split("\n", -1);
        assertEquals(n + 1, lines.length, "one line per entry, each ended by a newline");
        for (int i = 0; i < n; i++) {
            assertTrue(lines[i].startsWith("{\"time\":\"1970-01-01T00:00:00Z\""), lines[i]);
            // The path's quote and newline are escaped: a client cannot break or forge a line.
            assertTrue(lines[i].contains("\"path\":\"/p/" + i + "\\\"\\u000a\""), lines[i]);
            assertTrue(lines[i].endsWith(",\"latency_us\":" + i + "}"), lines[i]);
        }
        assertEquals("", lines[n]);
        assertTrue(out.writes.get() <= n / 50, out.writes.get() + " writes for " + n + " lines: not batched");
        assertEquals(0.0, registry.get("sigcar.audit.dropped").counter().count());
    }

    @Test
    void aStuckOutputDropsAndCountsInsteadOfGrowing() throws Exception {
        var registry = new SimpleMeterRegistry();
        var release = new CountDownLatch(1);
        var writing = new CountDownLatch(1);
        var out = new Counting() {
            @Override
            public synchronized void write(byte[] b, int off, int len) {
                writing.countDown();
                try {
                    release.await(20, TimeUnit.SECONDS); // stdout's reader stopped reading
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                super.write(b, off, len);
            }
        };
        int n = 3 * AuditLog.CAPACITY;
        var audit = new AuditLog(out, new Metrics(registry, BUCKETS, List.of("default")));
        audit.write(entry(0));
        assertTrue(writing.await(5, TimeUnit.SECONDS), "the writer took the first line");
        for (int i = 1; i < n; i++) {
            audit.write(entry(i));
        }
        double dropped = registry.get("sigcar.audit.dropped").counter().count();
        assertEquals(n - 1 - AuditLog.CAPACITY, dropped, "all that did not fit the bounded queue is counted");
        release.countDown();
        audit.close();
        long written = out.text().lines().count();
        assertEquals(n - (long) dropped, written, "every line not counted as dropped is written");
    }
}
